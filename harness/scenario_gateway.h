/*
 * scenario_gateway.h: a scenario's simulated gateways (struct sc_gateway in scenario.h, the
 * `gateways:` section of docs/scenario-format.md) turned into what the gateway runs.
 */
#ifndef VPNLAB_HARNESS_SCENARIO_GATEWAY_H
#define VPNLAB_HARNESS_SCENARIO_GATEWAY_H

#include <stddef.h>

#include "harness/scenario.h"
#include "peers/gw/gw_config.h"

/*
 * Resolve one gateway of a loaded (validated) scenario into cfg: the defaults first (the one
 * call site where a vendor profile will supply them), then every key the scenario gives.
 * cfg holds pre-shared keys: the caller wipes it (gw_config_wipe). 0, or -EINVAL with err
 * ("FILE:LINE:COL: ...").
 */
int scenario_gateway_config(const struct scenario *sc, const struct sc_gateway *g,
                            struct gw_config *cfg, char *err, size_t errlen);

/* Index of the connection named name, or -1. */
int scenario_gateway_conn(const struct sc_gateway *g, const char *name);

#endif
