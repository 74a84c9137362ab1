/* esp_alg.c: transform tables and one-shot primitives over OpenSSL EVP. */
#include "peers/esp/esp_alg.h"
#include "peers/esp/esp_int.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

EVP_MAC_CTX *esp_integ_mac_new(enum esp_integ i, const uint8_t *key, size_t key_len)
{
	const struct esp_integ_info *ii = esp_integ_info(i);
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];

	if (!ii || !ii->digest)
		return NULL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ii->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
out:
	EVP_MAC_free(mac);
	return ctx;
}

int esp_integ_mac_run(EVP_MAC_CTX *ctx, size_t icv_len, const uint8_t *data, size_t len,
                      uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t full_len = 0;
	int rc = -EIO;

	/* A NULL key re-initialises HMAC with the key already set (OpenSSL 3 EVP_MAC_init). */
	if (!EVP_MAC_init(ctx, NULL, 0, NULL))
		goto out;
	if (!EVP_MAC_update(ctx, data, len))
		goto out;
	if (!EVP_MAC_final(ctx, full, &full_len, sizeof full) || full_len < icv_len)
		goto out;
	memcpy(icv, full, icv_len);
	rc = 0;
out:
	OPENSSL_cleanse(full, sizeof full);
	return rc;
}

int esp_integ_icv(enum esp_integ i, const uint8_t *key, size_t key_len,
                  const uint8_t *data, size_t len, uint8_t *icv)
{
	const struct esp_integ_info *ii = esp_integ_info(i);
	EVP_MAC_CTX *ctx;
	int rc;

	if (!ii || !ii->digest)
		return -EINVAL;
	ctx = esp_integ_mac_new(i, key, key_len);
	if (!ctx)
		return -EIO;
	rc = esp_integ_mac_run(ctx, ii->icv_len, data, len, icv);
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int esp_encr_cbc(enum esp_encr e, int encrypt, const uint8_t *key, const uint8_t *iv,
                 const uint8_t *in, size_t len, uint8_t *out)
{
	const struct esp_encr_info *ei = esp_encr_info(e);
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = -EINVAL;

	if (!ei || len % ei->block_len || len > INT32_MAX)
		goto out;
	rc = -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_CipherInit_ex(ctx, esp_encr_evp(e), NULL, key, iv, encrypt ? 1 : 0))
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (esp_cbc_run(ctx, iv, in, len, out) < 0)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);     /* frees and wipes the expanded key */
	return rc;
}

int esp_cbc_run(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in, size_t len,
                uint8_t *out)
{
	int n = 0, fin = 0;

	if (len > INT32_MAX)
		return -EINVAL;
	/* Re-using the key schedule: only the IV changes per packet. */
	if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1))
		return -EIO;
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		return -EIO;
	if (!EVP_CipherFinal_ex(ctx, out + n, &fin))
		return -EIO;
	if ((size_t)(n + fin) != len)
		return -EIO;
	return 0;
}
