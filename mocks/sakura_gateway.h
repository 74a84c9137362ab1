/*
 * sakura_gateway.h: a Sakura VPC router's resolved site-to-site intent (mocks/sakura.h) as a
 * gateway config of the sakura-vpc-v1 or sakura-vpc-v2 profile (peers/profile/profile.h),
 * for the harness's struct sakura_gateway callbacks and for `vpnlab explain --config`.
 *
 * Mapping, per Config[] peer (connection "peer-<Peer>-tunnel-vti", the name charon logs on a
 * version 2 router, seeds/002 l.224):
 *   version 1 / 2                      -> profile sakura-vpc-v1 / sakura-vpc-v2
 *   EncryptionAlgo/HashAlgo/DHGroup    -> v2: the IKE proposal and the ESP proposal with PFS
 *                                         in that group; v1: ignored for negotiation (the
 *                                         firmware's fixed set is forced), reported
 *   IKE.Lifetime / ESP.Lifetime        -> ike_lifetime / esp_lifetime
 *   IKE.DPD.Interval / Timeout         -> dpd_delay / dpd_timeout
 *   global address (Interfaces[0])     -> local endpoint and ID_IPV4_ADDR local ID
 *   Peer / RemoteID / PreSharedSecret  -> remote endpoint / remote ID (ID_IPV4_ADDR when an
 *                                         address, else FQDN: peers are matched by it) / psk
 *   traffic selectors                  -> 0.0.0.0/0 === 0.0.0.0/0: the router is route-based
 *                                         (seeds/002 l.244 for v2; the F220's any/any linked
 *                                         with v1, l.128); Routes and LocalPrefix are
 *                                         routing, not selectors, and not in gw_config
 *   Enabled "False"                    -> connections present but disabled
 *   a stuck migration                  -> no connections (no VPN, no logs)
 * The router answers; whether it also initiates is not documented: vpnlab makes it a
 * responder (UNCONFIRMED).
 */
#ifndef VPNLAB_MOCKS_SAKURA_GATEWAY_H
#define VPNLAB_MOCKS_SAKURA_GATEWAY_H

#include <stddef.h>

#include "mocks/sakura.h"
#include "peers/gw/gw_config.h"
#include "peers/profile/profile.h"

/*
 * Fill out from in. r (may be NULL) gets what the profile overruled, e.g. v1 settings asking
 * for aes256. 0, or -EINVAL with err naming the field. out holds PSKs: the caller wipes it.
 */
int sakura_gateway_config(const struct sakura_intent *in, struct gw_config *out,
                          struct profile_report *r, char *err, size_t errlen);

/*
 * A JSON text of Sakura settings, as a user keeps them: {"Settings":{"Router":{...}}},
 * {"Router":{...}} or the SiteToSiteIPsecVPN object itself, validated as the mock validates
 * a settings update for a router of this version, resolved into *in (defaults as the mock
 * applies them). global_ip is the router's address ("" if unknown). 0 or -EINVAL with err
 * naming the JSON path (or line:column for bad JSON). The caller wipes in.
 */
int sakura_gateway_intent_parse(const char *json, int version, const char *global_ip,
                                struct sakura_intent *in, char *err, size_t errlen);

#endif
