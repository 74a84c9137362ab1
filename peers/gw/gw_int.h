/*
 * gw_int.h: the gateway's private state, shared by gw.c (lifecycle, queues, actions),
 * gw_conn.c (one IKE peer per connection, SA install and hand-over), gw_sel.c (selectors and
 * the routing model), gw_out.c (inner -> outer) and gw_in.c (outer -> inner). Not installed;
 * nothing outside peers/gw/ includes it.
 */
#ifndef VPNLAB_PEERS_GW_GW_INT_H
#define VPNLAB_PEERS_GW_GW_INT_H

#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_table.h"
#include "peers/gw/gw.h"

/* CHILD_SAs one connection holds at once: the current pair, the pair a rekey replaced (its
 * inbound half still accepts until DELETE or expiry), and room for a rekey collision. */
#define GW_CHILD_MAX 4

#define GW_COOKIES   8          /* IKE SAs remembered per connection */
#define GW_OUTQ_MAX  4096       /* packets waiting for gw_output */
#define GW_EVQ_MAX   512
#define GW_LOGQ_MAX  1024
#define GW_LOG_LEN   256

/* The largest IPv4 packet (total length is 16 bits); inner and outer buffers are this size
 * plus the ESP and outer header overhead. */
#define GW_IP_MAX    65535
#define GW_BUF_MAX   (GW_IP_MAX + 512)

/*
 * One CHILD_SA pair. The outbound esp_sa is owned here; the inbound one is owned by the
 * gateway's esp_table and found by spi_in.
 */
struct gw_child {
	bool used;
	uint32_t spi_in, spi_out;
	struct esp_sa *out;             /* owned; NULL once its hard byte lifetime is reached */
	struct ike_endpoint local, remote;      /* outer addresses and ports of the ESP */
	bool udp_encap;
	bool inbound_only;              /* responder between QM2 and QM3: only the inbound SA
	                                   is installed (CHILD_SA_INBOUND); out is NULL and the
	                                   pair does not count as up */
	bool soft_logged;               /* soft byte lifetime reported once */
	uint64_t lifebytes;             /* the engine's kilobyte lifetime in bytes; 0 = none.
	                                   Nonzero: its byte counts go to ike_peer_child_bytes */
	lab_ns created;
	lab_ns lifetime;                /* negotiated (seconds, as lab time) */
	struct ike_prop prop;           /* negotiated transform; group = PFS group */
};

/* A connection at run time: its configuration, its IKE peer and its SAs. */
struct gw_crt {
	struct gw_conn cfg;             /* as configured (with initiator forced for always_up) */
	struct ike_peer *ike;           /* NULL when disabled */
	struct drbg drbg;               /* the IKE engine's stream: "ike/<name>/<generation>" */
	unsigned generation;            /* restarts by gw_reconfigure, so a restart draws fresh
	                                   cookies and SPIs */
	struct gw_child ch[GW_CHILD_MAX];
	int cur;                        /* child used for sending, -1: none */
	bool connecting;                /* main or quick mode under way */
	lab_ns reinit_at;               /* always_up: initiate again at this time */
	enum gw_conn_state state;       /* as last logged */
	bool replacing;                 /* IKE_SA_REAUTHENTICATED seen: the IKE_SA_DELETED that
	                                   follows is the replaced SA, not the connection going */
	lab_ns acquire_after;           /* no acquire before this (back-off after a failure) */
	bool trap;                      /* traffic finding no SA may start a negotiation (a
	                                   trap policy): set for initiating connections, by a
	                                   DPD timeout with action hold, and by an explicit
	                                   initiate; removed by a DPD timeout with action clear */
	uint8_t cookies[GW_COOKIES][8]; /* initiator cookies of its recent IKE SAs (ring), to
	                                   route IKE when two connections share a peer address */
	unsigned ncookies;
	unsigned fresh_mm;              /* new main modes from the peer handed to this one */
	uint64_t packets_in, bytes_in, packets_out, bytes_out, drops;
	uint32_t rekeys, reauths;
};

struct gw_qpkt {
	enum gw_out_kind kind;
	uint8_t *data;                  /* owned, cap bytes; kept with the slot and reused, so a
	                                   packet costs a copy but no allocation */
	size_t cap;
	size_t len;
	struct ike_endpoint from, to;
};

struct gw {
	struct gw_config cfg;
	struct drbg *root;              /* borrowed */
	struct drbg iv_drbg;            /* "esp/iv": ESP IVs */
	struct drbg id_drbg;            /* "ip/id": outer IPv4 identification */
	struct gw_crt *c[GW_MAX_CONNS]; /* owned; separately allocated because each IKE peer
	                                   borrows its crt's drbg */
	size_t n;
	struct esp_table *table;        /* every inbound SA of every connection */
	lab_ns now;

	struct gw_qpkt *outq;           /* outq[head .. n) waiting; [0 .. head) handed out */
	size_t outq_n, outq_head;

	struct gw_event *evq;           /* ring */
	size_t ev_head, ev_n;
	char (*logq)[GW_LOG_LEN];       /* ring */
	size_t log_head, log_n;

	struct gw_stats st;
	struct gw_event ev_scratch;     /* where events go when the ring is full */

	uint8_t inner[GW_BUF_MAX];      /* decrypted packet / fragment scratch */
	uint8_t frags[GW_BUF_MAX * 2];  /* inner fragments */
	uint8_t outer[GW_BUF_MAX];      /* one outer packet before post-fragmentation */
	uint8_t ofrags[GW_BUF_MAX * 2]; /* its fragments */
	uint8_t icmp[128];
};

/* ---- gw.c: queues ---- */
/* Every entry point starts here: frees what gw_output handed out, sets the clock. */
void gw_begin(struct gw *g, lab_ns now);
/* A packet written in place: gw_queue_reserve gives the next slot's buffer (len bytes of
 * room; NULL, counted as a queue drop, when the queue is full or memory is out), valid until
 * gw_queue_commit queues what was written there or another reserve replaces it. */
uint8_t *gw_queue_reserve(struct gw *g, size_t len);
void gw_queue_commit(struct gw *g, enum gw_out_kind kind, size_t len,
                     const struct ike_endpoint *from, const struct ike_endpoint *to);
void gw_queue_pkt(struct gw *g, enum gw_out_kind kind, const uint8_t *data, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to);
struct gw_event *gw_queue_event(struct gw *g, enum gw_event_type type, int conn);
/* A log line "<name>: ..." (name NULL or "": the gateway's own). */
void gw_logf(struct gw *g, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- gw_conn.c ---- */
int gw_crt_start(struct gw *g, int i, lab_ns now);     /* create the IKE peer */
void gw_crt_stop(struct gw *g, struct gw_crt *c);      /* free the IKE peer and every SA */
/* Drain the peer's output, events and logs; events name connection index `report` (-1 for
 * a connection being removed by gw_reconfigure). */
void gw_crt_pump(struct gw *g, struct gw_crt *c, int report);
/* After sending into connection i: when one of its SAs has a kilobyte lifetime, report the
 * byte counts to the engine and drain what it queued (gw_crt_pump); else nothing. */
void gw_crt_bytes(struct gw *g, int i);
void gw_crt_acquire(struct gw *g, int i, lab_ns now);  /* traffic for a connection without SA */
enum gw_conn_state gw_crt_state(const struct gw_crt *c);
void gw_crt_initiate(struct gw *g, int i, lab_ns now);
void gw_crt_timer(struct gw *g, int i, lab_ns now);
lab_ns gw_crt_deadline(const struct gw *g, int i);
struct gw_child *gw_crt_current(struct gw *g, int i);  /* sending child or NULL */
int gw_child_by_spi_in(const struct gw *g, uint32_t spi, int *child);  /* conn or -1 */
/* Remember / look up an IKE SA's initiator cookie as one of connection c's. */
void gw_crt_cookie_note(struct gw_crt *c, const uint8_t icookie[8]);
bool gw_crt_cookie_known(const struct gw_crt *c, const uint8_t icookie[8]);
void gw_crt_ike_input(struct gw *g, int i, const uint8_t *msg, size_t len,
                      const struct ike_endpoint *from, const struct ike_endpoint *to,
                      lab_ns now);

/* ---- gw_sel.c ---- */
bool gw_net_contains(const struct ike_net *n, const uint8_t *addr4);
/* First enabled connection (config order) whose local_ts holds src and remote_ts dst. */
int gw_sel_match(const struct gw *g, const uint8_t src[4], const uint8_t dst[4]);
/* The connection a route lookup for addr would send into: the longest remote_ts holding addr,
 * unless a local_ts holds it at least as specifically (the LAN is connected); -1: none.
 * For a source address it says which tunnel the source lives behind. */
int gw_sel_route(const struct gw *g, const uint8_t addr[4]);

/* ---- gw_out.c ---- */
/* Encrypt one inner IPv4 packet into connection i (size rules, DF, fragmentation). */
void gw_out_send(struct gw *g, int i, uint8_t *pkt, size_t len);
/* dp.mss_clamp applied to a SYN leaving the tunnel through connection i. */
void gw_mss_clamp(struct gw *g, int i, uint8_t *pkt, size_t len);

#endif
