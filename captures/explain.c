/*
 * explain.c: the capture side of `vpnlab explain` (explain.h).
 *
 *   Initiator                          Responder
 *   HDR(CKY-I, 0), SA [, VID...]  -->                 the offer (RFC 2409 5; AM1 also KE, Ni, IDii)
 *                                 <--  HDR(CKY-I, CKY-R), SA [, VID...]    the answer
 *                                 <--  HDR(CKY-I, *), N(NO-PROPOSAL-CHOSEN) the refusal
 */
#include "captures/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "captures/pcap_file.h"

#define MAX_OFFERS 1024         /* initiator cookies remembered to match answers */

struct seen {
	uint8_t icookie[8];
	uint64_t frame;
};

struct walk {
	struct seen *seen;
	size_t nseen;
	struct isakmp_sa *sa;
};

static const uint8_t zero8[8];

static struct seen *seen_find(struct walk *w, const uint8_t icookie[8])
{
	for (size_t i = 0; i < w->nseen; i++)
		if (!memcmp(w->seen[i].icookie, icookie, 8))
			return &w->seen[i];
	return NULL;
}

static void one_message(struct walk *w, const struct cap_frame *f, cap_ike_fn fn, void *ctx,
                        struct cap_explain_stats *st)
{
	struct cap_ike_msg m = { .f = f };
	struct isakmp_chain chain;
	struct isakmp_err e;
	const struct isakmp_pl *pl;
	struct seen *s;

	st->isakmp++;
	if (isakmp_hdr_parse(f->isakmp, f->isakmp_len, &m.hdr, &e)) {
		st->malformed++;
		return;
	}
	if (m.hdr.flags & ISAKMP_FLAG_ENC) {
		st->encrypted++;
		st->quick_mode += m.hdr.exch == ISAKMP_XCHG_QUICK;
		return;
	}
	if (isakmp_chain_parse(m.hdr.np, f->isakmp + ISAKMP_HDR_LEN,
	                       m.hdr.length - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN, &chain, &e)) {
		st->malformed++;
		return;
	}
	s = seen_find(w, m.hdr.icookie);
	if (m.hdr.exch == ISAKMP_XCHG_INFO) {
		struct isakmp_notify_pl n;

		pl = isakmp_chain_find(&chain, ISAKMP_PT_N);
		if (!pl || isakmp_notify_parse(pl, &n, &e))
			return;
		m.kind = CAP_IKE_NOTIFY;
		m.notify = n.type;
		m.offer_frame = s ? s->frame : 0;
		fn(ctx, &m);
		return;
	}
	if (m.hdr.exch != ISAKMP_XCHG_IDPROT && m.hdr.exch != ISAKMP_XCHG_AGGR)
		return;
	pl = isakmp_chain_find(&chain, ISAKMP_PT_SA);
	if (!pl || m.hdr.msgid)
		return;
	if (isakmp_sa_parse(pl->body, pl->body_len, pl->off + 4, w->sa, &e)) {
		st->malformed++;
		return;
	}
	m.sa = w->sa;
	if (!memcmp(m.hdr.rcookie, zero8, 8)) {
		if (s) {
			st->retransmits++;
			return;
		}
		if (w->nseen < MAX_OFFERS) {
			memcpy(w->seen[w->nseen].icookie, m.hdr.icookie, 8);
			w->seen[w->nseen++].frame = f->number;
		}
		st->offers++;
		m.kind = CAP_IKE_OFFER;
	} else {
		m.kind = CAP_IKE_ANSWER;
		m.offer_frame = s ? s->frame : 0;
	}
	fn(ctx, &m);
}

int cap_explain_walk(const char *path, cap_ike_fn fn, void *ctx, struct cap_explain_stats *st,
                     char *err, size_t errlen)
{
	struct walk w = { 0 };
	struct cap_file *cf = NULL;
	const struct cap_frame *f;
	int rc;

	memset(st, 0, sizeof *st);
	w.seen = calloc(MAX_OFFERS, sizeof *w.seen);
	w.sa = malloc(sizeof *w.sa);
	if (!w.seen || !w.sa) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -ENOMEM;
		goto out;
	}
	rc = cap_file_open(path, NULL, &cf, err, errlen);
	if (rc)
		goto out;
	while ((rc = cap_file_next(cf, &f)) > 0) {
		if (!f->reassembled)
			st->frames++;
		if (f->app == CAP_APP_ISAKMP && f->isakmp && !f->err)
			one_message(&w, f, fn, ctx, st);
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", cap_file_error(cf));   /* names the file and frame */
out:
	if (cf)
		cap_file_close(cf);
	free(w.seen);
	free(w.sa);
	return rc < 0 ? rc : 0;
}
