/*
 * Vendor profiles on scenario gateways: `profile: NAME` by the precedence rule (profile
 * defaults, scenario keys, forced rows reported), and `config: |` of a fitelnet-f220 gateway:
 * the field note's F220 configs pasted into a scenario, keys overriding a crypto map, and the
 * importer's errors placed at the CLI line inside the block scalar.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"
#include "harness/scenario_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The F220 behind its NAT router as in the field note: 172.30.128.254 on its uplink, the
 * VPC router's 27.133.132.134 beyond. 9 lines: the gateways section starts on line 10. */
#define TOPO \
	"name: t\n" \
	"topology:\n" \
	"  nodes: {f220: {forward: true}, nat: {forward: true}, vpc: {forward: true}}\n" \
	"  links:\n" \
	"    - {ends: [f220:wan0 172.30.128.254/24, nat:lan0 172.30.128.1/24], mtu: 1454}\n" \
	"    - [nat:wan0 27.133.132.1/24, vpc:wan0 27.133.132.134/24]\n" \
	"  routes:\n" \
	"    f220: [default via 172.30.128.1]\n" \
	"    vpc: [default via 27.133.132.1]\n"

/* text with every line indented by ind spaces (a YAML block scalar's body); caller frees */
static char *indent(const char *text, int ind)
{
	size_t n = strlen(text), lines = 1;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	out = o = malloc(n + lines * (size_t)ind + 1);
	if (!out)
		return NULL;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l) {
			memset(o, ' ', (size_t)ind);
			o += ind;
		}
		memcpy(o, p, l);
		o += l;
		if (!e)
			break;
		*o++ = '\n';
		p = e + 1;
	}
	*o = 0;
	return out;
}

static int load(const char *tail, struct scenario **sc, char **diags)
{
	struct sc_diags d = { 0 };
	char *text = NULL, *got = NULL;
	size_t glen = 0;
	FILE *f;
	int r;

	*sc = NULL;
	if (asprintf(&text, "%s%s", TOPO, tail) < 0)
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

struct case_ {
	const char *name;
	const char *text;
	const char *want;
};

static const struct case_ cases[] = {
	{ "unknown_profile",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: fitelnet-f200\n"
		  "    connections:\n"
		  "      a: {remote: 27.133.132.134, psk: x}\n",
		  "t.yaml:12:14: profile: no profile 'fitelnet-f200' (the profiles: sakura-vpc-v1, "
		  "sakura-vpc-v2, fitelnet-f220, k5-vpnaas, strongswan)\n" },
	{ "strongswan_virtual_clock",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: strongswan\n"
		  "    connections:\n"
		  "      a: {remote: 27.133.132.134, psk: x}\n",
		  "t.yaml:12:14: gateway 'f220': profile strongswan is a real charon running on the "
		  "wall clock; the scenario needs 'clock: real' (the virtual clock would jump lab time "
		  "past charon's timers)\n" },
	{ "config_without_profile",
		  "gateways:\n"
		  "  f220:\n"
		  "    config: |\n"
		  "      crypto ipsec security-association lifetime seconds 1800\n",
		  "t.yaml:12:13: config: a config text needs 'profile: fitelnet-f220' (the only "
		  "profile configured by its own CLI text)\n" },
	{ "config_other_profile",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: k5-vpnaas\n"
		  "    config: |\n"
		  "      crypto ipsec security-association lifetime seconds 1800\n"
		  "    connections:\n"
		  "      a: {remote: 27.133.132.134, psk: x}\n",
		  "t.yaml:13:13: config: profile k5-vpnaas takes no config text; only fitelnet-f220 "
		  "does (its CLI text); give the others' settings as keys under connections\n" },
	{ "config_folded",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: fitelnet-f220\n"
		  "    config: >\n"
		  "      crypto ipsec security-association lifetime seconds 1800\n",
		  "t.yaml:13:13: config: a folded block (>) joins the CLI lines; write 'config: |'\n" },
	{ "not_a_crypto_map",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: fitelnet-f220\n"
		  "    config: |\n"
		  "      crypto ipsec policy p\n"
		  "       set security-association transform esp-aes esp-sha-hmac\n"
		  "      exit\n"
		  "      crypto ipsec selector p\n"
		  "       src 1 ipv4 any\n"
		  "       dst 1 ipv4 any\n"
		  "      exit\n"
		  "      crypto isakmp policy p\n"
		  "       authentication pre-share\n"
		  "       encryption aes\n"
		  "       hash sha\n"
		  "       group 5\n"
		  "      exit\n"
		  "      crypto isakmp profile p\n"
		  "       set isakmp-policy p\n"
		  "       set ipsec-policy p\n"
		  "       set peer 27.133.132.134\n"
		  "       local-key k\n"
		  "      exit\n"
		  "      crypto map m1 ipsec-isakmp\n"
		  "       match address p\n"
		  "       set isakmp-profile p\n"
		  "      exit\n"
		  "    connections:\n"
		  "      m2: {psk: other}\n",
		  "t.yaml:38:7: gateway 'f220': its config has no crypto map 'm2' (its maps: m1); "
		  "with a config, connections only override a map's keys\n" },
};

static void test_profile_errors(void)
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

/* A mistake in the pasted CLI text is reported at its line and column in the scenario file:
 * the block's indicator is on line 13, so the config's line k is file line 13 + k, indented
 * by 6. */
static void test_profile_config_error_position(void)
{
	char *v1 = unit_fixture_text("fixtures/fitelnet/v1.conf"), *body, *tail = NULL, *got = NULL;
	struct scenario *sc;
	char *bad;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	/* line 7 of v1.conf is " set security-association transform esp-aes esp-sha-hmac" */
	bad = strstr(v1, "esp-sha-hmac");
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	memcpy(bad, "esp-sha-hmXX", 12);
	body = indent(v1, 6);
	CU_ASSERT_FATAL(asprintf(&tail, "gateways:\n"
	                                "  f220:\n"
	                                "    profile: fitelnet-f220\n"
	                                "    config: |\n"
	                                "%s", body) > 0);
	CU_ASSERT_EQUAL(load(tail, &sc, &got), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	/* v1.conf line 7 -> file line 13 + 7 = 20; "esp-sha-hmXX" at column 45 + 6 */
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "t.yaml:20:51: config: unknown command 'set "
	                                   "security-association transform esp-aes esp-sha-hmXX' "
	                                   "in crypto ipsec policy at 'esp-sha-hmXX'"));
	if (!strstr(got, "t.yaml:20:51: config: "))
		fprintf(stderr, "\ngot:\n%s", got);
	scenario_free(sc);
	free(got);
	free(tail);
	free(body);
	free(v1);
}

static void addr_is(const uint8_t *a, const char *want)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, a, s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, want);
}

static struct scenario *load_config(const char *config_text, const char *extra)
{
	char *body = indent(config_text, 6), *tail = NULL, *got = NULL;
	struct scenario *sc = NULL;

	if (!body || asprintf(&tail, "gateways:\n"
	                              "  f220:\n"
	                              "    profile: fitelnet-f220\n"
	                              "    config: |\n"
	                              "%s%s", body, extra) < 0) {
		free(body);
		return NULL;
	}
	if (load(tail, &sc, &got))
		fprintf(stderr, "\n%s", got ? got : "(no diagnostics)");
	free(got);
	free(tail);
	free(body);
	return sc;
}

/* Config 1 of the field note as the F220 ran it against the v1 VPC router. */
static void test_profile_field_v1(void)
{
	char *v1 = unit_fixture_text("fixtures/fitelnet/v1.conf");
	struct scenario *sc;
	struct gw_config cfg;
	struct profile_report rep = { 0 };
	char err[300], s[64];
	const struct ike_policy *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	sc = load_config(v1, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(sc->gateways[0].nconns, 1);
	CU_ASSERT_STRING_EQUAL(sc->gateways[0].conns[0].name, "sakuratokyo");
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_resolve(sc, &sc->gateways[0], NULL, 0, &cfg, &rep,
	                                               err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "fitelnet-f220");
	CU_ASSERT_EQUAL(cfg.nconns, 1);
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_CLEAR);
	CU_ASSERT_EQUAL(cfg.dp.frag, GW_FRAG_POST);
	CU_ASSERT_EQUAL(cfg.dp.uplink_mtu, 1454);
	CU_ASSERT_TRUE(cfg.conns[0].always_up);
	p = &cfg.conns[0].ike;
	CU_ASSERT_TRUE(p->initiator);
	addr_is(p->local.addr, "172.30.128.254");
	addr_is(p->remote.addr, "27.133.132.134");
	CU_ASSERT_EQUAL(p->local_id_type, 1);           /* ID_IPV4_ADDR */
	addr_is(p->local_id, "172.30.128.254");
	CU_ASSERT_EQUAL(p->psk_len, strlen("THIS-IS-SECRET-KEY"));
	CU_ASSERT_EQUAL(memcmp(p->psk, "THIS-IS-SECRET-KEY", p->psk_len), 0);
	/* `encryption aes` offers AES-256 then AES-128 (the importer's default; the v1 router
	 * picks its AES-128) */
	CU_ASSERT_EQUAL_FATAL(p->nike, 2);
	ike_prop_format(&p->ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes256-sha1-modp1536");
	ike_prop_format(&p->ike[1], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL_FATAL(p->nesp, 2);
	ike_prop_format(&p->esp[1], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(p->ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(p->esp_lifetime, lab_sec(1800));
	CU_ASSERT_EQUAL(p->dpd, IKE_DPD_ALWAYS);
	CU_ASSERT_EQUAL(p->dpd_delay, lab_sec(15));
	CU_ASSERT_FALSE(p->send_natt_vid);              /* forced by the profile, not replaced */
	CU_ASSERT_EQUAL(rep.n, 0);
	gw_config_wipe(&cfg);
	scenario_free(sc);
	free(v1);
}

/* Config 1 with config 2's changes after it (the v2 migration), pasted as one text; a
 * connections entry of the map's name overrides its keys. */
static void test_profile_field_v2_override(void)
{
	char *v1 = unit_fixture_text("fixtures/fitelnet/v1.conf");
	char *v2 = unit_fixture_text("fixtures/fitelnet/v2-changes.conf");
	char *both = NULL;
	struct scenario *sc;
	struct gw_config cfg;
	char err[300], s[64];
	const struct ike_policy *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v2);
	CU_ASSERT_FATAL(asprintf(&both, "%s%s", v1, v2) > 0);
	sc = load_config(both, "    connections:\n"
	                       "      sakuratokyo: {psk: another-key, esp_lifetime: 10m}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err,
	                                              sizeof err), 0);
	p = &cfg.conns[0].ike;
	ike_prop_format(&p->ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes256-sha256-modp2048");
	ike_prop_format(&p->esp[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes256-sha256-modp2048");
	CU_ASSERT_EQUAL(p->ike_lifetime, lab_sec(28800));
	CU_ASSERT_EQUAL(p->esp_lifetime, lab_sec(600));         /* the scenario's key */
	CU_ASSERT_EQUAL(p->psk_len, strlen("another-key"));
	CU_ASSERT_EQUAL(memcmp(p->psk, "another-key", p->psk_len), 0);
	addr_is(p->remote.addr, "27.133.132.134");              /* the map's, not overridden */
	gw_config_wipe(&cfg);
	scenario_free(sc);
	free(both);
	free(v1);
	free(v2);
}

/* A crypto map without local-address speaks from the uplink's address. */
static void test_profile_config_uplink_local(void)
{
	char *v1 = unit_fixture_text("fixtures/fitelnet/v1.conf"), *l;
	struct scenario *sc;
	struct gw_config cfg;
	char err[300];

	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	l = strstr(v1, " local-address 172.30.128.254\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	memmove(l, l + strlen(" local-address 172.30.128.254\n"),
	        strlen(l + strlen(" local-address 172.30.128.254\n")) + 1);
	sc = load_config(v1, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err,
	                                              sizeof err), 0);
	addr_is(cfg.conns[0].ike.local.addr, "172.30.128.254");
	CU_ASSERT_EQUAL(cfg.conns[0].ike.local.port, 500);
	gw_config_wipe(&cfg);
	scenario_free(sc);
	free(v1);
}

/* A v2 VPC router is charon: a scenario's lifetime_rule / responder_lifetime are replaced by
 * its forced accept / no, each reported; a plain gateway keeps them. */
static void test_profile_forced_lifetime_rule(void)
{
	struct scenario *sc;
	char *got = NULL;
	struct gw_config cfg;
	struct profile_report rep = { 0 };
	char err[300];
	int found = 0;

	CU_ASSERT_EQUAL_FATAL(load("gateways:\n"
	                           "  vpc:\n"
	                           "    profile: sakura-vpc-v2\n"
	                           "    connections:\n"
	                           "      to-f220:\n"
	                           "        remote: 27.133.132.1\n"
	                           "        psk: k\n"
	                           "        lifetime_rule: shorter\n"
	                           "        responder_lifetime: true\n",
	                           &sc, &got), 0);
	free(got);
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_resolve(sc, &sc->gateways[0], NULL, 0, &cfg, &rep,
	                                               err, sizeof err), 0);
	CU_ASSERT_EQUAL(cfg.conns[0].ike.life_rule, IKE_LIFE_ACCEPT);
	CU_ASSERT_FALSE(cfg.conns[0].ike.send_responder_lifetime);
	for (size_t i = 0; i < rep.n; i++) {
		if (strstr(rep.line[i], "[to-f220] sakura-vpc-v2: lifetime-rule shorter replaced "
		           "by accept: ") == rep.line[i])
			found |= 1;
		if (strstr(rep.line[i], "[to-f220] sakura-vpc-v2: send-responder-lifetime yes "
		           "replaced by no: charon never sends RESPONDER-LIFETIME") == rep.line[i])
			found |= 2;
	}
	CU_ASSERT_EQUAL(found, 3);
	if (found != 3)
		for (size_t i = 0; i < rep.n; i++)
			fprintf(stderr, "\n%s", rep.line[i]);
	gw_config_wipe(&cfg);
	scenario_free(sc);
}

/* A v1 VPC router negotiates its fixed set whatever the scenario says, and the report has a
 * line saying which value it replaced; a default (the DPD action) yields to the scenario. */
static void test_profile_forced_report(void)
{
	struct scenario *sc;
	char *got = NULL;
	struct gw_config cfg;
	struct profile_report rep = { 0 };
	char err[300], s[64];
	bool found = false;

	CU_ASSERT_EQUAL_FATAL(load("gateways:\n"
	                           "  vpc:\n"
	                           "    profile: sakura-vpc-v1\n"
	                           "    connections:\n"
	                           "      to-f220:\n"
	                           "        remote: 27.133.132.1\n"
	                           "        psk: k\n"
	                           "        ike: aes256-sha256-modp2048\n"
	                           "        dpd: {action: hold}\n",
	                           &sc, &got), 0);
	free(got);
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_resolve(sc, &sc->gateways[0], NULL, 0, &cfg, &rep,
	                                               err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.profile, "sakura-vpc-v1");
	ike_prop_format(&cfg.conns[0].ike.ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(cfg.conns[0].ike.dpd_action, IKE_DPD_HOLD);
	for (size_t i = 0; i < rep.n; i++)
		if (!strncmp(rep.line[i], "[to-f220] sakura-vpc-v1: ike-proposals "
		             "aes256-sha256-modp2048 replaced by aes128-sha1-modp1536,"
		             "aes128-sha1-modp1024", 100))
			found = true;
	CU_ASSERT_TRUE(found);
	if (!found)
		for (size_t i = 0; i < rep.n; i++)
			fprintf(stderr, "\n%s", rep.line[i]);
	gw_config_wipe(&cfg);
	scenario_free(sc);
}

/* Every simulated profile loads and resolves. */
static void test_profile_every_profile(void)
{
	static const char *const names[] = { "sakura-vpc-v1", "sakura-vpc-v2", "fitelnet-f220",
	                                     "k5-vpnaas" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct scenario *sc;
		char *got = NULL, *text = NULL;
		struct gw_config cfg;
		char err[300];

		CU_ASSERT_FATAL(asprintf(&text, "gateways:\n"
		                                "  vpc:\n"
		                                "    profile: %s\n"
		                                "    connections:\n"
		                                "      c: {remote: 27.133.132.1, psk: k, ike: "
		                                "aes256-sha256-modp2048, esp: aes256-sha256}\n",
		                         names[i]) > 0);
		CU_ASSERT_EQUAL(load(text, &sc, &got), 0);
		if (sc) {
			CU_ASSERT_EQUAL(scenario_gateway_config(sc, &sc->gateways[0], &cfg, err,
			                                        sizeof err), 0);
			CU_ASSERT_STRING_EQUAL(cfg.profile, names[i]);
			gw_config_wipe(&cfg);
		} else {
			fprintf(stderr, "\n[%s] %s", names[i], got);
		}
		scenario_free(sc);
		free(got);
		free(text);
	}
}

/* The field story: config 1 at start, config 2's changes in a reconfigure step after the
 * v2 migration; the resolution with the step's text stacked on top gives the v2 proposals. */
static void test_profile_reconfigure_field(void)
{
	char *v1 = unit_fixture_text("fixtures/fitelnet/v1.conf");
	char *v2 = unit_fixture_text("fixtures/fitelnet/v2-changes.conf");
	char *b2 = NULL, *steps = NULL;
	struct scenario *sc;
	struct gw_config cfg;
	char err[300], s[64];
	const struct sc_reconfigure *r;
	const char *more[1];

	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v2);
	b2 = indent(v2, 10);
	CU_ASSERT_FATAL(asprintf(&steps, "steps:\n"
	                                 "  - reconfigure:\n"
	                                 "      gateway: f220\n"
	                                 "      config: |\n"
	                                 "%s"
	                                 "  - reconfigure:\n"
	                                 "      gateway: f220\n"
	                                 "      connections: {sakuratokyo: {esp_lifetime: 3m}}\n",
	                         b2) > 0);
	sc = load_config(v1, steps);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(sc->nsteps, 2);
	CU_ASSERT_EQUAL(sc->steps[0].kind, SC_STEP_RECONFIGURE);
	r = &sc->steps[0].u.reconf;
	CU_ASSERT_STRING_EQUAL(r->gateway, "f220");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->config);
	CU_ASSERT_PTR_NULL(r->conns);
	more[0] = r->config;
	CU_ASSERT_EQUAL_FATAL(scenario_gateway_resolve(sc, &sc->gateways[0], more, 1, &cfg, NULL,
	                                               err, sizeof err), 0);
	ike_prop_format(&cfg.conns[0].ike.ike[0], s, sizeof s);
	CU_ASSERT_STRING_EQUAL(s, "aes256-sha256-modp2048");
	CU_ASSERT_EQUAL(cfg.conns[0].ike.esp_lifetime, lab_sec(180));
	CU_ASSERT_EQUAL(cfg.dp.df, ESP_DF_CLEAR);                /* kept from config 1 */
	gw_config_wipe(&cfg);
	/* the second step: the connection list with its key changed */
	r = &sc->steps[1].u.reconf;
	CU_ASSERT_PTR_NULL(r->config);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->conns);
	CU_ASSERT_EQUAL(r->nconns, 1);
	CU_ASSERT_EQUAL(r->conns[0].esp_lifetime, lab_sec(180));
	CU_ASSERT_TRUE(r->conns[0].from_config);
	scenario_free(sc);
	free(steps);
	free(b2);
	free(v1);
	free(v2);
}

/* A small F220 config: one crypto map m1 (16 lines after the indicator). */
#define MINI \
	"      crypto ipsec policy p\n" \
	"       set security-association transform esp-aes esp-sha-hmac\n" \
	"      exit\n" \
	"      crypto ipsec selector p\n" \
	"       src 1 ipv4 any\n" \
	"       dst 1 ipv4 any\n" \
	"      exit\n" \
	"      crypto isakmp policy p\n" \
	"       encryption aes\n" \
	"       hash sha\n" \
	"       group 5\n" \
	"      exit\n" \
	"      crypto isakmp profile p\n" \
	"       set isakmp-policy p\n" \
	"       set ipsec-policy p\n" \
	"       set peer 27.133.132.134\n" \
	"       local-key k\n" \
	"      exit\n" \
	"      crypto map m1 ipsec-isakmp\n" \
	"       match address p\n" \
	"       set isakmp-profile p\n" \
	"      exit\n"

static const struct case_ reconf_cases[] = {
	{ "reconfigure_errors",
		  "gateways:\n"
		  "  f220:\n"
		  "    profile: fitelnet-f220\n"
		  "    config: |\n"
		  MINI
		  "  vpc:\n"
		  "    connections:\n"
		  "      to-f220: {remote: 27.133.132.1, psk: k}\n"
		  "steps:\n"
		  "  - reconfigure:\n"
		  "      gateway: f220\n"
		  "      config: |\n"
		  "        crypto isakmp policy p\n"
		  "         group 99\n"
		  "        exit\n"
		  "  - reconfigure: {gateway: vpc, config: 'crypto map x ipsec-isakmp'}\n"
		  "  - reconfigure: {gateway: vpc, connections: {to-r9: {psk: x}}}\n"
		  "  - reconfigure: {gateway: vpc}\n"
		  "  - reconfigure: {gateway: nat, connections: {}}\n"
		  "  - reconfigure:\n"
		  "      gateway: f220\n"
		  "      config: |\n"
		  "        crypto map m2 ipsec-isakmp\n"
		  "         match address p\n"
		  "         set isakmp-profile p\n"
		  "        exit\n"
		  "  - show: {gateway: h9}\n",
		  "t.yaml:44:16: config: unknown command 'group 99' in crypto isakmp policy at '99' "
		  "(expected: group {1|2|5|14|15|16})\n"
		  "t.yaml:46:41: reconfigure: gateway 'vpc' has no config text to change (a "
		  "fitelnet-f220 gateway with 'config:' has one); change its keys under 'connections'\n"
		  "t.yaml:47:47: gateway 'vpc' has no connection 'to-r9' (its connections: to-f220); a "
		  "reconfigure changes connections, it does not add them\n"
		  "t.yaml:48:18: reconfigure: give 'config' (CLI text on top of the gateway's) or "
		  "'connections' (keys to change), or both\n"
		  "t.yaml:49:28: node 'nat' is not a gateway (no entry under 'gateways')\n"
		  "t.yaml:52:15: config: after this step the crypto maps are (m1, m2), the gateway's "
		  "are (m1): a reconfigure changes maps, it does not add, remove or reorder them\n"
		  "t.yaml:57:21: node 'h9' is not declared in topology.nodes\n" },
	{ "reconfigure_plain_keys",
		  "gateways:\n"
		  "  vpc:\n"
		  "    connections:\n"
		  "      to-f220: {remote: 27.133.132.1, psk: k}\n"
		  "steps:\n"
		  "  - reconfigure: {gateway: vpc, connections: {to-f220: {esp_lifetime: 0s}}}\n"
		  "  - reconfigure: {gateway: vpc, connections: {to-f220: {esp: aes128-sha1}}}\n"
		  "  - show: {gateway: vpc}\n",
		  "t.yaml:15:71: esp_lifetime must be longer than 0s\n" },
};

static void test_profile_reconfigure_errors(void)
{
	for (size_t i = 0; i < sizeof reconf_cases / sizeof reconf_cases[0]; i++) {
		struct scenario *sc;
		char *got = NULL;
		int r = load(reconf_cases[i].text, &sc, &got);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_STRING_EQUAL(got, reconf_cases[i].want);
		CU_ASSERT_EQUAL(r, reconf_cases[i].want[0] ? -EINVAL : 0);
		if (strcmp(got, reconf_cases[i].want))
			fprintf(stderr, "\n[%s] got:\n%s[%s] want:\n%s", reconf_cases[i].name, got,
			        reconf_cases[i].name, reconf_cases[i].want);
		scenario_free(sc);
		free(got);
	}
}

UNIT_SUITE(scenario_profile,
           UNIT_TEST(test_profile_reconfigure_field),
           UNIT_TEST(test_profile_reconfigure_errors),
           UNIT_TEST(test_profile_errors),
           UNIT_TEST(test_profile_config_error_position),
           UNIT_TEST(test_profile_field_v1),
           UNIT_TEST(test_profile_field_v2_override),
           UNIT_TEST(test_profile_config_uplink_local),
           UNIT_TEST(test_profile_forced_report), UNIT_TEST(test_profile_forced_lifetime_rule),
           UNIT_TEST(test_profile_every_profile))
