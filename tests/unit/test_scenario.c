/*
 * The scenario loader: exact struct values for valid files, and for every kind of error the
 * exact FILE:LINE:COL position and message; several errors in one file are all reported.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static struct scenario *load_ok(const char *text)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	int rc = scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d);

	if (rc != 0)
		sc_diags_print(&d, stderr);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(d.n, 0);
	sc_diags_free(&d);
	return sc;
}

/* Load text that must fail; every expected diagnostic must be present (prefix match) and
 * the count must be exact. */
static void load_bad(const char *text, const char *const *expect, size_t n)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	int rc = scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d);

	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(sc);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < d.n; j++)
			found |= !strncmp(d.lines[j], expect[i], strlen(expect[i]));
		if (!found) {
			fprintf(stderr, "\nmissing diagnostic: %s\ngot:\n", expect[i]);
			sc_diags_print(&d, stderr);
		}
		CU_ASSERT_TRUE(found);
	}
	if (d.n != n) {
		fprintf(stderr, "\nexpected %zu diagnostics, got %zu:\n", n, d.n);
		sc_diags_print(&d, stderr);
	}
	CU_ASSERT_EQUAL(d.n, n);
	sc_diags_free(&d);
}

#define BASE "name: t\ntopology:\n  nodes:\n    a: {}\n    b: {forward: true}\n" \
             "  links:\n    - [a:eth0 10.0.0.1/24, b:eth0 10.0.0.2/24]\n"

static void test_valid_full(void)
{
	struct scenario *sc = load_ok(
		"name: full\nseed: 42\nclock: real\ntimeout: 10m\n"
		"topology:\n"
		"  nodes:\n"
		"    a: {}\n"
		"    r:\n"
		"      forward: true\n"
		"      nat: {masquerade: wan0}\n"
		"      mss_clamp: {iface: wan0, mss: 1360}\n"
		"      filters:\n"
		"        cut: {match: esp, iface: wan0, enabled: false}\n"
		"        ike3: {match: udp, port: 500, after: 3}\n"
		"    b: {}\n"
		"  segments:\n"
		"    lan: {mtu: 1400}\n"
		"  links:\n"
		"    - [a:eth0 10.0.0.1/24 2001:db8::1/64, r:lan0 10.0.0.254/24 2001:db8::fe/64]\n"
		"    - {ends: [r:wan0 198.51.100.1/30, b:eth0 198.51.100.2/30], mtu: 1454}\n"
		"    - [b:eth1 10.9.0.2/24, lan]\n"
		"  routes:\n"
		"    a: [default via 10.0.0.254, \"2001:db8:9::/48 via 2001:db8::fe dev eth0\"]\n"
		"    b: [\"10.0.0.0/24 dev eth0\"]\n"
		"steps:\n"
		"  - ping: {from: a, to: b, size: 1472, df: true, count: 3, interval: 500ms,\n"
		"           expect: {replies: none, icmp: frag-needed, mtu: 1454}}\n"
		"  - name: flow\n"
		"    udp: {from: a, to: 198.51.100.2, port: 5000, count: 5, rate: 2.5, expect: {loss: 20%}}\n"
		"  - tcp: {from: a, to: b:eth0, port: 80, bytes: 1.5KiB}\n"
		"  - link: {at: r:wan0, state: down, mtu: 1400}\n"
		"  - filter: {node: r, name: cut, enabled: true}\n"
		"  - advance: 1h30m\n"
		"  - wait: 250ms\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->name, "full");
	CU_ASSERT_EQUAL(sc->seed, 42);
	CU_ASSERT_TRUE(sc->has_seed);
	CU_ASSERT_EQUAL(sc->clock, SC_CLOCK_REAL);
	CU_ASSERT_EQUAL(sc->timeout, lab_sec(600));
	CU_ASSERT_EQUAL(sc->nnodes, 3);
	CU_ASSERT_EQUAL(sc->nsegments, 1);
	CU_ASSERT_EQUAL(sc->segments[0].mtu, 1400);
	CU_ASSERT_EQUAL(sc->nlinks, 3);
	CU_ASSERT_TRUE(sc->nodes[1].forward);
	CU_ASSERT_STRING_EQUAL(sc->nodes[1].masquerade, "wan0");
	CU_ASSERT_EQUAL(sc->nodes[1].mss, 1360);
	CU_ASSERT_EQUAL(sc->nodes[1].nfilters, 2);
	CU_ASSERT_FALSE(sc->nodes[1].filters[0].enabled);
	CU_ASSERT_EQUAL(sc->nodes[1].filters[1].match, SC_MATCH_UDP);
	CU_ASSERT_EQUAL(sc->nodes[1].filters[1].after, 3);
	CU_ASSERT_EQUAL(sc->links[0].ends[0].naddrs, 2);
	CU_ASSERT_EQUAL(sc->links[0].ends[0].addrs[1].family, AF_INET6);
	CU_ASSERT_EQUAL(sc->links[1].mtu, 1454);
	CU_ASSERT_TRUE(sc->links[2].ends[1].is_segment);
	CU_ASSERT_EQUAL(sc->nodes[0].nroutes, 2);
	CU_ASSERT_EQUAL(sc->nodes[0].routes[0].dst.len, 0);
	CU_ASSERT_STRING_EQUAL(sc->nodes[0].routes[1].dev, "eth0");
	CU_ASSERT_EQUAL(sc->nodes[0].routes[1].dst.len, 48);
	CU_ASSERT_FALSE(sc->nodes[2].routes[0].has_via);
	CU_ASSERT_EQUAL(sc->nsteps, 7);
	CU_ASSERT_EQUAL(sc->steps[0].kind, SC_STEP_PING);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.interval, lab_ms(500));
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.expect.replies_max, 0);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.expect.icmp, SC_ICMP_FRAG_NEEDED);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.expect.icmp_mtu, 1454);
	CU_ASSERT_STRING_EQUAL(sc->steps[1].name, "flow");
	CU_ASSERT_TRUE(sc->steps[1].u.udp.to.is_addr);
	CU_ASSERT_DOUBLE_EQUAL(sc->steps[1].u.udp.rate, 2.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sc->steps[1].u.udp.expect.loss_max_pct, 20.0, 1e-9);
	CU_ASSERT_EQUAL(sc->steps[2].u.tcp.bytes, 1536);
	CU_ASSERT_STRING_EQUAL(sc->steps[2].u.tcp.to.iface, "eth0");
	CU_ASSERT_EQUAL(sc->steps[3].u.link.up, 0);
	CU_ASSERT_EQUAL(sc->steps[3].u.link.mtu, 1400);
	CU_ASSERT_TRUE(sc->steps[4].u.filter.enabled);
	CU_ASSERT_EQUAL(sc->steps[5].u.duration, lab_sec(5400));
	CU_ASSERT_EQUAL(sc->steps[6].u.duration, lab_ms(250));
	CU_ASSERT_EQUAL(sc->steps[5].pos.line, 33);
	CU_ASSERT_EQUAL(sc->steps[5].pos.col, 5);
	scenario_free(sc);
}

static void test_defaults(void)
{
	struct scenario *sc = load_ok(BASE "steps:\n  - ping: {from: a, to: b}\n"
	                              "  - udp: {from: a, to: b, port: 9}\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_FALSE(sc->has_seed);
	CU_ASSERT_EQUAL(sc->clock, SC_CLOCK_VIRTUAL);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.size, 56);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.count, 1);
	CU_ASSERT_FALSE(sc->steps[0].u.ping.df);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.expect.replies_min, 1);
	CU_ASSERT_EQUAL(sc->steps[0].u.ping.expect.icmp, SC_ICMP_ANY);
	CU_ASSERT_EQUAL(sc->steps[1].u.udp.count, 10);
	CU_ASSERT_TRUE(sc->steps[1].u.udp.expect.has_loss);
	scenario_free(sc);
}

static void test_unknown_key_and_bare_duration(void)
{
	static const char *const e[] = {
		"t.yaml:4:9: unknown key 'fowrard' in node 'a' (expected: forward, nat, mss_clamp, filters)",
		"t.yaml:9:11: wait: expected a duration with a unit like 30s",
	};

	load_bad("name: t\ntopology:\n  nodes:\n    a: {fowrard: true}\n    b: {}\n  links:\n"
	         "    - [a:eth0 10.0.0.1/24, b:eth0 10.0.0.2/24]\nsteps:\n  - wait: 5\n", e, 2);
}

static void test_yaml_syntax(void)
{
	static const char *const e[] = { "t.yaml:3:1: YAML syntax:" };

	load_bad("name: t\ntopology: [\n", e, 1);
}

static void test_top_level_errors(void)
{
	static const char *const e[] = {
		"t.yaml:1:1: 'name' is required",
		"t.yaml:1:1: 'topology' is required",
		"t.yaml:1:8: clock: expected virtual or real, got 'fast'",
		"t.yaml:2:7: seed: expected a whole number",
		"t.yaml:3:1: duplicate key 'clock' in the scenario (first at line 1)",
	};

	load_bad("clock: fast\nseed: -3\nclock: real\n", e, 5);
}

static void test_reference_errors(void)
{
	static const char *const e[] = {
		"t.yaml:7:28: node 'c' is not declared in topology.nodes",
		"t.yaml:8:8: interface a:eth0 is used by two links (first at line 7)",
		"t.yaml:8:28: address 10.0.0.2/24 is also given at line 7",
		"t.yaml:10:9: route 10.5.0.0/16: next hop 10.9.9.9 is not on a subnet",
		"t.yaml:12:5: from: node 'zz' is not declared in topology.nodes",
		"t.yaml:13:5: filter: node 'b' has no filter 'nope'",
		"t.yaml:14:5: link: there is no interface b:eth7 in the topology",
	};

	load_bad("name: t\ntopology:\n  nodes:\n    a: {}\n    b: {}\n  links:\n"
	         "    - [a:eth0 10.0.0.1/24, c:eth0 10.0.0.2/24]\n"
	         "    - [a:eth0 10.0.1.1/24, b:eth0 10.0.0.2/24]\n"
	         "  routes:\n    a: [10.5.0.0/16 via 10.9.9.9]\n"
	         "steps:\n"
	         "  - ping: {from: zz, to: b}\n"
	         "  - filter: {node: b, name: nope, enabled: true}\n"
	         "  - link: {at: b:eth7, state: down}\n", e, 7);
}

static void test_value_errors(void)
{
	static const char *const e[] = {
		"t.yaml:7:8: 10.0.0.0/24 is the network address of its subnet",
		"t.yaml:7:8: link end 'a:eth0 10.0.0.0/24 300.1.1.1/8': '300.1.1.1/8' is not an address",
		"t.yaml:8:57: mtu: 100 is out of range (576 to 65535)",
		"t.yaml:10:27: size: 70000 is out of range (0 to 65507)",
		"t.yaml:10:48: count: expected a whole number, got 'x'",
		"t.yaml:11:25: to: expected an address, a node or node:iface, got 'a b'",
	};

	load_bad("name: t\ntopology:\n  nodes:\n    a: {}\n    b: {}\n  links:\n"
	         "    - [a:eth0 10.0.0.0/24 300.1.1.1/8, b:eth0 10.0.0.2/24]\n"
	         "    - {ends: [a:e1 10.1.0.1/24, b:e1 10.1.0.2/24], mtu: 100}\n"
	         "steps:\n"
	         "  - ping: {from: a, size: 70000, to: b, count: x}\n"
	         "  - ping: {from: a, to: a b}\n", e, 6);
}

static void test_filter_errors(void)
{
	static const char *const e[] = {
		"t.yaml:4:22: filter 'f' of node 'a': match udp needs a port",
		"t.yaml:5:41: port: only match udp or tcp takes a port",
		"t.yaml:6:30: match: expected esp, ike, udp, tcp, icmp or all, got 'gre'",
	};

	load_bad("name: t\ntopology:\n  nodes:\n    a: {filters: {f: {match: udp}}}\n"
	         "    b: {filters: {g: {match: esp, port: 5}}}\n"
	         "    c: {filters: {h: {match: gre}}}\n", e, 3);
}

static void test_step_shape_errors(void)
{
	static const char *const e[] = {
		"t.yaml:9:5: step: expected exactly one of wait, advance, ping, udp, tcp, link, filter (found 2)",
		"t.yaml:11:5: unknown key 'sleep' in step",
		"t.yaml:11:5: step: expected exactly one of",
	};

	load_bad(BASE "steps:\n  - wait: 1s\n    advance: 2s\n  - sleep: 1s\n", e, 3);
}

static void test_aliases_refused(void)
{
	static const char *const e[] = { "t.yaml:4:8: YAML anchors (&x) are not supported" };

	load_bad("name: t\ntopology:\n  nodes:\n    a: &x {}\n", e, 1);
}

struct dur_case {
	const char *text;
	int rc;
	lab_ns ns;
};

static void test_durations(void)
{
	static const struct dur_case cases[] = {
		{ "30s", 0, 30 * LAB_NS_PER_SEC }, { "250ms", 0, 250 * LAB_NS_PER_MS },
		{ "8h", 0, 8 * 3600 * LAB_NS_PER_SEC }, { "1h30m", 0, 5400 * LAB_NS_PER_SEC },
		{ "2d", 0, 172800 * LAB_NS_PER_SEC }, { "1.5s", 0, 1500 * LAB_NS_PER_MS },
		{ "10us", 0, 10000 }, { "1m30s", 0, 90 * LAB_NS_PER_SEC },
		{ "30", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "s", -EINVAL, 0 }, { "5x", -EINVAL, 0 },
		{ "30m1h", -EINVAL, 0 }, { "1s1s", -EINVAL, 0 }, { "-1s", -EINVAL, 0 },
		{ "100000d", 0, 100000LL * 86400 * LAB_NS_PER_SEC }, { "200000d", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lab_ns v = -1;
		int rc = sc_parse_duration(cases[i].text, &v);

		CU_ASSERT_EQUAL(rc, cases[i].rc);
		if (rc != cases[i].rc)
			fprintf(stderr, "\nduration '%s': rc %d\n", cases[i].text, rc);
		if (!cases[i].rc)
			CU_ASSERT_EQUAL(v, cases[i].ns);
	}
}

static void test_sizes(void)
{
	static const struct { const char *t; int rc; uint64_t v; } cases[] = {
		{ "1400", 0, 1400 }, { "1.5KiB", 0, 1536 }, { "10MiB", 0, 10485760 },
		{ "1GB", 0, 1000000000 }, { "2KB", 0, 2000 }, { "1GiB", 0, 1073741824 },
		{ "1.5", -EINVAL, 0 }, { "KiB", -EINVAL, 0 }, { "10 MiB", -EINVAL, 0 },
		{ "5TiB", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t v = 0;

		CU_ASSERT_EQUAL(sc_parse_size(cases[i].t, &v), cases[i].rc);
		if (!cases[i].rc)
			CU_ASSERT_EQUAL(v, cases[i].v);
	}
}

static void test_prefixes(void)
{
	struct sc_prefix p;
	char buf[64];

	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2.1/24", &p, true), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.len, 24);
	sc_format_prefix(&p, true, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1/24");
	CU_ASSERT_EQUAL(sc_parse_prefix("2001:db8::1/64", &p, true), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	sc_format_prefix(&p, false, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::1");
	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2.1", &p, false), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2.1", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2.1/33", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("2001:db8::1/129", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("192.0.2/24", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("10.0.0.1/", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("10.0.0.1/-1", &p, true), -EINVAL);
	CU_ASSERT_EQUAL(sc_parse_prefix("host", &p, false), -EINVAL);
}

static void test_shipped_scenarios(void)
{
	static const char *const files[] = { "../scenarios/two-sites.yaml",
	                                     "integration/scenarios/repeat.yaml" };

	for (size_t i = 0; i < 2; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;

		CU_ASSERT_EQUAL(scenario_load(unit_fixture(files[i]), &sc, &d), 0);
		sc_diags_print(&d, stderr);
		sc_diags_free(&d);
		scenario_free(sc);
	}
}

UNIT_SUITE(scenario,
	UNIT_TEST(test_valid_full),
	UNIT_TEST(test_defaults),
	UNIT_TEST(test_unknown_key_and_bare_duration),
	UNIT_TEST(test_yaml_syntax),
	UNIT_TEST(test_top_level_errors),
	UNIT_TEST(test_reference_errors),
	UNIT_TEST(test_value_errors),
	UNIT_TEST(test_filter_errors),
	UNIT_TEST(test_step_shape_errors),
	UNIT_TEST(test_aliases_refused),
	UNIT_TEST(test_durations),
	UNIT_TEST(test_sizes),
	UNIT_TEST(test_prefixes),
	UNIT_TEST(test_shipped_scenarios))
