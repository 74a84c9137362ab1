/*
 * The IKE side of the trace: ISAKMP messages through the project's codec (peers/ike/isakmp.h),
 * decrypted when a key is known, into exchanges, proposals, notifies, deletes, NAT-T float and
 * the IKE SA / CHILD_SA timeline.
 */
#include "captures/trace_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Phase-1 attribute types (RFC 2409 App. A) and phase-2 ones (RFC 2407 4.5). */
enum { P1_ENCR = 1, P1_HASH = 2, P1_AUTH = 3, P1_GROUP = 4, P1_LIFE_TYPE = 11,
       P1_LIFE_DUR = 12, P1_KEYLEN = 14 };
enum { P2_LIFE_TYPE = 1, P2_LIFE_DUR = 2, P2_GROUP = 3, P2_MODE = 4, P2_AUTH = 5,
       P2_KEYLEN = 6 };
#define LIFE_SECONDS 1

static const uint8_t zero8[8];

/* Entries in use: the rings fill from 0, so only these are scanned (and touched). */
static size_t ike_used(const struct trace *t)
{
	return t->ike_next < TRACE_MAX_IKE_SAS ? t->ike_next : TRACE_MAX_IKE_SAS;
}

static size_t child_used(const struct trace *t)
{
	return t->child_next < TRACE_MAX_CHILDS ? t->child_next : TRACE_MAX_CHILDS;
}

static struct tr_ike *ike_find(struct trace *t, const uint8_t icookie[8])
{
	for (size_t i = 0; i < ike_used(t); i++)
		if (t->ike[i].used && !memcmp(t->ike[i].icookie, icookie, 8))
			return &t->ike[i];
	return NULL;
}

static struct tr_ike *ike_add(struct trace *t, const uint8_t icookie[8],
                              const struct cap_frame *f)
{
	/* The slot of an IKE SA deleted long ago, else the next one of the ring (once full, the
	 * oldest IKE SA is forgotten): bounded memory. */
	struct tr_ike *s = NULL;
	for (size_t i = 0; i < ike_used(t) && !s; i++)
		if (t->ike[i].down && trace_ts_diff(f->ts_ns, t->ike[i].down_ts) > TR_REUSE_AFTER)
			s = &t->ike[i];
	if (!s)
		s = &t->ike[t->ike_next++ % TRACE_MAX_IKE_SAS];

	cap_ike_dec_free(s->dec);
	memset(s, 0, sizeof *s);
	s->used = true;
	memcpy(s->icookie, icookie, 8);
	s->init = f->src;
	s->resp = f->dst;
	s->port = f->dport;
	s->dec = cap_ike_dec_new(icookie);
	return s;
}

void tr_ike_free(struct trace *t)
{
	for (size_t i = 0; i < ike_used(t); i++) {
		cap_ike_dec_free(t->ike[i].dec);
		t->ike[i].dec = NULL;
	}
}

const struct tr_child *tr_child_by_spi(const struct trace *t, uint32_t spi)
{
	const struct tr_child *best = NULL;

	for (size_t i = 0; i < child_used(t); i++) {
		const struct tr_child *c = &t->child[i];
		if (c->used && spi && (c->spi_i == spi || c->spi_r == spi))
			best = c;
	}
	return best;
}

static void ev_from(struct trace_ev *ev, enum trace_kind k, unsigned file,
                    const struct cap_frame *f, const struct isakmp_hdr *h, bool dec)
{
	tr_ev_init(ev, k, file, f);
	memcpy(ev->icookie, h->icookie, 8);
	memcpy(ev->rcookie, h->rcookie, 8);
	ev->exch = h->exch;
	ev->msgid = h->msgid;
	ev->decrypted = dec;
}

/* A transform in strongSwan notation, with its lifetime in seconds. */
static void transform_prop(const struct isakmp_transform *tr, bool esp, struct ike_prop *p,
                           uint64_t *life)
{
	uint64_t v, ltype = 0;

	memset(p, 0, sizeof *p);
	*life = 0;
	if (!esp) {
		p->encr = isakmp_attr_get(tr, P1_ENCR, &v) ? ike_encr_from_p1(v) : IKE_ENCR_NONE;
		p->hash = isakmp_attr_get(tr, P1_HASH, &v) ? ike_hash_from_p1(v) : IKE_HASH_NONE;
		p->group = isakmp_attr_get(tr, P1_GROUP, &v) && v < 1000 ? (int)v : 0;
		p->keylen = isakmp_attr_get(tr, P1_KEYLEN, &v) && v < 100000 ? (int)v : 0;
	} else {
		p->encr = ike_encr_from_esp(tr->id);
		p->hash = isakmp_attr_get(tr, P2_AUTH, &v) ? ike_hash_from_esp(v) : IKE_HASH_NONE;
		p->group = isakmp_attr_get(tr, P2_GROUP, &v) && v < 1000 ? (int)v : 0;
		p->keylen = isakmp_attr_get(tr, P2_KEYLEN, &v) && v < 100000 ? (int)v : 0;
	}
	if (p->encr == IKE_ENCR_3DES)
		p->keylen = 192;
	/* Life type then duration, possibly twice (seconds and kilobytes). */
	for (size_t i = 0; i < tr->nattrs; i++) {
		const struct isakmp_attr *a = &tr->attrs[i];
		uint16_t lt = esp ? P2_LIFE_TYPE : P1_LIFE_TYPE, ld = esp ? P2_LIFE_DUR : P1_LIFE_DUR;
		if (a->type == lt && a->value_ok)
			ltype = a->value;
		else if (a->type == ld && a->value_ok && ltype == LIFE_SECONDS)
			*life = a->value;
	}
}

static void prop_text(const struct isakmp_transform *tr, bool esp, char *buf, size_t len)
{
	struct ike_prop p;
	uint64_t life;

	transform_prop(tr, esp, &p, &life);
	if (p.encr == IKE_ENCR_NONE || p.hash == IKE_HASH_NONE)
		snprintf(buf, len, "%s:transform %u (unknown to vpnlab)", esp ? "ESP" : "IKE", tr->id);
	else
		ike_prop_strongswan(&p, esp, buf, len);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct msgctx {
	struct trace *t;
	unsigned file;
	const struct cap_frame *f;
	const struct isakmp_hdr *h;
	struct tr_ike *sa;
	bool from_init, dec;
	bool offer;                  /* sent by the exchange's initiator (phase 1: the IKE SA's,
	                              * quick mode: whoever sent QM1) */
};

static void sa_payload(struct msgctx *m, const struct isakmp_pl *pl, struct tr_qm *qm)
{
	struct isakmp_sa sa;
	struct isakmp_err e;
	struct trace_ev ev;
	bool esp = m->h->exch == ISAKMP_XCHG_QUICK;
	size_t at = 0;

	if (isakmp_sa_parse(pl->body, pl->body_len, pl->off + 4, &sa, &e)) {
		ev_from(&ev, TR_MALFORMED, m->file, m->f, m->h, m->dec);
		snprintf(ev.text, sizeof ev.text, "SA payload at offset %zu of the ISAKMP message: %s",
		         e.off, e.msg);
		tr_emit(m->t, &ev);
		return;
	}
	ev_from(&ev, m->offer ? TR_PROPOSALS : TR_SELECTED, m->file, m->f, m->h, m->dec);
	ev.flag = esp;
	for (size_t i = 0; i < sa.nprops; i++) {
		const struct isakmp_proposal *p = &sa.props[i];
		if (esp && p->spi_size == 4 && i == 0) {
			if (m->offer && qm)
				qm->spi_i = be32(p->spi);
			else if (qm)
				qm->spi_r = be32(p->spi);
			ev.spi = be32(p->spi);
		}
		for (size_t j = 0; j < p->ntr && at < sizeof ev.text - 8; j++) {
			char one[120];
			prop_text(&p->tr[j], esp, one, sizeof one);
			at += (size_t)snprintf(ev.text + at, sizeof ev.text - at, "%s%s", at ? ", " : "",
			                       one);
		}
	}
	if (sa.nprops && sa.props[0].ntr) {
		struct ike_prop pr;
		uint64_t life;
		transform_prop(&sa.props[0].tr[0], esp, &pr, &life);
		ev.value = life;
		if (!m->offer) {
			if (!esp) {
				cap_ike_dec_set_alg(m->sa->dec, pr.encr, pr.keylen, pr.hash);
				m->sa->p1_life = life;
			} else if (qm) {
				qm->sel = pr;
				qm->have_sel = true;
				qm->life = life;
			}
		} else if (qm && !qm->life) {
			qm->life = life;
		}
	}
	tr_emit(m->t, &ev);
}

static void notify_payload(struct msgctx *m, const struct isakmp_pl *pl)
{
	struct isakmp_notify_pl n;
	struct isakmp_err e;
	struct trace_ev ev;

	if (isakmp_notify_parse(pl, &n, &e)) {
		ev_from(&ev, TR_MALFORMED, m->file, m->f, m->h, m->dec);
		snprintf(ev.text, sizeof ev.text, "N payload at offset %zu: %s", e.off, e.msg);
		tr_emit(m->t, &ev);
		return;
	}
	ev_from(&ev, TR_NOTIFY, m->file, m->f, m->h, m->dec);
	ev.notify = n.type;
	if (n.type == ISAKMP_N_INITIAL_CONTACT && m->h->exch == ISAKMP_XCHG_IDPROT)
		m->sa->initial_contact = true;
	if ((n.type == ISAKMP_N_R_U_THERE || n.type == ISAKMP_N_R_U_THERE_ACK) && n.data_len >= 4) {
		ev.value = be32(n.data);
		snprintf(ev.text, sizeof ev.text, "%s seq %" PRIu64, isakmp_notify_name(n.type),
		         ev.value);
	} else if (n.type == ISAKMP_N_RESPONDER_LIFETIME) {
		/* Data: attributes (RFC 2407 4.6.3.1); the seconds one, if any. For the ISAKMP SA
		 * they are phase-1 attributes (life type 11, duration 12: RFC 2409 App. A), for a
		 * CHILD_SA IPsec DOI ones (1, 2: RFC 2407 4.5), as tshark reads them. */
		struct isakmp_transform tr = { 0 };
		size_t off = 0;
		uint64_t ltype = 0;
		const unsigned at_type = n.proto == ISAKMP_PROTO_ISAKMP ? 11 : 1,
		               at_dur = n.proto == ISAKMP_PROTO_ISAKMP ? 12 : 2;
		while (off + 4 <= n.data_len && tr.nattrs < ISAKMP_MAX_ATTRS) {
			uint16_t ty = (uint16_t)(n.data[off] << 8 | n.data[off + 1]);
			uint16_t v = (uint16_t)(n.data[off + 2] << 8 | n.data[off + 3]);
			if (ty & 0x8000) {
				if ((ty & 0x7fff) == at_type)
					ltype = v;
				else if ((ty & 0x7fff) == at_dur && ltype == LIFE_SECONDS)
					ev.value = v;
				off += 4;
			} else {
				if (off + 4 + v > n.data_len)
					break;
				if ((ty & 0x7fff) == at_dur && ltype == LIFE_SECONDS && v <= 8) {
					uint64_t x = 0;
					for (size_t i = 0; i < v; i++)
						x = x << 8 | n.data[off + 4 + i];
					ev.value = x;
				}
				off += 4 + v;
			}
		}
		ev.value2 = n.proto;        /* ISAKMP (phase 1) or ESP / AH (phase 2) */
		snprintf(ev.text, sizeof ev.text, "RESPONDER_LIFETIME %" PRIu64 " s", ev.value);
	} else {
		snprintf(ev.text, sizeof ev.text, "%s", isakmp_notify_name(n.type));
	}
	if (n.spi_size == 4 && n.spi)
		ev.spi = be32(n.spi);
	tr_emit(m->t, &ev);
}

static void child_down(struct trace *t, uint32_t spi, struct trace_ev *ev)
{
	for (size_t i = 0; i < child_used(t); i++) {
		struct tr_child *c = &t->child[i];
		if (c->used && !c->down && (c->spi_i == spi || c->spi_r == spi)) {
			c->down = true;
			c->down_ts = ev->ts_ns;
			ev->spi = c->spi_i;
			ev->spi2 = c->spi_r;
			snprintf(ev->text, sizeof ev->text, "CHILD_SA %08" PRIx32 "/%08" PRIx32
			         " deleted (%s)", c->spi_i, c->spi_r, c->ts);
			tr_emit(t, ev);
			return;
		}
	}
}

static void delete_payload(struct msgctx *m, const struct isakmp_pl *pl)
{
	struct isakmp_delete_pl d;
	struct isakmp_err e;
	struct trace_ev ev;

	if (isakmp_delete_parse(pl, &d, &e)) {
		ev_from(&ev, TR_MALFORMED, m->file, m->f, m->h, m->dec);
		snprintf(ev.text, sizeof ev.text, "D payload at offset %zu: %s", e.off, e.msg);
		tr_emit(m->t, &ev);
		return;
	}
	ev_from(&ev, TR_DELETE, m->file, m->f, m->h, m->dec);
	ev.value = d.nspis;
	ev.notify = d.proto;
	if (d.spi_size == 4 && d.nspis)
		ev.spi = be32(d.spis);
	snprintf(ev.text, sizeof ev.text, "delete %s, %u SPI%s%s",
	         d.proto == ISAKMP_PROTO_ISAKMP ? "ISAKMP" : d.proto == ISAKMP_PROTO_ESP ? "ESP" :
	         d.proto == ISAKMP_PROTO_AH ? "AH" : "?", d.nspis, d.nspis == 1 ? "" : "s",
	         d.spi_size == 4 && d.nspis ? "" : "");
	tr_emit(m->t, &ev);
	if (d.proto == ISAKMP_PROTO_ISAKMP) {
		if (!m->sa->down) {
			m->sa->down = true;
			m->sa->down_ts = m->f->ts_ns;
			ev_from(&ev, TR_IKE_DOWN, m->file, m->f, m->h, m->dec);
			snprintf(ev.text, sizeof ev.text, "IKE SA deleted by %s",
			         m->from_init ? "the initiator" : "the responder");
			tr_emit(m->t, &ev);
		}
	} else if (d.spi_size == 4) {
		for (uint16_t i = 0; i < d.nspis; i++) {
			ev_from(&ev, TR_CHILD_DOWN, m->file, m->f, m->h, m->dec);
			child_down(m->t, be32(d.spis + 4u * i), &ev);
		}
	}
}

static void id_text(const struct isakmp_chain *c, char *buf, size_t len)
{
	char a[56] = "", b[56] = "";
	int nid = 0;

	for (size_t i = 0; i < c->n && nid < 2; i++) {
		struct isakmp_id_pl id;
		struct isakmp_err e;
		if (c->pl[i].type != ISAKMP_PT_ID || isakmp_id_parse(&c->pl[i], &id, &e))
			continue;
		isakmp_id_format(&id, nid ? b : a, sizeof a);
		nid++;
	}
	if (nid == 2)
		snprintf(buf, len, "%s === %s", a, b);
}

static struct tr_qm *qm_get(struct tr_ike *sa, uint32_t mid, const struct cap_frame *f)
{
	struct tr_qm *q;

	for (size_t i = 0; i < TR_QM_MAX; i++)
		if (sa->qm[i].used && sa->qm[i].mid == mid)
			return &sa->qm[i];
	q = &sa->qm[sa->qm_next++ % TR_QM_MAX];
	memset(q, 0, sizeof *q);
	q->used = true;
	q->mid = mid;
	q->frame1 = f->number;
	q->ts1 = f->ts_ns;
	q->init = f->src;
	return q;
}

static void child_up(struct msgctx *m, struct tr_qm *q)
{
	struct trace *t = m->t;
	struct trace_ev ev;
	struct tr_child *old = NULL;
	char prop[80] = "ESP:? (not decrypted)";

	q->done = true;
	ev_from(&ev, TR_CHILD_UP, m->file, m->f, m->h, m->dec);
	ev.frame2 = q->frame1;
	ev.spi = q->spi_i;
	ev.spi2 = q->spi_r;
	ev.value = q->life;
	/* A rekey: a CHILD_SA between the same gateways and selectors still up. */
	for (size_t i = 0; i < child_used(t); i++) {
		struct tr_child *c = &t->child[i];
		if (c->used && !c->down && !t->ike[c->ike].forgotten && !strcmp(c->ts, q->ts) &&
		    ((ip_addr_equal(&c->init, &m->sa->init) && ip_addr_equal(&c->resp, &m->sa->resp)) ||
		     (ip_addr_equal(&c->init, &m->sa->resp) && ip_addr_equal(&c->resp, &m->sa->init))))
			old = c;
	}
	if (old) {
		ev.flag = true;
		/* Old and new SPIs paired by the side that owns them (either side may rekey). */
		bool same = ip_addr_equal(&old->init, &q->init);
		ev.old_spi = same ? old->spi_i : old->spi_r;
		ev.old_spi2 = same ? old->spi_r : old->spi_i;
	}
	if (q->have_sel)
		ike_prop_strongswan(&q->sel, true, prop, sizeof prop);
	snprintf(ev.text, sizeof ev.text, "%.79s SPIs %08" PRIx32 "_i %08" PRIx32 "_r %s%.90s%s "
	         "lifetime %" PRIu64 " s%s", prop, q->spi_i, q->spi_r, q->ts[0] ? "(" : "",
	         q->ts, q->ts[0] ? ")" : "", q->life, old ? " rekey" : "");
	struct tr_child *c = NULL;
	for (size_t i = 0; i < child_used(t) && !c; i++)
		if (t->child[i].down && trace_ts_diff(m->f->ts_ns, t->child[i].down_ts) > TR_REUSE_AFTER)
			c = &t->child[i];
	if (!c)
		c = &t->child[t->child_next++ % TRACE_MAX_CHILDS];
	memset(c, 0, sizeof *c);
	c->used = true;
	c->ike = (size_t)(m->sa - t->ike);
	c->spi_i = q->spi_i;
	c->spi_r = q->spi_r;
	c->old_i = old ? ev.old_spi : 0;
	c->old_r = old ? ev.old_spi2 : 0;
	c->init = q->init;
	c->resp = ip_addr_equal(&q->init, &m->f->src) ? m->f->dst : m->f->src;
	memcpy(c->ts, q->ts, sizeof c->ts);
	tr_emit(t, &ev);
}

static void ike_up(struct msgctx *m)
{
	struct trace *t = m->t;
	struct trace_ev ev;

	m->sa->up = true;
	ev_from(&ev, TR_IKE_UP, m->file, m->f, m->h, m->dec);
	ev.value = m->sa->p1_life;
	/* A reauthentication: another IKE SA between the same two gateways still up. With
	 * INITIAL-CONTACT in its main mode it is none: its sender says it holds no other SA (a
	 * reauthenticating charon does not send it), so the older ones are forgotten. */
	size_t forgot = 0;
	for (size_t i = 0; i < ike_used(t); i++) {
		struct tr_ike *o = &t->ike[i];
		if (o != m->sa && o->used && o->up && !o->down && !o->forgotten &&
		    ((ip_addr_equal(&o->init, &m->sa->init) && ip_addr_equal(&o->resp, &m->sa->resp)) ||
		     (ip_addr_equal(&o->init, &m->sa->resp) && ip_addr_equal(&o->resp, &m->sa->init)))) {
			if (m->sa->initial_contact) {
				o->forgotten = true;
				forgot++;
				continue;
			}
			ev.flag = true;
			memcpy(ev.rcookie, o->icookie, 8);   /* shown as the IKE SA it replaces */
		}
	}
	memcpy(ev.icookie, m->sa->icookie, 8);
	if (!ev.flag)
		memcpy(ev.rcookie, m->sa->rcookie, 8);
	snprintf(ev.text, sizeof ev.text, "%s IKE SA up, lifetime %" PRIu64 " s%s",
	         m->h->exch == ISAKMP_XCHG_AGGR ? "aggressive mode" : "main mode", m->sa->p1_life,
	         ev.flag ? " (reauthentication: replaces the IKE SA in rcookie)" :
	         forgot ? " (INITIAL-CONTACT: not a reauthentication of the IKE SA still up)" : "");
	tr_emit(t, &ev);
}

void tr_ike_frame(struct trace *t, unsigned file, const struct cap_frame *f)
{
	struct isakmp_hdr h;
	struct isakmp_err e;
	struct isakmp_chain c;
	struct trace_ev ev;
	struct tr_ike *sa;
	const uint8_t *msg = f->isakmp;
	char why[160] = "", desc[150];
	size_t plen = 0;
	bool dup = false, dec = false;
	uint64_t hsh;

	if (isakmp_hdr_parse(f->isakmp, f->isakmp_len, &h, &e)) {
		tr_ev_init(&ev, TR_MALFORMED, file, f);
		snprintf(ev.text, sizeof ev.text, "ISAKMP header at frame offset %zu: %s",
		         f->isakmp_off + e.off, e.msg);
		tr_emit(t, &ev);
		return;
	}
	sa = ike_find(t, h.icookie);
	if (!sa)
		sa = ike_add(t, h.icookie, f);
	if (!memcmp(sa->rcookie, zero8, 8))
		memcpy(sa->rcookie, h.rcookie, 8);
	hsh = tr_hash(f->isakmp, h.length, 0);
	for (size_t i = 0; i < TR_DUP_MAX && i < sa->ndup; i++)
		if (sa->dup[i] == hsh)
			dup = true;
	if (!dup)
		sa->dup[sa->ndup++ % TR_DUP_MAX] = hsh;

	struct msgctx m = { t, file, f, &h, sa, ip_addr_equal(&f->src, &sa->init), false, false };

	if (!dup && sa->port == 500 && (f->dport == 4500 || f->sport == 4500)) {
		ev_from(&ev, TR_NATT_FLOAT, file, f, &h, false);
		snprintf(ev.text, sizeof ev.text, "IKE SA floated from UDP 500 to 4500");
		tr_emit(t, &ev);
	}
	if (!dup)
		sa->port = f->dport == 4500 || f->sport == 4500 ? 4500 : f->dport;

	if ((h.flags & ISAKMP_FLAG_ENC) && sa->dec) {
		int rc = cap_ike_dec_message(sa->dec, t->keys, f->isakmp, f->isakmp_len, &h, t->buf,
		                             sizeof t->buf, &plen, why, sizeof why);
		if (rc == 1) {
			dec = true;
			msg = t->buf;
		} else if (rc < 0) {
			ev_from(&ev, TR_IKE_UNDECRYPTED, file, f, &h, false);
			snprintf(ev.text, sizeof ev.text, "%s", why);
			tr_emit(t, &ev);
		}
	}
	m.dec = dec;
	ev_from(&ev, TR_IKE_MSG, file, f, &h, dec);
	if ((h.flags & ISAKMP_FLAG_ENC) && !dec) {
		snprintf(desc, sizeof desc, "[ encrypted ]");
		c.n = 0;
	} else if (isakmp_chain_parse(h.np, msg + ISAKMP_HDR_LEN, h.length - ISAKMP_HDR_LEN,
	                              ISAKMP_HDR_LEN, &c, &e)) {
		struct trace_ev bad;
		ev_from(&bad, TR_MALFORMED, file, f, &h, dec);
		snprintf(bad.text, sizeof bad.text, "ISAKMP payloads at offset %zu of the %smessage "
		         "(frame offset %zu): %s", e.off, dec ? "decrypted " : "",
		         f->isakmp_off + e.off, e.msg);
		tr_emit(t, &bad);
		return;
	} else {
		isakmp_chain_describe(&c, desc, sizeof desc);
	}
	snprintf(ev.text, sizeof ev.text, "%s %s #%08" PRIx32 " %s%s%s",
	         isakmp_xchg_name(h.exch), m.from_init ? "i->r" : "r->i", h.msgid, desc,
	         dec ? " (decrypted)" : "", dup ? " retransmission/duplicate" : "");
	ev.flag = dup;
	tr_emit(t, &ev);
	if (dup)
		return;

	struct tr_qm *qm = h.exch == ISAKMP_XCHG_QUICK ? qm_get(sa, h.msgid, f) : NULL;
	m.offer = qm ? ip_addr_equal(&f->src, &qm->init) : m.from_init;
	for (size_t i = 0; i < c.n; i++) {
		const struct isakmp_pl *pl = &c.pl[i];
		switch (pl->type) {
		case ISAKMP_PT_SA:
			if (h.exch == ISAKMP_XCHG_IDPROT || h.exch == ISAKMP_XCHG_AGGR ||
			    h.exch == ISAKMP_XCHG_QUICK)
				sa_payload(&m, pl, qm);
			break;
		case ISAKMP_PT_KE:
			if ((h.exch == ISAKMP_XCHG_IDPROT || h.exch == ISAKMP_XCHG_AGGR) && sa->dec)
				cap_ike_dec_set_ke(sa->dec, m.from_init, pl->body, pl->body_len);
			break;
		case ISAKMP_PT_N:
			notify_payload(&m, pl);
			break;
		case ISAKMP_PT_D:
			delete_payload(&m, pl);
			break;
		default:
			break;
		}
	}
	if (qm && !qm->ts[0])
		id_text(&c, qm->ts, sizeof qm->ts);

	/* The timeline: when the exchanges complete. */
	if (!sa->up && h.exch == ISAKMP_XCHG_IDPROT && !m.from_init && (h.flags & ISAKMP_FLAG_ENC))
		ike_up(&m);
	else if (!sa->up && h.exch == ISAKMP_XCHG_AGGR && m.from_init &&
	         ((h.flags & ISAKMP_FLAG_ENC) || isakmp_chain_find(&c, ISAKMP_PT_HASH)) &&
	         !isakmp_chain_find(&c, ISAKMP_PT_SA))
		ike_up(&m);
	/* QM3: the initiator's message after the responder's (decrypted: the one without SA). */
	if (qm && !qm->done && m.offer && qm->resp_seen &&
	    (!dec || !isakmp_chain_find(&c, ISAKMP_PT_SA)))
		child_up(&m, qm);
	if (qm && !m.offer)
		qm->resp_seen = true;
}
