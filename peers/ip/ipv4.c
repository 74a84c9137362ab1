/* IPv4 header parse, build and fragmentation (RFC 791). */
#include "peers/ip/ip.h"
#include "peers/ip/cursor.h"
#include "peers/ip/err.h"

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
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#define IPV4_MIN_HLEN 20
#define IPV4_FLAG_RF 0x8000
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1
#define IPV4_OPT_COPIED 0x80

/* Options are type-length-value except EOL and NOP (RFC 791 p.15). */
static int ipv4_opts_check(const uint8_t *o, size_t len, struct ip_err *err)
{
	size_t i = 0;

	while (i < len) {
		uint8_t type = o[i];

		if (type == IPV4_OPT_EOL)
			break;
		if (type == IPV4_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return ip_err_set(err, -EBADMSG, "ipv4.option.length", IPV4_MIN_HLEN + i,
			                  "option %u at %zu has no length byte", type, IPV4_MIN_HLEN + i);
		if (o[i + 1] < 2 || o[i + 1] > len - i)
			return ip_err_set(err, -EBADMSG, "ipv4.option.length", IPV4_MIN_HLEN + i + 1,
			                  "option %u length %u, %zu bytes of options left",
			                  type, o[i + 1], len - i);
		i += o[i + 1];
	}
	return 0;
}

int ipv4_parse(const uint8_t *b, size_t len, struct ipv4_hdr *h, struct ip_err *err)
{
	struct cursor c;
	uint8_t vihl, ttl, proto;
	uint16_t total, id, frag, csum;
	int rc;

	memset(h, 0, sizeof *h);
	cur_init(&c, b, len);
	if (!cur_get_u8(&c, &vihl))
		return ip_err_set(err, -EMSGSIZE, "ipv4.version", 0, "empty packet");
	if (vihl >> 4 != 4)
		return ip_err_set(err, -EPROTONOSUPPORT, "ipv4.version", 0, "version %u, not 4",
		                  vihl >> 4);
	h->hlen = (uint8_t)((vihl & 0x0f) * 4);
	if (h->hlen < IPV4_MIN_HLEN)
		return ip_err_set(err, -EBADMSG, "ipv4.ihl", 0, "IHL %u below 5", vihl & 0x0f);
	if (!cur_get_u8(&c, &h->tos))
		return ip_err_set(err, -EMSGSIZE, "ipv4.tos", 1, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &total))
		return ip_err_set(err, -EMSGSIZE, "ipv4.total_length", 2, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &id))
		return ip_err_set(err, -EMSGSIZE, "ipv4.id", 4, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &frag))
		return ip_err_set(err, -EMSGSIZE, "ipv4.flags", 6, "truncated at %zu bytes", len);
	if (!cur_get_u8(&c, &ttl))
		return ip_err_set(err, -EMSGSIZE, "ipv4.ttl", 8, "truncated at %zu bytes", len);
	if (!cur_get_u8(&c, &proto))
		return ip_err_set(err, -EMSGSIZE, "ipv4.protocol", 9, "truncated at %zu bytes", len);
	if (!cur_get_be16(&c, &csum))
		return ip_err_set(err, -EMSGSIZE, "ipv4.checksum", 10, "truncated at %zu bytes", len);
	h->src.family = 4;
	h->dst.family = 4;
	if (!cur_get_bytes(&c, h->src.a, 4))
		return ip_err_set(err, -EMSGSIZE, "ipv4.src", 12, "truncated at %zu bytes", len);
	if (!cur_get_bytes(&c, h->dst.a, 4))
		return ip_err_set(err, -EMSGSIZE, "ipv4.dst", 16, "truncated at %zu bytes", len);
	h->total_len = total;
	h->id = id;
	h->rf = (frag & IPV4_FLAG_RF) != 0;
	h->df = (frag & IPV4_FLAG_DF) != 0;
	h->mf = (frag & IPV4_FLAG_MF) != 0;
	h->frag_off = (uint16_t)((frag & 0x1fff) * 8);
	h->ttl = ttl;
	h->proto = proto;
	h->csum = csum;
	if (len < h->hlen)
		return ip_err_set(err, -EMSGSIZE, "ipv4.options", IPV4_MIN_HLEN,
		                  "header length %u, only %zu bytes", h->hlen, len);
	if (total < h->hlen)
		return ip_err_set(err, -EBADMSG, "ipv4.total_length", 2,
		                  "total length %u below header length %u", total, h->hlen);
	h->opts = b + IPV4_MIN_HLEN;
	h->opts_len = h->hlen - IPV4_MIN_HLEN;
	rc = ipv4_opts_check(h->opts, h->opts_len, err);
	if (rc)
		return rc;
	h->csum_ok = ip_csum_fold(ip_csum_add(0, b, h->hlen)) == 0xffff;
	h->payload = b + h->hlen;
	if (len >= total) {
		h->payload_len = total - h->hlen;
	} else {
		h->payload_len = len - h->hlen;
		h->truncated = true;
	}
	return 0;
}

int ipv4_build(const struct ipv4_hdr *h, uint8_t *out, size_t cap)
{
	size_t hlen = IPV4_MIN_HLEN + h->opts_len;
	uint16_t frag;

	if (h->opts_len % 4 || h->opts_len > 40 || (h->opts_len && !h->opts))
		return -EINVAL;
	if (h->frag_off % 8 || h->frag_off > 0x1fff * 8 || h->total_len < hlen)
		return -EINVAL;
	if (cap < hlen)
		return -ENOSPC;
	frag = (uint16_t)(h->frag_off / 8);
	if (h->rf)
		frag |= IPV4_FLAG_RF;
	if (h->df)
		frag |= IPV4_FLAG_DF;
	if (h->mf)
		frag |= IPV4_FLAG_MF;
	out[0] = (uint8_t)(0x40 | hlen / 4);
	out[1] = h->tos;
	wr_be16(out + 2, h->total_len);
	wr_be16(out + 4, h->id);
	wr_be16(out + 6, frag);
	out[8] = h->ttl;
	out[9] = h->proto;
	wr_be16(out + 10, 0);
	memcpy(out + 12, h->src.a, 4);
	memcpy(out + 16, h->dst.a, 4);
	if (h->opts_len)
		memcpy(out + IPV4_MIN_HLEN, h->opts, h->opts_len);
	wr_be16(out + 10, (uint16_t)~ip_csum_fold(ip_csum_add(0, out, hlen)));
	return (int)hlen;
}

/* The options a non-first fragment carries: those with the copied flag, padded to 4. */
static size_t ipv4_opts_copied(const uint8_t *o, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0;

	while (i < len && o[i] != IPV4_OPT_EOL) {
		size_t olen = o[i] == IPV4_OPT_NOP ? 1 : o[i + 1];

		if (o[i] & IPV4_OPT_COPIED) {
			memcpy(out + n, o + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n % 4)
		out[n++] = IPV4_OPT_EOL;
	return n;
}

int ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap,
                  struct ipv4_frag_slot *slots, size_t nslots)
{
	struct ipv4_hdr h, fh;
	uint8_t later_opts[40];
	size_t later_len, data_len, done = 0, used = 0;
	int nfrag = 0;
	int rc;

	rc = ipv4_parse(pkt, len, &h, NULL);
	if (rc)
		return rc;
	if (h.truncated)
		return -EINVAL;
	if (h.total_len <= mtu) {
		if (nslots < 1 || cap < h.total_len)
			return -ENOSPC;
		memcpy(out, pkt, h.total_len);
		slots[0].off = 0;
		slots[0].len = h.total_len;
		return 1;
	}
	if (h.df)
		return -EMSGSIZE;
	later_len = ipv4_opts_copied(h.opts, h.opts_len, later_opts);
	if (mtu < h.hlen + 8u || mtu < IPV4_MIN_HLEN + later_len + 8u)
		return -EINVAL;
	data_len = h.payload_len;
	fh = h;
	while (done < data_len) {
		size_t hlen = nfrag == 0 ? h.hlen : IPV4_MIN_HLEN + later_len;
		size_t room = (mtu - hlen) & ~(size_t)7;
		size_t take = data_len - done;
		bool last = take <= room;

		if (!last)
			take = room;
		if ((size_t)nfrag == nslots || cap - used < hlen + take)
			return -ENOSPC;
		if (nfrag > 0) {
			fh.opts = later_opts;
			fh.opts_len = later_len;
		}
		fh.total_len = (uint16_t)(hlen + take);
		/* The original offset counts when fragmenting a fragment; MF stays if it was set. */
		fh.frag_off = (uint16_t)(h.frag_off + done);
		fh.mf = !last || h.mf;
		rc = ipv4_build(&fh, out + used, cap - used);
		if (rc < 0)
			return rc;
		memcpy(out + used + hlen, h.payload + done, take);
		slots[nfrag].off = used;
		slots[nfrag].len = hlen + take;
		used += hlen + take;
		done += take;
		nfrag++;
	}
	return nfrag;
}
