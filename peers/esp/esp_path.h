/*
 * esp_path.h: the IPv4 tunnel data path decisions a gateway makes before encrypting (pure).
 *
 *  - does an inner packet fit the tunnel? (tunnel MTU, e.g. 1400 on a kernel-libipsec TUN, and
 *    the ESP overhead on the uplink); if not and DF is set, drop it and answer ICMP
 *    "fragmentation needed" with the next-hop MTU (RFC 792, RFC 1191 4);
 *  - TCP MSS clamping on SYNs (RFC 879 / RFC 6691: MSS = MTU - 40 for IPv4 without options).
 */
#ifndef VPNLAB_PEERS_ESP_PATH_H
#define VPNLAB_PEERS_ESP_PATH_H

#include <stddef.h>
#include <stdint.h>

struct esp_sa;

#define ESP_PATH_IPV4_HDR 20

/*
 * Bytes the tunnel adds to an inner packet of inner_len bytes on the wire: outer IPv4 header,
 * UDP header if the SA is UDP-encapsulated, ESP header, IV, padding, trailer, ICV.
 */
size_t esp_path_overhead(const struct esp_sa *sa, size_t inner_len);

/*
 * Largest inner packet that leaves as one outer packet of at most link_mtu bytes with this SA
 * (padding rounds to the cipher block, so it is not link_mtu minus a constant). 0 if none.
 */
size_t esp_path_inner_mtu(const struct esp_sa *sa, size_t link_mtu);

enum esp_path_action {
	ESP_PATH_ENCRYPT,       /* fits: encrypt as is */
	ESP_PATH_FRAGMENT,      /* too big, DF clear: fragment the inner packet, encrypt each */
	ESP_PATH_FRAG_NEEDED,   /* too big, DF set: drop, send ICMP 3/4 with *mtu */
	ESP_PATH_INVALID,       /* not a well-formed IPv4 header */
};

/*
 * Decide for one inner IPv4 packet: the effective MTU is the smaller of tunnel_mtu (0 = none)
 * and esp_path_inner_mtu(sa, link_mtu) (link_mtu 0 = none); *mtu receives it.
 */
enum esp_path_action esp_path_ipv4_decide(const struct esp_sa *sa, const uint8_t *pkt,
                                          size_t len, size_t tunnel_mtu, size_t link_mtu,
                                          size_t *mtu);

/*
 * Build the ICMP "destination unreachable, fragmentation needed and DF set" (type 3, code 4)
 * for the offending packet orig: from gw (the gateway's address, network order as 4 bytes) to
 * the packet's source, carrying its IP header and first 8 data bytes (RFC 792) and next-hop
 * MTU (RFC 1191 4). Returns the length written to out, or -EINVAL (orig malformed, or an ICMP
 * error / non-first fragment, which never get an ICMP error: RFC 1122 3.2.2), -ENOSPC.
 */
int esp_path_icmp_frag_needed(const uint8_t *orig, size_t len, const uint8_t gw[4],
                              uint16_t mtu, uint8_t ttl, uint8_t *out, size_t cap);

struct esp_frag {
	size_t off;             /* where the fragment starts in out */
	size_t len;
};

/*
 * Fragment an IPv4 packet before encryption (RFC 791 3.2; "pre-fragmentation", research notes
 * section 5) into pieces of at most mtu bytes: data in multiples of 8 bytes, MF on all but the
 * last (which keeps the original MF: the packet may itself be a fragment), offsets relative to
 * the original's, only options with the copied flag repeated after the first, header checksums
 * recomputed. The fragments go one after another into out; frags[0 .. return) say where.
 * Returns the fragment count, or -EINVAL (malformed, DF set, mtu too small for 8 data bytes),
 * -ENOSPC (out or frags too small).
 */
int esp_path_ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out,
                           size_t cap, struct esp_frag *frags, size_t max_frags);

/* Outer DF per SA (RFC 4301 8.1; FITELnet `set ip df-bit 0` is CLEAR, Cisco's default COPY). */
enum esp_df_mode { ESP_DF_COPY, ESP_DF_CLEAR, ESP_DF_SET };

/* The outer header's DF for an inner packet whose DF is inner_df. */
int esp_path_outer_df(enum esp_df_mode mode, int inner_df);

/* MSS that fits an IPv4 MTU: mtu - 20 (IPv4) - 20 (TCP). */
uint16_t esp_path_mss_for_mtu(size_t mtu);

/*
 * Clamp the MSS option of an IPv4 TCP SYN (or SYN-ACK) in place to at most mss, fixing the TCP
 * checksum incrementally (RFC 1624). Returns 1 if rewritten, 0 if nothing to do (not TCP, not
 * SYN, no MSS option, already small enough, a fragment), -EINVAL if the headers are malformed.
 */
int esp_path_tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss);

#endif
