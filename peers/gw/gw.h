/*
 * gw.h: one simulated VPN gateway, sans I/O: IKE peers (one per site connection) plus the
 * userspace ESP data plane between a tunnel interface and the uplink.
 *
 *                 inner packets                          outer packets
 *   hosts --> [tunnel interface] --gw_inner_input--> gw --GW_OUT_IP / GW_OUT_UDP--> uplink
 *   hosts <-- [tunnel interface] <--GW_OUT_INNER---- gw <--gw_udp_input / gw_esp_input--
 *
 * The harness owns the sockets (UDP 500 and 4500, a raw IPv4 socket for ESP and for the outer
 * packets the gateway builds itself), the tunnel interface (harness/tunif.c) and the clock; it
 * feeds what arrives into the gateway and sends what the gateway hands back, then arms a timer
 * at gw_deadline(). Nothing here reads a clock or opens a socket; all randomness (IKE values,
 * ESP IVs, outer IPv4 IDs) comes from the drbg, so the same seed gives the same bytes.
 *
 * What the vendor does differently is in struct gw_config (gw_config.h); nothing here names
 * a vendor.
 */
#ifndef VPNLAB_PEERS_GW_GW_H
#define VPNLAB_PEERS_GW_GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers/drbg.h"
#include "peers/esp/esp_sa.h"
#include "peers/gw/gw_config.h"
#include "peers/ike/ike_peer.h"
#include "peers/labtime.h"

struct gw;

/* Ownership: the gateway copies cfg (the caller may wipe its copy); it borrows drbg for its
 * lifetime. 0, or -EINVAL with err naming the bad field, -ENOMEM. */
int gw_new(struct gw **out, const struct gw_config *cfg, struct drbg *drbg, lab_ns now,
           char *err, size_t errlen);
/* Deletes nothing on the wire (call gw_shutdown first for that); wipes every key. */
void gw_free(struct gw *g);

/*
 * Apply a new configuration: connections are matched by name; a new one starts, a removed
 * one is deleted (DELETE sent), a changed one is torn down and started again (struct gw_conn
 * compared byte for byte: fill configurations from zeroed memory). The data-plane settings
 * take effect for the next packet. 0 or -EINVAL with err.
 */
int gw_reconfigure(struct gw *g, const struct gw_config *cfg, lab_ns now, char *err,
                   size_t errlen);

/* ---- input ---- */

/* A datagram a UDP socket of the gateway received (port 500, or 4500 where the RFC 3948
 * non-ESP marker tells IKE from ESP-in-UDP and a lone 0xff is a NAT keepalive). */
void gw_udp_input(struct gw *g, const uint8_t *data, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now);
/* The payload of an IP protocol 50 packet (after the outer header; the kernel has reassembled
 * outer fragments, as a real peer does before decrypting). */
void gw_esp_input(struct gw *g, const uint8_t *esp, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now);
/* An IP packet the kernel routed into the tunnel interface. */
void gw_inner_input(struct gw *g, const uint8_t *pkt, size_t len, lab_ns now);
/* The same without the copy: the gw rewrites pkt in place (MSS clamping) while it runs, and
 * keeps no pointer into it after. */
void gw_inner_input_inplace(struct gw *g, uint8_t *pkt, size_t len, lab_ns now);

/* Timers: call gw_timer when the lab clock reaches gw_deadline() (LAB_NEVER: none). */
void gw_timer(struct gw *g, lab_ns now);
lab_ns gw_deadline(const struct gw *g);

/* ---- output ---- */

enum gw_out_kind {
	GW_OUT_UDP,     /* a datagram for the UDP socket bound to `from` (IKE, with the non-ESP
	                   marker on 4500), or a NAT keepalive: one 0xFF byte from 4500 to the
	                   peer's 4500, sent by the engine when NAT-D shows this gateway behind
	                   a NAT (ike.natt_keepalive, RFC 3948 4) */
	GW_OUT_IP,      /* a complete outer IPv4 packet (header, and UDP for encapsulated ESP),
	                   possibly one fragment of one (post-fragmentation): send as is through
	                   the raw socket; DF, ID and checksum already set */
	GW_OUT_INNER,   /* an IP packet for the tunnel interface: decrypted traffic, or an ICMP
	                   error the gateway answers a local sender with (fragmentation needed) */
};

struct gw_pkt {
	enum gw_out_kind kind;
	const uint8_t *data;            /* borrowed until the next gw_* call other than
	                                   gw_output, gw_event_next and gw_log_next: every
	                                   packet of one drain stays valid together, so a
	                                   caller can send them in one batch (sendmmsg) */
	size_t len;
	struct ike_endpoint from, to;   /* GW_OUT_UDP */
};

/* Next packet to send; false when there is none. Drain after every input and timer call. */
bool gw_output(struct gw *g, struct gw_pkt *out);

/* A gateway event: an IKE event of one connection (with its index and name), or a data-plane
 * one. Drain after every call like the packets. */
enum gw_event_type {
	GW_EV_IKE,              /* ike holds the engine's event */
	GW_EV_ESP_DROP,         /* an inbound ESP packet was refused: detail says why (verdict,
	                           SPI, sequence number) */
	GW_EV_HAIRPIN_DROP,     /* a packet from one tunnel would have gone into another */
	GW_EV_NO_SA,            /* an inner packet matched a connection that has no SA (yet) */
	GW_EV_FRAG_NEEDED,      /* DF set and too big: dropped, ICMP 3/4 with mtu sent back */
};

struct gw_event {
	enum gw_event_type type;
	lab_ns time;
	int conn;                       /* index into the config's conns, or -1 */
	char conn_name[GW_NAME_MAX];
	struct ike_event ike;           /* GW_EV_IKE */
	uint32_t mtu;                   /* GW_EV_FRAG_NEEDED */
	char detail[192];
};

bool gw_event_next(struct gw *g, struct gw_event *out);
/* charon-like log lines of every connection, prefixed with the connection name. */
bool gw_log_next(struct gw *g, char *line, size_t len);

/* ---- state, for the mocks' status endpoints and the run report ---- */

enum gw_conn_state {
	GW_CONN_DOWN,           /* nothing negotiated (or disabled) */
	GW_CONN_CONNECTING,     /* main or quick mode under way */
	GW_CONN_UP,             /* at least one CHILD_SA installed */
};

struct gw_conn_stats {
	enum gw_conn_state state;
	uint32_t spi_in, spi_out;       /* current CHILD_SA; 0 if none */
	uint64_t packets_in, bytes_in;  /* inner packets/bytes, all SAs of the connection */
	uint64_t packets_out, bytes_out;
	uint64_t drops;                 /* inbound ESP refused (replay, ICV, ...) */
	uint32_t rekeys, reauths;
};

size_t gw_conn_count(const struct gw *g);
int gw_conn_find(const struct gw *g, const char *name);        /* index or -1 */
void gw_conn_stats(const struct gw *g, int conn, struct gw_conn_stats *out);

/* The connection's current CHILD_SA (the one it sends on) as a status display shows it
 * (FITELnet `show crypto sa`). It holds the SA's keys: wipe it (explicit_bzero) after use. */
struct gw_sa_info {
	uint32_t spi_in, spi_out;
	struct ike_endpoint local, remote;      /* outer addresses and ports of the ESP */
	bool udp_encap;
	struct ike_prop prop;                   /* negotiated; group = PFS group, 0 = none */
	struct ike_net local_ts, remote_ts;     /* the connection's selectors */
	lab_ns created, lifetime;               /* installed at; negotiated lifetime */
	bool initiator;                         /* the connection is configured to initiate */
	struct esp_sa_stats in, out;            /* this SA pair's own counters */
	uint8_t enc_in[32], enc_out[32], auth_in[64], auth_out[64];
	size_t enc_len, auth_len;
	unsigned ike_sas;                       /* ISAKMP SAs of the connection established */
};

/* false (and *out zeroed) when the connection has no CHILD_SA to send on. */
bool gw_conn_sa(const struct gw *g, int conn, struct gw_sa_info *out);

struct gw_stats {
	uint64_t hairpin_drops, no_sa_drops, frag_needed, fragments_out, esp_drops;
	uint64_t no_match_drops;        /* inner packets no connection's selectors match */
	uint64_t hairpin_forwards;      /* tunnel -> tunnel packets passed (dp.hairpin) */
	uint64_t queue_drops;           /* packets/events/log lines lost: the caller did not
	                                   drain gw_output / gw_event_next / gw_log_next */
};
void gw_stats(const struct gw *g, struct gw_stats *out);

/* ---- actions (scenario steps, mock API calls) ---- */

/* Start main mode for one connection now (if not up); also gives back the trap policy of an
 * initiating connection that a DPD timeout with action clear removed. */
void gw_conn_initiate(struct gw *g, int conn, lab_ns now);
/* Delete one connection's SAs (DELETE notifies sent); always_up brings it back. */
void gw_conn_down(struct gw *g, int conn, lab_ns now);
/* The connection's IKE side restarts (a router's "clear crypto" or a config commit that
 * re-establishes, the F220 of seeds/002 l.203): its IKE_SAs and CHILD_SAs are forgotten with no
 * DELETE sent, so the peer still holds them; a new IKE peer starts (always-up initiates
 * again, INITIAL-CONTACT in MM5 as the profile sends it) and, once its CHILD_SA is up, sends
 * DELETEs for the forgotten inbound SPIs (ike_peer_forgotten). */
void gw_conn_restart(struct gw *g, int conn, lab_ns now);
/* The next outbound ESP sequence number of the connection's current SA := next (a fail-over
 * that restarts at 1). 0 or -ENOENT (no SA), -EINVAL. */
int gw_conn_seq_restart(struct gw *g, int conn, uint32_t next);
/* Delete every SA of every connection (DELETEs go out). */
void gw_shutdown(struct gw *g, lab_ns now);

#endif
