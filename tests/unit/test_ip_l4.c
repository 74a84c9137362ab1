/* UDP and TCP headers. */
#include "tests/unit/unit.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

/* UDP 4500 -> 4500, length 16: the non-ESP marker then 4 bytes. */
static const uint8_t udp16[16] = {
	0x11, 0x94, 0x11, 0x94, 0x00, 0x10, 0xab, 0xcd,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
};

static void test_udp_parse(void)
{
	struct udp_hdr h;
	uint8_t padded[30] = { 0 };

	CU_ASSERT_EQUAL_FATAL(udp_parse(udp16, sizeof udp16, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.sport, 4500);
	CU_ASSERT_EQUAL(h.dport, 4500);
	CU_ASSERT_EQUAL(h.len, 16);
	CU_ASSERT_EQUAL(h.csum, 0xabcd);
	CU_ASSERT_EQUAL(h.payload_len, 8);
	CU_ASSERT_PTR_EQUAL(h.payload, udp16 + 8);
	CU_ASSERT(!h.truncated);
	/* Bytes after the UDP length are not payload; fewer bytes mean a truncated capture. */
	memcpy(padded, udp16, sizeof udp16);
	CU_ASSERT_EQUAL_FATAL(udp_parse(padded, sizeof padded, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.payload_len, 8);
	CU_ASSERT_EQUAL_FATAL(udp_parse(udp16, 12, &h, NULL), 0);
	CU_ASSERT(h.truncated);
	CU_ASSERT_EQUAL(h.payload_len, 4);
}

static void test_udp_broken(void)
{
	static const struct {
		size_t len;
		const char *field;
	} t[] = {
		{ 0, "udp.src_port" }, { 1, "udp.src_port" }, { 2, "udp.dst_port" },
		{ 4, "udp.length" }, { 6, "udp.checksum" }, { 7, "udp.checksum" },
	};
	uint8_t b[16];
	struct udp_hdr h;
	struct ip_err e;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(udp_parse(udp16, t[i].len, &h, &e), -EMSGSIZE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
	}
	memcpy(b, udp16, sizeof b);
	b[5] = 7;
	CU_ASSERT_EQUAL(udp_parse(b, sizeof b, &h, &e), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(e.field, "udp.length");
	CU_ASSERT_EQUAL(e.offset, 4);
}

/*
 * A Linux SYN (tcp_connect, net.ipv4.tcp_timestamps=1, window scaling 7): options
 * MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (the order Linux writes them,
 * tcp_options_write()).
 */
static const uint8_t syn[40] = {
	0xc3, 0x50, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0x12, 0x34, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void test_tcp_syn_options(void)
{
	struct tcp_hdr h;

	CU_ASSERT_EQUAL_FATAL(tcp_parse(syn, sizeof syn, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.sport, 50000);
	CU_ASSERT_EQUAL(h.dport, 80);
	CU_ASSERT_EQUAL(h.seq, 0x11223344);
	CU_ASSERT_EQUAL(h.hlen, 40);
	CU_ASSERT_EQUAL(h.flags, TCP_SYN);
	CU_ASSERT_EQUAL(h.window, 64240);
	CU_ASSERT(h.has_mss);
	CU_ASSERT_EQUAL(h.mss, 1460);
	CU_ASSERT(h.sack_permitted);
	CU_ASSERT(h.has_ts);
	CU_ASSERT_EQUAL(h.ts_val, 0x00010203);
	CU_ASSERT(h.has_wscale);
	CU_ASSERT_EQUAL(h.wscale, 7);
	CU_ASSERT_EQUAL(h.payload_len, 0);
}

static void test_tcp_broken(void)
{
	static const struct {
		size_t at;           /* byte to change */
		uint8_t val;
		size_t len;
		int rc;
		const char *field;
		size_t offset;
	} t[] = {
		{ 0, 0xc3, 11, -EMSGSIZE, "tcp.ack", 8 },
		{ 0, 0xc3, 12, -EMSGSIZE, "tcp.data_offset", 12 },
		{ 0, 0xc3, 19, -EMSGSIZE, "tcp.urgent", 18 },
		{ 0, 0xc3, 39, -EMSGSIZE, "tcp.options", 20 },
		{ 12, 0x40, 40, -EBADMSG, "tcp.data_offset", 12 },
		{ 21, 0x05, 40, -EBADMSG, "tcp.option.mss", 21 },       /* MSS length 5 */
		{ 21, 0x01, 40, -EBADMSG, "tcp.option.length", 21 },    /* length below 2 */
		{ 27, 0x10, 40, -EBADMSG, "tcp.option.length", 27 },    /* TS runs past the header */
		{ 27, 0x0c, 40, -EBADMSG, "tcp.option.timestamp", 27 },
		{ 38, 0x02, 40, -EBADMSG, "tcp.option.wscale", 38 },
		{ 39, 0x03, 40, -EBADMSG, "tcp.option.length", 39 },    /* kind 3 in the last byte */
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[40];
		struct tcp_hdr h;
		struct ip_err e;

		memcpy(b, syn, sizeof b);
		b[t[i].at] = t[i].val;
		if (t[i].at == 39)
			memset(b + 36, 0x01, 3);   /* NOPs, so the last byte starts an option */
		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(tcp_parse(b, t[i].len, &h, &e), t[i].rc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
		CU_ASSERT_EQUAL(e.offset, t[i].offset);
	}
}

/* A UDP checksum over the pseudo-header, checked against a value computed by hand. */
static void test_pseudo_header_sum(void)
{
	struct ip_addr s = { 4, { 10, 0, 0, 1 } }, d = { 4, { 10, 0, 0, 2 } };
	/* 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 16 = 0x1424 */
	CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_pseudo(&s, &d, IP_PROTO_UDP, 16)), 0x1424);
}

UNIT_SUITE(ip_l4,
	UNIT_TEST(test_udp_parse),
	UNIT_TEST(test_udp_broken),
	UNIT_TEST(test_tcp_syn_options),
	UNIT_TEST(test_tcp_broken),
	UNIT_TEST(test_pseudo_header_sum))
