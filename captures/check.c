/* Judging expectations on the trace model (see check.h). */
#include "captures/check.h"

#include "peers/ike/isakmp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_RU_THERE     36136
#define N_RU_THERE_ACK 36137
#define N_NO_PROPOSAL  14
#define N_INITIAL_CONTACT 24578
#define XCHG_IDPROT    2
#define WHERE_MAX      8

static const char *const names[CHK_KIND_COUNT] = {
	[CHK_IKE_PROPOSAL] = "ike_proposal", [CHK_ESP_PROPOSAL] = "esp_proposal",
	[CHK_NO_PROPOSAL_CHOSEN] = "no_proposal_chosen", [CHK_TUNNEL_UP_WITHIN] = "tunnel_up",
	[CHK_CHILD_REKEY_EVERY] = "child_rekey", [CHK_IKE_REAUTH_EVERY] = "ike_reauth",
	[CHK_DPD_EVERY] = "dpd", [CHK_DPD_TIMEOUT] = "dpd_timeout",
	[CHK_HAIRPIN_REFUSED] = "hairpin_refused", [CHK_OUTER_FRAGMENTS] = "outer_fragments",
	[CHK_INNER_FRAGMENTS] = "inner_fragments", [CHK_ICMP_FRAG_NEEDED] = "icmp_frag_needed",
	[CHK_TCP_MSS_MAX] = "tcp_mss_max", [CHK_NO_LOSS_ACROSS_REKEY] = "no_loss_across_rekey",
	[CHK_ESP_SEQ_RESTART] = "esp_seq_restart", [CHK_REPLAY_DROPPED] = "replay_dropped",
	[CHK_NATT_FLOAT] = "natt_float", [CHK_RESPONDER_LIFETIME] = "responder_lifetime",
	[CHK_INITIAL_CONTACT] = "initial_contact",
};

const char *check_kind_name(enum check_kind k)
{
	return (unsigned)k < CHK_KIND_COUNT ? names[k] : "?";
}

int check_kind_from_name(const char *name)
{
	for (int i = 0; i < CHK_KIND_COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* The frames a verdict points at: "file#f1,f2 other#f3" (at most WHERE_MAX). */
struct where {
	const struct trace *t;
	char *buf;
	size_t len, at;
	int n;
	unsigned last_file;
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void where_add(struct where *w, const struct trace_ev *ev)
{
	if (w->at >= w->len - 1)
		return;
	if (w->n == WHERE_MAX) {
		w->at += (size_t)snprintf(w->buf + w->at, w->len - w->at, ",...");
		w->n++;
		return;
	}
	if (w->n > WHERE_MAX)
		return;
	if (w->n == 0 || ev->file != w->last_file)
		w->at += (size_t)snprintf(w->buf + w->at, w->len - w->at, "%s%s#%" PRIu64,
		                          w->n ? " " : "", base_name(trace_file_name(w->t, ev->file)),
		                          ev->frame);
	else
		w->at += (size_t)snprintf(w->buf + w->at, w->len - w->at, ",%" PRIu64, ev->frame);
	w->last_file = ev->file;
	w->n++;
}

static bool any(const struct ip_addr *a)
{
	return a->family == 0;
}

static bool from_to(const struct trace_ev *ev, const struct ip_addr *a, const struct ip_addr *b)
{
	return (any(a) || ip_addr_equal(&ev->src, a)) && (any(b) || ip_addr_equal(&ev->dst, b));
}

static bool between(const struct trace_ev *ev, const struct ip_addr *a, const struct ip_addr *b)
{
	return from_to(ev, a, b) || from_to(ev, b, a);
}

static bool in_capture(const struct trace *t, const struct check_expect *e, unsigned file)
{
	return !e->capture[0] || !strcmp(base_name(trace_file_name(t, file)), e->capture);
}

/* after_refusal: only what came after the last NO-PROPOSAL-CHOSEN (check_judge sets since) */
static bool in_window(const struct check_expect *e, const struct trace_ev *ev)
{
	return !e->after_refusal || trace_ts_diff(ev->ts_ns, e->since_ns) > 0;
}

static bool match_between(const struct trace *t, const struct check_expect *e,
                          const struct trace_ev *ev)
{
	return in_capture(t, e, ev->file) && in_window(e, ev) && between(ev, &e->a, &e->b);
}

static bool match_from(const struct trace *t, const struct check_expect *e,
                       const struct trace_ev *ev)
{
	return in_capture(t, e, ev->file) && in_window(e, ev) && from_to(ev, &e->a, &e->b);
}

static void who(const struct check_expect *e, char *buf, size_t len, bool directed)
{
	char a[48] = "any", b[48] = "any";

	if (!any(&e->a))
		ip_addr_format(&e->a, a, sizeof a);
	if (!any(&e->b))
		ip_addr_format(&e->b, b, sizeof b);
	snprintf(buf, len, "%s %s %s", a, directed ? "->" : "<->", b);
}

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

static void proposal(const struct trace *t, const struct check_expect *e, bool esp,
                     struct check_verdict *v, struct where *w)
{
	size_t n, seen = 0, bad = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	char pair[100];
	size_t at = 0;

	uint64_t life = (uint64_t)(e->lifetime / 1000000000);
	char lt[40] = "";

	who(e, pair, sizeof pair, false);
	if (life)
		snprintf(lt, sizeof lt, ", lifetime %" PRIu64 " s", life);
	snprintf(v->expected, sizeof v->expected, "%s proposal selected between %s: %s%s",
	         esp ? "ESP" : "IKE", pair, e->proposal, lt);
	for (size_t i = 0; i < n; i++) {
		bool wrong;

		if (ev[i].kind != TR_SELECTED || ev[i].flag != esp || !match_between(t, e, &ev[i]))
			continue;
		if (esp && !ev[i].decrypted)
			continue;
		seen++;
		wrong = strcmp(ev[i].text, e->proposal) || (life && ev[i].value != life);
		if (wrong)
			bad++;
		if (!bad || wrong)
			where_add(w, &ev[i]);
		if (seen <= 3)
			at += (size_t)snprintf(v->observed + at, sizeof v->observed - at, "%s%s",
			                       seen > 1 ? "; " : "", ev[i].text);
		if (seen <= 3 && life && at < sizeof v->observed)
			at += (size_t)snprintf(v->observed + at, sizeof v->observed - at,
			                       " lifetime %" PRIu64 " s", ev[i].value);
	}
	if (!seen)
		snprintf(v->observed, sizeof v->observed, "no %s proposal selected between %s%s",
		         esp ? "ESP" : "IKE", pair, esp ? " (quick mode not decrypted, or none)" : "");
	else if (seen > 3)
		snprintf(v->observed + at, sizeof v->observed - at, " (%zu selections)", seen);
	v->pass = seen && !bad;
}

static void no_proposal(const struct trace *t, const struct check_expect *e,
                        struct check_verdict *v, struct where *w)
{
	size_t n, seen = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	char pair[100];

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "NO-PROPOSAL-CHOSEN notify %s", pair);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_NOTIFY && ev[i].notify == N_NO_PROPOSAL &&
		    match_from(t, e, &ev[i])) {
			seen++;
			where_add(w, &ev[i]);
		}
	snprintf(v->observed, sizeof v->observed, "%zu NO-PROPOSAL-CHOSEN notif%s", seen,
	         seen == 1 ? "y" : "ies");
	v->pass = seen > 0;
}

static void tunnel_up(const struct trace *t, const struct check_expect *e,
                      struct check_verdict *v, struct where *w)
{
	size_t n;
	const struct trace_ev *ev = trace_events(t, &n), *first = NULL, *up = NULL;
	char pair[100];

	who(e, pair, sizeof pair, false);
	snprintf(v->expected, sizeof v->expected, "a CHILD_SA between %s within %.3f s of the "
	         "first ISAKMP message", pair, sec(e->within));
	for (size_t i = 0; i < n && !up; i++) {
		if (!match_between(t, e, &ev[i]))
			continue;
		if (ev[i].kind == TR_IKE_MSG && !first)
			first = &ev[i];
		if (ev[i].kind == TR_CHILD_UP && first)
			up = &ev[i];
	}
	if (!first) {
		snprintf(v->observed, sizeof v->observed, "no ISAKMP message between %s", pair);
		v->pass = false;
		return;
	}
	where_add(w, first);
	if (!up) {
		snprintf(v->observed, sizeof v->observed, "IKE started but no CHILD_SA came up");
		v->pass = false;
		return;
	}
	where_add(w, up);
	snprintf(v->observed, sizeof v->observed, "CHILD_SA up %.3f s after the first message",
	         sec(trace_ts_diff(up->ts_ns, first->ts_ns)));
	v->pass = trace_ts_diff(up->ts_ns, first->ts_ns) <= e->within;
}

/* Intervals of a periodic event; previous(i) gives the index of the event i repeats. */
static void periodic(const struct check_expect *e, struct check_verdict *v, struct where *w,
                     const struct trace_ev *const *list, const int64_t *dts, size_t k,
                     const char *what)
{
	size_t at = 0, bad = 0;

	for (size_t i = 0; i < k; i++) {
		int64_t off = trace_ts_diff(dts[i], e->interval);
		bool ok = off != INT64_MIN && llabs(off) <= e->tolerance;
		if (!ok)
			bad++;
		where_add(w, list[i]);
		if (at < sizeof v->observed - 40)
			at += (size_t)snprintf(v->observed + at, sizeof v->observed - at, "%s%.3f s%s",
			                       i ? ", " : "", sec(dts[i]), ok ? "" : " (out)");
	}
	if (!k)
		snprintf(v->observed, sizeof v->observed, "no %s seen", what);
	else
		snprintf(v->observed + at, sizeof v->observed - at, ": %zu %s, %zu outside the "
		         "tolerance", k, what, bad);
	v->pass = k > 0 && !bad;
}

#define PER_MAX 256

static void rekey(const struct trace *t, const struct check_expect *e, struct check_verdict *v,
                  struct where *w, bool ike)
{
	size_t n, k = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	const struct trace_ev *list[PER_MAX];
	int64_t dts[PER_MAX];
	char pair[100];

	who(e, pair, sizeof pair, false);
	snprintf(v->expected, sizeof v->expected, "%s between %s every %.3f s +- %.3f s",
	         ike ? "IKE reauthentication" : "CHILD_SA rekey", pair, sec(e->interval),
	         sec(e->tolerance));
	for (size_t i = 0; i < n && k < PER_MAX; i++) {
		if (ev[i].kind != (ike ? TR_IKE_UP : TR_CHILD_UP) || !ev[i].flag ||
		    !match_between(t, e, &ev[i]))
			continue;
		/* The SA it replaces: its own up event. */
		for (size_t j = i; j-- > 0;) {
			bool same = ike ? (ev[j].kind == TR_IKE_UP &&
			                   !memcmp(ev[j].icookie, ev[i].rcookie, 8)) :
			                  (ev[j].kind == TR_CHILD_UP &&
			                   ((ev[j].spi == ev[i].old_spi && ev[j].spi2 == ev[i].old_spi2) ||
			                    (ev[j].spi == ev[i].old_spi2 && ev[j].spi2 == ev[i].old_spi)));
			if (same) {
				list[k] = &ev[i];
				dts[k++] = trace_ts_diff(ev[i].ts_ns, ev[j].ts_ns);
				break;
			}
		}
	}
	periodic(e, v, w, list, dts, k, ike ? "reauthentications" : "rekeys");
}

static void dpd_every(const struct trace *t, const struct check_expect *e,
                      struct check_verdict *v, struct where *w)
{
	size_t n, k = 0;
	const struct trace_ev *ev = trace_events(t, &n), *prev = NULL;
	const struct trace_ev *list[PER_MAX];
	int64_t dts[PER_MAX];
	char pair[100];

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "DPD R-U-THERE %s every %.3f s +- %.3f s", pair,
	         sec(e->interval), sec(e->tolerance));
	for (size_t i = 0; i < n && k < PER_MAX; i++) {
		if (ev[i].kind != TR_NOTIFY || ev[i].notify != N_RU_THERE ||
		    !match_from(t, e, &ev[i]))
			continue;
		if (prev) {
			list[k] = &ev[i];
			dts[k++] = trace_ts_diff(ev[i].ts_ns, prev->ts_ns);
		}
		prev = &ev[i];
	}
	periodic(e, v, w, list, dts, k, "DPD intervals");
}

/* The R-U-THERE from a (to b) that got no ACK: how many, the first and the last. */
static size_t dpd_unanswered(const struct trace *t, const struct check_expect *e,
                             const struct trace_ev **first, const struct trace_ev **lastq)
{
	size_t n, unanswered = 0;
	const struct trace_ev *ev = trace_events(t, &n);

	*first = *lastq = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_NOTIFY || ev[i].notify != N_RU_THERE ||
		    !match_from(t, e, &ev[i]))
			continue;
		bool acked = false;
		for (size_t j = i + 1; j < n && !acked; j++)
			acked = ev[j].kind == TR_NOTIFY && ev[j].notify == N_RU_THERE_ACK &&
			        ev[j].value == ev[i].value && ip_addr_equal(&ev[j].src, &ev[i].dst) &&
			        !memcmp(ev[j].icookie, ev[i].icookie, 8);
		if (!acked) {
			unanswered++;
			if (!*first)
				*first = &ev[i];
			*lastq = &ev[i];
		}
	}
	return unanswered;
}

/* x, from the side that sent first, is the MM1 of a new IKE SA (main or aggressive mode,
 * another initiator cookie, no responder cookie yet). */
static bool new_main_mode(const struct trace_ev *x, const struct trace_ev *first)
{
	return x->kind == TR_IKE_MSG && (x->exch == 2 || x->exch == 4) && x->msgid == 0 &&
	       memcmp(x->icookie, first->icookie, 8) && !x->rcookie[0] && !x->rcookie[1] &&
	       !memcmp(x->rcookie, x->rcookie + 1, 7);
}

/* From the side that sent first, not a copy of a message already seen at another hop. */
static bool own_message(const struct trace_ev *x, const struct trace_ev *first)
{
	return ip_addr_equal(&x->src, &first->src) && !(x->kind == TR_IKE_MSG && x->flag);
}

/*
 * hold: the SAs are gone and a trap policy is left. On the wire: nothing from the DPD side
 * (no delete, no new main mode) until a packet of the flow fa -> fb reaches it in the
 * clear, then its new main mode at once.
 */
static void dpd_hold(const struct trace *t, const struct check_expect *e,
                     struct check_verdict *v, struct where *w, const struct trace_ev *first,
                     const struct trace_ev *lastq, size_t unanswered)
{
	size_t n;
	const struct trace_ev *ev = trace_events(t, &n), *trig = NULL, *mm = NULL, *bad = NULL;
	char fl[100];
	struct check_expect f = { .a = e->fa, .b = e->fb };

	who(&f, fl, sizeof fl, true);
	for (const struct trace_ev *x = first + 1; x < ev + n && !mm && !bad; x++) {
		if (e->within && trace_ts_diff(x->ts_ns, first->ts_ns) > e->within)
			break;
		/* the trapped packet: seen wherever it is captured in the clear (the LAN side),
		 * whatever link the IKE side is judged on */
		if (!trig && x->kind == TR_PLAIN_FLOW && from_to(x, &e->fa, &e->fb)) {
			trig = x;
			continue;
		}
		if (!in_capture(t, e, x->file) || !own_message(x, first))
			continue;
		if (new_main_mode(x, first))
			*(trig ? &mm : &bad) = x;
		else if (x->kind == TR_DELETE && x->notify == 1)
			bad = x;
	}
	where_add(w, first);
	if (lastq != first)
		where_add(w, lastq);
	if (trig)
		where_add(w, trig);
	if (mm || bad)
		where_add(w, mm ? mm : bad);
	int at = snprintf(v->observed, sizeof v->observed, "%zu R-U-THERE unanswered (seq %" PRIu64
	                  "..%" PRIu64 "), then ", unanswered, first->value, lastq->value);
	size_t left = sizeof v->observed - (size_t)at;
	char *o = v->observed + at;
	if (bad)
		snprintf(o, left, "%s %.3f s after the first unanswered one, before any packet of "
		         "%s", bad->kind == TR_DELETE ? "an ISAKMP delete" : "a new main mode by "
		         "itself", sec(trace_ts_diff(bad->ts_ns, first->ts_ns)), fl);
	else if (!trig)
		snprintf(o, left, "no packet of %s in the clear%s", fl, e->within ? " in the window" :
		         "");
	else if (!mm)
		snprintf(o, left, "a packet of %s %.3f s later, but no new main mode after it",
		         fl, sec(trace_ts_diff(trig->ts_ns, first->ts_ns)));
	else
		snprintf(o, left, "nothing until a packet of %s %.3f s later, a new main mode "
		         "%.3f s after it", fl, sec(trace_ts_diff(trig->ts_ns, first->ts_ns)),
		         sec(trace_ts_diff(mm->ts_ns, trig->ts_ns)));
	v->pass = !bad && trig && mm && trace_ts_diff(mm->ts_ns, trig->ts_ns) <= CHECK_HOLD_REACT;
}

static void dpd_timeout(const struct trace *t, const struct check_expect *e,
                        struct check_verdict *v, struct where *w)
{
	size_t n, unanswered;
	const struct trace_ev *ev = trace_events(t, &n), *first, *lastq, *action = NULL;
	char pair[100];
	bool restart = !strcmp(e->action, "restart"), hold = !strcmp(e->action, "hold");

	who(e, pair, sizeof pair, true);
	char win[48] = "";
	if (e->within)
		snprintf(win, sizeof win, " within %.3f s", sec(e->within));
	if (hold) {
		char fl[100];
		struct check_expect f = { .a = e->fa, .b = e->fb };
		who(&f, fl, sizeof fl, true);
		/* addresses are short: the text fits (the length is only looked at) */
		if (snprintf(v->expected, sizeof v->expected, "DPD R-U-THERE %s unanswered, "
		             "then%s nothing from that side (no delete, no new main mode) until a "
		             "packet of %s in the clear, and a new main mode within %.0f s of it "
		             "(hold: a trap)", pair, win, fl, sec(CHECK_HOLD_REACT)) < 0)
			v->expected[0] = 0;
	} else {
		snprintf(v->expected, sizeof v->expected, "DPD R-U-THERE %s unanswered, then%s %s",
		         pair, win, restart ? "a new main mode from the same side" : "the IKE SA "
		         "cleared (delete or silence, no new main mode)");
	}
	unanswered = dpd_unanswered(t, e, &first, &lastq);
	if (!first) {
		snprintf(v->observed, sizeof v->observed, "no unanswered R-U-THERE");
		v->pass = false;
		return;
	}
	if (hold) {
		dpd_hold(t, e, v, w, first, lastq, unanswered);
		return;
	}
	where_add(w, first);
	if (lastq != first)
		where_add(w, lastq);
	/* After the first unanswered one: the action by the DPD sender. */
	bool more = false;
	for (const struct trace_ev *x = first + 1; x < ev + n && !action; x++) {
		/* within: what the side did in that window after its first unanswered probe */
		if (e->within && trace_ts_diff(x->ts_ns, first->ts_ns) > e->within)
			break;
		/* a copy of a message already judged (the probe itself seen at the next hop) */
		if (!own_message(x, first))
			continue;
		if (new_main_mode(x, first))
			action = x;
		else if (x->kind == TR_DELETE && x->notify == 1 && !restart)
			action = x;
		else if (x->kind == TR_IKE_MSG && !(x->exch == 5 && !x->decrypted))
			more = true;
	}
	if (action)
		where_add(w, action);
	snprintf(v->observed, sizeof v->observed, "%zu R-U-THERE unanswered (seq %" PRIu64 "..%"
	         PRIu64 "), then %s", unanswered, first->value, lastq->value,
	         !action ? (more ? "more IKE traffic on the same SA, no new main mode" :
	                   "nothing more from that side") :
	         action->kind == TR_DELETE ? "an ISAKMP delete" : "a new main mode");
	v->pass = restart ? (action && action->kind == TR_IKE_MSG) :
	                    (!action || action->kind == TR_DELETE) && !(action == NULL && more);
}

/* N(RESPONDER-LIFETIME) from a (to b), for the phase asked, with the lifetime asked. */
static void responder_lifetime(const struct trace *t, const struct check_expect *e,
                               struct check_verdict *v, struct where *w)
{
	size_t n, seen = 0, good = 0, at = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	char pair[100], life[40] = "", ph[40] = "";

	who(e, pair, sizeof pair, true);
	if (e->n)
		snprintf(life, sizeof life, " of %" PRIu64 " s", e->n);
	if (e->phase)
		snprintf(ph, sizeof ph, " for the %s", e->phase == 1 ? "ISAKMP SA (phase 1)" :
		         "CHILD_SA (phase 2)");
	snprintf(v->expected, sizeof v->expected, "RESPONDER-LIFETIME notify %s%s%s", pair, life,
	         ph);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_NOTIFY || ev[i].notify != ISAKMP_N_RESPONDER_LIFETIME ||
		    !match_from(t, e, &ev[i]))
			continue;
		int phase = ev[i].value2 == ISAKMP_PROTO_ISAKMP ? 1 : 2;
		/* the same message seen in another capture (the other end of the link, the next
		 * hop) is one notify */
		bool copy = false;
		for (size_t j = i; j-- > 0 && !copy;)
			copy = ev[j].kind == TR_NOTIFY && ev[j].notify == ev[i].notify &&
			       ev[j].file != ev[i].file && ev[j].msgid == ev[i].msgid &&
			       ev[j].value == ev[i].value && !memcmp(ev[j].icookie, ev[i].icookie, 8) &&
			       ip_addr_equal(&ev[j].src, &ev[i].src);
		if (copy)
			continue;
		seen++;
		bool ok = (!e->phase || e->phase == phase) && (!e->n || ev[i].value == e->n);
		if (ok) {
			good++;
			where_add(w, &ev[i]);
		}
		if (seen <= 4 && at < sizeof v->observed - 80)
			at += (size_t)snprintf(v->observed + at, sizeof v->observed - at, "%s%" PRIu64
			                       " s for the %s in %s", seen > 1 ? "; " : "", ev[i].value,
			                       phase == 1 ? "ISAKMP SA" : "CHILD_SA",
			                       ev[i].exch == ISAKMP_XCHG_QUICK ? "quick mode" :
			                       ev[i].exch == ISAKMP_XCHG_INFO ? "an informational" :
			                       "another exchange");
	}
	if (!seen)
		snprintf(v->observed, sizeof v->observed, "no RESPONDER-LIFETIME notify %s (none "
		         "sent, or the messages carrying it not decrypted)", pair);
	else
		snprintf(v->observed + at, sizeof v->observed - at, "%s: %zu notif%s, %zu as "
		         "expected", seen > 4 ? "; ..." : "", seen, seen == 1 ? "y" : "ies", good);
	v->pass = good > 0;
}

static void hairpin(const struct trace *t, struct check_verdict *v, struct where *w)
{
	size_t n, flows = 0, hp = 0;
	const struct trace_ev *ev = trace_events(t, &n);

	snprintf(v->expected, sizeof v->expected, "no inner packet decrypted from one tunnel "
	         "re-encrypted into another (hairpin refused)");
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == TR_INNER_FLOW)
			flows++;
		if (ev[i].kind == TR_HAIRPIN) {
			hp++;
			where_add(w, &ev[i]);
		}
	}
	if (!flows)
		snprintf(v->observed, sizeof v->observed, "no decrypted inner traffic: the hairpin "
		         "cannot be judged (keys missing?)");
	else
		snprintf(v->observed, sizeof v->observed, "%zu decrypted inner flows, %zu packets "
		         "re-encrypted into another tunnel", flows, hp);
	v->pass = flows && !hp;
}

static void fragments(const struct trace *t, const struct check_expect *e, bool inner,
                      struct check_verdict *v, struct where *w)
{
	size_t n, k = 0, df = 0;
	const struct trace_ev *ev = trace_events(t, &n), *ex = NULL;
	char pair[100];

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "%s fragmentation %s", inner ?
	         "inner (inside the tunnel)" : "outer ESP", pair);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_FRAGMENTS || ev[i].inner != inner ||
		    !match_from(t, e, &ev[i]))
			continue;
		if (!inner && strncmp(ev[i].text, "ESP", 3))
			continue;
		k++;
		df += ev[i].flag;
		if (!ex)
			ex = &ev[i];
		where_add(w, &ev[i]);
	}
	if (!k)
		snprintf(v->observed, sizeof v->observed, "no %s fragments", inner ? "inner" : "ESP");
	else
		snprintf(v->observed, sizeof v->observed, "%zu fragmented datagram%s (%zu with DF), "
		         "first: %s", k, k == 1 ? "" : "s", df, ex->text);
	v->pass = k > 0;
}

static void frag_needed(const struct trace *t, const struct check_expect *e,
                        struct check_verdict *v, struct where *w)
{
	size_t n, k = 0, other = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	char mtus[120] = "";
	size_t at = 0;

	snprintf(v->expected, sizeof v->expected, "ICMP fragmentation needed / packet too big "
	         "with MTU %" PRIu64, e->n);
	for (size_t i = 0; i < n; i++) {
		bool fn = ev[i].kind == TR_ICMP_ERROR &&
		          ((ev[i].src.family == 4 && ev[i].exch == 3 && ev[i].notify == 4) ||
		           (ev[i].src.family == 6 && ev[i].exch == 2));
		if (!fn || !match_from(t, e, &ev[i]))
			continue;
		if (ev[i].value == e->n) {
			k++;
			where_add(w, &ev[i]);
		} else {
			other++;
			if (at < sizeof mtus - 12)
				at += (size_t)snprintf(mtus + at, sizeof mtus - at, " %" PRIu64,
				                       ev[i].value);
		}
	}
	/* None with that MTU: point at the ones with another, what the engineer looks at next. */
	for (size_t i = 0; !k && i < n; i++)
		if (ev[i].kind == TR_ICMP_ERROR && match_from(t, e, &ev[i]) &&
		    ((ev[i].src.family == 4 && ev[i].exch == 3 && ev[i].notify == 4) ||
		     (ev[i].src.family == 6 && ev[i].exch == 2)))
			where_add(w, &ev[i]);
	snprintf(v->observed, sizeof v->observed, "%zu with MTU %" PRIu64 ", %zu with another "
	         "MTU%s%s", k, e->n, other, other ? ":" : "", mtus);
	v->pass = k > 0;
}

static void mss(const struct trace *t, const struct check_expect *e, struct check_verdict *v,
                struct where *w)
{
	size_t n, k = 0, bad = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	uint64_t max = 0;
	char pair[100];
	bool (*match)(const struct trace *, const struct check_expect *,
	              const struct trace_ev *) = e->directed ? match_from : match_between;

	who(e, pair, sizeof pair, e->directed);
	snprintf(v->expected, sizeof v->expected, "every TCP SYN's MSS %s at most %" PRIu64, pair,
	         e->n);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_TCP_MSS || !match(t, e, &ev[i]))
			continue;
		k++;
		if (ev[i].value > max)
			max = ev[i].value;
		if (ev[i].value > e->n) {
			bad++;
			where_add(w, &ev[i]);
		}
	}
	if (!bad)
		for (size_t i = 0; i < n && w->n < 3; i++)
			if (ev[i].kind == TR_TCP_MSS && match(t, e, &ev[i]))
				where_add(w, &ev[i]);
	snprintf(v->observed, sizeof v->observed, "%zu SYNs with MSS, largest %" PRIu64 ", %zu "
	         "above %" PRIu64, k, max, bad, e->n);
	v->pass = k > 0 && !bad;
}

static bool flow_match(const struct check_expect *e, const struct ip_addr *src,
                       const struct ip_addr *dst)
{
	return from_to(&(struct trace_ev){ .src = *src, .dst = *dst }, &e->a, &e->b);
}

/*
 * No loss across a rekey. Without a flow: every decrypted inner flow and ESP sequence. With
 * one (a -> b, inner addresses): only that flow's own numbering, ICMP echo sequence or the
 * udp probe's datagram numbers, including datagrams missing at the end (the probe announces
 * its count), so other traffic's losses do not count against it.
 */
static void no_loss(const struct trace *t, const struct check_expect *e,
                    struct check_verdict *v, struct where *w)
{
	size_t n, ni, rekeys = 0, spanning = 0, gaps = 0, tail = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	const struct trace_inner *in = trace_inner_flows(t, &ni);
	bool flow = !any(&e->a) || !any(&e->b);
	char pair[100];

	who(e, pair, sizeof pair, true);
	if (flow)
		snprintf(v->expected, sizeof v->expected, "the inner flow %s running across each "
		         "CHILD_SA rekey loses no packet (ICMP echo or udp probe numbers)", pair);
	else
		snprintf(v->expected, sizeof v->expected, "inner flows running across each CHILD_SA "
		         "rekey lose no packet");
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_CHILD_UP || !ev[i].flag || !in_capture(t, e, ev[i].file))
			continue;
		rekeys++;
		where_add(w, &ev[i]);
		for (size_t j = 0; j < ni; j++)
			if (in[j].file == ev[i].file && in[j].first_frame < ev[i].frame &&
			    in[j].last_frame > ev[i].frame &&
			    (!flow || flow_match(e, &in[j].src, &in[j].dst)))
				spanning++;
	}
	for (size_t i = 0; i < n; i++) {
		if (!in_capture(t, e, ev[i].file))
			continue;
		if (flow ? ev[i].kind == TR_INNER_GAP && flow_match(e, &ev[i].src, &ev[i].dst) :
		    ev[i].kind == TR_INNER_GAP || (ev[i].kind == TR_ESP_GAP && rekeys)) {
			gaps++;
			where_add(w, &ev[i]);
		}
	}
	for (size_t j = 0; flow && j < ni; j++)
		if (in[j].probe_count && in_capture(t, e, in[j].file) &&
		    flow_match(e, &in[j].src, &in[j].dst) && in[j].last_seq + 1 < in[j].probe_count) {
			struct trace_ev at = { .file = in[j].file, .frame = in[j].last_frame };
			tail += in[j].probe_count - in[j].last_seq - 1;
			where_add(w, &at);
		}
	if (!rekeys)
		snprintf(v->observed, sizeof v->observed, "no CHILD_SA rekey in the trace");
	else if (!spanning)
		snprintf(v->observed, sizeof v->observed, "%zu rekeys, but no decrypted inner flow%s "
		         "runs across one: cannot judge", rekeys, flow ? " of that pair" : "");
	else if (flow)
		snprintf(v->observed, sizeof v->observed, "%zu rekeys, the flow crossed %zu (per "
		         "capture), %zu sequence gaps, %zu datagrams missing at the end", rekeys,
		         spanning, gaps, tail);
	else
		snprintf(v->observed, sizeof v->observed, "%zu rekeys, %zu inner flows across them, "
		         "%zu sequence gaps (inner or ESP)", rekeys, spanning, gaps);
	v->pass = rekeys && spanning && !gaps && !tail;
}

static void restart(const struct trace *t, const struct check_expect *e,
                    struct check_verdict *v, struct where *w)
{
	size_t n, k = 0;
	const struct trace_ev *ev = trace_events(t, &n), *f = NULL;
	char pair[100];

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "an ESP sequence number restart %s", pair);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_ESP_RESTART && match_from(t, e, &ev[i])) {
			k++;
			if (!f)
				f = &ev[i];
			where_add(w, &ev[i]);
		}
	if (f)
		snprintf(v->observed, sizeof v->observed, "%zu restart%s, first: %s", k,
		         k == 1 ? "" : "s", f->text);
	else
		snprintf(v->observed, sizeof v->observed, "no sequence restart");
	v->pass = k > 0;
}

/* The reply flow of the echo request a replay carried, answered after it: NULL if none. */
static const struct trace_inner *echo_answer(const struct trace *t, const struct trace_ev *rep)
{
	size_t ni;
	const struct trace_inner *in = trace_inner_flows(t, &ni), *req = NULL;

	for (size_t i = 0; i < ni && !req; i++)
		if (in[i].file == rep->file && in[i].proto == 1 && in[i].sport == rep->echo_id &&
		    in[i].dport == 8)
			req = &in[i];
	if (!req)
		return NULL;
	for (size_t i = 0; i < ni; i++)
		if (in[i].file == rep->file && in[i].proto == 1 && in[i].sport == rep->echo_id &&
		    in[i].dport == 0 && ip_addr_equal(&in[i].src, &req->dst) &&
		    ip_addr_equal(&in[i].dst, &req->src) && in[i].last_frame > rep->frame)
			return &in[i];
	return NULL;
}

/*
 * Replays dropped: the receiver did not answer them. When a replay decrypts to an ICMP echo
 * request, "answered" is read from the inner traffic: an echo reply of that identifier
 * travelling back after it in the same capture. Otherwise (no keys, not a ping) the summaries
 * are counted: the reverse direction carried no more packets than the originals, which
 * assumes one-to-one traffic.
 */
static void replay(const struct trace *t, const struct check_expect *e, struct check_verdict *v,
                   struct where *w)
{
	size_t n, nf, k = 0, echo = 0, answered = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	const struct trace_esp *fl = trace_esp_flows(t, &nf);
	uint64_t fwd = 0, rev = 0, reps = 0;
	char pair[100];

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "replayed ESP packets %s seen and dropped (not "
	         "answered)", pair);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != TR_ESP_REPLAY || !match_from(t, e, &ev[i]))
			continue;
		k++;
		where_add(w, &ev[i]);
		if (!ev[i].decrypted)
			continue;
		echo++;
		const struct trace_inner *ans = echo_answer(t, &ev[i]);
		if (ans) {
			struct trace_ev at = { .file = ans->file, .frame = ans->last_frame };
			answered++;
			where_add(w, &at);
		}
	}
	if (!k) {
		snprintf(v->observed, sizeof v->observed, "no replayed ESP packet");
		v->pass = false;
		return;
	}
	if (echo) {
		snprintf(v->observed, sizeof v->observed, "%zu replays, %zu of them ICMP echo "
		         "requests, %zu answered by an echo reply after them", k, echo, answered);
		v->pass = !answered;
		return;
	}
	/* Request/response traffic: the reverse direction answers the originals only. */
	for (size_t i = 0; i < nf; i++) {
		if (!fl[i].replays || !in_capture(t, e, fl[i].file) || !from_to(&(struct trace_ev){ .src = fl[i].src,
		                                                   .dst = fl[i].dst }, &e->a, &e->b))
			continue;
		fwd += fl[i].packets;
		reps += fl[i].replays;
		for (size_t j = 0; j < nf; j++)
			if (fl[j].file == fl[i].file && ip_addr_equal(&fl[j].src, &fl[i].dst) &&
			    ip_addr_equal(&fl[j].dst, &fl[i].src))
				rev += fl[j].packets;
	}
	snprintf(v->observed, sizeof v->observed, "%zu replays (none decrypted to an echo "
	         "request: counted, assuming one-to-one traffic); %" PRIu64 " packets one way "
	         "(%" PRIu64 " replayed), %" PRIu64 " the other way", k, fwd, reps, rev);
	v->pass = rev + reps <= fwd;
}

/*
 * NAT-T as an engineer checks it in a capture: main mode 5 onwards on UDP 4500 (the float,
 * RFC 3947 section 4) and the ESP in UDP 4500 (RFC 3948). A gateway that floats IKE but
 * still sends bare ESP, or ESP in UDP without the float, fails: a NAT would break either.
 */
static void natt_float(const struct trace *t, const struct check_expect *e,
                       struct check_verdict *v, struct where *w)
{
	size_t n, nf, floats = 0, udp = 0, bare = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	const struct trace_esp *fl = trace_esp_flows(t, &nf);
	const struct trace_esp *first_bare = NULL;
	char pair[100];

	who(e, pair, sizeof pair, false);
	snprintf(v->expected, sizeof v->expected, "IKE between %s floated from UDP 500 to 4500 "
	         "and its ESP in UDP 4500 only", pair);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_NATT_FLOAT && match_between(t, e, &ev[i])) {
			floats++;
			where_add(w, &ev[i]);
		}
	for (size_t i = 0; i < nf; i++) {
		struct trace_ev pseudo = { .src = fl[i].src, .dst = fl[i].dst };
		if (!in_capture(t, e, fl[i].file) || !between(&pseudo, &e->a, &e->b))
			continue;
		if (fl[i].udp) {
			udp++;
		} else {
			bare++;
			if (!first_bare)
				first_bare = &fl[i];
		}
	}
	if (first_bare) {
		struct trace_ev at = { .file = first_bare->file, .frame = first_bare->first_frame };
		where_add(w, &at);
	}
	char b[40] = "";
	if (first_bare)
		snprintf(b, sizeof b, ", the first SPI %08x", first_bare->spi);
	snprintf(v->observed, sizeof v->observed, "%zu IKE SA%s floated to 4500; ESP: %zu SPI%s "
	         "in UDP 4500, %zu bare (IP protocol 50)%s", floats, floats == 1 ? "" : "s", udp,
	         udp == 1 ? "" : "s", bare, b);
	v->pass = floats && udp && !bare;
}

static bool same_pair(const struct trace_ev *x, const struct trace_ev *y)
{
	return (ip_addr_equal(&x->src, &y->src) && ip_addr_equal(&x->dst, &y->dst)) ||
	       (ip_addr_equal(&x->src, &y->dst) && ip_addr_equal(&x->dst, &y->src));
}

/*
 * INITIAL-CONTACT replacing a live IKE SA (RFC 2407 4.6.3.3; seeds/002 l.222-237): a main
 * mode from a whose MM5 carries INITIAL-CONTACT (seen when decrypted with the key file, or
 * sent in the clear) while an earlier IKE SA between the same two addresses was up and not
 * deleted; the new IKE SA comes up and carries a quick mode; and no message travels under
 * the old IKE SA's cookies after the notify (the responder destroyed it, the sender had
 * forgotten it). A copy of an earlier message in another capture does not count.
 */
static void initial_contact(const struct trace *t, const struct check_expect *e,
                            struct check_verdict *v, struct where *w)
{
	size_t n, seen = 0, good = 0;
	const struct trace_ev *ev = trace_events(t, &n);
	char pair[100], why[200] = "";

	who(e, pair, sizeof pair, true);
	snprintf(v->expected, sizeof v->expected, "a main mode %s whose MM5 carries "
	         "INITIAL-CONTACT while an earlier IKE SA between them was up; the new IKE SA up "
	         "with a quick mode, nothing more under the old IKE SA's cookies", pair);
	for (size_t i = 0; i < n; i++) {
		const struct trace_ev *ic = &ev[i], *old = NULL, *up = NULL, *child = NULL,
		                      *late = NULL;

		if (ic->kind != TR_NOTIFY || ic->notify != N_INITIAL_CONTACT ||
		    ic->exch != XCHG_IDPROT || !match_from(t, e, ic))
			continue;
		seen++;
		/* the latest earlier IKE SA between the two, up and not deleted before it */
		for (size_t j = 0; j < i; j++) {
			bool deleted = false;

			if (ev[j].kind != TR_IKE_UP || !same_pair(&ev[j], ic) ||
			    !memcmp(ev[j].icookie, ic->icookie, 8))
				continue;
			for (size_t k = j + 1; k < i && !deleted; k++)
				deleted = ev[k].kind == TR_IKE_DOWN &&
				          !memcmp(ev[k].icookie, ev[j].icookie, 8);
			if (!deleted)
				old = &ev[j];
		}
		if (!old) {
			where_add(w, ic);
			snprintf(why, sizeof why, "no earlier IKE SA between them was up (a first "
			         "contact)");
			continue;
		}
		for (size_t k = i + 1; k < n; k++) {
			if (!up && ev[k].kind == TR_IKE_UP && !memcmp(ev[k].icookie, ic->icookie, 8))
				up = &ev[k];
			if (up && !child && ev[k].kind == TR_CHILD_UP &&
			    !memcmp(ev[k].icookie, ic->icookie, 8))
				child = &ev[k];
			if (!late && ev[k].kind == TR_IKE_MSG && !ev[k].flag &&
			    ev[k].ts_ns > ic->ts_ns && !memcmp(ev[k].icookie, old->icookie, 8))
				late = &ev[k];
		}
		where_add(w, old);
		where_add(w, ic);
		if (late) {
			where_add(w, late);
			snprintf(why, sizeof why, "a message under the old IKE SA's cookies after it "
			         "(%.60s, %s#%" PRIu64 "): the old SA lived on", late->text,
			         base_name(trace_file_name(t, late->file)), late->frame);
		} else if (!up) {
			snprintf(why, sizeof why, "the new IKE SA did not come up");
		} else if (!child) {
			where_add(w, up);
			snprintf(why, sizeof why, "no quick mode on the new IKE SA");
		} else {
			where_add(w, up);
			where_add(w, child);
			good++;
		}
	}
	if (!seen) {
		/* none from a: point at the ones other senders sent, what one looks at next */
		size_t other = 0;

		for (size_t i = 0; i < n; i++)
			if (ev[i].kind == TR_NOTIFY && ev[i].notify == N_INITIAL_CONTACT &&
			    ev[i].exch == XCHG_IDPROT && in_capture(t, e, ev[i].file) &&
			    in_window(e, &ev[i])) {
				other++;
				where_add(w, &ev[i]);
			}
		snprintf(v->observed, sizeof v->observed, "no INITIAL-CONTACT in a main mode %s, "
		         "%zu from other senders (it rides in the encrypted MM5: without the key "
		         "file it is not seen)", pair, other);
	}
	else if (good)
		snprintf(v->observed, sizeof v->observed, "%zu main mode%s with INITIAL-CONTACT, %zu "
		         "replacing a live IKE SA, which then fell silent, with a quick mode on the "
		         "new one", seen, seen == 1 ? "" : "s", good);
	else
		snprintf(v->observed, sizeof v->observed, "%zu main mode%s with INITIAL-CONTACT, "
		         "none as expected: %s", seen, seen == 1 ? "" : "s", why);
	v->pass = good > 0;
}

bool check_judge(const struct trace *t, const struct check_expect *e, struct check_verdict *v)
{
	struct where w = { .t = t, .buf = v->where, .len = sizeof v->where };
	struct check_expect win;

	memset(v, 0, sizeof *v);
	if (e->after_refusal) {
		/* the window starts at the last NO-PROPOSAL-CHOSEN (between a and b if given) */
		size_t n;
		const struct trace_ev *ev = trace_events(t, &n), *last = NULL;

		for (size_t i = 0; i < n; i++)
			if (ev[i].kind == TR_NOTIFY && ev[i].notify == N_NO_PROPOSAL &&
			    in_capture(t, e, ev[i].file) && between(&ev[i], &e->a, &e->b))
				last = &ev[i];
		if (!last) {
			snprintf(v->expected, sizeof v->expected, "%s after the last NO-PROPOSAL-CHOSEN",
			         check_kind_name(e->kind));
			snprintf(v->observed, sizeof v->observed, "no NO-PROPOSAL-CHOSEN to start "
			         "after (after_refusal)");
			v->pass = false;
			return false;
		}
		win = *e;
		win.since_ns = last->ts_ns;
		e = &win;
	}
	switch (e->kind) {
	case CHK_IKE_PROPOSAL: proposal(t, e, false, v, &w); break;
	case CHK_ESP_PROPOSAL: proposal(t, e, true, v, &w); break;
	case CHK_NO_PROPOSAL_CHOSEN: no_proposal(t, e, v, &w); break;
	case CHK_TUNNEL_UP_WITHIN: tunnel_up(t, e, v, &w); break;
	case CHK_CHILD_REKEY_EVERY: rekey(t, e, v, &w, false); break;
	case CHK_IKE_REAUTH_EVERY: rekey(t, e, v, &w, true); break;
	case CHK_DPD_EVERY: dpd_every(t, e, v, &w); break;
	case CHK_DPD_TIMEOUT: dpd_timeout(t, e, v, &w); break;
	case CHK_HAIRPIN_REFUSED: hairpin(t, v, &w); break;
	case CHK_OUTER_FRAGMENTS: fragments(t, e, false, v, &w); break;
	case CHK_INNER_FRAGMENTS: fragments(t, e, true, v, &w); break;
	case CHK_ICMP_FRAG_NEEDED: frag_needed(t, e, v, &w); break;
	case CHK_TCP_MSS_MAX: mss(t, e, v, &w); break;
	case CHK_NO_LOSS_ACROSS_REKEY: no_loss(t, e, v, &w); break;
	case CHK_ESP_SEQ_RESTART: restart(t, e, v, &w); break;
	case CHK_REPLAY_DROPPED: replay(t, e, v, &w); break;
	case CHK_NATT_FLOAT: natt_float(t, e, v, &w); break;
	case CHK_RESPONDER_LIFETIME: responder_lifetime(t, e, v, &w); break;
	case CHK_INITIAL_CONTACT: initial_contact(t, e, v, &w); break;
	default:
		snprintf(v->expected, sizeof v->expected, "check kind %d", (int)e->kind);
		snprintf(v->observed, sizeof v->observed, "unknown check kind");
		v->pass = false;
		return false;
	}
	if (e->capture[0]) {
		size_t l = strlen(v->expected);
		snprintf(v->expected + l, sizeof v->expected - l, " (in %s)", e->capture);
	}
	if (e->after_refusal) {
		size_t l = strlen(v->expected);
		snprintf(v->expected + l, sizeof v->expected - l, " (after the last "
		         "NO-PROPOSAL-CHOSEN)");
	}
	if (trace_events_dropped(t)) {
		size_t l = strlen(v->observed);
		snprintf(v->observed + l, sizeof v->observed - l, " [the event log was cut after %d "
		         "events: later ones not judged]", TRACE_MAX_EVENTS);
	}
	return v->pass;
}
