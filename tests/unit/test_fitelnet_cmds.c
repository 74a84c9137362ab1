/*
 * Table tests of the F220 command grammar (PROFILES.md fitelnet-f220): each command's valid
 * forms set exactly the field they name; invalid forms give one error with the exact
 * "NAME:LINE:COL: ..." text. Columns are 1-based byte columns of the offending word (the
 * indentation space counts: " set pfs group19" has group19 at column 10).
 */
#include "tests/unit/unit.h"
#include "peers/fitelnet/fitelnet_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct fitelnet_config cfg;
static struct fitelnet_diags diags;

static int parse(const char *text)
{
	fitelnet_diags_init(&diags);
	return fitelnet_parse("t", text, strlen(text), &cfg, &diags);
}

/* ---- valid forms -------------------------------------------------------------------------- */

static void test_global_lifetime(void)
{
	static const struct { const char *text; uint32_t want; } rows[] = {
		{ "crypto ipsec security-association lifetime seconds 60\n", 60 },   /* F60 manual min */
		{ "crypto ipsec security-association lifetime seconds 1800\n", 1800 },
		{ "crypto ipsec security-association lifetime seconds 4294967295\n", 4294967295u },
		{ "crypto ipsec security-association lifetime seconds 600\n"
		  "crypto ipsec security-association lifetime seconds 900\n", 900 },  /* last wins */
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		CU_ASSERT_EQUAL(parse(rows[i].text), 0);
		CU_ASSERT_EQUAL(cfg.global_sa_lifetime_s, rows[i].want);
	}
}

static void test_ipsec_policy_forms(void)
{
	static const struct { const char *line; unsigned pfs; } pfs[] = {
		{ " set pfs group1\n", 1 }, { " set pfs group2\n", 2 }, { " set pfs group5\n", 5 },
		{ " set pfs group14\n", 14 }, { " set pfs group15\n", 15 }, { " set pfs group16\n", 16 },
	};
	static const struct { const char *line; enum fitelnet_cipher c; enum fitelnet_hash h; } xf[] = {
		{ " set security-association transform esp-aes esp-sha-hmac\n",
		  FITELNET_CIPHER_AES, FITELNET_HASH_SHA1 },
		{ " set security-association transform esp-sha256-hmac esp-aes\n",     /* v2 order */
		  FITELNET_CIPHER_AES, FITELNET_HASH_SHA256 },
		{ " set security-association transform esp-3des esp-sha256-hmac\n",
		  FITELNET_CIPHER_3DES, FITELNET_HASH_SHA256 },
		{ " set security-association transform esp-sha-hmac esp-3des\n",
		  FITELNET_CIPHER_3DES, FITELNET_HASH_SHA1 },
	};
	char text[256];

	for (size_t i = 0; i < sizeof pfs / sizeof pfs[0]; i++) {
		snprintf(text, sizeof text, "crypto ipsec policy q\n%sexit\n", pfs[i].line);
		CU_ASSERT_EQUAL(parse(text), 0);
		CU_ASSERT_EQUAL(cfg.n_ipsec_policy, 1);
		CU_ASSERT_EQUAL(cfg.ipsec_policy[0].pfs_group, pfs[i].pfs);
	}
	for (size_t i = 0; i < sizeof xf / sizeof xf[0]; i++) {
		snprintf(text, sizeof text, "crypto ipsec policy q\n%sexit\n", xf[i].line);
		CU_ASSERT_EQUAL(parse(text), 0);
		CU_ASSERT_EQUAL(cfg.ipsec_policy[0].esp_cipher, xf[i].c);
		CU_ASSERT_EQUAL(cfg.ipsec_policy[0].esp_auth, xf[i].h);
	}

	/* Nothing set: PFS off, df-bit and fragment unset, not always-up. */
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\nexit\n"), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].pfs_group, 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].df_bit, -1);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].fragment, FITELNET_FRAG_UNSET);
	CU_ASSERT_FALSE(cfg.ipsec_policy[0].always_up);
	CU_ASSERT_STRING_EQUAL(cfg.ipsec_policy[0].name, "q");
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].at.line, 1);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].at.col, 21);

	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n set ip df-bit 1\n set ip fragment pre\n"
	                      " set security-association always-up\n"
	                      " set security-association lifetime seconds 60\nexit\n"), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].df_bit, 1);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].fragment, FITELNET_FRAG_PRE);
	CU_ASSERT_TRUE(cfg.ipsec_policy[0].always_up);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].lifetime_s, 60);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].lifetime_kb, 0);
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n set security-association lifetime kilobytes 1000\n"
	                      "exit\n"), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].lifetime_kb, 1000);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].lifetime_s, 0);     /* the other limit stays unset */
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n set ip df-bit 0\n set ip fragment post\nexit\n"), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].df_bit, 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].fragment, FITELNET_FRAG_POST);
}

static void test_selector_forms(void)
{
	const struct fitelnet_selector *s;

	CU_ASSERT_EQUAL(parse("crypto ipsec selector s\n"
	                      " src 20 ipv4 192.168.1.0/24\n"
	                      " src 10 ipv4 10.0.0.0/8\n"
	                      " dst 1 ipv4 any\n"
	                      " dst 2 ipv4 198.51.100.7/32\n"
	                      " src 20 ipv4 0.0.0.0/0\n"        /* same number: replaces */
	                      "exit\n"), 0);
	s = fitelnet_config_selector(&cfg, "s");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(s->nsrc, 2);
	CU_ASSERT_EQUAL(s->src[0].seq, 10);                     /* kept in number order */
	CU_ASSERT_EQUAL(s->src[0].addr, IP(10, 0, 0, 0));
	CU_ASSERT_EQUAL(s->src[0].plen, 8);
	CU_ASSERT_EQUAL(s->src[1].seq, 20);
	CU_ASSERT_EQUAL(s->src[1].addr, 0);
	CU_ASSERT_EQUAL(s->src[1].plen, 0);
	CU_ASSERT_FALSE(s->src[1].any);
	CU_ASSERT_EQUAL_FATAL(s->ndst, 2);
	CU_ASSERT_TRUE(s->dst[0].any);
	CU_ASSERT_EQUAL(s->dst[1].addr, IP(198, 51, 100, 7));
	CU_ASSERT_EQUAL(s->dst[1].plen, 32);
	CU_ASSERT_PTR_NULL(fitelnet_config_selector(&cfg, "S"));  /* names are case-sensitive */
}

static void test_isakmp_policy_forms(void)
{
	static const struct { const char *g; unsigned want; } groups[] = {
		{ "1", 1 }, { "2", 2 }, { "5", 5 }, { "14", 14 }, { "15", 15 }, { "16", 16 },
	};
	char text[128];

	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		snprintf(text, sizeof text, "crypto isakmp policy i\n group %s\nexit\n", groups[i].g);
		CU_ASSERT_EQUAL(parse(text), 0);
		CU_ASSERT_EQUAL(cfg.isakmp_policy[0].group, groups[i].want);
	}
	CU_ASSERT_EQUAL(parse("crypto isakmp policy i\n authentication pre-share\n encryption 3des\n"
	                      " hash sha-256\n lifetime 86400\nexit\n"), 0);
	CU_ASSERT_TRUE(cfg.isakmp_policy[0].pre_share);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].cipher, FITELNET_CIPHER_3DES);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].hash, FITELNET_HASH_SHA256);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].lifetime_s, 86400);
	CU_ASSERT_EQUAL(parse("crypto isakmp policy i\n encryption aes\n hash sha\nexit\n"), 0);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].cipher, FITELNET_CIPHER_AES);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].hash, FITELNET_HASH_SHA1);
	CU_ASSERT_FALSE(cfg.isakmp_policy[0].pre_share);
}

static void test_profile_and_map_forms(void)
{
	const struct fitelnet_isakmp_profile *p;
	const struct fitelnet_map *m;

	CU_ASSERT_EQUAL(parse("crypto isakmp profile p\n"
	                      " local-address 192.0.2.1\n"
	                      " keepalive interval 30\n"
	                      " self-identity address 10.9.8.7\n"
	                      " set isakmp-policy i\n"
	                      " set ipsec-policy q\n"
	                      " set peer 203.0.113.9\n"
	                      " ike-version 1\n"
	                      " local-key a-b_c.d\n"
	                      "exit\n"
	                      "crypto map m ipsec-isakmp\n"
	                      " match address s\n"
	                      " set isakmp-profile p\n"
	                      "exit\n"), 0);
	p = fitelnet_config_profile(&cfg, "p");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->local_address, IP(192, 0, 2, 1));
	CU_ASSERT_EQUAL(p->local_address_at.line, 2);
	CU_ASSERT_EQUAL(p->local_address_at.col, 16);
	CU_ASSERT_EQUAL(p->keepalive_interval_s, 30);
	CU_ASSERT_FALSE(p->keepalive_always_send);              /* no always-send word */
	CU_ASSERT_EQUAL(p->self_identity, IP(10, 9, 8, 7));
	CU_ASSERT_STRING_EQUAL(p->isakmp_policy, "i");
	CU_ASSERT_STRING_EQUAL(p->ipsec_policy, "q");
	CU_ASSERT_EQUAL(p->peer, IP(203, 0, 113, 9));
	CU_ASSERT_EQUAL(p->peer_at.line, 7);
	CU_ASSERT_EQUAL(p->ike_version, 1);
	CU_ASSERT_STRING_EQUAL(p->local_key, "a-b_c.d");
	m = fitelnet_config_map(&cfg, "m");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->match_address, "s");
	CU_ASSERT_STRING_EQUAL(m->isakmp_profile, "p");
	CU_ASSERT_EQUAL(m->isakmp_profile_at.line, 13);
	CU_ASSERT_EQUAL(m->isakmp_profile_at.col, 21);
}

/* What surrounds commands in pasted text. */
static void test_layout(void)
{
	/* CRLF, tabs, comments, blank lines, no final newline, session commands. */
	CU_ASSERT_EQUAL(parse("! exported config\r\n"
	                      "configure terminal\r\n"
	                      "\r\n"
	                      "crypto ipsec policy q\r\n"
	                      "\tset   pfs\tgroup14\r\n"
	                      "   ! a comment inside a block\r\n"
	                      "exit\r\n"
	                      "end\n"
	                      "save\n"
	                      "save SIDE-A.cfg\n"
	                      "commit\n"
	                      "refresh\n"
	                      "crypto ipsec security-association lifetime seconds 300"), 0);
	CU_ASSERT_EQUAL(diags.n, 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].pfs_group, 14);
	CU_ASSERT_EQUAL(cfg.global_sa_lifetime_s, 300);

	/* A global command inside a block leaves the block (no exit written). */
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n set pfs group2\n"
	                      "crypto isakmp policy i\n group 5\n"
	                      "crypto ipsec security-association lifetime seconds 700\n"
	                      "exit\n"), 0);
	CU_ASSERT_EQUAL(cfg.ipsec_policy[0].pfs_group, 2);
	CU_ASSERT_EQUAL(cfg.isakmp_policy[0].group, 5);
	CU_ASSERT_EQUAL(cfg.global_sa_lifetime_s, 700);

	/* `end` inside a block leaves it too: the next indented line is a global error. */
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n end\n set pfs group2\n"), -EINVAL);
	CU_ASSERT_EQUAL(diags.errors, 1);

	/* Empty text and NULL text: nothing, no error. */
	CU_ASSERT_EQUAL(parse(""), 0);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL(fitelnet_parse("t", NULL, 5, &cfg, &diags), 0);
	CU_ASSERT_EQUAL(cfg.n_ipsec_policy, 0);
}

/* ---- invalid forms ------------------------------------------------------------------------ */

#define X10 "xxxxxxxxxx"

static const struct { const char *text; const char *want; } bad[] = {
	/* crypto ipsec policy */
	{ "crypto ipsec policy q\n set pfs group19\nexit\n",
	  "t:2:10: unknown command 'set pfs group19' in crypto ipsec policy at 'group19' "
	  "(expected: set pfs {group1|group2|group5|group14|group15|group16})" },
	{ "crypto ipsec policy q\n set pfs\nexit\n",
	  "t:2:10: incomplete command 'set pfs' in crypto ipsec policy "
	  "(expected: set pfs {group1|group2|group5|group14|group15|group16})" },
	{ "crypto ipsec policy q\n set security-association lifetime seconds 59\nexit\n",
	  "t:2:44: invalid value '59' in 'set security-association lifetime seconds 59' in crypto "
	  "ipsec policy: out of range 60..4294967295 (expected: set security-association lifetime "
	  "seconds <60-4294967295>)" },
	{ "crypto ipsec policy q\n set security-association lifetime seconds 4294967296\nexit\n",
	  "t:2:44: invalid value '4294967296' in 'set security-association lifetime seconds "
	  "4294967296' in crypto ipsec policy: out of range 60..4294967295 (expected: set "
	  "security-association lifetime seconds <60-4294967295>)" },
	{ "crypto ipsec policy q\n set security-association lifetime kilobytes 999\nexit\n",
	  "t:2:46: invalid value '999' in 'set security-association lifetime kilobytes 999' in crypto "
	  "ipsec policy: out of range 1000..4294967295 (expected: set security-association lifetime "
	  "kilobytes <1000-4294967295>)" },
	{ "crypto ipsec policy q\n set security-association lifetime minutes 5\nexit\n",
	  "t:2:36: unknown command 'set security-association lifetime minutes 5' in crypto ipsec "
	  "policy at 'minutes' (expected: set security-association lifetime seconds <60-4294967295>; "
	  "set security-association lifetime kilobytes <1000-4294967295>)" },
	{ "crypto ipsec policy q\n set security-association lifetime seconds 1e3\nexit\n",
	  "t:2:44: invalid value '1e3' in 'set security-association lifetime seconds 1e3' in crypto "
	  "ipsec policy: not a decimal number (expected: set security-association lifetime "
	  "seconds <60-4294967295>)" },
	{ "crypto ipsec policy q\n set security-association transform esp-sha-hmac esp-sha256-hmac\nexit\n",
	  "t:2:50: second hash 'esp-sha256-hmac' in 'set security-association transform esp-sha-hmac "
	  "esp-sha256-hmac': a transform is one cipher {esp-aes|esp-3des} and one hash "
	  "{esp-sha-hmac|esp-sha256-hmac}" },
	{ "crypto ipsec policy q\n set security-association transform esp-aes esp-md5-hmac\nexit\n",
	  "t:2:45: unknown command 'set security-association transform esp-aes esp-md5-hmac' in "
	  "crypto ipsec policy at 'esp-md5-hmac' (expected: set security-association transform "
	  "{esp-aes|esp-3des|esp-sha-hmac|esp-sha256-hmac} {esp-aes|esp-3des|esp-sha-hmac|esp-sha256-hmac})" },
	{ "crypto ipsec policy q\n set ip df-bit 2\nexit\n",
	  "t:2:16: unknown command 'set ip df-bit 2' in crypto ipsec policy at '2' "
	  "(expected: set ip df-bit {0|1})" },
	{ "crypto ipsec policy q\n set ip fragment later\nexit\n",
	  "t:2:18: unknown command 'set ip fragment later' in crypto ipsec policy at 'later' "
	  "(expected: set ip fragment {post|pre})" },
	{ "crypto ipsec policy q\n set ip mtu 1400\nexit\n",
	  "t:2:9: unknown command 'set ip mtu 1400' in crypto ipsec policy at 'mtu' "
	  "(expected: set ip df-bit {0|1}; set ip fragment {post|pre})" },
	{ "crypto ipsec policy q\n set security-association always-up now\nexit\n",
	  "t:2:37: unexpected 'now' at the end of 'set security-association always-up now' in crypto "
	  "ipsec policy (expected: set security-association always-up)" },
	{ "crypto ipsec policy q\n set foo\nexit\n",
	  "t:2:6: unknown command 'set foo' in crypto ipsec policy at 'foo' "
	  "(expected: pfs|security-association|ip after 'set')" },
	{ "crypto ipsec policy q\n match address s\nexit\n",
	  "t:2:2: unknown command 'match address s' in crypto ipsec policy (expected: set|exit|end)" },
	{ "crypto ipsec policy q\n exit now\n",
	  "t:2:7: unexpected 'now' after 'exit' in crypto ipsec policy (expected: exit)" },
	/* crypto ipsec selector */
	{ "crypto ipsec selector s\n src 1 ipv4 10.0.0.1/8\nexit\n",
	  "t:2:13: invalid value '10.0.0.1/8' in 'src 1 ipv4 10.0.0.1/8' in crypto ipsec selector: "
	  "host bits set beyond /8 (expected: src <1-65535> ipv4 <any|A.B.C.D/M>)" },
	{ "crypto ipsec selector s\n dst 1 ipv4 10.0.0.0/33\nexit\n",
	  "t:2:13: invalid value '10.0.0.0/33' in 'dst 1 ipv4 10.0.0.0/33' in crypto ipsec selector: "
	  "prefix length is not 0..32 (expected: dst <1-65535> ipv4 <any|A.B.C.D/M>)" },
	{ "crypto ipsec selector s\n dst 1 ipv4 10.0.0.0\nexit\n",
	  "t:2:13: invalid value '10.0.0.0' in 'dst 1 ipv4 10.0.0.0' in crypto ipsec selector: "
	  "not 'any' nor an IPv4 prefix A.B.C.D/M (expected: dst <1-65535> ipv4 <any|A.B.C.D/M>)" },
	{ "crypto ipsec selector s\n src 0 ipv4 any\nexit\n",
	  "t:2:6: invalid value '0' in 'src 0 ipv4 any' in crypto ipsec selector: out of range "
	  "1..65535 (expected: src <1-65535> ipv4 <any|A.B.C.D/M>)" },
	{ "crypto ipsec selector s\n src 1 ipv6 any\nexit\n",
	  "t:2:8: unknown command 'src 1 ipv6 any' in crypto ipsec selector at 'ipv6' "
	  "(expected: src <1-65535> ipv4 <any|A.B.C.D/M>)" },
	/* crypto isakmp policy */
	{ "crypto isakmp policy i\n encryption aes256\nexit\n",
	  "t:2:13: unknown command 'encryption aes256' in crypto isakmp policy at 'aes256' "
	  "(expected: encryption {aes|3des})" },
	{ "crypto isakmp policy i\n group 19\nexit\n",
	  "t:2:8: unknown command 'group 19' in crypto isakmp policy at '19' "
	  "(expected: group {1|2|5|14|15|16})" },
	{ "crypto isakmp policy i\n hash md5\nexit\n",
	  "t:2:7: unknown command 'hash md5' in crypto isakmp policy at 'md5' "
	  "(expected: hash {sha|sha-256})" },
	{ "crypto isakmp policy i\n lifetime 59\nexit\n",
	  "t:2:11: invalid value '59' in 'lifetime 59' in crypto isakmp policy: out of range "
	  "60..4294967295 (expected: lifetime <60-4294967295>)" },
	{ "crypto isakmp policy i\n authentication rsa-sig\nexit\n",
	  "t:2:17: unknown command 'authentication rsa-sig' in crypto isakmp policy at 'rsa-sig' "
	  "(expected: authentication {pre-share})" },
	/* crypto isakmp profile */
	{ "crypto isakmp profile p\n set peer 1.2.3.256\nexit\n",
	  "t:2:11: invalid value '1.2.3.256' in 'set peer 1.2.3.256' in crypto isakmp profile: "
	  "not an IPv4 address (expected: set peer <A.B.C.D>)" },
	{ "crypto isakmp profile p\n set peer 0.0.0.0\nexit\n",
	  "t:2:11: invalid value '0.0.0.0' in 'set peer 0.0.0.0' in crypto isakmp profile: "
	  "0.0.0.0 is not a host address (expected: set peer <A.B.C.D>)" },
	{ "crypto isakmp profile p\n local-address 127.0.0.1\nexit\n",
	  "t:2:16: invalid value '127.0.0.1' in 'local-address 127.0.0.1' in crypto isakmp profile: "
	  "a loopback address cannot be a tunnel endpoint (expected: local-address <A.B.C.D>)" },
	{ "crypto isakmp profile p\n self-identity address 224.0.0.5\nexit\n",
	  "t:2:24: invalid value '224.0.0.5' in 'self-identity address 224.0.0.5' in crypto isakmp "
	  "profile: a multicast address is not a host address (expected: self-identity address "
	  "<A.B.C.D>)" },
	{ "crypto isakmp profile p\n self-identity address 010.1.1.1\nexit\n",
	  "t:2:24: invalid value '010.1.1.1' in 'self-identity address 010.1.1.1' in crypto isakmp "
	  "profile: not an IPv4 address (expected: self-identity address <A.B.C.D>)" },
	{ "crypto isakmp profile p\n keepalive interval 0 always-send\nexit\n",
	  "t:2:21: invalid value '0' in 'keepalive interval 0 always-send' in crypto isakmp profile: "
	  "out of range 1..65535 (expected: keepalive interval <1-65535> [always-send])" },
	{ "crypto isakmp profile p\n keepalive interval 15 always\nexit\n",
	  "t:2:24: unknown command 'keepalive interval 15 always' in crypto isakmp profile at "
	  "'always' (expected: keepalive interval <1-65535> [always-send])" },
	{ "crypto isakmp profile p\n ike-version 2\nexit\n",
	  "t:2:14: ike-version 2 is not simulated: vpnlab's FITELnet peer speaks IKEv1 only "
	  "(expected: ike-version 1)" },
	{ "crypto isakmp profile p\n ike-version 3\nexit\n",
	  "t:2:14: unknown command 'ike-version 3' in crypto isakmp profile at '3' "
	  "(expected: ike-version {1|2})" },
	{ "crypto isakmp profile p\n local-key\nexit\n",
	  "t:2:12: incomplete command 'local-key' in crypto isakmp profile (expected: local-key <KEY>)" },
	{ "crypto isakmp profile p\n local-key SECRET extra\nexit\n",          /* key not echoed */
	  "t:2:19: unexpected 'extra' at the end of 'local-key *** extra' in crypto isakmp profile "
	  "(expected: local-key <KEY>)" },
	/* crypto map */
	{ "crypto map m ipsec-manual\nexit\n",
	  "t:1:14: unknown command 'crypto map m ipsec-manual' in global configuration at "
	  "'ipsec-manual' (expected: crypto map <NAME> ipsec-isakmp)" },
	{ "crypto map m ipsec-isakmp\n match addr s\nexit\n",
	  "t:2:8: unknown command 'match addr s' in crypto map at 'addr' "
	  "(expected: match address <NAME>)" },
	{ "crypto map m ipsec-isakmp\n set isakmp-profile\nexit\n",
	  "t:2:21: incomplete command 'set isakmp-profile' in crypto map "
	  "(expected: set isakmp-profile <NAME>)" },
	/* global */
	{ "interface gigaethernet 1/1\n ip address 192.0.2.1/24\nexit\n",      /* one error, not 2 */
	  "t:1:1: unknown command 'interface gigaethernet 1/1' in global configuration "
	  "(expected: crypto|exit|end|configure|save|commit|refresh)" },
	{ "crypto ipsec policy\n set pfs group5\nexit\n",                    /* block lines skipped */
	  "t:1:21: incomplete command 'crypto ipsec policy' in global configuration "
	  "(expected: crypto ipsec policy <NAME>)" },
	{ "crypto foo\n",
	  "t:1:8: unknown command 'crypto foo' in global configuration at 'foo' "
	  "(expected: ipsec|isakmp|map after 'crypto')" },
	/* 64 characters: one too many (FITELNET_NAME_MAX 64 with the NUL). */
	{ "crypto ipsec policy " X10 X10 X10 X10 X10 X10 "0123\nexit\n",
	  "t:1:21: invalid value '" X10 X10 X10 X10 X10 X10 "0123' in 'crypto ipsec policy "
	  X10 X10 X10 X10 X10 X10 "0123' in global configuration: name longer than 63 characters "
	  "(expected: crypto ipsec policy <NAME>)" },
	/* An 80-character name: the echoed command is cut at 93 characters plus "...". */
	{ "crypto ipsec policy " X10 X10 X10 X10 X10 X10 X10 X10 "\nexit\n",
	  "t:1:21: invalid value '" X10 X10 X10 X10 X10 X10 X10 X10 "' in 'crypto ipsec policy "
	  X10 X10 X10 X10 X10 X10 X10 "xxx...' in global configuration: name longer than 63 "
	  "characters (expected: crypto ipsec policy <NAME>)" },
	{ "crypto ipsec policy p\xe3\x81\x82\n set pfs group5\nexit\n",
	  "t:1:22: invalid byte 0xe3 in a command (only printable ASCII, or a comment line starting "
	  "with '!')" },
	{ "a b c d e f g h i j k l m n o p q\n",
	  "t:1:33: too many words in one command (at most 16)" },
	{ " set pfs group5\n",
	  "t:1:2: unknown command 'set pfs group5' in global configuration "
	  "(expected: crypto|exit|end|configure|save|commit|refresh)" },
};

static void test_invalid_forms(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i].text);

		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_EQUAL(diags.errors, 1);
		CU_ASSERT_EQUAL(diags.n, 1);
		if (diags.n != 1 || strcmp(diags.d[0].text, bad[i].want) != 0) {
			fprintf(stderr, "\nrow %zu: %zu diags\n  got:  %s\n  want: %s\n", i, diags.n,
			        diags.n ? diags.d[0].text : "(none)", bad[i].want);
			CU_FAIL("message differs");
		}
	}
}

/* All errors are reported, with their own lines, and parsing goes on after each. */
static void test_all_errors_reported(void)
{
	CU_ASSERT_EQUAL(parse("crypto ipsec policy q\n"          /* 1 */
	                      " set pfs group19\n"               /* 2: error */
	                      " set ip df-bit 0\n"               /* 3: fine */
	                      "exit\n"                           /* 4 */
	                      "crypto isakmp policy i\n"         /* 5 */
	                      " group 7\n"                       /* 6: error */
	                      " hash sha\n"                      /* 7: fine */
	                      " hash sha512\n"                   /* 8: error */
	                      "exit\n"                           /* 9 */
	                      "crypto map m ipsec-isakmp\n"      /* 10 */
	                      " match address\n"                 /* 11: error */
	                      "exit\n"), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(diags.n, 4);
	CU_ASSERT_EQUAL(diags.errors, 4);
	CU_ASSERT_EQUAL(diags.d[0].line, 2);
	CU_ASSERT_EQUAL(diags.d[0].col, 10);
	CU_ASSERT_EQUAL(diags.d[1].line, 6);
	CU_ASSERT_EQUAL(diags.d[1].col, 8);
	CU_ASSERT_EQUAL(diags.d[2].line, 8);
	CU_ASSERT_EQUAL(diags.d[2].col, 7);
	CU_ASSERT_EQUAL(diags.d[3].line, 11);
	CU_ASSERT_EQUAL(diags.d[3].col, 16);
	CU_ASSERT_EQUAL(diags.d[0].severity, FITELNET_ERROR);
	/* Atomic: nothing of the text was applied. */
	CU_ASSERT_EQUAL(cfg.n_ipsec_policy, 0);
	CU_ASSERT_EQUAL(cfg.n_isakmp_policy, 0);
}

/* More errors than the array holds: counted, not lost. */
static void test_diag_overflow(void)
{
	char text[FITELNET_DIAG_MAX * 8 + 64];
	size_t used = 0;

	for (int i = 0; i < FITELNET_DIAG_MAX + 10; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "bogus\n");
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	CU_ASSERT_EQUAL(diags.n, FITELNET_DIAG_MAX);
	CU_ASSERT_EQUAL(diags.dropped, 10);
	CU_ASSERT_EQUAL(diags.errors, FITELNET_DIAG_MAX + 10);
	CU_ASSERT_EQUAL(diags.d[FITELNET_DIAG_MAX - 1].line, FITELNET_DIAG_MAX);
}

UNIT_SUITE(fitelnet_cmds,
           UNIT_TEST(test_global_lifetime),
           UNIT_TEST(test_ipsec_policy_forms),
           UNIT_TEST(test_selector_forms),
           UNIT_TEST(test_isakmp_policy_forms),
           UNIT_TEST(test_profile_and_map_forms),
           UNIT_TEST(test_layout),
           UNIT_TEST(test_invalid_forms),
           UNIT_TEST(test_all_errors_reported),
           UNIT_TEST(test_diag_overflow))
