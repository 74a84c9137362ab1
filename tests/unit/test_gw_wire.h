/*
 * test_gw_wire.h: gateways in one process joined by an in-memory wire, for the gateway tests.
 *
 * The wire moves GW_OUT_UDP datagrams to the gateway owning the destination address, parses
 * GW_OUT_IP packets (reassembling outer fragments with peers/ip reasm, as the receiving kernel
 * does) and feeds them to gw_esp_input or gw_udp_input, and keeps every GW_OUT_INNER packet
 * in the sending gateway's sink. Every outer packet is also kept in a capture (its bytes, in
 * order) so tests can look at headers and compare runs.
 */
#ifndef VPNLAB_TESTS_GW_WIRE_H
#define VPNLAB_TESTS_GW_WIRE_H

#include "peers/gw/gw.h"
#include "peers/ip/ip.h"

#define WIRE_GWS   3
#define WIRE_PKTS  4096
#define WIRE_EVS   1024

struct wire_pkt {
	uint8_t *data;
	size_t len;
};

struct wire_gw {
	struct gw *gw;
	struct drbg drbg;
	uint8_t addr[4];
	struct wire_pkt sink[WIRE_PKTS];        /* GW_OUT_INNER, in order */
	size_t nsink;
	struct gw_event ev[WIRE_EVS];
	size_t nev;
	struct wire_pkt cap[WIRE_PKTS];         /* GW_OUT_IP it sent */
	size_t ncap;
	size_t keepalives;                      /* GW_OUT_UDP of one 0xFF byte (RFC 3948 4) */
	struct ike_endpoint keepalive_from, keepalive_to;  /* the last one, as the gateway
	                                                      addressed it (before the NAT) */
	lab_ns keepalive_at;
};

struct wire {
	struct wire_gw g[WIRE_GWS];
	int n;
	lab_ns now;
	struct ip_reasm *reasm;
	uint64_t digest;                        /* over every byte any gateway sent */
	uint64_t nudp, nip;
	bool cut;                               /* drop everything on the wire */
	int natted;                             /* gateway behind a port-translating NAT, or -1:
	                                           its ports 500 and 4500 appear as 1500 and
	                                           14500 (wire_new sets -1) */
	bool print_logs;
	/* When set and true for a UDP datagram gateway `from` sends, the datagram waits in
	 * held[] until wire_release (a message delayed on the way) */
	bool (*hold)(const struct wire *w, int from, const uint8_t *data, size_t len);
	struct wire_held {
		uint8_t *data;
		size_t len;
		struct ike_endpoint from, to;
		int target;
	} held[16];
	int nheld;
};

/* A site: the gateway's address and the LAN behind it. */
void wire_conn(struct gw_conn *c, const char *name, const char *local, const char *remote,
               const char *local_ts, const char *remote_ts, const char *ike, const char *esp,
               bool always_up);
struct wire *wire_new(void);   /* heap: it is large; wire_free frees it */
/* Add a gateway at addr; 0 or the gw_new error (the test asserts). */
int wire_add(struct wire *w, const char *addr, const struct gw_config *cfg, uint64_t seed);
void wire_free(struct wire *w);
/* Move everything until the wire is quiet. */
void wire_shuttle(struct wire *w);
/* Timers and shuttling until lab time end. */
void wire_run(struct wire *w, lab_ns end);
/* Inner IPv4 ICMP echo of total length len from src to dst; returns len. */
size_t wire_ping(uint8_t *out, size_t len, const char *src, const char *dst, bool df,
                 uint16_t seq);
/* Feed an inner packet into gateway k's tunnel interface, then shuttle. */
void wire_send(struct wire *w, int k, const uint8_t *pkt, size_t len);
/* Events of gateway k of this type (and IKE type if GW_EV_IKE) since the start. */
size_t wire_count(const struct wire *w, int k, enum gw_event_type t, int ike_type);
const struct gw_event *wire_find(const struct wire *w, int k, enum gw_event_type t,
                                 int ike_type);
void wire_clear(struct wire *w);        /* forget sinks, events, captures */
/* Deliver the held datagrams (in order), then shuttle. */
void wire_release(struct wire *w);

#endif
