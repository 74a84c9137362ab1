/*
 * Cross-reference checks, resolution defaults and merge semantics of the FITELnet importer.
 * A base config with distinct names for every block (so a wrong reference is visible) is
 * varied one line at a time; a removed line becomes "!" so line numbers stay put.
 */
#include "tests/unit/unit.h"
#include "peers/fitelnet/fitelnet_config.h"
#include "peers/fitelnet/fitelnet_intent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const char *const base[] = {
	NULL,                                                           /* lines count from 1 */
	"crypto ipsec security-association lifetime seconds 900",       /* 1 */
	"!",
	"crypto ipsec policy esp-p2",                                   /* 3 */
	" set pfs group2",
	" set security-association transform esp-3des esp-sha-hmac",    /* 5 */
	"exit",
	"crypto ipsec selector sel-a",                                  /* 7 */
	" src 1 ipv4 10.1.0.0/16",
	" dst 1 ipv4 10.2.0.0/16",                                      /* 9 */
	" dst 2 ipv4 10.3.0.0/16",
	"exit",                                                         /* 11 */
	"crypto isakmp policy ike-p1",
	" authentication pre-share",                                    /* 13 */
	" encryption 3des",
	" group 2",                                                     /* 15 */
	" hash sha-256",
	"exit",                                                         /* 17 */
	"crypto isakmp profile prof-a",
	" local-address 192.0.2.1",                                     /* 19 */
	" set isakmp-policy ike-p1",
	" set ipsec-policy esp-p2",                                     /* 21 */
	" set peer 198.51.100.2",
	" ike-version 1",                                               /* 23 */
	" local-key k3y",
	"exit",                                                         /* 25 */
	"crypto map map-a ipsec-isakmp",
	" match address sel-a",                                         /* 27 */
	" set isakmp-profile prof-a",
	"exit",                                                         /* 29 */
};
#define BASE_LINES (sizeof base / sizeof base[0] - 1)

static struct fitelnet_config cfg;
static struct fitelnet_diags diags;
static struct fitelnet_intent intent[4];
static char text[4096];

/* The base with up to two lines replaced (NULL replacement: "!"). */
static const char *variant(unsigned l1, const char *r1, unsigned l2, const char *r2)
{
	size_t used = 0;

	for (unsigned i = 1; i <= BASE_LINES; i++) {
		const char *line = base[i];

		if (i == l1)
			line = r1 ? r1 : "!";
		else if (i == l2)
			line = r2 ? r2 : "!";
		used += (size_t)snprintf(text + used, sizeof text - used, "%s\n", line);
	}
	return text;
}

static int load(const char *t)
{
	fitelnet_diags_init(&diags);
	return fitelnet_parse("t", t, strlen(t), &cfg, &diags);
}

static const struct fitelnet_diag *first(enum fitelnet_severity sev)
{
	for (size_t i = 0; i < diags.n; i++)
		if (diags.d[i].severity == sev)
			return &diags.d[i];
	return NULL;
}

static void test_base_resolves(void)
{
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(load(variant(0, NULL, 0, NULL)), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(diags.errors, 0);
	/* The one default used: the ISAKMP lifetime, whose F220 default is unknown. */
	CU_ASSERT_EQUAL_FATAL(diags.n, 1);
	CU_ASSERT_STRING_EQUAL(diags.d[0].text, "t:26:12: warning: crypto map map-a: crypto isakmp "
	                       "policy ike-p1 has no lifetime: using 28800 s (F220 default unknown)");
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_s, 28800);
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_from, FITELNET_FROM_DEFAULT);
	/* 3DES is one proposal (no key-length inference). */
	CU_ASSERT_EQUAL_FATAL(intent[0].n_ike, 1);
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[0], "3des-sha256-modp1024");
	CU_ASSERT_EQUAL(intent[0].ike[0].key_bits, 192);
	CU_ASSERT_EQUAL_FATAL(intent[0].n_esp, 1);
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[0], "3des-sha1-modp1024");
	/* No lifetime in the policy: the global line's 900 s. */
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 900);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_from, FITELNET_FROM_GLOBAL);
	/* No self-identity: the local address is the ID. */
	CU_ASSERT_EQUAL(intent[0].self_identity, IP(192, 0, 2, 1));
	CU_ASSERT_EQUAL(intent[0].peer, IP(198, 51, 100, 2));
	CU_ASSERT_EQUAL(intent[0].dpd_interval_s, 0);
	CU_ASSERT_FALSE(intent[0].always_up);
	CU_ASSERT_EQUAL(intent[0].df_bit, -1);
	CU_ASSERT_FALSE(intent[0].fragment_post);
	CU_ASSERT_STRING_EQUAL(intent[0].ts_text, "10.1.0.0/16 === 10.2.0.0/16 10.3.0.0/16");
	CU_ASSERT_EQUAL(intent[0].n_remote_ts, 2);
	CU_ASSERT_EQUAL(intent[0].remote_ts[1].addr, IP(10, 3, 0, 0));
	fitelnet_intent_wipe(&intent[0]);
}

static void test_lifetime_defaults(void)
{
	struct fitelnet_resolve_opts o;
	size_t n = 0;

	/* Neither policy nor global lifetime: the F-series default 600 s, with a warning. */
	CU_ASSERT_EQUAL_FATAL(load(variant(1, NULL, 0, NULL)), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 600);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_from, FITELNET_FROM_DEFAULT);
	CU_ASSERT_EQUAL_FATAL(diags.n, 2);
	CU_ASSERT_STRING_EQUAL(diags.d[1].text, "t:26:12: warning: crypto map map-a: no IPsec SA "
	                       "lifetime set: using 600 s (F-series default, UNCONFIRMED for the F220)");
	/* The defaults are options. */
	fitelnet_resolve_opts_default(&o);
	o.ipsec_lifetime_default_s = 3600;
	o.ike_lifetime_default_s = 86400;
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, &o, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 3600);
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_s, 86400);
	/* The policy's own lifetime beats the global one. */
	CU_ASSERT_EQUAL_FATAL(load(variant(4, " set security-association lifetime seconds 120", 0, NULL)), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 120);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_kb, 0);
	/* Both limits: seconds from the global line, kilobytes from the policy. */
	CU_ASSERT_EQUAL_FATAL(load(variant(4, " set security-association lifetime kilobytes 4608000", 0, NULL)), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 900);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_from, FITELNET_FROM_GLOBAL);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_kb, 4608000);
	CU_ASSERT_EQUAL(intent[0].pfs_group, 0);                /* set pfs replaced: PFS off */
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[0], "3des-sha1");
	fitelnet_intent_wipe(&intent[0]);
}

static const struct {
	unsigned line;
	const char *repl;               /* NULL: the line is removed */
	const char *want;               /* the first error */
} xref[] = {
	{ 27, " match address sel-b",
	  "t:27:16: crypto map map-a refers to crypto ipsec selector 'sel-b', which is not defined "
	  "(defined: sel-a)" },
	{ 28, " set isakmp-profile prof-x",
	  "t:28:21: crypto map map-a refers to crypto isakmp profile 'prof-x', which is not defined "
	  "(defined: prof-a)" },
	{ 20, " set isakmp-policy ike-px",
	  "t:20:20: crypto isakmp profile prof-a refers to crypto isakmp policy 'ike-px', which is "
	  "not defined (defined: ike-p1)" },
	{ 21, " set ipsec-policy esp-p3",
	  "t:21:19: crypto isakmp profile prof-a refers to crypto ipsec policy 'esp-p3', which is "
	  "not defined (defined: esp-p2)" },
	{ 27, NULL, "t:26:12: crypto map map-a has no 'match address SELECTOR' (a tunnel needs it)" },
	{ 28, NULL, "t:26:12: crypto map map-a has no 'set isakmp-profile PROFILE' (a tunnel needs it)" },
	{ 20, NULL, "t:18:23: crypto isakmp profile prof-a has no 'set isakmp-policy POLICY' "
	  "(a tunnel needs it)" },
	{ 21, NULL, "t:18:23: crypto isakmp profile prof-a has no 'set ipsec-policy POLICY' "
	  "(a tunnel needs it)" },
	{ 22, NULL, "t:18:23: crypto isakmp profile prof-a has no 'set peer A.B.C.D' (a tunnel needs it)" },
	{ 24, NULL, "t:18:23: crypto isakmp profile prof-a has no 'local-key KEY' (pre-shared key "
	  "authentication needs it)" },
	{ 22, " set peer 192.0.2.1",
	  "t:22:11: crypto isakmp profile prof-a: set peer is the local-address itself" },
	{ 5, NULL, "t:3:21: crypto ipsec policy esp-p2 has no 'set security-association transform "
	  "{esp-aes|esp-3des} {esp-sha-hmac|esp-sha256-hmac}'" },
	{ 14, NULL, "t:12:22: crypto isakmp policy ike-p1 has no 'encryption {aes|3des}'" },
	{ 15, NULL, "t:12:22: crypto isakmp policy ike-p1 has no 'group N'" },
	{ 16, NULL, "t:12:22: crypto isakmp policy ike-p1 has no 'hash {sha|sha-256}'" },
	{ 8, NULL, "t:7:23: crypto ipsec selector sel-a has no 'src N ipv4 any|A.B.C.D/M'" },
	{ 26, "crypto map map-b ipsec-isakmp",      /* a second map, same pieces: fine */
	  NULL },
};

static void test_xref_errors(void)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof xref / sizeof xref[0]; i++) {
		const struct fitelnet_diag *e;
		int rc;

		/* Line 10 is a second dst: remove it too when the test removes dst 1. */
		CU_ASSERT_EQUAL_FATAL(load(variant(xref[i].line, xref[i].repl, 0, NULL)), 0);
		rc = fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags);
		e = first(FITELNET_ERROR);
		if (!xref[i].want) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NULL(e);
			continue;
		}
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_EQUAL(diags.errors, 1);
		if (!e || strcmp(e->text, xref[i].want) != 0) {
			fprintf(stderr, "\nrow %zu\n  got:  %s\n  want: %s\n", i, e ? e->text : "(none)",
			        xref[i].want);
			CU_FAIL("message differs");
		}
	}
	/* Both dst lines gone. */
	CU_ASSERT_EQUAL_FATAL(load(variant(9, NULL, 10, NULL)), 0);
	CU_ASSERT_EQUAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first(FITELNET_ERROR));
	CU_ASSERT_STRING_EQUAL(first(FITELNET_ERROR)->text,
	                       "t:7:23: crypto ipsec selector sel-a has no 'dst N ipv4 any|A.B.C.D/M'");
}

/* Missing blocks are named; blocks nobody refers to are warned about. */
static void test_missing_and_unused_blocks(void)
{
	size_t n = 0;

	/* No map: the profile and the selector are then unused as well. */
	/* Without its header line, the map's indented lines are errors in global configuration. */
	CU_ASSERT_EQUAL_FATAL(load(variant(26, NULL, 0, NULL)), -EINVAL);
	CU_ASSERT_EQUAL(diags.errors, 2);
	CU_ASSERT_EQUAL_FATAL(load("crypto ipsec policy q\n"
	                           " set security-association transform esp-aes esp-sha-hmac\n"
	                           "exit\n"), 0);
	CU_ASSERT_EQUAL(fitelnet_config_check(&cfg, &diags), -EINVAL);
	CU_ASSERT_EQUAL(diags.errors, 4);
	CU_ASSERT_EQUAL_FATAL(diags.n, 5);
	CU_ASSERT_STRING_EQUAL(diags.d[0].text, "t: missing block 'crypto map NAME ipsec-isakmp': "
	                       "it ties a selector to a profile");
	CU_ASSERT_STRING_EQUAL(diags.d[1].text, "t: missing block 'crypto isakmp profile NAME': "
	                       "it names the peer, the key and the policies");
	CU_ASSERT_STRING_EQUAL(diags.d[2].text, "t: missing block 'crypto isakmp policy NAME': "
	                       "it gives the phase-1 proposal");
	CU_ASSERT_STRING_EQUAL(diags.d[3].text, "t: missing block 'crypto ipsec selector NAME': "
	                       "it gives the traffic selectors");
	CU_ASSERT_EQUAL(diags.d[4].severity, FITELNET_WARNING);
	CU_ASSERT_STRING_EQUAL(diags.d[4].text, "t:1:21: warning: crypto ipsec policy q is not used "
	                       "by any crypto isakmp profile");

	/* An extra, unused ipsec policy: still resolves, with a warning. */
	snprintf(text + strlen(variant(0, NULL, 0, NULL)), sizeof text - strlen(text),
	         "crypto ipsec policy spare\nexit\n");
	CU_ASSERT_EQUAL_FATAL(load(text), 0);
	CU_ASSERT_EQUAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), -EINVAL);
	/* ...an error, in fact: the spare policy has no transform. A complete spare is a warning. */
	snprintf(text + strlen(variant(0, NULL, 0, NULL)), sizeof text - strlen(text),
	         "crypto ipsec policy spare\n set security-association transform esp-aes "
	         "esp-sha-hmac\nexit\n");
	CU_ASSERT_EQUAL_FATAL(load(text), 0);
	CU_ASSERT_EQUAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(diags.errors, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first(FITELNET_WARNING));
	CU_ASSERT_STRING_EQUAL(diags.d[0].text, "t:30:21: warning: crypto ipsec policy spare is not "
	                       "used by any crypto isakmp profile");

	/* Too small an output array. */
	CU_ASSERT_EQUAL(fitelnet_resolve(&cfg, NULL, intent, 0, &n, &diags), -ENOSPC);
	CU_ASSERT_EQUAL(n, 0);
}

/* Merge: a later text re-enters blocks and changes only what it writes; atomic on error. */
static void test_merge(void)
{
	static struct fitelnet_config before;
	const char *second = "crypto isakmp policy ike-p1\n lifetime 3600\nexit\n"
	                     "crypto isakmp profile prof-b\n set isakmp-policy ike-p1\n"
	                     " set ipsec-policy esp-p2\n set peer 198.51.100.3\n local-key other\n"
	                     " keepalive interval 10 always-send\nexit\n"
	                     "crypto map map-b ipsec-isakmp\n match address sel-a\n"
	                     " set isakmp-profile prof-b\nexit\n";
	const char *broken = "crypto ipsec policy esp-p2\n set pfs group16\n set pfs group17\nexit\n";
	const char *sel = "crypto ipsec selector sel-a\n dst 1 ipv4 any\n dst 3 ipv4 10.4.0.0/16\nexit\n";
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(load(variant(0, NULL, 0, NULL)), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_config_apply(&cfg, "second", second, strlen(second), &diags), 0);
	CU_ASSERT_EQUAL(cfg.n_isakmp_policy, 1);
	CU_ASSERT_EQUAL(cfg.n_profile, 2);
	CU_ASSERT_EQUAL(cfg.n_map, 2);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].lifetime_s, 3600);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].group, 2);                 /* untouched */
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].at.src, 0);                /* defined by the first */
	CU_ASSERT_EQUAL(cfg.profile[1].peer_at.src, 1);
	CU_ASSERT_EQUAL(cfg.profile[1].peer_at.line, 7);
	CU_ASSERT_STRING_EQUAL(cfg.src_name[1], "second");

	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 4, &n, &diags), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(intent[0].map, "map-a");                 /* config order */
	CU_ASSERT_STRING_EQUAL(intent[1].map, "map-b");
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_s, 3600);                /* shared policy changed */
	CU_ASSERT_EQUAL(intent[1].peer, IP(198, 51, 100, 3));
	CU_ASSERT_STRING_EQUAL(intent[1].psk, "other");
	CU_ASSERT_EQUAL(intent[1].dpd_interval_s, 10);
	CU_ASSERT_TRUE(intent[1].dpd_always_send);
	CU_ASSERT_EQUAL(intent[1].local_address, 0);                    /* none: the lab's */
	fitelnet_intent_wipe(&intent[0]);
	fitelnet_intent_wipe(&intent[1]);

	/* A text with an error changes nothing, not even its good lines nor the source list. */
	memcpy(&before, &cfg, sizeof cfg);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL(fitelnet_config_apply(&cfg, "broken", broken, strlen(broken), &diags), -EINVAL);
	CU_ASSERT_EQUAL(diags.errors, 1);
	CU_ASSERT_EQUAL(diags.d[0].line, 3);
	CU_ASSERT_EQUAL(memcmp(&before, &cfg, sizeof cfg), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].pfs_group, 2);

	/* Re-entering a selector replaces entries by number and adds new ones. */
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL(fitelnet_config_apply(&cfg, "sel", sel, strlen(sel), &diags), 0);
	CU_ASSERT_EQUAL(cfg.selector[0].nsrc, 1);
	CU_ASSERT_EQUAL(cfg.selector[0].ndst, 3);
	CU_ASSERT_TRUE(cfg.selector[0].dst[0].any);
	CU_ASSERT_EQUAL(cfg.selector[0].dst[2].addr, IP(10, 4, 0, 0));
	fitelnet_config_wipe(&cfg);
}

/* At most FITELNET_SRC_MAX texts onto one config. */
static void test_too_many_texts(void)
{
	fitelnet_config_init(&cfg);
	fitelnet_diags_init(&diags);
	for (int i = 0; i < FITELNET_SRC_MAX; i++)
		CU_ASSERT_EQUAL(fitelnet_config_apply(&cfg, "x", "!\n", 2, &diags), 0);
	CU_ASSERT_EQUAL(fitelnet_config_apply(&cfg, "x", "!\n", 2, &diags), -E2BIG);
	CU_ASSERT_EQUAL(diags.errors, 1);
	CU_ASSERT_STRING_EQUAL(diags.d[0].text, "x: too many config texts applied onto one config "
	                       "(at most 16)");
}

/* At most FITELNET_BLOCKS_MAX blocks of a kind; the 17th is an error at its name. */
static void test_too_many_blocks(void)
{
	size_t used = 0;

	for (int i = 0; i <= FITELNET_BLOCKS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "crypto ipsec policy p%d\nexit\n", i);
	CU_ASSERT_EQUAL(load(text), -EINVAL);
	CU_ASSERT_EQUAL(diags.errors, 1);
	CU_ASSERT_STRING_EQUAL(diags.d[0].text, "t:33:21: too many crypto ipsec policy blocks (at most 16)");
}

UNIT_SUITE(fitelnet_check,
           UNIT_TEST(test_base_resolves),
           UNIT_TEST(test_lifetime_defaults),
           UNIT_TEST(test_xref_errors),
           UNIT_TEST(test_missing_and_unused_blocks),
           UNIT_TEST(test_merge),
           UNIT_TEST(test_too_many_texts),
           UNIT_TEST(test_too_many_blocks))
