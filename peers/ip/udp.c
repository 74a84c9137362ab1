/* UDP header (RFC 768). */
#include "peers/ip/ip.h"
#include "peers/ip/cursor.h"
#include "peers/ip/err.h"

#include <errno.h>
#include <string.h>

/*
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 */
#define UDP_HLEN 8

int udp_parse(const uint8_t *b, size_t len, struct udp_hdr *h, struct ip_err *err)
{
	struct cursor c;

	memset(h, 0, sizeof *h);
	cur_init(&c, b, len);
	if (!cur_get_be16(&c, &h->sport))
		return ip_err_set(err, -EMSGSIZE, "udp.src_port", 0, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->dport))
		return ip_err_set(err, -EMSGSIZE, "udp.dst_port", 2, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->len))
		return ip_err_set(err, -EMSGSIZE, "udp.length", 4, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->csum))
		return ip_err_set(err, -EMSGSIZE, "udp.checksum", 6, "truncated at %zu bytes", len);
	if (h->len < UDP_HLEN)
		return ip_err_set(err, -EBADMSG, "udp.length", 4, "length %u below 8", h->len);
	h->payload = c.p;
	if (len >= h->len) {
		h->payload_len = h->len - UDP_HLEN;
	} else {
		h->payload_len = c.left;
		h->truncated = true;
	}
	return 0;
}
