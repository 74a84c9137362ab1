/*
 * Fuzz target for the FITELnet F220 importer: parse the input as a config, apply it a second
 * time onto the result (the merge path), resolve and check, and print a `show crypto sa` of
 * what resolved. Nothing may crash, and a rejected text must leave the config unchanged.
 * Seeds: the field note's two configs (tests/fixtures/fitelnet/, read when present) and
 * broken variants embedded here.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/fitelnet/fitelnet_config.h"
#include "peers/fitelnet/fitelnet_intent.h"
#include "peers/fitelnet/fitelnet_show_sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fitelnet_config cfg, copy;
static struct fitelnet_diags diags;
static struct fitelnet_intent intent[FITELNET_BLOCKS_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t n = 0;

	fitelnet_diags_init(&diags);
	if (fitelnet_parse("fuzz", text, size, &cfg, &diags) == 0) {
		memcpy(&copy, &cfg, sizeof cfg);
		if (fitelnet_config_apply(&cfg, "again", text, size, &diags) != 0 &&
		    memcmp(&copy, &cfg, sizeof cfg) != 0)
			abort();        /* a failed apply must be atomic */
		if (fitelnet_resolve(&cfg, NULL, intent, FITELNET_BLOCKS_MAX, &n, &diags) == 0) {
			struct fitelnet_sa sa;
			struct fitelnet_sa_table t = { &sa, 1, 1 };
			char out[2048];

			for (size_t i = 0; i < n; i++) {
				memset(&sa, 0, sizeof sa);
				sa.peer_ip = intent[i].peer;
				sa.local_ip = intent[i].local_address;
				sa.pfs_group = intent[i].pfs_group;
				sa.life_total_s = intent[i].ipsec_lifetime_s;
				sa.cipher = intent[i].esp[0].cipher;
				sa.cipher_key_bits = intent[i].esp[0].key_bits;
				sa.in.cipher_key_len = sizeof sa.in.cipher_key;
				if (fitelnet_show_crypto_sa(&t, out, sizeof out) >= sizeof out)
					abort();
				if (strlen(intent[i].ts_text) >= sizeof intent[i].ts_text)
					abort();
				fitelnet_intent_wipe(&intent[i]);
			}
		}
	}
	for (size_t i = 0; i < diags.n; i++)
		if (!memchr(diags.d[i].text, '\0', sizeof diags.d[i].text))
			abort();
	fitelnet_config_wipe(&cfg);
	return 0;
}

static const char *const broken[] = {
	"crypto ipsec policy p\n set pfs group19\n set security-association transform esp-aes esp-aes\n"
	"exit\ncrypto ipsec selector s\n src 1 ipv4 10.0.0.1/8\n dst 99999 ipv4 any\nexit\n",
	"crypto isakmp profile p\n set peer 1.2.3\n local-key\n ike-version 2\n keepalive interval 0\n"
	"exit\ncrypto map m ipsec-isakmp\n match address nowhere\n set isakmp-profile nobody\nexit\n",
	"crypto map m ipsec-isakmp\r\n match address s\r\n\tset isakmp-profile p\r\nend\r\nsave SIDE-A.cfg\r\n",
	"crypto ipsec policy\n set pfs group5\nexit\ninterface tunnel 1\n ip address 1.2.3.4\nexit\n!\n",
	"crypto ipsec selector s\n src 1 ipv4 any\n src 2 ipv4 any\n src 3 ipv4 any\n src 4 ipv4 any\n"
	" src 5 ipv4 any\n src 6 ipv4 any\n src 7 ipv4 any\n src 8 ipv4 any\n src 9 ipv4 any\nexit\n",
	"crypto ipsec security-association lifetime seconds 99999999999999999999\nexit now\n"
	"crypto foo\n a b c d e f g h i j k l m n o p q r\n",
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL)
		*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[16];
	static size_t count;
	static const char *const files[] = {
		"tests/fixtures/fitelnet/v1.conf",
		"tests/fixtures/fitelnet/v2-changes.conf",
	};
	static char joined[8192];

	if (!count) {
		size_t jl = 0;

		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			size_t len = 0;
			char *t = slurp(files[i], &len);

			if (!t)
				continue;
			seeds[count].data = (const uint8_t *)t;  /* kept for the run */
			seeds[count++].len = len;
			if (jl + len < sizeof joined) {
				memcpy(joined + jl, t, len);
				jl += len;
			}
		}
		if (jl) {       /* v1 followed by the v2 changes in one text */
			seeds[count].data = (const uint8_t *)joined;
			seeds[count++].len = jl;
		}
		for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
			seeds[count].data = (const uint8_t *)broken[i];
			seeds[count++].len = strlen(broken[i]);
		}
	}
	*n = count;
	return seeds;
}
