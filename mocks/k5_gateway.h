/*
 * k5_gateway.h: a K5 site connection's resolved intent (mocks/k5.h) as a connection of a
 * gateway config of the k5-vpnaas profile (peers/profile/profile.h), for the harness's
 * struct k5_gateway callbacks.
 *
 * Mapping (neutron-vpnaas semantics, research k5-api §4.2, ikev1 §6.4):
 *   ikepolicy encryption / auth / pfs      -> one IKE proposal (the ikepolicy's pfs is the
 *                                            phase-1 DH group, as neutron's strongSwan driver
 *                                            renders it: ike=aes128-sha1-modp1536)
 *   ipsecpolicy encryption / auth / pfs    -> one ESP proposal with that PFS group
 *   lifetimes (seconds)                    -> ike_lifetime / esp_lifetime
 *   dpd action / interval / timeout        -> dpd_action, dpd_delay, dpd_timeout
 *                                            (action "disabled": DPD off)
 *   initiator bi-directional|response-only -> initiator and always_up | responder only
 *   peer_address / peer_id                 -> remote endpoint port 500 / remote ID
 *                                            (ID_IPV4_ADDR when it is an address, else FQDN)
 *   floating IP, else the router's gateway -> local endpoint (K5's IPsec endpoint; neither:
 *                                            local.family 0, the lab's address)
 *   local subnet / peer_cidrs              -> local_ts / remote_ts (K5: one each)
 *   psk, admin_state_up                    -> psk, enabled
 * Not mapped: mtu (per connection in neutron, while a gateway has one data plane).
 * aggressive phase-1 mode and IKEv2 are refused (-ENOTSUP): the engine does IKEv1 main mode.
 */
#ifndef VPNLAB_MOCKS_K5_GATEWAY_H
#define VPNLAB_MOCKS_K5_GATEWAY_H

#include <stddef.h>

#include "mocks/k5.h"
#include "peers/gw/gw_config.h"

/* An empty gateway config of the k5-vpnaas profile. 0 or -EINVAL (profile table broken). */
int k5_gateway_config_init(struct gw_config *c);

/*
 * Add the connection of in, or replace the one with the same id (its name: the id's first
 * GW_NAME_MAX - 1 characters). 0, or -EINVAL / -ENOTSUP / -ENOSPC with err naming the field.
 * c holds the PSK afterwards: the caller wipes it (gw_config_wipe).
 */
int k5_gateway_conn_set(struct gw_config *c, const struct k5_conn_intent *in, char *err,
                        size_t errlen);

/*
 * K5 policies as the API returns them (GET /v2.0/vpn/ikepolicies/ID and .../ipsecpolicies/ID):
 * one JSON object holding "ikepolicy" and/or "ipsecpolicy", onto pol's proposals and
 * lifetimes, with neutron's defaults for a missing attribute (aes-128, sha1, group5, 3600 s).
 * For `vpnlab explain --profile k5-vpnaas --config FILE`. Values are mapped as by
 * k5_gateway_conn_set; the K5 API rules themselves (sha1 only, ...) are the mock API's to
 * enforce, not re-checked here. 0, or -EINVAL / -ENOTSUP with err naming the attribute.
 */
int k5_gateway_policies_parse(const char *json, struct ike_policy *pol, char *err,
                              size_t errlen);

/* Remove the connection of conn_id; 0 or -ENOENT. */
int k5_gateway_conn_remove(struct gw_config *c, const char *conn_id);

#endif
