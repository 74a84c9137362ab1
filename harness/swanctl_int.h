/*
 * swanctl_int.h: private to harness/swanctl_*.c: how gw_config values are written for charon
 * (identities, addresses, selectors, lifetimes), shared by the check (swanctl_check.c) and
 * the renderer (swanctl_conf.c).
 */
#ifndef VPNLAB_HARNESS_SWANCTL_INT_H
#define VPNLAB_HARNESS_SWANCTL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers/gw/gw_config.h"

/* kernel-libipsec's fixed TUN MTU and replay window (kernel_libipsec_plugin.c TUN_DEFAULT_MTU,
 * libipsec/esp_context.c ESP_DEFAULT_WINDOW_SIZE, 5.9.8): neither is configurable. */
#define LIBIPSEC_MTU    1400
#define LIBIPSEC_WINDOW 128

/* Lifetimes as charon's settings, in seconds. */
struct lifetimes {
	uint64_t ike_reauth, ike_over, ike_rand;        /* seconds */
	uint64_t child_life, child_rekey, child_rand;
};

lab_ns swanctl_ike_life(const struct ike_policy *p);    /* 0 -> 8 h */
/* DPD interval: 0 means what the simulated peers take for 0 (ike_peer.c: 30 s), so a
 * profile that switches DPD on without an interval means the same on both kinds. */
lab_ns swanctl_dpd_delay(const struct ike_policy *p);
lab_ns swanctl_esp_life(const struct ike_policy *p);    /* 0 -> 1 h */
void swanctl_lifetimes(const struct ike_policy *p, struct lifetimes *l);

/* An ISAKMP identity as swanctl/VICI text; type 0: the endpoint's address (local) or %any
 * (remote). 0, or -EINVAL with why. */
int swanctl_id_text(uint8_t type, const uint8_t *d, size_t len, const struct ike_endpoint *ep,
                    bool local, char *out, size_t outlen, char *why, size_t whylen);
/* An endpoint address ("%any" for all zeros) / a subnet "ADDR/LEN". 0 or -EINVAL. */
int swanctl_addr_text(const struct ike_endpoint *e, char *out, size_t len);
int swanctl_net_text(const struct ike_net *n, char *out, size_t len);

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

#endif
