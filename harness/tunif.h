/*
 * tunif.h: a gateway's tunnel interface, without TUN.
 *
 * A veth pair inside the gateway's own namespace: the kernel routes the traffic selectors'
 * packets into NAME (flagged NOARP, so no neighbour resolution is needed), and they come out
 * of NAME's peer, where vpnlab reads them through an AF_PACKET socket. Decrypted packets go
 * the other way: vpnlab writes them to the peer end and the kernel receives them on NAME as if
 * they had arrived from the tunnel.
 *
 * Why not TUN: /dev/net/tun is root-only on the machines vpnlab targets, so a rootless run
 * could not open it, while packet sockets work in a user namespace. One code path serves both,
 * and NAME can be captured like any other link, showing the tunnel's cleartext.
 */
#ifndef VPNLAB_HARNESS_TUNIF_H
#define VPNLAB_HARNESS_TUNIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/loop.h"

struct nl_sock;

/* Called with each IP packet the kernel routed into the tunnel interface (borrowed, in
 * tunif's receive buffer: the callee may rewrite it in place until it returns). */
typedef void (*tunif_rx_fn)(void *ctx, uint8_t *pkt, size_t len);

struct tunif;

/*
 * Create NAME (mtu) and its driven peer inside nsfd, bring both up, watch the peer on loop.
 * 0 or -errno with msg.
 *
 * Without offload both ends are wire-like (ethtool.h): every frame on NAME is one packet
 * as it would be on a wire, which is what a capture on NAME must show. With offload (where
 * nobody captures NAME: `vpnlab peer`) the veth keeps TSO and checksum offload and the
 * packet socket takes a virtio_net_hdr (PACKET_VNET_HDR): TCP/IPv4 GSO packets the kernel
 * routes into NAME are split into segments here before rx sees them (peers/ip/gso.h), and
 * consecutive segments of one TCP stream delivered in one batch go to the kernel merged
 * into one GSO packet, so the stacks behind NAME work per 64 KiB. Packets and counters are
 * per segment either way. Where the kernel refuses PACKET_VNET_HDR, no offloads.
 */
int tunif_open(struct tunif **out, struct loop *loop, int nsfd, struct nl_sock *nl,
               const char *name, int mtu, bool offload, tunif_rx_fn rx, void *ctx, char *msg,
               size_t msglen);
bool tunif_offloads(const struct tunif *t);

/* Deliver an IP packet (IPv4 or IPv6 by its version nibble) to the kernel as if it arrived on
 * the tunnel interface. 0 or -errno. */
int tunif_deliver(struct tunif *t, const uint8_t *pkt, size_t len);

struct tunif_pkt {
	const uint8_t *data;            /* borrowed for the call */
	size_t len;
};

/*
 * Deliver n packets in order, as tunif_deliver does one, in as few system calls as the kernel
 * takes (sendmmsg, up to TUNIF_BATCH a call; the Ethernet header goes as its own iovec, so
 * the packets are not copied). Returns how many failed; *last_err is the errno of the last
 * failure (0 if none).
 */
size_t tunif_deliver_batch(struct tunif *t, const struct tunif_pkt *p, size_t n, int *last_err);

/*
 * Frames are read TUNIF_BATCH at a time (recvmmsg) and rx is called for each; then done, if
 * set, once per batch: where a caller sends what the batch produced (NULL: nothing).
 */
#define TUNIF_BATCH 32
void tunif_set_batch_done(struct tunif *t, void (*done)(void *ctx));

uint64_t tunif_rx_packets(const struct tunif *t);
uint64_t tunif_tx_packets(const struct tunif *t);
/* Frames from the kernel with offloads that could not be made into packets: a GSO type
 * other than TCPv4, a malformed GSO packet, a checksum to complete that is not TCP's or
 * UDP's. */
uint64_t tunif_rx_dropped(const struct tunif *t);

/* Stop watching and close the socket; the interfaces go with the namespace. */
void tunif_close(struct tunif *t);

#endif
