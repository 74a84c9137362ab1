/*
 * The `gateways:` section and the gateway steps: every mistake as a table of YAML text and
 * the exact diagnostics, then the resolution of a valid gateway into struct gw_config.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"
#include "harness/scenario_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two gateways r1 and r2 across one link (MTU 1454), a LAN behind each; r1's default route
 * leaves by wan0. */
#define TOPO \
	"name: t\n" \
	"topology:\n" \
	"  nodes: {r1: {forward: true}, r2: {forward: true}, h1: {}, h2: {}}\n" \
	"  links:\n" \
	"    - {ends: [r1:wan0 198.51.100.1/24, r2:wan0 198.51.100.2/24], mtu: 1454}\n" \
	"    - [r1:lan0 10.1.0.1/24, h1:eth0 10.1.0.2/24]\n" \
	"    - [r2:lan0 10.2.0.1/24, h2:eth0 10.2.0.2/24]\n" \
	"  routes:\n" \
	"    r1: [default via 198.51.100.2]\n" \
	"    h1: [default via 10.1.0.1]\n"
/* TOPO is 10 lines: the gateways section starts on line 11. */

struct gw_case {
	const char *name;
	const char *text;       /* after TOPO */
	const char *want;
};

static const struct gw_case cases[] = {
	{ "valid_minimal",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      to-r2: {remote: 198.51.100.2, psk: secret}\n",
		  "" },
	{ "valid_full",
		  "gateways:\n"
		  "  r1:\n"
		  "    uplink: wan0\n"
		  "    tunnel: {name: tun7, mtu: 1400}\n"
		  "    df: clear\n"
		  "    fragment: post\n"
		  "    mss_clamp: auto\n"
		  "    hairpin: true\n"
		  "    replay_window: 0\n"
		  "    connections:\n"
		  "      to-r2:\n"
		  "        remote: 198.51.100.2\n"
		  "        local: 198.51.100.1\n"
		  "        psk: secret\n"
		  "        local_id: r1.example\n"
		  "        remote_id: 198.51.100.2\n"
		  "        ike: aes256-sha256-modp2048,aes128-sha1-modp1536\n"
		  "        esp: aes256-sha256\n"
		  "        local_ts: 10.1.0.0/16\n"
		  "        remote_ts: 10.2.0.0/16\n"
		  "        initiate: true\n"
		  "        always_up: true\n"
		  "        ike_lifetime: 8h\n"
		  "        esp_lifetime: 180s\n"
		  "        dpd: {delay: 15s, timeout: 60s, action: restart, mode: always}\n"
		  "        force_encap: true\n"
		  "        lifetime_rule: shorter\n"
		  "        responder_lifetime: true\n"
		  "  r2:\n"
		  "    uplink: wan0\n"
		  "    connections:\n"
		  "      to-r1: {remote: 198.51.100.1, psk: secret}\n"
		  "steps:\n"
		  "  - wait: {tunnel: r1/to-r2, up: true, within: 30s}\n"
		  "  - wait: {tunnel: r2}\n"
		  "  - seq_restart: {gateway: r1, connection: to-r2, next: 1}\n"
		  "  - seq_restart: {gateway: r2}\n"
		  "  - tunnel: {gateway: r1, connection: to-r2, action: down}\n"
		  "  - tunnel: {gateway: r2, action: initiate}\n"
		  "  - wait: 5s\n",
		  "" },
	{ "unknown_node",
		  "gateways:\n"
		  "  r9: {connections: {a: {remote: 198.51.100.2, psk: x}}}\n",
		  "t.yaml:12:3: gateways: node 'r9' is not declared in topology.nodes\n" },
	{ "unknown_keys",
		  "gateways:\n"
		  "  r1:\n"
		  "    mtu: 1400\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x, pfs: yes}\n",
		  "t.yaml:13:5: unknown key 'mtu' in gateway 'r1' (expected: uplink, tunnel, df, "
		  "fragment, mss_clamp, hairpin, replay_window, profile, config, connections, cloud, router, appliance, ports)\n"
		  "t.yaml:15:41: unknown key 'pfs' in connection 'a' of gateway 'r1' (expected: "
		  "remote, local, psk, local_id, remote_id, ike, esp, local_ts, remote_ts, "
		  "initiate, always_up, ike_lifetime, esp_lifetime, lifetime_rule, "
		  "responder_lifetime, dpd, force_encap, natt_keepalive)\n" },
	{ "no_uplink",
		  "gateways:\n"
		  "  r2: {connections: {a: {remote: 198.51.100.1, psk: x}}}\n",
		  "t.yaml:12:3: gateway 'r2': no uplink given and node 'r2' has no IPv4 default route "
		  "to take it from\n" },
	{ "bad_uplink",
		  "gateways:\n"
		  "  r1: {uplink: eth9, connections: {a: {remote: 198.51.100.2, psk: x}}}\n",
		  "t.yaml:12:16: node 'r1' has no interface 'eth9' (its interfaces: wan0, lan0)\n" },
	{ "no_connections",
		  "gateways:\n"
		  "  r1: {uplink: wan0}\n",
		  "t.yaml:12:3: gateway 'r1' has no connections (give at least one under "
		  "'connections')\n" },
	{ "dup_connection",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x}\n"
		  "      a: {remote: 198.51.100.3, psk: x}\n",
		  "t.yaml:15:7: duplicate key 'a' (first at 14:7)\n" },
	{ "same_remote_allowed",       /* two connections to one peer: told apart by cookie */
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x, remote_ts: 10.2.0.0/25}\n"
		  "      b: {remote: 198.51.100.2, psk: x, remote_ts: 10.2.0.128/25}\n",
		  "" },
	{ "remote_missing_and_psk_missing",
		  "gateways:\n"
		  "  r1: {connections: {a: {ike: aes128-sha1-modp1536}}}\n",
		  "t.yaml:12:25: connection 'a' of gateway 'r1': missing key 'remote' (the peer's address)\n"
		  "t.yaml:12:25: connection 'a' of gateway 'r1': missing key 'psk' (the pre-shared key)\n" },
	{ "remote_not_address",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: r2, psk: x}\n"
		  "      b: {remote: 198.51.100.0/24, psk: x}\n"
		  "      c: {remote: 198.51.100.1, psk: x}\n",
		  "t.yaml:14:19: remote: 'r2' is not an IP address (like 198.51.100.2, without /len)\n"
		  "t.yaml:15:19: remote: '198.51.100.0/24' is not an IP address (like "
		  "198.51.100.2, without /len)\n"
		  "t.yaml:16:19: remote 198.51.100.1 is an address of node 'r1' itself\n" },
	{ "remote_ipv6",
		  "gateways:\n"
		  "  r1: {connections: {a: {remote: '2001:db8::2', psk: x}}}\n",
		  "t.yaml:12:34: remote 2001:db8::2: the gateway's uplink carries IPv4 only\n" },
	{ "local_not_ours",
		  "gateways:\n"
		  "  r1: {connections: {a: {remote: 198.51.100.2, local: 10.2.0.1, psk: x}}}\n",
		  "t.yaml:12:55: local 10.2.0.1 is not an address of node 'r1'\n" },
	{ "bad_proposals",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a:\n"
		  "        remote: 198.51.100.2\n"
		  "        psk: x\n"
		  "        ike: aes128-sha1\n"
		  "        esp: aes999-sha1\n",
		  "t.yaml:17:14: ike: proposal 'aes128-sha1': an IKE proposal needs a DH group (e.g. modp2048)\n"
		  "t.yaml:18:14: esp: proposal 'aes999-sha1': unknown algorithm 'aes999' (known: "
		  "aes128 aes192 aes256 3des, md5 sha1 sha256 sha384 sha512, modp768..modp8192)\n" },
	{ "esp_data_plane_refuses_md5",        /* the gateway's own check, at load */
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x, esp: aes128-md5}\n",
		  "t.yaml:14:7: gateway 'r1': conns[a].ike.esp[0]: the ESP data plane has AES-CBC "
		  "128/192/256 or 3DES with HMAC-SHA1/SHA2 only\n" },
	{ "bad_ts",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a:\n"
		  "        remote: 198.51.100.2\n"
		  "        psk: x\n"
		  "        local_ts: 10.1.0.1\n"
		  "        remote_ts: 10.2.0.1/16\n",
		  "t.yaml:17:19: local_ts: '10.1.0.1' is not a prefix like 10.1.0.0/16\n"
		  "t.yaml:18:20: remote_ts 10.2.0.1/16 has host bits set; did you mean 10.2.0.0/16?\n" },
	{ "bad_words",
		  "gateways:\n"
		  "  r1:\n"
		  "    df: keep\n"
		  "    fragment: later\n"
		  "    mss_clamp: 40\n"
		  "    hairpin: maybe\n"
		  "    replay_window: 5000\n"
		  "    tunnel: {name: wan0, mtu: 100}\n"
		  "    connections:\n"
		  "      a:\n"
		  "        remote: 198.51.100.2\n"
		  "        psk: x\n"
		  "        dpd: {delay: 30s, timeout: 10s, action: reboot, mode: sometimes}\n"
		  "        esp_lifetime: 0s\n"
		  "        lifetime_rule: longest\n"
		  "        responder_lifetime: often\n",
		  "t.yaml:13:9: df: expected copy, clear or set, got 'keep'\n"
		  "t.yaml:14:15: fragment: expected pre or post, got 'later'\n"
		  "t.yaml:15:16: mss_clamp must be 88..65495, got 40\n"
		  "t.yaml:16:14: hairpin: expected true or false, got 'maybe'\n"
		  "t.yaml:17:20: replay_window must be 0..4096, got 5000\n"
		  "t.yaml:18:20: tunnel name 'wan0' is already an interface of node 'r1'\n"
		  "t.yaml:18:31: tunnel mtu must be 576..65535, got 100\n"
		  "t.yaml:23:36: dpd timeout is shorter than its delay; no probe could ever be answered in time\n"
		  "t.yaml:23:49: dpd action: expected clear, hold or restart, got 'reboot'\n"
		  "t.yaml:23:63: dpd mode: expected idle, always, respond-only or off, got 'sometimes'\n"
		  "t.yaml:24:23: esp_lifetime must be longer than 0s\n"
		  "t.yaml:25:24: lifetime_rule: expected accept, shorter or exact, got 'longest'\n"
		  "t.yaml:26:29: responder_lifetime: expected true or false, got 'often'\n" },
	{ "responder_lifetime_contradicts_rule",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x, lifetime_rule: exact, responder_lifetime: true}\n",
		  "t.yaml:14:83: responder_lifetime: true uses the responder's lifetime when the "
		  "proposed one is longer (the shorter rule); lifetime_rule exact contradicts it\n" },
	{ "profile_without_config",
		  "gateways:\n"
		  "  r1:\n"
		  "    profile: fitelnet-f220\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x}\n"
		  "      b: {remote: 198.51.100.2, psk: x, ike: aes128-sha1-modp1536}\n"
		  "      c: {remote: 198.51.100.2, psk: x, ike: aes128-sha1-modp1536, esp: aes128-sha1}\n",
		  "t.yaml:15:7: connection 'a' of gateway 'r1': profile fitelnet-f220 has no default "
		  "IKE proposals; give 'ike' (or the router's config)\n" },
	{ "step_refs",
		  "gateways:\n"
		  "  r1:\n"
		  "    connections:\n"
		  "      a: {remote: 198.51.100.2, psk: x}\n"
		  "      b: {remote: 198.51.100.3, psk: x}\n"
		  "steps:\n"
		  "  - wait: {tunnel: r1}\n"
		  "  - wait: {tunnel: r1/c, up: sure}\n"
		  "  - wait: {tunnel: h1/a}\n"
		  "  - wait: {tunnel: r7/a}\n"
		  "  - seq_restart: {gateway: r1, connection: a, next: 0}\n"
		  "  - seq_restart: {connection: a}\n"
		  "  - tunnel: {gateway: r1, connection: b, action: reset}\n"
		  "  - tunnel: {gateway: r1, connection: b}\n",
		  "t.yaml:17:20: gateway 'r1' has 2 connections (a, b); name one\n"
		  "t.yaml:18:23: gateway 'r1' has no connection 'c' (its connections: a, b)\n"
		  "t.yaml:18:30: up: expected true or false, got 'sure'\n"
		  "t.yaml:19:20: node 'h1' is not a gateway (no entry under 'gateways')\n"
		  "t.yaml:20:20: node 'r7' is not declared in topology.nodes\n"
		  "t.yaml:21:53: next: ESP sequence numbers start at 1 (RFC 4303 3.3.3)\n"
		  "t.yaml:22:18: seq_restart: missing key 'gateway' (a node with a gateway)\n"
		  "t.yaml:23:50: action: expected down, initiate or restart, got 'reset'\n"
		  "t.yaml:24:13: tunnel: missing key 'action' (down, initiate or restart)\n" },
};

static void test_gateway_errors(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;
		char *text = NULL, *got = NULL;
		size_t glen = 0;
		FILE *f = open_memstream(&got, &glen);
		int r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_FATAL(asprintf(&text, "%s%s", TOPO, cases[i].text) > 0);
		r = scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d);
		sc_diags_print(&d, f);
		fclose(f);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want[0] ? -EINVAL : 0);
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "\n[%s] got:\n%s[%s] want:\n%s", cases[i].name, got,
			        cases[i].name, cases[i].want);
		scenario_free(sc);
		sc_diags_free(&d);
		free(got);
		free(text);
	}
}

static struct scenario *load(const char *tail)
{
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	char *text = NULL;

	if (asprintf(&text, "%s%s", TOPO, tail) < 0)
		return NULL;
	if (scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d)) {
		sc_diags_print(&d, stderr);
		sc = NULL;
	}
	sc_diags_free(&d);
	free(text);
	return sc;
}

/* Defaults: local = the uplink's first address, proposals as `vpnlab peer`, selectors 0/0,
 * the plain data plane with the uplink's MTU from the topology. */
static void test_gateway_config_defaults(void)
{
	struct scenario *sc = load("gateways:\n"
	                           "  r1:\n"
	                           "    connections:\n"
	                           "      to-r2: {remote: 198.51.100.2, psk: secret}\n");
	struct gw_config cfg;
	char err[256], s[64];
	const struct ike_policy *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(sc->ngateways, 1);
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].uplink, "wan0");
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].tunnel, "tun0");
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err,
	                                              sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.nconns, 1);
	CU_ASSERT_STRING_EQUAL(cfg.conns[0].name, "to-r2");
	CU_ASSERT_TRUE(cfg.conns[0].enabled);
	CU_ASSERT_FALSE(cfg.conns[0].always_up);
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_COPY);
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_PRE);
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 0);
	CU_ASSERT_EQUAL(cfg.dp.uplink_mtu, 1454);
	CU_ASSERT_EQUAL(cfg.dp.mss_clamp, -1);
	CU_ASSERT_EQUAL(cfg.dp.replay_window, 64);
	CU_ASSERT_FALSE(cfg.dp.hairpin);
	p = &cfg.conns[0].ike;
	inet_ntop(AF_INET, p->local.addr, s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "198.51.100.1");
	CU_ASSERT_EQUAL(p->local.port, 500);
	inet_ntop(AF_INET, p->remote.addr, s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "198.51.100.2");
	CU_ASSERT_EQUAL(p->psk_len, 6);
	CU_ASSERT_EQUAL(memcmp(p->psk, "secret", 6), 0);
	CU_ASSERT_EQUAL(p->local_id_type, 0);
	CU_ASSERT_EQUAL(p->nike, 1);
	ike_prop_format(&p->ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(p->nesp, 1);
	CU_ASSERT_EQUAL(p->local_ts.family, AF_INET);
	CU_ASSERT_EQUAL(p->local_ts.len, 0);
	CU_ASSERT_EQUAL(p->remote_ts.len, 0);
	CU_ASSERT_FALSE(p->initiator);
	CU_ASSERT_EQUAL(p->dpd, IKE_DPD_OFF);
	CU_ASSERT_EQUAL(p->natt_keepalive, lab_sec(20));
	CU_ASSERT_TRUE(p->initial_contact);
	gw_config_wipe(&cfg);
	scenario_free(sc);
}

static void test_gateway_config_keys(void)
{
	struct scenario *sc = load("gateways:\n"
	                           "  r1:\n"
	                           "    tunnel: {mtu: 1400}\n"
	                           "    df: set\n"
	                           "    fragment: post\n"
	                           "    mss_clamp: 1300\n"
	                           "    hairpin: true\n"
	                           "    replay_window: 0\n"
	                           "    connections:\n"
	                           "      hub:\n"
	                           "        remote: 198.51.100.2\n"
	                           "        psk: k\n"
	                           "        local_id: user@r1.example\n"
	                           "        remote_id: hub.example\n"
	                           "        ike: aes256-sha256-modp2048\n"
	                           "        esp: aes256-sha256,aes128-sha1-modp1024\n"
	                           "        local_ts: 10.1.0.0/16\n"
	                           "        remote_ts: 10.2.0.0/16\n"
	                           "        initiate: true\n"
	                           "        always_up: true\n"
	                           "        ike_lifetime: 28800s\n"
	                           "        esp_lifetime: 3m\n"
	                           "        dpd: {delay: 15s, action: restart}\n"
	                           "        force_encap: true\n"
	                           "        natt_keepalive: 5s\n"
	                           "        lifetime_rule: exact\n"
	                           "        responder_lifetime: false\n"
	                           "      peer:\n"
	                           "        remote: 198.51.100.3\n"
	                           "        psk: k\n"
	                           "        responder_lifetime: true\n");
	struct gw_config cfg;
	char err[256], s[64];
	const struct ike_policy *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err,
	                                              sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 1400);
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_SET);
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_POST);
	CU_ASSERT_EQUAL(cfg.dp.mss_clamp, 1300);
	CU_ASSERT_TRUE(cfg.dp.hairpin);
	CU_ASSERT_EQUAL(cfg.dp.replay_window, 0);
	CU_ASSERT_TRUE(cfg.conns[0].always_up);
	p = &cfg.conns[0].ike;
	CU_ASSERT_EQUAL(p->local_id_type, 3);           /* ID_USER_FQDN */
	CU_ASSERT_EQUAL(p->local_id_len, 15);
	CU_ASSERT_EQUAL(p->remote_id_type, 2);          /* ID_FQDN */
	CU_ASSERT_EQUAL(p->nesp, 2);
	ike_prop_format(&p->esp[1], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes128-sha1-modp1024");
	ike_prop_format(&p->ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes256-sha256-modp2048");
	CU_ASSERT_EQUAL(p->local_ts.len, 16);
	inet_ntop(AF_INET, p->remote_ts.addr, s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "10.2.0.0");
	CU_ASSERT_TRUE(p->initiator);
	CU_ASSERT_EQUAL(p->ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(p->esp_lifetime, lab_sec(180));
	CU_ASSERT_EQUAL(p->dpd, IKE_DPD_IDLE);
	CU_ASSERT_EQUAL(p->dpd_delay, lab_sec(15));
	CU_ASSERT_EQUAL(p->dpd_timeout, lab_sec(60));
	CU_ASSERT_EQUAL(p->dpd_action, IKE_DPD_RESTART);
	CU_ASSERT_TRUE(p->force_encap);
	CU_ASSERT_EQUAL(p->life_rule, IKE_LIFE_EXACT);
	CU_ASSERT_FALSE(p->send_responder_lifetime);
	CU_ASSERT_TRUE(cfg.conns[1].ike.send_responder_lifetime);
	CU_ASSERT_EQUAL(cfg.conns[1].ike.life_rule, IKE_LIFE_ACCEPT);   /* the engine's rule */
	CU_ASSERT_EQUAL(p->natt_keepalive, lab_sec(5));
	gw_config_wipe(&cfg);
	scenario_free(sc);
}

/* A step naming a one-connection gateway gets the connection filled in. */
static void test_gateway_step_refs(void)
{
	struct scenario *sc = load("gateways:\n"
	                           "  r1:\n"
	                           "    connections:\n"
	                           "      only: {remote: 198.51.100.2, psk: x}\n"
	                           "steps:\n"
	                           "  - wait: {tunnel: r1, up: false, within: 5s}\n"
	                           "  - seq_restart: {gateway: r1, next: 7}\n"
	                           "  - tunnel: {gateway: r1, action: initiate}\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(sc->nsteps, 3);
	CU_ASSERT_EQUAL(sc->steps[0].kind, SC_STEP_WAIT_TUNNEL);
	CU_ASSERT_STRING_EQUAL(sc->steps[0].u.twait.ref.conn, "only");
	CU_ASSERT_FALSE(sc->steps[0].u.twait.up);
	CU_ASSERT_EQUAL(sc->steps[0].u.twait.within, lab_sec(5));
	CU_ASSERT_EQUAL(sc->steps[1].kind, SC_STEP_SEQ_RESTART);
	CU_ASSERT_EQUAL(sc->steps[1].u.seq.next, 7);
	CU_ASSERT_STRING_EQUAL(sc->steps[1].u.seq.ref.gateway, "r1");
	CU_ASSERT_EQUAL(sc->steps[2].kind, SC_STEP_TUNNEL);
	CU_ASSERT_EQUAL(sc->steps[2].u.tunnel.action, SC_TUNNEL_INITIATE);
	scenario_free(sc);
}

UNIT_SUITE(scenario_gateway,
           UNIT_TEST(test_gateway_errors),
           UNIT_TEST(test_gateway_config_defaults),
           UNIT_TEST(test_gateway_config_keys),
           UNIT_TEST(test_gateway_step_refs))
