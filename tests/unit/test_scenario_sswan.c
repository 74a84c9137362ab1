/*
 * `profile: strongswan` gateways in a scenario (harness/scenario_gateway_sswan.c): a real
 * charon, so the real clock is needed and every key charon cannot honour is refused at the
 * key, with the key named; what the renderer refuses in the resolved configuration comes
 * back at the scenario key that set it.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"
#include "harness/scenario_gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 10 lines: the gateways section starts on line 11. */
#define TOPO \
	"name: t\n" \
	"clock: real\n" \
	"topology:\n" \
	"  nodes: {sw: {}, gw: {}}\n" \
	"  links:\n" \
	"    - [sw:wan0 192.0.2.1/24, gw:wan0 192.0.2.2/24]\n" \
	"    - [sw:lan0 10.9.0.1/24, gw:lan0 10.0.1.1/24]\n" \
	"  routes:\n" \
	"    sw: [default via 192.0.2.2]\n" \
	"    gw: [default via 192.0.2.1]\n"

#define SW_HEAD \
	"gateways:\n" \
	"  sw:\n" \
	"    profile: strongswan\n"

#define SW_CONN \
	"    connections:\n" \
	"      to-gw: {remote: 192.0.2.2, psk: k, local_ts: 10.9.0.0/24, remote_ts: 10.0.1.0/24, " \
	"ike: aes128-sha1-modp2048, esp: aes128-sha1}\n"

static int load_with(const char *topo, const char *tail, struct scenario **sc, char **diags)
{
	struct sc_diags d = { 0 };
	char *text = NULL, *got = NULL;
	size_t glen = 0;
	FILE *f;
	int r;

	*sc = NULL;
	if (asprintf(&text, "%s%s", topo, tail) < 0)
		return -ENOMEM;
	r = scenario_load_buffer("t.yaml", text, strlen(text), sc, &d);
	f = open_memstream(&got, &glen);
	if (f) {
		sc_diags_print(&d, f);
		fclose(f);
	}
	*diags = got;
	sc_diags_free(&d);
	free(text);
	return r;
}

static int load(const char *tail, struct scenario **sc, char **diags)
{
	return load_with(TOPO, tail, sc, diags);
}

static const struct {
	const char *name, *text, *want;
} cases[] = {
	{ "ok", SW_HEAD SW_CONN, "" },
	{ "df_copy", SW_HEAD "    df: copy\n" SW_CONN,
	  "t.yaml:14:9: df: kernel-libipsec sends every ESP packet with DF set (a UDP socket); "
	  "profile strongswan cannot copy or clear it: remove the key or say 'set'\n" },
	{ "df_set", SW_HEAD "    df: set\n" SW_CONN, "" },
	{ "fragment_post", SW_HEAD "    fragment: post\n" SW_CONN,
	  "t.yaml:14:15: fragment: post-fragmentation is not possible with charon: "
	  "kernel-libipsec fragments inner packets at its 1400-byte TUN (say 'pre')\n" },
	{ "hairpin", SW_HEAD "    hairpin: true\n" SW_CONN,
	  "t.yaml:14:14: hairpin: not a charon setting (tunnel-to-tunnel traffic goes where the "
	  "node's routes and the selectors send it); remove the key for profile strongswan\n" },
	{ "replay_window", SW_HEAD "    replay_window: 64\n" SW_CONN,
	  "t.yaml:14:20: replay_window: kernel-libipsec's window is fixed at 128; profile "
	  "strongswan cannot use 64\n" },
	{ "mss_clamp", SW_HEAD "    mss_clamp: 1360\n" SW_CONN,
	  "t.yaml:14:16: mss_clamp: charon does not clamp TCP MSS; clamp it with the node's "
	  "nftables, or say 'off' for profile strongswan\n" },
	{ "tunnel", SW_HEAD "    tunnel: {mtu: 1400}\n" SW_CONN,
	  "t.yaml:14:13: tunnel: charon's kernel-libipsec makes its own TUN (MTU 1400) and its "
	  "routes; profile strongswan takes no tunnel key\n" },
	/* the renderer's refusals: at the key that set the field, or at the connection when no
	 * one key did (a lifetime that is not whole seconds) */
	{ "renderer_mapped", SW_HEAD
	  "    connections:\n"
	  "      to-gw:\n"
	  "        remote: 192.0.2.2\n"
	  "        psk: k\n"
	  "        local_ts: 10.9.0.0/24\n"
	  "        remote_ts: 10.0.1.0/24\n"
	  "        ike: aes128-sha1-modp2048\n"
	  "        esp: aes128-sha1\n"
	  "        esp_lifetime: 1500ms\n",
	  "t.yaml:15:7: gateway 'sw' (profile strongswan): charon cannot do this: conns[0] "
	  "(to-gw).ike: lifetimes, rekey margin/jitter and DPD times must be whole seconds for "
	  "charon\n" },
	{ "renderer_name", SW_HEAD
	  "    connections:\n"
	  "      to.gw: {remote: 192.0.2.2, psk: k, ike: aes128-sha1-modp2048, esp: aes128-sha1}\n",
	  "t.yaml:15:7: gateway 'sw' (profile strongswan): charon cannot do this: conns[0].name: "
	  "'to.gw': a charon connection name here is 1 to 31 letters, digits, '-' or '_'\n" },
	{ "renderer_key", SW_HEAD
	  "    connections:\n"
	  "      to-gw:\n"
	  "        remote: 192.0.2.2\n"
	  "        psk: k\n"
	  "        local_id: \"a,b.example\"\n"
	  "        ike: aes128-sha1-modp2048\n"
	  "        esp: aes128-sha1\n",
	  "t.yaml:18:19: gateway 'sw' (profile strongswan): key 'local_id': charon cannot do this: "
	  "conns[0] (to-gw).ike.local_id: byte 0x2c at 1 cannot be written in swanctl.conf\n" },
	{ "seq_restart", SW_HEAD SW_CONN
	  "steps:\n"
	  "  - seq_restart: {gateway: sw, connection: to-gw}\n",
	  "t.yaml:17:28: seq_restart: gateway 'sw' is a real charon (profile strongswan), whose "
	  "ESP sequence numbers vpnlab cannot set\n" },
	{ "reconfigure", SW_HEAD SW_CONN
	  "steps:\n"
	  "  - reconfigure: {gateway: sw, connections: {to-gw: {psk: other}}}\n",
	  "t.yaml:17:28: reconfigure: gateway 'sw' is a real charon (profile strongswan); its "
	  "configuration is loaded once at start\n" },
	{ "tunnel_restart", SW_HEAD SW_CONN
	  "steps:\n"
	  "  - tunnel: {gateway: sw, connection: to-gw, action: restart}\n",
	  "t.yaml:17:54: action: restart: gateway 'sw' is a real charon (profile strongswan), "
	  "whose SAs vpnlab cannot make it forget\n" },
};

static void test_sswan_scenario_errors(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *sc;
		char *got = NULL;
		int r = load(cases[i].text, &sc, &got);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want[0] ? -EINVAL : 0);
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "\n[%s] got:\n%s[%s] want:\n%s", cases[i].name, got,
			        cases[i].name, cases[i].want);
		scenario_free(sc);
		free(got);
	}
}

/* A node whose link end is already called ipsec0 cannot host charon: kernel-libipsec names
 * its TUN so. */
static void test_sswan_scenario_tun_name(void)
{
	static const char topo[] =
		"name: t\n"
		"clock: real\n"
		"topology:\n"
		"  nodes: {sw: {}, gw: {}}\n"
		"  links:\n"
		"    - [sw:ipsec0 192.0.2.1/24, gw:wan0 192.0.2.2/24]\n"
		"  routes:\n"
		"    sw: [default via 192.0.2.2]\n";
	struct scenario *sc;
	char *got = NULL;

	CU_ASSERT_EQUAL(load_with(topo, SW_HEAD SW_CONN, &sc, &got), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "t.yaml:10:3: gateway 'sw': node 'sw' has an interface ipsec0, "
	                       "the name charon's kernel-libipsec gives its TUN; rename the link "
	                       "end\n");
	scenario_free(sc);
	free(got);
}

/* A valid one resolves into the configuration sswan_start gets: profile strongswan, its
 * forced rows (the TUN's 1400, the window of 128) in place. */
static void test_sswan_scenario_config(void)
{
	struct scenario *sc;
	struct gw_config cfg;
	char *got = NULL, err[300];

	CU_ASSERT_EQUAL_FATAL(load(SW_HEAD SW_CONN, &sc, &got), 0);
	CU_ASSERT_TRUE(scenario_gateway_is_strongswan(&sc->gateways[0]));
	CU_ASSERT_EQUAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "strongswan");
	CU_ASSERT_EQUAL(cfg.dp.tunnel_mtu, 1400);
	CU_ASSERT_EQUAL(cfg.dp.replay_window, 128);
	CU_ASSERT_EQUAL(cfg.nconns, 1);
	gw_config_wipe(&cfg);
	scenario_free(sc);
	free(got);
}

UNIT_SUITE(scenario_sswan,
           UNIT_TEST(test_sswan_scenario_errors),
           UNIT_TEST(test_sswan_scenario_tun_name),
           UNIT_TEST(test_sswan_scenario_config))
