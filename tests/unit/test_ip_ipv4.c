/* IPv4 header parse/build, checksum and fragmentation. */
#include "tests/unit/unit.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

/*
 * The IPv4 header worked example of Wikipedia's "Internet checksum" / "IPv4 header checksum"
 * article (192.168.0.1 -> 192.168.0.199, UDP, total length 115, DF): checksum 0xb861,
 * recomputed independently with Python's struct module.
 */
static const uint8_t wiki_hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
	0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void test_csum_rfc1071_example(void)
{
	/* RFC 1071 §3 numerical example: the folded sum of these bytes is 0xddf2. */
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(0, b, sizeof b)), 0xddf2);
	/* Odd length: the last byte is the high half of a zero-padded word. */
	CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(0, b, 3)), 0x0001 + 0xf200);
}

static void test_parse_known_header(void)
{
	uint8_t pkt[115] = { 0 };
	struct ipv4_hdr h;
	struct ip_err e;
	char s[64];

	memcpy(pkt, wiki_hdr, sizeof wiki_hdr);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(pkt, sizeof pkt, &h, &e), 0);
	CU_ASSERT_EQUAL(h.hlen, 20);
	CU_ASSERT_EQUAL(h.total_len, 115);
	CU_ASSERT(h.df);
	CU_ASSERT(!h.mf);
	CU_ASSERT_EQUAL(h.frag_off, 0);
	CU_ASSERT_EQUAL(h.ttl, 64);
	CU_ASSERT_EQUAL(h.proto, IP_PROTO_UDP);
	CU_ASSERT_EQUAL(h.csum, 0xb861);
	CU_ASSERT(h.csum_ok);
	CU_ASSERT_STRING_EQUAL(ip_addr_format(&h.src, s, sizeof s), "192.168.0.1");
	CU_ASSERT_STRING_EQUAL(ip_addr_format(&h.dst, s, sizeof s), "192.168.0.199");
	CU_ASSERT_EQUAL(h.payload_len, 95);
	CU_ASSERT(!h.truncated);
}

static void test_build_matches_known_checksum(void)
{
	struct ipv4_hdr h;
	uint8_t out[20];

	CU_ASSERT_EQUAL_FATAL(ipv4_parse(wiki_hdr, sizeof wiki_hdr, &h, NULL), 0);
	CU_ASSERT(h.truncated);          /* 20 bytes of a 115-byte packet */
	CU_ASSERT_EQUAL(ipv4_build(&h, out, sizeof out), 20);
	CU_ASSERT_EQUAL(memcmp(out, wiki_hdr, 20), 0);
	CU_ASSERT_EQUAL(ipv4_build(&h, out, 19), -ENOSPC);
}

static void test_bad_checksum_reported_but_decoded(void)
{
	uint8_t pkt[115] = { 0 };
	struct ipv4_hdr h;

	memcpy(pkt, wiki_hdr, sizeof wiki_hdr);
	pkt[11] ^= 0x01;
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(pkt, sizeof pkt, &h, NULL), 0);
	CU_ASSERT(!h.csum_ok);
	CU_ASSERT_EQUAL(h.proto, IP_PROTO_UDP);
	CU_ASSERT_EQUAL(h.total_len, 115);
}

/* Truncated at every length inside the header: the error names the field being read. */
static void test_truncated_each_field(void)
{
	static const struct {
		size_t len;
		const char *field;
	} t[] = {
		{ 0, "ipv4.version" }, { 1, "ipv4.tos" }, { 2, "ipv4.total_length" },
		{ 3, "ipv4.total_length" }, { 4, "ipv4.id" }, { 5, "ipv4.id" },
		{ 6, "ipv4.flags" }, { 7, "ipv4.flags" }, { 8, "ipv4.ttl" },
		{ 9, "ipv4.protocol" }, { 10, "ipv4.checksum" }, { 11, "ipv4.checksum" },
		{ 12, "ipv4.src" }, { 15, "ipv4.src" }, { 16, "ipv4.dst" }, { 19, "ipv4.dst" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct ipv4_hdr h;
		struct ip_err e;

		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(ipv4_parse(wiki_hdr, t[i].len, &h, &e), -EMSGSIZE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
	}
}

static void test_bad_lengths(void)
{
	static const struct {
		uint8_t b0;          /* version/IHL */
		uint16_t total;
		size_t len;          /* bytes given */
		int rc;
		const char *field;
		size_t offset;
	} t[] = {
		{ 0x44, 20, 20, -EBADMSG, "ipv4.ihl", 0 },
		{ 0x65, 20, 20, -EPROTONOSUPPORT, "ipv4.version", 0 },
		{ 0x45, 19, 20, -EBADMSG, "ipv4.total_length", 2 },
		{ 0x46, 24, 20, -EMSGSIZE, "ipv4.options", 20 },    /* IHL 6, 20 bytes given */
		{ 0x4f, 60, 40, -EMSGSIZE, "ipv4.options", 20 },
		{ 0x46, 22, 24, -EBADMSG, "ipv4.total_length", 2 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[64] = { 0 };
		struct ipv4_hdr h;
		struct ip_err e;

		memcpy(b, wiki_hdr, 20);
		b[0] = t[i].b0;
		b[2] = (uint8_t)(t[i].total >> 8);
		b[3] = (uint8_t)t[i].total;
		memset(&e, 0, sizeof e);
		CU_ASSERT_EQUAL(ipv4_parse(b, t[i].len, &h, &e), t[i].rc);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.field);
		CU_ASSERT_STRING_EQUAL(e.field, t[i].field);
		CU_ASSERT_EQUAL(e.offset, t[i].offset);
	}
}

static void test_padding_not_payload(void)
{
	/* A 46-byte minimum Ethernet payload carrying a 28-byte packet: 18 bytes of padding. */
	uint8_t b[46] = { 0 };
	struct ipv4_hdr h;

	memcpy(b, wiki_hdr, 20);
	b[3] = 28;
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(b, sizeof b, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.payload_len, 8);
	CU_ASSERT(!h.truncated);
}

static void test_options(void)
{
	/* Router alert (RFC 2113: type 148, length 4) then record route cut short. */
	uint8_t b[28] = { 0 };
	struct ipv4_hdr h;
	struct ip_err e;

	memcpy(b, wiki_hdr, 20);
	b[0] = 0x47;
	b[3] = 28;
	b[20] = 148; b[21] = 4; b[22] = 0; b[23] = 0;
	b[24] = 1; b[25] = 0;                         /* NOP, EOL */
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(b, sizeof b, &h, &e), 0);
	CU_ASSERT_EQUAL(h.hlen, 28);
	CU_ASSERT_EQUAL(h.opts_len, 8);
	CU_ASSERT_EQUAL(h.opts[0], 148);
	CU_ASSERT_EQUAL(h.payload_len, 0);
	b[24] = 7; b[25] = 9;                         /* record route, length past the header */
	memset(&e, 0, sizeof e);
	CU_ASSERT_EQUAL(ipv4_parse(b, sizeof b, &h, &e), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(e.field, "ipv4.option.length");
	CU_ASSERT_EQUAL(e.offset, 25);
	b[24] = 1; b[25] = 1; b[26] = 1; b[27] = 68;  /* timestamp option with no length byte */
	CU_ASSERT_EQUAL(ipv4_parse(b, sizeof b, &h, &e), -EBADMSG);
	CU_ASSERT_EQUAL(e.offset, 27);
}

static void test_build_fields(void)
{
	struct ipv4_hdr h, p;
	uint8_t out[60];
	static const uint8_t opts[4] = { 148, 4, 0, 0 };

	memset(&h, 0, sizeof h);
	h.total_len = 1500;
	h.id = 0xbeef;
	h.mf = true;
	h.frag_off = 1480;
	h.ttl = 63;
	h.proto = IP_PROTO_ESP;
	h.src = (struct ip_addr){ 4, { 10, 0, 0, 1 } };
	h.dst = (struct ip_addr){ 4, { 10, 0, 0, 2 } };
	h.opts = opts;
	h.opts_len = 4;
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, out, sizeof out), 24);
	CU_ASSERT_EQUAL(out[0], 0x46);
	CU_ASSERT_EQUAL(out[6], 0x20);                /* MF */
	CU_ASSERT_EQUAL(out[7], 1480 / 8);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(out, 24, &p, NULL), 0);
	CU_ASSERT(p.csum_ok);
	CU_ASSERT(p.mf && !p.df);
	CU_ASSERT_EQUAL(p.frag_off, 1480);
	CU_ASSERT_EQUAL(p.id, 0xbeef);
	CU_ASSERT(ip_addr_equal(&p.dst, &h.dst));
	h.frag_off = 1481;
	CU_ASSERT_EQUAL(ipv4_build(&h, out, sizeof out), -EINVAL);
	h.frag_off = 0;
	h.opts_len = 3;
	CU_ASSERT_EQUAL(ipv4_build(&h, out, sizeof out), -EINVAL);
}

static size_t make_packet(uint8_t *b, size_t payload, bool df, bool with_opts)
{
	static const uint8_t opts[8] = { 148, 4, 0, 0, 7, 3, 4, 0 };  /* RA (copied), RR (not) */
	struct ipv4_hdr h;
	int hl;

	memset(&h, 0, sizeof h);
	h.opts = with_opts ? opts : NULL;
	h.opts_len = with_opts ? sizeof opts : 0;
	h.total_len = (uint16_t)(20 + h.opts_len + payload);
	h.id = 0x1234;
	h.df = df;
	h.ttl = 64;
	h.proto = IP_PROTO_UDP;
	h.src = (struct ip_addr){ 4, { 192, 0, 2, 1 } };
	h.dst = (struct ip_addr){ 4, { 198, 51, 100, 7 } };
	hl = ipv4_build(&h, b, 60);
	for (size_t i = 0; i < payload; i++)
		b[hl + i] = (uint8_t)(i * 7 + 3);
	return (size_t)hl + payload;
}

/* Fragment to an MTU, reassemble, compare with the original payload. */
static void test_fragment_round_trip(void)
{
	static uint8_t pkt[4000], out[8000];
	struct ipv4_frag_slot slots[16];
	struct ip_reasm *r = ip_reasm_new(NULL);
	struct ip_reasm_datagram d;
	size_t len = make_packet(pkt, 3000, false, true);
	int n, rc = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	n = ipv4_fragment(pkt, len, 1454, out, sizeof out, slots, 16);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		struct ipv4_hdr h;
		struct ip_frag_in f;

		CU_ASSERT(slots[i].len <= 1454);
		CU_ASSERT_EQUAL_FATAL(ipv4_parse(out + slots[i].off, slots[i].len, &h, NULL), 0);
		CU_ASSERT(h.csum_ok);
		CU_ASSERT_EQUAL(h.id, 0x1234);
		CU_ASSERT_EQUAL(h.mf, i < n - 1);
		CU_ASSERT_EQUAL(h.frag_off % 8, 0);
		/* Only the copied option (router alert) follows into later fragments. */
		CU_ASSERT_EQUAL(h.hlen, i == 0 ? 28 : 24);
		if (i > 0)
			CU_ASSERT_EQUAL(h.opts[0], 148);
		memset(&f, 0, sizeof f);
		f.src = h.src;
		f.dst = h.dst;
		f.proto = h.proto;
		f.id = h.id;
		f.offset = h.frag_off;
		f.mf = h.mf;
		f.df = h.df;
		f.data = h.payload;
		f.len = h.payload_len;
		f.frame = (uint64_t)i + 1;
		rc = ip_reasm_add(r, &f, &d);
	}
	CU_ASSERT_EQUAL_FATAL(rc, 1);
	CU_ASSERT_EQUAL(d.len, 3000);
	CU_ASSERT_EQUAL(memcmp(d.data, pkt + 28, 3000), 0);
	CU_ASSERT_EQUAL(d.nfrags, 3);
	CU_ASSERT_EQUAL(d.frags[2].frame, 3);
	ip_reasm_free(r);
}

static void test_fragment_edges(void)
{
	static uint8_t pkt[2000], out[4000];
	struct ipv4_frag_slot slots[4];
	size_t len;

	len = make_packet(pkt, 1480, false, false);
	CU_ASSERT_EQUAL(ipv4_fragment(pkt, len, 1500, out, sizeof out, slots, 4), 1);
	CU_ASSERT_EQUAL(slots[0].len, 1500);
	CU_ASSERT_EQUAL(ipv4_fragment(pkt, len, 1499, out, sizeof out, slots, 4), 2);
	/* First fragment: 1499 - 20 rounded down to 8 = 1472 bytes of data. */
	CU_ASSERT_EQUAL(slots[0].len, 20 + 1472);
	CU_ASSERT_EQUAL(slots[1].len, 20 + 8);
	CU_ASSERT_EQUAL(ipv4_fragment(pkt, len, 1499, out, sizeof out, slots, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ipv4_fragment(pkt, len, 27, out, sizeof out, slots, 4), -EINVAL);
	len = make_packet(pkt, 1480, true, false);
	CU_ASSERT_EQUAL(ipv4_fragment(pkt, len, 1400, out, sizeof out, slots, 4), -EMSGSIZE);
}

UNIT_SUITE(ip_ipv4,
	UNIT_TEST(test_csum_rfc1071_example),
	UNIT_TEST(test_parse_known_header),
	UNIT_TEST(test_build_matches_known_checksum),
	UNIT_TEST(test_bad_checksum_reported_but_decoded),
	UNIT_TEST(test_truncated_each_field),
	UNIT_TEST(test_bad_lengths),
	UNIT_TEST(test_padding_not_payload),
	UNIT_TEST(test_options),
	UNIT_TEST(test_build_fields),
	UNIT_TEST(test_fragment_round_trip),
	UNIT_TEST(test_fragment_edges))
