/*
 * scenario_gateway.h: a scenario's simulated gateways (struct sc_gateway in scenario.h, the
 * `gateways:` section of docs/scenario-format.md) turned into what the gateway runs.
 */
#ifndef VPNLAB_HARNESS_SCENARIO_GATEWAY_H
#define VPNLAB_HARNESS_SCENARIO_GATEWAY_H

#include <stddef.h>

#include "harness/scenario.h"
#include "peers/gw/gw_config.h"
#include "peers/profile/profile.h"

/* Config texts one fitelnet-f220 gateway can stack: its config and its reconfigure steps. */
#define SC_GW_TEXTS_MAX 16

/*
 * Resolve one gateway of a loaded (validated) scenario into cfg by the precedence rule of
 * peers/profile/profile.h: the defaults (the profile's; with `config:` the F220 CLI text over
 * them, then the more[0..nmore) texts of reconfigure steps on top, in order), then every key
 * the scenario gives, then what the profile forces. Each value a forced row replaced is a
 * line "[CONN] PROFILE: KEY OLD replaced by NEW: why (where observed)" in forced (NULL: not
 * wanted; lines past PROFILE_REPORT_MAX counted in dropped). more is borrowed.
 * cfg holds pre-shared keys: the caller wipes it (gw_config_wipe). 0, or -EINVAL with err
 * ("FILE:LINE:COL: ...").
 */
int scenario_gateway_resolve(const struct scenario *sc, const struct sc_gateway *g,
                             const char *const *more, size_t nmore, struct gw_config *cfg,
                             struct profile_report *forced, char *err, size_t errlen);

/* The gateway as the scenario starts it: no reconfigure texts, no report. */
int scenario_gateway_config(const struct scenario *sc, const struct sc_gateway *g,
                            struct gw_config *cfg, char *err, size_t errlen);

/* Index of the connection named name, or -1. */
int scenario_gateway_conn(const struct sc_gateway *g, const char *name);

#endif
