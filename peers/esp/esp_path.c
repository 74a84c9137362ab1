/* esp_path.c: fit / fragment / ICMP-needed decisions, ICMP 3/4, TCP MSS clamp (IPv4). */
#include "peers/esp/esp_path.h"
#include "peers/esp/esp_alg.h"
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_sa.h"

#include <errno.h>
#include <string.h>

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  (RFC 791 3.1)
 */
struct ipv4 {
	size_t hl;              /* header bytes */
	size_t total;           /* total length field */
	int df, mf;
	uint16_t frag_off;      /* in 8-byte units */
	uint8_t proto;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 0, or -EINVAL: short, not version 4, IHL < 5, total length outside [hl, len]. */
static int ipv4_parse(const uint8_t *p, size_t len, struct ipv4 *ip)
{
	if (len < ESP_PATH_IPV4_HDR || (p[0] >> 4) != 4)
		return -EINVAL;
	ip->hl = (size_t)(p[0] & 15) * 4;
	ip->total = be16(p + 2);
	if (ip->hl < ESP_PATH_IPV4_HDR || ip->hl > len || ip->total < ip->hl || ip->total > len)
		return -EINVAL;
	ip->df = (p[6] & 0x40) != 0;
	ip->mf = (p[6] & 0x20) != 0;
	ip->frag_off = be16(p + 6) & 0x1fff;
	ip->proto = p[9];
	return 0;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t esp_path_overhead(const struct esp_sa *sa, size_t inner_len)
{
	return ESP_PATH_IPV4_HDR + (esp_sa_udp_encap(sa) ? ESP_NATT_UDP_LEN : 0) +
	       esp_sa_out_len(sa, inner_len) - inner_len;
}

size_t esp_path_inner_mtu(const struct esp_sa *sa, size_t link_mtu)
{
	size_t b = esp_encr_info(esp_sa_encr(sa))->block_len;
	/*
	 * Everything but the encrypted part (outer headers, ESP header, IV, ICV): the overhead of
	 * an empty payload less the one block its trailer fills.
	 */
	size_t fixed = esp_path_overhead(sa, 0) - b;
	size_t room;

	if (link_mtu < fixed + b)
		return 0;
	room = (link_mtu - fixed) / b * b;      /* whole cipher blocks */
	return room - 2;                        /* minus pad length and next header */
}

enum esp_path_action esp_path_ipv4_decide(const struct esp_sa *sa, const uint8_t *pkt,
                                          size_t len, size_t tunnel_mtu, size_t link_mtu,
                                          size_t *mtu)
{
	struct ipv4 ip;
	size_t m = tunnel_mtu ? tunnel_mtu : SIZE_MAX;

	if (link_mtu) {
		size_t l = esp_path_inner_mtu(sa, link_mtu);

		if (l < m)
			m = l;
	}
	*mtu = m;
	if (ipv4_parse(pkt, len, &ip) < 0)
		return ESP_PATH_INVALID;
	if (ip.total <= m)
		return ESP_PATH_ENCRYPT;
	return ip.df ? ESP_PATH_FRAG_NEEDED : ESP_PATH_FRAGMENT;
}

int esp_path_icmp_frag_needed(const uint8_t *orig, size_t len, const uint8_t gw[4],
                              uint16_t mtu, uint8_t ttl, uint8_t *out, size_t cap)
{
	struct ipv4 ip;
	size_t quote, total;

	if (ipv4_parse(orig, len, &ip) < 0 || ip.frag_off != 0)
		return -EINVAL;
	if (ip.proto == 1) {
		/* Only ICMP queries may draw an error (RFC 1122 3.2.2): echo, timestamp, info... */
		if (ip.total < ip.hl + 1)
			return -EINVAL;
		switch (orig[ip.hl]) {
		case 3: case 4: case 5: case 11: case 12:
			return -EINVAL;
		}
	}
	quote = ip.hl + (ip.total - ip.hl < 8 ? ip.total - ip.hl : 8);
	total = ESP_PATH_IPV4_HDR + 8 + quote;
	if (total > cap)
		return -ENOSPC;
	memset(out, 0, ESP_PATH_IPV4_HDR + 8);
	out[0] = 0x45;
	put_be16(out + 2, (uint16_t)total);
	out[8] = ttl;
	out[9] = 1;                             /* ICMP */
	memcpy(out + 12, gw, 4);
	memcpy(out + 16, orig + 12, 4);         /* back to the sender */
	put_be16(out + 10, csum(out, ESP_PATH_IPV4_HDR));
	/*
	 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
	 * |   Type = 3    |   Code = 4    |           Checksum            |
	 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
	 * |           unused = 0          |         Next-Hop MTU          |
	 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
	 * |      Internet Header + 64 bits of Original Data Datagram      |  (RFC 1191 4)
	 */
	out[20] = 3;
	out[21] = 4;
	put_be16(out + 26, mtu);
	memcpy(out + 28, orig, quote);
	put_be16(out + 22, csum(out + 20, 8 + quote));
	return (int)total;
}

uint16_t esp_path_mss_for_mtu(size_t mtu)
{
	if (mtu <= 40)
		return 0;
	return mtu - 40 > 0xffff ? 0xffff : (uint16_t)(mtu - 40);
}

/* One's complement sum update for a changed 16-bit word (RFC 1624 3, eqn. 3). */
static uint16_t csum_update(uint16_t sum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~sum;

	s += (uint16_t)~old;
	s += new;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * TCP header (RFC 793 3.1): ports, seq, ack, then Data Offset (4 bits) | flags at byte 12/13,
 * checksum at byte 16, options from byte 20 to data offset * 4. MSS option: kind 2, len 4.
 */
int esp_path_tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss)
{
	struct ipv4 ip;
	uint8_t *tcp;
	size_t tlen, doff, o;

	if (ipv4_parse(pkt, len, &ip) < 0)
		return -EINVAL;
	if (ip.proto != 6 || ip.frag_off != 0)
		return 0;
	tcp = pkt + ip.hl;
	tlen = ip.total - ip.hl;
	if (tlen < 20)
		return -EINVAL;
	if (!(tcp[13] & 0x02))                  /* SYN */
		return 0;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tlen)
		return -EINVAL;
	for (o = 20; o < doff;) {
		uint8_t kind = tcp[o], olen;

		if (kind == 0)                  /* end of option list */
			break;
		if (kind == 1) {                /* no-operation */
			o++;
			continue;
		}
		if (doff - o < 2)
			return -EINVAL;
		olen = tcp[o + 1];
		if (olen < 2 || olen > doff - o)
			return -EINVAL;
		if (kind == 2) {
			uint16_t old;

			if (olen != 4)
				return -EINVAL;
			old = be16(tcp + o + 2);
			if (old <= mss)
				return 0;
			put_be16(tcp + o + 2, mss);
			put_be16(tcp + 16, csum_update(be16(tcp + 16), old, mss));
			return 1;
		}
		o += olen;
	}
	return 0;
}

/*
 * Options for fragments after the first: only those with the copied flag (bit 0x80 of the type,
 * RFC 791 3.1), padded with End of Option List to a 4-byte boundary. Returns the header length
 * written to hdr (which already holds the first 20 bytes).
 */
static size_t copied_options(const uint8_t *pkt, size_t hl, uint8_t *hdr)
{
	size_t o = ESP_PATH_IPV4_HDR, w = ESP_PATH_IPV4_HDR;

	while (o < hl) {
		uint8_t type = pkt[o], olen;

		if (type == 0)
			break;
		if (type == 1) {
			o++;
			continue;
		}
		if (hl - o < 2)
			break;
		olen = pkt[o + 1];
		if (olen < 2 || olen > hl - o)
			break;
		if (type & 0x80) {
			memcpy(hdr + w, pkt + o, olen);
			w += olen;
		}
		o += olen;
	}
	while (w % 4)
		hdr[w++] = 0;
	return w;
}

int esp_path_ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out,
                           size_t cap, struct esp_frag *frags, size_t max_frags)
{
	struct ipv4 ip;
	uint8_t later[60];
	size_t data_len, done = 0, w = 0, n = 0, later_hl;

	if (ipv4_parse(pkt, len, &ip) < 0 || ip.df)
		return -EINVAL;
	if ((size_t)ip.frag_off * 8 + ip.total - ip.hl > 0xffff)
		return -EINVAL;                 /* offsets would not fit 13 bits */
	memcpy(later, pkt, ESP_PATH_IPV4_HDR);
	later_hl = copied_options(pkt, ip.hl, later);
	later[0] = (uint8_t)(0x40 | later_hl / 4);
	if (mtu < ip.hl + 8 || mtu < later_hl + 8)
		return -EINVAL;
	data_len = ip.total - ip.hl;
	while (done < data_len || n == 0) {
		const uint8_t *hdr = n == 0 ? pkt : later;
		size_t hl = n == 0 ? ip.hl : later_hl;
		size_t room = (mtu - hl) / 8 * 8, chunk = data_len - done;
		int last;
		uint16_t off;

		if (chunk > room)
			chunk = room;
		last = done + chunk == data_len;
		if (n == max_frags || w + hl + chunk > cap)
			return -ENOSPC;
		memcpy(out + w, hdr, hl);
		memcpy(out + w + hl, pkt + ip.hl + done, chunk);
		put_be16(out + w + 2, (uint16_t)(hl + chunk));
		off = (uint16_t)(ip.frag_off + done / 8);
		put_be16(out + w + 6, (uint16_t)(off | ((!last || ip.mf) ? 0x2000 : 0)));
		out[w + 10] = 0;
		out[w + 11] = 0;
		put_be16(out + w + 10, csum(out + w, hl));
		frags[n].off = w;
		frags[n].len = hl + chunk;
		w += hl + chunk;
		done += chunk;
		n++;
	}
	return (int)n;
}

int esp_path_outer_df(enum esp_df_mode mode, int inner_df)
{
	switch (mode) {
	case ESP_DF_COPY:  return inner_df ? 1 : 0;
	case ESP_DF_CLEAR: return 0;
	case ESP_DF_SET:   return 1;
	}
	return 0;
}
