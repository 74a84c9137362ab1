/*
 * lab.h: the lab of one run: a namespace per node, veths, segments, addresses, routes,
 * packet rules and a capture on every link end, built from a scenario and torn down without
 * a trace.
 *
 * Ownership: the lab borrows the scenario and the loop (both outlive it) and owns everything
 * else: namespace fds, netlink sockets, captures.
 */
#ifndef VPNLAB_HARNESS_LAB_H
#define VPNLAB_HARNESS_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/loop.h"
#include "harness/scenario.h"

struct nl_sock;
struct capture;

struct lab_iface {
	char name[SC_IFNAME_MAX];
	struct lab_node *node;
	struct sc_prefix addrs[SC_ADDRS_MAX];
	int naddrs;
	int mtu;
	struct capture *cap;            /* NULL for a segment's bridge ports */
	uint64_t frames, drops;         /* set when the capture closes */
	char peer[SC_NAME_MAX + SC_IFNAME_MAX + 1];     /* "node:iface" or "segment" */
};

struct lab_node {
	char name[SC_NAME_MAX];
	bool is_segment;                /* a hidden namespace holding a bridge */
	int nsfd;
	struct nl_sock *nl;
	const struct sc_node *sc;       /* NULL for segments */
	bool *filter_on;                /* current state of sc->filters[i] */
	struct lab_iface *ifaces;
	size_t nifaces, capifaces;
};

struct lab_opts {
	const char *outdir;             /* captures go to OUTDIR/captures/ */
	bool capture;                   /* false only for benchmarks */
	int64_t epoch_us;               /* wall time lab time 0 stands for, in pcap timestamps */
};

struct lab {
	const struct scenario *sc;
	struct loop *loop;
	struct lab_opts opts;
	struct lab_node *nodes;         /* scenario nodes first, then segments */
	size_t nnodes;
	int ring_bytes;                 /* capture ring per link end */
};

/* Build the whole lab. On failure everything made so far is torn down and msg says what
 * failed, naming the node, interface and the scenario position. 0 or -errno. */
int lab_build(struct lab *lab, const struct scenario *sc, struct loop *loop,
              const struct lab_opts *opts, char *msg, size_t msglen);

/* Close captures (flushing every pcap), sockets and namespaces. Idempotent. The node and
 * interface records (with capture frame counts) stay readable until lab_free. */
void lab_teardown(struct lab *lab);
void lab_free(struct lab *lab);

struct lab_node *lab_node(struct lab *lab, const char *name);
struct lab_iface *lab_iface(struct lab *lab, const char *node, const char *iface);

/* The address a probe target stands for, of family (AF_INET / AF_INET6 / 0 = IPv4 first).
 * 0 or -ENOENT. */
int lab_resolve(struct lab *lab, const struct sc_target *t, int family, struct sc_prefix *out);

/* Record an interface made after the lab (a gateway's tunnel interface) and capture it to
 * OUTDIR/captures/NODE-IFNAME.pcap like any link end. peer says what is behind it. 0 or
 * -errno with msg. */
int lab_capture_add(struct lab *lab, const char *node, const char *ifname, const char *peer,
                    int mtu, char *msg, size_t msglen);

/* The fixed MAC address vpnlab gives node:iface. */
void lab_mac(const char *node, const char *iface, uint8_t mac[6]);

/* Steps. 0 or -errno with msg. */
int lab_link_set(struct lab *lab, const char *node, const char *iface, int up, int mtu,
                 char *msg, size_t msglen);
int lab_filter_set(struct lab *lab, const char *node, const char *filter, bool enabled,
                   char *msg, size_t msglen);

#endif
