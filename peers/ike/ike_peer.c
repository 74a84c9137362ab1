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
#include "peers/ike/ike_select.h"

#define MAX_SAS       4
#define MAX_CHILDREN  8
#define MAX_EVENTS    64
#define MAX_OUT       32
#define MAX_LOG       64
#define NONCE_LEN     32
#define NONCE_MAX     256

static const uint8_t VID_DPD[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                     0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
static const uint8_t VID_NATT[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };

enum sa_state { SA_NONE, MM_I1, MM_I2, MM_I3, MM_R1, MM_R2, SA_UP, SA_DEAD };
enum ch_state { CH_NONE, QM_I1, QM_R1, CH_UP, CH_DEAD };

static const char *const sa_state_names[] = { "NONE", "MM_I1", "MM_I2", "MM_I3", "MM_R1",
                                               "MM_R2", "ESTABLISHED", "DELETED" };

struct xmit {
	bool active;
	struct ike_packet pkt;
	lab_ns next;
	int tries;
};

struct ikesa {
	enum sa_state st;
	bool initiator;
	uint8_t ci[8], cr[8];
	struct ike_prop prop;
	lab_ns lifetime;
	uint8_t sai_b[2048];
	size_t sai_len;
	struct ike_dh dh;
	uint8_t gxi[IKE_DH_MAX], gxr[IKE_DH_MAX], gxy[IKE_DH_MAX];
	size_t glen;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t nil, nrl;
	uint8_t skeyid[IKE_HASH_MAX], skd[IKE_HASH_MAX], ska[IKE_HASH_MAX], ske[IKE_HASH_MAX];
	uint8_t ka[32];
	size_t kalen;
	uint8_t iv[16];                 /* phase-1 CBC chain */
	uint8_t p1_last[16];            /* last ciphertext block of the final phase-1 message */
	bool peer_natt, peer_dpd, encap;
	struct ike_endpoint local, remote;
	struct xmit xm;
	uint8_t last_req_hash[20];      /* the last request we answered, to resend on a retransmit */
	struct ike_packet resp;
	bool have_resp;
	lab_ns established, reauth_at, expire_at;
	uint32_t dpd_seq;
	bool dpd_waiting;
	lab_ns dpd_deadline, dpd_next, last_in;
	bool replaced;                  /* reauthenticated: children moved to a newer SA */
	lab_ns created;
};

struct child {
	enum ch_state st;
	int sa;                         /* owning IKE SA */
	bool initiator;
	uint32_t mid;
	uint8_t iv[16];
	uint32_t spi_in, spi_out;
	struct ike_prop prop;
	lab_ns lifetime;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t nil, nrl;
	struct ike_dh dh;
	bool pfs;
	uint8_t gxy_buf[IKE_DH_MAX];    /* PFS shared secret */
	struct xmit xm;
	struct ike_packet resp;
	uint8_t req_hash[20];
	lab_ns established, rekey_at, expire_at;
	int replaces;                   /* child index this rekey replaces, -1 */
	bool rekeyed;                   /* a newer child took over */
};

struct ike_peer {
	struct ike_policy pol;
	struct drbg *drbg;
	struct ikesa sa[MAX_SAS];
	struct child ch[MAX_CHILDREN];
	struct ike_event ev[MAX_EVENTS];
	size_t nev, evhead;
	struct ike_packet *out;
	size_t nout, outhead;
	char log[MAX_LOG][192];
	size_t nlog, loghead;
	lab_ns now;
	lab_ns restart_at;              /* re-initiate main mode then (initiator after failure) */
	lab_ns last_traffic;
};

/* ---- small helpers ---- */

static void logf_(struct ike_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(struct ike_peer *p, const char *fmt, ...)
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

static struct ike_event *event(struct ike_peer *p, enum ike_event_type t)
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
		logf_(p, "IKE_SA %02x%02x%02x%02x state %s -> %s", s->ci[0], s->ci[1], s->ci[2],
		      s->ci[3], sa_state_names[s->st], sa_state_names[st]);
	s->st = st;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put_be32(uint8_t *b, uint32_t v)
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

static void queue_packet(struct ike_peer *p, const struct ike_packet *pkt)
{
	if (p->nout == MAX_OUT) {
		logf_(p, "output queue full, dropping a message");
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
		logf_(p, "encryption failed");
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
			s->reauth_at = s->expire_at = s->dpd_next = LAB_NEVER;
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
		struct ike_event *e = event(p, IKE_EV_IKE_SA_DELETED);

		snprintf(e->detail, sizeof e->detail, "IKE_SA with %s deleted: %s", a, why);
		logf_(p, "%s", e->detail);
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

static void child_kill(struct ike_peer *p, struct child *c, const char *why, bool event_it)
{
	if (c->st == CH_NONE || c->st == CH_DEAD)
		return;
	if (c->st == CH_UP && event_it) {
		struct ike_event *e = event(p, IKE_EV_CHILD_SA_DELETED);

		e->spi_in = c->spi_in;
		e->spi_out = c->spi_out;
		snprintf(e->detail, sizeof e->detail, "CHILD_SA with SPIs %08x_i %08x_o deleted: %s",
		         c->spi_in, c->spi_out, why);
		logf_(p, "%s", e->detail);
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
		isakmp_put_attr(b, 2, lifebytes / 1024);
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
		logf_(p, "lifetime %llds of %s does not match the required %llds",
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
	logf_(p, "%s", line);
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
	if (here)
		logf_(p, "local host is behind NAT, sending keep alives");
	if (there)
		logf_(p, "remote host is behind NAT");
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
		logf_(p, "invalid DH public value from peer");
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
		logf_(p, "key derivation failed");
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
	queue_packet(p, &pkt);
	arm_xmit(p, &s->xm, &pkt);
	logf_(p, "initiating Main Mode IKE_SA %s to peer", p->pol.name);
	sa_state(p, s, MM_I1);
}

void ike_peer_start(struct ike_peer *p, lab_ns now)
{
	struct ikesa *s;

	p->now = now;
	p->restart_at = LAB_NEVER;
	s = sa_new(p);
	if (!s) {
		logf_(p, "no free IKE_SA slot");
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
	queue_packet(p, &pkt);
	logf_(p, "generating INFORMATIONAL_V1 request [ N(%s) ]", isakmp_notify_name(type));
}

/* An encrypted informational exchange: HASH(1) = prf(SKEYID_a, M-ID | payloads). */
static void send_info(struct ike_peer *p, struct ikesa *s, struct isakmp_builder *payloads)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t h[IKE_HASH_MAX], iv[16], m[4];
	uint32_t mid = rand_nonzero32(p);
	size_t hl = ike_hash_len(s->prop.hash);
	struct ike_iov v[2] = { { m, 4 }, { payloads->buf, payloads->len } };

	put_be32(m, mid);
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
		queue_packet(p, &pkt);
}

static void send_delete_child(struct ike_peer *p, struct ikesa *s, const struct child *c)
{
	struct isakmp_builder b;
	uint8_t spi[4];

	put_be32(spi, c->spi_in);       /* the SA we receive on */
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ESP, spi, 4, 1);
	send_info(p, s, &b);
	logf_(p, "sending DELETE for ESP CHILD_SA with SPI %08x", c->spi_in);
}

static void send_delete_ike(struct ike_peer *p, struct ikesa *s)
{
	struct isakmp_builder b;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
	send_info(p, s, &b);
	logf_(p, "sending DELETE for IKE_SA");
}

static void start_qm(struct ike_peer *p, struct ikesa *s, int replaces);

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
	ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
	ep_text(&s->local, a, sizeof a);
	ep_text(&s->remote, b, sizeof b);
	/* reauthentication: move the children of the SA this one replaces */
	for (int i = 0; i < MAX_SAS; i++) {
		struct ikesa *o = &p->sa[i];

		if (o == s || o->st != SA_UP || o->replaced)
			continue;
		if (memcmp(o->remote.addr, s->remote.addr, alen(s->remote.family)))
			continue;
		o->replaced = true;
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (p->ch[c].sa == i && p->ch[c].st == CH_UP)
				p->ch[c].sa = sa_index(p, s);
		e = event(p, IKE_EV_IKE_SA_REAUTHENTICATED);
		snprintf(e->proposal, sizeof e->proposal, "%s", prop);
		snprintf(e->detail, sizeof e->detail, "IKE_SA reauthenticated between %s...%s", a, b);
		logf_(p, "%s", e->detail);
		send_delete_ike(p, o);
		sa_kill(p, o, "replaced by reauthentication");
	}
	e = event(p, IKE_EV_IKE_SA_ESTABLISHED);
	snprintf(e->proposal, sizeof e->proposal, "%s", prop);
	e->lifetime = s->lifetime;
	e->prop = s->prop;
	e->local = s->local;
	e->remote = s->remote;
	e->udp_encap = s->encap;
	keyline(s, e->keyline, sizeof e->keyline);
	snprintf(e->detail, sizeof e->detail, "IKE_SA established between %s...%s", a, b);
	logf_(p, "%s", e->detail);
	if (s->reauth_at != LAB_NEVER)
		logf_(p, "scheduling reauthentication in %llds",
		      (long long)((s->reauth_at - p->now) / LAB_NS_PER_SEC));
	logf_(p, "maximum IKE_SA lifetime %llds", (long long)(s->lifetime / LAB_NS_PER_SEC));
	if (s->initiator && p->pol.nesp > 0) {
		bool have_child = false;

		for (int c = 0; c < MAX_CHILDREN; c++)
			have_child |= p->ch[c].st == CH_UP && p->ch[c].sa == sa_index(p, s);
		if (!have_child)
			start_qm(p, s, -1);
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
		logf_(p, "MM1 from %s: %s", a, sapl ? err.msg : "no SA payload");
		return;
	}
	memcpy(s->ci, h->icookie, 8);
	do
		drbg_bytes(p->drbg, s->cr, 8);
	while (!memcmp(s->cr, "\0\0\0\0\0\0\0\0", 8));
	s->remote = *from;
	s->local = *to;
	s->initiator = false;
	logf_(p, "%s is initiating a Main Mode IKE_SA", a);
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == ISAKMP_PT_VID && c->pl[i].body_len == 16) {
			if (!memcmp(c->pl[i].body, VID_DPD, 16)) {
				s->peer_dpd = true;
				logf_(p, "received DPD vendor ID");
			} else if (!memcmp(c->pl[i].body, VID_NATT, 16)) {
				s->peer_natt = true;
				logf_(p, "received NAT-T (RFC 3947) vendor ID");
			}
		}
	if (!select_prop(p, &sa, false, p->pol.ike, p->pol.nike,
	                 lifetime_or(p->pol.ike_lifetime, lab_sec(28800)), &pi, &ti, &s->prop, &life,
	                 NULL)) {
		struct ike_event *e = event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		log_proposals(p, &sa, false);
		logf_(p, "no proposal found");
		snprintf(e->detail, sizeof e->detail, "Main Mode from %s: no proposal found", a);
		send_plain_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN);
		sa_state(p, s, SA_DEAD);
		return;
	}
	s->lifetime = life;
	{
		char prop[128];

		ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
		logf_(p, "selected proposal: %s", prop);
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
	queue_packet(p, &pkt);
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
		logf_(p, "message lacks %s", !k ? "KE" : "a nonce");
		return -EINVAL;
	}
	if (k->body_len != ike_modp_len(s->prop.group)) {
		logf_(p, "KE payload of %zu bytes, group %d needs %zu", k->body_len, s->prop.group,
		      ike_modp_len(s->prop.group));
		return -EINVAL;
	}
	if (n->body_len < 8 || n->body_len > NONCE_MAX) {
		logf_(p, "nonce of %zu bytes (8 to 256 allowed)", n->body_len);
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
	queue_packet(p, &pkt);
	s->resp = pkt;
	sa_state(p, s, MM_R2);
}

/* Decrypt an encrypted message body; pt gets the plaintext, next_iv the last block. */
static int decrypt_body(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                        const uint8_t *iv, uint8_t *pt, uint8_t *next_iv)
{
	size_t bs = ike_encr_block(s->prop.encr), n = len - ISAKMP_HDR_LEN;

	if (n == 0 || n % bs) {
		logf_(p, "encrypted body of %zu bytes is not a multiple of the %zu-byte block", n, bs);
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
		logf_(p, "destroying duplicate IKE_SA for peer, received INITIAL_CONTACT");
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (p->ch[c].sa == i)
				child_kill(p, &p->ch[c], "duplicate IKE_SA destroyed on INITIAL_CONTACT", true);
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
		e = event(p, IKE_EV_AUTH_FAILED);
		snprintf(e->detail, sizeof e->detail, "MM5 does not decrypt to ID and HASH "
		         "(pre-shared keys differ?)");
		logf_(p, "%s", e->detail);
		sa_kill(p, s, "authentication failed");
		return;
	}
	auth_hash(s, true, id->body, id->body_len, mine);
	if (hash->body_len != hl || CRYPTO_memcmp(hash->body, mine, hl) ||
	    isakmp_id_parse(id, &idp, &err) < 0 || !id_acceptable(&p->pol, &idp)) {
		struct isakmp_builder nb;

		e = event(p, IKE_EV_AUTH_FAILED);
		snprintf(e->detail, sizeof e->detail, "%s", hash->body_len != hl ||
		         CRYPTO_memcmp(hash->body, mine, hl) ?
		         "HASH_I does not verify (pre-shared keys differ)" :
		         "peer identity does not match the configured remote ID");
		logf_(p, "%s", e->detail);
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
		send_info(p, s, &nb);
		sa_kill(p, s, "authentication failed");
		return;
	}
	{
		char idtxt[96];

		isakmp_id_format(&idp, idtxt, sizeof idtxt);
		logf_(p, "peer identity %s", idtxt);
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
	queue_packet(p, &pkt);
	s->resp = pkt;
	sa_after_p1(p, s, s->iv);
	established(p, s);
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
		logf_(p, "MM2: %s", sapl ? "the SA is not one transform vpnlab can use" : "no SA");
		return;
	}
	{
		bool offered = false;

		for (int i = 0; i < p->pol.nike; i++)
			offered |= ike_prop_equal(&p->pol.ike[i], &s->prop);
		if (!offered) {
			logf_(p, "MM2 selected a proposal we did not offer");
			return;
		}
	}
	{
		char prop[128];
		lab_ns mine = lifetime_or(p->pol.ike_lifetime, lab_sec(28800));

		ike_prop_strongswan(&s->prop, false, prop, sizeof prop);
		logf_(p, "selected proposal: %s", prop);
		if (life && life != mine)
			logf_(p, "received lifetime %llds does not match configured lifetime %llds",
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
	queue_packet(p, &pkt);
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
	queue_packet(p, &pkt);
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
		struct ike_event *e = event(p, IKE_EV_AUTH_FAILED);

		snprintf(e->detail, sizeof e->detail, "MM6 does not authenticate the responder "
		         "(pre-shared keys differ?)");
		logf_(p, "%s", e->detail);
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
		queue_packet(p, pkt);
	return err;
}

static void start_qm(struct ike_peer *p, struct ikesa *s, int replaces)
{
	struct child *c = child_new(p);
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t spi[4], h[IKE_HASH_MAX], m[4], idb[40];
	size_t at, n;
	lab_ns life = lifetime_or(p->pol.esp_lifetime, lab_sec(3600));
	int group = p->pol.esp[0].group;

	if (!c) {
		logf_(p, "no free CHILD_SA slot");
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
	put_be32(spi, c->spi_in);
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
	put_be32(m, c->mid);
	{
		struct ike_iov v[] = { { m, 4 }, { b.buf, b.len } };

		ike_prf(s->prop.hash, s->ska, ike_hash_len(s->prop.hash), v, 2, h);
	}
	if (send_hashed(p, s, ISAKMP_XCHG_QUICK, c->mid, h, &b, c->iv, &pkt))
		return;
	arm_xmit(p, &c->xm, &pkt);
	c->st = QM_I1;
	logf_(p, "generating QUICK_MODE request %u [ HASH SA No%s ID ID ]", c->mid,
	      c->pfs ? " KE" : "");
}

static void child_up(struct ike_peer *p, struct ikesa *s, struct child *c)
{
	size_t el = (size_t)c->prop.keylen / 8, il = ike_esp_integ_keylen(c->prop.hash);
	uint8_t km[128], gxy[IKE_DH_MAX];
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
	e = event(p, c->replaces >= 0 ? IKE_EV_CHILD_SA_REKEYED : IKE_EV_CHILD_SA_ESTABLISHED);
	/* KEYMAT of the SA with SPI x protects traffic sent to x: inbound from our SPI,
	 * outbound from the peer's (research notes 2.5); encryption key, then integrity key */
	ike_keymat(s->prop.hash, s->skd, glen ? gxy : NULL, glen, ISAKMP_PROTO_ESP, c->spi_in,
	           c->ni, c->nil, c->nr, c->nrl, km, el + il);
	e->in.spi = c->spi_in;
	memcpy(e->in.enc, km, el);
	e->in.enc_len = el;
	memcpy(e->in.integ, km + el, il);
	e->in.integ_len = il;
	ike_keymat(s->prop.hash, s->skd, glen ? gxy : NULL, glen, ISAKMP_PROTO_ESP, c->spi_out,
	           c->ni, c->nil, c->nr, c->nrl, km, el + il);
	e->out.spi = c->spi_out;
	memcpy(e->out.enc, km, el);
	e->out.enc_len = el;
	memcpy(e->out.integ, km + el, il);
	e->out.integ_len = il;
	OPENSSL_cleanse(km, sizeof km);
	OPENSSL_cleanse(gxy, sizeof gxy);
	OPENSSL_cleanse(c->gxy_buf, sizeof c->gxy_buf);
	ike_dh_free(&c->dh);
	c->st = CH_UP;
	c->xm.active = false;
	c->established = p->now;
	c->expire_at = p->now + c->lifetime;
	c->rekey_at = p->pol.initiator ? p->now + c->lifetime - margin - jitter : LAB_NEVER;
	e->spi_in = c->spi_in;
	e->spi_out = c->spi_out;
	e->lifetime = c->lifetime;
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
	snprintf(e->proposal, sizeof e->proposal, "%s", prop);
	ts_text(&p->pol.local_ts, lts, sizeof lts);
	ts_text(&p->pol.remote_ts, rts, sizeof rts);
	snprintf(e->detail, sizeof e->detail, "CHILD_SA %s with SPIs %08x_i %08x_o and TS %s === %s",
	         c->replaces >= 0 ? "rekeyed" : "established", c->spi_in, c->spi_out, lts, rts);
	logf_(p, "%s", e->detail);
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
	put_be32(m, mid);
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
		logf_(p, "%s message %u is not encrypted", isakmp_xchg_name(h->exch), h->msgid);
		return -EINVAL;
	}
	if (len - ISAKMP_HDR_LEN > ISAKMP_MSG_MAX ||
	    decrypt_body(p, s, msg, len, iv, pt, next_iv))
		return -EINVAL;
	if (isakmp_chain_parse(h->np, pt, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, c, &err) < 0) {
		logf_(p, "%s message %u: %s at offset %zu", isakmp_xchg_name(h->exch), h->msgid,
		      err.msg, err.off);
		return -EINVAL;
	}
	if (c->n < 1 || c->pl[0].type != ISAKMP_PT_HASH) {
		logf_(p, "expected HASH payload as first payload");
		return -EINVAL;
	}
	return 0;
}

static void send_p2_notify(struct ike_peer *p, struct ikesa *s, uint16_t type, uint32_t spi)
{
	struct isakmp_builder b;
	uint8_t sp[4];

	put_be32(sp, spi);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ESP, sp, 4, type, NULL, 0);
	send_info(p, s, &b);
	logf_(p, "sending %s", isakmp_notify_name(type));
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
	lab_ns life;
	int encap;

	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), h->msgid, iv);
	if (open_p2(p, s, msg, len, h, iv, pt, next_iv, &c))
		return;
	if (!verify_p2_hash(s, &c, h->msgid, NULL, 0)) {
		logf_(p, "QUICK_MODE request %u: HASH(1) does not verify", h->msgid);
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
		logf_(p, "QUICK_MODE request %u: malformed (%s)", h->msgid,
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
		e = event(p, IKE_EV_ERROR);
		snprintf(e->detail, sizeof e->detail, "traffic selectors %s === %s inacceptable", a, b2);
		logf_(p, "%s", e->detail);
		send_p2_notify(p, s, ISAKMP_N_INVALID_ID_INFORMATION, 0);
		return;
	}
	ch = child_new(p);
	if (!ch)
		return;
	if (!select_prop(p, &sa, true, p->pol.esp, p->pol.nesp,
	                 lifetime_or(p->pol.esp_lifetime, lab_sec(3600)), &pi, &ti, &ch->prop, &life,
	                 &encap)) {
		struct ike_event *e = event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

		log_proposals(p, &sa, true);
		snprintf(e->detail, sizeof e->detail, "no matching proposal found, sending "
		         "NO_PROPOSAL_CHOSEN");
		logf_(p, "%s", e->detail);
		send_p2_notify(p, s, ISAKMP_N_NO_PROPOSAL_CHOSEN, be32(sa.props[0].spi));
		return;
	}
	ch->sa = sa_index(p, s);
	ch->mid = h->msgid;
	ch->lifetime = life;
	/* a quick mode for selectors we already have a CHILD_SA for is its rekey */
	for (int k = 0; k < MAX_CHILDREN; k++)
		if (&p->ch[k] != ch && p->ch[k].st == CH_UP && !p->ch[k].rekeyed &&
		    p->ch[k].sa == ch->sa)
			ch->replaces = k;
	ch->spi_out = be32(sa.props[pi].spi);
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
			logf_(p, "QUICK_MODE request %u: PFS without a usable KE payload", h->msgid);
			ch->st = CH_DEAD;
			return;
		}
	}
	{
		char prop[128];

		ike_prop_strongswan(&ch->prop, true, prop, sizeof prop);
		logf_(p, "selected proposal: %s", prop);
	}
	/* QM2: HASH(2), SA, Nr [, KE], IDci, IDcr */
	put_be32(spi, ch->spi_in);
	isakmp_build_init(&b);
	at = put_sa_begin(&b, sa.props[pi].num, ISAKMP_PROTO_ESP, spi, 4, 1);
	{
		struct isakmp_builder tb;

		/* the chosen transform with the initiator's transform number */
		isakmp_build_init(&tb);
		put_esp_transform(&b, sa.props[pi].tr[ti].num, true, &ch->prop, encap == 3 ||
		                  encap == 61443, life, 0);
		(void)tb;
	}
	put_sa_end(&b, at);
	isakmp_put_payload(&b, ISAKMP_PT_NONCE, ch->nr, ch->nrl);
	if (ch->pfs)
		isakmp_put_payload(&b, ISAKMP_PT_KE, ch->dh.pub, ch->dh.len);
	for (size_t i = 0; i < nid; i++)
		isakmp_put_payload(&b, ISAKMP_PT_ID, ids[i]->body, ids[i]->body_len);
	put_be32(m, h->msgid);
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
		logf_(p, "QUICK_MODE response %u: HASH(2) does not verify", h->msgid);
		return;
	}
	sapl = isakmp_chain_find(&c, ISAKMP_PT_SA);
	npl = isakmp_chain_find(&c, ISAKMP_PT_NONCE);
	kepl = isakmp_chain_find(&c, ISAKMP_PT_KE);
	if (!sapl || !npl || npl->body_len < 8 || npl->body_len > NONCE_MAX ||
	    isakmp_sa_parse(sapl->body, sapl->body_len, sapl->off + 4, &sa, &err) < 0 ||
	    sa.nprops != 1 || sa.props[0].ntr != 1 || sa.props[0].spi_size != 4 ||
	    !esp_from_transform(&sa.props[0].tr[0], &ch->prop, &life, &encap)) {
		logf_(p, "QUICK_MODE response %u: malformed", h->msgid);
		return;
	}
	for (int i = 0; i < p->pol.nesp; i++)
		offered |= ike_prop_equal(&p->pol.esp[i], &ch->prop);
	if (!offered) {
		logf_(p, "QUICK_MODE response %u selected a proposal we did not offer", h->msgid);
		return;
	}
	{
		lab_ns mine = lifetime_or(p->pol.esp_lifetime, lab_sec(3600));

		if (life && life != mine)
			logf_(p, "received %llds lifetime, configured %llds",
			      (long long)(life / LAB_NS_PER_SEC), (long long)(mine / LAB_NS_PER_SEC));
		/* honour a shorter lifetime the responder asked for (RESPONDER-LIFETIME or echo) */
		ch->lifetime = life && life < mine ? life : mine;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct isakmp_notify_pl n;

		if (c.pl[i].type == ISAKMP_PT_N && isakmp_notify_parse(&c.pl[i], &n, &err) == 0 &&
		    n.type == ISAKMP_N_RESPONDER_LIFETIME) {
			struct isakmp_transform t = { .num = 0 };
			const uint8_t *d = n.data;
			size_t left = n.data_len;

			/* the data is a list of SA attributes (RFC 2407 4.6.3.1) */
			while (left >= 4 && t.nattrs < ISAKMP_MAX_ATTRS) {
				struct isakmp_attr *a = &t.attrs[t.nattrs++];
				uint16_t ty = (uint16_t)(d[0] << 8 | d[1]), v = (uint16_t)(d[2] << 8 | d[3]);

				a->type = ty & 0x7fff;
				a->value_ok = true;
				if (ty & 0x8000) {
					a->value = v;
					d += 4;
					left -= 4;
				} else if (v <= 8 && left >= 4u + v) {
					a->value = 0;
					for (int k = 0; k < v; k++)
						a->value = a->value << 8 | d[4 + k];
					d += 4 + v;
					left -= 4u + v;
				} else {
					break;
				}
			}
			for (size_t k = 0; k + 1 < t.nattrs; k++)
				if (t.attrs[k].type == 1 && t.attrs[k].value == 1 && t.attrs[k + 1].type == 2) {
					ch->lifetime = (lab_ns)t.attrs[k + 1].value * LAB_NS_PER_SEC;
					logf_(p, "received RESPONDER-LIFETIME %llds",
					      (long long)(ch->lifetime / LAB_NS_PER_SEC));
				}
		}
	}
	ch->spi_out = be32(sa.props[0].spi);
	ch->nrl = npl->body_len;
	memcpy(ch->nr, npl->body, ch->nrl);
	if (ch->pfs) {
		if (!kepl || ike_dh_shared(&ch->dh, kepl->body, kepl->body_len, ch->gxy_buf)) {
			logf_(p, "QUICK_MODE response %u: PFS without a usable KE payload", h->msgid);
			return;
		}
	}
	{
		char prop[128];

		ike_prop_strongswan(&ch->prop, true, prop, sizeof prop);
		logf_(p, "selected proposal: %s", prop);
	}
	/* QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	put_be32(m, h->msgid);
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
	put_be32(m, h->msgid);
	{
		struct ike_iov v[] = { { &zero, 1 }, { m, 4 }, { ch->ni, ch->nil }, { ch->nr, ch->nrl } };

		ike_prf(s->prop.hash, s->ska, hl, v, 4, hash);
	}
	if (c.pl[0].body_len != hl || CRYPTO_memcmp(c.pl[0].body, hash, hl)) {
		logf_(p, "QUICK_MODE %u: HASH(3) does not verify", h->msgid);
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
	put_be32(sq, seq);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, sq, 4);
	send_info(p, s, &b);
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
			logf_(p, "received %s error notify", isakmp_notify_name(n.type));
			if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN && s->st == MM_I1) {
				struct ike_event *e = event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

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
		logf_(p, "INFORMATIONAL_V1 %u: HASH does not verify", h->msgid);
		return;
	}
	{
		char desc[128];

		isakmp_chain_describe(&c, desc, sizeof desc);
		logf_(p, "parsed INFORMATIONAL_V1 request %u %s", h->msgid, desc);
	}
	for (size_t i = 1; i < c.n; i++) {
		const struct isakmp_pl *pl = &c.pl[i];

		if (pl->type == ISAKMP_PT_N) {
			struct isakmp_notify_pl n;

			if (isakmp_notify_parse(pl, &n, &err) < 0)
				continue;
			if (n.type == ISAKMP_N_R_U_THERE && n.data_len == 4) {
				send_dpd(p, s, ISAKMP_N_R_U_THERE_ACK, be32(n.data));
			} else if (n.type == ISAKMP_N_R_U_THERE_ACK && n.data_len == 4) {
				if (s->dpd_waiting && be32(n.data) == s->dpd_seq) {
					struct ike_event *e = event(p, IKE_EV_DPD_ACK);

					e->dpd_seq = s->dpd_seq;
					s->dpd_waiting = false;
				} else {
					logf_(p, "received invalid DPD sequence number %u (expected %u), ignored",
					      be32(n.data), s->dpd_seq);
				}
			} else if (n.type == ISAKMP_N_INITIAL_CONTACT) {
				handle_ic(p, s);
			} else if (n.type == ISAKMP_N_AUTHENTICATION_FAILED && s->st == MM_I3) {
				struct ike_event *e = event(p, IKE_EV_AUTH_FAILED);

				snprintf(e->detail, sizeof e->detail, "the peer says AUTHENTICATION_FAILED");
				logf_(p, "%s", e->detail);
				sa_kill(p, s, "authentication failed");
			} else if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ||
			           n.type == ISAKMP_N_INVALID_ID_INFORMATION) {
				struct ike_event *e = event(p, n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ?
				                                IKE_EV_NO_PROPOSAL_CHOSEN : IKE_EV_ERROR);

				snprintf(e->detail, sizeof e->detail, "the peer refused our quick mode: %s",
				         isakmp_notify_name(n.type));
				logf_(p, "%s", e->detail);
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].st == QM_I1 && p->ch[k].sa == sa_index(p, s))
						child_kill(p, &p->ch[k], "refused", false);
			}
		} else if (pl->type == ISAKMP_PT_D) {
			struct isakmp_delete_pl d;

			if (isakmp_delete_parse(pl, &d, &err) < 0)
				continue;
			if (d.proto == ISAKMP_PROTO_ISAKMP && d.spi_size == 16) {
				logf_(p, "received DELETE for IKE_SA");
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].sa == sa_index(p, s) && !s->replaced)
						child_kill(p, &p->ch[k], "IKE_SA deleted by peer", true);
				sa_kill(p, s, "deleted by peer");
				return;
			}
			for (uint16_t k = 0; d.proto == ISAKMP_PROTO_ESP && d.spi_size == 4 && k < d.nspis; k++) {
				uint32_t spi = be32(d.spis + 4 * k);
				bool found = false;

				logf_(p, "received DELETE for ESP CHILD_SA with SPI %08x", spi);
				for (int x = 0; x < MAX_CHILDREN; x++)
					if (p->ch[x].st == CH_UP && p->ch[x].spi_out == spi) {
						child_kill(p, &p->ch[x], "deleted by peer", true);
						found = true;
					}
				if (!found)
					logf_(p, "CHILD_SA not found, ignored");
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
		logf_(p, "dropping a malformed packet: %s (offset %zu)", err.msg, err.off);
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
			logf_(p, "dropping %s from %s: %s at offset %zu", isakmp_xchg_name(h.exch), a,
			      err.msg, err.off);
			return;
		}
		isakmp_chain_describe(&c, desc, sizeof desc);
		logf_(p, "received packet from %s: %s %u %s", a, isakmp_xchg_name(h.exch), h.msgid, desc);
	} else {
		logf_(p, "received packet from %s: %s %u (encrypted, %zu bytes)", a,
		      isakmp_xchg_name(h.exch), h.msgid, len);
	}
	switch (h.exch) {
	case ISAKMP_XCHG_IDPROT:
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
				queue_packet(p, &s->resp);
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
			logf_(p, "QUICK_MODE for an unknown or unfinished IKE_SA, ignored");
			return;
		}
		ch = child_by_mid(p, sa_index(p, s), h.msgid);
		if (!ch) {
			handle_qm1(p, s, msg, len, &h);
		} else if (ch->st == QM_R1 && !memcmp(ch->req_hash, hash, 20)) {
			queue_packet(p, &ch->resp);
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
		logf_(p, "%s exchange not supported, ignored", isakmp_xchg_name(h.exch));
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
	queue_packet(p, &x->pkt);
	logf_(p, "retransmit %d of request", x->tries);
	return false;
}

static void dpd_timeout(struct ike_peer *p, struct ikesa *s)
{
	struct ike_event *e = event(p, IKE_EV_DPD_TIMEOUT);
	static const char *const actions[] = { "clear", "hold", "restart" };

	snprintf(e->detail, sizeof e->detail, "DPD: no R-U-THERE-ACK within %llds, action %s",
	         (long long)(lifetime_or(p->pol.dpd_timeout, lab_sec(120)) / LAB_NS_PER_SEC),
	         actions[p->pol.dpd_action]);
	logf_(p, "%s", e->detail);
	for (int k = 0; k < MAX_CHILDREN; k++)
		if (p->ch[k].sa == sa_index(p, s))
			child_kill(p, &p->ch[k], "DPD timeout", true);
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
			struct ike_event *e = event(p, IKE_EV_TIMEOUT);

			snprintf(e->detail, sizeof e->detail, "giving up after %d retransmits: no answer "
			         "from the peer in state %s%s", p->pol.retransmit_tries > 0 ?
			         p->pol.retransmit_tries : 5, sa_state_names[s->st],
			         s->st == MM_I3 ? " (no MM6: the responder could not authenticate us; "
			         "pre-shared keys differ?)" : "");
			logf_(p, "%s", e->detail);
			sa_kill(p, s, "peer does not answer");
			if (p->pol.initiator)
				p->restart_at = now + lab_sec(10);
			continue;
		}
		if (s->st != SA_UP) {
			if (!s->initiator && now - s->created >= lab_sec(30)) {
				logf_(p, "half-open IKE_SA timed out after 30s");
				sa_kill(p, s, "half-open timeout");
			}
			continue;
		}
		if (s->dpd_waiting && s->dpd_deadline <= now) {
			dpd_timeout(p, s);
			continue;
		}
		if (s->dpd_next <= now) {
			lab_ns delay = lifetime_or(p->pol.dpd_delay, lab_sec(30));
			bool peer_ok = s->peer_dpd || !p->pol.dpd_needs_peer_vid;

			s->dpd_next = now + delay;
			if (peer_ok && !s->dpd_waiting && !s->replaced &&
			    (p->pol.dpd == IKE_DPD_ALWAYS || now - s->last_in >= delay)) {
				struct ike_event *e = event(p, IKE_EV_DPD_SENT);

				s->dpd_seq++;
				e->dpd_seq = s->dpd_seq;
				send_dpd(p, s, ISAKMP_N_R_U_THERE, s->dpd_seq);
				s->dpd_waiting = true;
				s->dpd_deadline = now + lifetime_or(p->pol.dpd_timeout, lab_sec(120));
			}
		}
		if (s->reauth_at <= now) {
			s->reauth_at = LAB_NEVER;
			logf_(p, "reauthenticating IKE_SA");
			ike_peer_start(p, now);
		}
		if (s->expire_at <= now && !s->replaced) {
			logf_(p, "IKE_SA lifetime expired");
			for (int k = 0; k < MAX_CHILDREN; k++)
				if (p->ch[k].sa == i && p->ch[k].st == CH_UP) {
					send_delete_child(p, s, &p->ch[k]);
					child_kill(p, &p->ch[k], "IKE_SA expired", true);
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
			struct ike_event *e = event(p, IKE_EV_TIMEOUT);

			snprintf(e->detail, sizeof e->detail, "quick mode %u got no answer", c->mid);
			logf_(p, "%s", e->detail);
			child_kill(p, c, "no answer", false);
			continue;
		}
		if (c->st != CH_UP || s->st != SA_UP)
			continue;
		if (c->rekey_at <= now && !c->rekeyed) {
			c->rekey_at = LAB_NEVER;
			logf_(p, "rekeying CHILD_SA %08x_i %08x_o", c->spi_in, c->spi_out);
			start_qm(p, s, i);
		}
		if (c->expire_at <= now) {
			send_delete_child(p, s, c);
			child_kill(p, c, "lifetime expired", true);
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
		MIN_(s->reauth_at);
		if (!s->replaced)
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
				send_delete_child(p, s, &p->ch[k]);
				child_kill(p, &p->ch[k], "shutdown", true);
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
