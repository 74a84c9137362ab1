/*
 * fuzz_scenario.c: bytes -> scenario_load_buffer(), and the value parsers on the same bytes.
 * Nothing may crash, leak or read past the buffer. Seeds: the default scenario, every fixture
 * under tests/fixtures/scenarios/ (valid-docs.yaml is the examples of docs/scenario-format.md)
 * and a few small documents that reach the YAML edge cases (anchors, tags, flow style).
 */
#include "tests/fuzz/fuzz.h"
#include "harness/scenario.h"

#include <stdlib.h>
#include <string.h>

/* scenarios/two-sites.yaml */
static const char seed_two_sites[] =
	"# two-sites: two LANs joined by two routers across an \"internet\" whose first hop has MTU 1454,\n"
	"# smaller than the 1500 of the LANs, as on an access line with extra encapsulation.\n"
	"#\n"
	"# What it shows, as the kernel does it on the wire:\n"
	"#   - a 64-byte ping with DF crosses everything;\n"
	"#   - 1472 bytes of ICMP data is a 1500-byte IPv4 packet (20 IP + 8 ICMP + 1472). Without DF,\n"
	"#     r1 fragments it to fit the 1454-byte link and every echo comes back;\n"
	"#   - with DF, r1 may not fragment: it drops the packet and returns ICMP type 3 code 4\n"
	"#     (fragmentation needed) carrying the next-hop MTU 1454 (RFC 1191), and no echo returns;\n"
	"#   - 1426 bytes with DF (1454 - 28) is the largest ping that fits;\n"
	"#   - a UDP and a TCP probe across both routers;\n"
	"#   - lowering r1's wan0 MTU to 1400 makes r1 report 1400 instead;\n"
	"#   - a filter on r2 that drops ICMP, switched on and off, turns replies into silence and back.\n"
	"#\n"
	"# office 192.168.10.10 -- r1 ==(mtu 1454)== internet -- r2 -- server 192.168.20.10\n"
	"name: two-sites\n"
	"description: |\n"
	"  Two sites behind routers r1 and r2, joined through an internet node. The r1-internet link\n"
	"  has MTU 1454, so large pings show fragmentation and the ICMP fragmentation-needed error.\n"
	"seed: 1\n"
	"clock: virtual\n"
	"timeout: 5m\n"
	"\n"
	"topology:\n"
	"  nodes:\n"
	"    office: {}\n"
	"    r1: {forward: true}\n"
	"    internet: {forward: true}\n"
	"    r2:\n"
	"      forward: true\n"
	"      filters:\n"
	"        drop-icmp: {match: icmp, iface: wan0, enabled: false}\n"
	"    server: {}\n"
	"  links:\n"
	"    - [office:eth0 192.168.10.10/24, r1:lan0 192.168.10.1/24]\n"
	"    - {ends: [r1:wan0 198.51.100.1/30, internet:e0 198.51.100.2/30], mtu: 1454}\n"
	"    - [internet:e1 203.0.113.1/30, r2:wan0 203.0.113.2/30]\n"
	"    - [r2:lan0 192.168.20.1/24, server:eth0 192.168.20.10/24]\n"
	"  routes:\n"
	"    office: [default via 192.168.10.1]\n"
	"    r1: [default via 198.51.100.2]\n"
	"    internet:\n"
	"      - 192.168.10.0/24 via 198.51.100.1\n"
	"      - 192.168.20.0/24 via 203.0.113.2\n"
	"    r2: [default via 203.0.113.1]\n"
	"    server: [default via 192.168.20.1]\n"
	"\n"
	"steps:\n"
	"  - name: small ping with DF\n"
	"    ping: {from: office, to: server, size: 64, df: true, count: 3}\n"
	"\n"
	"  # Before any frag-needed has taught office the path MTU, so r1 is the one that fragments.\n"
	"  - name: 1500-byte ping without DF is fragmented by r1\n"
	"    ping: {from: office, to: server, size: 1472, count: 3}\n"
	"\n"
	"  - name: 1500-byte ping with DF gets frag-needed 1454\n"
	"    ping:\n"
	"      from: office\n"
	"      to: server\n"
	"      size: 1472\n"
	"      df: true\n"
	"      count: 3\n"
	"      expect: {replies: none, icmp: frag-needed, mtu: 1454}\n"
	"\n"
	"  - name: largest ping that fits (1454 - 28)\n"
	"    ping: {from: office, to: server, size: 1426, df: true, count: 3}\n"
	"\n"
	"  - name: udp across both routers\n"
	"    udp: {from: office, to: server, port: 5001, size: 1200, count: 20, rate: 20,\n"
	"          expect: {loss: 0%}}\n"
	"\n"
	"  - name: tcp across both routers\n"
	"    tcp: {from: office, to: server, port: 5201, bytes: 1MiB, timeout: 30s}\n"
	"\n"
	"  - name: r1 wan0 down to mtu 1400\n"
	"    link: {at: r1:wan0, mtu: 1400}\n"
	"  - name: the same 1454-byte packet now gets frag-needed 1400\n"
	"    ping:\n"
	"      from: office\n"
	"      to: server\n"
	"      size: 1426\n"
	"      df: true\n"
	"      expect: {replies: none, icmp: frag-needed, mtu: 1400}\n"
	"  - link: {at: r1:wan0, mtu: 1454}\n"
	"\n"
	"  - filter: {node: r2, name: drop-icmp, enabled: true}\n"
	"  - name: pings vanish at r2\n"
	"    ping: {from: office, to: server, count: 2, expect: {replies: none}}\n"
	"  - filter: {node: r2, name: drop-icmp, enabled: false}\n"
	"  - wait: 1s\n"
	"  - name: and come back\n"
	"    ping: {from: office, to: server, count: 2}\n";

/* tests/fixtures/scenarios/invalid-references.yaml */
static const char seed_invalid_references[] =
	"# Names that do not resolve: nodes, segments, interfaces, next hops, filters.\n"
	"name: references\n"
	"topology:\n"
	"  nodes:\n"
	"    office: {}\n"
	"    r1: {forward: true, mss_clamp: {iface: ppp0}}\n"
	"  segments:\n"
	"    lan: {}\n"
	"  links:\n"
	"    - [office:eth0 192.168.10.10/24, r1:lan0 192.168.10.1/24]\n"
	"    - [pc3:eth0 192.168.20.3/24, lan]\n"
	"    - [r1:lan1 192.168.30.1/24, dmz]\n"
	"  routes:\n"
	"    office: [default via 192.168.11.1]\n"
	"    r1: [\"10.0.0.0/8 dev wan0\"]\n"
	"    r2: [default via 192.168.10.1]\n"
	"steps:\n"
	"  - ping: {from: office, to: server}\n"
	"  - link: {at: r1:wan0, state: down}\n"
	"  - filter: {node: r1, name: cut-esp, enabled: true}\n";

/* tests/fixtures/scenarios/invalid-typos.yaml */
static const char seed_invalid_typos[] =
	"# Typos at every level: each is reported at the key, with the keys that were expected.\n"
	"name: typos\n"
	"seeed: 3\n"
	"topology:\n"
	"  nodes:\n"
	"    office: {}\n"
	"    r1: {fowrard: true, nat: {masquarade: wan0}}\n"
	"  links:\n"
	"    - [office:eth0 192.168.10.10/24, r1:lan0 192.168.10.1/24]\n"
	"    - {ends: [r1:wan0 198.51.100.1/30, isp:wan0 198.51.100.2/30], mut: 1454}\n"
	"  rotues:\n"
	"    office: [default via 192.168.10.1]\n"
	"steps:\n"
	"  - pign: {from: office, to: r1}\n"
	"  - ping: {from: office, too: r1, count: 3}\n"
	"  - ping: {from: office, to: r1, expect: {replys: 3}}\n"
	"  - wait: 30\n";

/* tests/fixtures/scenarios/invalid-wire.yaml */
static const char seed_invalid_wire[] =
	"# Things real equipment would refuse or could never show.\n"
	"name: wire\n"
	"topology:\n"
	"  nodes: {a: {}, b: {}, c: {}}\n"
	"  links:\n"
	"    - [a:eth0 192.168.1.0/24, b:eth0 192.168.1.255/24]\n"
	"    - {ends: [b:eth1 2001:db8::1/64, c:eth0 2001:db8::2/64], mtu: 1000}\n"
	"    - [a:eth1 10.0.0.1/24, c:eth1 10.0.0.1/24]\n"
	"  routes:\n"
	"    a: [10.1.2.3/16 via 10.0.0.9]\n"
	"steps:\n"
	"  - ping: {from: a, to: c:eth1, size: 1472, expect: {replies: 0, icmp: frag-needed}}\n"
	"  - ping: {from: b, to: 2001:db8::2, df: true}\n"
	"  - ping: {from: a, to: c:eth1, size: 1000, df: true, expect: {icmp: frag-needed, mtu: 1454}}\n";

/* tests/fixtures/scenarios/invalid-yaml.yaml */
static const char seed_invalid_yaml[] =
	"name: broken\n"
	"topology:\n"
	"  nodes:\n"
	"    a: {}\n"
	"   b: {}\n";

/* tests/fixtures/scenarios/valid-docs.yaml */
static const char seed_valid_docs[] =
	"# The examples of docs/scenario-format.md, put together so that they validate.\n"
	"name: docs-example\n"
	"seed: 7\n"
	"clock: virtual\n"
	"timeout: 10m\n"
	"\n"
	"topology:\n"
	"  nodes:\n"
	"    office: {}\n"
	"    pc1: {}\n"
	"    pc2: {}\n"
	"    r1: {forward: true, nat: {masquerade: wan0}, mss_clamp: {iface: wan0, mss: 1360}}\n"
	"    r2:\n"
	"      forward: true\n"
	"      mss_clamp: {iface: wan0}           # no mss: clamp to the path MTU\n"
	"      filters:\n"
	"        cut-esp: {match: esp, iface: wan0, enabled: false}\n"
	"        ike-after-3: {match: udp, port: 500, after: 3}\n"
	"  segments:\n"
	"    lan: {mtu: 1500}\n"
	"  links:\n"
	"    - [office:eth0 192.168.10.10/24, r1:lan0 192.168.10.1/24]\n"
	"    - {ends: [r1:wan0 198.51.100.1/30, r2:wan0 198.51.100.2/30], mtu: 1454}\n"
	"    - [pc1:eth0 10.0.0.11/24, lan]       # a node interface plugged into segment `lan`\n"
	"    - [pc2:eth0 10.0.0.12/24 2001:db8::12/64, lan]\n"
	"  routes:\n"
	"    office: [default via 192.168.10.1]\n"
	"    r1: [default via 198.51.100.2, \"10.9.0.0/16 dev wan0\"]\n"
	"\n"
	"steps:\n"
	"  - wait: 5s\n"
	"  - advance: 8h\n"
	"  - ping:\n"
	"      from: office\n"
	"      to: pc1\n"
	"      size: 1472\n"
	"      df: true\n"
	"      count: 3\n"
	"      interval: 1s\n"
	"      timeout: 2s\n"
	"      expect:\n"
	"        replies: 0\n"
	"        icmp: frag-needed\n"
	"        mtu: 1454\n"
	"  - udp: {from: office, to: pc2, port: 5001, size: 1200, count: 100, rate: 50, df: false,\n"
	"          expect: {loss: 0%}}\n"
	"  - tcp: {from: office, to: pc2, port: 5201, bytes: 10MiB, timeout: 30s}\n"
	"  - link: {at: r1:wan0, state: down}\n"
	"  - link: {at: r1:wan0, mtu: 1400}\n"
	"  - filter: {node: r2, name: cut-esp, enabled: true}\n";

/* tests/fixtures/scenarios/valid-full-flow.yaml */
static const char seed_valid_full_flow[] =
	"# valid-full.yaml written as JSON (YAML flow style, every scalar quoted).\n"
	"{\"name\": \"lab-1\", \"description\": \"two lines\\nof text\\n\", \"seed\": \"18446744073709551615\", \"clock\": \"real\", \"timeout\": \"1h30m\", \"topology\": {\"nodes\": {\"office\": null, \"r1\": {\"forward\": true, \"nat\": {\"masquerade\": \"wan0\"}, \"mss_clamp\": {\"iface\": \"wan0\", \"mss\": 1360}}, \"r2\": {\"forward\": true, \"mss_clamp\": {}, \"filters\": {\"cut-esp\": {\"match\": \"esp\", \"iface\": \"wan0\", \"enabled\": false}, \"ike-after-3\": {\"match\": \"udp\", \"port\": 500, \"after\": 3}}}, \"pc1\": {}}, \"segments\": {\"lan\": {\"mtu\": 9000}, \"lan2\": {}}, \"links\": [[\"office:eth0 192.168.10.10/24\", \"r1:lan0 192.168.10.1/24\"], {\"ends\": [\"r1:wan0 198.51.100.1/30 2001:db8::1/64\", \"r2:wan0 198.51.100.2/30 2001:db8::2/64\"], \"mtu\": 1454}, [\"pc1:eth0 10.0.0.11/24\", \"lan\"], [\"lan\", \"r2:lan0 10.0.0.1/24\"]], \"routes\": {\"office\": [\"default via 192.168.10.1\"], \"r1\": [\"default via 198.51.100.2\", \"10.0.0.0/24 via 198.51.100.2 dev wan0\", \"::/0 via 2001:db8::2\"], \"r2\": [\"192.168.10.0/24 via 198.51.100.1\", \"172.16.0.0/12 dev wan0\"], \"pc1\": [\"default via 10.0.0.1\"]}}, \"steps\": [{\"wait\": \"5s\"}, {\"name\": \"skip the night\", \"advance\": \"8h\"}, {\"ping\": {\"from\": \"office\", \"to\": \"pc1\", \"size\": 1472, \"df\": true, \"count\": 3, \"interval\": \"250ms\", \"timeout\": \"1s\", \"expect\": {\"replies\": 0, \"icmp\": \"frag-needed\", \"mtu\": 1454}}}, {\"ping\": {\"from\": \"r1\", \"to\": \"2001:db8::2\", \"expect\": {\"replies\": {\"min\": 1, \"max\": 1}, \"icmp\": \"none\"}}}, {\"ping\": {\"from\": \"pc1\", \"to\": \"r1:lan0\", \"count\": 4, \"expect\": {\"replies\": {\"min\": 2}}}}, {\"udp\": {\"from\": \"office\", \"to\": \"10.0.0.11\", \"port\": 5001, \"size\": 1200, \"count\": 100, \"rate\": 50, \"df\": true, \"expect\": {\"loss\": \"2.5%\"}}}, {\"tcp\": {\"from\": \"office\", \"to\": \"pc1\", \"port\": 5201, \"bytes\": \"1.5MiB\", \"timeout\": \"10s\"}}, {\"link\": {\"at\": \"r1:wan0\", \"state\": \"down\"}}, {\"link\": {\"at\": \"r1:wan0\", \"state\": \"up\", \"mtu\": 1400}}, {\"filter\": {\"node\": \"r2\", \"name\": \"cut-esp\", \"enabled\": true}}]}\n";

/* tests/fixtures/scenarios/valid-full.yaml */
static const char seed_valid_full[] =
	"# Every feature of the format once, in block style with some flow maps inside.\n"
	"name: lab-1\n"
	"description: |\n"
	"  two lines\n"
	"  of text\n"
	"seed: 18446744073709551615\n"
	"clock: real\n"
	"timeout: 1h30m\n"
	"topology:\n"
	"  nodes:\n"
	"    office:\n"
	"    r1: {forward: true, nat: {masquerade: wan0}, mss_clamp: {iface: wan0, mss: 1360}}\n"
	"    r2:\n"
	"      forward: true\n"
	"      mss_clamp: {}\n"
	"      filters:\n"
	"        cut-esp: {match: esp, iface: wan0, enabled: false}\n"
	"        ike-after-3: {match: udp, port: 500, after: 3}\n"
	"    pc1: {}\n"
	"  segments:\n"
	"    lan: {mtu: 9000}\n"
	"    lan2: {}\n"
	"  links:\n"
	"    - [office:eth0 192.168.10.10/24, r1:lan0 192.168.10.1/24]\n"
	"    - ends: [r1:wan0 198.51.100.1/30 2001:db8::1/64, r2:wan0 198.51.100.2/30 2001:db8::2/64]\n"
	"      mtu: 1454\n"
	"    - [pc1:eth0 10.0.0.11/24, lan]\n"
	"    - [lan, r2:lan0 10.0.0.1/24]\n"
	"  routes:\n"
	"    office: [default via 192.168.10.1]\n"
	"    r1:\n"
	"      - default via 198.51.100.2\n"
	"      - \"10.0.0.0/24 via 198.51.100.2 dev wan0\"\n"
	"      - ::/0 via 2001:db8::2\n"
	"    r2: [\"192.168.10.0/24 via 198.51.100.1\", 172.16.0.0/12 dev wan0]\n"
	"    pc1: [default via 10.0.0.1]\n"
	"steps:\n"
	"  - wait: 5s\n"
	"  - name: skip the night\n"
	"    advance: 8h\n"
	"  - ping: {from: office, to: pc1, size: 1472, df: true, count: 3, interval: 250ms, timeout: 1s,\n"
	"           expect: {replies: 0, icmp: frag-needed, mtu: 1454}}\n"
	"  - ping: {from: r1, to: 2001:db8::2, expect: {replies: {min: 1, max: 1}, icmp: none}}\n"
	"  - ping: {from: pc1, to: r1:lan0, count: 4, expect: {replies: {min: 2}}}\n"
	"  - udp: {from: office, to: 10.0.0.11, port: 5001, size: 1200, count: 100, rate: 50, df: true,\n"
	"          expect: {loss: 2.5%}}\n"
	"  - tcp: {from: office, to: pc1, port: 5201, bytes: 1.5MiB, timeout: 10s}\n"
	"  - link: {at: r1:wan0, state: down}\n"
	"  - link: {at: r1:wan0, state: up, mtu: 1400}\n"
	"  - filter: {node: r2, name: cut-esp, enabled: true}\n";

static const char seed_yaml_edges[] =
	"name: &a t\n"
	"topology: !!map {nodes: {a: *a, b: {}}, links: [[a:e0 10.0.0.1/24, b:e0 10.0.0.2/24]]}\n"
	"steps: [{wait: 1s}, {ping: {from: a, to: b}}, {advance: 1h30m}]\n"
	"---\n"
	"name: u\n";

static const char seed_routes[] =
	"name: r\n"
	"topology:\n"
	"  nodes: {a: {}, b: {forward: true}}\n"
	"  links: [[a:e0 10.0.0.1/24 2001:db8::1/64, b:e0 10.0.0.2/24 2001:db8::2/64]]\n"
	"  routes:\n"
	"    a: [default via 10.0.0.2, \"::/0 via fe80::1 dev e0\", 10.9.0.0/16 dev e0]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	char text[80];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	struct sc_prefix p;
	uint64_t u;
	lab_ns ns;

	if (scenario_load_buffer("fuzz.yaml", (const char *)data, size, &sc, &d) == 0) {
		/* A valid scenario must be consistent with its own lookups. */
		for (size_t i = 0; i < sc->nnodes; i++)
			if (scenario_node(sc, sc->nodes[i].name) != &sc->nodes[i])
				abort();
		if (d.n)
			abort();
	} else if (sc || !d.n) {
		abort();        /* failure means no scenario and at least one diagnostic */
	}
	scenario_free(sc);
	sc_diags_free(&d);

	memcpy(text, data, n);
	text[n] = 0;
	sc_parse_duration(text, &ns);
	sc_parse_size(text, &u);
	if (sc_parse_prefix(text, &p, false) == 0) {
		char back[64];
		struct sc_prefix q;

		/* Formatting and parsing again gives the same prefix. */
		sc_format_prefix(&p, true, back, sizeof back);
		if (sc_parse_prefix(back, &q, true) || q.family != p.family || q.len != p.len ||
		    memcmp(q.addr, p.addr, sizeof p.addr))
			abort();
	}
	return 0;
}

/* tests/integration/scenarios/gateways.yaml: the gateways section and its steps */
static const char seed_gateways[] =
	"# gateways: a hub gateway r0 and two site gateways, all three vpnlab's own, on the virtual\n"
	"# clock. What the data plane does is checked here from the probes and, by\n"
	"# tests/integration/gateways.sh, from the captures:\n"
	"#   - the tunnels come up and pings cross them both ways;\n"
	"#   - site A's gateway fragments before encrypting (fragment: pre): a 1500-byte packet\n"
	"#     without DF leaves as two ESP packets, each an encrypted inner fragment;\n"
	"#   - site B's gateway fragments after encrypting (fragment: post): the ESP packet itself is\n"
	"#     fragmented on the wire, and the hub reassembles it before decrypting;\n"
	"#   - a DF packet too big for the tunnel gets ICMP fragmentation-needed: from the hub's\n"
	"#     kernel with its tunnel MTU 1400, and from site A's gateway with the MTU its ESP overhead\n"
	"#     leaves on a 1500-byte uplink;\n"
	"#   - the hub refuses hairpin: site A cannot reach site B through it;\n"
	"#   - after a sequence-number restart on the hub (a fail-over), site A (anti-replay window\n"
	"#     64) drops what follows as replays, site B (window 0) does not.\n"
	"#\n"
	"#   ha 10.1.0.10 -- ra ==(192.0.2.0/24)== r0 ==(198.51.100.0/24)== rb -- hb 10.2.0.10\n"
	"#                                         |\n"
	"#                                         h0 10.0.0.10\n"
	"name: gateways\n"
	"seed: 11\n"
	"clock: virtual\n"
	"timeout: 10m\n"
	"\n"
	"topology:\n"
	"  nodes: {ha: {}, ra: {}, r0: {}, rb: {}, hb: {}, h0: {}}\n"
	"  links:\n"
	"    - [ha:eth0 10.1.0.10/24, ra:lan0 10.1.0.1/24]\n"
	"    - [ra:wan0 192.0.2.1/24, r0:wan0 192.0.2.254/24]\n"
	"    - [rb:wan0 198.51.100.2/24, r0:wan1 198.51.100.254/24]\n"
	"    - [rb:lan0 10.2.0.1/24, hb:eth0 10.2.0.10/24]\n"
	"    - [r0:lan0 10.0.0.1/24, h0:eth0 10.0.0.10/24]\n"
	"  routes:\n"
	"    ha: [default via 10.1.0.1]\n"
	"    hb: [default via 10.2.0.1]\n"
	"    h0: [default via 10.0.0.1]\n"
	"\n"
	"gateways:\n"
	"  r0:\n"
	"    uplink: wan0\n"
	"    tunnel: {mtu: 1400}\n"
	"    connections:\n"
	"      to-a:\n"
	"        remote: 192.0.2.1\n"
	"        psk: site-a-key\n"
	"        local_ts: 10.0.0.0/8\n"
	"        remote_ts: 10.1.0.0/24\n"
	"        ike: aes256-sha256-modp2048\n"
	"        esp: aes256-sha256\n"
	"      to-b:\n"
	"        remote: 198.51.100.2\n"
	"        local: 198.51.100.254\n"
	"        psk: site-b-key\n"
	"        local_ts: 10.0.0.0/8\n"
	"        remote_ts: 10.2.0.0/24\n"
	"  ra:\n"
	"    uplink: wan0\n"
	"    fragment: pre\n"
	"    connections:\n"
	"      to-hub:\n"
	"        remote: 192.0.2.254\n"
	"        psk: site-a-key\n"
	"        local_ts: 10.1.0.0/24\n"
	"        remote_ts: 10.0.0.0/8\n"
	"        initiate: true\n"
	"        ike: aes256-sha256-modp2048\n"
	"        esp: aes256-sha256\n"
	"  rb:\n"
	"    uplink: wan0\n"
	"    fragment: post\n"
	"    replay_window: 0\n"
	"    connections:\n"
	"      to-hub:\n"
	"        remote: 198.51.100.254\n"
	"        psk: site-b-key\n"
	"        local_ts: 10.2.0.0/24\n"
	"        remote_ts: 10.0.0.0/8\n"
	"        initiate: true\n"
	"\n"
	"steps:\n"
	"  - wait: {tunnel: ra/to-hub, up: true, within: 30s}\n"
	"  - wait: {tunnel: rb/to-hub, up: true, within: 30s}\n"
	"  - wait: {tunnel: r0/to-a, up: true, within: 5s}\n"
	"  - name: site A to the hub\n"
	"    ping: {from: ha, to: h0, count: 3}\n"
	"  - name: hub to site B\n"
	"    ping: {from: h0, to: hb, count: 3, size: 1000}\n"
	"  - name: pre-fragmentation at ra (1500-byte packet, no DF)\n"
	"    ping: {from: ha, to: h0, size: 1472, count: 2}\n"
	"  - name: post-fragmentation at rb (1500-byte packet, no DF)\n"
	"    ping: {from: hb, to: h0, size: 1472, count: 2}\n"
	"  - name: DF too big for the hub's 1400-byte tunnel\n"
	"    ping:\n"
	"      from: h0\n"
	"      to: ha\n"
	"      size: 1400\n"
	"      df: true\n"
	"      expect: {replies: none, icmp: frag-needed, mtu: 1400}\n"
	"  - name: DF too big for ra's tunnel on a 1500-byte uplink\n"
	"    ping:\n"
	"      from: ha\n"
	"      to: h0\n"
	"      size: 1472\n"
	"      df: true\n"
	"      expect: {replies: none, icmp: frag-needed}\n"
	"  - name: no hairpin at the hub (site A to site B)\n"
	"    ping: {from: ha, to: hb, count: 2, expect: {replies: none}}\n"
	"  - seq_restart: {gateway: r0, connection: to-a, next: 1}\n"
	"  - seq_restart: {gateway: r0, connection: to-b, next: 1}\n"
	"  - name: site A drops the replays (window 64)\n"
	"    ping: {from: h0, to: ha, count: 3, expect: {replies: none}}\n"
	"  - name: site B has anti-replay off (window 0)\n"
	"    ping: {from: h0, to: hb, count: 3}\n";

/* tests/integration/scenarios/f220-migration.yaml: profiles, a config block, a reconfigure
 * step with CLI text (and one with keys), show steps */
static const char seed_profiles[] =
	"# f220-migration: the field note's story in miniature, for the reconfigure step. The F220 with\n"
	"# its config 1 (AES / SHA-1 / group 5) against a Sakura VPC router version 2 set to\n"
	"# aes256-sha256-modp2048 gets NO-PROPOSAL-CHOSEN; config 2's changes typed in on top (a\n"
	"# reconfigure step) make it link with AES-256 / SHA-256 / MODP-2048 and PFS 14, and its\n"
	"# always-up brings the tunnel up by itself. The F220's show crypto sa before and after.\n"
	"name: f220-migration\n"
	"seed: 2\n"
	"clock: virtual\n"
	"timeout: 10m\n"
	"topology:\n"
	"  nodes: {pc: {}, f220: {}, vpc: {}, srv: {}}\n"
	"  links:\n"
	"    - [pc:eth0 192.168.1.10/24, f220:lan0 192.168.1.1/24]\n"
	"    - {ends: [f220:wan0 172.30.128.254/24, vpc:wan0 172.30.128.1/24], mtu: 1454}\n"
	"    - [vpc:lan0 10.0.0.1/24, srv:eth0 10.0.0.10/24]\n"
	"  routes:\n"
	"    pc: [default via 192.168.1.1]\n"
	"    srv: [default via 10.0.0.1]\n"
	"gateways:\n"
	"  f220:\n"
	"    profile: fitelnet-f220\n"
	"    uplink: wan0\n"
	"    config: |\n"
	"      crypto ipsec security-association lifetime seconds 1800\n"
	"      !\n"
	"      crypto ipsec policy sakuratokyo\n"
	"       set pfs group5\n"
	"       set security-association always-up\n"
	"       set security-association lifetime seconds 1800\n"
	"       set security-association transform esp-aes esp-sha-hmac\n"
	"       set ip df-bit 0\n"
	"       set ip fragment post\n"
	"      exit\n"
	"      !\n"
	"      crypto ipsec selector sakuratokyo\n"
	"       src 1 ipv4 192.168.1.0/24\n"
	"       dst 1 ipv4 10.0.0.0/24\n"
	"      exit\n"
	"      !\n"
	"      crypto isakmp policy sakuratokyo\n"
	"       authentication pre-share\n"
	"       encryption aes\n"
	"       group 5\n"
	"       lifetime 28800\n"
	"       hash sha\n"
	"      exit\n"
	"      !\n"
	"      crypto isakmp profile sakuratokyo\n"
	"       local-address 172.30.128.254\n"
	"       keepalive interval 15 always-send\n"
	"       self-identity address 172.30.128.254\n"
	"       set isakmp-policy sakuratokyo\n"
	"       set ipsec-policy sakuratokyo\n"
	"       set peer 172.30.128.1\n"
	"       ike-version 1\n"
	"       local-key THIS-IS-SECRET-KEY\n"
	"      exit\n"
	"      !\n"
	"      crypto map sakuratokyo ipsec-isakmp\n"
	"       match address sakuratokyo\n"
	"       set isakmp-profile sakuratokyo\n"
	"      exit\n"
	"  vpc:\n"
	"    profile: sakura-vpc-v2\n"
	"    uplink: wan0\n"
	"    connections:\n"
	"      to-f220:\n"
	"        remote: 172.30.128.254\n"
	"        remote_id: 172.30.128.254\n"
	"        psk: THIS-IS-SECRET-KEY\n"
	"        local_ts: 10.0.0.0/24\n"
	"        remote_ts: 192.168.1.0/24\n"
	"        ike: aes256-sha256-modp2048\n"
	"        esp: aes256-sha256-modp2048\n"
	"steps:\n"
	"  - wait: 20s\n"
	"  - name: config 1 does not link with the v2 settings\n"
	"    wait: {tunnel: f220, up: false, within: 1s}\n"
	"  - show: {gateway: f220}\n"
	"  - name: config 2's changes\n"
	"    reconfigure:\n"
	"      gateway: f220\n"
	"      config: |\n"
	"        !\n"
	"        crypto ipsec security-association lifetime seconds 1800\n"
	"        !\n"
	"        crypto ipsec policy sakuratokyo\n"
	"         set pfs group14\n"
	"         set security-association lifetime seconds 180\n"
	"         set security-association transform esp-sha256-hmac esp-aes\n"
	"        exit\n"
	"        !\n"
	"        crypto isakmp policy sakuratokyo\n"
	"         group 14\n"
	"         hash sha-256\n"
	"        exit\n"
	"        !\n"
	"  - wait: {tunnel: f220, up: true, within: 2m}\n"
	"  - ping: {from: pc, to: srv, count: 3, size: 1400}\n"
	"  - show: {gateway: f220}\n"
	"  - reconfigure: {gateway: vpc, connections: {to-f220: {esp_lifetime: 3m, dpd: {delay: 5s}}}}\n";

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
#define SEED(s) { (const uint8_t *)(s), sizeof(s) - 1 }
	static const struct fuzz_seed seeds[] = {
		SEED(seed_two_sites),
		SEED(seed_invalid_references),
		SEED(seed_invalid_typos),
		SEED(seed_invalid_wire),
		SEED(seed_invalid_yaml),
		SEED(seed_valid_docs),
		SEED(seed_valid_full_flow),
		SEED(seed_valid_full),
		SEED(seed_yaml_edges),
		SEED(seed_routes),
		SEED(seed_gateways),
		SEED(seed_profiles),
		SEED("30s"), SEED("1h30m"), SEED("1.5KiB"), SEED("2001:db8::1/64"),
		SEED("192.0.2.1/24"),
	};
#undef SEED

	*n = sizeof seeds / sizeof seeds[0];
	return seeds;
}
