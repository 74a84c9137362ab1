/*
 * Fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5), with overlapping
 * fragments dropping the whole datagram (RFC 5722; Linux does the same for IPv4 since 2018).
 * Slots and their buffers are allocated once and reused, so a steady stream of fragments
 * costs no allocation; the caps bound what is held.
 */
#include "peers/ip/ip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REASM_MAX_END 65535u   /* no IP datagram carries more */

struct reasm_slot {
	bool used;
	uint64_t age;             /* arrival order of the first fragment, for eviction */
	lab_ns first_ts;
	struct ip_addr src, dst;
	uint8_t proto;
	uint32_t id;
	bool first_df;
	bool have_last;
	uint32_t end;             /* from the fragment with MF clear */
	uint32_t max_end;         /* furthest byte any fragment reached */
	uint32_t received;        /* distinct bytes held */
	uint8_t *buf;
	size_t cap;
	struct ip_frag_rec *frags;
	size_t nfrags, frags_cap;
};

struct ip_reasm {
	struct ip_reasm_config cfg;
	struct reasm_slot *slots;
	size_t nslots;
	size_t pending;
	size_t bytes;
	uint64_t next_age;
	struct reasm_slot *done;  /* handed out complete; released on the next call */
};

struct ip_reasm *ip_reasm_new(const struct ip_reasm_config *cfg)
{
	struct ip_reasm *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	if (cfg)
		r->cfg = *cfg;
	if (!r->cfg.max_datagrams)
		r->cfg.max_datagrams = 64;
	if (!r->cfg.max_bytes)
		r->cfg.max_bytes = 1u << 20;
	if (!r->cfg.max_frags)
		r->cfg.max_frags = 128;
	if (!r->cfg.timeout)
		r->cfg.timeout = lab_sec(30);
	r->nslots = r->cfg.max_datagrams;
	r->slots = calloc(r->nslots, sizeof *r->slots);
	if (!r->slots) {
		free(r);
		return NULL;
	}
	return r;
}

void ip_reasm_free(struct ip_reasm *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nslots; i++) {
		free(r->slots[i].buf);
		free(r->slots[i].frags);
	}
	free(r->slots);
	free(r);
}

size_t ip_reasm_pending(const struct ip_reasm *r, size_t *bytes)
{
	if (bytes)
		*bytes = r->bytes;
	return r->pending;
}

static void reasm_describe(const struct reasm_slot *s, struct ip_reasm_datagram *d)
{
	memset(d, 0, sizeof *d);
	d->src = s->src;
	d->dst = s->dst;
	d->proto = s->proto;
	d->id = s->id;
	d->first_df = s->first_df;
	d->frags = s->frags;
	d->nfrags = s->nfrags;
}

/* Forget a slot's datagram; its buffers stay for the next one. */
static void reasm_release(struct ip_reasm *r, struct reasm_slot *s)
{
	if (!s->used)
		return;
	r->bytes -= s->received;
	r->pending--;
	s->used = false;
	s->nfrags = 0;
	s->received = 0;
	s->have_last = false;
	s->first_df = false;
	s->end = 0;
	s->max_end = 0;
}

static void reasm_drop(struct ip_reasm *r, struct reasm_slot *s, enum ip_reasm_drop_reason why)
{
	if (r->cfg.on_drop) {
		struct ip_reasm_datagram d;

		reasm_describe(s, &d);
		r->cfg.on_drop(r->cfg.arg, why, &d);
	}
	reasm_release(r, s);
}

static void reasm_release_done(struct ip_reasm *r)
{
	if (r->done) {
		reasm_release(r, r->done);
		r->done = NULL;
	}
}

void ip_reasm_expire(struct ip_reasm *r, lab_ns now)
{
	reasm_release_done(r);
	if (!r->pending)
		return;
	for (size_t i = 0; i < r->nslots; i++) {
		struct reasm_slot *s = &r->slots[i];

		if (s->used && now - s->first_ts >= r->cfg.timeout)
			reasm_drop(r, s, IP_REASM_DROP_TIMEOUT);
	}
}

static struct reasm_slot *reasm_oldest(struct ip_reasm *r, const struct reasm_slot *except)
{
	struct reasm_slot *old = NULL;

	for (size_t i = 0; i < r->nslots; i++) {
		struct reasm_slot *s = &r->slots[i];

		if (s->used && s != except && (!old || s->age < old->age))
			old = s;
	}
	return old;
}

static struct reasm_slot *reasm_find(struct ip_reasm *r, const struct ip_frag_in *f)
{
	struct reasm_slot *freeslot = NULL;

	for (size_t i = 0; i < r->nslots; i++) {
		struct reasm_slot *s = &r->slots[i];

		if (!s->used) {
			if (!freeslot)
				freeslot = s;
			continue;
		}
		if (s->id == f->id && s->proto == f->proto && ip_addr_equal(&s->src, &f->src) &&
		    ip_addr_equal(&s->dst, &f->dst))
			return s;
	}
	if (!freeslot) {
		freeslot = reasm_oldest(r, NULL);
		reasm_drop(r, freeslot, IP_REASM_DROP_EVICTED);
	}
	freeslot->used = true;
	freeslot->age = r->next_age++;
	freeslot->first_ts = f->now;
	freeslot->src = f->src;
	freeslot->dst = f->dst;
	freeslot->proto = f->proto;
	freeslot->id = f->id;
	r->pending++;
	return freeslot;
}

static int reasm_grow(struct reasm_slot *s, size_t need_buf, size_t need_frags)
{
	if (need_buf > s->cap) {
		size_t cap = s->cap ? s->cap : 2048;
		uint8_t *nb;

		while (cap < need_buf)
			cap *= 2;
		if (cap > REASM_MAX_END)
			cap = REASM_MAX_END;
		nb = realloc(s->buf, cap);
		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = cap;
	}
	if (need_frags > s->frags_cap) {
		size_t cap = s->frags_cap ? s->frags_cap * 2 : 8;
		struct ip_frag_rec *nf = realloc(s->frags, cap * sizeof *nf);

		if (!nf)
			return -ENOMEM;
		s->frags = nf;
		s->frags_cap = cap;
	}
	return 0;
}

/* Record f in s; returns 1 for an exact duplicate, 0 for new data, -EBADMSG on overlap. */
static int reasm_place(struct reasm_slot *s, const struct ip_frag_in *f)
{
	uint32_t end = f->offset + (uint32_t)f->len;
	struct ip_frag_rec *rec;
	bool dup = false;

	for (size_t i = 0; i < s->nfrags; i++) {
		const struct ip_frag_rec *o = &s->frags[i];

		if (o->duplicate || o->len == 0)
			continue;
		if (f->offset >= o->offset + o->len || end <= o->offset)
			continue;
		if (o->offset == f->offset && o->len == f->len && f->len &&
		    memcmp(s->buf + f->offset, f->data, f->len) == 0) {
			dup = true;
			break;
		}
		return -EBADMSG;
	}
	rec = &s->frags[s->nfrags++];
	rec->frame = f->frame;
	rec->ts = f->now;
	rec->offset = f->offset;
	rec->len = (uint32_t)f->len;
	rec->mf = f->mf;
	rec->df = f->df;
	rec->ttl = f->ttl;
	rec->duplicate = dup;
	if (dup)
		return 1;
	if (f->len)
		memcpy(s->buf + f->offset, f->data, f->len);
	return 0;
}

int ip_reasm_add(struct ip_reasm *r, const struct ip_frag_in *f, struct ip_reasm_datagram *done)
{
	struct reasm_slot *s;
	uint64_t end = (uint64_t)f->offset + f->len;
	int rc;

	ip_reasm_expire(r, f->now);
	s = reasm_find(r, f);
	if (end > REASM_MAX_END || (f->mf && (f->len % 8 || f->len == 0)) ||
	    s->nfrags == r->cfg.max_frags ||
	    (!f->mf && s->have_last && s->end != end) ||
	    (s->have_last && end > s->end) ||
	    (!f->mf && end < s->max_end)) {
		reasm_drop(r, s, IP_REASM_DROP_INVALID);
		return -EBADMSG;
	}
	rc = reasm_grow(s, (size_t)end, s->nfrags + 1);
	if (rc) {
		reasm_drop(r, s, IP_REASM_DROP_EVICTED);
		return rc;
	}
	/* The byte cap: the oldest other datagrams go first; then this one, if alone too big. */
	while (r->bytes + f->len > r->cfg.max_bytes) {
		struct reasm_slot *old = reasm_oldest(r, s);

		if (!old) {
			reasm_drop(r, s, IP_REASM_DROP_EVICTED);
			return 0;
		}
		reasm_drop(r, old, IP_REASM_DROP_EVICTED);
	}
	rc = reasm_place(s, f);
	if (rc < 0) {
		reasm_drop(r, s, IP_REASM_DROP_OVERLAP);
		return rc;
	}
	if (rc == 1)
		return 0;
	s->received += (uint32_t)f->len;
	r->bytes += f->len;
	if (end > s->max_end)
		s->max_end = (uint32_t)end;
	if (f->offset == 0)
		s->first_df = f->df;
	if (!f->mf) {
		s->have_last = true;
		s->end = (uint32_t)end;
	}
	/* No overlaps are held, so the distinct bytes cover [0, end) exactly when they add up. */
	if (!s->have_last || s->received != s->end)
		return 0;
	reasm_describe(s, done);
	done->data = s->buf;
	done->len = s->end;
	r->done = s;
	return 1;
}
