/*
 * The tunnel interface without TUN: a packet the kernel routes into it reaches vpnlab, and a
 * packet vpnlab delivers reaches the kernel. Needs namespaces (root or a user namespace);
 * skips cleanly where they are refused.
 */
#include "tests/unit/unit.h"
#include "harness/loop.h"
#include "harness/netns.h"
#include "harness/rtnl.h"
#include "harness/tunif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct echo_ctx {
	struct tunif *t;
	int seen;
	uint8_t proto;
};

/* Turn an IPv4 UDP packet around: swap addresses and ports, send it back into the kernel. */
static void reflect(void *ctx, uint8_t *pkt, size_t len)
{
	struct echo_ctx *e = ctx;
	uint8_t b[2048];
	size_t ihl;

	if (len < 28 || len > sizeof b || (pkt[0] >> 4) != 4)
		return;
	e->seen++;
	e->proto = pkt[9];
	memcpy(b, pkt, len);
	ihl = (size_t)(b[0] & 15) * 4;
	memcpy(b + 12, pkt + 16, 4);
	memcpy(b + 16, pkt + 12, 4);
	memcpy(b + ihl, pkt + ihl + 2, 2);
	memcpy(b + ihl + 2, pkt + ihl, 2);
	b[ihl + 6] = b[ihl + 7] = 0;            /* UDP checksum optional over IPv4 */
	tunif_deliver(e->t, b, len);
}

static bool got_reply(void *ctx)
{
	return *(int *)ctx > 0;
}

struct rx_ctx {
	int fd;
	int n;
};

static void on_udp(void *ctx, int fd, uint32_t ev)
{
	struct rx_ctx *r = ctx;
	char buf[64];

	(void)ev;
	while (recv(fd, buf, sizeof buf, 0) > 0)
		r->n++;
}

static void test_roundtrip(void)
{
	struct loop l;
	struct nl_sock *nl;
	struct tunif *t = NULL;
	struct echo_ctx e = { 0 };
	struct rx_ctx r = { -1, 0 };
	struct sc_prefix addr = { .family = AF_INET, .len = 32 };
	struct sc_route rt = { .dst = { .family = AF_INET, .len = 16 }, .dev = "vpn0" };
	struct sockaddr_in me = { .sin_family = AF_INET }, peer = { .sin_family = AF_INET };
	char msg[256] = "";
	int ns, err;

	if (netns_init() || netns_create(&ns)) {
		fprintf(stderr, "(skipped: no network namespaces here) ");
		return;
	}
	/* The real clock: under load the kernel may hand the frame to ksoftirqd, later than the
	 * virtual clock's quiet window, and a jump to the deadline would fail the test. */
	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_REAL) == 0);
	nl = rt_open(ns);
	CU_ASSERT_FATAL(nl != NULL);
	rt_set_up(nl, "lo", true);
	err = tunif_open(&t, &l, ns, nl, "vpn0", 1400, false, reflect, &e, msg, sizeof msg);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	e.t = t;
	inet_pton(AF_INET, "10.1.0.1", addr.addr);
	CU_ASSERT_EQUAL(rt_addr_add(nl, "lo", &addr), 0);
	inet_pton(AF_INET, "10.99.0.0", rt.dst.addr);
	CU_ASSERT_EQUAL(rt_route_add(nl, &rt), 0);
	CU_ASSERT_EQUAL(rt_get_mtu(nl, "vpn0"), 1400);

	netns_enter(ns);
	r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	netns_leave();
	me.sin_port = htons(5555);
	inet_pton(AF_INET, "10.1.0.1", &me.sin_addr);
	CU_ASSERT_EQUAL(bind(r.fd, (struct sockaddr *)&me, sizeof me), 0);
	loop_watch(&l, r.fd, EPOLLIN, on_udp, &r);
	peer.sin_port = htons(7777);
	inet_pton(AF_INET, "10.99.3.4", &peer.sin_addr);
	CU_ASSERT_EQUAL(sendto(r.fd, "hello", 5, 0, (struct sockaddr *)&peer, sizeof peer), 5);
	CU_ASSERT_EQUAL(loop_run(&l, lab_sec(5), got_reply, &r.n), 0);
	CU_ASSERT_EQUAL(e.seen, 1);
	CU_ASSERT_EQUAL(e.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(r.n, 1);                /* the reflected datagram reached the socket */
	/* the kernel may also send IPv6 neighbour discovery of its own into vpn0 */
	CU_ASSERT(tunif_rx_packets(t) >= 1);
	CU_ASSERT_EQUAL(tunif_tx_packets(t), 1);

	loop_unwatch(&l, r.fd);
	close(r.fd);
	tunif_close(t);
	rt_close(nl);
	close(ns);
	loop_fini(&l);
}

/* Batches: frames collected per recvmmsg batch, turned around at the batch's end in one
 * tunif_deliver_batch, with an invalid packet among them. */
#define NB 100

struct batch_ctx {
	struct tunif *t;
	uint8_t pkt[NB][64];
	size_t len[NB], n;
	int batches, failed, last_err;
};

static void collect(void *ctx, uint8_t *pkt, size_t len)
{
	struct batch_ctx *b = ctx;

	/* only our datagrams: the kernel may send its own IPv6 neighbour discovery too */
	if (b->n < NB && len >= 28 && len <= sizeof b->pkt[0] && (pkt[0] >> 4) == 4 &&
	    pkt[9] == IPPROTO_UDP) {
		uint8_t *q = b->pkt[b->n];
		size_t ihl = (size_t)(pkt[0] & 15) * 4;

		memcpy(q, pkt, len);
		memcpy(q + 12, pkt + 16, 4);
		memcpy(q + 16, pkt + 12, 4);
		memcpy(q + ihl, pkt + ihl + 2, 2);
		memcpy(q + ihl + 2, pkt + ihl, 2);
		q[ihl + 6] = q[ihl + 7] = 0;
		b->len[b->n++] = len;
	}
}

static void turn_around(void *ctx)
{
	struct batch_ctx *b = ctx;
	struct tunif_pkt p[NB + 1];
	size_t k = 0;

	b->batches++;
	for (size_t i = 0; i < b->n; i++) {
		p[k++] = (struct tunif_pkt){ b->pkt[i], b->len[i] };
		if (i == 0)
			p[k++] = (struct tunif_pkt){ b->pkt[i], 0 };    /* refused, the rest go */
	}
	b->failed += (int)tunif_deliver_batch(b->t, p, k, &b->last_err);
	b->n = 0;
}

struct order_ctx {
	int n, in_order;
};

static void on_numbered(void *ctx, int fd, uint32_t ev)
{
	struct order_ctx *o = ctx;
	uint8_t buf[64];

	(void)ev;
	while (recv(fd, buf, sizeof buf, 0) == 4) {
		o->in_order += buf[0] == (uint8_t)o->n;
		o->n++;
	}
}

static bool got_all(void *ctx)
{
	return ((struct order_ctx *)ctx)->n >= NB;
}

static void test_batches(void)
{
	static struct batch_ctx b;
	struct order_ctx o = { 0, 0 };
	struct loop l;
	struct nl_sock *nl;
	struct tunif *t = NULL;
	struct sc_prefix addr = { .family = AF_INET, .len = 32 };
	struct sc_route rt = { .dst = { .family = AF_INET, .len = 16 }, .dev = "vpn0" };
	struct sockaddr_in me = { .sin_family = AF_INET }, peer = { .sin_family = AF_INET };
	char msg[256] = "";
	int ns, fd;

	memset(&b, 0, sizeof b);
	if (netns_init() || netns_create(&ns)) {
		fprintf(stderr, "(skipped: no network namespaces here) ");
		return;
	}
	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	nl = rt_open(ns);
	CU_ASSERT_FATAL(nl != NULL);
	rt_set_up(nl, "lo", true);
	CU_ASSERT_EQUAL_FATAL(tunif_open(&t, &l, ns, nl, "vpn0", 1400, false, collect, &b, msg,
	                                 sizeof msg), 0);
	b.t = t;
	tunif_set_batch_done(t, turn_around);
	inet_pton(AF_INET, "10.1.0.1", addr.addr);
	CU_ASSERT_EQUAL(rt_addr_add(nl, "lo", &addr), 0);
	inet_pton(AF_INET, "10.99.0.0", rt.dst.addr);
	CU_ASSERT_EQUAL(rt_route_add(nl, &rt), 0);

	netns_enter(ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	netns_leave();
	me.sin_port = htons(5556);
	inet_pton(AF_INET, "10.1.0.1", &me.sin_addr);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&me, sizeof me), 0);
	loop_watch(&l, fd, EPOLLIN, on_numbered, &o);
	peer.sin_port = htons(7777);
	inet_pton(AF_INET, "10.99.3.4", &peer.sin_addr);
	/* all queued before the loop runs: the packet socket holds them for batches of 32 */
	for (int i = 0; i < NB; i++) {
		uint8_t d[4] = { (uint8_t)i, 1, 2, 3 };

		CU_ASSERT_EQUAL(sendto(fd, d, 4, 0, (struct sockaddr *)&peer, sizeof peer), 4);
	}
	CU_ASSERT_EQUAL(loop_run(&l, lab_sec(5), got_all, &o), 0);
	CU_ASSERT_EQUAL(o.n, NB);
	CU_ASSERT_EQUAL(o.in_order, NB);
	CU_ASSERT(tunif_rx_packets(t) >= NB);  /* and whatever the kernel sent of its own */
	CU_ASSERT_EQUAL(tunif_tx_packets(t), NB);
	CU_ASSERT(b.batches >= (NB + TUNIF_BATCH - 1) / TUNIF_BATCH);
	CU_ASSERT(b.batches < NB);              /* batched, not one call per frame */
	CU_ASSERT_EQUAL(b.failed, b.batches);   /* one refused packet per batch */
	CU_ASSERT_EQUAL(b.last_err, EMSGSIZE);

	loop_unwatch(&l, fd);
	close(fd);
	tunif_close(t);
	rt_close(nl);
	close(ns);
	loop_fini(&l);
}

UNIT_SUITE(tunif, UNIT_TEST(test_roundtrip), UNIT_TEST(test_batches))
