/*
 * ike_crypto.c: OpenSSL EVP, HMAC and BN underneath the IKEv1 derivations (see ike_crypto.h).
 */
#include "peers/ike/ike_crypto.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

static const EVP_MD *md_of(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_MD5: return EVP_md5();
	case IKE_HASH_SHA1: return EVP_sha1();
	case IKE_HASH_SHA256: return EVP_sha256();
	case IKE_HASH_SHA384: return EVP_sha384();
	case IKE_HASH_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

static const char *md_name(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_MD5: return "MD5";
	case IKE_HASH_SHA1: return "SHA1";
	case IKE_HASH_SHA256: return "SHA2-256";
	case IKE_HASH_SHA384: return "SHA2-384";
	case IKE_HASH_SHA512: return "SHA2-512";
	default: return NULL;
	}
}

int ike_prf(enum ike_hash h, const void *key, size_t klen, const struct ike_iov *parts,
            size_t nparts, uint8_t *out)
{
	const char *name = md_name(h);
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t olen = 0;
	int ok = 0;

	if (!name)
		return -EINVAL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac)
		ctx = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* HMAC takes an empty key, but EVP_MAC_init wants a non-NULL pointer for it */
	if (ctx)
		ok = EVP_MAC_init(ctx, klen ? key : (const void *)"", klen, params);
	for (size_t i = 0; ok && i < nparts; i++)
		if (parts[i].len)
			ok = EVP_MAC_update(ctx, parts[i].p, parts[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &olen, IKE_HASH_MAX);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok && olen == ike_hash_len(h) ? 0 : -EIO;
}

int ike_hash(enum ike_hash h, const struct ike_iov *parts, size_t nparts, uint8_t *out)
{
	const EVP_MD *md = md_of(h);
	EVP_MD_CTX *ctx;
	unsigned int olen = 0;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -EIO;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; ok && i < nparts; i++)
		if (parts[i].len)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &olen);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* The group's prime (RFC 2409 6.1/6.2, RFC 3526), a new BIGNUM. */
static BIGNUM *modp_prime(int group)
{
	switch (group) {
	case 1: return BN_get_rfc2409_prime_768(NULL);
	case 2: return BN_get_rfc2409_prime_1024(NULL);
	case 5: return BN_get_rfc3526_prime_1536(NULL);
	case 14: return BN_get_rfc3526_prime_2048(NULL);
	case 15: return BN_get_rfc3526_prime_3072(NULL);
	case 16: return BN_get_rfc3526_prime_4096(NULL);
	case 17: return BN_get_rfc3526_prime_6144(NULL);
	case 18: return BN_get_rfc3526_prime_8192(NULL);
	default: return NULL;
	}
}

static int dh_public(struct ike_dh *dh)
{
	BIGNUM *p = modp_prime(dh->group), *g = BN_new(), *y = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int err = -EIO;

	if (p && g && y && ctx && BN_set_word(g, 2) &&
	    BN_mod_exp(y, g, dh->priv, p, ctx) &&
	    BN_bn2binpad(y, dh->pub, (int)dh->len) == (int)dh->len)
		err = 0;
	BN_free(p);
	BN_free(g);
	BN_free(y);
	BN_CTX_free(ctx);
	return err;
}

int ike_dh_init_priv(struct ike_dh *dh, int group, const uint8_t *priv, size_t plen)
{
	memset(dh, 0, sizeof *dh);
	dh->group = group;
	dh->len = ike_modp_len(group);
	if (!dh->len)
		return -EINVAL;
	dh->priv = BN_bin2bn(priv, (int)plen, NULL);
	if (!dh->priv)
		return -EIO;
	BN_set_flags(dh->priv, BN_FLG_CONSTTIME);
	return dh_public(dh);
}

int ike_dh_init(struct ike_dh *dh, int group, struct drbg *d)
{
	/* Private exponents of twice the group's symmetric strength, at least 256 bits (as
	 * RFC 3526 2 suggests), drawn from the run's DRBG. */
	uint8_t x[64];
	size_t n = ike_modp_len(group) >= 512 ? 48 : 32;
	int err;

	if (!ike_modp_len(group))
		return -EINVAL;
	if (ike_modp_len(group) >= 768)
		n = 64;
	drbg_bytes(d, x, n);
	x[0] |= 0x80;                   /* full length */
	err = ike_dh_init_priv(dh, group, x, n);
	OPENSSL_cleanse(x, sizeof x);
	return err;
}

int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	BIGNUM *p, *y, *z, *pm1;
	BN_CTX *ctx;
	int err = -EIO;

	if (len != dh->len)
		return -EINVAL;
	p = modp_prime(dh->group);
	y = BN_bin2bn(peer, (int)len, NULL);
	z = BN_new();
	pm1 = BN_new();
	ctx = BN_CTX_new();
	if (!p || !y || !z || !pm1 || !ctx)
		goto out;
	/* 1 < y < p - 1 (RFC 2631 2.1.5 style check, as strongSwan's openssl plugin) */
	if (!BN_copy(pm1, p) || !BN_sub_word(pm1, 1))
		goto out;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
		err = -EINVAL;
		goto out;
	}
	if (BN_mod_exp(z, y, dh->priv, p, ctx) && BN_bn2binpad(z, out, (int)dh->len) == (int)dh->len)
		err = 0;
out:
	BN_free(p);
	BN_free(y);
	BN_clear_free(z);
	BN_free(pm1);
	BN_CTX_free(ctx);
	return err;
}

void ike_dh_free(struct ike_dh *dh)
{
	BN_clear_free(dh->priv);
	OPENSSL_cleanse(dh, sizeof *dh);
}

int ike_cbc(enum ike_encr e, const uint8_t *key, size_t keylen, const uint8_t *iv,
            const uint8_t *in, size_t len, uint8_t *out, bool encrypt)
{
	const EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx;
	int n1 = 0, n2 = 0, ok;

	if (e == IKE_ENCR_AES_CBC)
		c = keylen == 16 ? EVP_aes_128_cbc() : keylen == 24 ? EVP_aes_192_cbc() :
		    keylen == 32 ? EVP_aes_256_cbc() : NULL;
	else if (e == IKE_ENCR_3DES && keylen == 24)
		c = EVP_des_ede3_cbc();
	if (!c || len % ike_encr_block(e))
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -EIO;
	ok = EVP_CipherInit_ex(ctx, c, NULL, key, iv, encrypt ? 1 : 0) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, out, &n1, in, (int)len) &&
	     EVP_CipherFinal_ex(ctx, out + n1, &n2);
	EVP_CIPHER_CTX_free(ctx);
	return ok && (size_t)(n1 + n2) == len ? 0 : -EIO;
}

int ike_skeyid_psk(enum ike_hash h, const uint8_t *psk, size_t psklen, const uint8_t *ni,
                   size_t nilen, const uint8_t *nr, size_t nrlen, uint8_t *skeyid)
{
	struct ike_iov v[] = { { ni, nilen }, { nr, nrlen } };

	return ike_prf(h, psk, psklen, v, 2, skeyid);
}

int ike_skeyid_dae(enum ike_hash h, const uint8_t *skeyid, const uint8_t *gxy, size_t gxylen,
                   const uint8_t cky_i[8], const uint8_t cky_r[8], uint8_t *d, uint8_t *a,
                   uint8_t *e)
{
	size_t hl = ike_hash_len(h);
	uint8_t c0 = 0, c1 = 1, c2 = 2;
	struct ike_iov vd[] = { { gxy, gxylen }, { cky_i, 8 }, { cky_r, 8 }, { &c0, 1 } };
	struct ike_iov va[] = { { d, hl }, { gxy, gxylen }, { cky_i, 8 }, { cky_r, 8 }, { &c1, 1 } };
	struct ike_iov ve[] = { { a, hl }, { gxy, gxylen }, { cky_i, 8 }, { cky_r, 8 }, { &c2, 1 } };
	int err;

	if ((err = ike_prf(h, skeyid, hl, vd, 4, d)))
		return err;
	if ((err = ike_prf(h, skeyid, hl, va, 5, a)))
		return err;
	return ike_prf(h, skeyid, hl, ve, 5, e);
}

int ike_ka(enum ike_hash h, const uint8_t *skeyid_e, size_t keylen, uint8_t *ka)
{
	size_t hl = ike_hash_len(h), have = 0;
	uint8_t k[IKE_HASH_MAX], zero = 0;
	int err = 0;

	if (hl >= keylen) {
		memcpy(ka, skeyid_e, keylen);
		return 0;
	}
	/* RFC 2409 App. B: K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, K(n-1)) */
	{
		struct ike_iov v = { &zero, 1 };

		err = ike_prf(h, skeyid_e, hl, &v, 1, k);
	}
	while (!err) {
		size_t take = keylen - have < hl ? keylen - have : hl;
		struct ike_iov v = { k, hl };

		memcpy(ka + have, k, take);
		have += take;
		if (have == keylen)
			break;
		err = ike_prf(h, skeyid_e, hl, &v, 1, k);
	}
	OPENSSL_cleanse(k, sizeof k);
	return err;
}

int ike_iv0(enum ike_hash h, const uint8_t *gxi, const uint8_t *gxr, size_t len, size_t block,
            uint8_t *iv)
{
	uint8_t out[IKE_HASH_MAX];
	struct ike_iov v[] = { { gxi, len }, { gxr, len } };
	int err = ike_hash(h, v, 2, out);

	if (!err)
		memcpy(iv, out, block);
	return err;
}

int ike_iv_exchange(enum ike_hash h, const uint8_t *last, size_t block, uint32_t mid,
                    uint8_t *iv)
{
	uint8_t out[IKE_HASH_MAX], m[4] = { (uint8_t)(mid >> 24), (uint8_t)(mid >> 16),
	                                   (uint8_t)(mid >> 8), (uint8_t)mid };
	struct ike_iov v[] = { { last, block }, { m, 4 } };
	int err = ike_hash(h, v, 2, out);

	if (!err)
		memcpy(iv, out, block);
	return err;
}

int ike_keymat(enum ike_hash h, const uint8_t *skeyid_d, const uint8_t *gxy, size_t gxylen,
               uint8_t proto, uint32_t spi, const uint8_t *ni, size_t nilen, const uint8_t *nr,
               size_t nrlen, uint8_t *out, size_t need)
{
	size_t hl = ike_hash_len(h), have = 0;
	uint8_t k[IKE_HASH_MAX], s[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16),
	                                 (uint8_t)(spi >> 8), (uint8_t)spi };
	int err = 0;
	bool first = true;

	/* K1 = prf(SKEYID_d, seed), Kn = prf(SKEYID_d, K(n-1) | seed), RFC 2409 5.5 */
	while (have < need && !err) {
		struct ike_iov v[] = { { k, first ? 0 : hl }, { gxy, gxy ? gxylen : 0 }, { &proto, 1 },
		                       { s, 4 }, { ni, nilen }, { nr, nrlen } };
		size_t take;

		err = ike_prf(h, skeyid_d, hl, v, 6, k);
		first = false;
		take = need - have < hl ? need - have : hl;
		if (!err)
			memcpy(out + have, k, take);
		have += take;
	}
	OPENSSL_cleanse(k, sizeof k);
	return err;
}
