/*
 * ip.h: the IP-layer codec shared by the ESP data path and the trace analyser.
 *
 * Pure and bounds-checked: every parser takes bytes and a length, fills a struct and returns
 * 0 or -errno (-EMSGSIZE: too short for a field, -EBADMSG: a field holds an impossible value,
 * -EPROTONOSUPPORT: not the version asked for). On error, struct ip_err names the field and its
 * byte offset from the start of the buffer passed in. Nothing is allocated except by the
 * reassembly object. Every pointer in a parsed struct is borrowed from the input buffer.
 */
#ifndef VPNLAB_PEERS_IP_H
#define VPNLAB_PEERS_IP_H

#include "peers/labtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	IP_PROTO_HOPOPTS = 0,
	IP_PROTO_ICMP = 1,
	IP_PROTO_TCP = 6,
	IP_PROTO_UDP = 17,
	IP_PROTO_IPV6 = 41,
	IP_PROTO_ROUTING = 43,
	IP_PROTO_FRAGMENT = 44,
	IP_PROTO_ESP = 50,
	IP_PROTO_AH = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_NONE = 59,
	IP_PROTO_DSTOPTS = 60,
};

/* Why a parser failed: a static field name, its byte offset, and the offending values. */
struct ip_err {
	const char *field;
	size_t offset;
	char msg[96];
};

/* An IPv4 or IPv6 address; family is 4 or 6 (0: none). IPv4 uses a[0..3]. */
struct ip_addr {
	uint8_t family;
	uint8_t a[16];
};

bool ip_addr_equal(const struct ip_addr *x, const struct ip_addr *y);
/* Text form into buf (at least 46 bytes); returns buf. */
char *ip_addr_format(const struct ip_addr *x, char *buf, size_t len);

/* RFC 1071 ones' complement sum, folded, not inverted; chain with `sum` (start at 0). */
uint32_t ip_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t ip_csum_fold(uint32_t sum);
/* Sum of the TCP/UDP/ICMPv6 pseudo-header (RFC 768, RFC 793, RFC 8200 §8.1). */
uint32_t ip_csum_pseudo(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto,
                        uint32_t len);

/* ---- IPv4 (RFC 791) ---- */

struct ipv4_hdr {
	uint8_t hlen;             /* header length in bytes (IHL * 4) */
	uint8_t tos;
	uint16_t total_len;       /* as on the wire */
	uint16_t id;
	bool rf, df, mf;
	uint16_t frag_off;        /* in bytes (field * 8) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	bool csum_ok;             /* a bad checksum is reported here; the header still decodes */
	struct ip_addr src, dst;
	const uint8_t *opts;      /* borrowed; opts_len = hlen - 20 */
	size_t opts_len;
	const uint8_t *payload;   /* borrowed; up to total_len, trimmed to what was captured */
	size_t payload_len;
	bool truncated;           /* fewer bytes than total_len (snap length) */
};

/*
 * Parse an IPv4 header. Bytes past total_len (Ethernet padding) are not payload. A buffer
 * shorter than total_len but holding the whole header decodes with truncated set.
 */
int ipv4_parse(const uint8_t *b, size_t len, struct ipv4_hdr *h, struct ip_err *err);

/*
 * Write an IPv4 header for h (hlen taken from opts_len, which must be a multiple of 4 and
 * at most 40; total_len, id, flags, frag_off, ttl, proto, tos, src, dst, opts used), with the
 * checksum computed. Returns the header length or -errno.
 */
int ipv4_build(const struct ipv4_hdr *h, uint8_t *out, size_t cap);

/* One fragment written by ipv4_fragment: out[off .. off+len) is a complete IPv4 packet. */
struct ipv4_frag_slot {
	size_t off;
	size_t len;
};

/*
 * Fragment the IPv4 packet pkt (len bytes) so each fragment fits in mtu bytes (RFC 791
 * §3.2; options without the copy flag go in the first fragment only). Fragments are written
 * back to back into out. Returns the number of fragments (1 when it already fits), -EMSGSIZE
 * when DF is set and it does not fit, -ENOSPC when out or slots are too small, -EINVAL when
 * mtu cannot carry a header and 8 bytes of data.
 */
int ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap,
                  struct ipv4_frag_slot *slots, size_t nslots);

/* ---- IPv6 (RFC 8200) ---- */

struct ipv6_hdr {
	uint8_t tclass;
	uint32_t flow;
	uint16_t plen;            /* payload length as on the wire */
	uint8_t next;             /* next header of the fixed header */
	uint8_t hop_limit;
	struct ip_addr src, dst;
	/* After the extension header walk: */
	uint8_t proto;            /* the upper-layer protocol (or 44's next for a non-first fragment) */
	size_t l4_off;            /* offset of the upper layer from the start of the IPv6 header */
	uint8_t n_ext;            /* extension headers walked */
	bool frag;                /* a fragment header was found */
	bool mf;
	uint16_t frag_off;        /* bytes */
	uint32_t frag_id;
	size_t frag_hdr_off;      /* offset of the fragment header */
	size_t unfrag_len;        /* bytes before the fragment header (the unfragmentable part) */
	const uint8_t *payload;   /* borrowed: from l4_off up to 40 + payload_len, trimmed */
	size_t payload_len;
	bool truncated;
};

/*
 * Parse an IPv6 header and walk hop-by-hop, routing, fragment and destination options headers,
 * stopping at any other next header (ESP, AH, UDP, TCP, ICMPv6, ...) or at the fragment header
 * of a non-first fragment, whose data is not a header.
 */
int ipv6_parse(const uint8_t *b, size_t len, struct ipv6_hdr *h, struct ip_err *err);

/* ---- UDP (RFC 768) and TCP (RFC 9293) ---- */

struct udp_hdr {
	uint16_t sport, dport, len, csum;
	const uint8_t *payload;   /* borrowed: up to len, trimmed to what was captured */
	size_t payload_len;
	bool truncated;
};

int udp_parse(const uint8_t *b, size_t len, struct udp_hdr *h, struct ip_err *err);

enum {
	TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08,
	TCP_ACK = 0x10, TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80,
};

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen;             /* data offset in bytes */
	uint8_t flags;
	uint16_t window, csum, urgent;
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;
	bool sack_permitted;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	const uint8_t *opts;      /* borrowed */
	size_t opts_len;
	const uint8_t *payload;   /* borrowed */
	size_t payload_len;
};

int tcp_parse(const uint8_t *b, size_t len, struct tcp_hdr *h, struct ip_err *err);

/* ---- ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) ---- */

enum icmp_kind {
	ICMP_KIND_OTHER = 0,
	ICMP_KIND_ECHO_REQUEST,
	ICMP_KIND_ECHO_REPLY,
	ICMP_KIND_UNREACH,        /* v4 type 3 (other than code 4), v6 type 1 */
	ICMP_KIND_FRAG_NEEDED,    /* v4 type 3 code 4, v6 type 2 (packet too big) */
	ICMP_KIND_TIME_EXCEEDED,
	ICMP_KIND_PARAM_PROBLEM,
	ICMP_KIND_REDIRECT,
};

/* What an ICMP error quotes of the packet that caused it. */
struct icmp_quote {
	struct ip_addr src, dst;
	uint8_t proto;
	uint16_t ip_id;           /* IPv4 only */
	uint16_t total_len;       /* IPv4 total length / IPv6 payload length as quoted */
	bool has_ports;
	uint16_t sport, dport;
	bool has_spi;             /* ESP, AH, or UDP-encapsulated ESP on 4500 */
	uint32_t spi;
};

struct icmp_msg {
	uint8_t family;           /* 4: ICMP, 6: ICMPv6 */
	uint8_t type, code;
	uint16_t csum;
	bool csum_ok;             /* ICMPv6 needs the pseudo-header: see icmp_parse */
	enum icmp_kind kind;
	uint16_t echo_id, echo_seq;
	uint32_t mtu;             /* next-hop MTU (v4 frag needed, 0 if the router left it 0) or v6 MTU */
	uint32_t pointer;         /* parameter problem */
	bool has_quote;
	struct icmp_quote quote;
	const uint8_t *data;      /* borrowed: echo data or the quoted packet */
	size_t data_len;
};

/*
 * Parse an ICMP (family 4) or ICMPv6 (family 6) message. For ICMPv6 pass the IPv6 addresses
 * (src, dst) to verify the checksum; with NULL csum_ok is false. A quote too short to decode
 * is not an error: has_quote stays false or has_ports false.
 */
int icmp_parse(uint8_t family, const uint8_t *b, size_t len, const struct ip_addr *src,
               const struct ip_addr *dst, struct icmp_msg *m, struct ip_err *err);

/*
 * Write an ICMP (family 4) echo request or reply with data; for ICMPv6 src and dst give the
 * pseudo-header. Returns the bytes written or -errno.
 */
int icmp_echo_build(uint8_t family, bool reply, uint16_t id, uint16_t seq,
                    const uint8_t *data, size_t data_len, const struct ip_addr *src,
                    const struct ip_addr *dst, uint8_t *out, size_t cap);

/* ---- Fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5, RFC 5722) ---- */

/* One fragment as received; the caller's frame number identifies it in a capture. */
struct ip_frag_rec {
	uint64_t frame;
	lab_ns ts;
	uint32_t offset;          /* bytes */
	uint32_t len;
	bool mf;
	bool df;
	bool duplicate;           /* same offset, length and bytes as an earlier fragment */
	uint8_t ttl;
};

enum ip_reasm_drop_reason {
	IP_REASM_DROP_TIMEOUT = 1,
	IP_REASM_DROP_EVICTED,    /* the datagram or byte cap was reached; the oldest went */
	IP_REASM_DROP_OVERLAP,    /* overlapping fragments with different data (RFC 5722) */
	IP_REASM_DROP_INVALID,    /* inconsistent last fragment, too large, too many fragments */
};

/* A datagram's identity and its fragments; all pointers borrowed until the next call. */
struct ip_reasm_datagram {
	struct ip_addr src, dst;
	uint8_t proto;
	uint32_t id;
	bool first_df;            /* DF of the offset-0 fragment (IPv4) */
	const struct ip_frag_rec *frags;   /* in arrival order, duplicates included */
	size_t nfrags;
	const uint8_t *data;      /* complete datagrams only: the reassembled payload */
	size_t len;
};

struct ip_reasm_config {
	size_t max_datagrams;     /* in progress at once (0: 64) */
	size_t max_bytes;         /* fragment data held at once (0: 1 MiB) */
	size_t max_frags;         /* per datagram (0: 128) */
	lab_ns timeout;           /* from the first fragment (0: 30 s, RFC 8200's 60 s is also common) */
	/* Told about every datagram dropped incomplete; may be NULL. */
	void (*on_drop)(void *arg, enum ip_reasm_drop_reason why, const struct ip_reasm_datagram *d);
	void *arg;
};

struct ip_reasm;

/* Returns NULL when out of memory; caller frees with ip_reasm_free. cfg is copied. */
struct ip_reasm *ip_reasm_new(const struct ip_reasm_config *cfg);
void ip_reasm_free(struct ip_reasm *r);

/* One fragment to add: the data after the IP (and IPv6 fragment) header. */
struct ip_frag_in {
	struct ip_addr src, dst;
	uint8_t proto;
	uint32_t id;
	uint32_t offset;
	bool mf, df;
	uint8_t ttl;
	const uint8_t *data;
	size_t len;
	uint64_t frame;
	lab_ns now;
};

/*
 * Add a fragment. Expires datagrams older than the timeout first. Returns 1 and fills done
 * when the datagram is complete (done borrowed until the next call), 0 when it is held (or was
 * an exact duplicate), -EBADMSG when it is invalid or overlaps (the datagram is dropped and
 * on_drop told), -ENOMEM. Memory stays within the caps: the oldest datagram is evicted.
 */
int ip_reasm_add(struct ip_reasm *r, const struct ip_frag_in *f, struct ip_reasm_datagram *done);

/* Drop (and report) every datagram older than the timeout at `now`. */
void ip_reasm_expire(struct ip_reasm *r, lab_ns now);

/* Datagrams and bytes held now. */
size_t ip_reasm_pending(const struct ip_reasm *r, size_t *bytes);

#endif
