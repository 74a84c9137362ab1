/* IPv6 header and extension header walk. */
#include "tests/unit/unit.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

/* 2001:db8::1 -> 2001:db8::2 (RFC 3849 documentation prefix), hop limit 64. */
static size_t v6_fixed(uint8_t *b, uint8_t next, uint16_t plen)
{
	memset(b, 0, 40);
	b[0] = 0x60 | 0x0b;           /* version 6, traffic class 0xba */
	b[1] = 0xa1;                  /* flow label 0x12345 in the low 20 bits */
	b[2] = 0x23;
	b[3] = 0x45;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	b[6] = next;
	b[7] = 64;
	b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8; b[23] = 1;
	b[24] = 0x20; b[25] = 0x01; b[26] = 0x0d; b[27] = 0xb8; b[39] = 2;
	return 40;
}

static void test_plain_udp(void)
{
	uint8_t b[48 + 10];
	struct ipv6_hdr h;
	char s[64];

	v6_fixed(b, IP_PROTO_UDP, 8);
	memset(b + 40, 0xaa, sizeof b - 40);   /* 10 trailing bytes beyond the payload length */
	CU_ASSERT_EQUAL_FATAL(ipv6_parse(b, sizeof b, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.tclass, 0xba);
	CU_ASSERT_EQUAL(h.flow, 0x12345);
	CU_ASSERT_EQUAL(h.hop_limit, 64);
	CU_ASSERT_EQUAL(h.proto, IP_PROTO_UDP);
	CU_ASSERT_EQUAL(h.l4_off, 40);
	CU_ASSERT_EQUAL(h.payload_len, 8);
	CU_ASSERT(!h.frag);
	CU_ASSERT_STRING_EQUAL(ip_addr_format(&h.src, s, sizeof s), "2001:db8::1");
	CU_ASSERT_STRING_EQUAL(ip_addr_format(&h.dst, s, sizeof s), "2001:db8::2");
}

/* Hop-by-hop (8) -> destination options (16) -> routing (8) -> fragment -> ESP. */
static size_t v6_chain(uint8_t *b, uint16_t frag_field, uint32_t id)
{
	size_t off = v6_fixed(b, IP_PROTO_HOPOPTS, 8 + 16 + 8 + 8 + 8);

	memset(b + off, 0, 8);
	b[off] = IP_PROTO_DSTOPTS; b[off + 1] = 0; b[off + 2] = 1; b[off + 3] = 4;  /* PadN */
	off += 8;
	memset(b + off, 0, 16);
	b[off] = IP_PROTO_ROUTING; b[off + 1] = 1; b[off + 2] = 1; b[off + 3] = 12;
	off += 16;
	memset(b + off, 0, 8);
	b[off] = IP_PROTO_FRAGMENT; b[off + 1] = 0;
	off += 8;
	b[off] = IP_PROTO_ESP; b[off + 1] = 0;
	b[off + 2] = (uint8_t)(frag_field >> 8);
	b[off + 3] = (uint8_t)frag_field;
	b[off + 4] = (uint8_t)(id >> 24); b[off + 5] = (uint8_t)(id >> 16);
	b[off + 6] = (uint8_t)(id >> 8); b[off + 7] = (uint8_t)id;
	off += 8;
	memset(b + off, 0x11, 8);     /* ESP SPI and sequence */
	return off + 8;
}

static void test_extension_walk(void)
{
	uint8_t b[128];
	size_t len = v6_chain(b, 0x0001, 0xdeadbeef);   /* offset 0, M set */
	struct ipv6_hdr h;

	CU_ASSERT_EQUAL_FATAL(ipv6_parse(b, len, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.n_ext, 4);
	CU_ASSERT(h.frag);
	CU_ASSERT(h.mf);
	CU_ASSERT_EQUAL(h.frag_off, 0);
	CU_ASSERT_EQUAL(h.frag_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(h.frag_hdr_off, 72);
	CU_ASSERT_EQUAL(h.unfrag_len, 72);
	CU_ASSERT_EQUAL(h.proto, IP_PROTO_ESP);
	CU_ASSERT_EQUAL(h.l4_off, 80);
	CU_ASSERT_EQUAL(h.payload_len, 8);
}

static void test_non_first_fragment_stops(void)
{
	uint8_t b[128];
	size_t len = v6_chain(b, 1448 | 0, 7);           /* offset 1448, last fragment */
	struct ipv6_hdr h;

	/* The data after the fragment header is not parsed even if it looks like a header. */
	b[80] = IP_PROTO_HOPOPTS;
	CU_ASSERT_EQUAL_FATAL(ipv6_parse(b, len, &h, NULL), 0);
	CU_ASSERT(h.frag);
	CU_ASSERT(!h.mf);
	CU_ASSERT_EQUAL(h.frag_off, 1448);
	CU_ASSERT_EQUAL(h.proto, IP_PROTO_ESP);
	CU_ASSERT_EQUAL(h.l4_off, 80);
}

static void test_truncated_fields(void)
{
	static const struct {
		size_t len;
		int rc;
		const char *field;
		size_t offset;
	} t[] = {
		{ 0, -EMSGSIZE, "ipv6.version", 0 },
		{ 3, -EMSGSIZE, "ipv6.version", 0 },
		{ 5, -EMSGSIZE, "ipv6.payload_length", 4 },
		{ 6, -EMSGSIZE, "ipv6.next_header", 6 },
		{ 7, -EMSGSIZE, "ipv6.hop_limit", 7 },
		{ 8, -EMSGSIZE, "ipv6.src", 8 },
		{ 39, -EMSGSIZE, "ipv6.dst", 24 },
		{ 47, -EMSGSIZE, "ipv6.extension", 40 },         /* hop-by-hop cut */
		{ 50, -EMSGSIZE, "ipv6.extension", 48 },         /* destination options cut */
		{ 60, -EMSGSIZE, "ipv6.extension.length", 49 },  /* ... inside its 16 bytes */
		{ 75, -EMSGSIZE, "ipv6.extension", 72 },         /* fragment header cut */
	};
	uint8_t b[128];

	v6_chain(b, 1, 1);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct ipv6_hdr h;
		struct ip_err e;

		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(ipv6_parse(b, t[i].len, &h, &e), t[i].rc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
		CU_ASSERT_EQUAL(e.offset, t[i].offset);
	}
}

static void test_bad_headers(void)
{
	uint8_t b[128];
	struct ipv6_hdr h;
	struct ip_err e;
	size_t len;

	len = v6_chain(b, 1, 1);
	b[0] = 0x45;
	CU_ASSERT_EQUAL(ipv6_parse(b, len, &h, &e), -EPROTONOSUPPORT);
	/* Hop-by-hop anywhere but first (RFC 8200 §4.1). */
	len = v6_chain(b, 1, 1);
	b[48] = IP_PROTO_HOPOPTS;
	CU_ASSERT_EQUAL(ipv6_parse(b, len, &h, &e), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(e.field, "ipv6.hop_by_hop");
	CU_ASSERT_EQUAL(e.offset, 64);
	/* Jumbogram marker. */
	v6_fixed(b, IP_PROTO_HOPOPTS, 0);
	CU_ASSERT_EQUAL(ipv6_parse(b, 48, &h, &e), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(e.field, "ipv6.payload_length");
	/* A chain of destination options headers longer than any real packet. */
	len = v6_fixed(b, IP_PROTO_DSTOPTS, 80);
	for (int i = 0; i < 10; i++) {
		memset(b + len, 0, 8);
		b[len] = IP_PROTO_DSTOPTS;
		len += 8;
	}
	CU_ASSERT_EQUAL(ipv6_parse(b, len, &h, &e), -EMSGSIZE);
	CU_ASSERT_EQUAL(e.offset, 120);
}

static void test_truncated_payload(void)
{
	uint8_t b[60];
	struct ipv6_hdr h;

	v6_fixed(b, IP_PROTO_UDP, 1000);
	CU_ASSERT_EQUAL_FATAL(ipv6_parse(b, sizeof b, &h, NULL), 0);
	CU_ASSERT(h.truncated);
	CU_ASSERT_EQUAL(h.payload_len, 20);
}

UNIT_SUITE(ip_ipv6,
	UNIT_TEST(test_plain_udp),
	UNIT_TEST(test_extension_walk),
	UNIT_TEST(test_non_first_fragment_stops),
	UNIT_TEST(test_truncated_fields),
	UNIT_TEST(test_bad_headers),
	UNIT_TEST(test_truncated_payload))
