/* ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) errors and echo. */
#include "peers/ip/ip.h"
#include "peers/ip/cursor.h"
#include "peers/ip/err.h"

#include <errno.h>
#include <string.h>

/*
 * Both families share the first word and put the type-specific word next:
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | v4 echo: Identifier | Sequence        v4 frag needed: unused | Next-Hop MTU  |
 * | v4 param problem: Pointer | unused    v6 packet too big: MTU (32 bits)       |
 * | v6 param problem: Pointer (32 bits)   others: unused                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  errors: as much of the invoking packet as fits; echo: data   |
 */
#define ICMP_HLEN 8
#define UDP_ENCAP_PORT 4500

enum {
	ICMP4_ECHO_REPLY = 0, ICMP4_UNREACH = 3, ICMP4_SOURCE_QUENCH = 4, ICMP4_REDIRECT = 5,
	ICMP4_ECHO = 8, ICMP4_TIME_EXCEEDED = 11, ICMP4_PARAM_PROBLEM = 12,
	ICMP4_UNREACH_NEEDFRAG = 4,
	ICMP6_UNREACH = 1, ICMP6_PACKET_TOO_BIG = 2, ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROBLEM = 4, ICMP6_ECHO = 128, ICMP6_ECHO_REPLY = 129,
};

/* The upper layer of a quoted packet: ports, or the SPI that names the SA. */
static void icmp_quote_l4(struct icmp_quote *q, const uint8_t *p, size_t len)
{
	switch (q->proto) {
	case IP_PROTO_UDP:
	case IP_PROTO_TCP:
		if (len < 4)
			return;
		q->has_ports = true;
		q->sport = rd_be16(p);
		q->dport = rd_be16(p + 2);
		/* UDP-encapsulated ESP (RFC 3948 §2.1): a non-zero first word after UDP is the SPI. */
		if (q->proto == IP_PROTO_UDP && len >= 12 &&
		    (q->sport == UDP_ENCAP_PORT || q->dport == UDP_ENCAP_PORT) && rd_be32(p + 8)) {
			q->has_spi = true;
			q->spi = rd_be32(p + 8);
		}
		break;
	case IP_PROTO_ESP:
		if (len < 4)
			return;
		q->has_spi = true;
		q->spi = rd_be32(p);
		break;
	case IP_PROTO_AH:
		if (len < 8)
			return;
		q->has_spi = true;
		q->spi = rd_be32(p + 4);
		break;
	default:
		break;
	}
}

static bool icmp_quote_parse(uint8_t family, const uint8_t *p, size_t len,
                             struct icmp_quote *q)
{
	memset(q, 0, sizeof *q);
	if (family == 4) {
		struct ipv4_hdr h;

		if (ipv4_parse(p, len, &h, NULL))
			return false;
		q->src = h.src;
		q->dst = h.dst;
		q->proto = h.proto;
		q->ip_id = h.id;
		q->total_len = h.total_len;
		if (h.frag_off == 0)
			icmp_quote_l4(q, h.payload, h.payload_len);
		return true;
	} else {
		struct ipv6_hdr h;
		int rc = ipv6_parse(p, len, &h, NULL);

		/* A quote cut inside an extension header still names the addresses. */
		if (rc && h.src.family != 6)
			return false;
		q->src = h.src;
		q->dst = h.dst;
		q->total_len = h.plen;
		if (rc)
			return true;
		q->proto = h.proto;
		if (!h.frag || h.frag_off == 0)
			icmp_quote_l4(q, h.payload, h.payload_len);
		return true;
	}
}

int icmp_parse(uint8_t family, const uint8_t *b, size_t len, const struct ip_addr *src,
               const struct ip_addr *dst, struct icmp_msg *m, struct ip_err *err)
{
	struct cursor c;
	uint32_t word;
	uint32_t sum;
	bool is_err = false;

	memset(m, 0, sizeof *m);
	if (family != 4 && family != 6)
		return ip_err_set(err, -EINVAL, "icmp.family", 0, "family %u", family);
	m->family = family;
	cur_init(&c, b, len);
	if (!cur_get_u8(&c, &m->type))
		return ip_err_set(err, -EMSGSIZE, "icmp.type", 0, "empty message");
	if (!cur_get_u8(&c, &m->code))
		return ip_err_set(err, -EMSGSIZE, "icmp.code", 1, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &m->csum))
		return ip_err_set(err, -EMSGSIZE, "icmp.checksum", 2, "truncated at %zu bytes", len);
	if (!cur_get_be32(&c, &word))
		return ip_err_set(err, -EMSGSIZE, "icmp.rest_of_header", 4, "truncated at %zu bytes",
		                  len);
	sum = ip_csum_add(0, b, len);
	if (family == 6) {
		if (src && dst) {
			sum = ip_csum_fold(sum) + ip_csum_fold(ip_csum_pseudo(src, dst, IP_PROTO_ICMPV6,
			                                                     (uint32_t)len));
			m->csum_ok = ip_csum_fold(sum) == 0xffff;
		}
	} else {
		m->csum_ok = ip_csum_fold(sum) == 0xffff;
	}
	m->data = c.p;
	m->data_len = c.left;

	if (family == 4) {
		switch (m->type) {
		case ICMP4_ECHO:
		case ICMP4_ECHO_REPLY:
			m->kind = m->type == ICMP4_ECHO ? ICMP_KIND_ECHO_REQUEST : ICMP_KIND_ECHO_REPLY;
			m->echo_id = (uint16_t)(word >> 16);
			m->echo_seq = (uint16_t)word;
			break;
		case ICMP4_UNREACH:
			is_err = true;
			if (m->code == ICMP4_UNREACH_NEEDFRAG) {
				m->kind = ICMP_KIND_FRAG_NEEDED;
				m->mtu = word & 0xffff;   /* RFC 1191 §4; 0 from pre-1191 routers */
			} else {
				m->kind = ICMP_KIND_UNREACH;
			}
			break;
		case ICMP4_TIME_EXCEEDED:
			is_err = true;
			m->kind = ICMP_KIND_TIME_EXCEEDED;
			break;
		case ICMP4_PARAM_PROBLEM:
			is_err = true;
			m->kind = ICMP_KIND_PARAM_PROBLEM;
			m->pointer = word >> 24;
			break;
		case ICMP4_REDIRECT:
			is_err = true;
			m->kind = ICMP_KIND_REDIRECT;
			break;
		case ICMP4_SOURCE_QUENCH:
			is_err = true;
			break;
		default:
			break;
		}
	} else {
		switch (m->type) {
		case ICMP6_ECHO:
		case ICMP6_ECHO_REPLY:
			m->kind = m->type == ICMP6_ECHO ? ICMP_KIND_ECHO_REQUEST : ICMP_KIND_ECHO_REPLY;
			m->echo_id = (uint16_t)(word >> 16);
			m->echo_seq = (uint16_t)word;
			break;
		case ICMP6_UNREACH:
			is_err = true;
			m->kind = ICMP_KIND_UNREACH;
			break;
		case ICMP6_PACKET_TOO_BIG:
			is_err = true;
			m->kind = ICMP_KIND_FRAG_NEEDED;
			m->mtu = word;
			break;
		case ICMP6_TIME_EXCEEDED:
			is_err = true;
			m->kind = ICMP_KIND_TIME_EXCEEDED;
			break;
		case ICMP6_PARAM_PROBLEM:
			is_err = true;
			m->kind = ICMP_KIND_PARAM_PROBLEM;
			m->pointer = word;
			break;
		default:
			break;
		}
	}
	if (is_err)
		m->has_quote = icmp_quote_parse(family, m->data, m->data_len, &m->quote);
	return 0;
}

int icmp_echo_build(uint8_t family, bool reply, uint16_t id, uint16_t seq,
                    const uint8_t *data, size_t data_len, const struct ip_addr *src,
                    const struct ip_addr *dst, uint8_t *out, size_t cap)
{
	uint32_t sum;
	size_t len = ICMP_HLEN + data_len;

	if (family != 4 && family != 6)
		return -EINVAL;
	if (family == 6 && (!src || !dst))
		return -EINVAL;
	if (len > 65535 || (data_len && !data))
		return -EINVAL;
	if (cap < len)
		return -ENOSPC;
	if (family == 4)
		out[0] = reply ? ICMP4_ECHO_REPLY : ICMP4_ECHO;
	else
		out[0] = reply ? ICMP6_ECHO_REPLY : ICMP6_ECHO;
	out[1] = 0;
	wr_be16(out + 2, 0);
	wr_be16(out + 4, id);
	wr_be16(out + 6, seq);
	if (data_len)
		memcpy(out + ICMP_HLEN, data, data_len);
	sum = ip_csum_add(0, out, len);
	if (family == 6)
		sum = ip_csum_fold(sum) + ip_csum_fold(ip_csum_pseudo(src, dst, IP_PROTO_ICMPV6,
		                                                      (uint32_t)len));
	wr_be16(out + 2, (uint16_t)~ip_csum_fold(sum));
	return (int)len;
}
