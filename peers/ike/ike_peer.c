/*
 * ike_peer.c: main mode with pre-shared keys, quick mode with and without PFS, and the
 * informational exchanges (notify, delete, DPD) of RFC 2408/2409/3706/3947, sans I/O (see
 * ike_peer.h). Message layouts as strongSwan sends them (research notes section 1.7):
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

static const uint8_t VID_DPD[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                     0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
static const uint8_t VID_NATT[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };

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

static void sa_state(struct ike_peer *p, struct ikesa *s, enum sa_state st)
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

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static void ep_text(const struct ike_endpoint *e, char *buf, size_t len)
{
	char a[64];

	inet_ntop(e->family, e->addr, a, sizeof a);
	snprintf(buf, len, "%s[%u]", a, e->port);
}

static uint32_t rand_nonzero32(struct ike_peer *p)
{
	uint32_t v;

	do
		v = drbg_u32(p->drbg);
	while (v < 0x100);      /* SPIs 1..255 are reserved (RFC 4303 2.1) */
	return v;
}

static lab_ns lifetime_or(lab_ns v, lab_ns dflt)
{
	return v > 0 ? v : dflt;
}

static void sha1_of(const uint8_t *m, size_t len, uint8_t out[20])
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
static void frame(struct ikesa *s, struct ike_packet *pkt, uint8_t exch, uint8_t flags,
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
static int frame_enc(struct ike_peer *p, struct ikesa *s, struct ike_packet *pkt, uint8_t exch,
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
	frame(s, pkt, exch, ISAKMP_FLAG_ENC, mid, first_np, ct, padded);
	return 0;
}

static void arm_xmit(struct ike_peer *p, struct xmit *x, const struct ike_packet *pkt)
{
	x->active = true;
	x->pkt = *pkt;
	x->tries = 0;
	x->next = p->now + lifetime_or(p->pol.retransmit_base, lab_sec(4));
}

/* ---- SA lookup ---- */

static struct ikesa *sa_new(struct ike_peer *p)
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

static struct ikesa *sa_up(struct ike_peer *p)
{
	struct ikesa *best = NULL;

	for (int i = 0; i < MAX_SAS; i++)
		if (p->sa[i].st == SA_UP && !p->sa[i].replaced &&
		    (!best || p->sa[i].established > best->established))
			best = &p->sa[i];
	return best;
}

static int sa_index(struct ike_peer *p, const struct ikesa *s)
{
	return (int)(s - p->sa);
}

static void sa_kill(struct ike_peer *p, struct ikesa *s, const char *why)
{
	char a[96];

	if (s->st == SA_DEAD || s->st == SA_NONE)
		return;
	ep_text(&s->remote, a, sizeof a);
	if (s->st == SA_UP) {
		struct ike_event *e = ikep_event(p, IKE_EV_IKE_SA_DELETED);

		snprintf(e->detail, sizeof e->detail, "IKE_SA with %s deleted: %s", a, why);
		ikep_log(p, "%s", e->detail);
	}
	s->xm.active = false;
	sa_state(p, s, SA_DEAD);
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

static void put_ike_transform(struct isakmp_builder *b, uint8_t num, bool last,
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

static void put_esp_transform(struct isakmp_builder *b, uint8_t num, bool last,
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
static size_t put_sa_begin(struct isakmp_builder *b, uint8_t pnum, uint8_t proto,
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

static void put_sa_end(struct isakmp_builder *b, size_t prop_at)
{
	if (!b->overflow) {
		size_t n = b->len - prop_at;

		b->buf[prop_at + 2] = (uint8_t)(n >> 8);
		b->buf[prop_at + 3] = (uint8_t)n;
	}
	isakmp_pl_end(b);
}

/* A received phase-1 transform as a proposal; false if it is not one vpnlab can do. */
static bool p1_from_transform(const struct isakmp_transform *t, struct ike_prop *pr,
                              lab_ns *life, bool *psk)
{
	struct ike_offer o;

	ike_offer_decode(t, false, &o);
	*pr = o.prop;
	*life = o.life;
	*psk = o.psk;
	return o.ok;
}

static bool esp_from_transform(const struct isakmp_transform *t, struct ike_prop *pr,
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
static bool select_prop(struct ike_peer *p, const struct isakmp_sa *sa, bool esp,
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

static void log_proposals(struct ike_peer *p, const struct isakmp_sa *sa, bool esp)
{
	char line[192] = "received proposals:", one[96];
	size_t n = strlen(line);

	for (size_t a = 0; a < sa->nprops; a++)
		for (size_t t = 0; t < sa->props[a].ntr; t++) {
			struct ike_prop pr;
			lab_ns l;
			bool psk;
			int enc;
			bool ok = esp ? esp_from_transform(&sa->props[a].tr[t], &pr, &l, &enc) :
			                p1_from_transform(&sa->props[a].tr[t], &pr, &l, &psk);

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

static size_t id_body(const struct ike_policy *pol, uint8_t *out)
{
	out[1] = 0;
	out[2] = out[3] = 0;
	if (pol->local_id_type) {
		out[0] = pol->local_id_type;
		memcpy(out + 4, pol->local_id, pol->local_id_len);
		return 4 + pol->local_id_len;
	}
	out[0] = pol->local.family == AF_INET6 ? ISAKMP_ID_IPV6_ADDR : ISAKMP_ID_IPV4_ADDR;
	memcpy(out + 4, pol->local.addr, alen(pol->local.family));
	return 4 + alen(pol->local.family);
}

static bool id_acceptable(const struct ike_policy *pol, const struct isakmp_id_pl *id)
{
	if (!pol->remote_id_type)
		return true;
	return id->type == pol->remote_id_type && id->len == pol->remote_id_len &&
	       !memcmp(id->data, pol->remote_id, id->len);
}

static size_t ts_body(const struct ike_net *n, uint8_t *out)
{
	size_t al = alen(n->family);

	out[0] = n->family == AF_INET6 ? ISAKMP_ID_IPV6_ADDR_SUBNET : ISAKMP_ID_IPV4_ADDR_SUBNET;
	out[1] = 0;
	out[2] = out[3] = 0;
	memcpy(out + 4, n->addr, al);
	memset(out + 4 + al, 0, al);
	for (int b = 0; b < n->len; b++)
		out[4 + al + b / 8] |= (uint8_t)(0x80 >> (b % 8));
	return 4 + 2 * al;
}

static void ts_text(const struct ike_net *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(n->family, n->addr, a, sizeof a);
	snprintf(buf, len, "%s/%d", a, n->len & 0xff);
}

/* ---- NAT-D ---- */

static void natd_hash(const struct ikesa *s, const struct ike_endpoint *e, uint8_t *out)
{
	uint8_t port[2] = { (uint8_t)(e->port >> 8), (uint8_t)e->port };
	struct ike_iov v[] = { { s->ci, 8 }, { s->cr, 8 }, { e->addr, alen(e->family) },
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
	lab_ns life = lifetime_or(p->pol.ike_lifetime, lab_sec(28800));

	isakmp_build_init(&b);
	at = put_sa_begin(&b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0, p->pol.nike);
	for (int i = 0; i < p->pol.nike; i++)
		put_ike_transform(&b, (uint8_t)(i + 1), i + 1 == p->pol.nike, &p->pol.ike[i], life);
	put_sa_end(&b, at);
	/* SAi_b: the SA body (without its generic header) goes into HASH_I / HASH_R */
	s->sai_len = b.len - 4;
	memcpy(s->sai_b, b.buf + 4, s->sai_len);
	if (p->pol.send_dpd_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_DPD, 16);
	if (p->pol.send_natt_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_NATT, 16);
	frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	arm_xmit(p, &s->xm, &pkt);
	ikep_log(p, "initiating Main Mode IKE_SA %s to peer", p->pol.name);
	sa_state(p, s, MM_I1);
}

void ike_peer_start(struct ike_peer *p, lab_ns now)
{
	struct ikesa *s;

	p->now = now;
	p->restart_at = LAB_NEVER;
	s = sa_new(p);
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

static void send_plain_notify(struct ike_peer *p, struct ikesa *s, uint16_t type)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, NULL, 0);
	frame(s, &pkt, ISAKMP_XCHG_INFO, 0, rand_nonzero32(p), b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	ikep_log(p, "generating INFORMATIONAL_V1 request [ N(%s) ]", isakmp_notify_name(type));
}

/* An encrypted informational exchange: HASH(1) = prf(SKEYID_a, M-ID | payloads). */
void ikep_send_info(struct ike_peer *p, struct ikesa *s, struct isakmp_builder *payloads)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t h[IKE_HASH_MAX], iv[16], m[4];
	uint32_t mid = rand_nonzero32(p);
	size_t hl = ike_hash_len(s->prop.hash);
	struct ike_iov v[2] = { { m, 4 }, { payloads->buf, payloads->len } };

	ikep_put_be32(m, mid);
	ike_prf(s->prop.hash, s->ska, hl, v, 2, h);
	isakmp_build_init(&b);
	isakmp_pl_begin(&b, ISAKMP_PT_HASH);
	isakmp_put(&b, h, hl);
	isakmp_pl_end(&b);
	b.buf[b.np_at] = payloads->first_np;
	isakmp_put(&b, payloads->buf, payloads->len);
	/* informational exchanges never chain: IV from the last phase-1 block and the M-ID */
	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), mid, iv);
	if (frame_enc(p, s, &pkt, ISAKMP_XCHG_INFO, mid, ISAKMP_PT_HASH, b.buf, b.len, iv) == 0)
		ikep_queue_packet(p, &pkt);
}

void ikep_send_delete_child(struct ike_peer *p, struct ikesa *s, const struct child *c)
{
	struct isakmp_builder b;
	uint8_t spi[4];

	ikep_put_be32(spi, c->spi_in);       /* the SA we receive on */
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ESP, spi, 4, 1);
	ikep_send_info(p, s, &b);
	ikep_log(p, "sending DELETE for ESP CHILD_SA with SPI %08x", c->spi_in);
}

static void send_delete_ike(struct ike_peer *p, struct ikesa *s)
{
	struct isakmp_builder b;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
	ikep_send_info(p, s, &b);
	ikep_log(p, "sending DELETE for IKE_SA");
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
		if (p->ch[c].sa == sa_index(p, lose) && p->ch[c].st == CH_UP)
			p->ch[c].sa = sa_index(p, keep);
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
	s->dpd_next = p->pol.dpd == IKE_DPD_IDLE || p->pol.dpd == IKE_DPD_ALWAYS ?
	              p->now + lifetime_or(p->pol.dpd_delay, lab_sec(30)) : LAB_NEVER;
	s->dpd_seq = drbg_u32(p->drbg) & 0x7fffffff;
	sa_state(p, s, SA_UP);
	ikep_keepalive_arm(p, s);
	ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
	ep_text(&s->local, a, sizeof a);
	ep_text(&s->remote, b, sizeof b);
	/* another live IKE_SA with this peer: a reauthentication, or a collision */
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP || o->replaced)
			continue;
		if (memcmp(o->remote.addr, s->remote.addr, alen(s->remote.family)))
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
				p->ch[c].sa = sa_index(p, s);
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
	ikep_log(p, "%s", e->detail);
	if (s->reauth_at != LAB_NEVER)
		ikep_log(p, "scheduling reauthentication in %llds",
		      (long long)((s->reauth_at - p->now) / LAB_NS_PER_SEC));
	ikep_log(p, "maximum IKE_SA lifetime %llds", (long long)(s->lifetime / LAB_NS_PER_SEC));
	/* the loser of a collision carries no quick mode of its own */
	if (s->initiator && p->pol.nesp > 0 && !s->replaced) {
		bool have_child = false;

		for (int c = 0; c < MAX_CHILDREN; c++)
			have_child |= p->ch[c].st == CH_UP && p->ch[c].sa == sa_index(p, s);
		if (!have_child)
			ikep_start_qm(p, s, -1);
	}
}

/* ---- main mode: responder ---- */

static void handle_mm1(struct ike_peer *p, const struct isakmp_hdr *h, const struct isakmp_chain *c,
                       const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	const struct isakmp_pl *sapl = isakmp_chain_find(c, ISAKMP_PT_SA);
	struct isakmp_sa sa;
	struct isakmp_err err;
	struct ikesa *s = sa_new(p);
	struct isakmp_builder b;
	struct ike_packet pkt;
	size_t pi, ti, at;
	lab_ns life;
	char a[96];

	ep_text(from, a, sizeof a);
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
	if (!select_prop(p, &sa, false, p->pol.ike, p->pol.nike,
	                 lifetime_or(p->pol.ike_lifetime, lab_sec(28800)), &pi, &ti, &s->prop, &life,
	                 NULL)) {
		struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		log_proposals(p, &sa, false);
		ikep_log(p, "no proposal found");
		snprintf(e->detail, sizeof e->detail, "Main Mode from %s: no proposal found", a);
		send_plain_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN);
		sa_state(p, s, SA_DEAD);
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
	at = put_sa_begin(&b, sa.props[pi].num, ISAKMP_PROTO_ISAKMP, NULL, 0, 1);
	put_ike_transform(&b, sa.props[pi].tr[ti].num, true, &s->prop, life);
	put_sa_end(&b, at);
	if (p->pol.send_dpd_vid)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_DPD, 16);
	if (p->pol.send_natt_vid && s->peer_natt)
		isakmp_put_payload(&b, ISAKMP_PT_VID, VID_NATT, 16);
	frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	s->have_resp = true;
	sa_state(p, s, MM_R1);
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

static void handle_mm3(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
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
	frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	sa_state(p, s, MM_R2);
}

/* Decrypt an encrypted message body; pt gets the plaintext, next_iv the last block. */
static int decrypt_body(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
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

static void handle_ic(struct ike_peer *p, struct ikesa *s)
{
	if (!p->pol.unique_on_initial_contact)
		return;
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP)
			continue;
		ikep_log(p, "destroying duplicate IKE_SA for peer, received INITIAL_CONTACT");
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (p->ch[c].sa == i)
				ikep_child_kill(p, &p->ch[c], "duplicate IKE_SA destroyed on INITIAL_CONTACT", true);
		sa_kill(p, o, "duplicate destroyed on INITIAL_CONTACT");
	}
}

static void handle_mm5(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
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
	    decrypt_body(p, s, msg, len, s->iv, pt, next_iv) ||
	    isakmp_chain_parse(h->np, pt, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, &c, &err) < 0 ||
	    !(id = isakmp_chain_find(&c, ISAKMP_PT_ID)) ||
	    !(hash = isakmp_chain_find(&c, ISAKMP_PT_HASH))) {
		e = ikep_event(p, IKE_EV_AUTH_FAILED);
		snprintf(e->detail, sizeof e->detail, "MM5 does not decrypt to ID and HASH "
		         "(pre-shared keys differ?)");
		ikep_log(p, "%s", e->detail);
		sa_kill(p, s, "authentication failed");
		return;
	}
	auth_hash(s, true, id->body, id->body_len, mine);
	if (hash->body_len != hl || CRYPTO_memcmp(hash->body, mine, hl) ||
	    isakmp_id_parse(id, &idp, &err) < 0 || !id_acceptable(&p->pol, &idp)) {
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
		sa_kill(p, s, "authentication failed");
		return;
	}
	{
		char idtxt[96];

		isakmp_id_format(&idp, idtxt, sizeof idtxt);
		ikep_log(p, "peer identity %s", idtxt);
	}
	memcpy(s->iv, next_iv, sizeof next_iv);
	/* the initiator moved to 4500 if it saw a NAT: follow it */
	s->remote = *from;
	s->local = *to;
	for (size_t i = 0; i < c.n; i++) {
		struct isakmp_notify_pl n;

		if (c.pl[i].type == ISAKMP_PT_N && isakmp_notify_parse(&c.pl[i], &n, &err) == 0 &&
		    n.type == ISAKMP_N_INITIAL_CONTACT)
			handle_ic(p, s);
	}
	/* MM6: IDir, HASH_R */
	idl = id_body(&p->pol, idb);
	auth_hash(s, false, idb, idl, mine);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, idl);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, mine, hl);
	if (frame_enc(p, s, &pkt, ISAKMP_XCHG_IDPROT, 0, b.first_np, b.buf, b.len, s->iv))
		return;
	ikep_queue_packet(p, &pkt);
	s->resp = pkt;
	sa_after_p1(p, s, s->iv);
	established(p, s);
	if (s->send_rl && s->st == SA_UP)
		ikep_send_p1_responder_lifetime(p, s);
}

/* ---- main mode: initiator ---- */

static void handle_mm2(struct ike_peer *p, struct ikesa *s, const struct isakmp_hdr *h,
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
	    !p1_from_transform(&sa.props[0].tr[0], &s->prop, &life, &psk) || !psk) {
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
		lab_ns mine = lifetime_or(p->pol.ike_lifetime, lab_sec(28800));

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
	frame(s, &pkt, ISAKMP_XCHG_IDPROT, 0, 0, b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	arm_xmit(p, &s->xm, &pkt);
	sa_state(p, s, MM_I2);
}

static void handle_mm4(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
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
	idl = id_body(&p->pol, idb);
	auth_hash(s, true, idb, idl, h);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, idl);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, h, ike_hash_len(s->prop.hash));
	ic = p->pol.initial_contact && !sa_up(p);
	if (ic) {
		memcpy(spi, s->ci, 8);
		memcpy(spi + 8, s->cr, 8);
		isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, ISAKMP_N_INITIAL_CONTACT, NULL, 0);
	}
	if (frame_enc(p, s, &pkt, ISAKMP_XCHG_IDPROT, 0, b.first_np, b.buf, b.len, s->iv))
		return;
	ikep_queue_packet(p, &pkt);
	arm_xmit(p, &s->xm, &pkt);
	sa_state(p, s, MM_I3);
}

static void handle_mm6(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                       const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], mine[IKE_HASH_MAX];
	struct isakmp_chain c;
	struct isakmp_err err;
	const struct isakmp_pl *id, *hash;
	struct isakmp_id_pl idp;
	size_t hl = ike_hash_len(s->prop.hash);

	if (!(h->flags & ISAKMP_FLAG_ENC) || len - ISAKMP_HDR_LEN > sizeof pt ||
	    decrypt_body(p, s, msg, len, s->iv, pt, next_iv) ||
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
	    isakmp_id_parse(id, &idp, &err) < 0 || !id_acceptable(&p->pol, &idp))
		goto bad;
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
		sa_kill(p, s, "authentication failed");
		if (p->pol.initiator)
			p->restart_at = p->now + lab_sec(30);
	}
}

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

static struct child *child_by_mid(struct ike_peer *p, int sa, uint32_t mid)
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
	err = frame_enc(p, s, pkt, exch, mid, ISAKMP_PT_HASH, b.buf, b.len, iv);
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
	lab_ns life = lifetime_or(p->pol.esp_lifetime, lab_sec(3600));
	int group = p->pol.esp[0].group;

	if (!c) {
		ikep_log(p, "no free CHILD_SA slot");
		return;
	}
	c->sa = sa_index(p, s);
	c->initiator = true;
	c->replaces = replaces;
	c->mid = rand_nonzero32(p);
	c->spi_in = rand_nonzero32(p);
	c->nil = NONCE_LEN;
	drbg_bytes(p->drbg, c->ni, c->nil);
	c->pfs = group != 0;
	if (c->pfs && ike_dh_init(&c->dh, group, p->drbg))
		return;
	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), c->mid, c->iv);
	ikep_put_be32(spi, c->spi_in);
	isakmp_build_init(&b);
	at = put_sa_begin(&b, 1, ISAKMP_PROTO_ESP, spi, 4, p->pol.nesp);
	for (int i = 0; i < p->pol.nesp; i++)
		put_esp_transform(&b, (uint8_t)(i + 1), i + 1 == p->pol.nesp, &p->pol.esp[i],
		                  s->encap, life, p->pol.esp_lifebytes);
	put_sa_end(&b, at);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, c->ni, c->nil);
	if (c->pfs)
		isakmp_put_payload(&b, ISAKMP_PT_KE, c->dh.pub, c->dh.len);
	n = ts_body(&p->pol.local_ts, idb);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, n);
	n = ts_body(&p->pol.remote_ts, idb);
	isakmp_put_payload(&b, ISAKMP_PT_ID, idb, n);
	ikep_put_be32(m, c->mid);
	{
		struct ike_iov v[] = { { m, 4 }, { b.buf, b.len } };

		ike_prf(s->prop.hash, s->ska, ike_hash_len(s->prop.hash), v, 2, h);
	}
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, c->mid, h, &b, c->iv, &pkt))
		return;
	arm_xmit(p, &c->xm, &pkt);
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
	if (s->replaced && sa_up(p)) {
		/* quick mode finished on an SA a reauthentication or a collision replaced: the
		 * CHILD_SA lives on with the survivor, as the ones moved before it */
		c->sa = sa_index(p, sa_up(p));
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
	ts_text(&p->pol.local_ts, lts, sizeof lts);
	ts_text(&p->pol.remote_ts, rts, sizeof rts);
	snprintf(e->detail, sizeof e->detail, "CHILD_SA %s with SPIs %08x_i %08x_o and TS %s === %s",
	         c->replaces >= 0 ? "rekeyed" : "established", c->spi_in, c->spi_out, lts, rts);
	snprintf(e->proposal, sizeof e->proposal, "%s", prop);
	ikep_log(p, "%s", e->detail);
	if (c->replaces >= 0)
		drop_superseded(p, c);
}


static bool same_net(const struct ike_net *n, const struct isakmp_id_pl *id)
{
	struct ike_net x;
	uint8_t body[40];
	size_t l = ts_body(n, body);

	(void)x;
	return id->type == body[0] && id->len == l - 4 && !memcmp(id->data, body + 4, l - 4);
}

/* Verify the HASH payload that opens pt: prf(SKEYID_a, [prefix] M-ID [Ni_b] | rest). */
static bool verify_p2_hash(struct ikesa *s, const struct isakmp_chain *c, uint32_t mid,
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

static int open_p2(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                   const struct isakmp_hdr *h, const uint8_t *iv, uint8_t *pt, uint8_t *next_iv,
                   struct isakmp_chain *c)
{
	struct isakmp_err err;

	if (!(h->flags & ISAKMP_FLAG_ENC)) {
		ikep_log(p, "%s message %u is not encrypted", isakmp_xchg_name(h->exch), h->msgid);
		return -EINVAL;
	}
	if (len - ISAKMP_HDR_LEN > ISAKMP_MSG_MAX ||
	    decrypt_body(p, s, msg, len, iv, pt, next_iv))
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

static void handle_qm1(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
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
	if (open_p2(p, s, msg, len, h, iv, pt, next_iv, &c))
		return;
	if (!verify_p2_hash(s, &c, h->msgid, NULL, 0)) {
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
	if (!select_prop(p, &sa, true, p->pol.esp, p->pol.nesp,
	                 lifetime_or(p->pol.esp_lifetime, lab_sec(3600)), &pi, &ti, &ch->prop, &life,
	                 &encap)) {
		struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		log_proposals(p, &sa, true);
		snprintf(e->detail, sizeof e->detail, "no matching proposal found, sending "
		         "NO_PROPOSAL_CHOSEN");
		ikep_log(p, "%s", e->detail);
		send_p2_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN, ikep_be32(sa.props[0].spi));
		return;
	}
	ch->sa = sa_index(p, s);
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
	ch->spi_in = rand_nonzero32(p);
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
	at = put_sa_begin(&b, sa.props[pi].num, ISAKMP_PROTO_ESP, spi, 4, 1);
	{
		struct isakmp_builder tb;

		/* the chosen transform with the initiator's transform number */
		isakmp_build_init(&tb);
		put_esp_transform(&b, sa.props[pi].tr[ti].num, true, &ch->prop, encap == 3 ||
		                  encap == 61443, echo_life, off_kb * IKE_KILOBYTE);
		(void)tb;
	}
	put_sa_end(&b, at);
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
	sha1_of(msg, len, ch->req_hash);
	ch->st = QM_R1;
	child_inbound(p, s, ch);
}

static void handle_qm2(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
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

	if (open_p2(p, s, msg, len, h, ch->iv, pt, next_iv, &c))
		return;
	if (!verify_p2_hash(s, &c, h->msgid, ch->ni, ch->nil)) {
		ikep_log(p, "QUICK_MODE response %u: HASH(2) does not verify", h->msgid);
		return;
	}
	sapl = isakmp_chain_find(&c, ISAKMP_PT_SA);
	npl = isakmp_chain_find(&c, ISAKMP_PT_NONCE);
	kepl = isakmp_chain_find(&c, ISAKMP_PT_KE);
	if (!sapl || !npl || npl->body_len < 8 || npl->body_len > NONCE_MAX ||
	    isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0 ||
	    sa.nprops != 1 || sa.props[0].ntr != 1 || sa.props[0].spi_size != 4 ||
	    !esp_from_transform(&sa.props[0].tr[0], &ch->prop, &life, &encap)) {
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
		lab_ns mine = lifetime_or(p->pol.esp_lifetime, lab_sec(3600));

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
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, h->msgid, hash, NULL, ch->iv, &pkt))
		return;
	child_up(p, s, ch);
}

static void handle_qm3(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
                       size_t len, const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], next_iv[16], hash[IKE_HASH_MAX], m[4], zero = 0;
	struct isakmp_chain c;
	size_t hl = ike_hash_len(s->prop.hash);

	if (open_p2(p, s, msg, len, h, ch->iv, pt, next_iv, &c))
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

/* ---- informational ---- */

static void send_dpd(struct ike_peer *p, struct ikesa *s, uint16_t type, uint32_t seq)
{
	struct isakmp_builder b;
	uint8_t spi[16], sq[4];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	ikep_put_be32(sq, seq);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, sq, 4);
	ikep_send_info(p, s, &b);
}

static void handle_info(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                        const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], iv[16], next_iv[16];
	struct isakmp_chain c;
	struct isakmp_err err;

	if (!(h->flags & ISAKMP_FLAG_ENC)) {
		/* only NO-PROPOSAL-CHOSEN to our MM1 is believed unprotected */
		if (isakmp_chain_parse(h->np, msg + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN,
		                       &c, &err) < 0)
			return;
		for (size_t i = 0; i < c.n; i++) {
			struct isakmp_notify_pl n;

			if (c.pl[i].type != ISAKMP_PT_N || isakmp_notify_parse(&c.pl[i], &n, &err) < 0)
				continue;
			ikep_log(p, "received %s error notify", isakmp_notify_name(n.type));
			if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN && s->st == MM_I1) {
				struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

				snprintf(e->detail, sizeof e->detail, "the peer refused every IKE proposal "
				         "(NO_PROPOSAL_CHOSEN)");
				sa_kill(p, s, "no proposal chosen");
				if (p->pol.initiator)
					p->restart_at = p->now + lab_sec(30);
			}
		}
		return;
	}
	/* informational exchanges never chain (research notes 2.2) */
	ike_iv_exchange(s->prop.hash, s->st == MM_I3 ? s->iv : s->p1_last,
	                ike_encr_block(s->prop.encr), h->msgid, iv);
	if (open_p2(p, s, msg, len, h, iv, pt, next_iv, &c))
		return;
	if (!verify_p2_hash(s, &c, h->msgid, NULL, 0)) {
		ikep_log(p, "INFORMATIONAL_V1 %u: HASH does not verify", h->msgid);
		return;
	}
	{
		char desc[128];

		isakmp_chain_describe(&c, desc, sizeof desc);
		ikep_log(p, "parsed INFORMATIONAL_V1 request %u %s", h->msgid, desc);
	}
	for (size_t i = 1; i < c.n; i++) {
		const struct isakmp_pl *pl = &c.pl[i];

		if (pl->type == ISAKMP_PT_N) {
			struct isakmp_notify_pl n;

			if (isakmp_notify_parse(pl, &n, &err) < 0)
				continue;
			if (n.type == ISAKMP_N_R_U_THERE && n.data_len == 4) {
				send_dpd(p, s, ISAKMP_N_R_U_THERE_ACK, ikep_be32(n.data));
			} else if (n.type == ISAKMP_N_R_U_THERE_ACK && n.data_len == 4) {
				if (s->dpd_waiting && ikep_be32(n.data) == s->dpd_seq) {
					struct ike_event *e = ikep_event(p, IKE_EV_DPD_ACK);

					e->dpd_seq = s->dpd_seq;
					s->dpd_waiting = false;
				} else {
					ikep_log(p, "received invalid DPD sequence number %u (expected %u), ignored",
					      ikep_be32(n.data), s->dpd_seq);
				}
			} else if (n.type == ISAKMP_N_INITIAL_CONTACT) {
				handle_ic(p, s);
			} else if (n.type == ISAKMP_N_RESPONDER_LIFETIME) {
				lab_ns secs;
				uint64_t kb;

				if (ikep_responder_lifetime_read(p, &n, &secs, &kb) < 0)
					continue;
				if (n.proto == ISAKMP_PROTO_ISAKMP && s->st == SA_UP)
					ikep_p1_shorten(p, s, secs);
				for (int k = 0; n.proto == ISAKMP_PROTO_ESP && n.spi_size == 4 &&
				     k < MAX_CHILDREN; k++) {
					struct child *ch = &p->ch[k];

					/* the SPI is the responder's, the one we send to */
					if (ch->st != CH_UP || ch->spi_out != ikep_be32(n.spi))
						continue;
					if (secs > 0 && secs < ch->lifetime) {
						ch->lifetime = secs;
						ch->expire_at = ch->established + secs;
						if (ch->rekey_at != LAB_NEVER)
							ch->rekey_at = ch->established + secs - (p->pol.rekey_margin > 0 ?
							              p->pol.rekey_margin : secs / 10);
					}
					if (kb && (!ch->lifebytes || kb * IKE_KILOBYTE < ch->lifebytes))
						ch->lifebytes = kb * IKE_KILOBYTE;
				}
			} else if (n.type == ISAKMP_N_AUTHENTICATION_FAILED && s->st == MM_I3) {
				struct ike_event *e = ikep_event(p, IKE_EV_AUTH_FAILED);

				snprintf(e->detail, sizeof e->detail, "the peer says AUTHENTICATION_FAILED");
				ikep_log(p, "%s", e->detail);
				sa_kill(p, s, "authentication failed");
			} else if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ||
			           n.type == ISAKMP_N_INVALID_ID_INFORMATION) {
				struct ike_event *e = ikep_event(p, n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ?
				                                IKE_EV_NO_PROPOSAL_CHOSEN : IKE_EV_ERROR);

				snprintf(e->detail, sizeof e->detail, "the peer refused our quick mode: %s",
				         isakmp_notify_name(n.type));
				ikep_log(p, "%s", e->detail);
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].st == QM_I1 && p->ch[k].sa == sa_index(p, s))
						ikep_child_kill(p, &p->ch[k], "refused", false);
			}
		} else if (pl->type == ISAKMP_PT_D) {
			struct isakmp_delete_pl d;

			if (isakmp_delete_parse(pl, &d, &err) < 0)
				continue;
			if (d.proto == ISAKMP_PROTO_ISAKMP && d.spi_size == 16) {
				ikep_log(p, "received DELETE for IKE_SA");
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].sa == sa_index(p, s) && !s->replaced)
						ikep_child_kill(p, &p->ch[k], "IKE_SA deleted by peer", true);
				sa_kill(p, s, "deleted by peer");
				return;
			}
			for (uint16_t k = 0; d.proto == ISAKMP_PROTO_ESP && d.spi_size == 4 && k < d.nspis; k++) {
				uint32_t spi = ikep_be32(d.spis + 4 * k);
				bool found = false;

				ikep_log(p, "received DELETE for ESP CHILD_SA with SPI %08x", spi);
				for (int x = 0; x < MAX_CHILDREN; x++)
					if (p->ch[x].st == CH_UP && p->ch[x].spi_out == spi) {
						ikep_child_kill(p, &p->ch[x], "deleted by peer", true);
						found = true;
					}
				if (!found)
					ikep_log(p, "CHILD_SA not found, ignored");
			}
		}
	}
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
	ep_text(from, a, sizeof a);
	sha1_of(msg, len, hash);
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
				handle_mm1(p, &h, &c, from, to);
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
		case MM_I1: s->xm.active = false; handle_mm2(p, s, &h, &c); break;
		case MM_I2: s->xm.active = false; handle_mm4(p, s, &c, from, to); break;
		case MM_I3: handle_mm6(p, s, msg, len, &h); break;
		case MM_R1: memcpy(s->last_req_hash, hash, 20); handle_mm3(p, s, &c, from, to); break;
		case MM_R2: memcpy(s->last_req_hash, hash, 20); handle_mm5(p, s, msg, len, &h, from, to); break;
		default: break;
		}
		return;
	case ISAKMP_XCHG_QUICK: {
		struct child *ch;

		if (!s || s->st != SA_UP) {
			ikep_log(p, "QUICK_MODE for an unknown or unfinished IKE_SA, ignored");
			return;
		}
		ch = child_by_mid(p, sa_index(p, s), h.msgid);
		if (!ch) {
			handle_qm1(p, s, msg, len, &h);
		} else if (ch->st == QM_R1 && !memcmp(ch->req_hash, hash, 20)) {
			ikep_queue_packet(p, &ch->resp);
		} else if (ch->st == QM_I1) {
			ch->xm.active = false;
			handle_qm2(p, s, ch, msg, len, &h);
		} else if (ch->st == QM_R1) {
			handle_qm3(p, s, ch, msg, len, &h);
		}
		return;
	}
	case ISAKMP_XCHG_INFO:
		if (s)
			handle_info(p, s, msg, len, &h);
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
	lab_ns base = lifetime_or(p->pol.retransmit_base, lab_sec(4)), wait = base;

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
	         (long long)(lifetime_or(p->pol.dpd_timeout, lab_sec(120)) / LAB_NS_PER_SEC),
	         actions[p->pol.dpd_action]);
	ikep_log(p, "%s", e->detail);
	for (int k = 0; k < MAX_CHILDREN; k++)
		if (p->ch[k].sa == sa_index(p, s))
			ikep_child_kill(p, &p->ch[k], "DPD timeout", true);
	sa_kill(p, s, "DPD timeout");
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
			sa_kill(p, s, "peer does not answer");
			if (p->pol.initiator)
				p->restart_at = now + lab_sec(10);
			continue;
		}
		if (s->st != SA_UP) {
			if (!s->initiator && now - s->created >= lab_sec(30)) {
				ikep_log(p, "half-open IKE_SA timed out after 30s");
				sa_kill(p, s, "half-open timeout");
			}
			continue;
		}
		if (s->dpd_waiting && s->dpd_deadline <= now) {
			dpd_timeout(p, s);
			continue;
		}
		ikep_keepalive_timer(p, s);
		if (s->dpd_next <= now) {
			lab_ns delay = lifetime_or(p->pol.dpd_delay, lab_sec(30));
			bool peer_ok = s->peer_dpd || !p->pol.dpd_needs_peer_vid;

			s->dpd_next = now + delay;
			if (peer_ok && !s->dpd_waiting && !s->replaced &&
			    (p->pol.dpd == IKE_DPD_ALWAYS || now - s->last_in >= delay)) {
				struct ike_event *e = ikep_event(p, IKE_EV_DPD_SENT);

				s->dpd_seq++;
				e->dpd_seq = s->dpd_seq;
				send_dpd(p, s, ISAKMP_N_R_U_THERE, s->dpd_seq);
				s->dpd_waiting = true;
				s->dpd_deadline = now + lifetime_or(p->pol.dpd_timeout, lab_sec(120));
			}
		}
		if (s->reauth_at <= now) {
			s->reauth_at = LAB_NEVER;
			ikep_log(p, "reauthenticating IKE_SA");
			ike_peer_start(p, now);
		}
		if (s->expire_at <= now && s->replaced) {
			send_delete_ike(p, s);
			sa_kill(p, s, s->collided ? "lost a simultaneous initiation" :
			        "replaced by reauthentication");
		} else if (s->expire_at <= now) {
			ikep_log(p, "IKE_SA lifetime expired");
			for (int k = 0; k < MAX_CHILDREN; k++)
				if (p->ch[k].sa == i && p->ch[k].st == CH_UP) {
					ikep_send_delete_child(p, s, &p->ch[k]);
					ikep_child_kill(p, &p->ch[k], "IKE_SA expired", true);
				}
			send_delete_ike(p, s);
			sa_kill(p, s, "lifetime expired");
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
			sa_kill(p, s, "shutdown");
			continue;
		}
		for (int k = 0; k < MAX_CHILDREN; k++)
			if (p->ch[k].sa == i && p->ch[k].st == CH_UP) {
				ikep_send_delete_child(p, s, &p->ch[k]);
				ikep_child_kill(p, &p->ch[k], "shutdown", true);
			}
		send_delete_ike(p, s);
		sa_kill(p, s, "shutdown");
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
