/*
 * gateway_show.h: a running gateway's SA state as its vendor's status command prints it.
 * For now the one the field note shows: FITELnet `show crypto sa` (peers/fitelnet/
 * fitelnet_show_sa.h), built from the gateway's real SA state (gw_conn_sa).
 */
#ifndef VPNLAB_HARNESS_GATEWAY_SHOW_H
#define VPNLAB_HARNESS_GATEWAY_SHOW_H

#include "peers/gw/gw.h"

/*
 * `show crypto sa` of gateway w at lab time now: one IPSEC SA block per connection with a
 * CHILD_SA, then the totals. A malloc'ed text the caller frees (it holds the SA keys, as the
 * router's output does: wipe it first); NULL on OOM. A connection whose transform an F220
 * cannot have (not AES/3DES with HMAC-SHA1/SHA-256) is left out and counted in *skipped.
 */
char *gateway_show_crypto_sa(const struct gw *w, lab_ns now, size_t *skipped);

#endif
