/*
 * probe.c: ping, UDP and TCP probes (see probe.h).
 */
#include "harness/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/netns.h"

struct probe {
	struct lab *lab;
	const struct sc_step *step;
	struct probe_result r;
	bool done;
	int family;
	/* ping */
	int icmp_fd;
	uint16_t ident;
	lab_ns *sent_at;                /* per sequence number, 1-based */
	uint8_t *replied;
	/* udp */
	int tx_fd, rx_fd;
	uint32_t tag;
	uint8_t *seen;
	/* tcp */
	int listen_fd, conn_fd, acc_fd;
	bool busy;
	uint8_t *buf;
	size_t buflen;
	struct loop_timer send_timer, end_timer;
};

/* ---- helpers ---- */

static int sock_in(struct lab_node *n, int domain, int type, int proto)
{
	int fd, err = netns_enter(n->nsfd);

	if (err)
		return err;
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	err = fd < 0 ? -errno : fd;
	netns_leave();
	return err;
}

static socklen_t to_sockaddr(const struct sc_prefix *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->addr, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	memcpy(&s6->sin6_addr, a->addr, 16);
	return sizeof *s6;
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct sc_prefix *a)
{
	memset(a, 0, sizeof *a);
	a->family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		memcpy(a->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		a->len = 32;
	} else {
		memcpy(a->addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		a->len = 128;
	}
}

/* The node whose interface holds addr, or NULL. */
static struct lab_node *owner_of(struct lab *lab, const struct sc_prefix *addr)
{
	size_t alen = addr->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < lab->nnodes; i++)
		for (size_t f = 0; f < lab->nodes[i].nifaces; f++) {
			const struct lab_iface *fi = &lab->nodes[i].ifaces[f];

			for (int a = 0; a < fi->naddrs; a++)
				if (fi->addrs[a].family == addr->family &&
				    !memcmp(fi->addrs[a].addr, addr->addr, alen))
					return &lab->nodes[i];
		}
	return NULL;
}

static void record_icmp(struct probe *p, int family, int type, int code, int mtu,
                        const struct sc_prefix *from)
{
	p->r.nicmp_total++;
	if (p->r.nicmp < PROBE_MAX_ICMP) {
		struct probe_icmp *e = &p->r.icmp[p->r.nicmp++];

		e->family = family;
		e->type = type;
		e->code = code;
		e->mtu = mtu;
		e->from = *from;
		e->at = loop_now(p->lab->loop);
	}
}

static void finish(struct probe *p)
{
	if (p->done)
		return;
	p->done = true;
	p->r.finished = loop_now(p->lab->loop);
	loop_timer_cancel(p->lab->loop, &p->send_timer);
	loop_timer_cancel(p->lab->loop, &p->end_timer);
	if (p->busy) {
		loop_busy(p->lab->loop, -1);
		p->busy = false;
	}
	/* A finished probe's sockets may stay readable (EOF, stray ICMP); watching them would
	 * keep the lab from ever being idle. They close in probe_free. */
	{
		int fds[] = { p->icmp_fd, p->tx_fd, p->rx_fd, p->listen_fd, p->conn_fd, p->acc_fd };

		for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
			if (fds[i] >= 0)
				loop_unwatch(p->lab->loop, fds[i]);
	}
}

static int set_df(int fd, int family, bool df)
{
	int v;

	if (family == AF_INET) {
		v = df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
		return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v) < 0 ? -errno : 0;
	}
	/* IPv6 routers never fragment; "df" means the source must not fragment either. */
	v = df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof v) < 0 ? -errno : 0;
}

static uint16_t inet_csum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void on_end(void *ctx)
{
	finish(ctx);
}

/* ---- ping ---- */

static void ping_send(void *ctx)
{
	struct probe *p = ctx;
	const struct sc_ping *pg = &p->step->u.ping;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&p->r.dst, 0, &ss);
	size_t len = 8 + (size_t)pg->size;
	uint8_t *m = p->buf;
	int seq = p->r.sent + 1;

	m[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	m[1] = 0;
	m[2] = m[3] = 0;
	m[4] = (uint8_t)(p->ident >> 8);
	m[5] = (uint8_t)p->ident;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	for (size_t i = 8; i < len; i++)
		m[i] = (uint8_t)(i - 8);
	if (p->family == AF_INET) {
		uint16_t c = inet_csum(m, len);

		m[2] = (uint8_t)(c >> 8);
		m[3] = (uint8_t)c;
	}
	p->sent_at[seq] = loop_now(p->lab->loop);
	p->r.sent++;
	if (sendto(p->icmp_fd, m, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		/* EMSGSIZE: DF set and bigger than the first hop's MTU; the kernel tells the
		 * sender locally instead of an ICMP error from the wire. */
		if (errno == EMSGSIZE) {
			int mtu = 0;
			socklen_t ol = sizeof mtu;

			getsockopt(p->icmp_fd, p->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			           p->family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &ol);
			record_icmp(p, p->family, -1, EMSGSIZE, mtu, &p->r.src);
		}
	}
	if (p->r.sent < pg->count)
		loop_timer_arm(p->lab->loop, &p->send_timer, loop_now(p->lab->loop) + pg->interval);
	else
		loop_timer_arm(p->lab->loop, &p->end_timer, loop_now(p->lab->loop) + pg->timeout);
}

/* Does an ICMP error quote our echo? q points at the quoted IP header. */
static bool quotes_us4(const struct probe *p, const uint8_t *q, size_t len)
{
	size_t ihl;

	if (len < 20)
		return false;
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 || q[9] != IPPROTO_ICMP)
		return false;
	return q[ihl] == ICMP_ECHO && (q[ihl + 4] << 8 | q[ihl + 5]) == p->ident;
}

static bool quotes_us6(const struct probe *p, const uint8_t *q, size_t len)
{
	if (len < 48 || q[6] != IPPROTO_ICMPV6)
		return false;
	return q[40] == ICMP6_ECHO_REQUEST && (q[44] << 8 | q[45]) == p->ident;
}

static void ping_reply(struct probe *p, int seq)
{
	lab_ns rtt;

	if (seq < 1 || seq > p->r.sent || p->replied[seq])
		return;
	p->replied[seq] = 1;
	p->r.received++;
	rtt = loop_now(p->lab->loop) - p->sent_at[seq];
	if (p->r.received == 1 || rtt < p->r.rtt_min)
		p->r.rtt_min = rtt;
	if (rtt > p->r.rtt_max)
		p->r.rtt_max = rtt;
	if (p->r.received == p->step->u.ping.count)
		finish(p);
}

static void ping_readable(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	uint8_t b[65600];
	struct sockaddr_storage ss;
	socklen_t sl;
	ssize_t n;

	(void)events;
	for (;;) {
		struct sc_prefix from;
		const uint8_t *m;
		size_t len;

		sl = sizeof ss;
		n = recvfrom(fd, b, sizeof b, 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			break;
		from_sockaddr(&ss, &from);
		if (p->family == AF_INET) {
			size_t ihl = (size_t)(b[0] & 0x0f) * 4;

			if ((size_t)n < ihl + 8)
				continue;
			m = b + ihl;
			len = (size_t)n - ihl;
			if (m[0] == ICMP_ECHOREPLY && (m[4] << 8 | m[5]) == p->ident)
				ping_reply(p, m[6] << 8 | m[7]);
			else if ((m[0] == ICMP_DEST_UNREACH || m[0] == ICMP_TIME_EXCEEDED) &&
			         quotes_us4(p, m + 8, len - 8))
				record_icmp(p, AF_INET, m[0], m[1],
				            m[0] == ICMP_DEST_UNREACH && m[1] == ICMP_FRAG_NEEDED ?
				            (m[6] << 8 | m[7]) : 0, &from);
		} else {
			m = b;
			len = (size_t)n;
			if (len < 8)
				continue;
			if (m[0] == ICMP6_ECHO_REPLY && (m[4] << 8 | m[5]) == p->ident)
				ping_reply(p, m[6] << 8 | m[7]);
			else if (m[0] >= 1 && m[0] <= 4 && quotes_us6(p, m + 8, len - 8))
				record_icmp(p, AF_INET6, m[0], m[1], m[0] == ICMP6_PACKET_TOO_BIG ?
				            (int)((uint32_t)m[4] << 24 | m[5] << 16 | m[6] << 8 | m[7]) : 0,
				            &from);
		}
	}
}

static int ping_start(struct probe *p, struct lab_node *from, struct drbg *drbg)
{
	const struct sc_ping *pg = &p->step->u.ping;
	int err;

	p->ident = (uint16_t)drbg_u32(drbg);
	p->buflen = 8 + (size_t)pg->size;
	p->buf = malloc(p->buflen);
	p->sent_at = calloc((size_t)pg->count + 1, sizeof *p->sent_at);
	p->replied = calloc((size_t)pg->count + 1, 1);
	if (!p->buf || !p->sent_at || !p->replied)
		return -ENOMEM;
	p->icmp_fd = sock_in(from, p->family, SOCK_RAW,
	                     p->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (p->icmp_fd < 0)
		return p->icmp_fd;
	if ((err = set_df(p->icmp_fd, p->family, pg->df)))
		return err;
	err = loop_watch(p->lab->loop, p->icmp_fd, EPOLLIN, ping_readable, p);
	if (err)
		return err;
	loop_timer_init(&p->send_timer, ping_send, p);
	ping_send(p);
	return 0;
}

/* ---- udp ---- */

#define UDP_HDR 12      /* tag(4) seq(4) count(4) at the start of each datagram */

static void udp_send(void *ctx)
{
	struct probe *p = ctx;
	const struct sc_udp *u = &p->step->u.udp;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&p->r.dst, u->port, &ss);
	uint32_t seq = (uint32_t)p->r.sent;
	lab_ns gap = (lab_ns)((double)LAB_NS_PER_SEC / u->rate);

	if ((size_t)u->size >= UDP_HDR) {
		uint32_t w[3] = { htonl(p->tag), htonl(seq), htonl((uint32_t)u->count) };

		memcpy(p->buf, w, sizeof w);
	}
	p->r.sent++;
	if (sendto(p->tx_fd, p->buf, (size_t)u->size, 0, (struct sockaddr *)&ss, sl) == u->size)
		p->r.bytes_sent += (uint64_t)u->size;
	if (p->r.sent < u->count)
		loop_timer_arm(p->lab->loop, &p->send_timer, loop_now(p->lab->loop) + gap);
	else
		loop_timer_arm(p->lab->loop, &p->end_timer, loop_now(p->lab->loop) + lab_sec(2));
}

static void udp_rx(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	const struct sc_udp *u = &p->step->u.udp;
	ssize_t n;

	(void)events;
	while ((n = recv(fd, p->buf + p->buflen / 2, p->buflen / 2, 0)) >= 0) {
		const uint8_t *m = p->buf + p->buflen / 2;
		uint32_t w[3];

		if ((size_t)n < UDP_HDR) {
			/* Tiny datagrams carry no sequence number: count them as they come. */
			if (n == u->size && p->r.received < p->r.sent) {
				p->r.received++;
				p->r.bytes_received += (uint64_t)n;
			}
			continue;
		}
		memcpy(w, m, sizeof w);
		if (ntohl(w[0]) != p->tag || ntohl(w[1]) >= (uint32_t)u->count || p->seen[ntohl(w[1])])
			continue;
		p->seen[ntohl(w[1])] = 1;
		p->r.received++;
		p->r.bytes_received += (uint64_t)n;
	}
	if (p->r.received == u->count)
		finish(p);
}

/* ICMP errors for our datagrams come back on the sender's error queue (IP_RECVERR). */
static void udp_tx_err(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	uint8_t data[2048], cbuf[512];

	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		struct iovec iov = { data, sizeof data };
		struct msghdr mh = {
			.msg_name = &ss, .msg_namelen = sizeof ss, .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof cbuf,
		};

		if (recvmsg(fd, &mh, MSG_ERRQUEUE) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct sock_extended_err ee;
			struct sockaddr_storage off;
			struct sc_prefix from;

			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			memset(&off, 0, sizeof off);
			memcpy(&off, (const uint8_t *)CMSG_DATA(c) + sizeof ee,
			       c->cmsg_len - CMSG_LEN(sizeof ee) < sizeof off ?
			       c->cmsg_len - CMSG_LEN(sizeof ee) : sizeof off);
			from_sockaddr(&off, &from);
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6)
				record_icmp(p, p->family, ee.ee_type, ee.ee_code,
				            (ee.ee_type == ICMP_DEST_UNREACH && ee.ee_code == ICMP_FRAG_NEEDED &&
				             p->family == AF_INET) ||
				            (p->family == AF_INET6 && ee.ee_type == ICMP6_PACKET_TOO_BIG) ?
				            (int)ee.ee_info : 0, &from);
			else if (ee.ee_origin == SO_EE_ORIGIN_LOCAL && ee.ee_errno == EMSGSIZE)
				record_icmp(p, p->family, -1, EMSGSIZE, (int)ee.ee_info, &p->r.src);
		}
	}
}

static void udp_tx_event(void *ctx, int fd, uint32_t events)
{
	if (events & EPOLLERR)
		udp_tx_err(ctx, fd, events);
}

static int udp_start(struct probe *p, struct lab_node *from, struct lab_node *to,
                     struct drbg *drbg)
{
	const struct sc_udp *u = &p->step->u.udp;
	struct sockaddr_storage ss;
	socklen_t sl;
	int on = 1, err;

	p->tag = drbg_u32(drbg);
	p->buflen = 2 * ((size_t)u->size + UDP_HDR + 64);
	p->buf = calloc(1, p->buflen);
	p->seen = calloc((size_t)u->count, 1);
	if (!p->buf || !p->seen)
		return -ENOMEM;
	for (size_t i = UDP_HDR; i < (size_t)u->size; i++)
		p->buf[i] = (uint8_t)i;
	p->rx_fd = sock_in(to, p->family, SOCK_DGRAM, 0);
	if (p->rx_fd < 0)
		return p->rx_fd;
	sl = to_sockaddr(&p->r.dst, u->port, &ss);
	if (bind(p->rx_fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	p->tx_fd = sock_in(from, p->family, SOCK_DGRAM, 0);
	if (p->tx_fd < 0)
		return p->tx_fd;
	/* A source port from the run's DRBG rather than the kernel's random ephemeral one:
	 * the same seed gives the same datagrams. */
	{
		struct sc_prefix any = { .family = p->family };

		sl = to_sockaddr(&any, 49152 + (int)drbg_uniform(drbg, 16384), &ss);
		if (bind(p->tx_fd, (struct sockaddr *)&ss, sl) < 0)
			return -errno;
	}
	if ((err = set_df(p->tx_fd, p->family, u->df)))
		return err;
	if (p->family == AF_INET)
		setsockopt(p->tx_fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
	else
		setsockopt(p->tx_fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
	if ((err = loop_watch(p->lab->loop, p->rx_fd, EPOLLIN, udp_rx, p)))
		return err;
	if ((err = loop_watch(p->lab->loop, p->tx_fd, EPOLLERR, udp_tx_event, p)))
		return err;
	loop_timer_init(&p->send_timer, udp_send, p);
	udp_send(p);
	return 0;
}

/* ---- tcp ---- */

#define TCP_PROBE_BUF (64 * 1024)

static void tcp_write(struct probe *p)
{
	const struct sc_tcp *t = &p->step->u.tcp;

	if (p->r.bytes_sent < t->bytes) {
		uint64_t left = t->bytes - p->r.bytes_sent;
		size_t chunk = left < p->buflen ? (size_t)left : p->buflen;
		ssize_t n = send(p->conn_fd, p->buf, chunk, MSG_NOSIGNAL);

		if (n > 0)
			p->r.bytes_sent += (uint64_t)n;
		if (p->r.bytes_sent < t->bytes)
			return;         /* one chunk per turn of the loop: captures drain between */
	}
	shutdown(p->conn_fd, SHUT_WR);
	loop_watch_mod(p->lab->loop, p->conn_fd, EPOLLIN);
}

static void tcp_client(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (p->done)
		return;
	if (!p->r.mss && (events & EPOLLOUT)) {
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			snprintf(p->r.error, sizeof p->r.error, "connect: %s", strerror(soerr));
			finish(p);
			return;
		}
		sl = sizeof p->r.mss;
		getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &p->r.mss, &sl);
		if (!p->r.mss)
			p->r.mss = -1;
	}
	if (events & EPOLLOUT)
		tcp_write(p);
	if (events & (EPOLLERR | EPOLLHUP) && p->r.bytes_sent < p->step->u.tcp.bytes) {
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		snprintf(p->r.error, sizeof p->r.error, "connection failed: %s",
		         strerror(soerr ? soerr : ECONNRESET));
		finish(p);
	}
}

static void tcp_server_read(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	ssize_t n;

	(void)events;
	while ((n = recv(fd, p->buf, p->buflen, 0)) > 0)
		p->r.bytes_received += (uint64_t)n;
	if (n == 0) {                   /* the sender finished */
		p->r.received = p->r.bytes_received == p->step->u.tcp.bytes;
		finish(p);
	}
}

static void tcp_accept(void *ctx, int fd, uint32_t events)
{
	struct probe *p = ctx;
	int c;

	(void)events;
	if (p->acc_fd >= 0)
		return;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	p->acc_fd = c;
	loop_watch(p->lab->loop, c, EPOLLIN, tcp_server_read, p);
}

static int tcp_start(struct probe *p, struct lab_node *from, struct lab_node *to)
{
	const struct sc_tcp *t = &p->step->u.tcp;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&p->r.dst, t->port, &ss);
	int on = 1, bufsize = TCP_PROBE_BUF, err;

	p->buflen = TCP_PROBE_BUF / 2;
	p->buf = calloc(1, p->buflen);
	if (!p->buf)
		return -ENOMEM;
	p->listen_fd = sock_in(to, p->family, SOCK_STREAM, 0);
	if (p->listen_fd < 0)
		return p->listen_fd;
	setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* Small socket buffers tie the transfer's pace to this loop's reads, so every capture
	 * handle is drained between bursts and no frame is lost to a full capture ring. */
	setsockopt(p->listen_fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
	if (bind(p->listen_fd, (struct sockaddr *)&ss, sl) < 0 || listen(p->listen_fd, 4) < 0)
		return -errno;
	if ((err = loop_watch(p->lab->loop, p->listen_fd, EPOLLIN, tcp_accept, p)))
		return err;
	p->conn_fd = sock_in(from, p->family, SOCK_STREAM, 0);
	if (p->conn_fd < 0)
		return p->conn_fd;
	setsockopt(p->conn_fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
	if (connect(p->conn_fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
		return -errno;
	if ((err = loop_watch(p->lab->loop, p->conn_fd, EPOLLOUT, tcp_client, p)))
		return err;
	loop_busy(p->lab->loop, +1);
	p->busy = true;
	loop_timer_arm(p->lab->loop, &p->end_timer, loop_now(p->lab->loop) + t->timeout);
	return 0;
}

/* ---- common ---- */

int probe_start(struct probe **out, struct lab *lab, const struct sc_step *step,
                struct drbg *drbg)
{
	struct probe *p = calloc(1, sizeof *p);
	const char *fromname;
	const struct sc_target *to;
	struct lab_node *from, *dst = NULL;
	int err;

	if (!p)
		return -ENOMEM;
	*out = p;
	p->lab = lab;
	p->step = step;
	p->icmp_fd = p->tx_fd = p->rx_fd = p->listen_fd = p->conn_fd = p->acc_fd = -1;
	p->r.started = loop_now(lab->loop);
	loop_timer_init(&p->send_timer, NULL, p);
	loop_timer_init(&p->end_timer, on_end, p);
	switch (step->kind) {
	case SC_STEP_PING: fromname = step->u.ping.from; to = &step->u.ping.to; break;
	case SC_STEP_UDP: fromname = step->u.udp.from; to = &step->u.udp.to; break;
	case SC_STEP_TCP: fromname = step->u.tcp.from; to = &step->u.tcp.to; break;
	default:
		snprintf(p->r.error, sizeof p->r.error, "not a probe step");
		err = -EINVAL;
		goto fail;
	}
	from = lab_node(lab, fromname);
	if (!from) {
		snprintf(p->r.error, sizeof p->r.error, "no node %s", fromname);
		err = -ENOENT;
		goto fail;
	}
	if (lab_resolve(lab, to, 0, &p->r.dst) < 0) {
		snprintf(p->r.error, sizeof p->r.error, "target %s%s%s has no address", to->node,
		         to->iface[0] ? ":" : "", to->iface);
		err = -ENOENT;
		goto fail;
	}
	p->family = p->r.dst.family;
	{
		struct sc_target self = { .is_addr = false };

		snprintf(self.node, sizeof self.node, "%s", fromname);
		lab_resolve(lab, &self, p->family, &p->r.src);
	}
	if (step->kind != SC_STEP_PING) {
		dst = owner_of(lab, &p->r.dst);
		if (!dst) {
			char a[64];

			sc_format_prefix(&p->r.dst, false, a, sizeof a);
			snprintf(p->r.error, sizeof p->r.error,
			         "no node of the lab holds %s to receive the flow", a);
			err = -ENOENT;
			goto fail;
		}
	}
	switch (step->kind) {
	case SC_STEP_PING: err = ping_start(p, from, drbg); break;
	case SC_STEP_UDP: err = udp_start(p, from, dst, drbg); break;
	default: err = tcp_start(p, from, dst); break;
	}
	if (err) {
		snprintf(p->r.error, sizeof p->r.error, "cannot start the probe: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	finish(p);
	return err;
}

bool probe_done(const struct probe *p)
{
	return p->done;
}

const struct probe_result *probe_result(const struct probe *p)
{
	return &p->r;
}

static void close_fd(struct loop *l, int *fd)
{
	if (*fd >= 0) {
		loop_unwatch(l, *fd);
		close(*fd);
		*fd = -1;
	}
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	finish(p);
	close_fd(p->lab->loop, &p->icmp_fd);
	close_fd(p->lab->loop, &p->tx_fd);
	close_fd(p->lab->loop, &p->rx_fd);
	close_fd(p->lab->loop, &p->listen_fd);
	close_fd(p->lab->loop, &p->conn_fd);
	close_fd(p->lab->loop, &p->acc_fd);
	free(p->buf);
	free(p->sent_at);
	free(p->replied);
	free(p->seen);
	free(p);
}
