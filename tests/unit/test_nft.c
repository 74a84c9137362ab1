/* nftables rulesets rendered from node settings: table tests on the exact text. */
#include "tests/unit/unit.h"
#include "harness/nft.h"

#include <errno.h>
#include <string.h>

static void test_nothing_needed(void)
{
	struct sc_node n = { .name = "h" };

	CU_ASSERT_FALSE(nft_needed(&n));
}

static void test_masquerade_and_clamp(void)
{
	struct sc_node n = { .name = "r1", .masquerade = "wan0", .has_mss_clamp = true,
	                     .mss_iface = "wan0", .mss = 1360 };
	char buf[4096];

	CU_ASSERT_TRUE(nft_needed(&n));
	CU_ASSERT_FATAL(nft_render(&n, NULL, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "oifname \"wan0\" meta nfproto ipv4 masquerade"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "oifname \"wan0\" tcp flags syn / syn,rst tcp option "
	                                   "maxseg size > 1360 tcp option maxseg size set 1360"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "iifname \"wan0\" tcp flags syn"));
	CU_ASSERT_PTR_NULL(strstr(buf, "chain input"));          /* no filters, no filter chains */
}

static void test_clamp_to_pmtu(void)
{
	struct sc_node n = { .name = "r1", .has_mss_clamp = true };
	char buf[4096];

	CU_ASSERT_FATAL(nft_render(&n, NULL, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "tcp option maxseg size set rt mtu"));
}

static void test_filters(void)
{
	struct sc_filter f[3] = {
		{ .name = "cut-esp", .iface = "wan0", .match = SC_MATCH_ESP },
		{ .name = "ike3", .match = SC_MATCH_UDP, .port = 500, .after = 3 },
		{ .name = "off", .match = SC_MATCH_ALL },
	};
	struct sc_node n = { .name = "r", .filters = f, .nfilters = 3 };
	bool on[3] = { true, true, false };
	char buf[8192];

	CU_ASSERT_FATAL(nft_render(&n, on, buf, sizeof buf) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "iifname \"wan0\" meta l4proto esp counter drop comment \"cut-esp\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "oifname \"wan0\" meta l4proto esp counter drop"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "meta l4proto udp th dport 500 ct packets > 3 counter drop"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "meta l4proto udp th sport 500 ct packets > 3 counter drop"));
	CU_ASSERT_PTR_NULL(strstr(buf, "\"off\""));               /* a disabled filter has no rule */
}

static void test_too_small_buffer(void)
{
	struct sc_node n = { .name = "r1", .masquerade = "wan0" };
	char buf[40];

	CU_ASSERT_EQUAL(nft_render(&n, NULL, buf, sizeof buf), -ENOSPC);
}

UNIT_SUITE(nft,
	UNIT_TEST(test_nothing_needed),
	UNIT_TEST(test_masquerade_and_clamp),
	UNIT_TEST(test_clamp_to_pmtu),
	UNIT_TEST(test_filters),
	UNIT_TEST(test_too_small_buffer))
