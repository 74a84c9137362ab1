/*
 * ike_quickmode.c: quick mode (RFC 2409 5.5) with and without PFS on both sides: QM1..QM3,
 * CHILD_SA keys, rekeys and the inbound half installed at QM2:
 *
 *   HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr -->                       QM1
 *                <-- HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr          QM2
 *   HDR*, HASH(3)                -->                                   QM3
 *
 * Shares the peer's state with ike_peer.c through ike_peer_int.h (see ike_peer.h).
 */
#include "peers/ike/ike_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "peers/ike/ike_crypto.h"
#include "peers/ike/ike_peer_int.h"
#include "peers/ike/ike_select.h"


/* ---- quick mode ---- */

static struct child *child_new(struct ike_peer *p)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (p->ch[i].st == CH_NONE || p->ch[i].st == CH_DEAD) {
			struct child *c = &p->ch[i];

			ike_dh_free(&c->dh);
			memset(c, 0, sizeof *c);
			c->replaces = -1;
			c->rekey_at = c->expire_at = LAB_NEVER;
			return c;
		}
	return NULL;
}

struct child *ikep_child_by_mid(struct ike_peer *p, int sa, uint32_t mid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (p->ch[i].st != CH_NONE && p->ch[i].st != CH_DEAD && p->ch[i].sa == sa &&
		    p->ch[i].mid == mid)
			return &p->ch[i];
	return NULL;
}

/* HASH payload + payloads, encrypted with iv: the layout of every phase-2 message. */
static int send_hashed(struct ike_peer *p, struct ikesa *s, uint8_t exch, uint32_t mid,
                       const uint8_t *hash, const struct isakmp_builder *rest, uint8_t *iv,
                       struct ike_packet *pkt)
{
	struct isakmp_builder b;
	int err;

	isakmp_build_init(&b);
	isakmp_pl_begin(&b, ISAKMP_PT_HASH);
	isakmp_put(&b, hash, ike_hash_len(s->prop.hash));
	isakmp_pl_end(&b);
	if (rest) {
		b.buf[b.np_at] = rest->first_np;
		isakmp_put(&b, rest->buf, rest->len);
	}
	if (b.overflow)
		return -EMSGSIZE;
	err = ikep_frame_enc(p, s, pkt, exch, mid, ISAKMP_PT_HASH, b.buf, b.len, iv);
	if (!err)
		ikep_queue_packet(p, pkt);
	return err;
}

void ikep_start_qm(struct ike_peer *p, struct ikesa *s, int replaces)
{
	struct child *c = child_new(p);
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t spi[4], h[IKE_HASH_MAX], m[4], idb[40];
	size_t at, n;
	lab_ns life = ikep_lifetime_or(p->pol.esp_lifetime, lab_sec(3600));
	int group = p->pol.esp[0].group;

	if (!c) {
		ikep_log(p, "no free CHILD_SA slot");
		return;
	}
	c->sa = ikep_sa_index(p, s);
	c->initiator = true;
	c->replaces = replaces;
	c->mid = ikep_rand_nonzero32(p);
	c->spi_in = ikep_rand_nonzero32(p);
	c->nil = NONCE_LEN;
	drbg_bytes(p->drbg, c->ni, c->nil);
	c->pfs = group != 0;
	if (c->pfs && ike_dh_init(&c->dh, group, p->drbg))
		return;
	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), c->mid, c->iv);
	ikep_put_be32(spi, c->spi_in);
	isakmp_build_init(&b);
	at = ikep_put_sa_begin(&b, 1, ISAKMP_PROTO_ESP, spi, 4, p->pol.nesp);
	for (int i = 0; i < p->pol.nesp; i++)
		ikep_put_esp_transform(&b, (uint8_t)(i + 1), i + 1 == p->pol.nesp, &p->pol.esp[i],
				       s->encap, life, p->pol.esp_lifebytes);
	ikep_put_sa_end(&b, at);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, c->ni, c->nil);
	if (c->pfs)
		isakmp_put_payload(&b, ISAKMP_PT_KE, c->dh.pub, c->dh.len);
	n = ikep_ts_body(&p->pol.local_ts, idb);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, n);
	n = ikep_ts_body(&p->pol.remote_ts, idb);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, n);
	ikep_put_be32(m, c->mid);
	{
		struct ike_iov v[] = { { m, 4 }, { b.buf, b.len } };

		ike_prf(s->prop.hash, s->ska, ike_hash_len(s->prop.hash), v, 2, h);
	}
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, c->mid, h, &b, c->iv, &pkt))
		return;
	ikep_arm_xmit(p, &c->xm, &pkt);
	c->st = QM_I1;
	ikep_log(p, "generating QUICK_MODE request %u [ HASH SA No%s ID ID ]", c->mid,
	      c->pfs ? " KE" : "");
}

/* KEYMAT of the SA with SPI x protects traffic sent to x: inbound from our SPI, outbound
 * from the peer's (research notes 2.5); encryption key, then integrity key. */
static void child_keys(struct ikesa *s, const struct child *c, const uint8_t *gxy, size_t glen,
                       uint32_t spi, struct ike_child_keys *k)
{
	size_t el = (size_t)c->prop.keylen / 8, il = ike_esp_integ_keylen(c->prop.hash);
	uint8_t km[128];

	ike_keymat(s->prop.hash, s->skd, gxy, glen, ISAKMP_PROTO_ESP, spi, c->ni, c->nil, c->nr,
	           c->nrl, km, el + il);
	k->spi = spi;
	memcpy(k->enc, km, el);
	k->enc_len = el;
	memcpy(k->integ, km + el, il);
	k->integ_len = il;
	OPENSSL_cleanse(km, sizeof km);
}

/* Responder, QM2 just sent: the inbound half goes to the data plane now. strongSwan installs
 * its inbound SA when it sends QM2 and the outbound one on QM3, so an initiator may send ESP
 * as soon as QM3 is out; a responder that installed only on QM3 would drop what arrives
 * first whenever the ESP overtakes QM3 or is handled before it. */
static void child_inbound(struct ike_peer *p, struct ikesa *s, struct child *c)
{
	struct ike_event *e = ikep_event(p, IKE_EV_CHILD_SA_INBOUND);

	child_keys(s, c, c->pfs ? c->gxy_buf : NULL, c->pfs ? c->dh.len : 0, c->spi_in, &e->in);
	e->spi_in = c->spi_in;
	e->spi_out = c->spi_out;
	e->lifetime = c->lifetime;
	e->lifebytes = c->lifebytes;
	e->prop = c->prop;
	e->udp_encap = s->encap;
	e->local = s->local;
	e->remote = s->remote;
	ike_prop_strongswan(&c->prop, true, e->proposal, sizeof e->proposal);
	snprintf(e->detail, sizeof e->detail, "installing inbound SA %08x of CHILD_SA %08x_i "
	         "%08x_o before QM3", c->spi_in, c->spi_in, c->spi_out);
	ikep_log(p, "%s", e->detail);
	c->in_reported = true;
}

/*
 * A rekey just completed: a CHILD_SA replaced by an earlier rekey (two generations back) is
 * deleted now, DELETE sent. Like strongSwan's IKEv1 default (charon.delete_rekeyed = no) the
 * pair a rekey replaced stays, for packets still on the way, until it expires; but with
 * kilobyte lifetimes traffic leaves it before it reaches its byte limit, and rekeys can follow
 * each other within seconds: kept to their time expiry they would fill every CHILD_SA slot.
 * So at most the current pair and the one it replaced live on.
 */
static void drop_superseded(struct ike_peer *p, const struct child *c)
{
	const struct child *prev = &p->ch[c->replaces];

	for (int k = 0; k < MAX_CHILDREN; k++) {
		struct child *o = &p->ch[k];

		if (o == c || o == prev || o->st != CH_UP || !o->rekeyed || o->sa != c->sa)
			continue;
		ikep_send_delete_child(p, &p->sa[o->sa], o);
		ikep_child_kill(p, o, "superseded by two rekeys", true);
	}
}

static void child_up(struct ike_peer *p, struct ikesa *s, struct child *c)
{
	uint8_t gxy[IKE_DH_MAX];
	size_t glen = 0;
	struct ike_event *e;
	char prop[128], lts[64], rts[64];
	lab_ns margin = p->pol.rekey_margin > 0 ? p->pol.rekey_margin : c->lifetime / 10;
	lab_ns jitter = p->pol.rekey_jitter > 0 ?
	                (lab_ns)drbg_uniform(p->drbg, (uint64_t)p->pol.rekey_jitter) : 0;

	if (c->pfs) {
		glen = c->dh.len;
		memcpy(gxy, c->gxy_buf, glen);
	}
	e = ikep_event(p, c->replaces >= 0 ? IKE_EV_CHILD_SA_REKEYED : IKE_EV_CHILD_SA_ESTABLISHED);
	child_keys(s, c, glen ? gxy : NULL, glen, c->spi_in, &e->in);
	child_keys(s, c, glen ? gxy : NULL, glen, c->spi_out, &e->out);
	OPENSSL_cleanse(gxy, sizeof gxy);
	OPENSSL_cleanse(c->gxy_buf, sizeof c->gxy_buf);
	ike_dh_free(&c->dh);
	c->st = CH_UP;
	c->xm.active = false;
	if (s->replaced && ikep_sa_up(p)) {
		/* quick mode finished on an SA a reauthentication or a collision replaced: the
		 * CHILD_SA lives on with the survivor, as the ones moved before it */
		c->sa = ikep_sa_index(p, ikep_sa_up(p));
	}
	c->established = p->now;
	c->expire_at = p->now + c->lifetime;
	/* With an initiator policy on both ends (two always-up gateways) both would rekey at the
	 * same moment and end with two new pairs each time (no IKEv1 rule resolves that), and
	 * twice as many at the next rekey. The IKE_SA's responder waits until half the margin
	 * before expiry: it rekeys only when the other end did not (a responder-only peer). The
	 * same rule as for the byte soft limit (ike_lifetime.c). */
	c->rekey_at = !p->pol.initiator ? LAB_NEVER :
	              s->initiator ? p->now + c->lifetime - margin - jitter :
	              p->now + c->lifetime - (margin + jitter) / 2;
	e->spi_in = c->spi_in;
	e->spi_out = c->spi_out;
	e->lifetime = c->lifetime;
	e->lifebytes = c->lifebytes;
	if (c->lifebytes && p->pol.rekey_jitter > 0 && c->lifetime > 0)
		c->bytes_jitter = drbg_uniform(p->drbg, (uint64_t)((double)c->lifebytes *
		                  (double)p->pol.rekey_jitter / (double)c->lifetime) + 1);
	e->prop = c->prop;
	e->udp_encap = s->encap;
	e->local = s->local;
	e->remote = s->remote;
	if (c->replaces >= 0) {
		e->old_spi_in = p->ch[c->replaces].spi_in;
		e->old_spi_out = p->ch[c->replaces].spi_out;
		p->ch[c->replaces].rekeyed = true;
		p->ch[c->replaces].rekey_at = LAB_NEVER;
	}
	ike_prop_strongswan(&c->prop, true, prop, sizeof prop);
	ikep_ts_text(&p->pol.local_ts, lts, sizeof lts);
	ikep_ts_text(&p->pol.remote_ts, rts, sizeof rts);
	snprintf(e->detail, sizeof e->detail, "CHILD_SA %s with SPIs %08x_i %08x_o and TS %s === %s",
	         c->replaces >= 0 ? "rekeyed" : "established", c->spi_in, c->spi_out, lts, rts);
	snprintf(e->proposal, sizeof e->proposal, "%s", prop);
	ikep_log(p, "%s", e->detail);
	if (c->replaces >= 0)
		drop_superseded(p, c);
	ikep_send_forgotten_deletes(p, &p->sa[c->sa]);
}


static bool same_net(const struct ike_net *n, const struct isakmp_id_pl *id)
{
	struct ike_net x;
	uint8_t body[40];
	size_t l = ikep_ts_body(n, body);

	(void)x;
	return id->type == body[0] && id->len == l - 4 && !memcmp(id->data, body + 4, l - 4);
}

/* Verify the HASH payload that opens pt: prf(SKEYID_a, [prefix] M-ID [Ni_b] | rest). */
bool ikep_verify_p2_hash(struct ikesa *s, const struct isakmp_chain *c, uint32_t mid,
                         const uint8_t *nonce, size_t nlen)
{
	uint8_t h[IKE_HASH_MAX], m[4];
	size_t hl = ike_hash_len(s->prop.hash);
	const uint8_t *rest;
	size_t rlen;

	if (c->n < 1 || c->pl[0].type != ISAKMP_PT_HASH || c->pl[0].body_len != hl)
		return false;
	rest = c->pl[0].raw + c->pl[0].raw_len;
	rlen = c->n > 1 ? (size_t)(c->pl[c->n - 1].raw + c->pl[c->n - 1].raw_len - rest) : 0;
	ikep_put_be32(m, mid);
	{
		struct ike_iov v[] = { { m, 4 }, { nonce, nonce ? nlen : 0 }, { rest, rlen } };

		ike_prf(s->prop.hash, s->ska, hl, v, 3, h);
	}
	return CRYPTO_memcmp(h, c->pl[0].body, hl) == 0;
}

int ikep_open_p2(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                 const struct isakmp_hdr *h, const uint8_t *iv, uint8_t *pt, uint8_t *next_iv,
                 struct isakmp_chain *c)
{
	struct isakmp_err err;

	if (!(h->flags & ISAKMP_FLAG_ENC)) {
		ikep_log(p, "%s message %u is not encrypted", isakmp_xchg_name(h->exch), h->msgid);
		return -EINVAL;
	}
	if (len - ISAKMP_HDR_LEN > ISAKMP_MSG_MAX ||
	    ikep_decrypt_body(p, s, msg, len, iv, pt, next_iv))
		return -EINVAL;
	if (isakmp_chain_parse(h->np, pt, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, c, &err) < 0) {
		ikep_log(p, "%s message %u: %s at offset %zu", isakmp_xchg_name(h->exch), h->msgid,
		      err.msg, err.off);
		return -EINVAL;
	}
	if (c->n < 1 || c->pl[0].type != ISAKMP_PT_HASH) {
		ikep_log(p, "expected HASH payload as first payload");
		return -EINVAL;
	}
	return 0;
}

static void send_p2_notify(struct ike_peer *p, struct ikesa *s, uint16_t type, uint32_t spi)
{
	struct isakmp_builder b;
	uint8_t sp[4];

	ikep_put_be32(sp, spi);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ESP, sp, 4, type, NULL, 0);
	ikep_send_info(p, s, &b);
	ikep_log(p, "sending %s", isakmp_notify_name(type));
}

void ikep_handle_qm1(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], iv[16], next_iv[16], hash[IKE_HASH_MAX], m[4], spi[4];
	struct isakmp_chain c;
	struct isakmp_sa sa;
	struct isakmp_err err;
	struct isakmp_id_pl idi, idr;
	const struct isakmp_pl *sapl, *npl, *kepl, *ids[2] = { NULL, NULL };
	struct child *ch;
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t pi, ti, at, nid = 0;
	lab_ns life, echo_life;
	uint64_t off_kb, use_kb;
	bool send_rl = false;
	int encap;

	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), h->msgid, iv);
	if (ikep_open_p2(p, s, msg, len, h, iv, pt, next_iv, &c))
		return;
	if (!ikep_verify_p2_hash(s, &c, h->msgid, NULL, 0)) {
		ikep_log(p, "QUICK_MODE request %u: HASH(1) does not verify", h->msgid);
		return;
	}
	sapl = isakmp_chain_find(&c, ISAKMP_PT_SA);
	npl = isakmp_chain_find(&c, ISAKMP_PT_NONCE);
	kepl = isakmp_chain_find(&c, ISAKMP_PT_KE);
	for (size_t i = 0; i < c.n && nid < 2; i++)
		if (c.pl[i].type == ISAKMP_PT_ID)
			ids[nid++] = &c.pl[i];
	if (!sapl || !npl || npl->body_len < 8 || npl->body_len > NONCE_MAX ||
	    isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0) {
		ikep_log(p, "QUICK_MODE request %u: malformed (%s)", h->msgid,
		      !sapl ? "no SA" : !npl ? "no nonce" : err.msg);
		return;
	}
	if (nid == 2 && (isakmp_id_parse(ids[0], &idi, &err) < 0 ||
	                 isakmp_id_parse(ids[1], &idr, &err) < 0 ||
	                 !same_net(&p->pol.remote_ts, &idi) || !same_net(&p->pol.local_ts, &idr))) {
		char a[96] = "?", b2[96] = "?";
		struct ike_event *e;

		isakmp_id_format(&idi, a, sizeof a);
		isakmp_id_format(&idr, b2, sizeof b2);
		e = ikep_event(p, IKE_EV_ERROR);
		snprintf(e->detail, sizeof e->detail, "traffic selectors %s === %s inacceptable", a, b2);
		ikep_log(p, "%s", e->detail);
		send_p2_notify(p, s, ISAKMP_N_INVALID_ID_INFORMATION, 0);
		return;
	}
	ch = child_new(p);
	if (!ch)
		return;
	if (!ikep_select_prop(p, &sa, true, p->pol.esp, p->pol.nesp,
			      ikep_lifetime_or(p->pol.esp_lifetime, lab_sec(3600)), &pi, &ti, &ch->prop, &life,
			      &encap)) {
		struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		ikep_log_proposals(p, &sa, true);
		snprintf(e->detail, sizeof e->detail, "no matching proposal found, sending "
		         "NO_PROPOSAL_CHOSEN");
		ikep_log(p, "%s", e->detail);
		send_p2_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN, ikep_be32(sa.props[0].spi));
		return;
	}
	ch->sa = ikep_sa_index(p, s);
	ch->mid = h->msgid;
	ch->lifetime = life;
	{
		lab_ns offered;
		uint64_t mine_kb = p->pol.esp_lifebytes / IKE_KILOBYTE;

		/* kilobytes: the smaller of the two when both have one */
		ikep_life_read(&sa.props[pi].tr[ti], false, &offered, &off_kb);
		use_kb = off_kb && mine_kb ? (off_kb < mine_kb ? off_kb : mine_kb) :
		         off_kb ? off_kb : mine_kb;
		ch->lifebytes = use_kb * IKE_KILOBYTE;
		echo_life = life;
		if (p->pol.send_responder_lifetime &&
		    (offered > life || (mine_kb && (!off_kb || mine_kb < off_kb)))) {
			/* QM2 echoes the proposal; RESPONDER-LIFETIME says what we use instead */
			send_rl = true;
			echo_life = offered > life ? offered : life;
		}
	}
	/* a quick mode for selectors we already have a CHILD_SA for is its rekey */
	for (int k = 0; k < MAX_CHILDREN; k++)
		if (&p->ch[k] != ch && p->ch[k].st == CH_UP && !p->ch[k].rekeyed &&
		    p->ch[k].sa == ch->sa)
			ch->replaces = k;
	ch->spi_out = ikep_be32(sa.props[pi].spi);
	ch->spi_in = ikep_rand_nonzero32(p);
	ch->nil = npl->body_len;
	memcpy(ch->ni, npl->body, ch->nil);
	ch->nrl = NONCE_LEN;
	drbg_bytes(p->drbg, ch->nr, ch->nrl);
	ch->pfs = ch->prop.group != 0;
	if (ch->pfs) {
		if (!kepl || kepl->body_len != ike_modp_len(ch->prop.group) ||
		    ike_dh_init(&ch->dh, ch->prop.group, p->drbg) ||
		    ike_dh_shared(&ch->dh, kepl->body, kepl->body_len, ch->gxy_buf)) {
			ikep_log(p, "QUICK_MODE request %u: PFS without a usable KE payload", h->msgid);
			ch->st = CH_DEAD;
			return;
		}
	}
	{
		char prop[128];

		ike_prop_strongswan(&ch->prop, true, prop, sizeof prop);
		ikep_log(p, "selected proposal: %s", prop);
	}
	/* QM2: HASH(2), SA, Nr [, KE], IDci, IDcr */
	ikep_put_be32(spi, ch->spi_in);
	isakmp_build_init(&b);
	at = ikep_put_sa_begin(&b, sa.props[pi].num, ISAKMP_PROTO_ESP, spi, 4, 1);
	{
		struct isakmp_builder tb;

		/* the chosen transform with the initiator's transform number */
		isakmp_build_init(&tb);
		ikep_put_esp_transform(&b, sa.props[pi].tr[ti].num, true, &ch->prop, encap == 3 ||
				       encap == 61443, echo_life, off_kb * IKE_KILOBYTE);
		(void)tb;
	}
	ikep_put_sa_end(&b, at);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, ch->nr, ch->nrl);
	if (ch->pfs)
		isakmp_put_payload(&b, ISAKMP_PT_KE, ch->dh.pub, ch->dh.len);
	for (size_t i = 0; i < nid; i++)
		isakmp_put_payload(&b, ISAKMP_PT_ID, ids[i]->body, ids[i]->body_len);
	if (send_rl)
		ikep_put_responder_lifetime(p, &b, ISAKMP_PROTO_ESP, spi, 4, ch->lifetime, use_kb);
	ikep_put_be32(m, h->msgid);
	{
		struct ike_iov v[] = { { m, 4 }, { ch->ni, ch->nil }, { b.buf, b.len } };

		ike_prf(s->prop.hash, s->ska, ike_hash_len(s->prop.hash), v, 3, hash);
	}
	memcpy(ch->iv, next_iv, sizeof next_iv);
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, h->msgid, hash, &b, ch->iv, &pkt))
		return;
	ch->resp = pkt;
	ikep_sha1_of(msg, len, ch->req_hash);
	ch->st = QM_R1;
	child_inbound(p, s, ch);
}

void ikep_handle_qm2(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
                     size_t len, const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], hash[IKE_HASH_MAX], m[4], zero = 0;
	struct isakmp_chain c;
	struct isakmp_sa sa;
	struct isakmp_err err;
	const struct isakmp_pl *sapl, *npl, *kepl;
	struct ike_packet pkt;
	lab_ns life;
	int encap;
	bool offered = false;

	if (ikep_open_p2(p, s, msg, len, h, ch->iv, pt, next_iv, &c))
		return;
	if (!ikep_verify_p2_hash(s, &c, h->msgid, ch->ni, ch->nil)) {
		ikep_log(p, "QUICK_MODE response %u: HASH(2) does not verify", h->msgid);
		return;
	}
	sapl = isakmp_chain_find(&c, ISAKMP_PT_SA);
	npl = isakmp_chain_find(&c, ISAKMP_PT_NONCE);
	kepl = isakmp_chain_find(&c, ISAKMP_PT_KE);
	if (!sapl || !npl || npl->body_len < 8 || npl->body_len > NONCE_MAX ||
	    isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0 ||
	    sa.nprops != 1 || sa.props[0].ntr != 1 || sa.props[0].spi_size != 4 ||
	    !ikep_esp_from_transform(&sa.props[0].tr[0], &ch->prop, &life, &encap)) {
		ikep_log(p, "QUICK_MODE response %u: malformed", h->msgid);
		return;
	}
	for (int i = 0; i < p->pol.nesp; i++)
		offered |= ike_prop_equal(&p->pol.esp[i], &ch->prop);
	if (!offered) {
		ikep_log(p, "QUICK_MODE response %u selected a proposal we did not offer", h->msgid);
		return;
	}
	{
		lab_ns mine = ikep_lifetime_or(p->pol.esp_lifetime, lab_sec(3600));

		if (life && life != mine)
			ikep_log(p, "received %llds lifetime, configured %llds",
			      (long long)(life / LAB_NS_PER_SEC), (long long)(mine / LAB_NS_PER_SEC));
		/* honour a shorter lifetime the responder asked for (RESPONDER-LIFETIME or echo) */
		ch->lifetime = life && life < mine ? life : mine;
	}
	{
		lab_ns l2;
		uint64_t kb, mine_kb = p->pol.esp_lifebytes / IKE_KILOBYTE;

		/* kilobytes: the responder's echo, if smaller (or ours alone) */
		ikep_life_read(&sa.props[0].tr[0], false, &l2, &kb);
		kb = kb && mine_kb ? (kb < mine_kb ? kb : mine_kb) : mine_kb ? mine_kb : kb;
		ch->lifebytes = kb * IKE_KILOBYTE;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct isakmp_notify_pl n;
		lab_ns secs;
		uint64_t kb;

		/* RESPONDER-LIFETIME (RFC 2407 4.6.3.1): the responder uses less than we proposed */
		if (c.pl[i].type == ISAKMP_PT_N && isakmp_notify_parse(&c.pl[i], &n, &err) == 0 &&
		    n.type == ISAKMP_N_RESPONDER_LIFETIME &&
		    ikep_responder_lifetime_read(p, &n, &secs, &kb) == 0) {
			if (secs > 0 && secs < ch->lifetime)
				ch->lifetime = secs;
			if (kb && (!ch->lifebytes || kb * IKE_KILOBYTE < ch->lifebytes))
				ch->lifebytes = kb * IKE_KILOBYTE;
		}
	}
	ch->spi_out = ikep_be32(sa.props[0].spi);
	ch->nrl = npl->body_len;
	memcpy(ch->nr, npl->body, ch->nrl);
	if (ch->pfs) {
		if (!kepl || ike_dh_shared(&ch->dh, kepl->body, kepl->body_len, ch->gxy_buf)) {
			ikep_log(p, "QUICK_MODE response %u: PFS without a usable KE payload", h->msgid);
			return;
		}
	}
	{
		char prop[128];

		ike_prop_strongswan(&ch->prop, true, prop, sizeof prop);
		ikep_log(p, "selected proposal: %s", prop);
	}
	/* QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	ikep_put_be32(m, h->msgid);
	{
		struct ike_iov v[] = { { &zero, 1 }, { m, 4 }, { ch->ni, ch->nil }, { ch->nr, ch->nrl } };

		ike_prf(s->prop.hash, s->ska, ike_hash_len(s->prop.hash), v, 4, hash);
	}
	memcpy(ch->iv, next_iv, sizeof next_iv);
	/* the SPIs a restart forgot go first, between QM2 and QM3, as the F220 sends its DELETE
	 * in seeds/002 l.233-238 (an informational exchange has its own IV: the chain is not
	 * touched) */
	ikep_send_forgotten_deletes(p, s);
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, h->msgid, hash, NULL, ch->iv, &pkt))
		return;
	child_up(p, s, ch);
}

void ikep_handle_qm3(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
                     size_t len, const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], hash[IKE_HASH_MAX], m[4], zero = 0;
	struct isakmp_chain c;
	size_t hl = ike_hash_len(s->prop.hash);

	if (ikep_open_p2(p, s, msg, len, h, ch->iv, pt, next_iv, &c))
		return;
	ikep_put_be32(m, h->msgid);
	{
		struct ike_iov v[] = { { &zero, 1 }, { m, 4 }, { ch->ni, ch->nil }, { ch->nr, ch->nrl } };

		ike_prf(s->prop.hash, s->ska, hl, v, 4, hash);
	}
	if (c.pl[0].body_len != hl || CRYPTO_memcmp(c.pl[0].body, hash, hl)) {
		ikep_log(p, "QUICK_MODE %u: HASH(3) does not verify", h->msgid);
		return;
	}
	child_up(p, s, ch);
}
