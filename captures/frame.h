/*
 * frame.h: decode one captured frame, link layer to the IKE/ESP classification, the way an
 * engineer reads it in a capture. Pure: bytes in, a struct cap_frame out, no allocation.
 *
 * A malformed frame is never fatal: cap_frame_decode fills what it could, sets err (a -errno)
 * and error (the field and its byte offset from the start of the frame) and returns err.
 */
#ifndef VPNLAB_CAPTURES_FRAME_H
#define VPNLAB_CAPTURES_FRAME_H

#include "peers/ip/ip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link types as pcap_datalink() reports them on Linux (and LINKTYPE_RAW as stored). */
enum {
	CAP_DLT_NULL = 0,         /* BSD loopback: 4-byte host-order address family */
	CAP_DLT_EN10MB = 1,       /* Ethernet, with 802.1Q / 802.1ad tags */
	CAP_DLT_RAW = 12,         /* raw IP, version from the first nibble */
	CAP_DLT_LINKTYPE_RAW = 101,
	CAP_DLT_LOOP = 108,       /* OpenBSD loopback: network-order address family */
	CAP_DLT_LINUX_SLL = 113,  /* Linux cooked v1, 16-byte header */
	CAP_DLT_IPV4 = 228,
	CAP_DLT_IPV6 = 229,
	CAP_DLT_LINUX_SLL2 = 276, /* Linux cooked v2, 20-byte header */
};

enum cap_l3 { CAP_L3_NONE = 0, CAP_L3_IPV4, CAP_L3_IPV6, CAP_L3_OTHER };
enum cap_l4 { CAP_L4_NONE = 0, CAP_L4_UDP, CAP_L4_TCP, CAP_L4_ICMP, CAP_L4_ESP, CAP_L4_AH,
              CAP_L4_OTHER };

enum cap_app {
	CAP_APP_NONE = 0,
	CAP_APP_ISAKMP,           /* UDP 500, or UDP 4500 after the non-ESP marker (RFC 3948 §2.2) */
	CAP_APP_NATT_KEEPALIVE,   /* UDP 4500, one byte 0xFF (RFC 3948 §2.3) */
	CAP_APP_ESP,              /* IP protocol 50 */
	CAP_APP_UDP_ESP,          /* UDP 4500 with a non-zero SPI (RFC 3948 §2.1) */
	CAP_APP_AH,               /* IP protocol 51 */
};

#define CAP_MAX_VLAN 2

struct cap_frame {
	uint64_t number;          /* 1-based, as Wireshark numbers frames */
	int64_t ts_ns;            /* capture timestamp, ns since the epoch */
	int dlt;
	uint32_t caplen, wirelen;
	const uint8_t *data;      /* borrowed: the frame, or the reassembled payload (below) */
	bool truncated;           /* the snap length or a short capture cut a header or payload */

	/* Link layer. */
	uint16_t ethertype;       /* 0x0800 / 0x86dd for IP; for DLT_RAW etc. as if Ethernet */
	uint8_t nvlan;
	uint16_t vlan[CAP_MAX_VLAN];   /* VLAN IDs, outer first */
	size_t l3_off;

	/* IP. */
	enum cap_l3 l3;
	struct ip_addr src, dst;
	uint8_t proto;            /* the upper-layer protocol after any IPv6 extension headers */
	uint8_t ttl;              /* or hop limit */
	uint16_t ip_len;          /* IPv4 total length / IPv6 payload length */
	uint16_t ip_id;
	bool ip_csum_ok;          /* IPv4 header checksum (always true for IPv6) */
	bool df;
	bool fragment;            /* a fragment: L4 is not decoded from it */
	bool mf;
	uint16_t frag_off;
	uint32_t frag_id;         /* IPv4 ID or IPv6 fragment identification */
	const uint8_t *frag_data; /* borrowed: the fragment's data, for reassembly */
	size_t frag_len;

	/*
	 * A datagram reassembled from fragments: data/caplen are the reassembled IP payload,
	 * offsets below count from it, number is the frame of the fragment that completed it,
	 * and reasm lists every fragment (borrowed until the next frame is read).
	 */
	bool reassembled;
	struct ip_reasm_datagram reasm;

	/* Transport. */
	enum cap_l4 l4;
	size_t l4_off;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	bool has_mss;
	uint16_t mss;
	bool icmp_valid;
	struct icmp_msg icmp;     /* type, code, MTU, quote (pointers borrowed from data) */

	/* IKE / ESP. */
	enum cap_app app;
	uint32_t spi, seq;        /* ESP, UDP-encapsulated ESP, AH */
	const uint8_t *isakmp;    /* borrowed: the ISAKMP message, handed to the ISAKMP codec */
	size_t isakmp_len;
	size_t isakmp_off;        /* offset of the ISAKMP header in data */

	/* The first problem found, if any. */
	int err;
	struct ip_err error;      /* offset counts from the start of data */
};

/*
 * Decode one frame of link type dlt (caplen bytes captured of wirelen). Fills f from scratch
 * (number and ts_ns are left for the caller). Returns 0 or f->err.
 */
int cap_frame_decode(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
                     struct cap_frame *f);

/*
 * Decode an upper layer (proto) that starts at data + off, in f whose addresses are set:
 * how a reassembled datagram goes through the same path as an unfragmented one.
 */
int cap_frame_decode_l4(struct cap_frame *f, uint8_t proto, size_t off, size_t len);

/*
 * Hand a fragment frame (f->fragment set) to r. When it completes a datagram, fill whole
 * with the reassembled datagram decoded through cap_frame_decode_l4 (number, timestamp and
 * addresses from f; data and reasm borrowed from r until its next call) and return 1;
 * otherwise return 0. A fragment cut by the snap length is not added.
 */
int cap_frame_reassemble(struct ip_reasm *r, const struct cap_frame *f,
                         struct cap_frame *whole);

/* Names for printing. */
const char *cap_app_name(enum cap_app a);
const char *cap_dlt_name(int dlt);

#endif
