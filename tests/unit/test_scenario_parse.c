/* The value parsers of scenario.h: durations, sizes, prefixes, as tables of edge cases. */
#include "tests/unit/unit.h"
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define NS_S  1000000000LL

static void test_duration_valid(void)
{
	static const struct {
		const char *text;
		lab_ns ns;
	} t[] = {
		{ "250ms", 250000000LL },
		{ "30s", 30 * NS_S },
		{ "5m", 300 * NS_S },
		{ "8h", 8 * 3600 * NS_S },
		{ "2d", 2 * 86400 * NS_S },
		{ "1h30m", 5400 * NS_S },
		{ "1us", 1000 },
		{ "0s", 0 },
		{ "007s", 7 * NS_S },
		{ "1d2h3m4s5ms6us", ((86400 + 7200 + 180 + 4) * NS_S) + 5000000 + 6000 },
		{ "1m5s", 65 * NS_S },
		{ "1s500ms", 1500000000LL },
		/* INT64_MAX ns is 106751d 23h 47m 16s 854ms 775us 807ns: the largest in us. */
		{ "106751d23h47m16s854ms775us", 9223372036854775000LL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		lab_ns v = -1;
		int r = sc_parse_duration(t[i].text, &v);

		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_EQUAL(v, t[i].ns);
		if (r || v != t[i].ns)
			fprintf(stderr, "duration '%s': r=%d v=%lld\n", t[i].text, r, (long long)v);
	}
}

static void test_duration_invalid(void)
{
	static const struct {
		const char *text;
		int err;
	} t[] = {
		{ "", -EINVAL },
		{ "30", -EINVAL },              /* bare number: seconds or milliseconds? */
		{ "s", -EINVAL },
		{ "ms", -EINVAL },
		{ "1.5s", -EINVAL },
		{ "30m1h", -EINVAL },           /* units must decrease */
		{ "1m1m", -EINVAL },
		{ "1h30", -EINVAL },
		{ "1 s", -EINVAL },
		{ " 1s", -EINVAL },
		{ "1s ", -EINVAL },
		{ "1S", -EINVAL },
		{ "-1s", -EINVAL },
		{ "+1s", -EINVAL },
		{ "1sec", -EINVAL },
		{ "1w", -EINVAL },
		{ "1ns", -EINVAL },
		{ "106752d", -ERANGE },
		{ "106751d23h47m16s854ms776us", -ERANGE },
		{ "9223372037s", -ERANGE },
		{ "99999999999999999999s", -ERANGE },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		lab_ns v = 12345;
		int r = sc_parse_duration(t[i].text, &v);

		CU_ASSERT_EQUAL(r, t[i].err);
		CU_ASSERT_EQUAL(v, 12345);      /* untouched on failure */
		if (r != t[i].err)
			fprintf(stderr, "duration '%s': r=%d, want %d\n", t[i].text, r, t[i].err);
	}
}

static void test_size_valid(void)
{
	static const struct {
		const char *text;
		uint64_t v;
	} t[] = {
		{ "0", 0 },
		{ "1400", 1400 },
		{ "1.5KiB", 1536 },
		{ "1.50KiB", 1536 },
		{ "10MiB", 10485760 },
		{ "2GiB", 2147483648ULL },
		{ "1KB", 1000 },
		{ "0.5KB", 500 },
		{ "1GB", 1000000000ULL },
		{ "1.25MB", 1250000 },
		{ "0.000000001GB", 1 },
		{ "18446744073709551615", UINT64_MAX },
		{ "17179869183GiB", UINT64_MAX - (1ULL << 30) + 1 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 7;
		int r = sc_parse_size(t[i].text, &v);

		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_EQUAL(v, t[i].v);
		if (r || v != t[i].v)
			fprintf(stderr, "size '%s': r=%d v=%llu\n", t[i].text, r,
			        (unsigned long long)v);
	}
}

static void test_size_invalid(void)
{
	static const struct {
		const char *text;
		int err;
	} t[] = {
		{ "", -EINVAL },
		{ "KiB", -EINVAL },
		{ "1.5", -EINVAL },             /* half a byte */
		{ "1.0001KiB", -EINVAL },       /* 1024.1024 bytes */
		{ "1 KiB", -EINVAL },
		{ "1kib", -EINVAL },
		{ "1KIB", -EINVAL },
		{ "1B", -EINVAL },
		{ "1.KiB", -EINVAL },
		{ ".5KiB", -EINVAL },
		{ "1e3", -EINVAL },
		{ "-1", -EINVAL },
		{ "1.0000000001GiB", -EINVAL },
		{ "18446744073709551616", -ERANGE },
		{ "17179869184GiB", -ERANGE },  /* 2^64 */
		{ "18446744073709551615.5KB", -ERANGE },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 7;
		int r = sc_parse_size(t[i].text, &v);

		CU_ASSERT_EQUAL(r, t[i].err);
		CU_ASSERT_EQUAL(v, 7);
		if (r != t[i].err)
			fprintf(stderr, "size '%s': r=%d, want %d\n", t[i].text, r, t[i].err);
	}
}

static void test_prefix_table(void)
{
	static const struct {
		const char *text;
		bool need_len;
		int ret, family, len;
		const char *formatted;          /* with length */
	} t[] = {
		{ "192.0.2.1/24", true, 0, AF_INET, 24, "192.0.2.1/24" },
		{ "192.0.2.1", false, 0, AF_INET, 32, "192.0.2.1/32" },
		{ "192.0.2.1", true, -EINVAL, 0, 0, NULL },
		{ "0.0.0.0/0", true, 0, AF_INET, 0, "0.0.0.0/0" },
		{ "255.255.255.255/32", true, 0, AF_INET, 32, "255.255.255.255/32" },
		{ "2001:db8::1/64", true, 0, AF_INET6, 64, "2001:db8::1/64" },
		{ "2001:0db8:0:0::1", false, 0, AF_INET6, 128, "2001:db8::1/128" },
		{ "::/0", true, 0, AF_INET6, 0, "::/0" },
		{ "::ffff:192.0.2.1/128", true, 0, AF_INET6, 128, "::ffff:192.0.2.1/128" },
		{ "10.0.0.0/33", true, -EINVAL, 0, 0, NULL },
		{ "2001:db8::/129", true, -EINVAL, 0, 0, NULL },
		{ "/24", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.1/", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.1/024", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.1/-1", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.1/24/1", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.1 /24", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2.256", false, -EINVAL, 0, 0, NULL },
		{ "192.0.2", false, -EINVAL, 0, 0, NULL },
		{ "fe80::1%eth0", false, -EINVAL, 0, 0, NULL },
		{ "office", false, -EINVAL, 0, 0, NULL },
		{ "", false, -EINVAL, 0, 0, NULL },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", false, -EINVAL, 0, 0, NULL },
		{ "0000000000000000000000000000000000000000000000000001/8", false, -EINVAL, 0, 0, NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct sc_prefix p = { .family = -1 };
		char buf[64];
		int r = sc_parse_prefix(t[i].text, &p, t[i].need_len);

		CU_ASSERT_EQUAL(r, t[i].ret);
		if (r != t[i].ret) {
			fprintf(stderr, "prefix '%s': r=%d\n", t[i].text, r);
			continue;
		}
		if (r) {
			CU_ASSERT_EQUAL(p.family, -1);
			continue;
		}
		CU_ASSERT_EQUAL(p.family, t[i].family);
		CU_ASSERT_EQUAL(p.len, t[i].len);
		sc_format_prefix(&p, true, buf, sizeof buf);
		CU_ASSERT_STRING_EQUAL(buf, t[i].formatted);
	}
}

static void test_prefix_bytes_and_format(void)
{
	struct sc_prefix p;
	char buf[64];
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x12 };

	CU_ASSERT_EQUAL(sc_parse_prefix("198.51.100.2/30", &p, true), 0);
	CU_ASSERT_EQUAL(memcmp(p.addr, "\xc6\x33\x64\x02", 4), 0);
	sc_format_prefix(&p, false, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "198.51.100.2");

	CU_ASSERT_EQUAL(sc_parse_prefix("2001:db8::12/64", &p, true), 0);
	CU_ASSERT_EQUAL(memcmp(p.addr, v6, 16), 0);

	/* A short buffer truncates and stays terminated. */
	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2.1/24", &p, true), 0);
	memset(buf, 'x', sizeof buf);
	sc_format_prefix(&p, true, buf, 6);
	CU_ASSERT_STRING_EQUAL(buf, "192.0");
	CU_ASSERT_EQUAL(buf[6], 'x');
}

UNIT_SUITE(scenario_parse,
           UNIT_TEST(test_duration_valid),
           UNIT_TEST(test_duration_invalid),
           UNIT_TEST(test_size_valid),
           UNIT_TEST(test_size_invalid),
           UNIT_TEST(test_prefix_table),
           UNIT_TEST(test_prefix_bytes_and_format))
