/*
 * gateway.c: a gw driven on the loop through real sockets and a tunnel interface (see
 * gateway.h).
 */
#include "harness/gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <netlink/errno.h>

#include "harness/netns.h"
#include "harness/rtnl.h"
#include "harness/sendq.h"
#include "harness/tunif.h"

#define GW_ROUTES_MAX (3 * GW_MAX_CONNS)
#define TUNNEL_IF_MTU 9000
#define GW_SOCK_RCVBUF (4 << 20)
#define GW_SOCK_SNDBUF (1 << 20)
/* Datagrams read per recvmmsg, and packets per sendmmsg: a TCP stream through the tunnel
 * comes in bursts, and one system call per burst instead of per packet is most of what
 * userspace can save on the way (the rest is the kernel's forwarding, docs/performance.md). */
#define GW_BATCH 32
/* Packets one drain queues before they go out: a TCP segment train split from one GSO
 * packet (up to 45 of 1448 bytes) stays together, so it can leave as one UDP GSO send. */
#define GW_TX_BATCH 64
#define GW_RX_SLOT 65536
#define GW_SENDQ_RING (8 << 20)
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* What one drain of the gw sends, grouped into runs for one socket (order is kept). */
struct gw_txq {
	enum gw_out_kind kind;
	int fd;
	size_t n;
	struct mmsghdr m[GW_TX_BATCH];
	struct iovec iov[GW_TX_BATCH];
	struct sockaddr_storage to[GW_TX_BATCH];
	struct tunif_pkt inner[GW_TX_BATCH];
};

/* The UDP sockets of one local address. */
struct gw_udp {
	struct ike_endpoint local;
	int fd500, fd4500;
};

struct gateway {
	char name[64];
	char tunnel[16];
	char keys_dir[256];
	int tunnel_mtu;                 /* on the tunnel routes; the interface takes more */
	struct loop *loop;
	int nsfd;
	struct nl_sock *nl;
	bool remove_on_close;
	gateway_event_fn on_event;
	gateway_log_fn on_log;
	void *ctx;
	struct gw *gw;
	struct tunif *tun;
	struct gw_udp udp[GW_MAX_CONNS];
	size_t nudp;
	int esp_fd, raw_fd;
	struct loop_timer timer;
	struct sc_route routes[GW_ROUTES_MAX];  /* added, for remove_on_close */
	size_t nroutes;
	bool have_outside;              /* outside: the path a pinned peer route took (next hop,
	                                   interface), for peers a reconfiguration adds once the
	                                   tunnel's 0/1 + 128/1 routes cover every lookup */
	struct sc_route outside;
	struct gateway_io io;
	bool initiate[GW_MAX_CONNS];    /* initiators, started by gateway_start */
	/* receive batch: GW_BATCH datagrams of up to GW_RX_SLOT bytes (owned; pages are only
	 * touched as far as datagrams reach) */
	uint8_t *rx;
	struct mmsghdr rmsg[GW_BATCH];
	struct iovec riov[GW_BATCH];
	struct sockaddr_storage rfrom[GW_BATCH];
	union {                         /* per datagram: UDP_GRO's segment size */
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} rctl[GW_BATCH];
	struct gw_txq tx;
	struct sendq *sq;               /* NULL: outer datagrams sent from the loop thread */
	bool udp_gso;                   /* gateway_opts.udp_gso, with sq */
};

static void sa_of(const struct ike_endpoint *e, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof *ss);
	if (e->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(e->port);
		memcpy(&s4->sin_addr, e->addr, 4);
		*sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(e->port);
		memcpy(&s6->sin6_addr, e->addr, 16);
		*sl = sizeof *s6;
	}
}

static bool endpoint_same_addr(const struct ike_endpoint *a, const struct ike_endpoint *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/* A socket inside the gateway's namespace. Receive buffers are made roomy: a TCP stream
 * through the tunnel arrives in bursts, and a datagram dropped on a full buffer is lost to
 * the tunnel (best effort: the FORCE variant needs CAP_NET_ADMIN, the plain one is capped
 * by net.core.rmem_max). */
static int ns_socket(struct gateway *g, int family, int type, int proto)
{
	int fd, err = netns_enter(g->nsfd), size = GW_SOCK_RCVBUF;

	if (err)
		return err;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	err = fd < 0 ? -errno : fd;
	netns_leave();
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	/* a batch of sends must not run out of send buffer halfway (EAGAIN drops the rest) */
	size = GW_SOCK_SNDBUF;
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	return err;
}

static void append_line(struct gateway *g, const char *file, const char *line)
{
	char path[512];
	FILE *f;

	if (!g->keys_dir[0])
		return;
	snprintf(path, sizeof path, "%s/%s", g->keys_dir, file);
	/* Both ends of a lab tunnel report the same SA: one line each is enough. */
	f = fopen(path, "r");
	if (f) {
		char have[512];
		bool dup = false;

		while (!dup && fgets(have, sizeof have, f)) {
			have[strcspn(have, "\n")] = 0;
			dup = !strcmp(have, line);
		}
		fclose(f);
		if (dup)
			return;
	}
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
}

static void key_files(struct gateway *g, const struct gw_event *ev)
{
	const struct ike_event *e = &ev->ike;
	char line[400];

	if (ev->type != GW_EV_IKE)
		return;
	if (e->type == IKE_EV_IKE_SA_ESTABLISHED && e->keyline[0])
		append_line(g, "ikev1_decryption_table", e->keyline);
	if (e->type == IKE_EV_CHILD_SA_ESTABLISHED || e->type == IKE_EV_CHILD_SA_REKEYED) {
		ike_esp_sa_line(&e->remote, &e->local, &e->prop, &e->in, line, sizeof line);
		append_line(g, "esp_sa", line);
		ike_esp_sa_line(&e->local, &e->remote, &e->prop, &e->out, line, sizeof line);
		append_line(g, "esp_sa", line);
	}
}

static int udp_fd(const struct gateway *g, const struct ike_endpoint *from)
{
	for (size_t i = 0; i < g->nudp; i++)
		if (endpoint_same_addr(&g->udp[i].local, from))
			return from->port == 4500 ? g->udp[i].fd4500 : g->udp[i].fd500;
	return -1;
}

static void send_error(struct gateway *g, int err)
{
	g->io.send_errors++;
	g->io.last_send_errno = err;
}

/*
 * ESP in UDP through the UDP socket, with UDP segmentation offload (gateway_opts.udp_gso):
 * the IPv4 packet at b[0 .. len) as the gw built it, if it is one the kernel would build the
 * same way apart from the ID and the UDP checksum: IHL 5, UDP, DF set (so never fragmented
 * by the kernel either), not a fragment, from port 4500 of one of our addresses, lengths
 * consistent. Its 4500 socket, or -1.
 */
static int gso_fd(const struct gateway *g, const uint8_t *b, size_t len)
{
	struct ike_endpoint src = { .family = AF_INET };

	if (len <= 28 || b[0] != 0x45 || b[9] != IPPROTO_UDP || (b[6] & 0xe0) != 0x40 ||
	    ((b[6] & 0x1f) | b[7]) || ((size_t)b[2] << 8 | b[3]) != len ||
	    ((size_t)b[24] << 8 | b[25]) != len - 20 || (b[20] << 8 | b[21]) != 4500)
		return -1;
	memcpy(src.addr, b + 12, 4);
	src.port = 4500;
	return udp_fd(g, &src);
}

/* Two outer packets that can be segments of one UDP GSO send: same socket, destination
 * address and port, and TOS. */
static bool gso_same_flow(const uint8_t *a, const uint8_t *b)
{
	return a[1] == b[1] && !memcmp(a + 16, b + 16, 4) && !memcmp(a + 22, b + 22, 2);
}

/* The run of outer IPv4 packets in g->tx to the send thread: trains of ESP-in-UDP packets
 * for one flow as single UDP GSO sends (every segment as long as the first, the last no
 * longer; the kernel makes one datagram of each, with the header the gw built less its ID
 * and UDP checksum: docs/performance.md), anything else as built through the raw socket. */
static void tx_send_gso(struct gateway *g)
{
	struct gw_txq *q = &g->tx;
	struct iovec seg[SENDQ_UDP_SEGS];
	size_t i = 0;

	while (i < q->n) {
		const uint8_t *b = q->iov[i].iov_base;
		size_t len = q->iov[i].iov_len, n = 0, total = 0, k = i;
		int fd = gso_fd(g, b, len);
		struct sockaddr_in to = { .sin_family = AF_INET };

		if (fd < 0) {
			if (sendq_add(g->sq, q->fd, q->m[i].msg_hdr.msg_name,
			              q->m[i].msg_hdr.msg_namelen, b, len))
				send_error(g, EMSGSIZE);
			i++;
			continue;
		}
		memcpy(&to.sin_addr, b + 16, 4);
		memcpy(&to.sin_port, b + 22, 2);
		/* a train: the first packet's flow and length; it ends after a shorter one */
		while (k < q->n && n < SENDQ_UDP_SEGS) {
			const uint8_t *c = q->iov[k].iov_base;
			size_t cl = q->iov[k].iov_len;

			if (n && (cl > len || !gso_same_flow(b, c) || total + cl - 28 > 65507 ||
			          gso_fd(g, c, cl) != fd))
				break;
			seg[n++] = (struct iovec){ (void *)(c + 28), cl - 28 };
			total += cl - 28;
			k++;
			if (cl < len)
				break;
		}
		if (sendq_add_udp(g->sq, fd, (const struct sockaddr *)&to, sizeof to, seg, n, b[1]))
			for (size_t e = 0; e < n; e++)
				send_error(g, EMSGSIZE);
		g->io.gso_sends++;
		g->io.gso_segments += n;
		i = k;
	}
	q->n = 0;
}

/* Send the run in g->tx: one sendmmsg per GW_BATCH packets for a socket, tunif's batch for
 * the tunnel. A failed packet is counted and skipped, as with one sendto per packet. */
static void tx_send(struct gateway *g)
{
	struct gw_txq *q = &g->tx;
	size_t sent = 0;

	if (!q->n)
		return;
	if (q->kind == GW_OUT_INNER) {
		int err = 0;
		size_t failed = tunif_deliver_batch(g->tun, q->inner, q->n, &err);

		for (size_t i = 0; i < failed; i++)
			send_error(g, err);
		q->n = 0;
		return;
	}
	if (g->sq && g->udp_gso && q->kind == GW_OUT_IP) {
		tx_send_gso(g);
		return;
	}
	if (g->sq) {
		for (size_t i = 0; i < q->n; i++)
			if (sendq_add(g->sq, q->fd, q->m[i].msg_hdr.msg_name,
			              q->m[i].msg_hdr.msg_namelen, q->iov[i].iov_base,
			              q->iov[i].iov_len))
				send_error(g, EMSGSIZE);
		q->n = 0;
		return;
	}
	while (sent < q->n) {
		int r = sendmmsg(q->fd, q->m + sent, (unsigned)(q->n - sent), 0);

		if (r <= 0) {
			/* sendmmsg reports an error only for the first message of a call */
			send_error(g, r < 0 ? errno : EIO);
			sent++;
			continue;
		}
		sent += (size_t)r;
	}
	q->n = 0;
}

/* Queue p for sending; what is queued before it goes first when the socket changes. */
static void tx_add(struct gateway *g, const struct gw_pkt *p, int fd,
                   const struct sockaddr_storage *to, socklen_t tolen)
{
	struct gw_txq *q = &g->tx;
	size_t k;

	if (q->n && (q->n == GW_TX_BATCH || q->kind != p->kind || q->fd != fd))
		tx_send(g);
	k = q->n++;
	q->kind = p->kind;
	q->fd = fd;
	if (p->kind == GW_OUT_INNER) {
		q->inner[k] = (struct tunif_pkt){ p->data, p->len };
		return;
	}
	q->to[k] = *to;
	q->iov[k] = (struct iovec){ (void *)p->data, p->len };
	memset(&q->m[k], 0, sizeof q->m[k]);
	q->m[k].msg_hdr.msg_name = &q->to[k];
	q->m[k].msg_hdr.msg_namelen = tolen;
	q->m[k].msg_hdr.msg_iov = &q->iov[k];
	q->m[k].msg_hdr.msg_iovlen = 1;
}

/*
 * Drain the gw: its packets (all valid until the next gw call that queues, gw.h), sent in
 * batches, then its log lines and events, then the timer.
 */
void gateway_flush(struct gateway *g)
{
	struct gw_pkt p;
	struct gw_event ev;
	char line[512];
	lab_ns when;

	while (gw_output(g->gw, &p)) {
		struct sockaddr_storage ss;
		socklen_t sl;

		switch (p.kind) {
		case GW_OUT_UDP: {
			int fd = udp_fd(g, &p.from);

			if (fd < 0) {
				send_error(g, EADDRNOTAVAIL);
				break;
			}
			sa_of(&p.to, &ss, &sl);
			tx_add(g, &p, fd, &ss, sl);
			break;
		}
		case GW_OUT_IP: {
			struct sockaddr_in *to = (struct sockaddr_in *)&ss;

			/* IPv4 only: the destination is bytes 16..19 of the header as built */
			if (p.len < 20 || (p.data[0] >> 4) != 4) {
				send_error(g, EINVAL);
				break;
			}
			memset(&ss, 0, sizeof ss);
			to->sin_family = AF_INET;
			memcpy(&to->sin_addr, p.data + 16, 4);
			tx_add(g, &p, g->raw_fd, &ss, sizeof *to);
			break;
		}
		case GW_OUT_INNER:
			tx_add(g, &p, -1, NULL, 0);
			break;
		}
	}
	tx_send(g);
	if (g->sq)
		sendq_kick(g->sq);      /* once per drain: what it queued goes out together */
	while (gw_log_next(g->gw, line, sizeof line))
		if (g->on_log)
			g->on_log(g->ctx, g, line);
	while (gw_event_next(g->gw, &ev)) {
		key_files(g, &ev);
		if (g->on_event)
			g->on_event(g->ctx, g, &ev);
	}
	when = gw_deadline(g->gw);
	if (when == LAB_NEVER)
		loop_timer_cancel(g->loop, &g->timer);
	else
		loop_timer_arm(g->loop, &g->timer, when);
}

static void on_timer(void *ctx)
{
	struct gateway *g = ctx;

	gw_timer(g->gw, loop_now(g->loop));
	gateway_flush(g);
}

/* Read up to GW_BATCH datagrams from fd into g->rx; the count, or -1 (nothing, an error). */
static int rx_batch(struct gateway *g, int fd)
{
	for (int i = 0; i < GW_BATCH; i++) {
		g->riov[i].iov_base = g->rx + (size_t)i * GW_RX_SLOT;
		g->riov[i].iov_len = GW_RX_SLOT;
		memset(&g->rmsg[i].msg_hdr, 0, sizeof g->rmsg[i].msg_hdr);
		g->rmsg[i].msg_hdr.msg_iov = &g->riov[i];
		g->rmsg[i].msg_hdr.msg_iovlen = 1;
		g->rmsg[i].msg_hdr.msg_name = &g->rfrom[i];
		g->rmsg[i].msg_hdr.msg_namelen = sizeof g->rfrom[i];
		if (g->udp_gso) {
			g->rmsg[i].msg_hdr.msg_control = g->rctl[i].buf;
			g->rmsg[i].msg_hdr.msg_controllen = sizeof g->rctl[i].buf;
		}
	}
	return recvmmsg(fd, g->rmsg, GW_BATCH, 0, NULL);
}

/* The segment size of datagram i when UDP_GRO coalesced several into it, else 0. */
static size_t gro_size(const struct gateway *g, int i)
{
	const struct msghdr *h = &g->rmsg[i].msg_hdr;

	if (!g->udp_gso || (h->msg_flags & MSG_CTRUNC))
		return 0;
	for (const struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h,
	                                                                      (struct cmsghdr *)c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			size_t dl = c->cmsg_len - CMSG_LEN(0);
			uint16_t v16;
			int v;

			if (dl == sizeof v) {
				memcpy(&v, CMSG_DATA(c), sizeof v);
				return v > 0 ? (size_t)v : 0;
			}
			if (dl == sizeof v16) {
				memcpy(&v16, CMSG_DATA(c), sizeof v16);
				return v16;
			}
		}
	return 0;
}

/* A datagram into the gw; one that UDP_GRO coalesced (seg > 0) as the datagrams it was
 * made of: every seg bytes, the last one what is left. */
static void udp_input(struct gateway *g, const uint8_t *b, size_t len, size_t seg,
                      const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	if (!seg || seg >= len) {
		gw_udp_input(g->gw, b, len, from, to, loop_now(g->loop));
		return;
	}
	g->io.gro_reads++;
	for (size_t off = 0; off < len; off += seg) {
		gw_udp_input(g->gw, b + off, len - off < seg ? len - off : seg, from, to,
		             loop_now(g->loop));
		g->io.gro_segments++;
	}
}

/* Each batch goes through the gw packet by packet, then one drain sends what it made; a
 * short batch means the queue was empty (the watch is level-triggered anyway). */
static void on_udp(void *ctx, int fd, uint32_t events)
{
	struct gateway *g = ctx;
	const struct gw_udp *u = NULL;
	int n;

	(void)events;
	for (size_t i = 0; i < g->nudp; i++)
		if (g->udp[i].fd500 == fd || g->udp[i].fd4500 == fd)
			u = &g->udp[i];
	if (!u)
		return;
	do {
		n = rx_batch(g, fd);
		for (int i = 0; i < n; i++) {
			const struct sockaddr_storage *ss = &g->rfrom[i];
			struct ike_endpoint from = { 0 }, to = u->local;

			from.family = ss->ss_family;
			if (ss->ss_family == AF_INET) {
				memcpy(from.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
				from.port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
			} else {
				memcpy(from.addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
				from.port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
			}
			to.port = fd == u->fd4500 ? 4500 : 500;
			udp_input(g, g->riov[i].iov_base, g->rmsg[i].msg_len, gro_size(g, i), &from,
			          &to);
		}
		if (n > 0)
			gateway_flush(g);
	} while (n == GW_BATCH);
}

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |  ...  12 bytes: ID, flags, offset, TTL, protocol, checksum    |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * A raw IPv4 socket hands over the header (RFC 791 3.1) in front of the ESP payload.
 */
static void on_esp(void *ctx, int fd, uint32_t events)
{
	struct gateway *g = ctx;
	int n;

	(void)events;
	do {
		n = rx_batch(g, fd);
		for (int i = 0; i < n; i++) {
			const uint8_t *b = g->riov[i].iov_base;
			size_t len = g->rmsg[i].msg_len, ihl, tot;
			struct ike_endpoint from = { .family = AF_INET }, to = { .family = AF_INET };

			if (len < 20 || (b[0] >> 4) != 4)
				continue;
			ihl = (size_t)(b[0] & 0x0f) * 4;
			tot = (size_t)b[2] << 8 | b[3];
			if (ihl < 20 || ihl > len || b[9] != IPPROTO_ESP)
				continue;
			if (tot > len || tot < ihl)
				tot = len;
			memcpy(from.addr, b + 12, 4);
			memcpy(to.addr, b + 16, 4);
			gw_esp_input(g->gw, b + ihl, tot - ihl, &from, &to, loop_now(g->loop));
		}
		if (n > 0)
			gateway_flush(g);
	} while (n == GW_BATCH);
}

/* A frame from the tunnel interface: into the gw; tunif calls on_inner_done after each
 * batch, which sends what the batch made. */
static void on_inner(void *ctx, uint8_t *pkt, size_t len)
{
	struct gateway *g = ctx;

	gw_inner_input_inplace(g->gw, pkt, len, loop_now(g->loop));
}

static void on_inner_done(void *ctx)
{
	gateway_flush(ctx);
}

static int bind_udp(struct gateway *g, const struct ike_endpoint *local, uint16_t port,
                    char *msg, size_t msglen)
{
	struct ike_endpoint e = *local;
	struct sockaddr_storage ss;
	socklen_t sl;
	int on = 1, fd = ns_socket(g, local->family, SOCK_DGRAM, 0);
	char a[64];

	inet_ntop(local->family, local->addr, a, sizeof a);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: UDP socket: %s", g->name, strerror(-fd));
		return fd;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* ESP in UDP in trains (gateway_opts.udp_gso): best effort, without it the kernel
	 * hands over a train's datagrams one by one */
	if (g->udp_gso && port == 4500)
		setsockopt(fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on);
	e.port = port;
	sa_of(&e, &ss, &sl);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;

		snprintf(msg, msglen, "%s: cannot bind UDP %s port %u: %s (is another IKE daemon "
		         "running there?)", g->name, a, port, strerror(errno));
		close(fd);
		return err;
	}
	if (loop_watch(g->loop, fd, EPOLLIN, on_udp, g) < 0) {
		snprintf(msg, msglen, "%s: watch UDP %s:%u", g->name, a, port);
		close(fd);
		return -EIO;
	}
	return fd;
}

static int sockets_open(struct gateway *g, const struct gw_config *cfg, char *msg,
                        size_t msglen)
{
	int fd;

	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct ike_endpoint *l = &cfg->conns[i].ike.local;
		struct gw_udp *u;
		bool seen = false;

		for (size_t k = 0; k < g->nudp; k++)
			seen |= endpoint_same_addr(&g->udp[k].local, l);
		if (seen)
			continue;
		u = &g->udp[g->nudp];
		u->local = *l;
		u->fd500 = u->fd4500 = -1;
		g->nudp++;
		if ((fd = bind_udp(g, l, 500, msg, msglen)) < 0)
			return fd;
		u->fd500 = fd;
		if ((fd = bind_udp(g, l, 4500, msg, msglen)) < 0)
			return fd;
		u->fd4500 = fd;
	}
	if (g->esp_fd >= 0)
		return 0;       /* a reconfiguration: only the new addresses needed sockets */
	fd = ns_socket(g, AF_INET, SOCK_RAW, IPPROTO_ESP);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: raw ESP socket: %s", g->name, strerror(-fd));
		return fd;
	}
	g->esp_fd = fd;
	if (loop_watch(g->loop, fd, EPOLLIN, on_esp, g) < 0) {
		snprintf(msg, msglen, "%s: watch the ESP socket", g->name);
		return -EIO;
	}
	/* IPPROTO_RAW implies IP_HDRINCL: the header goes out as the gateway built it (the
	 * kernel fills in only the checksum, and an ID of 0) */
	fd = ns_socket(g, AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: raw IP socket: %s", g->name, strerror(-fd));
		return fd;
	}
	g->raw_fd = fd;
	return 0;
}

static int route_add(struct gateway *g, const struct sc_route *r, char *msg, size_t msglen)
{
	char dst[64];
	bool tun = !strcmp(r->dev, g->tunnel);
	int err = rt_route_add_mtu(g->nl, r, tun ? g->tunnel_mtu : 0);

	/* Two connections may share a selector (or a peer): one route serves both. */
	if (err == -NLE_EXIST)
		return 0;
	if (err < 0) {
		sc_format_prefix(&r->dst, true, dst, sizeof dst);
		snprintf(msg, msglen, "%s: route %s%s%s: %s", g->name, dst, r->dev[0] ? " dev " : "",
		         r->dev, rt_strerror(err));
		return -EIO;
	}
	if (g->nroutes < GW_ROUTES_MAX)
		g->routes[g->nroutes++] = *r;
	return 0;
}

static int tunnel_route(struct gateway *g, int len, const uint8_t *addr, char *msg,
                        size_t msglen)
{
	struct sc_route r = { 0 };

	r.dst.family = AF_INET;
	memcpy(r.dst.addr, addr, 4);
	r.dst.len = len;
	snprintf(r.dev, sizeof r.dev, "%s", g->tunnel);
	return route_add(g, &r, msg, msglen);
}

static int routes_add(struct gateway *g, const struct gw_config *cfg, char *msg, size_t msglen)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 }, half[4] = { 128, 0, 0, 0 };
	int err;

	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct ike_policy *p = &cfg->conns[i].ike;

		if (p->remote_ts.family != AF_INET)
			continue;
		if (p->remote_ts.len > 0) {
			if ((err = tunnel_route(g, p->remote_ts.len, p->remote_ts.addr, msg, msglen)))
				return err;
			continue;
		}
		/* Everything into the tunnel but the peer itself: pin the peer's current path
		 * first, then the two halves. */
		if (p->remote.family == AF_INET) {
			struct sc_prefix peer = { .family = AF_INET, .len = 32 };
			struct sc_route now, host = { 0 };
			int lr;

			memcpy(peer.addr, p->remote.addr, 4);
			lr = rt_route_lookup(g->nl, &peer, &now);
			if (lr == 0 && now.has_via && strcmp(now.dev, g->tunnel)) {
				g->outside = now;
				g->have_outside = true;
			}
			/* the peer's own path, or the outside path taken before when the tunnel's
			 * halves already cover the peer (a peer a reconfiguration added) */
			if (lr == 0 && g->have_outside &&
			    (now.has_via || !strcmp(now.dev, g->tunnel))) {
				host.dst = peer;
				host.has_via = true;
				host.via = strcmp(now.dev, g->tunnel) ? now.via : g->outside.via;
				snprintf(host.dev, sizeof host.dev, "%s",
				         strcmp(now.dev, g->tunnel) ? now.dev : g->outside.dev);
				if ((err = route_add(g, &host, msg, msglen)))
					return err;
			}
		}
		if ((err = tunnel_route(g, 1, zero, msg, msglen)) ||
		    (err = tunnel_route(g, 1, half, msg, msglen)))
			return err;
	}
	return 0;
}

void gateway_event_text(const struct gw_event *ev, char *kind, size_t klen, char *text,
                        size_t tlen)
{
	static const char *const ike_names[] = {
		"ike_sa_established", "child_sa_established", "child_sa_rekeyed",
		"ike_sa_reauthenticated", "no_proposal_chosen", "auth_failed", "ike_sa_deleted",
		"child_sa_deleted", "dpd_sent", "dpd_ack", "dpd_timeout", "timeout", "error",
		"child_sa_inbound",
	};
	const struct ike_event *e = &ev->ike;
	size_t n = 0;

	text[0] = 0;
	switch (ev->type) {
	case GW_EV_IKE:
		snprintf(kind, klen, "%s", (size_t)e->type < sizeof ike_names / sizeof ike_names[0] ?
		         ike_names[e->type] : "ike_event");
		if (e->proposal[0])
			n += (size_t)snprintf(text + n, tlen - n, "%s", e->proposal);
		if (n < tlen && (e->type == IKE_EV_CHILD_SA_ESTABLISHED ||
		                 e->type == IKE_EV_CHILD_SA_REKEYED || e->type == IKE_EV_CHILD_SA_DELETED))
			n += (size_t)snprintf(text + n, tlen - n, "%sspi_in=%08x spi_out=%08x",
			                      n ? " " : "", e->spi_in, e->spi_out);
		if (n < tlen && e->type == IKE_EV_CHILD_SA_REKEYED)
			n += (size_t)snprintf(text + n, tlen - n, " old_spi_in=%08x old_spi_out=%08x",
			                      e->old_spi_in, e->old_spi_out);
		if (n < tlen && e->lifetime)
			n += (size_t)snprintf(text + n, tlen - n, "%slifetime=%llds", n ? " " : "",
			                      (long long)(e->lifetime / LAB_NS_PER_SEC));
		if (n < tlen && (e->type == IKE_EV_CHILD_SA_ESTABLISHED ||
		                 e->type == IKE_EV_IKE_SA_ESTABLISHED) && e->udp_encap)
			n += (size_t)snprintf(text + n, tlen - n, "%sudp_encap", n ? " " : "");
		if (n < tlen && (e->type == IKE_EV_DPD_SENT || e->type == IKE_EV_DPD_ACK))
			n += (size_t)snprintf(text + n, tlen - n, "%sseq=%u", n ? " " : "", e->dpd_seq);
		if (n < tlen && e->detail[0] && !e->proposal[0])
			snprintf(text + n, tlen - n, "%s(%s)", n ? " " : "", e->detail);
		return;
	case GW_EV_ESP_DROP:
		snprintf(kind, klen, "esp_drop");
		break;
	case GW_EV_HAIRPIN_DROP:
		snprintf(kind, klen, "hairpin_drop");
		break;
	case GW_EV_NO_SA:
		snprintf(kind, klen, "no_sa");
		break;
	case GW_EV_FRAG_NEEDED:
		snprintf(kind, klen, "frag_needed");
		n += (size_t)snprintf(text, tlen, "mtu=%u", ev->mtu);
		break;
	default:
		snprintf(kind, klen, "gw_event_%d", (int)ev->type);
		break;
	}
	if (n < tlen && ev->detail[0])
		snprintf(text + n, tlen - n, "%s%s", n ? " " : "", ev->detail);
}

int gateway_open(struct gateway **out, const struct gateway_opts *o, char *msg, size_t msglen)
{
	struct gateway *g = calloc(1, sizeof *g);
	char err_text[256];
	int err;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	snprintf(g->name, sizeof g->name, "%s", o->name);
	snprintf(g->tunnel, sizeof g->tunnel, "%s", o->tunnel);
	if (o->keys_dir) {
		snprintf(g->keys_dir, sizeof g->keys_dir, "%s", o->keys_dir);
		if (mkdir(o->keys_dir, 0755) < 0 && errno != EEXIST) {
			snprintf(msg, msglen, "%s: cannot create %s: %s", g->name, o->keys_dir,
			         strerror(errno));
			free(g);
			return -errno;
		}
	}
	g->loop = o->loop;
	g->nl = o->nl;
	g->remove_on_close = o->remove_on_close;
	g->on_event = o->on_event;
	g->on_log = o->on_log;
	g->ctx = o->ctx;
	g->esp_fd = g->raw_fd = -1;
	g->rx = malloc((size_t)GW_BATCH * GW_RX_SLOT);
	if (!g->rx) {
		snprintf(msg, msglen, "%s: out of memory", g->name);
		free(g);
		return -ENOMEM;
	}
	g->nsfd = fcntl(o->nsfd, F_DUPFD_CLOEXEC, 0);
	loop_timer_init(&g->timer, on_timer, g);
	if (g->nsfd < 0) {
		err = -errno;
		snprintf(msg, msglen, "%s: namespace fd: %s", g->name, strerror(errno));
		goto fail;
	}
	err = gw_new(&g->gw, o->cfg, o->drbg, loop_now(o->loop), err_text, sizeof err_text);
	if (err) {
		snprintf(msg, msglen, "%s: %s", g->name, err_text);
		goto fail;
	}
	g->udp_gso = o->udp_gso && o->send_thread;
	if ((err = sockets_open(g, o->cfg, msg, msglen)))
		goto fail;
	if (o->send_thread && (err = sendq_new(&g->sq, GW_SENDQ_RING))) {
		snprintf(msg, msglen, "%s: send thread: %s", g->name, strerror(-err));
		goto fail;
	}
	/*
	 * A TUN device's MTU bounds only what the kernel sends into it; whatever the tunnel
	 * delivers is taken whole (a peer with a bigger tunnel MTU sends bigger fragments).
	 * A veth drops a delivered frame longer than its MTU, so the interface gets room
	 * (TUNNEL_IF_MTU) and the tunnel MTU goes on the routes into it, locked, where the
	 * kernel fragments or answers frag-needed for it just as for an interface MTU.
	 */
	g->tunnel_mtu = o->tunnel_mtu ? o->tunnel_mtu : 1500;
	err = tunif_open(&g->tun, o->loop, g->nsfd, o->nl, o->tunnel,
	                 g->tunnel_mtu > TUNNEL_IF_MTU ? g->tunnel_mtu : TUNNEL_IF_MTU, o->offload,
	                 on_inner, g, msg, msglen);
	if (err)
		goto fail;
	tunif_set_batch_done(g->tun, on_inner_done);
	/* The gw answers frag-needed and such from its own address, which the kernel would
	 * otherwise drop as a martian arriving on the tunnel. */
	{
		char path[96];

		snprintf(path, sizeof path, "net/ipv4/conf/%s/accept_local", g->tunnel);
		if ((err = netns_sysctl(g->nsfd, path, "1"))) {
			snprintf(msg, msglen, "%s: %s: %s", g->name, path, strerror(-err));
			goto fail;
		}
		/* The tunnel carries IPv4 (the selectors are IPv4): no router solicitations or
		 * MLD reports of the interface's own (best effort: IPv6 may be off already). */
		snprintf(path, sizeof path, "net/ipv6/conf/%s/disable_ipv6", g->tunnel);
		netns_sysctl(g->nsfd, path, "1");
	}
	if (o->routes && (err = routes_add(g, o->cfg, msg, msglen)))
		goto fail;
	for (size_t i = 0; i < o->cfg->nconns; i++)
		g->initiate[i] = o->cfg->conns[i].ike.initiator && !o->cfg->conns[i].always_up &&
		                 o->cfg->conns[i].enabled;
	*out = g;
	return 0;
fail:
	g->remove_on_close = true;      /* whatever was made is not wanted */
	gateway_close(g);
	return err;
}

int gateway_reconfigure(struct gateway *g, const struct gw_config *cfg, char *msg,
                        size_t msglen)
{
	lab_ns now = loop_now(g->loop);
	char err_text[256];
	bool had[GW_MAX_CONNS] = { 0 };
	int err;

	for (size_t i = 0; i < cfg->nconns; i++)
		had[i] = gw_conn_find(g->gw, cfg->conns[i].name) >= 0;
	/* sockets for local addresses no connection used before, routes into the tunnel for
	 * the new selectors (routes of removed connections stay: without a connection, what
	 * they carry is counted as no_match_drops) */
	if ((err = sockets_open(g, cfg, msg, msglen)) || (err = routes_add(g, cfg, msg, msglen)))
		return err;
	err = gw_reconfigure(g->gw, cfg, now, err_text, sizeof err_text);
	if (err) {
		snprintf(msg, msglen, "%s: %s", g->name, err_text);
		return err;
	}
	/* a new initiator starts now, as gateway_start does for the first configuration */
	for (size_t i = 0; i < cfg->nconns; i++)
		if (!had[i] && cfg->conns[i].ike.initiator && !cfg->conns[i].always_up &&
		    cfg->conns[i].enabled)
			gw_conn_initiate(g->gw, gw_conn_find(g->gw, cfg->conns[i].name), now);
	gateway_flush(g);
	return 0;
}

void gateway_start(struct gateway *g)
{
	/* An initiator starts main mode now, not only when traffic first finds no SA (the gw
	 * starts always_up connections on its own at the first flush). */
	for (size_t i = 0; i < gw_conn_count(g->gw) && i < GW_MAX_CONNS; i++)
		if (g->initiate[i])
			gw_conn_initiate(g->gw, (int)i, loop_now(g->loop));
	gateway_flush(g);
}

struct gw *gateway_gw(struct gateway *g)
{
	return g->gw;
}

const char *gateway_name(const struct gateway *g)
{
	return g->name;
}

void gateway_io(const struct gateway *g, struct gateway_io *out)
{
	*out = g->io;
	out->tun_rx = g->tun ? tunif_rx_packets(g->tun) : 0;
	out->tun_tx = g->tun ? tunif_tx_packets(g->tun) : 0;
	out->tun_rx_dropped = g->tun ? tunif_rx_dropped(g->tun) : 0;
	if (g->sq) {
		int last = 0;
		uint64_t n = sendq_errors(g->sq, &last);

		out->send_errors += n;
		if (n)
			out->last_send_errno = last;
	}
}

void gateway_shutdown(struct gateway *g)
{
	if (!g || !g->gw)
		return;
	gw_shutdown(g->gw, loop_now(g->loop));
	gateway_flush(g);
}

static void close_fd(struct gateway *g, int fd)
{
	if (fd < 0)
		return;
	loop_unwatch(g->loop, fd);
	close(fd);
}

void gateway_close(struct gateway *g)
{
	if (!g)
		return;
	loop_timer_cancel(g->loop, &g->timer);
	sendq_free(g->sq);              /* sends what is queued; the sockets are still open */
	for (size_t i = 0; i < g->nudp; i++) {
		close_fd(g, g->udp[i].fd500);
		close_fd(g, g->udp[i].fd4500);
	}
	close_fd(g, g->esp_fd);
	if (g->raw_fd >= 0)
		close(g->raw_fd);
	if (g->tun) {
		tunif_close(g->tun);
		if (g->remove_on_close)
			rt_link_del(g->nl, g->tunnel);  /* takes its routes along */
	}
	if (g->remove_on_close)
		for (size_t i = 0; i < g->nroutes; i++)
			if (strcmp(g->routes[i].dev, g->tunnel))
				rt_route_del(g->nl, &g->routes[i]);
	gw_free(g->gw);
	if (g->nsfd >= 0)
		close(g->nsfd);
	free(g->rx);
	explicit_bzero(g, sizeof *g);
	free(g);
}
