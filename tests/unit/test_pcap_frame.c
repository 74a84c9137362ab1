/* cap_frame_decode on single frames: link types, classification edges, truncation. */
#include "tests/unit/unit.h"
#include "captures/frame.h"

#include <errno.h>
#include <string.h>

/* IPv4 192.0.2.1 -> 198.51.100.2, UDP sport -> dport, checksum filled in. */
static size_t ip_udp(uint8_t *b, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	struct ipv4_hdr h;

	memset(&h, 0, sizeof h);
	h.total_len = (uint16_t)(28 + n);
	h.ttl = 64;
	h.proto = IP_PROTO_UDP;
	h.src = (struct ip_addr){ 4, { 192, 0, 2, 1 } };
	h.dst = (struct ip_addr){ 4, { 198, 51, 100, 2 } };
	ipv4_build(&h, b, 20);
	b[20] = (uint8_t)(sport >> 8); b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8); b[23] = (uint8_t)dport;
	b[24] = (uint8_t)((8 + n) >> 8); b[25] = (uint8_t)(8 + n);
	b[26] = b[27] = 0;
	memcpy(b + 28, pl, n);
	return 28 + n;
}

/* The UDP 4500 payload cases of RFC 3948 §2, by length and first bytes. */
static void test_natt_classification(void)
{
	static const struct {
		const char *name;
		uint8_t pl[12];
		size_t n;
		enum cap_app app;
		int err;
		uint32_t spi, seq;
	} t[] = {
		{ "keepalive", { 0xff }, 1, CAP_APP_NATT_KEEPALIVE, 0, 0, 0 },
		{ "one byte not 0xff", { 0x00 }, 1, CAP_APP_NONE, -EMSGSIZE, 0, 0 },
		{ "empty", { 0 }, 0, CAP_APP_NONE, -EMSGSIZE, 0, 0 },
		{ "marker only", { 0, 0, 0, 0 }, 4, CAP_APP_ISAKMP, 0, 0, 0 },
		{ "marker + ike", { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 12, CAP_APP_ISAKMP, 0, 0, 0 },
		{ "esp", { 0, 0, 1, 0, 0, 0, 0, 9, 0xaa }, 9, CAP_APP_UDP_ESP, 0, 0x100, 9 },
		{ "esp no seq", { 0xde, 0xad, 0xbe, 0xef, 0, 0 }, 6, CAP_APP_UDP_ESP, -EMSGSIZE,
		  0xdeadbeef, 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[64];
		size_t len = ip_udp(b, 4500, 4500, t[i].pl, t[i].n);
		struct cap_frame f;

		CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_RAW, b, len, len, &f), t[i].err);
		CU_ASSERT_EQUAL(f.app, t[i].app);
		CU_ASSERT_EQUAL(f.spi, t[i].spi);
		CU_ASSERT_EQUAL(f.seq, t[i].seq);
		if (t[i].app == CAP_APP_ISAKMP) {
			CU_ASSERT_EQUAL(f.isakmp_off, 32);
			CU_ASSERT_EQUAL(f.isakmp_len, t[i].n - 4);
		}
		if (t[i].err)
			CU_ASSERT_PTR_NOT_NULL(f.error.field);
	}
}

static void test_ike_on_500_either_port(void)
{
	uint8_t b[64];
	static const uint8_t ike[28] = { 1, 2, 3, 4, 5, 6, 7, 8, [16] = 1, 0x10, 2 };
	size_t len = ip_udp(b, 500, 38000, ike, sizeof ike);
	struct cap_frame f;

	CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_RAW, b, len, len, &f), 0);
	CU_ASSERT_EQUAL(f.app, CAP_APP_ISAKMP);
	CU_ASSERT_PTR_EQUAL(f.isakmp, b + 28);
	len = ip_udp(b, 1701, 1702, ike, sizeof ike);
	CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_RAW, b, len, len, &f), 0);
	CU_ASSERT_EQUAL(f.app, CAP_APP_NONE);
	CU_ASSERT_EQUAL(f.l4, CAP_L4_UDP);
}

/* Link headers: where the IP header is found, and errors for a short frame of each. */
static void test_link_types(void)
{
	static const struct {
		int dlt;
		uint8_t hdr[24];
		size_t hlen;
		const char *short_field;
	} t[] = {
		{ CAP_DLT_EN10MB, { [12] = 0x08, 0x00 }, 14, "eth.type" },
		{ CAP_DLT_EN10MB, { [12] = 0x81, 0x00, 0x00, 0x07, 0x08, 0x00 }, 18, "eth.type" },
		{ CAP_DLT_LINUX_SLL, { [14] = 0x08, 0x00 }, 16, "sll.protocol" },
		{ CAP_DLT_LINUX_SLL2, { 0x08, 0x00 }, 20, "sll2" },
		{ CAP_DLT_NULL, { 2, 0, 0, 0 }, 4, "null.family" },
		{ CAP_DLT_NULL, { 0, 0, 0, 2 }, 4, "null.family" },       /* big-endian writer */
		{ CAP_DLT_LOOP, { 0, 0, 0, 2 }, 4, "null.family" },
		{ CAP_DLT_RAW, { 0 }, 0, "ip.version" },
		{ CAP_DLT_IPV4, { 0 }, 0, "ipv4.version" },
	};
	static const uint8_t esp[8] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1 };

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t b[128];
		struct cap_frame f;
		size_t len;

		memcpy(b, t[i].hdr, t[i].hlen);
		len = t[i].hlen + ip_udp(b + t[i].hlen, 4500, 4500, esp, sizeof esp);
		CU_ASSERT_EQUAL(cap_frame_decode(t[i].dlt, b, len, len, &f), 0);
		CU_ASSERT_EQUAL(f.l3_off, t[i].hlen);
		CU_ASSERT_EQUAL(f.l3, CAP_L3_IPV4);
		CU_ASSERT_EQUAL(f.app, CAP_APP_UDP_ESP);
		CU_ASSERT_EQUAL(f.spi, 0x1234);
		CU_ASSERT_EQUAL(f.isakmp_off, 0);
		/* Cut inside the link header (or with no IP at all): an error, never a crash. */
		for (size_t cut = 0; cut <= t[i].hlen; cut++) {
			memset(&f, 0xa5, sizeof f);
			if (cut == t[i].hlen && t[i].hlen) {
				/* The link header is whole: the IP layer reports the empty packet. */
				CU_ASSERT_EQUAL(cap_frame_decode(t[i].dlt, b, cut, len, &f), -EMSGSIZE);
				CU_ASSERT(f.truncated);
				continue;
			}
			CU_ASSERT_EQUAL(cap_frame_decode(t[i].dlt, b, cut, len, &f), -EMSGSIZE);
			CU_ASSERT_PTR_NOT_NULL_FATAL(f.error.field);
			/* Past the outer type, a short 802.1Q tag is named as such. */
			CU_ASSERT_STRING_EQUAL(f.error.field, t[i].hlen == 18 && cut >= 14 ?
			                       "vlan.tci" : t[i].short_field);
			CU_ASSERT(f.truncated);
		}
	}
}

static void test_non_ip_and_unknown(void)
{
	uint8_t b[64] = { [12] = 0x00, [13] = 0x40 };    /* 802.3 length 64: LLC, not IP */
	struct cap_frame f;

	CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_EN10MB, b, 60, 60, &f), 0);
	CU_ASSERT_EQUAL(f.l3, CAP_L3_OTHER);
	CU_ASSERT_EQUAL(cap_frame_decode(147, b, 60, 60, &f), -EPROTONOSUPPORT);
	CU_ASSERT_STRING_EQUAL(f.error.field, "link");
	b[0] = 0x55;
	CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_RAW, b, 60, 60, &f), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(f.error.offset, 0);
	/* Nine stacked 802.1Q tags. */
	memset(b, 0, sizeof b);
	for (int i = 0; i < 10; i++) {
		b[12 + 4 * i] = 0x81;
		b[13 + 4 * i] = 0x00;
	}
	CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_EN10MB, b, 64, 64, &f), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(f.error.field, "vlan");
}

/*
 * Every truncation of a whole frame is reported; the offset is where the missing field starts
 * in the frame as it was on the wire (which may be past the bytes captured).
 */
static void test_every_truncation(void)
{
	static const uint8_t esp[16] = { 0xc0, 0xff, 0xee, 1, 0, 0, 0, 7 };
	uint8_t b[64] = { [12] = 0x08, 0x00 };
	size_t len = 14 + ip_udp(b + 14, 4500, 4500, esp, sizeof esp);
	int errors = 0;

	for (size_t cut = 0; cut < len; cut++) {
		struct cap_frame f;
		int rc = cap_frame_decode(CAP_DLT_EN10MB, b, cut, len, &f);

		CU_ASSERT(f.truncated);
		if (rc) {
			errors++;
			CU_ASSERT(f.error.offset < len);
			CU_ASSERT(f.error.offset + 4 > cut);   /* the field the cut fell in */
		}
	}
	/* Up to the ESP sequence number every cut is an error; after, the payload is short. */
	CU_ASSERT_EQUAL(errors, 14 + 20 + 8 + 8);
}

static void test_reassemble_through_decoder(void)
{
	struct ip_reasm *r = ip_reasm_new(NULL);
	uint8_t big[3000], frags[4000];
	struct ipv4_frag_slot slots[4];
	struct ipv4_hdr h;
	struct cap_frame f, w;
	int n, done = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	memset(big, 0, sizeof big);
	memset(&h, 0, sizeof h);
	h.total_len = sizeof big;
	h.id = 77;
	h.ttl = 64;
	h.proto = IP_PROTO_UDP;
	h.src = (struct ip_addr){ 4, { 192, 0, 2, 1 } };
	h.dst = (struct ip_addr){ 4, { 198, 51, 100, 2 } };
	ipv4_build(&h, big, 20);
	big[20] = 0x11; big[21] = 0x94; big[22] = 0x11; big[23] = 0x94;   /* 4500 */
	big[24] = (2980 >> 8); big[25] = 2980 & 0xff;
	big[28] = 0xca; big[29] = 0xfe; big[35] = 42;                      /* SPI, seq */
	n = ipv4_fragment(big, sizeof big, 1454, frags, sizeof frags, slots, 4);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(cap_frame_decode(CAP_DLT_RAW, frags + slots[i].off, slots[i].len,
		                                 slots[i].len, &f), 0);
		CU_ASSERT(f.fragment);
		CU_ASSERT_EQUAL(f.app, CAP_APP_NONE);
		f.number = (uint64_t)i + 100;
		if (cap_frame_reassemble(r, &f, &w) == 1)
			done++;
	}
	CU_ASSERT_EQUAL_FATAL(done, 1);
	CU_ASSERT(w.reassembled);
	CU_ASSERT_EQUAL(w.number, 102);
	CU_ASSERT_EQUAL(w.app, CAP_APP_UDP_ESP);
	CU_ASSERT_EQUAL(w.spi, 0xcafe0000);
	CU_ASSERT_EQUAL(w.seq, 42);
	CU_ASSERT_EQUAL(w.reasm.nfrags, 3);
	CU_ASSERT_EQUAL(w.reasm.frags[1].frame, 101);
	ip_reasm_free(r);
}

UNIT_SUITE(pcap_frame,
	UNIT_TEST(test_natt_classification),
	UNIT_TEST(test_ike_on_500_either_port),
	UNIT_TEST(test_link_types),
	UNIT_TEST(test_non_ip_and_unknown),
	UNIT_TEST(test_every_truncation),
	UNIT_TEST(test_reassemble_through_decoder))
