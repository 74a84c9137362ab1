/* TCP header and options (RFC 9293 §3.1, RFC 7323, RFC 2018). */
#include "peers/ip/ip.h"
#include "peers/ip/cursor.h"
#include "peers/ip/err.h"

#include <errno.h>
#include <string.h>

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#define TCP_MIN_HLEN 20

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,      /* length 4 */
	TCPOPT_WSCALE = 3,   /* length 3 */
	TCPOPT_SACK_OK = 4,  /* length 2 */
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8,       /* length 10 */
};

static int tcp_opts_parse(const uint8_t *o, size_t len, struct tcp_hdr *h, struct ip_err *err)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i], olen;
		size_t at = TCP_MIN_HLEN + i;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return ip_err_set(err, -EBADMSG, "tcp.option.length", at,
			                  "option %u has no length byte", kind);
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			return ip_err_set(err, -EBADMSG, "tcp.option.length", at + 1,
			                  "option %u length %u, %zu bytes of options left", kind, olen,
			                  len - i);
		switch (kind) {
		case TCPOPT_MSS:
			if (olen != 4)
				return ip_err_set(err, -EBADMSG, "tcp.option.mss", at + 1,
				                  "MSS option length %u, not 4", olen);
			h->has_mss = true;
			h->mss = rd_be16(o + i + 2);
			break;
		case TCPOPT_WSCALE:
			if (olen != 3)
				return ip_err_set(err, -EBADMSG, "tcp.option.wscale", at + 1,
				                  "window scale option length %u, not 3", olen);
			h->has_wscale = true;
			h->wscale = o[i + 2];
			break;
		case TCPOPT_SACK_OK:
			h->sack_permitted = true;
			break;
		case TCPOPT_TS:
			if (olen != 10)
				return ip_err_set(err, -EBADMSG, "tcp.option.timestamp", at + 1,
				                  "timestamp option length %u, not 10", olen);
			h->has_ts = true;
			h->ts_val = rd_be32(o + i + 2);
			h->ts_ecr = rd_be32(o + i + 6);
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

int tcp_parse(const uint8_t *b, size_t len, struct tcp_hdr *h, struct ip_err *err)
{
	struct cursor c;
	uint8_t doff;

	memset(h, 0, sizeof *h);
	cur_init(&c, b, len);
	if (!cur_get_be16(&c, &h->sport))
		return ip_err_set(err, -EMSGSIZE, "tcp.src_port", 0, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->dport))
		return ip_err_set(err, -EMSGSIZE, "tcp.dst_port", 2, "truncated at %zu bytes", len);
	if (!cur_get_be32(&c, &h->seq))
		return ip_err_set(err, -EMSGSIZE, "tcp.seq", 4, "truncated at %zu bytes", len);
	if (!cur_get_be32(&c, &h->ack))
		return ip_err_set(err, -EMSGSIZE, "tcp.ack", 8, "truncated at %zu bytes", len);
	if (!cur_get_u8(&c, &doff))
		return ip_err_set(err, -EMSGSIZE, "tcp.data_offset", 12, "truncated at %zu bytes", len);
	if (!cur_get_u8(&c, &h->flags))
		return ip_err_set(err, -EMSGSIZE, "tcp.flags", 13, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->window))
		return ip_err_set(err, -EMSGSIZE, "tcp.window", 14, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->csum))
		return ip_err_set(err, -EMSGSIZE, "tcp.checksum", 16, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &h->urgent))
		return ip_err_set(err, -EMSGSIZE, "tcp.urgent", 18, "truncated at %zu bytes", len);
	h->hlen = (uint8_t)((doff >> 4) * 4);
	if (h->hlen < TCP_MIN_HLEN)
		return ip_err_set(err, -EBADMSG, "tcp.data_offset", 12, "data offset %u below 5",
		                  doff >> 4);
	if (len < h->hlen)
		return ip_err_set(err, -EMSGSIZE, "tcp.options", TCP_MIN_HLEN,
		                  "header length %u, only %zu bytes", h->hlen, len);
	h->opts = b + TCP_MIN_HLEN;
	h->opts_len = h->hlen - TCP_MIN_HLEN;
	h->payload = b + h->hlen;
	h->payload_len = len - h->hlen;
	return tcp_opts_parse(h->opts, h->opts_len, h, err);
}
