/*
 * profile_explain.c: one initiator's phase-1 offer against a profile (profile_explain.h).
 */
#include "peers/profile/profile_explain.h"

#include <stdio.h>
#include <string.h>

/* The engine's phase-1 lifetime when the policy sets none (ike_peer.c, as a responder). */
#define DEFAULT_IKE_LIFETIME lab_sec(28800)

static void props_text(const struct ike_prop *p, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < n && used < len; i++) {
		char one[64];

		ike_prop_format(&p[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
}

/* A transform vpnlab does not understand, by its wire numbers (RFC 2409 App. A classes). */
static void raw_transform(const struct isakmp_proposal *pr, size_t t, char *buf, size_t len)
{
	static const struct { uint16_t type; const char *name; } cls[] = {
		{ 1, "encryption" }, { 14, "key-length" }, { 2, "hash" }, { 3, "auth" },
		{ 4, "group" },
	};
	size_t used;
	uint64_t v;

	used = (size_t)snprintf(buf, len, "protocol %u transform id %u", pr->proto, pr->tr[t].id);
	for (size_t i = 0; i < sizeof cls / sizeof cls[0] && used < len; i++)
		if (isakmp_attr_get(&pr->tr[t], cls[i].type, &v))
			used += (size_t)snprintf(buf + used, len - used, " %s=%llu", cls[i].name,
			                         (unsigned long long)v);
}

/* The aggressive-mode rule: refused when the profile's phase1-mode row says main only. */
static bool mode_refused(const struct profile *p, uint8_t exch, char *why, size_t len)
{
	const struct profile_quirk *q = profile_quirk_find(p, PK_PHASE1_MODE);

	if (exch != ISAKMP_XCHG_AGGR || !q || strstr(q->value, "aggressive"))
		return false;
	snprintf(why, len, "mode: aggressive mode refused by %s, main mode only (%s%s)", p->name,
	         q->source, q->unconfirmed ? "; UNCONFIRMED" : "");
	return true;
}

void profile_explain_sa(const struct profile *p, const struct ike_policy *pol, uint8_t exch,
                        const struct isakmp_sa *sa, struct profile_verdict *v)
{
	lab_ns my_life = pol->ike_lifetime ? pol->ike_lifetime : DEFAULT_IKE_LIFETIME;
	const struct profile_quirk *forced = profile_quirk_find(p, PK_IKE_PROPOSALS);
	struct ike_selection sel;

	memset(v, 0, sizeof *v);
	props_text(pol->ike, pol->nike, v->ours, sizeof v->ours);
	for (size_t a = 0; a < sa->nprops; a++)
		for (size_t t = 0; t < sa->props[a].ntr && v->noffers < PROFILE_EXPLAIN_OFFERS; t++) {
			struct profile_offer *o = &v->offer[v->noffers++];
			struct ike_offer dec;

			o->prop_num = sa->props[a].num;
			o->tr_num = sa->props[a].tr[t].num;
			ike_offer_decode(&sa->props[a].tr[t], false, &dec);
			o->understood = dec.ok && sa->props[a].proto == ISAKMP_PROTO_ISAKMP;
			o->life = dec.life;
			if (o->understood)
				ike_prop_strongswan(&dec.prop, false, o->offered, sizeof o->offered);
			else
				raw_transform(&sa->props[a], t, o->offered, sizeof o->offered);
			o->matches = !ike_select_why(pol, sa, a, t, false, pol->ike, pol->nike, my_life,
			                             o->why, sizeof o->why);
		}
	if (mode_refused(p, exch, v->reason, sizeof v->reason)) {
		v->mode_refused = true;
		return;
	}
	if (ike_select_sa(pol, sa, false, pol->ike, pol->nike, my_life, &sel)) {
		v->accepted = true;
		ike_prop_strongswan(&sel.prop, false, v->selected, sizeof v->selected);
		v->sel_prop = sa->props[sel.pi].num;
		v->sel_tr = sa->props[sel.pi].tr[sel.ti].num;
		v->life = sel.life;
		return;
	}
	if (forced && forced->rule == PROFILE_FORCED)
		snprintf(v->reason, sizeof v->reason, "no proposal found: %s forces ike-proposals %s: "
		         "%s (%s%s)", p->name, forced->value, forced->note, forced->source,
		         forced->unconfirmed ? "; UNCONFIRMED" : "");
	else
		snprintf(v->reason, sizeof v->reason, "no proposal found: none of the offered "
		         "transforms matches the configured %s", v->ours);
}
