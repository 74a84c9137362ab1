/*
 * gw_config.h: what one simulated VPN gateway is configured with.
 *
 * This is the contract between the places a gateway's configuration comes from and the
 * gateway that runs it:
 *
 *   scenario `gateways:` keys ---\
 *   vendor profiles (defaults) ---+--> struct gw_config --> the gateway (peers/gw/, driven by
 *   FITELnet CLI text -----------/                          the harness on the lab clock)
 *   mock K5 / Sakura API objects /
 *
 * Everything a vendor does differently is a field here (IKE behaviour in struct ike_policy,
 * data-plane behaviour in struct gw_dataplane), never a vendor `if` in the gateway code.
 * Plain data: no pointers, so a config can be copied, compared and wiped as a whole.
 * It holds pre-shared keys: whoever fills one wipes it with gw_config_wipe().
 */
#ifndef VPNLAB_PEERS_GW_CONFIG_H
#define VPNLAB_PEERS_GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "peers/esp/esp_path.h"
#include "peers/ike/ike_peer.h"

/* K5 allows 20 site connections per VPN service; a few more so the 21st can be refused by
 * the API rather than by this limit. */
#define GW_MAX_CONNS 24
#define GW_NAME_MAX  32

/* Where a packet too big for the tunnel is fragmented (research notes section 5). */
enum gw_frag {
	GW_FRAG_PRE,            /* fragment the inner packet, encrypt each fragment (default) */
	GW_FRAG_POST,           /* encrypt the whole inner packet, fragment the outer ESP packet
	                           (FITELnet `set ip fragment post`) */
};

struct gw_dataplane {
	enum esp_df_mode df;            /* outer DF: copy (default), clear (`set ip df-bit 0`), set */
	enum gw_frag frag;
	uint32_t tunnel_mtu;            /* MTU of the tunnel interface (kernel-libipsec: 1400);
	                                   0 = 1500 */
	uint32_t uplink_mtu;            /* MTU of the link the outer packets leave on (a PPPoE
	                                   line: 1454); 0 = 1500. The ESP overhead is taken from
	                                   it: an inner packet fits when its ESP packet does */
	int mss_clamp;                  /* clamp SYNs through the tunnel: -1 off, 0 to the tunnel's
	                                   inner MTU, N to N */
	bool hairpin;                   /* allow tunnel -> tunnel forwarding (K5 refuses it) */
	uint32_t replay_window;         /* inbound anti-replay window in packets; 0 = off */
	bool lenient_padding;           /* inbound: accept any ESP pad bytes, not only 1,2,3,...
	                                   (libipsec is strict) */
	bool snat_split;                /* traffic outside the selectors leaves the uplink with
	                                   source NAT to the gateway's address (K5 split tunnel) */
};

/* One site connection (IKE peer) of the gateway. */
struct gw_conn {
	char name[GW_NAME_MAX];         /* "to-vpc", a K5 connection id, a FITELnet crypto map */
	struct ike_policy ike;          /* proposals, identities, PSK, lifetimes, DPD, NAT-T, ... */
	bool always_up;                 /* initiate at start and again whenever the SA goes away
	                                   (FITELnet `always-up`, K5 initiator bi-directional) */
	bool enabled;                   /* admin state; a disabled connection never negotiates */
};

struct gw_config {
	char profile[GW_NAME_MAX];      /* profile name, for reports; "" = none */
	struct gw_dataplane dp;
	struct gw_conn conns[GW_MAX_CONNS];
	size_t nconns;
};

/* The data plane of a plain RFC gateway: DF copied, pre-fragmentation, no tunnel MTU, no MSS
 * clamp, no hairpin, a 64-packet replay window (RFC 4303 3.4.3 suggests at least 32; 64 is
 * the common default), strict padding, no SNAT. */
static inline void gw_dataplane_default(struct gw_dataplane *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->df = ESP_DF_COPY;
	dp->frag = GW_FRAG_PRE;
	dp->mss_clamp = -1;
	dp->replay_window = 64;
}

/* Wipe every secret (and everything else) in c. */
static inline void gw_config_wipe(struct gw_config *c)
{
	explicit_bzero(c, sizeof(*c));
}

#endif
