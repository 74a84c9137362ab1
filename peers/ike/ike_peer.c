/*
 * ike_peer.c: the IKEv1 peer's core, sans I/O (see ike_peer.h): helpers, message framing,
 * SA lookup, proposals, identities and selectors, the input dispatch, timers and the
 * lifecycle. The exchanges are in ike_mainmode.c, ike_quickmode.c and ike_info.c. Main mode
 * with pre-shared keys, quick mode with and without PFS, and the informational exchanges
 * (notify, delete, DPD) of RFC 2408/2409/3706/3947; message layouts as strongSwan sends
 * them (research notes section 1.7):
 *
 *   Initiator                          Responder
 *   HDR, SA, VID                 -->                                   MM1
 *                                <--   HDR, SA, VID                    MM2
 *   HDR, KE, Ni, NAT-D, NAT-D    -->                                   MM3
 *                                <--   HDR, KE, Nr, NAT-D, NAT-D       MM4
 *   HDR*, IDii, HASH_I [, N(IC)] -->                                   MM5
 *                                <--   HDR*, IDir, HASH_R              MM6
 *   HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr -->                       QM1
 *                <-- HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr          QM2
 *   HDR*, HASH(3)                -->                                   QM3
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

static const char *const sa_state_names[] = { "NONE", "MM_I1", "MM_I2", "MM_I3", "MM_R1",
                                               "MM_R2", "ESTABLISHED", "DELETED" };

/* ---- small helpers ---- */

void ikep_log(struct ike_peer *p, const char *fmt, ...)
{
	va_list ap;
	size_t slot;

	if (p->nlog == MAX_LOG) {       /* keep the newest */
		p->loghead = (p->loghead + 1) % MAX_LOG;
		p->nlog--;
	}
	slot = (p->loghead + p->nlog) % MAX_LOG;
	va_start(ap, fmt);
	vsnprintf(p->log[slot], sizeof p->log[slot], fmt, ap);
	va_end(ap);
	p->nlog++;
}

struct ike_event *ikep_event(struct ike_peer *p, enum ike_event_type t)
{
	struct ike_event *e;

	if (p->nev == MAX_EVENTS) {
		p->evhead = (p->evhead + 1) % MAX_EVENTS;
		p->nev--;
	}
	e = &p->ev[(p->evhead + p->nev) % MAX_EVENTS];
	p->nev++;
	memset(e, 0, sizeof *e);
	e->type = t;
	e->time = p->now;
	return e;
}

void ikep_sa_state(struct ike_peer *p, struct ikesa *s, enum sa_state st)
{
	if (s->st != st)
		ikep_log(p, "IKE_SA %02x%02x%02x%02x state %s -> %s", s->ci[0], s->ci[1], s->ci[2],
		      s->ci[3], sa_state_names[s->st], sa_state_names[st]);
	s->st = st;
}

uint32_t ikep_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void ikep_put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

size_t ikep_alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

void ikep_ep_text(const struct ike_endpoint *e, char *buf, size_t len)
{
	char a[64];

	inet_ntop(e->family, e->addr, a, sizeof a);
	snprintf(buf, len, "%s[%u]", a, e->port);
}

uint32_t ikep_rand_nonzero32(struct ike_peer *p)
{
	uint32_t v;

	do
		v = drbg_u32(p->drbg);
	while (v < 0x100);      /* SPIs 1..255 are reserved (RFC 4303 2.1) */
	return v;
}

lab_ns ikep_lifetime_or(lab_ns v, lab_ns dflt)
{
	return v > 0 ? v : dflt;
}

void ikep_sha1_of(const uint8_t *m, size_t len, uint8_t out[20])
{
	struct ike_iov v = { m, len };

	ike_hash(IKE_HASH_SHA1, &v, 1, out);
}

/* ---- output ---- */

void ikep_queue_packet(struct ike_peer *p, const struct ike_packet *pkt)
{
	if (p->nout == MAX_OUT) {
		ikep_log(p, "output queue full, dropping a message");
		return;
	}
	p->out[(p->outhead + p->nout) % MAX_OUT] = *pkt;
	p->nout++;
}

/* Frame header + chain (plain) into pkt, with the non-ESP marker on port 4500. */
void ikep_frame(struct ikesa *s, struct ike_packet *pkt, uint8_t exch, uint8_t flags,
                uint32_t mid, uint8_t first_np, const uint8_t *body, size_t blen)
{
	struct isakmp_hdr h;
	size_t m = s->local.port == 4500 || s->remote.port == 4500 ? 4 : 0;

	memset(pkt, 0, sizeof *pkt);
	memcpy(h.icookie, s->ci, 8);
	memcpy(h.rcookie, s->cr, 8);
	h.np = first_np;
	h.version = ISAKMP_VERSION;
	h.exch = exch;
	h.flags = flags;
	h.msgid = mid;
	h.length = (uint32_t)(ISAKMP_HDR_LEN + blen);
	isakmp_hdr_write(pkt->data + m, &h);
	memcpy(pkt->data + m + ISAKMP_HDR_LEN, body, blen);
	pkt->len = m + ISAKMP_HDR_LEN + blen;
	pkt->from = s->local;
	pkt->to = s->remote;
}

/* Encrypt chain with iv (updated to the last ciphertext block) and frame it. */
int ikep_frame_enc(struct ike_peer *p, struct ikesa *s, struct ike_packet *pkt, uint8_t exch,
                   uint32_t mid, uint8_t first_np, const uint8_t *chain, size_t clen,
                   uint8_t *iv)
{
	size_t bs = ike_encr_block(s->prop.encr), padded = (clen / bs + 1) * bs;
	uint8_t plain[ISAKMP_MSG_MAX], ct[ISAKMP_MSG_MAX];
	int err;

	/* strongSwan: zero padding to the block size, always at least one byte */
	if (padded > sizeof plain)
		return -EMSGSIZE;
	memcpy(plain, chain, clen);
	memset(plain + clen, 0, padded - clen);
	err = ike_cbc(s->prop.encr, s->ka, s->kalen, iv, plain, padded, ct, true);
	OPENSSL_cleanse(plain, sizeof plain);
	if (err) {
		ikep_log(p, "encryption failed");
		return err;
	}
	memcpy(iv, ct + padded - bs, bs);
	ikep_frame(s, pkt, exch, ISAKMP_FLAG_ENC, mid, first_np, ct, padded);
	return 0;
}

void ikep_arm_xmit(struct ike_peer *p, struct xmit *x, const struct ike_packet *pkt)
{
	x->active = true;
	x->pkt = *pkt;
	x->tries = 0;
	x->next = p->now + ikep_lifetime_or(p->pol.retransmit_base, lab_sec(4));
}

/* ---- SA lookup ---- */

struct ikesa *ikep_sa_new(struct ike_peer *p)
{
	for (int i = 0; i < MAX_SAS; i++)
		if (p->sa[i].st == SA_NONE || p->sa[i].st == SA_DEAD) {
			struct ikesa *s = &p->sa[i];

			ike_dh_free(&s->dh);
			OPENSSL_cleanse(s, sizeof *s);
			s->local = p->pol.local;
			s->remote = p->pol.remote;
			s->created = p->now;
			s->reauth_at = s->expire_at = s->dpd_next = s->keepalive_next = LAB_NEVER;
			return s;
		}
	return NULL;
}

static struct ikesa *sa_find(struct ike_peer *p, const uint8_t *ci, const uint8_t *cr)
{
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *s = &p->sa[i];

		if (s->st == SA_NONE || s->st == SA_DEAD || memcmp(s->ci, ci, 8))
			continue;
		if (!cr || !memcmp(s->cr, cr, 8) || !memcmp(s->cr, "\0\0\0\0\0\0\0\0", 8))
			return s;
	}
	return NULL;
}

/* The responder SA an MM1 with this initiator cookie and these bytes created, if any. */
static struct ikesa *sa_find_mm1(struct ike_peer *p, const uint8_t *ci, const uint8_t *hash)
{
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *s = &p->sa[i];

		if (s->st == MM_R1 && !s->initiator && !memcmp(s->ci, ci, 8) &&
		    !memcmp(s->last_req_hash, hash, 20))
			return s;
	}
	return NULL;
}

struct ikesa *ikep_sa_up(struct ike_peer *p)
{
	struct ikesa *best = NULL;

	for (int i = 0; i < MAX_SAS; i++)
		if (p->sa[i].st == SA_UP && !p->sa[i].replaced &&
		    (!best || p->sa[i].established > best->established))
			best = &p->sa[i];
	return best;
}

int ikep_sa_index(struct ike_peer *p, const struct ikesa *s)
{
	return (int)(s - p->sa);
}

void ikep_sa_kill(struct ike_peer *p, struct ikesa *s, const char *why)
{
	char a[96];

	if (s->st == SA_DEAD || s->st == SA_NONE)
		return;
	ikep_ep_text(&s->remote, a, sizeof a);
	if (s->st == SA_UP) {
		struct ike_event *e = ikep_event(p, IKE_EV_IKE_SA_DELETED);

		snprintf(e->detail, sizeof e->detail, "IKE_SA with %s deleted: %s", a, why);
		ikep_log(p, "%s", e->detail);
	}
	s->xm.active = false;
	ikep_sa_state(p, s, SA_DEAD);
	ike_dh_free(&s->dh);
	OPENSSL_cleanse(s->skeyid, sizeof s->skeyid);
	OPENSSL_cleanse(s->skd, sizeof s->skd);
	OPENSSL_cleanse(s->ska, sizeof s->ska);
	OPENSSL_cleanse(s->ske, sizeof s->ske);
	OPENSSL_cleanse(s->ka, sizeof s->ka);
	OPENSSL_cleanse(s->gxy, sizeof s->gxy);
}

void ikep_child_kill(struct ike_peer *p, struct child *c, const char *why, bool event_it)
{
	if (c->st == CH_NONE || c->st == CH_DEAD)
		return;
	/* an inbound half installed at QM2 goes too, whatever the caller reports */
	if ((c->st == CH_UP && event_it) || (c->st != CH_UP && c->in_reported)) {
		struct ike_event *e = ikep_event(p, IKE_EV_CHILD_SA_DELETED);

		e->spi_in = c->spi_in;
		e->spi_out = c->spi_out;
		snprintf(e->detail, sizeof e->detail, "CHILD_SA with SPIs %08x_i %08x_o deleted: %s",
		         c->spi_in, c->spi_out, why);
		ikep_log(p, "%s", e->detail);
	}
	c->st = CH_DEAD;
	c->xm.active = false;
	ike_dh_free(&c->dh);
}

/* ---- proposals ---- */

void ikep_put_ike_transform(struct isakmp_builder *b, uint8_t num, bool last,
                            const struct ike_prop *pr, lab_ns lifetime)
{
	size_t start = b->len;

	/* strongSwan's attribute order: 1, 14, 2, 4, 3, 11, 12 (research notes 1.4) */
	isakmp_put8(b, last ? ISAKMP_PT_NONE : ISAKMP_PT_T);
	isakmp_put8(b, 0);
	isakmp_put16(b, 0);
	isakmp_put8(b, num);
	isakmp_put8(b, 1);              /* KEY_IKE */
	isakmp_put16(b, 0);
	isakmp_put_attr(b, 1, (uint64_t)ike_encr_p1(pr->encr));
	if (pr->encr == IKE_ENCR_AES_CBC)
		isakmp_put_attr(b, 14, (uint64_t)pr->keylen);
	isakmp_put_attr(b, 2, (uint64_t)ike_hash_p1(pr->hash));
	isakmp_put_attr(b, 4, (uint64_t)pr->group);
	isakmp_put_attr(b, 3, 1);       /* pre-shared key */
	if (lifetime > 0) {
		isakmp_put_attr(b, 11, 1);
		isakmp_put_attr(b, 12, (uint64_t)(lifetime / LAB_NS_PER_SEC));
	}
	if (!b->overflow) {
		size_t n = b->len - start;

		b->buf[start + 2] = (uint8_t)(n >> 8);
		b->buf[start + 3] = (uint8_t)n;
	}
}

void ikep_put_esp_transform(struct isakmp_builder *b, uint8_t num, bool last,
                            const struct ike_prop *pr, bool encap, lab_ns lifetime,
                            uint64_t lifebytes)
{
	size_t start = b->len;

	/* order: 6, 5, 3 (PFS), 4, 1/2 seconds, 1/2 kilobytes (research notes 1.6) */
	isakmp_put8(b, last ? ISAKMP_PT_NONE : ISAKMP_PT_T);
	isakmp_put8(b, 0);
	isakmp_put16(b, 0);
	isakmp_put8(b, num);
	isakmp_put8(b, (uint8_t)ike_encr_esp(pr->encr));
	isakmp_put16(b, 0);
	if (pr->encr == IKE_ENCR_AES_CBC)
		isakmp_put_attr(b, 6, (uint64_t)pr->keylen);
	isakmp_put_attr(b, 5, (uint64_t)ike_auth_esp(pr->hash));
	if (pr->group)
		isakmp_put_attr(b, 3, (uint64_t)pr->group);
	isakmp_put_attr(b, 4, encap ? 3 : 1);
	if (lifetime > 0) {
		isakmp_put_attr(b, 1, 1);
		isakmp_put_attr(b, 2, (uint64_t)(lifetime / LAB_NS_PER_SEC));
	}
	if (lifebytes) {
		isakmp_put_attr(b, 1, 2);
		isakmp_put_attr(b, 2, lifebytes / IKE_KILOBYTE);
	}
	if (!b->overflow) {
		size_t n = b->len - start;

		b->buf[start + 2] = (uint8_t)(n >> 8);
		b->buf[start + 3] = (uint8_t)n;
	}
}

/* Begin an SA payload with one proposal; returns the offset of its length field. */
size_t ikep_put_sa_begin(struct isakmp_builder *b, uint8_t pnum, uint8_t proto,
                         const uint8_t *spi, size_t spilen, int ntr)
{
	size_t at;

	isakmp_pl_begin(b, ISAKMP_PT_SA);
	isakmp_put32(b, 1);             /* IPsec DOI */
	isakmp_put32(b, 1);             /* SIT_IDENTITY_ONLY */
	at = b->len;
	isakmp_put8(b, ISAKMP_PT_NONE);
	isakmp_put8(b, 0);
	isakmp_put16(b, 0);
	isakmp_put8(b, pnum);
	isakmp_put8(b, proto);
	isakmp_put8(b, (uint8_t)spilen);
	isakmp_put8(b, (uint8_t)ntr);
	isakmp_put(b, spi, spilen);
	return at;
}

void ikep_put_sa_end(struct isakmp_builder *b, size_t prop_at)
{
	if (!b->overflow) {
		size_t n = b->len - prop_at;

		b->buf[prop_at + 2] = (uint8_t)(n >> 8);
		b->buf[prop_at + 3] = (uint8_t)n;
	}
	isakmp_pl_end(b);
}

/* A received phase-1 transform as a proposal; false if it is not one vpnlab can do. */
bool ikep_p1_from_transform(const struct isakmp_transform *t, struct ike_prop *pr,
                            lab_ns *life, bool *psk)
{
	struct ike_offer o;

	ike_offer_decode(t, false, &o);
	*pr = o.prop;
	*life = o.life;
	*psk = o.psk;
	return o.ok;
}

bool ikep_esp_from_transform(const struct isakmp_transform *t, struct ike_prop *pr,
                             lab_ns *life, int *encap)
{
	struct ike_offer o;

	ike_offer_decode(t, true, &o);
	*pr = o.prop;
	*life = o.life;
	*encap = o.encap;
	return o.ok;
}

/* Pick a transform from a received SA (ike_select.c, shared with `vpnlab explain`). */
bool ikep_select_prop(struct ike_peer *p, const struct isakmp_sa *sa, bool esp,
                      const struct ike_prop *mine, int nmine, lab_ns my_life,
                      size_t *pi, size_t *ti, struct ike_prop *got, lab_ns *life,
                      int *encap)
{
	struct ike_selection sel;
	bool ok = ike_select_sa(&p->pol, sa, esp, mine, nmine, my_life, &sel);

	if (sel.life_refused)
		ikep_log(p, "lifetime %llds of %s does not match the required %llds",
		      (long long)(sel.life_refused_offered / LAB_NS_PER_SEC), esp ? "ESP" : "IKE",
		      (long long)(my_life / LAB_NS_PER_SEC));
	if (!ok)
		return false;
	*pi = sel.pi;
	*ti = sel.ti;
	*got = sel.prop;
	*life = sel.life;
	if (encap)
		*encap = sel.encap;
	return true;
}

void ikep_log_proposals(struct ike_peer *p, const struct isakmp_sa *sa, bool esp)
{
	char line[192] = "received proposals:", one[96];
	size_t n = strlen(line);

	for (size_t a = 0; a < sa->nprops; a++)
		for (size_t t = 0; t < sa->props[a].ntr; t++) {
			struct ike_prop pr;
			lab_ns l;
			bool psk;
			int enc;
			bool ok = esp ? ikep_esp_from_transform(&sa->props[a].tr[t], &pr, &l, &enc) :
			                ikep_p1_from_transform(&sa->props[a].tr[t], &pr, &l, &psk);

			if (ok)
				ike_prop_strongswan(&pr, esp, one, sizeof one);
			else
				snprintf(one, sizeof one, "(transform %u not understood)",
				         sa->props[a].tr[t].id);
			n += (size_t)snprintf(line + n, n < sizeof line ? sizeof line - n : 0, "%s %s",
			                      a + t ? "," : "", one);
		}
	ikep_log(p, "%s", line);
}

/* ---- identities and traffic selectors ---- */

size_t ikep_id_body(const struct ike_policy *pol, uint8_t *out)
{
	out[1] = 0;
	out[2] = out[3] = 0;
	if (pol->local_id_type) {
		out[0] = pol->local_id_type;
		memcpy(out + 4, pol->local_id, pol->local_id_len);
		return 4 + pol->local_id_len;
	}
	out[0] = pol->local.family == AF_INET6 ? ISAKMP_ID_IPV6_ADDR : ISAKMP_ID_IPV4_ADDR;
	memcpy(out + 4, pol->local.addr, ikep_alen(pol->local.family));
	return 4 + ikep_alen(pol->local.family);
}

bool ikep_id_acceptable(const struct ike_policy *pol, const struct isakmp_id_pl *id)
{
	if (!pol->remote_id_type)
		return true;
	return id->type == pol->remote_id_type && id->len == pol->remote_id_len &&
	       !memcmp(id->data, pol->remote_id, id->len);
}

size_t ikep_ts_body(const struct ike_net *n, uint8_t *out)
{
	size_t al = ikep_alen(n->family);

	out[0] = n->family == AF_INET6 ? ISAKMP_ID_IPV6_ADDR_SUBNET : ISAKMP_ID_IPV4_ADDR_SUBNET;
	out[1] = 0;
	out[2] = out[3] = 0;
	memcpy(out + 4, n->addr, al);
	memset(out + 4 + al, 0, al);
	for (int b = 0; b < n->len; b++)
		out[4 + al + b / 8] |= (uint8_t)(0x80 >> (b % 8));
	return 4 + 2 * al;
}

void ikep_ts_text(const struct ike_net *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(n->family, n->addr, a, sizeof a);
	snprintf(buf, len, "%s/%d", a, n->len & 0xff);
}


/* ---- input ---- */

void ike_peer_input(struct ike_peer *p, const uint8_t *msg, size_t len,
                    const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now)
{
	struct isakmp_hdr h;
	struct isakmp_err err;
	struct isakmp_chain c;
	struct ikesa *s;
	uint8_t hash[20];
	char desc[160], a[96];

	p->now = now;
	if (isakmp_hdr_parse(msg, len, &h, &err) < 0) {
		ikep_log(p, "dropping a malformed packet: %s (offset %zu)", err.msg, err.off);
		return;
	}
	len = h.length;
	ikep_ep_text(from, a, sizeof a);
	ikep_sha1_of(msg, len, hash);
	s = sa_find(p, h.icookie, h.rcookie);
	if (s)
		s->last_in = now;
	if (!(h.flags & ISAKMP_FLAG_ENC)) {
		if (isakmp_chain_parse(h.np, msg + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN,
		                       &c, &err) < 0) {
			ikep_log(p, "dropping %s from %s: %s at offset %zu", isakmp_xchg_name(h.exch), a,
			      err.msg, err.off);
			return;
		}
		isakmp_chain_describe(&c, desc, sizeof desc);
		ikep_log(p, "received packet from %s: %s %u %s", a, isakmp_xchg_name(h.exch), h.msgid, desc);
	} else {
		ikep_log(p, "received packet from %s: %s %u (encrypted, %zu bytes)", a,
		      isakmp_xchg_name(h.exch), h.msgid, len);
	}
	switch (h.exch) {
	case ISAKMP_XCHG_IDPROT:
		if (!s && !memcmp(h.rcookie, "\0\0\0\0\0\0\0\0", 8)) {
			struct ikesa *r = sa_find_mm1(p, h.icookie, hash);

			/* MM1 again: our MM2 got lost; answer with the same MM2 (same cookie) */
			if (r) {
				ikep_log(p, "received retransmit of MM1, retransmitting MM2");
				ikep_queue_packet(p, &r->resp);
				return;
			}
		}
		if (!s) {
			if (!memcmp(h.rcookie, "\0\0\0\0\0\0\0\0", 8) && !(h.flags & ISAKMP_FLAG_ENC)) {
				ikep_handle_mm1(p, &h, &c, from, to);
				if ((s = sa_find(p, h.icookie, NULL)))
					memcpy(s->last_req_hash, hash, 20);
			}
			return;
		}
		if (!s->initiator && !memcmp(s->last_req_hash, hash, 20)) {
			/* a retransmitted request: answer it again, as strongSwan does */
			if (s->resp.len)
				ikep_queue_packet(p, &s->resp);
			return;
		}
		switch (s->st) {
		case MM_I1: s->xm.active = false; ikep_handle_mm2(p, s, &h, &c); break;
		case MM_I2: s->xm.active = false; ikep_handle_mm4(p, s, &c, from, to); break;
		case MM_I3: ikep_handle_mm6(p, s, msg, len, &h); break;
		case MM_R1: memcpy(s->last_req_hash, hash, 20); ikep_handle_mm3(p, s, &c, from, to); break;
		case MM_R2:
			memcpy(s->last_req_hash, hash, 20);
			ikep_handle_mm5(p, s, msg, len, &h, from, to);
			break;
		default: break;
		}
		return;
	case ISAKMP_XCHG_QUICK: {
		struct child *ch;

		if (!s || s->st != SA_UP) {
			ikep_log(p, "QUICK_MODE for an unknown or unfinished IKE_SA, ignored");
			return;
		}
		ch = ikep_child_by_mid(p, ikep_sa_index(p, s), h.msgid);
		if (!ch) {
			ikep_handle_qm1(p, s, msg, len, &h);
		} else if (ch->st == QM_R1 && !memcmp(ch->req_hash, hash, 20)) {
			ikep_queue_packet(p, &ch->resp);
		} else if (ch->st == QM_I1) {
			ch->xm.active = false;
			ikep_handle_qm2(p, s, ch, msg, len, &h);
		} else if (ch->st == QM_R1) {
			ikep_handle_qm3(p, s, ch, msg, len, &h);
		}
		return;
	}
	case ISAKMP_XCHG_INFO:
		if (s)
			ikep_handle_info(p, s, msg, len, &h);
		return;
	default:
		ikep_log(p, "%s exchange not supported, ignored", isakmp_xchg_name(h.exch));
	}
}

void ike_peer_traffic(struct ike_peer *p, lab_ns now)
{
	for (int i = 0; i < MAX_SAS; i++)
		if (p->sa[i].st == SA_UP)
			p->sa[i].last_in = now;
}

/* ---- timers ---- */

static bool xmit_due(struct ike_peer *p, struct xmit *x)
{
	int tries = p->pol.retransmit_tries > 0 ? p->pol.retransmit_tries : 5;
	lab_ns base = ikep_lifetime_or(p->pol.retransmit_base, lab_sec(4)), wait = base;

	if (!x->active || x->next > p->now)
		return false;
	if (x->tries >= tries) {
		x->active = false;
		return true;            /* give up */
	}
	x->tries++;
	for (int i = 0; i < x->tries; i++)
		wait = wait * 18 / 10;
	x->next = p->now + wait;
	ikep_queue_packet(p, &x->pkt);
	ikep_log(p, "retransmit %d of request", x->tries);
	return false;
}

static void dpd_timeout(struct ike_peer *p, struct ikesa *s)
{
	struct ike_event *e = ikep_event(p, IKE_EV_DPD_TIMEOUT);
	static const char *const actions[] = { "clear", "hold", "restart" };

	snprintf(e->detail, sizeof e->detail, "DPD: no R-U-THERE-ACK within %llds, action %s",
	         (long long)(ikep_lifetime_or(p->pol.dpd_timeout, lab_sec(120)) / LAB_NS_PER_SEC),
	         actions[p->pol.dpd_action]);
	ikep_log(p, "%s", e->detail);
	for (int k = 0; k < MAX_CHILDREN; k++)
		if (p->ch[k].sa == ikep_sa_index(p, s))
			ikep_child_kill(p, &p->ch[k], "DPD timeout", true);
	ikep_sa_kill(p, s, "DPD timeout");
	if (p->pol.dpd_action == IKE_DPD_RESTART)
		p->restart_at = p->now;
}

void ike_peer_timer(struct ike_peer *p, lab_ns now)
{
	p->now = now;
	if (p->restart_at <= now) {
		p->restart_at = LAB_NEVER;
		ike_peer_start(p, now);
	}
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *s = &p->sa[i];

		if (s->st == SA_NONE || s->st == SA_DEAD)
			continue;
		if (xmit_due(p, &s->xm)) {
			struct ike_event *e = ikep_event(p, IKE_EV_TIMEOUT);

			snprintf(e->detail, sizeof e->detail, "giving up after %d retransmits: no answer "
			         "from the peer in state %s%s", p->pol.retransmit_tries > 0 ?
			         p->pol.retransmit_tries : 5, sa_state_names[s->st],
			         s->st == MM_I3 ? " (no MM6: the responder could not authenticate us; "
			         "pre-shared keys differ?)" : "");
			ikep_log(p, "%s", e->detail);
			ikep_sa_kill(p, s, "peer does not answer");
			if (p->pol.initiator)
				p->restart_at = now + lab_sec(10);
			continue;
		}
		if (s->st != SA_UP) {
			if (!s->initiator && now - s->created >= lab_sec(30)) {
				ikep_log(p, "half-open IKE_SA timed out after 30s");
				ikep_sa_kill(p, s, "half-open timeout");
			}
			continue;
		}
		if (s->dpd_waiting && s->dpd_deadline <= now) {
			dpd_timeout(p, s);
			continue;
		}
		ikep_keepalive_timer(p, s);
		if (s->dpd_next <= now) {
			lab_ns delay = ikep_lifetime_or(p->pol.dpd_delay, lab_sec(30));
			bool peer_ok = s->peer_dpd || !p->pol.dpd_needs_peer_vid;

			s->dpd_next = now + delay;
			if (peer_ok && !s->dpd_waiting && !s->replaced &&
			    (p->pol.dpd == IKE_DPD_ALWAYS || now - s->last_in >= delay)) {
				struct ike_event *e = ikep_event(p, IKE_EV_DPD_SENT);

				s->dpd_seq++;
				e->dpd_seq = s->dpd_seq;
				ikep_send_dpd(p, s, ISAKMP_N_R_U_THERE, s->dpd_seq);
				s->dpd_waiting = true;
				s->dpd_deadline = now + ikep_lifetime_or(p->pol.dpd_timeout, lab_sec(120));
			}
		}
		if (s->reauth_at <= now) {
			s->reauth_at = LAB_NEVER;
			ikep_log(p, "reauthenticating IKE_SA");
			ike_peer_start(p, now);
		}
		if (s->expire_at <= now && s->replaced) {
			ikep_send_delete_ike(p, s);
			ikep_sa_kill(p, s, s->collided ? "lost a simultaneous initiation" :
				     "replaced by reauthentication");
		} else if (s->expire_at <= now) {
			ikep_log(p, "IKE_SA lifetime expired");
			for (int k = 0; k < MAX_CHILDREN; k++)
				if (p->ch[k].sa == i && p->ch[k].st == CH_UP) {
					ikep_send_delete_child(p, s, &p->ch[k]);
					ikep_child_kill(p, &p->ch[k], "IKE_SA expired", true);
				}
			ikep_send_delete_ike(p, s);
			ikep_sa_kill(p, s, "lifetime expired");
		}
	}
	for (int i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];
		struct ikesa *s = &p->sa[c->sa];

		if (c->st == CH_NONE || c->st == CH_DEAD)
			continue;
		if (xmit_due(p, &c->xm)) {
			struct ike_event *e = ikep_event(p, IKE_EV_TIMEOUT);

			snprintf(e->detail, sizeof e->detail, "quick mode %u got no answer", c->mid);
			ikep_log(p, "%s", e->detail);
			ikep_child_kill(p, c, "no answer", false);
			continue;
		}
		if (c->st != CH_UP || s->st != SA_UP)
			continue;
		if (c->rekey_at <= now && !c->rekeyed) {
			c->rekey_at = LAB_NEVER;
			ikep_log(p, "rekeying CHILD_SA %08x_i %08x_o", c->spi_in, c->spi_out);
			ikep_start_qm(p, s, i);
		}
		if (c->expire_at <= now) {
			ikep_send_delete_child(p, s, c);
			ikep_child_kill(p, c, "lifetime expired", true);
		}
	}
}

lab_ns ike_peer_deadline(const struct ike_peer *p)
{
	lab_ns d = p->restart_at;

#define MIN_(x) do { if ((x) < d) d = (x); } while (0)
	for (int i = 0; i < MAX_SAS; i++) {
		const struct ikesa *s = &p->sa[i];

		if (s->st == SA_NONE || s->st == SA_DEAD)
			continue;
		if (s->xm.active)
			MIN_(s->xm.next);
		if (s->st != SA_UP) {
			if (!s->initiator)
				MIN_(s->created + lab_sec(30));
			continue;
		}
		if (s->dpd_waiting)
			MIN_(s->dpd_deadline);
		MIN_(s->dpd_next);
		MIN_(s->keepalive_next);
		MIN_(s->reauth_at);
		MIN_(s->expire_at);
	}
	for (int i = 0; i < MAX_CHILDREN; i++) {
		const struct child *c = &p->ch[i];

		if (c->st == CH_NONE || c->st == CH_DEAD)
			continue;
		if (c->xm.active)
			MIN_(c->xm.next);
		if (c->st == CH_UP) {
			if (!c->rekeyed)
				MIN_(c->rekey_at);
			MIN_(c->expire_at);
		}
	}
#undef MIN_
	return d;
}

void ike_peer_shutdown(struct ike_peer *p, lab_ns now)
{
	p->now = now;
	p->restart_at = LAB_NEVER;
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *s = &p->sa[i];

		if (s->st != SA_UP) {
			ikep_sa_kill(p, s, "shutdown");
			continue;
		}
		for (int k = 0; k < MAX_CHILDREN; k++)
			if (p->ch[k].sa == i && p->ch[k].st == CH_UP) {
				ikep_send_delete_child(p, s, &p->ch[k]);
				ikep_child_kill(p, &p->ch[k], "shutdown", true);
			}
		ikep_send_delete_ike(p, s);
		ikep_sa_kill(p, s, "shutdown");
	}
}

/* ---- lifecycle and queues ---- */

int ike_peer_new(struct ike_peer **out, const struct ike_policy *pol, struct drbg *drbg)
{
	struct ike_peer *p = calloc(1, sizeof *p);

	if (!p)
		return -ENOMEM;
	p->out = calloc(MAX_OUT, sizeof *p->out);
	if (!p->out) {
		free(p);
		return -ENOMEM;
	}
	p->pol = *pol;
	p->drbg = drbg;
	p->restart_at = LAB_NEVER;
	if (pol->nike < 1) {
		free(p->out);
		free(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void ike_peer_free(struct ike_peer *p)
{
	if (!p)
		return;
	for (int i = 0; i < MAX_SAS; i++)
		ike_dh_free(&p->sa[i].dh);
	for (int i = 0; i < MAX_CHILDREN; i++)
		ike_dh_free(&p->ch[i].dh);
	free(p->out);
	OPENSSL_cleanse(p, sizeof *p);
	free(p);
}

bool ike_peer_output(struct ike_peer *p, struct ike_packet *out)
{
	if (!p->nout)
		return false;
	*out = p->out[p->outhead];
	p->outhead = (p->outhead + 1) % MAX_OUT;
	p->nout--;
	return true;
}

bool ike_peer_event(struct ike_peer *p, struct ike_event *out)
{
	if (!p->nev)
		return false;
	*out = p->ev[p->evhead];
	OPENSSL_cleanse(&p->ev[p->evhead], sizeof p->ev[p->evhead]);
	p->evhead = (p->evhead + 1) % MAX_EVENTS;
	p->nev--;
	return true;
}

bool ike_peer_log(struct ike_peer *p, char *line, size_t len)
{
	if (!p->nlog)
		return false;
	snprintf(line, len, "%s", p->log[p->loghead]);
	p->loghead = (p->loghead + 1) % MAX_LOG;
	p->nlog--;
	return true;
}

bool ike_peer_child_up(const struct ike_peer *p)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (p->ch[i].st == CH_UP)
			return true;
	return false;
}

unsigned ike_peer_ike_sa_count(const struct ike_peer *p)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_SAS; i++)
		n += p->sa[i].st == SA_UP;
	return n;
}

void ike_esp_sa_line(const struct ike_endpoint *src, const struct ike_endpoint *dst,
                     const struct ike_prop *prop, const struct ike_child_keys *k, char *buf,
                     size_t len)
{
	static const char *const auth[] = { "NULL", "HMAC-MD5-96 [RFC2403]",
		"HMAC-SHA-1-96 [RFC2404]", "HMAC-SHA-256-128 [RFC4868]",
		"HMAC-SHA-384-192 [RFC4868]", "HMAC-SHA-512-256 [RFC4868]" };
	char s[64], d[64], ek[80] = "0x", ik[140] = "0x";
	size_t n;

	inet_ntop(src->family, src->addr, s, sizeof s);
	inet_ntop(dst->family, dst->addr, d, sizeof d);
	n = 2;
	for (size_t i = 0; i < k->enc_len; i++)
		n += (size_t)snprintf(ek + n, sizeof ek - n, "%02x", k->enc[i]);
	n = 2;
	for (size_t i = 0; i < k->integ_len; i++)
		n += (size_t)snprintf(ik + n, sizeof ik - n, "%02x", k->integ[i]);
	snprintf(buf, len, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"%s\",\"%s\",\"%s\"",
	         src->family == AF_INET6 ? "IPv6" : "IPv4", s, d, k->spi,
	         prop->encr == IKE_ENCR_3DES ? "TripleDES-CBC [RFC2451]" : "AES-CBC [RFC3602]", ek,
	         auth[prop->hash], ik);
}
