/*
 * The codec's bare attribute list, as a RESPONDER-LIFETIME notify carries it (RFC 2407
 * 4.6.3.1): TV and TLV values, errors naming the list and the byte offset, a builder round
 * trip. The peer's use of it (sent, honoured, in both phases) is in test_ike_peer.c.
 */
#include "tests/unit/unit.h"
#include "peers/ike/isakmp.h"

#include <string.h>

static void test_attrs_parse_tv_tlv(void)
{
	/* life type seconds (TV), duration 600 (TV), life type kilobytes (TV), duration 100000
	 * as a 4-byte TLV */
	static const uint8_t d[] = { 0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x02, 0x58,
	                             0x80, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x04,
	                             0x00, 0x01, 0x86, 0xa0 };
	struct isakmp_transform t;
	struct isakmp_err e;
	uint64_t v;

	CU_ASSERT_EQUAL_FATAL(isakmp_attrs_parse(d, sizeof d, 100, &t, &e), 0);
	CU_ASSERT_EQUAL(t.nattrs, 4);
	CU_ASSERT_TRUE(t.attrs[1].tv);
	CU_ASSERT_EQUAL(t.attrs[1].value, 600);
	CU_ASSERT_FALSE(t.attrs[3].tv);
	CU_ASSERT_EQUAL(t.attrs[3].len, 4);
	CU_ASSERT_EQUAL(t.attrs[3].value, 100000);
	CU_ASSERT_TRUE(isakmp_attr_get(&t, 2, &v));
	CU_ASSERT_EQUAL(v, 600);                /* the first duration */
	CU_ASSERT_EQUAL(isakmp_attrs_parse(d, 0, 100, &t, &e), 0);     /* empty is fine */
	CU_ASSERT_EQUAL(t.nattrs, 0);
}

static void test_attrs_parse_errors(void)
{
	static const struct {
		uint8_t d[12];
		size_t len;
		size_t off;             /* of the error, base 40 */
		const char *msg;
	} cases[] = {
		{ { 0x80, 0x01, 0x00 }, 3, 40, "attribute list: truncated attribute" },
		{ { 0x80, 0x01, 0x00, 0x01, 0x00, 0x02 }, 6, 44, "attribute list: truncated attribute" },
		{ { 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x01 }, 7, 42,
		  "attribute list: attribute 2 length 8 runs past the end (3 bytes left)" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct isakmp_transform t;
		struct isakmp_err e;

		CU_ASSERT_EQUAL(isakmp_attrs_parse(cases[i].d, cases[i].len, 40, &t, &e), -1);
		CU_ASSERT_EQUAL(e.off, cases[i].off);
		CU_ASSERT_STRING_EQUAL(e.msg, cases[i].msg);
	}
}

static void test_attrs_builder_round_trip(void)
{
	struct isakmp_builder b;
	struct isakmp_transform t;
	struct isakmp_err e;

	isakmp_build_init(&b);
	isakmp_put_attr(&b, 11, 1);
	isakmp_put_attr(&b, 12, 86400);         /* > 16 bits: a 4-byte TLV */
	CU_ASSERT_EQUAL(b.len, 12);
	CU_ASSERT_EQUAL_FATAL(isakmp_attrs_parse(b.buf, b.len, 0, &t, &e), 0);
	CU_ASSERT_EQUAL(t.nattrs, 2);
	CU_ASSERT_EQUAL(t.attrs[0].type, 11);
	CU_ASSERT_EQUAL(t.attrs[1].type, 12);
	CU_ASSERT_EQUAL(t.attrs[1].value, 86400);
}

UNIT_SUITE(ike_lifetime,
	UNIT_TEST(test_attrs_parse_tv_tlv),
	UNIT_TEST(test_attrs_parse_errors),
	UNIT_TEST(test_attrs_builder_round_trip))
