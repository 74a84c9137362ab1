/* ICMP and ICMPv6: errors with their quotes, and echo. */
#include "tests/unit/unit.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

static const struct ip_addr a1 = { 4, { 192, 0, 2, 1 } }, a2 = { 4, { 198, 51, 100, 2 } };
static const struct ip_addr r1 = { 4, { 203, 0, 113, 254 } };

static void fix_csum4(uint8_t *b, size_t len)
{
	b[2] = b[3] = 0;
	uint16_t c = (uint16_t)~ip_csum_fold(ip_csum_add(0, b, len));
	b[2] = (uint8_t)(c >> 8);
	b[3] = (uint8_t)c;
}

/*
 * Router 203.0.113.254 tells 192.0.2.1 that its 1500-byte UDP 4500 datagram (ESP in UDP,
 * SPI 0xc1a2b3d4) needs fragmentation with next-hop MTU 1454 (RFC 1191 §4 layout: type 3,
 * code 4, unused 16 bits, next-hop MTU), quoting the IP header and 16 bytes after it.
 */
static size_t frag_needed(uint8_t *b)
{
	struct ipv4_hdr in;
	int hl;

	memset(b, 0, 8);
	b[0] = 3;
	b[1] = 4;
	b[6] = 1454 >> 8;
	b[7] = 1454 & 0xff;
	memset(&in, 0, sizeof in);
	in.total_len = 1500;
	in.id = 0x4242;
	in.df = true;
	in.ttl = 63;
	in.proto = IP_PROTO_UDP;
	in.src = a1;
	in.dst = a2;
	hl = ipv4_build(&in, b + 8, 20);
	b[8 + hl + 0] = 0x11; b[8 + hl + 1] = 0x94;     /* 4500 -> 4500 */
	b[8 + hl + 2] = 0x11; b[8 + hl + 3] = 0x94;
	b[8 + hl + 4] = 0x05; b[8 + hl + 5] = 0xc8;     /* 1480 */
	b[8 + hl + 6] = 0; b[8 + hl + 7] = 0;
	b[8 + hl + 8] = 0xc1; b[8 + hl + 9] = 0xa2; b[8 + hl + 10] = 0xb3; b[8 + hl + 11] = 0xd4;
	b[8 + hl + 12] = 0; b[8 + hl + 13] = 0; b[8 + hl + 14] = 0; b[8 + hl + 15] = 9;
	fix_csum4(b, 8 + 20 + 16);
	return 8 + 20 + 16;
}

static void test_frag_needed(void)
{
	uint8_t b[64];
	size_t len = frag_needed(b);
	struct icmp_msg m;

	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, len, &r1, &a1, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.kind, ICMP_KIND_FRAG_NEEDED);
	CU_ASSERT(m.csum_ok);
	CU_ASSERT_EQUAL(m.mtu, 1454);
	CU_ASSERT_FATAL(m.has_quote);
	CU_ASSERT(ip_addr_equal(&m.quote.src, &a1));
	CU_ASSERT(ip_addr_equal(&m.quote.dst, &a2));
	CU_ASSERT_EQUAL(m.quote.proto, IP_PROTO_UDP);
	CU_ASSERT_EQUAL(m.quote.total_len, 1500);
	CU_ASSERT_EQUAL(m.quote.ip_id, 0x4242);
	CU_ASSERT(m.quote.has_ports);
	CU_ASSERT_EQUAL(m.quote.dport, 4500);
	CU_ASSERT(m.quote.has_spi);
	CU_ASSERT_EQUAL(m.quote.spi, 0xc1a2b3d4);
	/* RFC 792's minimum quote (header + 8 bytes): ports but no SPI. */
	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, 8 + 20 + 8, NULL, NULL, &m, NULL), 0);
	CU_ASSERT(m.quote.has_ports);
	CU_ASSERT(!m.quote.has_spi);
	CU_ASSERT(!m.csum_ok);          /* the checksum covered 16 more bytes */
	/* A quote cut inside the inner header: still a frag-needed, no quote. */
	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, 8 + 12, NULL, NULL, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.mtu, 1454);
	CU_ASSERT(!m.has_quote);
}

static void test_unreach_esp_quote(void)
{
	uint8_t b[64];

	frag_needed(b);
	/* Port unreachable quoting ESP: the SPI is the first word after the IP header. */
	b[1] = 3;
	b[8 + 9] = IP_PROTO_ESP;
	b[8 + 10] = b[8 + 11] = 0;
	{
		uint16_t c = (uint16_t)~ip_csum_fold(ip_csum_add(0, b + 8, 20));
		struct icmp_msg m;

		b[8 + 10] = (uint8_t)(c >> 8);
		b[8 + 11] = (uint8_t)c;
		memcpy(b + 28, "\xde\xad\xbe\xef\x00\x00\x00\x01", 8);
		fix_csum4(b, 36);
		CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, 36, NULL, NULL, &m, NULL), 0);
		CU_ASSERT_EQUAL(m.kind, ICMP_KIND_UNREACH);
		CU_ASSERT_EQUAL(m.code, 3);
		CU_ASSERT(m.csum_ok);
		CU_ASSERT(m.quote.has_spi);
		CU_ASSERT(!m.quote.has_ports);
		CU_ASSERT_EQUAL(m.quote.spi, 0xdeadbeef);
	}
}

static void test_truncated(void)
{
	static const struct {
		size_t len;
		const char *field;
	} t[] = {
		{ 0, "icmp.type" }, { 1, "icmp.code" }, { 2, "icmp.checksum" }, { 3, "icmp.checksum" },
		{ 4, "icmp.rest_of_header" }, { 7, "icmp.rest_of_header" },
	};
	uint8_t b[64];
	struct icmp_msg m;
	struct ip_err e;

	frag_needed(b);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(icmp_parse(4, b, t[i].len, NULL, NULL, &m, &e), -EMSGSIZE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
	}
	CU_ASSERT_EQUAL(icmp_parse(5, b, 36, NULL, NULL, &m, &e), -EINVAL);
}

static void test_echo_round_trip_v4(void)
{
	uint8_t b[64];
	struct icmp_msg m;
	int n = icmp_echo_build(4, false, 0x1234, 7, (const uint8_t *)"abcdefgh", 8, NULL, NULL,
	                        b, sizeof b);

	CU_ASSERT_EQUAL_FATAL(n, 16);
	CU_ASSERT_EQUAL(b[0], 8);
	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, (size_t)n, NULL, NULL, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.kind, ICMP_KIND_ECHO_REQUEST);
	CU_ASSERT(m.csum_ok);
	CU_ASSERT_EQUAL(m.echo_id, 0x1234);
	CU_ASSERT_EQUAL(m.echo_seq, 7);
	CU_ASSERT_EQUAL(m.data_len, 8);
	CU_ASSERT_EQUAL(memcmp(m.data, "abcdefgh", 8), 0);
	b[9] ^= 1;
	CU_ASSERT_EQUAL_FATAL(icmp_parse(4, b, (size_t)n, NULL, NULL, &m, NULL), 0);
	CU_ASSERT(!m.csum_ok);
	CU_ASSERT_EQUAL(icmp_echo_build(4, true, 1, 1, NULL, 0, NULL, NULL, b, 7), -ENOSPC);
}

static void test_echo_and_ptb_v6(void)
{
	struct ip_addr s = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct ip_addr d = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	uint8_t b[128];
	struct icmp_msg m;
	int n = icmp_echo_build(6, true, 9, 10, (const uint8_t *)"xyz", 3, &s, &d, b, sizeof b);

	CU_ASSERT_EQUAL_FATAL(n, 11);
	CU_ASSERT_EQUAL(b[0], 129);
	CU_ASSERT_EQUAL_FATAL(icmp_parse(6, b, (size_t)n, &s, &d, &m, NULL), 0);
	CU_ASSERT(m.csum_ok);
	CU_ASSERT_EQUAL(m.kind, ICMP_KIND_ECHO_REPLY);
	/* The wrong destination in the pseudo-header breaks the checksum. */
	CU_ASSERT_EQUAL_FATAL(icmp_parse(6, b, (size_t)n, &s, &s, &m, NULL), 0);
	CU_ASSERT(!m.csum_ok);
	CU_ASSERT_EQUAL(icmp_echo_build(6, true, 9, 10, NULL, 0, NULL, NULL, b, sizeof b),
	                -EINVAL);

	/* Packet too big (RFC 4443 §3.2) with MTU 1280, quoting an ESP packet. */
	memset(b, 0, sizeof b);
	b[0] = 2;
	b[4] = 0; b[5] = 0; b[6] = 0x05; b[7] = 0x00;
	b[8] = 0x60;
	b[8 + 4] = 0x05; b[8 + 5] = 0xb0;               /* payload length 1456 */
	b[8 + 6] = IP_PROTO_ESP;
	b[8 + 7] = 64;
	memcpy(b + 16, s.a, 16);
	memcpy(b + 32, d.a, 16);
	memcpy(b + 48, "\x00\x00\x10\x01\x00\x00\x00\x05", 8);
	CU_ASSERT_EQUAL_FATAL(icmp_parse(6, b, 56, NULL, NULL, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.kind, ICMP_KIND_FRAG_NEEDED);
	CU_ASSERT_EQUAL(m.mtu, 1280);
	CU_ASSERT_FATAL(m.has_quote);
	CU_ASSERT(ip_addr_equal(&m.quote.src, &s));
	CU_ASSERT_EQUAL(m.quote.proto, IP_PROTO_ESP);
	CU_ASSERT_EQUAL(m.quote.total_len, 1456);
	CU_ASSERT(m.quote.has_spi);
	CU_ASSERT_EQUAL(m.quote.spi, 0x1001);
}

UNIT_SUITE(ip_icmp,
	UNIT_TEST(test_frag_needed),
	UNIT_TEST(test_unreach_esp_quote),
	UNIT_TEST(test_truncated),
	UNIT_TEST(test_echo_round_trip_v4),
	UNIT_TEST(test_echo_and_ptb_v6))
