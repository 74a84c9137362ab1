/*
 * The field note shared/seeds/002_d4e03d8998f8cc8a.txt, end to end: its two F220 configs
 * (tests/fixtures/fitelnet/v1.conf, copied verbatim from the note's first config, and
 * v2-changes.conf, the "変更箇所" block applied later) resolve to the peer the note describes,
 * and its `#show crypto sa` output is reproduced byte for byte (show-crypto-sa.txt: the lines
 * after the prompt, from the blank line to "Total number of IPSEC SA 1").
 */
#include "tests/unit/unit.h"
#include "peers/fitelnet/fitelnet_config.h"
#include "peers/fitelnet/fitelnet_intent.h"
#include "peers/fitelnet/fitelnet_show_sa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Whole fixture file (caller frees); NULL when unreadable. */
static char *fixture(const char *rel, size_t *len)
{
	FILE *f = fopen(unit_fixture(rel), "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static int apply_fixture(struct fitelnet_config *c, const char *rel, struct fitelnet_diags *d)
{
	size_t len = 0;
	char *t = fixture(rel, &len);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rc = fitelnet_config_apply(c, rel, t, len, d);
	free(t);
	return rc;
}

static struct fitelnet_config cfg;
static struct fitelnet_diags diags;
static struct fitelnet_intent intent[2];

static void test_v1_intent(void)
{
	size_t n = 0;

	fitelnet_config_init(&cfg);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL_FATAL(apply_fixture(&cfg, "fixtures/fitelnet/v1.conf", &diags), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 2, &n, &diags), 0);
	CU_ASSERT_EQUAL(diags.errors, 0);
	CU_ASSERT_EQUAL(diags.n, 0);            /* nothing defaulted, nothing unused */
	CU_ASSERT_EQUAL_FATAL(n, 1);

	/* crypto map sakuratokyo ipsec-isakmp -> profile, selector, both policies "sakuratokyo" */
	CU_ASSERT_STRING_EQUAL(intent[0].map, "sakuratokyo");
	CU_ASSERT_STRING_EQUAL(intent[0].profile, "sakuratokyo");
	CU_ASSERT_STRING_EQUAL(intent[0].selector, "sakuratokyo");
	CU_ASSERT_EQUAL(intent[0].ike_version, 1);                       /* ike-version 1 */
	CU_ASSERT_EQUAL(intent[0].peer, IP(27, 133, 132, 134));          /* set peer */
	CU_ASSERT_EQUAL(intent[0].local_address, IP(172, 30, 128, 254)); /* local-address */
	CU_ASSERT_EQUAL(intent[0].self_identity, IP(172, 30, 128, 254)); /* self-identity address */
	/* charon: "...126.169.118.242[172.30.128.254]": the F220 behind NAT sends its private IP */
	CU_ASSERT_EQUAL(intent[0].self_identity_type, FITELNET_ID_IPV4_ADDR);
	CU_ASSERT_STRING_EQUAL(intent[0].psk, "THIS-IS-SECRET-KEY");     /* local-key */
	CU_ASSERT_EQUAL(intent[0].psk_len, 18);

	/* encryption aes / hash sha / group 5: AES-256 then AES-128 (PROFILES.md inference) */
	CU_ASSERT_EQUAL_FATAL(intent[0].n_ike, 2);
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[0], "aes256-sha1-modp1536");
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[1], "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(intent[0].ike[1].cipher, FITELNET_CIPHER_AES);
	CU_ASSERT_EQUAL(intent[0].ike[1].key_bits, 128);
	CU_ASSERT_EQUAL(intent[0].ike[1].hash, FITELNET_HASH_SHA1);
	CU_ASSERT_EQUAL(intent[0].ike[1].dh_group, 5);
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_s, 28800);               /* lifetime 28800 */
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_from, FITELNET_FROM_POLICY);

	/* transform esp-aes esp-sha-hmac, set pfs group5 */
	CU_ASSERT_EQUAL_FATAL(intent[0].n_esp, 2);
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[0], "aes256-sha1-modp1536");
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[1], "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(intent[0].esp[0].integ, FITELNET_INTEG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(intent[0].esp[0].key_bits, 256);
	CU_ASSERT_EQUAL(intent[0].pfs_group, 5);
	/* set security-association lifetime seconds 1800 (the global line says 1800 too) */
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 1800);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_from, FITELNET_FROM_POLICY);

	CU_ASSERT_EQUAL(intent[0].dpd_interval_s, 15);                   /* keepalive interval 15 */
	CU_ASSERT_TRUE(intent[0].dpd_always_send);                       /* always-send */
	CU_ASSERT_TRUE(intent[0].always_up);                             /* always-up */
	CU_ASSERT_EQUAL(intent[0].df_bit, 0);                            /* set ip df-bit 0 */
	CU_ASSERT_TRUE(intent[0].fragment_post);                         /* set ip fragment post */
	/* src 1 ipv4 any / dst 1 ipv4 any; charon logged "TS 0.0.0.0/0 === 0.0.0.0/0" */
	CU_ASSERT_STRING_EQUAL(intent[0].ts_text, "0.0.0.0/0 === 0.0.0.0/0");
	CU_ASSERT_EQUAL(intent[0].n_local_ts, 1);
	CU_ASSERT_EQUAL(intent[0].n_remote_ts, 1);
	CU_ASSERT_EQUAL(intent[0].remote_ts[0].plen, 0);
	fitelnet_intent_wipe(&intent[0]);
	CU_ASSERT_EQUAL(intent[0].psk[0], 0);
	fitelnet_config_wipe(&cfg);
	CU_ASSERT_EQUAL(cfg.n_map, 0);
}

static void test_v1_then_v2_changes(void)
{
	size_t n = 0;

	fitelnet_config_init(&cfg);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL_FATAL(apply_fixture(&cfg, "fixtures/fitelnet/v1.conf", &diags), 0);
	CU_ASSERT_EQUAL_FATAL(apply_fixture(&cfg, "fixtures/fitelnet/v2-changes.conf", &diags), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, NULL, intent, 2, &n, &diags), 0);
	CU_ASSERT_EQUAL(diags.n, 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	/* Re-entering the blocks modified them; nothing was added. */
	CU_ASSERT_EQUAL(cfg.n_ipsec_policy, 1);
	CU_ASSERT_EQUAL(cfg.n_isakmp_policy, 1);

	/* group 14 / hash sha-256; encryption aes and lifetime 28800 kept from v1. The note's
	 * charon log: "selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/
	 * MODP_2048", our first offer. */
	CU_ASSERT_EQUAL_FATAL(intent[0].n_ike, 2);
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[0], "aes256-sha256-modp2048");
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[1], "aes128-sha256-modp2048");
	CU_ASSERT_EQUAL(intent[0].ike_lifetime_s, 28800);

	/* set pfs group14, transform esp-sha256-hmac esp-aes (hash first), lifetime 180. Charon:
	 * "selected proposal: ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ". */
	CU_ASSERT_EQUAL_FATAL(intent[0].n_esp, 2);
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[0], "aes256-sha256-modp2048");
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[1], "aes128-sha256-modp2048");
	CU_ASSERT_EQUAL(intent[0].esp[0].integ, FITELNET_INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(intent[0].pfs_group, 14);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_s, 180);
	CU_ASSERT_EQUAL(intent[0].ipsec_lifetime_from, FITELNET_FROM_POLICY);

	/* Lines v2 does not repeat stay as v1 set them. */
	CU_ASSERT_TRUE(intent[0].always_up);
	CU_ASSERT_EQUAL(intent[0].df_bit, 0);
	CU_ASSERT_TRUE(intent[0].fragment_post);
	CU_ASSERT_EQUAL(intent[0].dpd_interval_s, 15);
	CU_ASSERT_EQUAL(intent[0].peer, IP(27, 133, 132, 134));
	CU_ASSERT_STRING_EQUAL(intent[0].psk, "THIS-IS-SECRET-KEY");

	/* Where each value came from: the lifetime from v2's line 6, the key from v1's line 33. */
	CU_ASSERT_EQUAL(cfg.n_src, 2);
	CU_ASSERT_STRING_EQUAL(cfg.src_name[1], "fixtures/fitelnet/v2-changes.conf");
	CU_ASSERT_EQUAL(cfg.profile[0].local_key_at.src, 0);
	CU_ASSERT_EQUAL(cfg.profile[0].local_key_at.line, 33);
	CU_ASSERT_EQUAL(cfg.profile[0].local_key_at.col, 12);
	fitelnet_intent_wipe(&intent[0]);
	fitelnet_config_wipe(&cfg);
}

/* The v1 VPC router linked up with AES-128 only (show crypto sa: AES-CBC/128): the option. */
static void test_aes128_only_option(void)
{
	struct fitelnet_resolve_opts o;
	size_t n = 0;

	fitelnet_resolve_opts_default(&o);
	CU_ASSERT_TRUE(o.aes_offers_256_and_128);
	CU_ASSERT_EQUAL(o.ipsec_lifetime_default_s, 600);
	o.aes_offers_256_and_128 = false;
	fitelnet_config_init(&cfg);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL_FATAL(apply_fixture(&cfg, "fixtures/fitelnet/v1.conf", &diags), 0);
	CU_ASSERT_EQUAL_FATAL(fitelnet_resolve(&cfg, &o, intent, 2, &n, &diags), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(intent[0].n_ike, 1);
	CU_ASSERT_STRING_EQUAL(intent[0].ike_proposal[0], "aes128-sha1-modp1536");
	CU_ASSERT_EQUAL(intent[0].n_esp, 1);
	CU_ASSERT_STRING_EQUAL(intent[0].esp_proposal[0], "aes128-sha1-modp1536");
	fitelnet_intent_wipe(&intent[0]);
	fitelnet_config_wipe(&cfg);
}

/* The changes alone parse, but are not a tunnel: the check names every missing piece. */
static void test_v2_changes_alone(void)
{
	static const char *const want[] = {
		"fixtures/fitelnet/v2-changes.conf: missing block 'crypto map NAME ipsec-isakmp': "
		"it ties a selector to a profile",
		"fixtures/fitelnet/v2-changes.conf: missing block 'crypto isakmp profile NAME': "
		"it names the peer, the key and the policies",
		"fixtures/fitelnet/v2-changes.conf: missing block 'crypto ipsec selector NAME': "
		"it gives the traffic selectors",
		/* line 10 "crypto isakmp policy sakuratokyo": the name starts at column 22 */
		"fixtures/fitelnet/v2-changes.conf:10:22: crypto isakmp policy sakuratokyo has no "
		"'encryption {aes|3des}'",
	};
	size_t n = 0;

	fitelnet_config_init(&cfg);
	fitelnet_diags_init(&diags);
	CU_ASSERT_EQUAL_FATAL(apply_fixture(&cfg, "fixtures/fitelnet/v2-changes.conf", &diags), 0);
	CU_ASSERT_EQUAL(cfg.global_sa_lifetime_s, 1800);
	CU_ASSERT_EQUAL(fitelnet_resolve(&cfg, NULL, intent, 2, &n, &diags), -EINVAL);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(diags.errors, 4);
	for (size_t i = 0; i < 4 && i < diags.n; i++)
		CU_ASSERT_STRING_EQUAL(diags.d[i].text, want[i]);
	fitelnet_config_wipe(&cfg);
}

static void hex(uint8_t *out, size_t *len, const char *h)
{
	*len = 0;
	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[(*len)++] = (uint8_t)v;
	}
}

/* The SA of the note's `#show crypto sa`, value by value. */
static void note_sa(struct fitelnet_sa *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->initiator = true;                                   /* IPSEC SA <I> */
	snprintf(sa->interface, sizeof sa->interface, "tunnel 1");
	sa->peer_ip = IP(27, 133, 132, 134);
	sa->peer_port = 500;
	sa->local_ip = IP(172, 30, 128, 254);
	sa->local_port = 500;
	sa->cipher = FITELNET_CIPHER_AES;
	sa->cipher_key_bits = 128;                              /* AES-CBC/128 */
	sa->integ = FITELNET_INTEG_HMAC_SHA1_96;                /* HMAC-SHA1-96/160 */
	sa->life_remaining_s = 568;
	sa->life_total_s = 1800;
	sa->pfs_group = 5;
	sa->in.spi = 0x93c1ab67;
	sa->in.packets = 6;
	sa->in.octets = 296;
	hex(sa->in.cipher_key, &sa->in.cipher_key_len, "5cfc51fc465b4743718389b0d401d39c");
	hex(sa->in.auth_key, &sa->in.auth_key_len, "0863fb7d9f439b5f7842bc7b1588e165bc736ac0");
	sa->out.spi = 0xcb5be797;
	sa->out.packets = 821;
	sa->out.octets = 482024;
	hex(sa->out.cipher_key, &sa->out.cipher_key_len, "d0470f34d9baba9f369cd5ba0b877f11");
	hex(sa->out.auth_key, &sa->out.auth_key_len, "e0dd472e17d86b4ad21c82841734d16b1cd21195");
}

static void test_show_crypto_sa_golden(void)
{
	struct fitelnet_sa sa;
	struct fitelnet_sa_table t = { &sa, 1, 0 };     /* ISAKMP SA 0, IPSEC SA 1 */
	char buf[2048];
	size_t want_len = 0, got;
	char *want = fixture("fixtures/fitelnet/show-crypto-sa.txt", &want_len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	note_sa(&sa);
	got = fitelnet_show_crypto_sa(&t, buf, sizeof buf);
	CU_ASSERT_EQUAL(got, want_len);
	CU_ASSERT_EQUAL(strlen(buf), got);
	CU_ASSERT_STRING_EQUAL(buf, want);
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "\n--- got ---\n%s--- want ---\n%s", buf, want);

	/* snprintf semantics: a short buffer gets a NUL-terminated prefix, the full length back. */
	CU_ASSERT_EQUAL(fitelnet_show_crypto_sa(&t, buf, 40), want_len);
	CU_ASSERT_EQUAL(strlen(buf), 39);
	CU_ASSERT_EQUAL(memcmp(buf, want, 39), 0);
	CU_ASSERT_EQUAL(fitelnet_show_crypto_sa(&t, NULL, 0), want_len);
	free(want);
}

/* States the note does not show: the documented guesses, and the counters at full width. */
static void test_show_crypto_sa_variants(void)
{
	struct fitelnet_sa sa[2];
	struct fitelnet_sa_table t = { sa, 2, 1 };
	char buf[4096];

	note_sa(&sa[0]);
	note_sa(&sa[1]);
	sa[1].initiator = false;
	sa[1].pfs_group = 0;
	sa[1].esn = true;
	sa[1].integ = FITELNET_INTEG_HMAC_SHA2_256_128;
	sa[1].cipher_key_bits = 256;
	sa[1].in.spi = 0x1;
	sa[1].out.octets = UINT64_MAX;
	sa[1].local.addr = IP(10, 1, 0, 0);
	sa[1].local.plen = 16;
	sa[1].local.proto = 17;
	sa[1].local.port = 4500;
	fitelnet_show_crypto_sa(&t, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\n  IPSEC SA <R>\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "      10.1.0.0/16 17 4500 <---> 0.0.0.0/0 ALL ALL\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "    PFS : off ESN : on\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "    Encryption algorithm : AES-CBC/256\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "    Authentication algorithm : HMAC-SHA256-128/256\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "      SPI : 00000001\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "      Octets        : 18446744073709551615\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\n  Total number of ISAKMP SA 1\n  Total number of IPSEC SA 2\n"));
}

UNIT_SUITE(fitelnet_field,
           UNIT_TEST(test_v1_intent),
           UNIT_TEST(test_v1_then_v2_changes),
           UNIT_TEST(test_aes128_only_option),
           UNIT_TEST(test_v2_changes_alone),
           UNIT_TEST(test_show_crypto_sa_golden),
           UNIT_TEST(test_show_crypto_sa_variants))
