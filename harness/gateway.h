/*
 * gateway.h: one simulated gateway (peers/gw/gw.h) wired to a namespace: its sockets, its
 * tunnel interface, its routes, its timer on the run's loop, and Wireshark key files.
 *
 *   UDP 500 / 4500 per local address --gw_udp_input--\
 *   raw IPPROTO_ESP (protocol 50) ------gw_esp_input--+--> gw --GW_OUT_UDP--> UDP sockets
 *   tunnel interface (tunif) ---------gw_inner_input-/        --GW_OUT_IP---> raw IPPROTO_RAW
 *                                                            --GW_OUT_INNER-> tunnel interface
 *
 * The kernel has no ESP handler here, so protocol 50 goes to raw sockets only (and, having
 * one, the kernel sends no "protocol unreachable"); it reassembles outer fragments before a
 * raw socket sees them, as a real peer does before decrypting. UDP 4500 sockets are plain (no
 * UDP_ENCAP), so ESP-in-UDP arrives as datagrams the gateway tells from IKE by the RFC 3948
 * marker. Outer packets the gateway builds (ESP, ESP-in-UDP, outer fragments) leave through
 * an IP_HDRINCL socket exactly as built.
 *
 * Used by `vpnlab run` (a gateway per scenario gateway, in its node, on the lab clock) and by
 * `vpnlab peer --tunnel` (one gateway in the current namespace, on the real clock).
 *
 * Ownership: the gateway borrows the loop, the netlink socket and the drbg (all outlive it),
 * dups nsfd, and owns its sockets, the tunnel interface's packet socket and the gw.
 */
#ifndef VPNLAB_HARNESS_GATEWAY_H
#define VPNLAB_HARNESS_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/loop.h"
#include "peers/drbg.h"
#include "peers/gw/gw.h"

struct nl_sock;
struct gateway;

typedef void (*gateway_event_fn)(void *ctx, struct gateway *g, const struct gw_event *ev);
typedef void (*gateway_log_fn)(void *ctx, struct gateway *g, const char *line);

struct gateway_opts {
	const char *name;               /* for messages and key files: the node, or "peer" */
	struct loop *loop;
	int nsfd;                       /* the namespace sockets and interfaces are made in */
	struct nl_sock *nl;             /* rtnetlink socket inside that namespace */
	const struct gw_config *cfg;    /* copied by gw_new */
	struct drbg *drbg;
	const char *tunnel;             /* tunnel interface name (<= 10 characters) */
	int tunnel_mtu;                 /* 0 = 1500 */
	/* TSO / checksum offload on the tunnel interface, GSO packets split and merged by
	 * tunif (tunif.h): only where nobody captures the tunnel interface (vpnlab peer) */
	bool offload;
	/* outer datagrams (ESP, IKE) sent by a thread of their own (harness/sendq.h) */
	bool send_thread;
	/* with send_thread: ESP in UDP leaves through the 4500 socket with UDP segmentation
	 * offload, a train of packets per send, and arrives there with UDP_GRO, a train per
	 * read; the kernel then picks the outer ID and fills in the UDP checksum (vpnlab peer;
	 * docs/performance.md) */
	bool udp_gso;
	/*
	 * Routes: each connection's remote selector via the tunnel interface. A 0.0.0.0/0
	 * selector becomes 0.0.0.0/1 + 128.0.0.0/1 (more specific than any default route, so
	 * it stays untouched), plus a host route to the peer by the way the kernel reaches it
	 * now (next hop and interface looked up before), so IKE and ESP still leave by the
	 * uplink.
	 */
	bool routes;
	bool remove_on_close;           /* delete the interface and routes at close (the
	                                   namespace outlives the process: vpnlab peer) */
	const char *keys_dir;           /* append ikev1_decryption_table / esp_sa; NULL = no */
	gateway_event_fn on_event;      /* every gw event; may be NULL */
	gateway_log_fn on_log;          /* charon-like log lines; may be NULL */
	void *ctx;
};

/* Build everything (the gw at loop_now()); nothing is sent yet. 0 or -errno with msg naming
 * what failed. */
int gateway_open(struct gateway **out, const struct gateway_opts *o, char *msg, size_t msglen);
/* Go: initiators start main mode, always_up connections come up. Separate from open so every
 * gateway of a lab has its sockets before the first IKE packet flies. */
void gateway_start(struct gateway *g);

/*
 * A new configuration while running (a mock cloud's API changed it): sockets for new local
 * addresses and tunnel routes for new selectors first, then gw_reconfigure (changed
 * connections restart, removed ones are deleted), new initiators start. 0 or -errno with msg.
 */
int gateway_reconfigure(struct gateway *g, const struct gw_config *cfg, char *msg,
                        size_t msglen);

/* The gw inside, for actions (gw_conn_initiate, gw_conn_seq_restart, ...) and state; after an
 * action call gateway_flush so what it produced goes out and the timer follows. */
struct gw *gateway_gw(struct gateway *g);
void gateway_flush(struct gateway *g);
const char *gateway_name(const struct gateway *g);

/* Counters of the host side: packets the tunnel interface took in / handed to the kernel,
 * outer packets the raw socket could not send. */
struct gateway_io {
	uint64_t tun_rx, tun_tx, send_errors;
	uint64_t tun_rx_dropped;        /* offload frames tunif could not take (tunif.h) */
	/* with udp_gso: UDP GSO sends and the packets they carried; reads of coalesced
	 * datagrams (UDP_GRO) and the packets in them */
	uint64_t gso_sends, gso_segments, gro_reads, gro_segments;
	int last_send_errno;
};
void gateway_io(const struct gateway *g, struct gateway_io *out);

/* An event as a report line: kind ("child_sa_established", "esp_drop", ...) and text (the
 * proposal in strongSwan's notation, SPIs, lifetime, the detail). */
void gateway_event_text(const struct gw_event *ev, char *kind, size_t klen, char *text,
                        size_t tlen);

/* DELETEs for every SA (gw_shutdown) and flush; then gateway_close (after letting the loop
 * carry the peer's answers, when it is a lab gateway too). */
void gateway_shutdown(struct gateway *g);
/* Close sockets, free the gw (wiping its keys); with remove_on_close also the tunnel
 * interface and routes. NULL is fine. */
void gateway_close(struct gateway *g);

#endif
