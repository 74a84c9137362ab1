/* IPv6 header and extension header walk (RFC 8200). */
#include "peers/ip/ip.h"
#include "peers/ip/cursor.h"
#include "peers/ip/err.h"

#include <errno.h>
#include <string.h>

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Source Address (128 bits)                 |
 * |                  Destination Address (128 bits)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Hop-by-hop, routing and destination options share a first word (RFC 8200 §4.3-4.6):
 * | Next Header | Hdr Ext Len (8-octet units, not counting the first 8) | ...
 *
 * Fragment header (RFC 8200 §4.5):
 * | Next Header |   Reserved    |      Fragment Offset    |Res|M|
 * |                         Identification                        |
 */
#define IPV6_HLEN 40
#define IPV6_MAX_EXT 16   /* a chain longer than this is hostile, not a real packet */

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == IP_PROTO_HOPOPTS || nh == IP_PROTO_ROUTING || nh == IP_PROTO_FRAGMENT ||
	       nh == IP_PROTO_DSTOPTS;
}

int ipv6_parse(const uint8_t *b, size_t len, struct ipv6_hdr *h, struct ip_err *err)
{
	struct cursor c;
	uint32_t vtf;
	size_t end, off;
	uint8_t nh;

	memset(h, 0, sizeof *h);
	cur_init(&c, b, len);
	if (!cur_get_be32(&c, &vtf))
		return ip_err_set(err, -EMSGSIZE, "ipv6.version", 0,
		                  "truncated at %zu bytes", len);
	if (vtf >> 28 != 6)
		return ip_err_set(err, -EPROTONOSUPPORT, "ipv6.version", 0, "version %u, not 6",
		                  vtf >> 28);
	h->tclass = (uint8_t)(vtf >> 20);
	h->flow = vtf & 0xfffff;
	if (!cur_get_be16(&c, &h->plen))
		return ip_err_set(err, -EMSGSIZE, "ipv6.payload_length", 4, "truncated at %zu bytes",
		                  len);
	if (!cur_get_u8(&c, &h->next))
		return ip_err_set(err, -EMSGSIZE, "ipv6.next_header", 6, "truncated at %zu bytes", len);
	if (!cur_get_u8(&c, &h->hop_limit))
		return ip_err_set(err, -EMSGSIZE, "ipv6.hop_limit", 7, "truncated at %zu bytes", len);
	h->src.family = 6;
	h->dst.family = 6;
	if (!cur_get_bytes(&c, h->src.a, 16))
		return ip_err_set(err, -EMSGSIZE, "ipv6.src", 8, "truncated at %zu bytes", len);
	if (!cur_get_bytes(&c, h->dst.a, 16))
		return ip_err_set(err, -EMSGSIZE, "ipv6.dst", 24, "truncated at %zu bytes", len);

	/* Jumbograms (payload length 0, RFC 2675) are not seen on VPN links: reject them. */
	if (h->plen == 0 && h->next == IP_PROTO_HOPOPTS)
		return ip_err_set(err, -EBADMSG, "ipv6.payload_length", 4,
		                  "payload length 0 with hop-by-hop: jumbogram not supported");
	end = IPV6_HLEN + (size_t)h->plen;
	if (len < end) {
		h->truncated = true;
		end = len;
	}
	nh = h->next;
	off = IPV6_HLEN;
	while (ipv6_is_ext(nh)) {
		size_t elen;

		if (h->n_ext == IPV6_MAX_EXT)
			return ip_err_set(err, -EBADMSG, "ipv6.extension", off,
			                  "more than %d extension headers", IPV6_MAX_EXT);
		if (nh == IP_PROTO_HOPOPTS && off != IPV6_HLEN)
			return ip_err_set(err, -EBADMSG, "ipv6.hop_by_hop", off,
			                  "hop-by-hop header not first (RFC 8200 §4.1)");
		if (end - off < 8)
			return ip_err_set(err, -EMSGSIZE, "ipv6.extension", off,
			                  "extension header %u needs 8 bytes, %zu left", nh, end - off);
		elen = nh == IP_PROTO_FRAGMENT ? 8 : ((size_t)b[off + 1] + 1) * 8;
		if (end - off < elen)
			return ip_err_set(err, -EMSGSIZE, "ipv6.extension.length", off + 1,
			                  "extension header %u length %zu, %zu bytes left", nh, elen,
			                  end - off);
		h->n_ext++;
		if (nh == IP_PROTO_FRAGMENT) {
			uint16_t fo = rd_be16(b + off + 2);

			if (h->frag)
				return ip_err_set(err, -EBADMSG, "ipv6.fragment", off,
				                  "second fragment header");
			h->frag = true;
			h->frag_hdr_off = off;
			h->unfrag_len = off;
			h->frag_off = (uint16_t)(fo & 0xfff8);
			h->mf = fo & 1;
			h->frag_id = rd_be32(b + off + 4);
			nh = b[off];
			off += elen;
			/* A non-first fragment carries data, not headers: stop here. */
			if (h->frag_off != 0)
				break;
			continue;
		}
		nh = b[off];
		off += elen;
	}
	h->proto = nh;
	h->l4_off = off;
	h->payload = b + off;
	h->payload_len = end - off;
	return 0;
}
