/*
 * gso.h: TCP/IPv4 segments as one GSO packet, and a GSO packet back into segments.
 *
 * The tunnel interface's packet socket can carry "super-packets" of up to 64 KiB with a
 * virtio_net_hdr in front (PACKET_VNET_HDR, harness/tunif.c): the kernel cuts them into
 * segments of gso_size payload bytes itself (or never, when the receiving TCP takes them
 * whole), so the stacks behind the gateway work per 64 KiB instead of per segment. Nothing
 * here knows sockets: the tunnel decides, these functions check and rewrite headers.
 *
 * Merging (towards the kernel) takes only what the kernel's segmentation gives back exactly:
 * IPv4 without options or fragments, TCP with flags ACK (PSH on the last only), the same
 * addresses, ports, TOS, TTL, DF, ACK number, window and options (so timestamps too),
 * consecutive sequence numbers, IP IDs counting up by one, every segment but the last of
 * the same payload size, and valid IP and TCP checksums (a segment with a bad one goes
 * alone, as it came, for the receiving stack to drop).
 *
 * Splitting (from the kernel) is done in place: segment i's headers are written in front of
 * its payload, over bytes of segment i-1 that the caller has consumed by then. IP IDs count
 * up from the packet's, sequence numbers by gso_size, CWR stays on the first segment, FIN
 * and PSH on the last, both checksums are computed in full (what the kernel's segmentation
 * of the same packet would have sent). One exception: a packet GRO built from segments with
 * one fixed ID (SKB_GSO_TCP_FIXEDID) reaches us as plain TCPv4, the virtio_net_hdr has no
 * flag for it, and its segments leave with IDs counting up where the kernel would have kept
 * them fixed. GRO runs only in front of a tunnel whose input interface does GRO (a veth
 * does with XDP or threaded NAPI only; lab interfaces have it off, ethtool.h).
 */
#ifndef VPNLAB_PEERS_IP_GSO_H
#define VPNLAB_PEERS_IP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GSO_MAX_HDR 80          /* IPv4 (20, no options) + TCP (20, up to 40 of options) */
#define GSO_MAX_TOTAL 65535     /* IPv4 total length */

struct gso_seg {
	const uint8_t *data;            /* a whole IPv4 packet, borrowed */
	size_t len;
};

/* One merged packet: hdr, then p[0].data[hdr_len..], then each next segment's payload. */
struct gso_merge {
	size_t count;                   /* segments taken: 1 = p[0] goes alone, unchanged */
	size_t hdr_len;                 /* IP + TCP header bytes in hdr (count > 1) */
	size_t total;                   /* IP total length of the merged packet */
	uint16_t gso_size;              /* payload bytes per segment (all but the last) */
	uint16_t csum_start;            /* TCP header offset in the packet (the checksum */
	uint16_t csum_offset;           /*   the kernel completes: partial pseudo-header) */
	uint8_t hdr[GSO_MAX_HDR];
};

/*
 * How many of p[0..n) (n >= 1) go to the kernel as one GSO packet of at most max_total
 * bytes (<= GSO_MAX_TOTAL) and at most max_segs segments: m->count, >= 1. With count > 1,
 * m->hdr holds the merged packet's IP and TCP headers (total length, IP checksum, flags of
 * the last segment, TCP checksum field holding the pseudo-header sum).
 */
size_t gso_tcp4_merge(const struct gso_seg *p, size_t n, size_t max_total, size_t max_segs,
                      struct gso_merge *m);

/* Splitting one TCP/IPv4 GSO packet in place. */
struct gso_split {
	uint8_t *pkt;
	size_t len, hdr_len, mss, off;  /* off: the next payload byte */
	uint32_t seq;
	uint16_t id;
	uint8_t flags;                  /* of the whole packet */
	uint8_t hdr[GSO_MAX_HDR];       /* the original headers */
	unsigned index;
};

/*
 * Check pkt (len bytes, what the kernel's header says is TCPv4 with gso_size) and start
 * splitting it: 0, or -EINVAL with *field naming what is wrong (not IPv4 without options,
 * not TCP, total length not len, a fragment, data offset out of range, no payload,
 * gso_size 0 or more than 65535 - headers).
 */
int gso_tcp4_split_init(struct gso_split *s, uint8_t *pkt, size_t len, size_t gso_size,
                        const char **field);

/* The next segment (in place in pkt; valid until the next call): true, or false at the end. */
bool gso_tcp4_split_next(struct gso_split *s, uint8_t **seg, size_t *seglen);

/*
 * Complete a checksum the kernel left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): the 16 bits at
 * start + offset hold the pseudo-header sum; sum pkt[start..len) and store its complement.
 * 0, or -EINVAL when start or the field lies outside the packet.
 */
int gso_csum_complete(uint8_t *pkt, size_t len, size_t start, size_t offset);

#endif
