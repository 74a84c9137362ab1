/*
 * Fuzz target: the scenario loader (YAML tree, typed extraction, whole-document checks) on
 * arbitrary bytes. Seeds: the shipped scenario and small files exercising every step kind.
 */
#include "tests/fuzz/fuzz.h"
#include "harness/scenario.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;

	scenario_load_buffer("fuzz.yaml", (const char *)data, size, &sc, &d);
	scenario_free(sc);
	sc_diags_free(&d);
	return 0;
}

static const char *const seed_text[] = {
	"name: t\nseed: 3\nclock: virtual\ntimeout: 1h\ntopology:\n  nodes:\n"
	"    a: {}\n    r: {forward: true, nat: {masquerade: wan0}, mss_clamp: {iface: wan0}}\n"
	"    b: {filters: {cut: {match: udp, port: 500, after: 3, iface: eth0}}}\n"
	"  segments: {lan: {mtu: 1500}}\n"
	"  links:\n    - [a:eth0 10.0.0.1/24 2001:db8::1/64, r:lan0 10.0.0.254/24]\n"
	"    - {ends: [r:wan0 198.51.100.1/30, b:eth0 198.51.100.2/30], mtu: 1454}\n"
	"    - [b:eth1 10.9.0.2/24, lan]\n"
	"  routes:\n    a: [default via 10.0.0.254]\n    b: [\"10.0.0.0/24 via 198.51.100.1 dev eth0\"]\n"
	"steps:\n  - ping: {from: a, to: b, size: 1472, df: true, expect: {replies: none, icmp: frag-needed, mtu: 1454}}\n"
	"  - udp: {from: a, to: b:eth0, port: 9, count: 3, rate: 2, expect: {loss: 5%}}\n"
	"  - tcp: {from: a, to: 198.51.100.2, port: 80, bytes: 1MiB, timeout: 5s}\n"
	"  - link: {at: r:wan0, state: down, mtu: 1400}\n"
	"  - filter: {node: b, name: cut, enabled: false}\n"
	"  - {name: skip, advance: 1h30m}\n  - wait: 250ms\n",
	"name: x\ntopology: {nodes: {a: {fowrard: true}}, links: [[a:e0 1.2.3.4/8, b]]}\nsteps: [{wait: 5}]\n",
	"a: &x [*x]\n",
	"name: t\ntopology:\n  nodes:\n    a: {}\n  routes:\n    a: [default via ::1, \"10.0.0.0/8 dev e9\"]\n",
};

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[sizeof seed_text / sizeof seed_text[0]];

	for (size_t i = 0; i < sizeof seed_text / sizeof seed_text[0]; i++) {
		seeds[i].data = (const uint8_t *)seed_text[i];
		seeds[i].len = strlen(seed_text[i]);
	}
	*n = sizeof seed_text / sizeof seed_text[0];
	return seeds;
}
