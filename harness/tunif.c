/*
 * tunif.c: the AF_PACKET-driven tunnel interface (see tunif.h).
 */
#include "harness/tunif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
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
#include "peers/ip/gso.h"

#define ETH_HDR 14
#define VNET_HDR ((int)sizeof(struct virtio_net_hdr))
/* segments one GSO packet towards the kernel takes at most (the kernel allows 64 KiB) */
#define TUNIF_GSO_SEGS 64
/* segments handed to rx before done runs, even inside a batch: GSO packets split into many
 * small segments must not fill the caller's queue (the gw's holds 4096, gw_int.h) */
#define TUNIF_DONE_SEGS 1024

struct tunif {
	struct loop *loop;
	int fd;
	int peer_ifindex;
	uint8_t mac_if[6];              /* NAME: the kernel's side */
	uint8_t mac_peer[6];            /* the driven side */
	tunif_rx_fn rx;
	void (*done)(void *ctx);
	void *ctx;
	uint64_t rxp, txp, rx_dropped;
	size_t undone;                  /* packets given to rx since done last ran */
	bool vnet;                      /* offloads: a virtio_net_hdr in front of every frame */
	/* receive batch: TUNIF_BATCH frames of up to slot bytes each in rbuf (owned) */
	size_t slot;
	uint8_t *rbuf;
	struct mmsghdr rmsg[TUNIF_BATCH];
	struct iovec riov[TUNIF_BATCH][2];
	struct virtio_net_hdr rvh[TUNIF_BATCH];
	struct sockaddr_ll rfrom[TUNIF_BATCH];
	/* send batch: each frame is [vnet header] + its own Ethernet header + the caller's
	 * packet, or with offloads a merged packet: its rewritten headers, then the payloads
	 * of the segments it took (struct gso_merge) */
	struct mmsghdr smsg[TUNIF_BATCH];
	struct iovec siov[TUNIF_BATCH][TUNIF_GSO_SEGS + 3];
	size_t sseg[TUNIF_BATCH];       /* packets in each frame */
	uint8_t shdr[TUNIF_BATCH][ETH_HDR];
	struct virtio_net_hdr svh[TUNIF_BATCH];
	struct gso_merge smerge[TUNIF_BATCH];
	struct sockaddr_ll to;
};

/* Complete a checksum the kernel left to the "device" (TCP or UDP right after an IPv4 header
 * without options or an IPv6 header): 0, or -EINVAL for anything else (an SCTP CRC, say). */
static int csum_complete(uint8_t *ip, size_t len, size_t start, size_t off)
{
	size_t l3 = 0;
	uint8_t proto = 0;

	if (len >= 20 && (ip[0] >> 4) == 4) {
		l3 = (size_t)(ip[0] & 15) * 4;
		proto = ip[9];
	} else if (len >= 40 && (ip[0] >> 4) == 6) {
		l3 = 40;
		proto = ip[6];
	}
	if (!l3 || start != l3 || !((proto == 6 && off == 16) || (proto == 17 && off == 6)))
		return -EINVAL;
	return gso_csum_complete(ip, len, start, off);
}

/* A frame with offloads: its virtio_net_hdr says whether the IP packet is whole, needs its
 * checksum completed, or is a TCP/IPv4 GSO packet to split into segments. */
static void vnet_frame(struct tunif *t, const struct virtio_net_hdr *vh, uint8_t *ip,
                       size_t len)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	struct gso_split sp;
	const char *field;
	uint8_t *seg;
	size_t slen;

	if (type == VIRTIO_NET_HDR_GSO_NONE) {
		if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    (vh->csum_start < ETH_HDR ||
		     csum_complete(ip, len, vh->csum_start - ETH_HDR, vh->csum_offset))) {
			t->rx_dropped++;
			return;
		}
		t->rxp++;
		t->rx(t->ctx, ip, len);
		return;
	}
	if (type != VIRTIO_NET_HDR_GSO_TCPV4 ||
	    gso_tcp4_split_init(&sp, ip, len, vh->gso_size, &field)) {
		t->rx_dropped++;
		return;
	}
	while (gso_tcp4_split_next(&sp, &seg, &slen)) {
		t->rxp++;
		t->rx(t->ctx, seg, slen);
		if (++t->undone >= TUNIF_DONE_SEGS && t->done) {
			t->done(t->ctx);
			t->undone = 0;
		}
	}
}

static void on_frame(void *ctx, int fd, uint32_t events)
{
	struct tunif *t = ctx;
	int n;

	(void)events;
	do {
		for (int i = 0; i < TUNIF_BATCH; i++) {
			struct iovec *v = t->riov[i];

			v[0] = (struct iovec){ &t->rvh[i], VNET_HDR };
			v[1] = (struct iovec){ t->rbuf + (size_t)i * t->slot, t->slot };
			memset(&t->rmsg[i].msg_hdr, 0, sizeof t->rmsg[i].msg_hdr);
			t->rmsg[i].msg_hdr.msg_iov = t->vnet ? v : v + 1;
			t->rmsg[i].msg_hdr.msg_iovlen = t->vnet ? 2 : 1;
			t->rmsg[i].msg_hdr.msg_name = &t->rfrom[i];
			t->rmsg[i].msg_hdr.msg_namelen = sizeof t->rfrom[i];
		}
		n = recvmmsg(fd, t->rmsg, TUNIF_BATCH, 0, NULL);
		for (int i = 0; i < n; i++) {
			uint8_t *f = t->riov[i][1].iov_base;
			size_t len = t->rmsg[i].msg_len;
			uint16_t type;

			if (t->vnet) {
				if (len < (size_t)VNET_HDR)
					continue;
				len -= VNET_HDR;
			}

			/* Our own transmissions come back as PACKET_OUTGOING: not for us. A frame
			 * longer than the slot (MTU + header) cannot come from the interface. */
			if (t->rfrom[i].sll_pkttype == PACKET_OUTGOING || len < ETH_HDR ||
			    (t->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			type = (uint16_t)(f[12] << 8 | f[13]);
			if (type != ETH_P_IP && type != ETH_P_IPV6)
				continue;       /* nothing else belongs in a tunnel */
			if (t->vnet) {
				vnet_frame(t, &t->rvh[i], f + ETH_HDR, len - ETH_HDR);
				continue;
			}
			t->rxp++;
			t->rx(t->ctx, f + ETH_HDR, len - ETH_HDR);
		}
		if (n > 0 && t->done)
			t->done(t->ctx);
		t->undone = 0;
		/* a short batch emptied the queue; the watch is level-triggered anyway */
	} while (n == TUNIF_BATCH);
}

void tunif_set_batch_done(struct tunif *t, void (*done)(void *ctx))
{
	t->done = done;
}

int tunif_open(struct tunif **out, struct loop *loop, int nsfd, struct nl_sock *nl,
               const char *name, int mtu, bool offload, tunif_rx_fn rx, void *ctx, char *msg,
               size_t msglen)
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
	if (offload)            /* a GSO packet: up to an IPv4 total length */
		t->slot = GSO_MAX_TOTAL + ETH_HDR + 4;
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
	/* With offloads the veth's defaults stay (checksum, scatter-gather, TSO): GSO packets
	 * cross the pair whole and the packet socket carries them with a virtio_net_hdr. */
	if (!offload &&
	    ((err = ethtool_wire_like(nsfd, name)) || (err = ethtool_wire_like(nsfd, peer)))) {
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
		if (offload) {
			t->vnet = setsockopt(t->fd, SOL_PACKET, PACKET_VNET_HDR, &one,
			                     sizeof one) == 0;
			/* refused: no offloads after all, wire-like frames as without */
			if (!t->vnet && ((err = ethtool_wire_like(nsfd, name)) ||
			                 (err = ethtool_wire_like(nsfd, peer)))) {
				snprintf(msg, msglen, "tunnel interface %s: offloads: %s", name,
				         strerror(-err));
				goto fail;
			}
		}
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

/* Frame k: the Ethernet header, and the virtio_net_hdr in front with offloads. */
static struct iovec *frame_start(struct tunif *t, size_t k, bool v6)
{
	uint8_t *h = t->shdr[k];
	struct iovec *v = t->siov[k];

	memcpy(h, t->mac_if, 6);
	memcpy(h + 6, t->mac_peer, 6);
	h[12] = v6 ? 0x86 : 0x08;
	h[13] = v6 ? 0xdd : 0x00;
	if (t->vnet) {
		memset(&t->svh[k], 0, sizeof t->svh[k]);
		*v++ = (struct iovec){ &t->svh[k], VNET_HDR };
	}
	*v++ = (struct iovec){ h, ETH_HDR };
	return v;
}

size_t tunif_deliver_batch(struct tunif *t, const struct tunif_pkt *p, size_t n, int *last_err)
{
	size_t failed = 0, i = 0;

	*last_err = 0;
	while (i < n) {
		size_t k = 0, sent = 0;

		while (i < n && k < TUNIF_BATCH) {
			struct gso_merge *m = &t->smerge[k];
			struct iovec *v;
			size_t take = 1;

			if (p[i].len < 1 || p[i].len > 65536) {
				*last_err = EMSGSIZE;
				failed++;
				i++;
				continue;
			}
			if (t->vnet) {
				/* the tunif_pkt and gso_seg layouts are the same: data, len */
				_Static_assert(sizeof(struct tunif_pkt) == sizeof(struct gso_seg),
				               "tunif_pkt is a gso_seg");
				take = gso_tcp4_merge((const struct gso_seg *)(p + i), n - i,
				                      GSO_MAX_TOTAL, TUNIF_GSO_SEGS, m);
			}
			v = frame_start(t, k, (p[i].data[0] >> 4) == 6);
			if (take > 1) {
				struct virtio_net_hdr *vh = &t->svh[k];

				vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
				vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
				vh->hdr_len = (uint16_t)(ETH_HDR + m->hdr_len);
				vh->gso_size = m->gso_size;
				vh->csum_start = (uint16_t)(ETH_HDR + m->csum_start);
				vh->csum_offset = m->csum_offset;
				*v++ = (struct iovec){ m->hdr, m->hdr_len };
				for (size_t j = 0; j < take; j++)
					*v++ = (struct iovec){ (void *)(p[i + j].data + m->hdr_len),
					                       p[i + j].len - m->hdr_len };
			} else {
				*v++ = (struct iovec){ (void *)p[i].data, p[i].len };
			}
			memset(&t->smsg[k], 0, sizeof t->smsg[k]);
			t->smsg[k].msg_hdr.msg_iov = t->siov[k];
			t->smsg[k].msg_hdr.msg_iovlen = (size_t)(v - t->siov[k]);
			t->smsg[k].msg_hdr.msg_name = &t->to;
			t->smsg[k].msg_hdr.msg_namelen = sizeof t->to;
			t->sseg[k] = take;
			i += take;
			k++;
		}
		/* sendmmsg stops at the first message that fails and reports it only when it is
		 * the first of a call: skip it and go on, as one sendto per packet would (a merged
		 * frame fails for each packet in it). */
		while (sent < k) {
			int r = sendmmsg(t->fd, t->smsg + sent, (unsigned)(k - sent), 0);

			if (r <= 0) {
				*last_err = r < 0 ? errno : EIO;
				failed += t->sseg[sent];
				sent++;
				continue;
			}
			for (int j = 0; j < r; j++)
				t->txp += t->sseg[sent + (size_t)j];
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

uint64_t tunif_rx_dropped(const struct tunif *t)
{
	return t->rx_dropped;
}

bool tunif_offloads(const struct tunif *t)
{
	return t->vnet;
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
