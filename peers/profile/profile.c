/*
 * profile.c: looking profiles up and applying their rows (profile.h). The rows are data
 * (profile_table.c); this file only knows how each key maps onto a policy or data-plane field,
 * so no vendor name appears here.
 */
#include "peers/profile/profile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const key_names[PK_COUNT] = {
	[PK_IKE_PROPOSALS] = "ike-proposals",
	[PK_ESP_PROPOSALS] = "esp-proposals",
	[PK_SELECT] = "select",
	[PK_LIFE_RULE] = "lifetime-rule",
	[PK_RESPONDER_LIFETIME] = "send-responder-lifetime",
	[PK_IKE_LIFETIME] = "ike-lifetime",
	[PK_ESP_LIFETIME] = "esp-lifetime",
	[PK_SEND_DPD_VID] = "send-dpd-vid",
	[PK_SEND_NATT_VID] = "send-natt-vid",
	[PK_INITIAL_CONTACT] = "initial-contact",
	[PK_UNIQUE_IC] = "unique-on-initial-contact",
	[PK_FORCE_ENCAP] = "force-udp-encap",
	[PK_REAUTH_MARGIN] = "reauth-margin",
	[PK_DPD] = "dpd",
	[PK_DPD_NEEDS_VID] = "dpd-needs-peer-vid",
	[PK_DPD_DELAY] = "dpd-delay",
	[PK_DPD_TIMEOUT] = "dpd-timeout",
	[PK_DPD_ACTION] = "dpd-action",
	[PK_DF] = "df-bit",
	[PK_FRAG] = "fragmentation",
	[PK_TUNNEL_MTU] = "tunnel-mtu",
	[PK_MSS_CLAMP] = "mss-clamp",
	[PK_HAIRPIN] = "hairpin",
	[PK_REPLAY_WINDOW] = "replay-window",
	[PK_LENIENT_PADDING] = "lenient-padding",
	[PK_SNAT_SPLIT] = "split-tunnel-snat",
	[PK_PHASE1_MODE] = "phase1-mode",
	[PK_NOTE] = "note",
};

static const char *const select_names[] = { "own", "peer" };
static const char *const life_names[] = { "accept", "shorter", "exact" };
static const char *const dpd_names[] = { "off", "idle", "always", "respond-only" };
static const char *const action_names[] = { "clear", "hold", "restart" };
static const char *const df_names[] = { "copy", "clear", "set" };
static const char *const frag_names[] = { "pre", "post" };
#define NNAMES(a) (sizeof a / sizeof a[0])

const char *profile_key_name(enum profile_key k)
{
	return k < PK_COUNT ? key_names[k] : "?";
}

const char *profile_rule_name(enum profile_rule r)
{
	return r == PROFILE_FORCED ? "forced" : r == PROFILE_DEFAULT ? "default" : "info";
}

const struct profile *profile_find(const char *name)
{
	for (size_t i = 0; i < profile_count(); i++)
		if (!strcmp(profile_at(i)->name, name))
			return profile_at(i);
	return NULL;
}

const struct profile_quirk *profile_quirk_find(const struct profile *p, enum profile_key k)
{
	for (size_t i = 0; i < p->nquirks; i++)
		if (p->quirks[i].key == k)
			return &p->quirks[i];
	return NULL;
}

static void report(struct profile_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct profile_report *r, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	if (r->n == PROFILE_REPORT_MAX) {
		r->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(r->line[r->n++], PROFILE_REPORT_TEXT, fmt, ap);
	va_end(ap);
}

static int name_index(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], v))
			return (int)i;
	return -1;
}

static int parse_bool(const char *v)
{
	return !strcmp(v, "yes") ? 1 : !strcmp(v, "no") ? 0 : -1;
}

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n > UINT32_MAX || *v == '-')
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static void props_format(const struct ike_prop *p, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	if (!n)
		snprintf(buf, len, "(none)");
	for (int i = 0; i < n && used < len; i++) {
		char one[64];

		ike_prop_format(&p[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

/* The current value of key k as the table spells it. */
static void key_format(enum profile_key k, const struct ike_policy *pol,
                       const struct gw_dataplane *dp, char *buf, size_t len)
{
	switch (k) {
	case PK_IKE_PROPOSALS: props_format(pol->ike, pol->nike, buf, len); return;
	case PK_ESP_PROPOSALS: props_format(pol->esp, pol->nesp, buf, len); return;
	case PK_SELECT: snprintf(buf, len, "%s", select_names[pol->select]); return;
	case PK_LIFE_RULE: snprintf(buf, len, "%s", life_names[pol->life_rule]); return;
	case PK_RESPONDER_LIFETIME:
		snprintf(buf, len, "%s", yn(pol->send_responder_lifetime));
		return;
	case PK_IKE_LIFETIME:
		snprintf(buf, len, "%lld", (long long)(pol->ike_lifetime / LAB_NS_PER_SEC));
		return;
	case PK_ESP_LIFETIME:
		snprintf(buf, len, "%lld", (long long)(pol->esp_lifetime / LAB_NS_PER_SEC));
		return;
	case PK_SEND_DPD_VID: snprintf(buf, len, "%s", yn(pol->send_dpd_vid)); return;
	case PK_SEND_NATT_VID: snprintf(buf, len, "%s", yn(pol->send_natt_vid)); return;
	case PK_INITIAL_CONTACT: snprintf(buf, len, "%s", yn(pol->initial_contact)); return;
	case PK_UNIQUE_IC: snprintf(buf, len, "%s", yn(pol->unique_on_initial_contact)); return;
	case PK_FORCE_ENCAP: snprintf(buf, len, "%s", yn(pol->force_encap)); return;
	case PK_REAUTH_MARGIN:
		snprintf(buf, len, "%lld", (long long)(pol->reauth_margin / LAB_NS_PER_SEC));
		return;
	case PK_DPD: snprintf(buf, len, "%s", dpd_names[pol->dpd]); return;
	case PK_DPD_NEEDS_VID: snprintf(buf, len, "%s", yn(pol->dpd_needs_peer_vid)); return;
	case PK_DPD_DELAY:
		snprintf(buf, len, "%lld", (long long)(pol->dpd_delay / LAB_NS_PER_SEC));
		return;
	case PK_DPD_TIMEOUT:
		snprintf(buf, len, "%lld", (long long)(pol->dpd_timeout / LAB_NS_PER_SEC));
		return;
	case PK_DPD_ACTION: snprintf(buf, len, "%s", action_names[pol->dpd_action]); return;
	default:
		break;
	}
	if (!dp) {
		snprintf(buf, len, "-");
		return;
	}
	switch (k) {
	case PK_DF: snprintf(buf, len, "%s", df_names[dp->df]); return;
	case PK_FRAG: snprintf(buf, len, "%s", frag_names[dp->frag]); return;
	case PK_TUNNEL_MTU: snprintf(buf, len, "%u", dp->tunnel_mtu); return;
	case PK_MSS_CLAMP:
		if (dp->mss_clamp < 0)
			snprintf(buf, len, "off");
		else if (!dp->mss_clamp)
			snprintf(buf, len, "tunnel");
		else
			snprintf(buf, len, "%d", dp->mss_clamp);
		return;
	case PK_HAIRPIN: snprintf(buf, len, "%s", yn(dp->hairpin)); return;
	case PK_REPLAY_WINDOW: snprintf(buf, len, "%u", dp->replay_window); return;
	case PK_LENIENT_PADDING: snprintf(buf, len, "%s", yn(dp->lenient_padding)); return;
	case PK_SNAT_SPLIT: snprintf(buf, len, "%s", yn(dp->snat_split)); return;
	default: snprintf(buf, len, "-"); return;
	}
}

#define ENUM_SET(field, names, type)                                                    \
	do {                                                                            \
		int i_ = name_index(names, NNAMES(names), v);                            \
		if (i_ < 0)                                                             \
			return -1;                                                      \
		field = (type)i_;                                                       \
	} while (0)
#define BOOL_SET(field)                                                                 \
	do {                                                                            \
		int b_ = parse_bool(v);                                                 \
		if (b_ < 0)                                                             \
			return -1;                                                      \
		field = b_ == 1;                                                        \
	} while (0)

/* Set key k from its value text v; -1 when v does not parse. dp may be NULL (its keys are
 * then skipped). */
static int key_set(enum profile_key k, const char *v, struct ike_policy *pol,
                   struct gw_dataplane *dp, char *err, size_t errlen)
{
	uint32_t n;
	int c;

	switch (k) {
	case PK_IKE_PROPOSALS:
	case PK_ESP_PROPOSALS: {
		/* zeroed: the whole array is copied, and gw_reconfigure compares connections
		 * byte for byte (stack garbage in unused slots made a connection look changed) */
		struct ike_prop pr[IKE_MAX_PROPS] = { 0 };
		bool esp = k == PK_ESP_PROPOSALS;

		c = ike_props_parse(v, esp, pr, IKE_MAX_PROPS, err, errlen);
		if (c < 0)
			return -1;
		memcpy(esp ? pol->esp : pol->ike, pr, sizeof pr);
		*(esp ? &pol->nesp : &pol->nike) = c;
		return 0;
	}
	case PK_SELECT: ENUM_SET(pol->select, select_names, enum ike_select); return 0;
	case PK_LIFE_RULE: ENUM_SET(pol->life_rule, life_names, enum ike_life_rule); return 0;
	case PK_RESPONDER_LIFETIME: BOOL_SET(pol->send_responder_lifetime); return 0;
	case PK_IKE_LIFETIME:
	case PK_ESP_LIFETIME:
	case PK_DPD_DELAY:
	case PK_DPD_TIMEOUT:
	case PK_REAUTH_MARGIN: {
		lab_ns *f = k == PK_IKE_LIFETIME ? &pol->ike_lifetime :
		            k == PK_ESP_LIFETIME ? &pol->esp_lifetime :
		            k == PK_REAUTH_MARGIN ? &pol->reauth_margin :
		            k == PK_DPD_DELAY ? &pol->dpd_delay : &pol->dpd_timeout;

		if (parse_u32(v, &n))
			return -1;
		*f = lab_sec(n);
		return 0;
	}
	case PK_SEND_DPD_VID: BOOL_SET(pol->send_dpd_vid); return 0;
	case PK_SEND_NATT_VID: BOOL_SET(pol->send_natt_vid); return 0;
	case PK_INITIAL_CONTACT: BOOL_SET(pol->initial_contact); return 0;
	case PK_UNIQUE_IC: BOOL_SET(pol->unique_on_initial_contact); return 0;
	case PK_FORCE_ENCAP: BOOL_SET(pol->force_encap); return 0;
	case PK_DPD: ENUM_SET(pol->dpd, dpd_names, enum ike_dpd_mode); return 0;
	case PK_DPD_NEEDS_VID: BOOL_SET(pol->dpd_needs_peer_vid); return 0;
	case PK_DPD_ACTION: ENUM_SET(pol->dpd_action, action_names, enum ike_dpd_action); return 0;
	case PK_PHASE1_MODE:
		return strcmp(v, "main") && strcmp(v, "main,aggressive") ? -1 : 0;
	case PK_NOTE:
		return 0;
	default:
		break;
	}
	if (!dp)
		return 0;
	switch (k) {
	case PK_DF: ENUM_SET(dp->df, df_names, enum esp_df_mode); return 0;
	case PK_FRAG: ENUM_SET(dp->frag, frag_names, enum gw_frag); return 0;
	case PK_TUNNEL_MTU:
		if (parse_u32(v, &n) || (n && n < 576) || n > 65535)
			return -1;
		dp->tunnel_mtu = n;
		return 0;
	case PK_MSS_CLAMP:
		if (!strcmp(v, "off"))
			dp->mss_clamp = -1;
		else if (!strcmp(v, "tunnel"))
			dp->mss_clamp = 0;
		else if (parse_u32(v, &n) || n < 536 || n > 65495)
			return -1;
		else
			dp->mss_clamp = (int)n;
		return 0;
	case PK_HAIRPIN: BOOL_SET(dp->hairpin); return 0;
	case PK_REPLAY_WINDOW:
		if (parse_u32(v, &n))
			return -1;
		dp->replay_window = n;
		return 0;
	case PK_LENIENT_PADDING: BOOL_SET(dp->lenient_padding); return 0;
	case PK_SNAT_SPLIT: BOOL_SET(dp->snat_split); return 0;
	default:
		return -1;
	}
}

static bool is_dp_key(enum profile_key k)
{
	return k >= PK_DF && k <= PK_SNAT_SPLIT;
}

int profile_conn_apply(const struct profile *p, struct ike_policy *pol, struct gw_dataplane *dp,
                       enum profile_stage stage, struct profile_report *r)
{
	for (size_t i = 0; i < p->nquirks; i++) {
		const struct profile_quirk *q = &p->quirks[i];
		char before[256], after[256], err[96] = "";

		if (q->rule == PROFILE_INFO || (stage == PROFILE_STAGE_FORCED && q->rule != PROFILE_FORCED))
			continue;
		if (is_dp_key(q->key) ? !dp : !pol)
			continue;
		key_format(q->key, pol, dp, before, sizeof before);
		if (key_set(q->key, q->value, pol, dp, err, sizeof err)) {
			report(r, "profile %s: %s: bad value '%s'%s%s", p->name,
			       profile_key_name(q->key), q->value, *err ? ": " : "", err);
			return -EINVAL;
		}
		key_format(q->key, pol, dp, after, sizeof after);
		if (stage == PROFILE_STAGE_FORCED && strcmp(before, after))
			report(r, "%s: %s %s replaced by %s: %s (%s%s)", p->name,
			       profile_key_name(q->key), before, after, q->note, q->source,
			       q->unconfirmed ? "; UNCONFIRMED" : "");
	}
	return 0;
}

int profile_apply(const struct profile *p, struct gw_config *c, enum profile_stage stage,
                  struct profile_report *r)
{
	int rc;

	if (stage == PROFILE_STAGE_DEFAULTS)
		snprintf(c->profile, sizeof c->profile, "%s", p->name);
	/* the data plane once, then every connection's policy */
	rc = profile_conn_apply(p, NULL, &c->dp, stage, r);
	for (size_t i = 0; !rc && i < c->nconns; i++)
		rc = profile_conn_apply(p, &c->conns[i].ike, NULL, stage, r);
	return rc;
}

int profile_config_init(const struct profile *p, struct gw_config *c, struct profile_report *r)
{
	memset(c, 0, sizeof *c);
	gw_dataplane_default(&c->dp);
	return profile_apply(p, c, PROFILE_STAGE_DEFAULTS, r);
}

struct gw_conn *profile_conn_add(const struct profile *p, struct gw_config *c, const char *name,
                                 struct profile_report *r)
{
	struct gw_conn *conn;

	if (c->nconns == GW_MAX_CONNS)
		return NULL;
	conn = &c->conns[c->nconns];
	memset(conn, 0, sizeof *conn);
	snprintf(conn->name, sizeof conn->name, "%s", name);
	snprintf(conn->ike.name, sizeof conn->ike.name, "%s", name);
	conn->enabled = true;
	if (profile_conn_apply(p, &conn->ike, NULL, PROFILE_STAGE_DEFAULTS, r))
		return NULL;
	c->nconns++;
	return conn;
}
