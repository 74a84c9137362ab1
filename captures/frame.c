/* One frame from the link layer to the IKE/ESP classification. */
#include "captures/frame.h"
#include "captures/link.h"
#include "peers/ip/cursor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define IKE_PORT 500
#define NATT_PORT 4500

/* Keep the first error; shift its offset from the parsed layer to the frame. */
static int frame_fail(struct cap_frame *f, int code, const struct ip_err *e, size_t base)
{
	if (f->err)
		return f->err;
	f->err = code;
	f->error = *e;
	f->error.offset += base;
	if (code == -EMSGSIZE)
		f->truncated = true;
	return code;
}

static int frame_fail_msg(struct cap_frame *f, int code, const char *field, size_t off,
                          const char *msg)
{
	struct ip_err e;

	e.field = field;
	e.offset = 0;
	snprintf(e.msg, sizeof e.msg, "%s", msg);
	return frame_fail(f, code, &e, off);
}

/*
 * UDP port 4500 (RFC 3948 §2): a single 0xFF byte is a NAT-keepalive; four zero bytes (the
 * non-ESP marker) precede an IKE message; anything else starts with a non-zero ESP SPI.
 */
static int frame_classify_natt(struct cap_frame *f, const uint8_t *p, size_t len, size_t off)
{
	if (len == 1 && p[0] == 0xff) {
		f->app = CAP_APP_NATT_KEEPALIVE;
		return 0;
	}
	if (len < 4)
		return frame_fail_msg(f, -EMSGSIZE, "udp4500.marker", off,
		                      "UDP 4500 payload shorter than a non-ESP marker or SPI");
	if (rd_be32(p) == 0) {
		f->app = CAP_APP_ISAKMP;
		f->isakmp = p + 4;
		f->isakmp_len = len - 4;
		f->isakmp_off = off + 4;
		return 0;
	}
	f->app = CAP_APP_UDP_ESP;
	f->spi = rd_be32(p);
	if (len < 8)
		return frame_fail_msg(f, -EMSGSIZE, "esp.seq", off + 4,
		                      "UDP-encapsulated ESP cut before the sequence number");
	f->seq = rd_be32(p + 4);
	return 0;
}

/*
 * ESP (RFC 4303 §2):  | SPI (32) | Sequence Number (32) | payload ...
 * AH (RFC 4302 §2):   | Next | Len | Reserved | SPI (32) | Sequence Number (32) | ICV ...
 */
static int frame_spi_seq(struct cap_frame *f, const uint8_t *p, size_t len, size_t off,
                         size_t at, const char *what)
{
	if (len < at + 4)
		return frame_fail_msg(f, -EMSGSIZE, what, off + at, "cut before the SPI");
	f->spi = rd_be32(p + at);
	if (len < at + 8)
		return frame_fail_msg(f, -EMSGSIZE, what, off + at + 4,
		                      "cut before the sequence number");
	f->seq = rd_be32(p + at + 4);
	return 0;
}

int cap_frame_decode_l4(struct cap_frame *f, uint8_t proto, size_t off, size_t len)
{
	const uint8_t *p = f->data + off;
	struct ip_err e;
	int rc;

	f->l4_off = off;
	switch (proto) {
	case IP_PROTO_UDP: {
		struct udp_hdr u;

		f->l4 = CAP_L4_UDP;
		rc = udp_parse(p, len, &u, &e);
		if (rc)
			return frame_fail(f, rc, &e, off);
		f->sport = u.sport;
		f->dport = u.dport;
		if (u.truncated)
			f->truncated = true;
		if (u.sport == NATT_PORT || u.dport == NATT_PORT)
			return frame_classify_natt(f, u.payload, u.payload_len, off + 8);
		if (u.sport == IKE_PORT || u.dport == IKE_PORT) {
			f->app = CAP_APP_ISAKMP;
			f->isakmp = u.payload;
			f->isakmp_len = u.payload_len;
			f->isakmp_off = off + 8;
		}
		return 0;
	}
	case IP_PROTO_TCP: {
		struct tcp_hdr t;

		f->l4 = CAP_L4_TCP;
		rc = tcp_parse(p, len, &t, &e);
		if (rc)
			return frame_fail(f, rc, &e, off);
		f->sport = t.sport;
		f->dport = t.dport;
		f->tcp_flags = t.flags;
		f->tcp_seq = t.seq;
		f->tcp_ack = t.ack;
		f->has_mss = t.has_mss;
		f->mss = t.mss;
		return 0;
	}
	case IP_PROTO_ICMP:
	case IP_PROTO_ICMPV6:
		f->l4 = CAP_L4_ICMP;
		rc = icmp_parse(proto == IP_PROTO_ICMP ? 4 : 6, p, len, &f->src, &f->dst, &f->icmp,
		                &e);
		if (rc)
			return frame_fail(f, rc, &e, off);
		f->icmp_valid = true;
		return 0;
	case IP_PROTO_ESP:
		f->l4 = CAP_L4_ESP;
		f->app = CAP_APP_ESP;
		return frame_spi_seq(f, p, len, off, 0, "esp.spi");
	case IP_PROTO_AH:
		f->l4 = CAP_L4_AH;
		f->app = CAP_APP_AH;
		return frame_spi_seq(f, p, len, off, 4, "ah.spi");
	default:
		f->l4 = CAP_L4_OTHER;
		return 0;
	}
}

static int frame_ipv4(struct cap_frame *f, size_t len)
{
	const uint8_t *p = f->data + f->l3_off;
	struct ipv4_hdr h;
	struct ip_err e;
	int rc;

	rc = ipv4_parse(p, len, &h, &e);
	if (rc)
		return frame_fail(f, rc, &e, f->l3_off);
	f->src = h.src;
	f->dst = h.dst;
	f->proto = h.proto;
	f->ttl = h.ttl;
	f->ip_len = h.total_len;
	f->ip_id = h.id;
	f->ip_csum_ok = h.csum_ok;
	f->df = h.df;
	f->mf = h.mf;
	f->frag_off = h.frag_off;
	if (h.truncated)
		f->truncated = true;
	if (h.mf || h.frag_off) {
		f->fragment = true;
		f->frag_id = h.id;
		f->frag_data = h.payload;
		f->frag_len = h.payload_len;
		return 0;
	}
	return cap_frame_decode_l4(f, h.proto, f->l3_off + h.hlen, h.payload_len);
}

static int frame_ipv6(struct cap_frame *f, size_t len)
{
	const uint8_t *p = f->data + f->l3_off;
	struct ipv6_hdr h;
	struct ip_err e;
	int rc;

	rc = ipv6_parse(p, len, &h, &e);
	if (h.src.family == 6) {
		f->src = h.src;
		f->dst = h.dst;
		f->ttl = h.hop_limit;
		f->ip_len = h.plen;
	}
	if (rc)
		return frame_fail(f, rc, &e, f->l3_off);
	f->proto = h.proto;
	f->ip_csum_ok = true;
	if (h.truncated)
		f->truncated = true;
	if (h.frag && (h.mf || h.frag_off)) {
		f->fragment = true;
		f->mf = h.mf;
		f->frag_off = h.frag_off;
		f->frag_id = h.frag_id;
		f->frag_data = h.payload;
		f->frag_len = h.payload_len;
		return 0;
	}
	/* An atomic fragment (offset 0, M clear: RFC 6946) is a whole packet. */
	return cap_frame_decode_l4(f, h.proto, f->l3_off + h.l4_off, h.payload_len);
}

int cap_frame_decode(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
                     struct cap_frame *f)
{
	int rc;

	memset(f, 0, sizeof *f);
	f->dlt = dlt;
	f->data = data;
	f->caplen = (uint32_t)caplen;
	f->wirelen = (uint32_t)wirelen;
	f->truncated = caplen < wirelen;
	rc = cap_link_parse(dlt, data, caplen, f);
	if (rc) {
		f->err = rc;
		return rc;
	}
	switch (f->l3) {
	case CAP_L3_IPV4:
		return frame_ipv4(f, caplen - f->l3_off);
	case CAP_L3_IPV6:
		return frame_ipv6(f, caplen - f->l3_off);
	default:
		return 0;
	}
}

int cap_frame_reassemble(struct ip_reasm *r, const struct cap_frame *f,
                         struct cap_frame *w)
{
	struct ip_reasm_datagram d;
	struct ip_frag_in in;

	if (!f->fragment || f->truncated)
		return 0;
	memset(&in, 0, sizeof in);
	in.src = f->src;
	in.dst = f->dst;
	in.proto = f->proto;
	in.id = f->frag_id;
	in.offset = f->frag_off;
	in.mf = f->mf;
	in.df = f->df;
	in.ttl = f->ttl;
	in.data = f->frag_data;
	in.len = f->frag_len;
	in.frame = f->number;
	in.now = f->ts_ns;
	if (ip_reasm_add(r, &in, &d) != 1)
		return 0;
	memset(w, 0, sizeof *w);
	w->number = f->number;
	w->ts_ns = f->ts_ns;
	w->dlt = f->dlt;
	w->data = d.data;
	w->caplen = (uint32_t)d.len;
	w->wirelen = (uint32_t)d.len;
	w->ethertype = f->ethertype;
	w->nvlan = f->nvlan;
	memcpy(w->vlan, f->vlan, sizeof w->vlan);
	w->l3 = f->l3;
	w->src = f->src;
	w->dst = f->dst;
	w->proto = d.proto;
	w->ttl = f->ttl;
	w->ip_id = f->ip_id;
	w->frag_id = d.id;
	w->df = d.first_df;
	w->ip_csum_ok = true;
	w->reassembled = true;
	w->reasm = d;
	cap_frame_decode_l4(w, d.proto, 0, d.len);
	return 1;
}

const char *cap_app_name(enum cap_app a)
{
	switch (a) {
	case CAP_APP_ISAKMP: return "isakmp";
	case CAP_APP_NATT_KEEPALIVE: return "nat-keepalive";
	case CAP_APP_ESP: return "esp";
	case CAP_APP_UDP_ESP: return "udp-esp";
	case CAP_APP_AH: return "ah";
	default: return "-";
	}
}

const char *cap_dlt_name(int dlt)
{
	switch (dlt) {
	case CAP_DLT_NULL: return "null";
	case CAP_DLT_EN10MB: return "ethernet";
	case CAP_DLT_RAW: case CAP_DLT_LINKTYPE_RAW: return "raw";
	case CAP_DLT_LOOP: return "loop";
	case CAP_DLT_LINUX_SLL: return "sll";
	case CAP_DLT_IPV4: return "ipv4";
	case CAP_DLT_IPV6: return "ipv6";
	case CAP_DLT_LINUX_SLL2: return "sll2";
	default: return "unknown";
	}
}
