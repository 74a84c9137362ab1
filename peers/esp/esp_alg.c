/* esp_alg.c: transform tables and one-shot primitives over OpenSSL EVP. */
#include "peers/esp/esp_alg.h"
#include "peers/esp/esp_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Names: strongSwan's proposal log notation; Wireshark's from research notes section 7. */
static const struct esp_encr_info encr_tab[ESP_ENCR_COUNT] = {
	[ESP_ENCR_AES128_CBC] = { "AES_CBC_128", "AES-CBC [RFC3602]", 16, 16 },
	[ESP_ENCR_AES192_CBC] = { "AES_CBC_192", "AES-CBC [RFC3602]", 24, 16 },
	[ESP_ENCR_AES256_CBC] = { "AES_CBC_256", "AES-CBC [RFC3602]", 32, 16 },
	[ESP_ENCR_3DES_CBC]   = { "3DES_CBC", "TripleDES-CBC [RFC2451]", 24, 8 },
};

static const struct esp_integ_info integ_tab[ESP_INTEG_COUNT] = {
	[ESP_INTEG_NONE]              = { "NONE", "NULL", NULL, 0, 0 },
	[ESP_INTEG_HMAC_SHA1_96]      = { "HMAC_SHA1_96", "HMAC-SHA-1-96 [RFC2404]", "SHA1", 20, 12 },
	[ESP_INTEG_HMAC_SHA2_256_128] = { "HMAC_SHA2_256_128", "HMAC-SHA-256-128 [RFC4868]", "SHA256", 32, 16 },
	[ESP_INTEG_HMAC_SHA2_384_192] = { "HMAC_SHA2_384_192", "HMAC-SHA-384-192 [RFC4868]", "SHA384", 48, 24 },
	[ESP_INTEG_HMAC_SHA2_512_256] = { "HMAC_SHA2_512_256", "HMAC-SHA-512-256 [RFC4868]", "SHA512", 64, 32 },
};

const struct esp_encr_info *esp_encr_info(enum esp_encr e)
{
	if ((unsigned)e >= ESP_ENCR_COUNT)
		return NULL;
	return &encr_tab[e];
}

const struct esp_integ_info *esp_integ_info(enum esp_integ i)
{
	if ((unsigned)i >= ESP_INTEG_COUNT)
		return NULL;
	return &integ_tab[i];
}

const EVP_CIPHER *esp_encr_evp(enum esp_encr e)
{
	switch (e) {
	case ESP_ENCR_AES128_CBC: return EVP_aes_128_cbc();
	case ESP_ENCR_AES192_CBC: return EVP_aes_192_cbc();
	case ESP_ENCR_AES256_CBC: return EVP_aes_256_cbc();
	case ESP_ENCR_3DES_CBC:   return EVP_des_ede3_cbc();
	default:                  return NULL;
	}
}

int esp_hmac_init(struct esp_hmac *h, enum esp_integ i, const uint8_t *key, size_t key_len)
{
	const struct esp_integ_info *ii = esp_integ_info(i);
	uint8_t k[ESP_HMAC_BLOCK_MAX] = { 0 };
	unsigned int klen = 0;
	int bl, ml;

	memset(h, 0, sizeof *h);
	if (!ii || !ii->digest)
		return -EINVAL;
	h->md = EVP_MD_fetch(NULL, ii->digest, NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx)
		goto fail;
	bl = EVP_MD_get_block_size(h->md);
	ml = EVP_MD_get_size(h->md);
	if (bl <= 0 || bl > ESP_HMAC_BLOCK_MAX || ml <= 0 || (size_t)ml < ii->icv_len)
		goto fail;
	h->block_len = (size_t)bl;
	h->md_len = (size_t)ml;
	/* RFC 2104 2: a key longer than the block is replaced by its hash, a shorter one padded
	 * with zeros to the block. */
	if (key_len > h->block_len) {
		if (!EVP_Digest(key, key_len, k, &klen, h->md, NULL))
			goto fail;
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	for (size_t j = 0; j < h->block_len; j++) {
		h->ipad[j] = k[j] ^ 0x36;
		h->opad[j] = k[j] ^ 0x5c;
	}
	OPENSSL_cleanse(k, sizeof k);
	return 0;
fail:
	OPENSSL_cleanse(k, sizeof k);
	esp_hmac_wipe(h);
	return -EIO;
}

int esp_hmac_run(struct esp_hmac *h, size_t icv_len, const uint8_t *data, size_t len,
                 uint8_t *icv)
{
	uint8_t inner[EVP_MAX_MD_SIZE], full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int rc = -EIO;

	if (icv_len > h->md_len)
		return -EIO;
	/* The digest is passed again (not NULL) so a reset context is set up the same way; the
	 * provider context itself is kept, nothing is allocated. */
	if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL) ||
	    !EVP_DigestUpdate(h->ctx, h->ipad, h->block_len) ||
	    !EVP_DigestUpdate(h->ctx, data, len) ||
	    !EVP_DigestFinal_ex(h->ctx, inner, &n) || n != h->md_len)
		goto out;
	if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL) ||
	    !EVP_DigestUpdate(h->ctx, h->opad, h->block_len) ||
	    !EVP_DigestUpdate(h->ctx, inner, h->md_len) ||
	    !EVP_DigestFinal_ex(h->ctx, full, &n) || n != h->md_len)
		goto out;
	memcpy(icv, full, icv_len);
	rc = 0;
out:
	OPENSSL_cleanse(inner, sizeof inner);
	OPENSSL_cleanse(full, sizeof full);
	return rc;
}

void esp_hmac_wipe(struct esp_hmac *h)
{
	EVP_MD_CTX_free(h->ctx);        /* cleanses the digest state too */
	EVP_MD_free(h->md);
	OPENSSL_cleanse(h, sizeof *h);
}

int esp_integ_icv(enum esp_integ i, const uint8_t *key, size_t key_len,
                  const uint8_t *data, size_t len, uint8_t *icv)
{
	const struct esp_integ_info *ii = esp_integ_info(i);
	struct esp_hmac h;
	int rc;

	if (!ii || !ii->digest)
		return -EINVAL;
	rc = esp_hmac_init(&h, i, key, key_len);
	if (rc < 0)
		return rc;
	rc = esp_hmac_run(&h, ii->icv_len, data, len, icv);
	esp_hmac_wipe(&h);
	return rc;
}

int esp_encr_cbc(enum esp_encr e, int encrypt, const uint8_t *key, const uint8_t *iv,
                 const uint8_t *in, size_t len, uint8_t *out)
{
	const struct esp_encr_info *ei = esp_encr_info(e);
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = -EINVAL, n = 0, fin = 0;

	/* Self-contained on purpose: a fresh context with the IV, the textbook way, so the
	 * known-answer tests also check the chained per-SA path against it. */
	if (!ei || len % ei->block_len || len > INT32_MAX)
		goto out;
	rc = -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_CipherInit_ex(ctx, esp_encr_evp(e), NULL, key, iv, encrypt ? 1 : 0))
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &fin) || (size_t)(n + fin) != len)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);     /* frees and wipes the expanded key */
	return rc;
}

int esp_cbc_init(struct esp_cbc *c, enum esp_encr e, int encrypt, const uint8_t *key)
{
	const struct esp_encr_info *ei = esp_encr_info(e);

	memset(c, 0, sizeof *c);
	if (!ei)
		return -EINVAL;
	c->block_len = ei->block_len;
	c->enc = encrypt ? 1 : 0;
	c->ctx = EVP_CIPHER_CTX_new();
	/* the stream starts from an all-zero IV, which chain holds */
	if (!c->ctx || !EVP_CipherInit_ex(c->ctx, esp_encr_evp(e), NULL, key, c->chain, c->enc) ||
	    !EVP_CIPHER_CTX_set_padding(c->ctx, 0)) {       /* ESP pads itself (RFC 4303 2.4) */
		esp_cbc_wipe(c);
		return -EIO;
	}
	return 0;
}

/* After a failed update the stream's state is unknown: start it again from a zero IV. */
static int cbc_reset(struct esp_cbc *c)
{
	memset(c->chain, 0, sizeof c->chain);
	EVP_CipherInit_ex2(c->ctx, NULL, NULL, c->chain, -1, NULL);
	return -EIO;
}

int esp_cbc_run(struct esp_cbc *c, const uint8_t *iv, const uint8_t *in, size_t len,
                uint8_t *out)
{
	size_t b = c->block_len;
	uint8_t first[ESP_BLOCK_MAX] = { 0 }, last[ESP_BLOCK_MAX];
	int n = 0, m = 0;

	if (len == 0 || len % b || len > INT32_MAX)
		return -EINVAL;
	if (c->enc) {
		for (size_t i = 0; i < b; i++)
			first[i] = in[i] ^ iv[i] ^ c->chain[i];
		if (!EVP_CipherUpdate(c->ctx, out, &n, first, (int)b) ||
		    (len > b && !EVP_CipherUpdate(c->ctx, out + b, &m, in + b, (int)(len - b))) ||
		    (size_t)(n + m) != len) {
			OPENSSL_cleanse(first, sizeof first);
			return cbc_reset(c);
		}
		OPENSSL_cleanse(first, sizeof first);           /* plaintext */
		memcpy(c->chain, out + len - b, b);
		return 0;
	}
	memcpy(last, in + len - b, b);  /* before an in-place update overwrites it */
	if (!EVP_CipherUpdate(c->ctx, out, &n, in, (int)len) || (size_t)n != len)
		return cbc_reset(c);
	for (size_t i = 0; i < b; i++)
		out[i] ^= c->chain[i] ^ iv[i];
	memcpy(c->chain, last, b);
	return 0;
}

void esp_cbc_wipe(struct esp_cbc *c)
{
	EVP_CIPHER_CTX_free(c->ctx);
	memset(c, 0, sizeof *c);
}
