/*
 * ike_alg.c: algorithm numbers and names (see ike_alg.h).
 */
#include "peers/ike/ike_alg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ike_encr_p1(enum ike_encr e)
{
	return e == IKE_ENCR_AES_CBC ? 7 : e == IKE_ENCR_3DES ? 5 : 0;
}

int ike_hash_p1(enum ike_hash h)
{
	static const int v[] = { 0, 1, 2, 4, 5, 6 };

	return v[h];
}

int ike_encr_esp(enum ike_encr e)
{
	return e == IKE_ENCR_AES_CBC ? 12 : e == IKE_ENCR_3DES ? 3 : 0;
}

int ike_auth_esp(enum ike_hash h)
{
	static const int v[] = { 0, 1, 2, 5, 6, 7 };

	return v[h];
}

enum ike_encr ike_encr_from_p1(uint64_t v)
{
	return v == 7 ? IKE_ENCR_AES_CBC : v == 5 ? IKE_ENCR_3DES : IKE_ENCR_NONE;
}

enum ike_hash ike_hash_from_p1(uint64_t v)
{
	switch (v) {
	case 1: return IKE_HASH_MD5;
	case 2: return IKE_HASH_SHA1;
	case 4: return IKE_HASH_SHA256;
	case 5: return IKE_HASH_SHA384;
	case 6: return IKE_HASH_SHA512;
	default: return IKE_HASH_NONE;
	}
}

enum ike_encr ike_encr_from_esp(uint64_t v)
{
	return v == 12 ? IKE_ENCR_AES_CBC : v == 3 ? IKE_ENCR_3DES : IKE_ENCR_NONE;
}

enum ike_hash ike_hash_from_esp(uint64_t v)
{
	switch (v) {
	case 1: return IKE_HASH_MD5;
	case 2: return IKE_HASH_SHA1;
	case 5: return IKE_HASH_SHA256;
	case 6: return IKE_HASH_SHA384;
	case 7: return IKE_HASH_SHA512;
	default: return IKE_HASH_NONE;
	}
}

size_t ike_hash_len(enum ike_hash h)
{
	static const size_t v[] = { 0, 16, 20, 32, 48, 64 };

	return v[h];
}

size_t ike_encr_block(enum ike_encr e)
{
	return e == IKE_ENCR_AES_CBC ? 16 : e == IKE_ENCR_3DES ? 8 : 0;
}

size_t ike_esp_icv_len(enum ike_hash h)
{
	static const size_t v[] = { 0, 12, 12, 16, 24, 32 };

	return v[h];
}

size_t ike_esp_integ_keylen(enum ike_hash h)
{
	return ike_hash_len(h);
}

size_t ike_modp_len(int group)
{
	switch (group) {
	case 1: return 96;
	case 2: return 128;
	case 5: return 192;
	case 14: return 256;
	case 15: return 384;
	case 16: return 512;
	case 17: return 768;
	case 18: return 1024;
	default: return 0;
	}
}

static const struct {
	const char *name;
	enum ike_hash h;
} hashes[] = {
	{ "md5", IKE_HASH_MD5 }, { "sha1", IKE_HASH_SHA1 }, { "sha", IKE_HASH_SHA1 },
	{ "sha256", IKE_HASH_SHA256 }, { "sha2_256", IKE_HASH_SHA256 },
	{ "sha384", IKE_HASH_SHA384 }, { "sha2_384", IKE_HASH_SHA384 },
	{ "sha512", IKE_HASH_SHA512 }, { "sha2_512", IKE_HASH_SHA512 },
};

static int one_prop(char *tok, bool esp, struct ike_prop *p, char *err, size_t errlen)
{
	char *save = NULL, *part;
	int n = 0;

	memset(p, 0, sizeof *p);
	for (part = strtok_r(tok, "-", &save); part; part = strtok_r(NULL, "-", &save), n++) {
		bool known = false;

		if (!strcmp(part, "aes128") || !strcmp(part, "aes")) {
			p->encr = IKE_ENCR_AES_CBC, p->keylen = 128, known = true;
		} else if (!strcmp(part, "aes192")) {
			p->encr = IKE_ENCR_AES_CBC, p->keylen = 192, known = true;
		} else if (!strcmp(part, "aes256")) {
			p->encr = IKE_ENCR_AES_CBC, p->keylen = 256, known = true;
		} else if (!strcmp(part, "3des")) {
			p->encr = IKE_ENCR_3DES, p->keylen = 192, known = true;
		} else if (!strncmp(part, "modp", 4)) {
			static const struct { const char *n; int g; } groups[] = {
				{ "modp768", 1 }, { "modp1024", 2 }, { "modp1536", 5 }, { "modp2048", 14 },
				{ "modp3072", 15 }, { "modp4096", 16 }, { "modp6144", 17 }, { "modp8192", 18 },
			};

			for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
				if (!strcmp(part, groups[g].n)) {
					p->group = groups[g].g;
					known = true;
				}
		} else {
			for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++)
				if (!strcmp(part, hashes[h].name)) {
					p->hash = hashes[h].h;
					known = true;
				}
		}
		if (!known) {
			snprintf(err, errlen, "unknown algorithm '%s' (known: aes128 aes192 aes256 3des, "
			         "md5 sha1 sha256 sha384 sha512, modp768..modp8192)", part);
			return -1;
		}
	}
	if (!p->encr) {
		snprintf(err, errlen, "no encryption algorithm");
		return -1;
	}
	if (!p->hash) {
		snprintf(err, errlen, "no integrity/hash algorithm");
		return -1;
	}
	if (!esp && !p->group) {
		snprintf(err, errlen, "an IKE proposal needs a DH group (e.g. modp2048)");
		return -1;
	}
	(void)n;
	return 0;
}

int ike_props_parse(const char *text, bool esp, struct ike_prop *out, int max, char *err,
                    size_t errlen)
{
	char buf[1024], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", text);
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char one[128], e2[200];

		if (n == max) {
			snprintf(err, errlen, "more than %d proposals", max);
			return -1;
		}
		snprintf(one, sizeof one, "%s", tok);
		if (one_prop(one, esp, &out[n], e2, sizeof e2) < 0) {
			snprintf(err, errlen, "proposal '%s': %s", tok, e2);
			return -1;
		}
		n++;
	}
	if (!n)
		snprintf(err, errlen, "no proposal given");
	return n ? n : -1;
}

static const char *hash_token(enum ike_hash h)
{
	static const char *const t[] = { "none", "md5", "sha1", "sha256", "sha384", "sha512" };

	return t[h];
}

void ike_prop_format(const struct ike_prop *p, char *buf, size_t len)
{
	char g[16] = "";

	if (p->group)
		snprintf(g, sizeof g, "-modp%zu", ike_modp_len(p->group) * 8);
	if (p->encr == IKE_ENCR_3DES)
		snprintf(buf, len, "3des-%s%s", hash_token(p->hash), g);
	else
		snprintf(buf, len, "aes%d-%s%s", p->keylen, hash_token(p->hash), g);
}

void ike_prop_strongswan(const struct ike_prop *p, bool esp, char *buf, size_t len)
{
	static const char *const integ[] = { "", "HMAC_MD5_96", "HMAC_SHA1_96", "HMAC_SHA2_256_128",
	                                     "HMAC_SHA2_384_192", "HMAC_SHA2_512_256" };
	static const char *const prf[] = { "", "PRF_HMAC_MD5", "PRF_HMAC_SHA1", "PRF_HMAC_SHA2_256",
	                                   "PRF_HMAC_SHA2_384", "PRF_HMAC_SHA2_512" };
	char enc[24], grp[24] = "";

	if (p->encr == IKE_ENCR_3DES)
		snprintf(enc, sizeof enc, "3DES_CBC");
	else
		snprintf(enc, sizeof enc, "AES_CBC_%d", p->keylen);
	if (p->group)
		snprintf(grp, sizeof grp, "/MODP_%zu", ike_modp_len(p->group) * 8);
	if (esp)
		snprintf(buf, len, "ESP:%s/%s%s/NO_EXT_SEQ", enc, integ[p->hash], grp);
	else
		snprintf(buf, len, "IKE:%s/%s/%s%s", enc, integ[p->hash], prf[p->hash], grp);
}

bool ike_prop_equal(const struct ike_prop *a, const struct ike_prop *b)
{
	return a->encr == b->encr && a->keylen == b->keylen && a->hash == b->hash &&
	       a->group == b->group;
}
