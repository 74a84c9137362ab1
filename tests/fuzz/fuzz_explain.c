/*
 * Fuzz target: what `vpnlab explain` does with untrusted input. The bytes are tried as an
 * SA payload body judged against every profile (profile_explain_sa: the engine's selection
 * and ike_select_why), as Sakura settings JSON (sakura_gateway_intent_parse, then
 * sakura_gateway_config for both versions), as K5 policies JSON (k5_gateway_policies_parse)
 * and as F220 CLI text (profile_fitelnet_config).
 * Seeds: main mode 1 SA payloads a vpnlab initiator sends (made on first use) and the
 * settings fixtures of tests/fixtures/profile/.
 */
#include "tests/fuzz/fuzz.h"
#include "mocks/k5_gateway.h"
#include "mocks/sakura_gateway.h"
#include "peers/ike/ike_peer.h"
#include "peers/profile/profile_explain.h"
#include "peers/profile/profile_fitelnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct isakmp_sa sa;
static struct profile_verdict verdict;
static struct gw_config cfg;
static struct fitelnet_diags diags;

static void judge_all(const uint8_t *data, size_t size)
{
	struct isakmp_err e;

	if (isakmp_sa_parse(data, size, 0, &sa, &e))
		return;
	for (size_t i = 0; i < profile_count(); i++) {
		const struct profile *p = profile_at(i);
		struct gw_conn *c;

		if (profile_config_init(p, &cfg, NULL) || !(c = profile_conn_add(p, &cfg, "f", NULL)))
			continue;
		if (!c->ike.nike) {
			char err[64];

			c->ike.nike = ike_props_parse("aes128-sha1-modp1024,3des-md5-modp768", false,
			                              c->ike.ike, IKE_MAX_PROPS, err, sizeof err);
		}
		profile_explain_sa(p, &c->ike, ISAKMP_XCHG_IDPROT, &sa, &verdict);
		profile_explain_sa(p, &c->ike, ISAKMP_XCHG_AGGR, &sa, &verdict);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sakura_intent in;
	char err[256];

	judge_all(data, size);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (int v = 1; v <= 2; v++)
		if (!sakura_gateway_intent_parse(text, v, "203.0.113.11", &in, err, sizeof err)) {
			sakura_gateway_config(&in, &cfg, NULL, err, sizeof err);
			gw_config_wipe(&cfg);
		}
	{
		struct ike_policy pol;

		memset(&pol, 0, sizeof pol);
		k5_gateway_policies_parse(text, &pol, err, sizeof err);
	}
	fitelnet_diags_init(&diags);
	if (!profile_fitelnet_config(text, "fuzz", &cfg, &diags))
		gw_config_wipe(&cfg);
	free(text);
	return 0;
}

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

/* The SA payload body of the MM1 an initiator with these proposals sends. */
static size_t mm1_sa(const char *ike, uint8_t *out, size_t cap)
{
	struct ike_policy p;
	struct ike_peer *peer;
	struct ike_packet pkt;
	struct drbg d;
	struct isakmp_hdr h;
	struct isakmp_chain c;
	struct isakmp_err e;
	const struct isakmp_pl *pl;
	char err[64];
	size_t n = 0;

	memset(&p, 0, sizeof p);
	p.local.family = p.remote.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.10", p.local.addr);
	inet_pton(AF_INET, "203.0.113.11", p.remote.addr);
	p.local.port = p.remote.port = 500;
	p.psk_len = 1;
	p.nike = ike_props_parse(ike, false, p.ike, IKE_MAX_PROPS, err, sizeof err);
	p.nesp = ike_props_parse("aes128-sha1", true, p.esp, IKE_MAX_PROPS, err, sizeof err);
	p.initiator = true;
	drbg_init(&d, 9);
	if (ike_peer_new(&peer, &p, &d) < 0)
		return 0;
	ike_peer_start(peer, 0);
	if (ike_peer_output(peer, &pkt) && !isakmp_hdr_parse(pkt.data, pkt.len, &h, &e) &&
	    !isakmp_chain_parse(h.np, pkt.data + ISAKMP_HDR_LEN, h.length - ISAKMP_HDR_LEN,
	                        ISAKMP_HDR_LEN, &c, &e) &&
	    (pl = isakmp_chain_find(&c, ISAKMP_PT_SA)) && pl->body_len <= cap) {
		memcpy(out, pl->body, pl->body_len);
		n = pl->body_len;
	}
	ike_peer_free(peer);
	return n;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static const char *const offers[] = {
		"aes256-sha1-modp1536,aes128-sha1-modp1536",
		"aes256-sha256-modp2048,aes128-sha256-modp2048",
		"3des-md5-modp768,aes192-sha512-modp4096",
	};
	static const char *const files[] = {
		"tests/fixtures/profile/sakura-v1.json",
		"tests/fixtures/profile/sakura-v2.json",
		"tests/fixtures/fitelnet/v1.conf",
		"tests/fixtures/profile/k5-policies.json",
	};
	static struct fuzz_seed seeds[8];
	static uint8_t store[3][1024];
	static size_t count;

	if (!count) {
		for (size_t i = 0; i < 3; i++) {
			seeds[count].len = mm1_sa(offers[i], store[i], sizeof store[i]);
			seeds[count].data = store[i];
			count += seeds[count].len > 0;
		}
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			size_t len = 0;
			char *t = slurp(files[i], &len);

			if (!t)
				continue;
			seeds[count].data = (const uint8_t *)t;  /* kept for the run */
			seeds[count++].len = len;
		}
	}
	*n = count;
	return seeds;
}
