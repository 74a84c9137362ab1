/*
 * Valid scenario files become exactly the structs they describe, whatever the YAML style:
 * tests/fixtures/scenarios/valid-full.yaml (block) and valid-full-flow.yaml (the same as JSON,
 * i.e. YAML flow style with every scalar quoted) must give the same struct, field by field.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NS_S 1000000000LL

static struct scenario *load_fixture(const char *rel)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	int r = scenario_load(unit_fixture(rel), &sc, &d);

	sc_diags_print(&d, stderr);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(d.n, 0);
	sc_diags_free(&d);
	return sc;
}

static bool prefix_is(const struct sc_prefix *p, const char *text)
{
	struct sc_prefix want;

	if (sc_parse_prefix(text, &want, false) < 0)
		return false;
	return p->family == want.family && p->len == want.len &&
	       !memcmp(p->addr, want.addr, sizeof want.addr);
}

static void check_full(const struct scenario *sc)
{
	const struct sc_node *n;
	const struct sc_link *l;
	const struct sc_step *s;

	CU_ASSERT_STRING_EQUAL(sc->name, "lab-1");
	CU_ASSERT_STRING_EQUAL(sc->description, "two lines\nof text\n");
	CU_ASSERT_TRUE(sc->has_seed);
	CU_ASSERT_EQUAL(sc->seed, UINT64_MAX);
	CU_ASSERT_EQUAL(sc->clock, SC_CLOCK_REAL);
	CU_ASSERT_EQUAL(sc->timeout, 5400 * NS_S);

	CU_ASSERT_EQUAL_FATAL(sc->nnodes, 4);
	CU_ASSERT_STRING_EQUAL(sc->nodes[0].name, "office");
	CU_ASSERT_FALSE(sc->nodes[0].forward);
	CU_ASSERT_FALSE(sc->nodes[0].has_mss_clamp);
	CU_ASSERT_STRING_EQUAL(sc->nodes[0].masquerade, "");
	n = scenario_node(sc, "r1");
	CU_ASSERT_PTR_EQUAL_FATAL(n, &sc->nodes[1]);
	CU_ASSERT_TRUE(n->forward);
	CU_ASSERT_STRING_EQUAL(n->masquerade, "wan0");
	CU_ASSERT_TRUE(n->has_mss_clamp);
	CU_ASSERT_STRING_EQUAL(n->mss_iface, "wan0");
	CU_ASSERT_EQUAL(n->mss, 1360);
	CU_ASSERT_EQUAL_FATAL(n->nroutes, 3);
	CU_ASSERT_TRUE(prefix_is(&n->routes[0].dst, "0.0.0.0/0"));
	CU_ASSERT_TRUE(n->routes[0].has_via);
	CU_ASSERT_TRUE(prefix_is(&n->routes[0].via, "198.51.100.2"));
	CU_ASSERT_STRING_EQUAL(n->routes[0].dev, "");
	CU_ASSERT_TRUE(prefix_is(&n->routes[1].dst, "10.0.0.0/24"));
	CU_ASSERT_TRUE(prefix_is(&n->routes[1].via, "198.51.100.2"));
	CU_ASSERT_STRING_EQUAL(n->routes[1].dev, "wan0");
	CU_ASSERT_TRUE(prefix_is(&n->routes[2].dst, "::/0"));
	CU_ASSERT_TRUE(prefix_is(&n->routes[2].via, "2001:db8::2"));

	n = scenario_node(sc, "r2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_TRUE(n->has_mss_clamp);
	CU_ASSERT_STRING_EQUAL(n->mss_iface, "");
	CU_ASSERT_EQUAL(n->mss, 0);
	CU_ASSERT_EQUAL_FATAL(n->nfilters, 2);
	CU_ASSERT_STRING_EQUAL(n->filters[0].name, "cut-esp");
	CU_ASSERT_EQUAL(n->filters[0].match, SC_MATCH_ESP);
	CU_ASSERT_STRING_EQUAL(n->filters[0].iface, "wan0");
	CU_ASSERT_FALSE(n->filters[0].enabled);
	CU_ASSERT_EQUAL(n->filters[0].after, 0);
	CU_ASSERT_STRING_EQUAL(n->filters[1].name, "ike-after-3");
	CU_ASSERT_EQUAL(n->filters[1].match, SC_MATCH_UDP);
	CU_ASSERT_EQUAL(n->filters[1].port, 500);
	CU_ASSERT_EQUAL(n->filters[1].after, 3);
	CU_ASSERT_TRUE(n->filters[1].enabled);
	CU_ASSERT_STRING_EQUAL(n->filters[1].iface, "");
	CU_ASSERT_EQUAL_FATAL(n->nroutes, 2);
	CU_ASSERT_TRUE(prefix_is(&n->routes[1].dst, "172.16.0.0/12"));
	CU_ASSERT_FALSE(n->routes[1].has_via);
	CU_ASSERT_STRING_EQUAL(n->routes[1].dev, "wan0");
	CU_ASSERT_PTR_NULL(scenario_node(sc, "lan"));

	CU_ASSERT_EQUAL_FATAL(sc->nsegments, 2);
	CU_ASSERT_PTR_EQUAL(scenario_segment(sc, "lan"), &sc->segments[0]);
	CU_ASSERT_EQUAL(sc->segments[0].mtu, 9000);
	CU_ASSERT_EQUAL(sc->segments[1].mtu, 0);
	CU_ASSERT_PTR_NULL(scenario_segment(sc, "office"));

	CU_ASSERT_EQUAL_FATAL(sc->nlinks, 4);
	l = &sc->links[0];
	CU_ASSERT_EQUAL(l->mtu, 0);
	CU_ASSERT_STRING_EQUAL(l->ends[0].node, "office");
	CU_ASSERT_STRING_EQUAL(l->ends[0].iface, "eth0");
	CU_ASSERT_FALSE(l->ends[0].is_segment);
	CU_ASSERT_EQUAL(l->ends[0].naddrs, 1);
	CU_ASSERT_TRUE(prefix_is(&l->ends[0].addrs[0], "192.168.10.10/24"));
	l = &sc->links[1];
	CU_ASSERT_EQUAL(l->mtu, 1454);
	CU_ASSERT_EQUAL(l->ends[1].naddrs, 2);
	CU_ASSERT_TRUE(prefix_is(&l->ends[1].addrs[0], "198.51.100.2/30"));
	CU_ASSERT_TRUE(prefix_is(&l->ends[1].addrs[1], "2001:db8::2/64"));
	l = &sc->links[2];
	CU_ASSERT_TRUE(l->ends[1].is_segment);
	CU_ASSERT_STRING_EQUAL(l->ends[1].node, "lan");
	CU_ASSERT_STRING_EQUAL(l->ends[1].iface, "");
	CU_ASSERT_EQUAL(l->ends[1].naddrs, 0);
	CU_ASSERT_TRUE(sc->links[3].ends[0].is_segment);

	CU_ASSERT_EQUAL_FATAL(sc->nsteps, 10);
	s = sc->steps;
	CU_ASSERT_EQUAL(s[0].kind, SC_STEP_WAIT);
	CU_ASSERT_EQUAL(s[0].u.duration, 5 * NS_S);
	CU_ASSERT_STRING_EQUAL(s[0].name, "");
	CU_ASSERT_EQUAL(s[1].kind, SC_STEP_ADVANCE);
	CU_ASSERT_EQUAL(s[1].u.duration, 8 * 3600 * NS_S);
	CU_ASSERT_STRING_EQUAL(s[1].name, "skip the night");

	CU_ASSERT_EQUAL(s[2].kind, SC_STEP_PING);
	CU_ASSERT_STRING_EQUAL(s[2].u.ping.from, "office");
	CU_ASSERT_FALSE(s[2].u.ping.to.is_addr);
	CU_ASSERT_STRING_EQUAL(s[2].u.ping.to.node, "pc1");
	CU_ASSERT_STRING_EQUAL(s[2].u.ping.to.iface, "");
	CU_ASSERT_EQUAL(s[2].u.ping.size, 1472);
	CU_ASSERT_TRUE(s[2].u.ping.df);
	CU_ASSERT_EQUAL(s[2].u.ping.count, 3);
	CU_ASSERT_EQUAL(s[2].u.ping.interval, 250000000LL);
	CU_ASSERT_EQUAL(s[2].u.ping.timeout, NS_S);
	CU_ASSERT_TRUE(s[2].u.ping.expect.has_replies);
	CU_ASSERT_EQUAL(s[2].u.ping.expect.replies_min, 0);
	CU_ASSERT_EQUAL(s[2].u.ping.expect.replies_max, 0);
	CU_ASSERT_EQUAL(s[2].u.ping.expect.icmp, SC_ICMP_FRAG_NEEDED);
	CU_ASSERT_EQUAL(s[2].u.ping.expect.icmp_mtu, 1454);

	/* Defaults: size 56, count 1, interval 1s, timeout 2s. */
	CU_ASSERT_TRUE(s[3].u.ping.to.is_addr);
	CU_ASSERT_TRUE(prefix_is(&s[3].u.ping.to.addr, "2001:db8::2"));
	CU_ASSERT_EQUAL(s[3].u.ping.size, 56);
	CU_ASSERT_FALSE(s[3].u.ping.df);
	CU_ASSERT_EQUAL(s[3].u.ping.count, 1);
	CU_ASSERT_EQUAL(s[3].u.ping.interval, NS_S);
	CU_ASSERT_EQUAL(s[3].u.ping.timeout, 2 * NS_S);
	CU_ASSERT_EQUAL(s[3].u.ping.expect.replies_min, 1);
	CU_ASSERT_EQUAL(s[3].u.ping.expect.replies_max, 1);
	CU_ASSERT_EQUAL(s[3].u.ping.expect.icmp, SC_ICMP_NONE);

	CU_ASSERT_STRING_EQUAL(s[4].u.ping.to.node, "r1");
	CU_ASSERT_STRING_EQUAL(s[4].u.ping.to.iface, "lan0");
	CU_ASSERT_EQUAL(s[4].u.ping.expect.replies_min, 2);
	CU_ASSERT_EQUAL(s[4].u.ping.expect.replies_max, 4);     /* max defaults to count */
	CU_ASSERT_EQUAL(s[4].u.ping.expect.icmp, SC_ICMP_ANY);

	CU_ASSERT_EQUAL(s[5].kind, SC_STEP_UDP);
	CU_ASSERT_TRUE(prefix_is(&s[5].u.udp.to.addr, "10.0.0.11"));
	CU_ASSERT_EQUAL(s[5].u.udp.port, 5001);
	CU_ASSERT_EQUAL(s[5].u.udp.size, 1200);
	CU_ASSERT_EQUAL(s[5].u.udp.count, 100);
	CU_ASSERT_DOUBLE_EQUAL(s[5].u.udp.rate, 50.0, 1e-9);
	CU_ASSERT_TRUE(s[5].u.udp.df);
	CU_ASSERT_TRUE(s[5].u.udp.expect.has_loss);
	CU_ASSERT_DOUBLE_EQUAL(s[5].u.udp.expect.loss_max_pct, 2.5, 1e-9);

	CU_ASSERT_EQUAL(s[6].kind, SC_STEP_TCP);
	CU_ASSERT_EQUAL(s[6].u.tcp.port, 5201);
	CU_ASSERT_EQUAL(s[6].u.tcp.bytes, 1572864);
	CU_ASSERT_EQUAL(s[6].u.tcp.timeout, 10 * NS_S);
	CU_ASSERT_TRUE(s[6].u.tcp.expect.has_bytes);

	CU_ASSERT_EQUAL(s[7].kind, SC_STEP_LINK);
	CU_ASSERT_STRING_EQUAL(s[7].u.link.node, "r1");
	CU_ASSERT_STRING_EQUAL(s[7].u.link.iface, "wan0");
	CU_ASSERT_EQUAL(s[7].u.link.up, 0);
	CU_ASSERT_EQUAL(s[7].u.link.mtu, 0);
	CU_ASSERT_EQUAL(s[8].u.link.up, 1);
	CU_ASSERT_EQUAL(s[8].u.link.mtu, 1400);

	CU_ASSERT_EQUAL(s[9].kind, SC_STEP_FILTER);
	CU_ASSERT_STRING_EQUAL(s[9].u.filter.node, "r2");
	CU_ASSERT_STRING_EQUAL(s[9].u.filter.filter, "cut-esp");
	CU_ASSERT_TRUE(s[9].u.filter.enabled);
}

static void test_block_style(void)
{
	struct scenario *sc = load_fixture("fixtures/scenarios/valid-full.yaml");

	if (!sc)
		return;
	check_full(sc);
	/* Positions are 1-based and point at what they describe (see the fixture). */
	CU_ASSERT_EQUAL(sc->nodes[1].pos.line, 12);
	CU_ASSERT_EQUAL(sc->nodes[1].pos.col, 5);
	CU_ASSERT_PTR_EQUAL(sc->nodes[1].pos.file, sc->file);
	CU_ASSERT_EQUAL(sc->links[1].pos.line, 25);
	CU_ASSERT_EQUAL(sc->links[1].pos.col, 7);
	CU_ASSERT_EQUAL(sc->links[1].ends[1].pos.line, 25);
	CU_ASSERT_EQUAL(sc->links[1].ends[1].pos.col, 54);
	CU_ASSERT_EQUAL(sc->steps[1].pos.line, 39);
	CU_ASSERT_EQUAL(sc->steps[1].pos.col, 5);
	CU_ASSERT_EQUAL(sc->nodes[2].filters[1].pos.line, 18);
	CU_ASSERT_EQUAL(sc->nodes[2].filters[1].pos.col, 9);
	CU_ASSERT_EQUAL(sc->nodes[1].routes[2].pos.line, 34);
	CU_ASSERT_EQUAL(sc->nodes[1].routes[2].pos.col, 9);
	scenario_free(sc);
}

static void test_flow_style_same_struct(void)
{
	struct scenario *sc = load_fixture("fixtures/scenarios/valid-full-flow.yaml");

	if (!sc)
		return;
	check_full(sc);
	CU_ASSERT_EQUAL(sc->nodes[0].pos.line, 2);
	scenario_free(sc);
}

/* The smallest valid file, and the defaults it gets. */
static void test_minimal_defaults(void)
{
	static const char text[] = "name: m\ntopology: {nodes: {a: {}}}\n";
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;

	CU_ASSERT_EQUAL_FATAL(scenario_load_buffer("m.yaml", text, strlen(text), &sc, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_STRING_EQUAL(sc->file, "m.yaml");
	CU_ASSERT_FALSE(sc->has_seed);
	CU_ASSERT_EQUAL(sc->seed, 1);
	CU_ASSERT_EQUAL(sc->clock, SC_CLOCK_VIRTUAL);
	CU_ASSERT_EQUAL(sc->timeout, 0);
	CU_ASSERT_PTR_NULL(sc->description);
	CU_ASSERT_EQUAL(sc->nnodes, 1);
	CU_ASSERT_EQUAL(sc->nlinks, 0);
	CU_ASSERT_EQUAL(sc->nsteps, 0);
	scenario_free(sc);
}

/* Steps' defaults: udp 100 bytes x 10 at 10/s with loss 0%, tcp 1 MiB in 30s. */
static void test_probe_defaults(void)
{
	static const char text[] =
		"name: p\n"
		"topology:\n"
		"  nodes: {a: {}, b: {}}\n"
		"  links: [[a:e0 192.0.2.1/24, b:e0 192.0.2.2/24]]\n"
		"steps:\n"
		"  - udp: {from: a, to: b, port: 9}\n"
		"  - tcp: {from: a, to: b:e0, port: 9}\n";
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;

	CU_ASSERT_EQUAL_FATAL(scenario_load_buffer("p.yaml", text, strlen(text), &sc, &d), 0);
	CU_ASSERT_EQUAL(sc->steps[0].u.udp.size, 100);
	CU_ASSERT_EQUAL(sc->steps[0].u.udp.count, 10);
	CU_ASSERT_DOUBLE_EQUAL(sc->steps[0].u.udp.rate, 10.0, 1e-9);
	CU_ASSERT_FALSE(sc->steps[0].u.udp.df);
	CU_ASSERT_TRUE(sc->steps[0].u.udp.expect.has_loss);
	CU_ASSERT_DOUBLE_EQUAL(sc->steps[0].u.udp.expect.loss_max_pct, 0.0, 1e-9);
	CU_ASSERT_EQUAL(sc->steps[1].u.tcp.bytes, 1048576);
	CU_ASSERT_EQUAL(sc->steps[1].u.tcp.timeout, 30 * NS_S);
	CU_ASSERT_STRING_EQUAL(sc->steps[1].u.tcp.to.iface, "e0");
	scenario_free(sc);
}

/* The default scenario must always validate, with the shape its header comment describes. */
static void test_two_sites(void)
{
	struct scenario *sc = load_fixture("../scenarios/two-sites.yaml");
	const struct sc_step *frag = NULL;

	if (!sc)
		return;
	CU_ASSERT_STRING_EQUAL(sc->name, "two-sites");
	CU_ASSERT_EQUAL(sc->nnodes, 5);
	CU_ASSERT_EQUAL(sc->nlinks, 4);
	CU_ASSERT_EQUAL(sc->links[1].mtu, 1454);
	for (size_t i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].kind == SC_STEP_PING && sc->steps[i].u.ping.size == 1472 &&
		    sc->steps[i].u.ping.df) {
			frag = &sc->steps[i];
			break;
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(frag);
	CU_ASSERT_EQUAL(frag->u.ping.expect.icmp, SC_ICMP_FRAG_NEEDED);
	CU_ASSERT_EQUAL(frag->u.ping.expect.icmp_mtu, 1454);
	CU_ASSERT_EQUAL(frag->u.ping.expect.replies_max, 0);
	scenario_free(sc);
}

static void test_unreadable_file(void)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = (struct scenario *)&d;    /* must be reset to NULL */

	CU_ASSERT_EQUAL(scenario_load("/nonexistent/x.yaml", &sc, &d), -ENOENT);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.lines[0],
	                       "/nonexistent/x.yaml: cannot open: No such file or directory");
	sc_diags_free(&d);
	CU_ASSERT_EQUAL(scenario_load("/", &sc, &d), -EISDIR);
	CU_ASSERT_EQUAL(d.n, 1);
	sc_diags_free(&d);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	for (int ch; m && (ch = fgetc(f)) != EOF;)
		fputc(ch, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

/*
 * The invalid fixtures and their .expect files: every diagnostic, in order, with the file
 * named as in the .expect file (its base name).
 */
static void test_invalid_fixtures(void)
{
	static const char *const names[] = {
		"invalid-typos", "invalid-references", "invalid-wire", "invalid-yaml", "invalid-clouds",
		"invalid-k5-ports",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char rel[128], path[4096], *want, *got = NULL;
		size_t glen = 0, plen;
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;
		FILE *m;

		snprintf(rel, sizeof rel, "fixtures/scenarios/%s.expect", names[i]);
		want = slurp(unit_fixture(rel));
		CU_ASSERT_PTR_NOT_NULL_FATAL(want);
		snprintf(rel, sizeof rel, "fixtures/scenarios/%s.yaml", names[i]);
		snprintf(path, sizeof path, "%s", unit_fixture(rel));
		plen = strlen(path) - strlen(names[i]) - strlen(".yaml");
		CU_ASSERT_EQUAL(scenario_load(path, &sc, &d), -EINVAL);
		CU_ASSERT_PTR_NULL(sc);
		m = open_memstream(&got, &glen);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		for (size_t j = 0; j < d.n; j++) {
			CU_ASSERT_EQUAL(strncmp(d.lines[j], path, strlen(path)), 0);
			fprintf(m, "%s\n", d.lines[j] + plen);
		}
		fclose(m);
		CU_ASSERT_STRING_EQUAL(got, want);
		if (strcmp(got, want))
			fprintf(stderr, "\n[%s] got:\n%s", names[i], got);
		free(got);
		free(want);
		sc_diags_free(&d);
	}
}

static void test_docs_example(void)
{
	struct scenario *sc = load_fixture("fixtures/scenarios/valid-docs.yaml");

	if (!sc)
		return;
	CU_ASSERT_EQUAL(sc->seed, 7);
	CU_ASSERT_EQUAL(sc->nsegments, 1);
	CU_ASSERT_TRUE(sc->links[2].ends[1].is_segment);
	CU_ASSERT_EQUAL(sc->nodes[3].nfilters, 0);
	CU_ASSERT_STRING_EQUAL(scenario_node(sc, "r2")->filters[1].name, "ike-after-3");
	scenario_free(sc);
}

UNIT_SUITE(scenario_load,
           UNIT_TEST(test_block_style),
           UNIT_TEST(test_flow_style_same_struct),
           UNIT_TEST(test_minimal_defaults),
           UNIT_TEST(test_probe_defaults),
           UNIT_TEST(test_two_sites),
           UNIT_TEST(test_unreadable_file),
           UNIT_TEST(test_invalid_fixtures),
           UNIT_TEST(test_docs_example))
