/*
 * profile.h: vendor behaviour profiles as data (PROFILES.md).
 *
 * A profile is a const table of quirks (profile_table.c). Each quirk is one setting of the
 * engine's policy (struct ike_policy) or of the gateway's data plane (struct gw_dataplane),
 * with its value as text, whether the vendor FORCES it or only DEFAULTS it, whether the fact
 * is UNCONFIRMED, and where it was observed (a field note line, a research-notes section).
 * Quirks that are not a policy field (API limits the mocks enforce, the modes the vendor
 * refuses) are INFO rows: shown by `vpnlab profiles`, used by `vpnlab explain`, never applied.
 *
 * Precedence, the same for every config source (scenario keys, FITELnet CLI text, K5 / Sakura
 * API objects, `vpnlab peer` options):
 *
 *   1. profile_conn_apply(p, conn, dp, PROFILE_STAGE_DEFAULTS, ...): every DEFAULT and FORCED row
 *   2. the source writes what its user configured, overwriting defaults
 *   3. profile_conn_apply(p, conn, dp, PROFILE_STAGE_FORCED, r): the FORCED rows again; each user
 *      value a forced row replaces is reported in r ("the v1 firmware negotiates only ...")
 *
 * so user values beat the vendor's defaults but never what its firmware does regardless of
 * its settings (the Sakura v1 negotiable set, libipsec's forced UDP encapsulation).
 */
#ifndef VPNLAB_PEERS_PROFILE_PROFILE_H
#define VPNLAB_PEERS_PROFILE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "peers/gw/gw_config.h"

enum profile_rule {
	PROFILE_DEFAULT,        /* what the vendor does unless configured otherwise */
	PROFILE_FORCED,         /* what it does whatever it is configured with */
	PROFILE_INFO,           /* a behaviour enforced elsewhere (API, importer): not applied */
};

/* The setting a quirk row sets; the value text's syntax in brackets. */
enum profile_key {
	PK_IKE_PROPOSALS,       /* ike_policy.ike [strongSwan proposals "aes128-sha1-modp1536,..."] */
	PK_ESP_PROPOSALS,       /* ike_policy.esp [same; the group is the PFS group] */
	PK_SELECT,              /* ike_policy.select [own | peer] */
	PK_LIFE_RULE,           /* ike_policy.life_rule [accept | shorter | exact] */
	PK_RESPONDER_LIFETIME,  /* ike_policy.send_responder_lifetime [yes | no] */
	PK_IKE_LIFETIME,        /* ike_policy.ike_lifetime [seconds] */
	PK_ESP_LIFETIME,        /* ike_policy.esp_lifetime [seconds] */
	PK_SEND_DPD_VID,        /* [yes | no] */
	PK_SEND_NATT_VID,       /* [yes | no] */
	PK_INITIAL_CONTACT,     /* send INITIAL-CONTACT [yes | no] */
	PK_UNIQUE_IC,           /* drop older IKE SAs of a peer on INITIAL-CONTACT [yes | no] */
	PK_FORCE_ENCAP,         /* fake NAT-D: ESP always in UDP 4500 [yes | no] */
	PK_REAUTH_MARGIN,       /* ike_policy.reauth_margin [seconds; 0 = vpnlab's 10%] */
	PK_DPD,                 /* [off | idle | always | respond-only] */
	PK_DPD_NEEDS_VID,       /* send R-U-THERE only if the peer sent the DPD VID [yes | no] */
	PK_DPD_DELAY,           /* [seconds] */
	PK_DPD_TIMEOUT,         /* [seconds] */
	PK_DPD_ACTION,          /* [clear | hold | restart] */
	PK_DF,                  /* gw_dataplane.df [copy | clear | set] */
	PK_FRAG,                /* [pre | post] */
	PK_TUNNEL_MTU,          /* [bytes; 0 = 1500] */
	PK_MSS_CLAMP,           /* [off | tunnel | N] */
	PK_HAIRPIN,             /* [yes | no] */
	PK_REPLAY_WINDOW,       /* [packets; 0 = off] */
	PK_LENIENT_PADDING,     /* [yes | no] */
	PK_SNAT_SPLIT,          /* [yes | no] */
	PK_PHASE1_MODE,         /* INFO: [main | main,aggressive] the exchanges it answers */
	PK_NOTE,                /* INFO: free text */
	PK_COUNT
};

struct profile_quirk {
	enum profile_key key;
	enum profile_rule rule;
	const char *value;      /* the value as text (see enum profile_key) */
	bool unconfirmed;       /* PROFILES.md / the research notes call it UNCONFIRMED */
	const char *source;     /* where it was observed */
	const char *note;       /* what it means, why this value */
};

struct profile {
	const char *name;               /* "sakura-vpc-v1" */
	const char *summary;            /* one line */
	const char *config;             /* what `--config FILE` takes for it, NULL: nothing */
	const struct profile_quirk *quirks;
	size_t nquirks;
};

/* The profiles, in table order; NULL past the end. Borrowed, static. */
const struct profile *profile_at(size_t i);
size_t profile_count(void);
/* By name; NULL when there is none. */
const struct profile *profile_find(const char *name);

const char *profile_key_name(enum profile_key k);       /* "ike-proposals" */
const char *profile_rule_name(enum profile_rule r);     /* "default" / "forced" / "info" */

/* The first INFO / other row of key k in p, NULL if none. */
const struct profile_quirk *profile_quirk_find(const struct profile *p, enum profile_key k);

enum profile_stage {
	PROFILE_STAGE_DEFAULTS, /* step 1 of the precedence rule: DEFAULT and FORCED rows */
	PROFILE_STAGE_FORCED,   /* step 3: FORCED rows only, reporting what they replace */
};

#define PROFILE_REPORT_MAX  16
#define PROFILE_REPORT_TEXT 320

/* What step 3 replaced, and the first error (a bad row names the profile and the key). */
struct profile_report {
	char line[PROFILE_REPORT_MAX][PROFILE_REPORT_TEXT];
	size_t n;
	size_t dropped;
};

/*
 * Apply p's rows of the stage to one connection's policy (pol non-NULL) and to the data plane
 * (dp non-NULL).
 * r may be NULL. Returns 0, or -EINVAL when a row's value does not parse (a table bug, also
 * caught by the unit tests), with the reason in r.
 */
int profile_conn_apply(const struct profile *p, struct ike_policy *pol, struct gw_dataplane *dp,
                       enum profile_stage stage, struct profile_report *r);

/* The same for every connection of c and its data plane; at PROFILE_STAGE_DEFAULTS also records
 * the profile's name in c->profile. */
int profile_apply(const struct profile *p, struct gw_config *c, enum profile_stage stage,
                  struct profile_report *r);

/* A new empty config of profile p: gw_dataplane_default() then p's defaults on the data
 * plane; no connections. */
int profile_config_init(const struct profile *p, struct gw_config *c, struct profile_report *r);

/* A new connection of c (name copied, enabled), its policy set to p's defaults (step 1).
 * NULL when c is full. */
struct gw_conn *profile_conn_add(const struct profile *p, struct gw_config *c, const char *name,
                                 struct profile_report *r);

#endif
