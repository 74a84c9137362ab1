/*
 * tunif.c: the AF_PACKET-driven tunnel interface (see tunif.h).
 */
#include "harness/tunif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
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
	void (*done)(void *ctx);
	void *ctx;
	uint64_t rxp, txp;
	/* receive batch: TUNIF_BATCH frames of up to slot bytes each in rbuf (owned) */
	size_t slot;
	uint8_t *rbuf;
	struct mmsghdr rmsg[TUNIF_BATCH];
	struct iovec riov[TUNIF_BATCH];
	struct sockaddr_ll rfrom[TUNIF_BATCH];
	/* send batch: each frame is its own Ethernet header + the caller's packet */
	struct mmsghdr smsg[TUNIF_BATCH];
	struct iovec siov[TUNIF_BATCH][2];
	uint8_t shdr[TUNIF_BATCH][ETH_HDR];
	struct sockaddr_ll to;
};

static void on_frame(void *ctx, int fd, uint32_t events)
{
	struct tunif *t = ctx;
	int n;

	(void)events;
	do {
		for (int i = 0; i < TUNIF_BATCH; i++) {
			t->riov[i].iov_base = t->rbuf + (size_t)i * t->slot;
			t->riov[i].iov_len = t->slot;
			memset(&t->rmsg[i].msg_hdr, 0, sizeof t->rmsg[i].msg_hdr);
			t->rmsg[i].msg_hdr.msg_iov = &t->riov[i];
			t->rmsg[i].msg_hdr.msg_iovlen = 1;
			t->rmsg[i].msg_hdr.msg_name = &t->rfrom[i];
			t->rmsg[i].msg_hdr.msg_namelen = sizeof t->rfrom[i];
		}
		n = recvmmsg(fd, t->rmsg, TUNIF_BATCH, 0, NULL);
		for (int i = 0; i < n; i++) {
			const uint8_t *f = t->riov[i].iov_base;
			size_t len = t->rmsg[i].msg_len;
			uint16_t type;

			/* Our own transmissions come back as PACKET_OUTGOING: not for us. A frame
			 * longer than the slot (MTU + header) cannot come from the interface. */
			if (t->rfrom[i].sll_pkttype == PACKET_OUTGOING || len < ETH_HDR ||
			    (t->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			type = (uint16_t)(f[12] << 8 | f[13]);
			if (type != ETH_P_IP && type != ETH_P_IPV6)
				continue;       /* nothing else belongs in a tunnel */
			t->rxp++;
			t->rx(t->ctx, f + ETH_HDR, len - ETH_HDR);
		}
		if (n > 0 && t->done)
			t->done(t->ctx);
		/* a short batch emptied the queue; the watch is level-triggered anyway */
	} while (n == TUNIF_BATCH);
}

void tunif_set_batch_done(struct tunif *t, void (*done)(void *ctx))
{
	t->done = done;
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
	/* room for a whole frame of the interface's MTU, and a VLAN tag */
	t->slot = (size_t)(mtu > 1500 ? mtu : 1500) + ETH_HDR + 4;
	t->rbuf = malloc(TUNIF_BATCH * t->slot);
	if (!t->rbuf) {
		free(t);
		return -ENOMEM;
	}
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
		int size = 4 << 20, one = 1;

		/* Every frame we deliver would otherwise be cloned back to this socket as
		 * PACKET_OUTGOING, read and thrown away: a copy per packet for nothing (Linux
		 * 4.20; where refused, on_frame still drops them). */
		setsockopt(t->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);

		if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
			setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	t->to.sll_family = AF_PACKET;
	t->to.sll_ifindex = t->peer_ifindex;
	t->to.sll_halen = 6;
	memcpy(t->to.sll_addr, t->mac_if, 6);
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
	free(t->rbuf);
	free(t);
	return err;
}

int tunif_deliver(struct tunif *t, const uint8_t *pkt, size_t len)
{
	struct tunif_pkt p = { pkt, len };
	int err = 0;

	return tunif_deliver_batch(t, &p, 1, &err) ? -err : 0;
}

size_t tunif_deliver_batch(struct tunif *t, const struct tunif_pkt *p, size_t n, int *last_err)
{
	size_t failed = 0, i = 0;

	*last_err = 0;
	while (i < n) {
		size_t k = 0, sent = 0;

		for (; i < n && k < TUNIF_BATCH; i++) {
			uint8_t *h = t->shdr[k];
			bool v6;

			if (p[i].len < 1 || p[i].len > 65536) {
				*last_err = EMSGSIZE;
				failed++;
				continue;
			}
			v6 = (p[i].data[0] >> 4) == 6;
			memcpy(h, t->mac_if, 6);
			memcpy(h + 6, t->mac_peer, 6);
			h[12] = v6 ? 0x86 : 0x08;
			h[13] = v6 ? 0xdd : 0x00;
			t->siov[k][0] = (struct iovec){ h, ETH_HDR };
			t->siov[k][1] = (struct iovec){ (void *)p[i].data, p[i].len };
			memset(&t->smsg[k], 0, sizeof t->smsg[k]);
			t->smsg[k].msg_hdr.msg_iov = t->siov[k];
			t->smsg[k].msg_hdr.msg_iovlen = 2;
			t->smsg[k].msg_hdr.msg_name = &t->to;
			t->smsg[k].msg_hdr.msg_namelen = sizeof t->to;
			k++;
		}
		/* sendmmsg stops at the first message that fails and reports it only when it is
		 * the first of a call: skip it and go on, as one sendto per packet would. */
		while (sent < k) {
			int r = sendmmsg(t->fd, t->smsg + sent, (unsigned)(k - sent), 0);

			if (r <= 0) {
				*last_err = r < 0 ? errno : EIO;
				failed++;
				sent++;
				continue;
			}
			t->txp += (uint64_t)r;
			sent += (size_t)r;
		}
	}
	return failed;
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
	free(t->rbuf);
	free(t);
}
