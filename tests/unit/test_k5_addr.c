/* The CIDR and address helpers behind subnets, peer CIDRs and allocation: table tests. */
#include "tests/unit/unit.h"
#include "mocks/k5_internal.h"

#include <string.h>

static void test_cidr_parse_table(void)
{
	static const struct {
		const char *in;
		int rc, family, prefix;
	} cases[] = {
		{ "10.1.1.0/24", 0, 4, 24 },
		{ "0.0.0.0/0", 0, 4, 0 },
		{ "192.0.2.1/32", 0, 4, 32 },
		{ "10.1.1.1/24", -1, 0, 0 },            /* host bits set */
		{ "10.1.1.0/33", -1, 0, 0 },
		{ "10.1.1.0/-1", -1, 0, 0 },
		{ "10.1.1.0/", -1, 0, 0 },
		{ "10.1.1.0", -1, 0, 0 },               /* a prefix is required */
		{ "10.1.1.0/24x", -1, 0, 0 },
		{ "10.1.1/24", -1, 0, 0 },
		{ "/24", -1, 0, 0 },
		{ "", -1, 0, 0 },
		{ "2001:db8::/64", 0, 6, 64 },
		{ "2001:db8::1/64", -1, 0, 0 },
		{ "2001:db8::/129", -1, 0, 0 },
		{ "::/0", 0, 6, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct k5_cidr c;
		char why[128] = "";
		int rc = k5_cidr_parse(cases[i].in, &c, why, sizeof why);

		CU_ASSERT_EQUAL(rc < 0 ? -1 : 0, cases[i].rc);
		if (!rc) {
			CU_ASSERT_EQUAL(c.family, cases[i].family);
			CU_ASSERT_EQUAL(c.prefix, cases[i].prefix);
		} else {
			CU_ASSERT(strlen(why) > 0);     /* the reason names the value */
		}
	}
}

static void test_contains_and_hosts(void)
{
	struct k5_cidr c;
	char why[128], out[64];

	CU_ASSERT_FATAL(k5_cidr_parse("10.1.1.0/29", &c, why, sizeof why) == 0);
	CU_ASSERT(k5_cidr_contains(&c, "10.1.1.7"));
	CU_ASSERT(!k5_cidr_contains(&c, "10.1.1.8"));
	CU_ASSERT(!k5_cidr_contains(&c, "2001:db8::1"));
	CU_ASSERT(!k5_cidr_contains(&c, "banana"));
	CU_ASSERT_EQUAL(k5_cidr_host(&c, 1, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "10.1.1.1");
	CU_ASSERT_EQUAL(k5_cidr_host(&c, 7, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "10.1.1.7");
	CU_ASSERT(k5_cidr_host(&c, 8, out, sizeof out) < 0);         /* past the block */
	/* carries across octets */
	CU_ASSERT_FATAL(k5_cidr_parse("10.1.0.0/16", &c, why, sizeof why) == 0);
	CU_ASSERT_EQUAL(k5_cidr_host(&c, 256 + 5, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "10.1.1.5");
	CU_ASSERT_FATAL(k5_cidr_parse("2001:db8::/64", &c, why, sizeof why) == 0);
	CU_ASSERT_EQUAL(k5_cidr_host(&c, 1, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "2001:db8::1");
	CU_ASSERT(k5_cidr_contains(&c, "2001:db8::ffff"));
	CU_ASSERT(!k5_cidr_contains(&c, "2001:db9::1"));
	CU_ASSERT_EQUAL(k5_ip_version("192.0.2.1"), 4);
	CU_ASSERT_EQUAL(k5_ip_version("2001:db8::1"), 6);
	CU_ASSERT_EQUAL(k5_ip_version("192.0.2.1/32"), 0);
	CU_ASSERT_EQUAL(k5_ip_version("vpn.example.com"), 0);
}

UNIT_SUITE(k5_addr,
	UNIT_TEST(test_cidr_parse_table),
	UNIT_TEST(test_contains_and_hosts))
