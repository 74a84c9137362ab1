/*
 * tunif.c: the AF_PACKET-driven tunnel interface (see tunif.h).
 */
#include "harness/tunif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/ethtool.h"
#include "harness/lab.h"
#include "harness/netns.h"
#include "harness/rtnl.h"

#define ETH_HDR 14

struct tunif {
	struct loop *loop;
	int fd;
	int peer_ifindex;
	uint8_t mac_if[6];              /* NAME: the kernel's side */
	uint8_t mac_peer[6];            /* the driven side */
	tunif_rx_fn rx;
	void *ctx;
	uint64_t rxp, txp;
	uint8_t buf[65536 + ETH_HDR];
};

static void on_frame(void *ctx, int fd, uint32_t events)
{
	struct tunif *t = ctx;
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	(void)events;
	for (;;) {
		uint16_t type;

		fl = sizeof from;
		n = recvfrom(fd, t->buf, sizeof t->buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		/* Our own transmissions come back as PACKET_OUTGOING: not for us. */
		if (from.sll_pkttype == PACKET_OUTGOING || n < ETH_HDR)
			continue;
		type = (uint16_t)(t->buf[12] << 8 | t->buf[13]);
		if (type != ETH_P_IP && type != ETH_P_IPV6)
			continue;       /* nothing else belongs in a tunnel */
		t->rxp++;
		t->rx(t->ctx, t->buf + ETH_HDR, (size_t)n - ETH_HDR);
	}
}

int tunif_open(struct tunif **out, struct loop *loop, int nsfd, struct nl_sock *nl,
               const char *name, int mtu, tunif_rx_fn rx, void *ctx, char *msg, size_t msglen)
{
	struct tunif *t = calloc(1, sizeof *t);
	char peer[IFNAMSIZ];
	struct sockaddr_ll sll;
	int err;

	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->fd = -1;
	t->rx = rx;
	t->ctx = ctx;
	snprintf(peer, sizeof peer, "%.10s-drv", name);
	lab_mac("tunnel", name, t->mac_if);
	lab_mac("tunnel", peer, t->mac_peer);
	err = rt_veth_add(nl, name, t->mac_if, nsfd, peer, t->mac_peer, mtu);
	if (err < 0) {
		snprintf(msg, msglen, "tunnel interface %s: %s", name, rt_strerror(err));
		err = -EIO;
		goto fail;
	}
	if ((err = ethtool_wire_like(nsfd, name)) || (err = ethtool_wire_like(nsfd, peer))) {
		snprintf(msg, msglen, "tunnel interface %s: offloads: %s", name, strerror(-err));
		goto fail;
	}
	/* The kernel's side needs no neighbour resolution (NOARP): frames leave it addressed
	 * to its own MAC, which the driven side's packet socket takes like any other. */
	if ((err = rt_set_noarp(nl, name)) < 0 ||
	    (err = rt_set_up(nl, peer, true)) < 0 || (err = rt_set_up(nl, name, true)) < 0) {
		snprintf(msg, msglen, "tunnel interface %s: up: %s", name, rt_strerror(err));
		err = -EIO;
		goto fail;
	}
	t->peer_ifindex = rt_ifindex(nl, peer);
	if (t->peer_ifindex < 0) {
		snprintf(msg, msglen, "tunnel interface %s: %s", peer, rt_strerror(t->peer_ifindex));
		err = -EIO;
		goto fail;
	}
	if ((err = netns_enter(nsfd)))
		goto fail;
	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	err = t->fd < 0 ? -errno : 0;
	netns_leave();
	if (err) {
		snprintf(msg, msglen, "tunnel interface %s: packet socket: %s", name, strerror(-err));
		goto fail;
	}
	{
		/* a TCP stream through the tunnel comes in bursts: room for them (best effort) */
		int size = 4 << 20;

		if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
			setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = t->peer_ifindex;
	if (bind(t->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		err = -errno;
		snprintf(msg, msglen, "tunnel interface %s: bind: %s", name, strerror(-err));
		goto fail;
	}
	if ((err = loop_watch(loop, t->fd, EPOLLIN, on_frame, t))) {
		snprintf(msg, msglen, "tunnel interface %s: watch: %s", name, strerror(-err));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	return err;
}

int tunif_deliver(struct tunif *t, const uint8_t *pkt, size_t len)
{
	struct sockaddr_ll to;
	uint8_t *f = t->buf;

	if (len < 1 || len > sizeof t->buf - ETH_HDR)
		return -EMSGSIZE;
	memcpy(f, t->mac_if, 6);
	memcpy(f + 6, t->mac_peer, 6);
	f[12] = (pkt[0] >> 4) == 6 ? 0x86 : 0x08;
	f[13] = (pkt[0] >> 4) == 6 ? 0xdd : 0x00;
	memcpy(f + ETH_HDR, pkt, len);
	memset(&to, 0, sizeof to);
	to.sll_family = AF_PACKET;
	to.sll_ifindex = t->peer_ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, t->mac_if, 6);
	if (sendto(t->fd, f, len + ETH_HDR, 0, (struct sockaddr *)&to, sizeof to) < 0)
		return -errno;
	t->txp++;
	return 0;
}

uint64_t tunif_rx_packets(const struct tunif *t)
{
	return t->rxp;
}

uint64_t tunif_tx_packets(const struct tunif *t)
{
	return t->txp;
}

void tunif_close(struct tunif *t)
{
	if (!t)
		return;
	loop_unwatch(t->loop, t->fd);
	close(t->fd);
	free(t);
}
