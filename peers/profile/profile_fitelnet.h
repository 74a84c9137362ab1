/*
 * profile_fitelnet.h: an F220's own CLI configuration text as a gateway config of the
 * fitelnet-f220 profile.
 *
 * The text is parsed, checked and resolved by peers/fitelnet/ (fitelnet_config.h,
 * fitelnet_intent.h); this maps each resolved crypto map onto one connection, following the
 * precedence rule of profile.h (profile defaults, then the config, then what the profile
 * forces). Mapping, per crypto map:
 *
 *   isakmp policy encryption/hash/group   -> ike proposals, in the importer's order
 *   ipsec policy transform + set pfs       -> esp proposals (the group is the PFS group)
 *   isakmp lifetime / SA lifetime seconds  -> ike_lifetime / esp_lifetime (global or per policy)
 *   SA lifetime kilobytes                  -> esp_lifebytes
 *   set peer / local-address               -> remote / local endpoint, port 500 (no
 *                                             local-address: local.family 0, the lab's address)
 *   self-identity address                  -> local ID, ID_IPV4_ADDR
 *   local-key                              -> psk
 *   keepalive interval N [always-send]     -> DPD every N s, `always` or `idle`
 *   set security-association always-up     -> always_up and initiator
 *   set ip df-bit 0|1, set ip fragment post -> data plane ESP_DF_CLEAR|SET, GW_FRAG_POST
 *   selector src/dst                       -> local_ts / remote_ts (one entry each)
 *
 * The data plane is per gateway, the df-bit and fragment settings per ipsec policy: maps whose
 * policies disagree are an error, as is a selector with more than one src or dst entry (the
 * engine carries one traffic selector per side). Errors are "NAME:LINE:COL: ..." in d.
 */
#ifndef VPNLAB_PEERS_PROFILE_FITELNET_H
#define VPNLAB_PEERS_PROFILE_FITELNET_H

#include <stddef.h>

#include "peers/fitelnet/fitelnet_diag.h"
#include "peers/fitelnet/fitelnet_intent.h"
#include "peers/gw/gw_config.h"

/*
 * Apply the texts in order onto one F220 config (the field story: config 1, later the changes
 * of config 2), resolve it with opts (NULL: fitelnet_resolve_opts_default) and fill out.
 * names label the diagnostics. Returns 0, -EINVAL (errors in d), -ENOMEM, -E2BIG.
 * out holds pre-shared keys: the caller wipes it with gw_config_wipe(); on error it is wiped.
 */
int profile_fitelnet_configs(const char *const *texts, const char *const *names, size_t n,
                             const struct fitelnet_resolve_opts *opts, struct gw_config *out,
                             struct fitelnet_diags *d);

/* One text. */
int profile_fitelnet_config(const char *text, const char *name, struct gw_config *out,
                            struct fitelnet_diags *d);

#endif
