/*
 * ike_mainmode.c: main mode with pre-shared keys (RFC 2409 5.4) on both sides: MM1..MM6, NAT-D
 * (RFC 3947), phase-1 keys, and what happens when an IKE_SA comes up (reauthentication,
 * simultaneous initiation, the first quick mode):
 *
 *   Initiator                          Responder
 *   HDR, SA, VID                 -->                                   MM1
 *                                <--   HDR, SA, VID                    MM2
 *   HDR, KE, Ni, NAT-D, NAT-D    -->                                   MM3
 *                                <--   HDR, KE, Nr, NAT-D, NAT-D       MM4
 *   HDR*, IDii, HASH_I [, N(IC)] -->                                   MM5
 *                                <--   HDR*, IDir, HASH_R              MM6
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


static const uint8_t VID_DPD[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                     0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
static const uint8_t VID_NATT[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };

/* ---- NAT-D ---- */

static void natd_hash(const struct ikesa *s, const struct ike_endpoint *e, uint8_t *out)
{
	uint8_t port[2] = { (uint8_t)(e->port >> 8), (uint8_t)e->port };
	struct ike_iov v[] = { { s->ci, 8 }, { s->cr, 8 }, { e->addr, ikep_alen(e->family) },
	                       { port, 2 } };

	ike_hash(s->prop.hash, v, 4, out);
}

static void put_natd(struct ike_peer *p, struct isakmp_builder *b, struct ikesa *s)
{
	uint8_t h[IKE_HASH_MAX];
	size_t hl = ike_hash_len(s->prop.hash);

	/* destination first, then our source (research notes 1.10) */
	natd_hash(s, &s->remote, h);
	isakmp_put_payload(b, ISAKMP_PT_NATD, h, hl);
	if (p->pol.force_encap)
		drbg_bytes(p->drbg, h, hl);     /* a faked source hash: the peer sees a NAT */
	else
		natd_hash(s, &s->local, h);
	isakmp_put_payload(b, ISAKMP_PT_NATD, h, hl);
}

/* Compare the peer's NAT-D payloads; sets s->encap when either side is behind a NAT. */
static void check_natd(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                       const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	uint8_t mine[IKE_HASH_MAX], theirs[IKE_HASH_MAX];
	size_t hl = ike_hash_len(s->prop.hash);
	bool first = true, here = true, there = true;

	natd_hash(s, to, mine);
	natd_hash(s, from, theirs);
	for (size_t i = 0; i < c->n; i++) {
		const struct isakmp_pl *pl = &c->pl[i];

		if (pl->type != ISAKMP_PT_NATD && pl->type != ISAKMP_PT_NATD_DRAFT)
			continue;
		if (first)
			here = !(pl->body_len == hl && !memcmp(pl->body, mine, hl));
		else if (pl->body_len == hl && !memcmp(pl->body, theirs, hl))
			there = false;
		first = false;
	}
	if (first)
		return;                 /* no NAT-D at all */
	s->natt_local = here;
	if (here)
		ikep_log(p, "local host is behind NAT, sending keep alives");
	if (there)
		ikep_log(p, "remote host is behind NAT");
	s->encap = here || there || p->pol.force_encap;
}

/* ---- phase 1 ---- */

static void keyline(struct ikesa *s, char *buf, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", s->ci[i]);
	n += (size_t)snprintf(buf + n, len - n, ",");
	for (size_t i = 0; i < s->kalen && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", s->ka[i]);
}

static int derive_p1(struct ike_peer *p, struct ikesa *s, const uint8_t *peer_pub, size_t len)
{
	int err = ike_dh_shared(&s->dh, peer_pub, len, s->gxy);

	if (err) {
		ikep_log(p, "invalid DH public value from peer");
		return err;
	}
	if (s->initiator)
		memcpy(s->gxr, peer_pub, len);
	else
		memcpy(s->gxi, peer_pub, len);
	s->glen = len;
	s->kalen = (size_t)s->prop.keylen / 8;
	if ((err = ike_skeyid_psk(s->prop.hash, p->pol.psk, p->pol.psk_len, s->ni, s->nil, s->nr,
	                          s->nrl, s->skeyid)) ||
	    (err = ike_skeyid_dae(s->prop.hash, s->skeyid, s->gxy, len, s->ci, s->cr, s->skd,
	                          s->ska, s->ske)) ||
	    (err = ike_ka(s->prop.hash, s->ske, s->kalen, s->ka)) ||
	    (err = ike_iv0(s->prop.hash, s->gxi, s->gxr, len, ike_encr_block(s->prop.encr), s->iv)))
		ikep_log(p, "key derivation failed");
	return err;
}

static void auth_hash(struct ikesa *s, bool initiator, const uint8_t *id_b, size_t idlen,
                      uint8_t *out)
{
	struct ike_iov v[] = {
		{ initiator ? s->gxi : s->gxr, s->glen }, { initiator ? s->gxr : s->gxi, s->glen },
		{ initiator ? s->ci : s->cr, 8 }, { initiator ? s->cr : s->ci, 8 },
		{ s->sai_b, s->sai_len }, { id_b, idlen },
	};

	ike_prf(s->prop.hash, s->skeyid, ike_hash_len(s->prop.hash), v, 6, out);
}

static void send_mm1(struct ike_peer *p, struct ikesa *s)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t at;
	lab_ns life = ikep_lifetime_or(p->pol.ike_lifetime, lab_sec(28800));

	isakmp_build_init(&b);
	at = ikep_put_sa_begin(&b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0, p->pol.nike);
	for (int i = 0; i < p->pol.nike; i++)
		ikep_put_ike_transform(&b, (uint8_t)(i + 1), i + 1 == p->pol.nike, &p->pol.ike[i], life);
	ikep_put_sa_end(&b, at);
	/* SAi_b: the SA body (without its generic header) goes into HASH_I / HASH_R */
	s->sai_len = b.len - 4;
	memcpy(s->sai_b, b.buf + 4, s->sai_len);
	if (p->pol.send_dpd_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_DPD, 16);
	if (p->pol.send_natt_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_NATT, 16);
	ikep_frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	ikep_arm_xmit(p, &s->xm, &pkt);
	ikep_log(p, "initiating Main Mode IKE_SA %s to peer", p->pol.name);
	ikep_sa_state(p, s, MM_I1);
}

void ike_peer_start(struct ike_peer *p, lab_ns now)
{
	struct ikesa *s;

	p->now = now;
	p->restart_at = LAB_NEVER;
	s = ikep_sa_new(p);
	if (!s) {
		ikep_log(p, "no free IKE_SA slot");
		return;
	}
	s->initiator = true;
	do
		drbg_bytes(p->drbg, s->ci, 8);
	while (!memcmp(s->ci, "\0\0\0\0\0\0\0\0", 8));
	memset(s->cr, 0, 8);
	send_mm1(p, s);
}



/*
 * Both ends initiated main mode at about the same time (two always-up gateways): the other
 * live SA o was still negotiating when s began, and one of the two is ours as initiator, the
 * other the peer's. That is no reauthentication, where one side replaces an SA it already
 * had (and which keeps its role: strongSwan reauthenticates as the SA's initiator, or as its
 * responder with a new main mode of its own, long after the old one came up). Treating it as
 * one made each side delete the other's SA, and both retried in step for ever. Here both
 * sides keep the same SA, chosen from what both see alike: the one whose initiator cookie is
 * the larger. The other one is deleted after REPLACED_DELETE_DELAY (both sides send the
 * DELETE; the second finds nothing), and a CHILD_SA already on it moves to the survivor.
 * strongSwan has no such rule for IKEv1: its responder adopts the CHILD_SAs of any other
 * established IKE_SA with the same peer and configuration after MM6 (adopt_children_job) and
 * deletes that SA 10 s later, so what survives there depends on timing.
 */
static void collision(struct ike_peer *p, struct ikesa *s, struct ikesa *o)
{
	struct ikesa *keep = memcmp(o->ci, s->ci, 8) > 0 ? o : s;
	struct ikesa *lose = keep == o ? s : o;

	lose->replaced = true;
	lose->collided = true;
	for (int c = 0; c < MAX_CHILDREN; c++)
		if (p->ch[c].sa == ikep_sa_index(p, lose) && p->ch[c].st == CH_UP)
			p->ch[c].sa = ikep_sa_index(p, keep);
	lose->reauth_at = LAB_NEVER;
	lose->expire_at = p->now + REPLACED_DELETE_DELAY;
	ikep_log(p, "IKE_SA collision: simultaneous Main Modes with the peer; keeping the IKE_SA "
	         "with the larger initiator cookie (%s), deleting the %s one in %llds",
	         keep->initiator ? "ours" : "the peer's", lose->initiator ? "own" : "peer's",
	         (long long)(REPLACED_DELETE_DELAY / LAB_NS_PER_SEC));
}

static void established(struct ike_peer *p, struct ikesa *s)
{
	struct ike_event *e;
	char prop[128], a[96], b[96];
	lab_ns jitter = p->pol.rekey_jitter > 0 ?
	                (lab_ns)drbg_uniform(p->drbg, (uint64_t)p->pol.rekey_jitter) : 0;
	lab_ns margin = p->pol.rekey_margin > 0 ? p->pol.rekey_margin : s->lifetime / 10;

	s->established = p->now;
	s->last_in = p->now;
	s->expire_at = p->now + s->lifetime;
	s->reauth_at = s->initiator && p->pol.initiator ? p->now + s->lifetime - margin - jitter :
	               LAB_NEVER;
	ikep_reauth_schedule(p, s, true);
	s->dpd_next = p->pol.dpd == IKE_DPD_IDLE || p->pol.dpd == IKE_DPD_ALWAYS ?
	              p->now + ikep_lifetime_or(p->pol.dpd_delay, lab_sec(30)) : LAB_NEVER;
	s->dpd_seq = drbg_u32(p->drbg) & 0x7fffffff;
	ikep_sa_state(p, s, SA_UP);
	ikep_keepalive_arm(p, s);
	ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
	ikep_ep_text(&s->local, a, sizeof a);
	ikep_ep_text(&s->remote, b, sizeof b);
	/* another live IKE_SA with this peer: a reauthentication, or a collision */
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP || o->replaced || o->ic_doomed)
			continue;
		if (memcmp(o->remote.addr, s->remote.addr, ikep_alen(s->remote.family)))
			continue;
		if (o->initiator != s->initiator && o->established >= s->created) {
			collision(p, s, o);
			if (s->replaced)
				break;
			continue;
		}
		o->replaced = true;
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (p->ch[c].sa == i && p->ch[c].st == CH_UP)
				p->ch[c].sa = ikep_sa_index(p, s);
		e = ikep_event(p, IKE_EV_IKE_SA_REAUTHENTICATED);
		snprintf(e->proposal, sizeof e->proposal, "%s", prop);
		snprintf(e->detail, sizeof e->detail, "IKE_SA reauthenticated between %s...%s", a, b);
		ikep_log(p, "%s", e->detail);
		o->reauth_at = LAB_NEVER;
		o->expire_at = p->now + REPLACED_DELETE_DELAY;
		ikep_log(p, "deleting the replaced IKE_SA in %llds",
		      (long long)(REPLACED_DELETE_DELAY / LAB_NS_PER_SEC));
	}
	e = ikep_event(p, IKE_EV_IKE_SA_ESTABLISHED);
	snprintf(e->proposal, sizeof e->proposal, "%s", prop);
	e->lifetime = s->lifetime;
	e->prop = s->prop;
	e->local = s->local;
	e->remote = s->remote;
	e->udp_encap = s->encap;
	keyline(s, e->keyline, sizeof e->keyline);
	snprintf(e->detail, sizeof e->detail, "IKE_SA established between %s...%s", a, b);
	{
		/* the log line as charon writes it: address[identity] on each side */
		char la[64], ra[64], lid[96] = "?";
		uint8_t idb[80];
		struct isakmp_pl pl = { .type = ISAKMP_PT_ID, .body = idb };
		struct isakmp_id_pl idp;
		struct isakmp_err err;

		pl.body_len = ikep_id_body(&p->pol, idb);
		if (isakmp_id_parse(&pl, &idp, &err) == 0)
			isakmp_id_format(&idp, lid, sizeof lid);
		inet_ntop(s->local.family, s->local.addr, la, sizeof la);
		inet_ntop(s->remote.family, s->remote.addr, ra, sizeof ra);
		ikep_log(p, "IKE_SA established between %s[%s]...%s[%s]", la, lid, ra,
		         s->peer_id[0] ? s->peer_id : ra);
	}
	if (s->reauth_at != LAB_NEVER)
		ikep_log(p, "scheduling reauthentication in %llds",
		      (long long)((s->reauth_at - p->now) / LAB_NS_PER_SEC));
	ikep_log(p, "maximum IKE_SA lifetime %llds",
	         (long long)((s->expire_at - p->now) / LAB_NS_PER_SEC));
	/* the loser of a collision carries no quick mode of its own */
	if (s->initiator && p->pol.nesp > 0 && !s->replaced) {
		bool have_child = false;

		for (int c = 0; c < MAX_CHILDREN; c++)
			have_child |= p->ch[c].st == CH_UP && p->ch[c].sa == ikep_sa_index(p, s);
		if (!have_child)
			ikep_start_qm(p, s, -1);
	}
}

/* ---- main mode: responder ---- */

void ikep_handle_mm1(struct ike_peer *p, const struct isakmp_hdr *h, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	const struct isakmp_pl *sapl = isakmp_chain_find(c, ISAKMP_PT_SA);
	struct isakmp_sa sa;
	struct isakmp_err err;
	struct ikesa *s = ikep_sa_new(p);
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t pi, ti, at;
	lab_ns life;
	char a[96];

	ikep_ep_text(from, a, sizeof a);
	if (!s)
		return;
	if (!sapl || isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0) {
		ikep_log(p, "MM1 from %s: %s", a, sapl ? err.msg : "no SA payload");
		return;
	}
	memcpy(s->ci, h->icookie, 8);
	do
		drbg_bytes(p->drbg, s->cr, 8);
	while (!memcmp(s->cr, "\0\0\0\0\0\0\0\0", 8));
	s->remote = *from;
	s->local = *to;
	s->initiator = false;
	ikep_log(p, "%s is initiating a Main Mode IKE_SA", a);
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == ISAKMP_PT_VID && c->pl[i].body_len == 16) {
			if (!memcmp(c->pl[i].body, VID_DPD, 16)) {
				s->peer_dpd = true;
				ikep_log(p, "received DPD vendor ID");
			} else if (!memcmp(c->pl[i].body, VID_NATT, 16)) {
				s->peer_natt = true;
				ikep_log(p, "received NAT-T (RFC 3947) vendor ID");
			}
		}
	if (!ikep_select_prop(p, &sa, false, p->pol.ike, p->pol.nike,
			      ikep_lifetime_or(p->pol.ike_lifetime, lab_sec(28800)), &pi, &ti, &s->prop, &life,
			      NULL)) {
		struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		ikep_log_proposals(p, &sa, false);
		ikep_log(p, "no proposal found");
		snprintf(e->detail, sizeof e->detail, "Main Mode from %s: no proposal found", a);
		ikep_send_plain_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN);
		ikep_sa_state(p, s, SA_DEAD);
		return;
	}
	s->lifetime = life;
	{
		char prop[128];

		ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
		ikep_log(p, "selected proposal: %s", prop);
	}
	if (p->pol.send_responder_lifetime) {
		lab_ns offered;
		uint64_t kb;

		/* MM2 echoes the chosen transform as proposed (RFC 2409 5); the shorter lifetime we
		 * use is announced once the exchange is encrypted */
		ikep_life_read(&sa.props[pi].tr[ti], true, &offered, &kb);
		if (offered > life) {
			s->send_rl = true;
			life = offered;
		}
	}
	s->sai_len = sapl->body_len < sizeof s->sai_b ? sapl->body_len : sizeof s->sai_b;
	memcpy(s->sai_b, sapl->body, s->sai_len);
	/* MM2: the chosen transform, with the initiator's proposal and transform numbers */
	isakmp_build_init(&b);
	at = ikep_put_sa_begin(&b, sa.props[pi].num, ISAKMP_PROTO_ISAKMP, NULL, 0, 1);
	ikep_put_ike_transform(&b, sa.props[pi].tr[ti].num, true, &s->prop, life);
	ikep_put_sa_end(&b, at);
	if (p->pol.send_dpd_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_DPD, 16);
	if (p->pol.send_natt_vid && s->peer_natt)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_NATT, 16);
	ikep_frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	s->have_resp = true;
	ikep_sa_state(p, s, MM_R1);
}

static int take_ke_nonce(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                         const uint8_t **ke, uint8_t *nonce, size_t *nlen)
{
	const struct isakmp_pl *k = isakmp_chain_find(c, ISAKMP_PT_KE);
	const struct isakmp_pl *n = isakmp_chain_find(c, ISAKMP_PT_NONCE);

	if (!k || !n) {
		ikep_log(p, "message lacks %s", !k ? "KE" : "a nonce");
		return -EINVAL;
	}
	if (k->body_len != ike_modp_len(s->prop.group)) {
		ikep_log(p, "KE payload of %zu bytes, group %d needs %zu", k->body_len, s->prop.group,
		      ike_modp_len(s->prop.group));
		return -EINVAL;
	}
	if (n->body_len < 8 || n->body_len > NONCE_MAX) {
		ikep_log(p, "nonce of %zu bytes (8 to 256 allowed)", n->body_len);
		return -EINVAL;
	}
	*ke = k->body;
	memcpy(nonce, n->body, n->body_len);
	*nlen = n->body_len;
	return 0;
}

void ikep_handle_mm3(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	const uint8_t *ke;
	struct isakmp_builder b;
	struct ike_packet pkt;

	if (take_ke_nonce(p, s, c, &ke, s->ni, &s->nil))
		return;
	if (ike_dh_init(&s->dh, s->prop.group, p->drbg))
		return;
	memcpy(s->gxr, s->dh.pub, s->dh.len);
	s->nrl = NONCE_LEN;
	drbg_bytes(p->drbg, s->nr, s->nrl);
	if (derive_p1(p, s, ke, s->dh.len))
		return;
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_KE, s->gxr, s->dh.len);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, s->nr, s->nrl);
	if (s->peer_natt && p->pol.send_natt_vid) {
		put_natd(p, &b, s);
		check_natd(p, s, c, from, to);
	}
	ikep_frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	ikep_sa_state(p, s, MM_R2);
}

/* Decrypt an encrypted message body; pt gets the plaintext, next_iv the last block. */
int ikep_decrypt_body(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                      const uint8_t *iv, uint8_t *pt, uint8_t *next_iv)
{
	size_t bs = ike_encr_block(s->prop.encr), n = len - ISAKMP_HDR_LEN;

	if (n == 0 || n % bs) {
		ikep_log(p, "encrypted body of %zu bytes is not a multiple of the %zu-byte block", n, bs);
		return -EINVAL;
	}
	memcpy(next_iv, msg + len - bs, bs);
	return ike_cbc(s->prop.encr, s->ka, s->kalen, iv, msg + ISAKMP_HDR_LEN, n, pt, false);
}

static void sa_after_p1(struct ike_peer *p, struct ikesa *s, const uint8_t *last_block)
{
	memcpy(s->p1_last, last_block, ike_encr_block(s->prop.encr));
	(void)p;
}

/*
 * charon's uniqueness check as the seed's router logs it (seeds/002 l.224-231), policy
 * unique_on_initial_contact: when main mode 5 of a peer authenticates while an older IKE_SA
 * with the same identity is up, "schedule delete of duplicate IKE_SA ... suspected
 * reauthentication" (without INITIAL-CONTACT that SA is then replaced as in a
 * reauthentication: its CHILD_SAs move to the new one, it is deleted 2 s later); with
 * INITIAL-CONTACT the duplicate is marked, the new SA comes up without adopting anything,
 * and after MM6 ikep_handle_ic destroys the duplicate and its CHILD_SAs, no DELETE sent (the
 * peer says it has no state).
 */
void ikep_uniqueness(struct ike_peer *p, struct ikesa *s, bool ic)
{
	if (!p->pol.unique_on_initial_contact)
		return;
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP || o->replaced || strcmp(o->peer_id, s->peer_id))
			continue;
		ikep_log(p, "schedule delete of duplicate IKE_SA for peer '%s' due to uniqueness "
		         "policy and suspected reauthentication", o->peer_id);
		o->ic_doomed = ic;
	}
}

void ikep_handle_ic(struct ike_peer *p, struct ikesa *s)
{
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP || !o->ic_doomed)
			continue;
		ikep_log(p, "destroying duplicate IKE_SA for peer '%s', received INITIAL_CONTACT",
		         o->peer_id);
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (p->ch[c].sa == i && p->ch[c].st != CH_NONE && p->ch[c].st != CH_DEAD)
				ikep_child_kill(p, &p->ch[c], "duplicate IKE_SA destroyed on INITIAL_CONTACT", true);
		ikep_sa_kill(p, o, "duplicate destroyed on INITIAL_CONTACT");
	}
}

void ikep_handle_mm5(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h, const struct ike_endpoint *from,
                     const struct ike_endpoint *to)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], mine[IKE_HASH_MAX], idb[80];
	struct isakmp_chain c;
	struct isakmp_err err;
	const struct isakmp_pl *id, *hash;
	struct isakmp_id_pl idp;
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t hl = ike_hash_len(s->prop.hash), idl;
	struct ike_event *e;

	if (!(h->flags & ISAKMP_FLAG_ENC) || len - ISAKMP_HDR_LEN > sizeof pt ||
	    ikep_decrypt_body(p, s, msg, len, s->iv, pt, next_iv) ||
	    isakmp_chain_parse(h->np, pt, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, &c, &err) < 0 ||
	    !(id = isakmp_chain_find(&c, ISAKMP_PT_ID)) ||
	    !(hash = isakmp_chain_find(&c, ISAKMP_PT_HASH))) {
		e = ikep_event(p, IKE_EV_AUTH_FAILED);
		snprintf(e->detail, sizeof e->detail, "MM5 does not decrypt to ID and HASH "
		         "(pre-shared keys differ?)");
		ikep_log(p, "%s", e->detail);
		ikep_sa_kill(p, s, "authentication failed");
		return;
	}
	auth_hash(s, true, id->body, id->body_len, mine);
	if (hash->body_len != hl || CRYPTO_memcmp(hash->body, mine, hl) ||
	    isakmp_id_parse(id, &idp, &err) < 0 || !ikep_id_acceptable(&p->pol, &idp)) {
		struct isakmp_builder nb;

		e = ikep_event(p, IKE_EV_AUTH_FAILED);
		snprintf(e->detail, sizeof e->detail, "%s", hash->body_len != hl ||
		         CRYPTO_memcmp(hash->body, mine, hl) ?
		         "HASH_I does not verify (pre-shared keys differ)" :
		         "peer identity does not match the configured remote ID");
		ikep_log(p, "%s", e->detail);
		memcpy(s->iv, next_iv, sizeof next_iv);
		memcpy(s->p1_last, next_iv, sizeof next_iv);
		isakmp_build_init(&nb);
		{
			uint8_t spi[16];

			memcpy(spi, s->ci, 8);
			memcpy(spi + 8, s->cr, 8);
			isakmp_put_notify(&nb, ISAKMP_PROTO_ISAKMP, spi, 16,
			                  ISAKMP_N_AUTHENTICATION_FAILED, NULL, 0);
		}
		ikep_send_info(p, s, &nb);
		ikep_sa_kill(p, s, "authentication failed");
		return;
	}
	isakmp_id_format(&idp, s->peer_id, sizeof s->peer_id);
	ikep_log(p, "peer identity %s", s->peer_id);
	memcpy(s->iv, next_iv, sizeof next_iv);
	/* the initiator moved to 4500 if it saw a NAT: follow it */
	s->remote = *from;
	s->local = *to;
	{
		bool ic = false;

		for (size_t i = 0; i < c.n; i++) {
			struct isakmp_notify_pl n;

			if (c.pl[i].type == ISAKMP_PT_N &&
			    isakmp_notify_parse(&c.pl[i], &n, &err) == 0 &&
			    n.type == ISAKMP_N_INITIAL_CONTACT)
				ic = true;
		}
		ikep_uniqueness(p, s, ic);
	}
	/* MM6: IDir, HASH_R */
	idl = ikep_id_body(&p->pol, idb);
	auth_hash(s, false, idb, idl, mine);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, idl);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, mine, hl);
	if (ikep_frame_enc(p, s, &pkt, ISAKMP_XCHG_IDPROT, 0, b.first_np, b.buf, b.len, s->iv))
		return;
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	sa_after_p1(p, s, s->iv);
	established(p, s);
	ikep_handle_ic(p, s);
	if (s->send_rl && s->st == SA_UP)
		ikep_send_p1_responder_lifetime(p, s);
}

/* ---- main mode: initiator ---- */

void ikep_handle_mm2(struct ike_peer *p, struct ikesa *s, const struct isakmp_hdr *h,
                     const struct isakmp_chain *c)
{
	const struct isakmp_pl *sapl = isakmp_chain_find(c, ISAKMP_PT_SA);
	struct isakmp_sa sa;
	struct isakmp_err err;
	struct isakmp_builder b;
	struct ike_packet pkt;
	lab_ns life;
	bool psk;

	if (!sapl || isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0 ||
	    sa.nprops != 1 || sa.props[0].ntr != 1 ||
	    !ikep_p1_from_transform(&sa.props[0].tr[0], &s->prop, &life, &psk) || !psk) {
		ikep_log(p, "MM2: %s", sapl ? "the SA is not one transform vpnlab can use" : "no SA");
		return;
	}
	{
		bool offered = false;

		for (int i = 0; i < p->pol.nike; i++)
			offered |= ike_prop_equal(&p->pol.ike[i], &s->prop);
		if (!offered) {
			ikep_log(p, "MM2 selected a proposal we did not offer");
			return;
		}
	}
	{
		char prop[128];
		lab_ns mine = ikep_lifetime_or(p->pol.ike_lifetime, lab_sec(28800));

		ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
		ikep_log(p, "selected proposal: %s", prop);
		if (life && life != mine)
			ikep_log(p, "received lifetime %llds does not match configured lifetime %llds",
			      (long long)(life / LAB_NS_PER_SEC), (long long)(mine / LAB_NS_PER_SEC));
		s->lifetime = mine;
	}
	memcpy(s->cr, h->rcookie, 8);
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == ISAKMP_PT_VID && c->pl[i].body_len == 16) {
			if (!memcmp(c->pl[i].body, VID_DPD, 16))
				s->peer_dpd = true;
			else if (!memcmp(c->pl[i].body, VID_NATT, 16))
				s->peer_natt = true;
		}
	if (ike_dh_init(&s->dh, s->prop.group, p->drbg))
		return;
	memcpy(s->gxi, s->dh.pub, s->dh.len);
	s->nil = NONCE_LEN;
	drbg_bytes(p->drbg, s->ni, s->nil);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_KE, s->gxi, s->dh.len);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, s->ni, s->nil);
	if (s->peer_natt && p->pol.send_natt_vid)
		put_natd(p, &b, s);
	ikep_frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	ikep_arm_xmit(p, &s->xm, &pkt);
	ikep_sa_state(p, s, MM_I2);
}

void ikep_handle_mm4(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	const uint8_t *ke;
	uint8_t idb[80], h[IKE_HASH_MAX], spi[16];
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t idl;
	bool ic;

	if (take_ke_nonce(p, s, c, &ke, s->nr, &s->nrl) || derive_p1(p, s, ke, s->dh.len))
		return;
	if (s->peer_natt && p->pol.send_natt_vid)
		check_natd(p, s, c, from, to);
	if (s->encap) {
		s->local.port = 4500;
		s->remote.port = 4500;
	}
	idl = ikep_id_body(&p->pol, idb);
	auth_hash(s, true, idb, idl, h);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, idl);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, h, ike_hash_len(s->prop.hash));
	ic = p->pol.initial_contact && !ikep_sa_up(p);
	if (ic) {
		memcpy(spi, s->ci, 8);
		memcpy(spi + 8, s->cr, 8);
		isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, ISAKMP_N_INITIAL_CONTACT, NULL, 0);
	}
	if (ikep_frame_enc(p, s, &pkt, ISAKMP_XCHG_IDPROT, 0, b.first_np, b.buf, b.len, s->iv))
		return;
	ikep_queue_packet(p, &pkt);
	ikep_arm_xmit(p, &s->xm, &pkt);
	ikep_sa_state(p, s, MM_I3);
}

void ikep_handle_mm6(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], mine[IKE_HASH_MAX];
	struct isakmp_chain c;
	struct isakmp_err err;
	const struct isakmp_pl *id, *hash;
	struct isakmp_id_pl idp;
	size_t hl = ike_hash_len(s->prop.hash);

	if (!(h->flags & ISAKMP_FLAG_ENC) || len - ISAKMP_HDR_LEN > sizeof pt ||
	    ikep_decrypt_body(p, s, msg, len, s->iv, pt, next_iv) ||
	    isakmp_chain_parse(h->np, pt, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, &c, &err) < 0)
		goto bad;
	/* An encrypted notify instead of MM6: the responder refused us */
	if ((hash = isakmp_chain_find(&c, ISAKMP_PT_N)) && !isakmp_chain_find(&c, ISAKMP_PT_ID))
		goto bad;
	if (!(id = isakmp_chain_find(&c, ISAKMP_PT_ID)) ||
	    !(hash = isakmp_chain_find(&c, ISAKMP_PT_HASH)))
		goto bad;
	auth_hash(s, false, id->body, id->body_len, mine);
	if (hash->body_len != hl || CRYPTO_memcmp(hash->body, mine, hl) ||
	    isakmp_id_parse(id, &idp, &err) < 0 || !ikep_id_acceptable(&p->pol, &idp))
		goto bad;
	isakmp_id_format(&idp, s->peer_id, sizeof s->peer_id);
	memcpy(s->iv, next_iv, sizeof next_iv);
	s->xm.active = false;
	sa_after_p1(p, s, next_iv);
	established(p, s);
	return;
bad:
	{
		struct ike_event *e = ikep_event(p, IKE_EV_AUTH_FAILED);

		snprintf(e->detail, sizeof e->detail, "MM6 does not authenticate the responder "
		         "(pre-shared keys differ?)");
		ikep_log(p, "%s", e->detail);
		ikep_sa_kill(p, s, "authentication failed");
		if (p->pol.initiator)
			p->restart_at = p->now + lab_sec(30);
	}
}
