/*
 * esp_alg.h: the ESP transforms vpnlab speaks, and their sizes and names.
 *
 * Ciphers are CBC (RFC 3602 AES, RFC 2451 3DES) with an explicit IV per packet; integrity is
 * HMAC truncated as RFC 2404 (SHA-1, 96 bits) and RFC 4868 (SHA-2, half the digest) specify.
 * Key lengths are those IKEv1 KEYMAT delivers (research notes section 2.5).
 */
#ifndef VPNLAB_PEERS_ESP_ALG_H
#define VPNLAB_PEERS_ESP_ALG_H

#include <stddef.h>
#include <stdint.h>

enum esp_encr {
	ESP_ENCR_AES128_CBC,
	ESP_ENCR_AES192_CBC,
	ESP_ENCR_AES256_CBC,
	ESP_ENCR_3DES_CBC,
	ESP_ENCR_COUNT
};

enum esp_integ {
	ESP_INTEG_NONE,                 /* RFC 4303 3.2.1 confidentiality only: test vectors only */
	ESP_INTEG_HMAC_SHA1_96,
	ESP_INTEG_HMAC_SHA2_256_128,
	ESP_INTEG_HMAC_SHA2_384_192,
	ESP_INTEG_HMAC_SHA2_512_256,
	ESP_INTEG_COUNT
};

#define ESP_KEY_MAX   64                /* longest key of either kind (HMAC-SHA2-512) */
#define ESP_ICV_MAX   32
#define ESP_BLOCK_MAX 16

struct esp_encr_info {
	const char *name;               /* strongSwan log notation, "AES_CBC_128" */
	const char *wireshark;          /* Wireshark esp_sa "Encryption" column */
	size_t key_len;
	size_t block_len;               /* also the IV length for CBC */
};

struct esp_integ_info {
	const char *name;               /* strongSwan log notation, "HMAC_SHA1_96" */
	const char *wireshark;          /* Wireshark esp_sa "Authentication" column */
	const char *digest;             /* OpenSSL digest name, NULL for none */
	size_t key_len;
	size_t icv_len;
};

/* Static descriptions (borrowed); NULL when the value is out of range. */
const struct esp_encr_info *esp_encr_info(enum esp_encr e);
const struct esp_integ_info *esp_integ_info(enum esp_integ i);

/*
 * One-shot truncated ICV: HMAC(key, data) cut to the transform's icv_len, written to icv.
 * Any key length is accepted (HMAC hashes long keys), so RFC 2202/4231 vectors apply directly.
 * Returns 0, -EINVAL (no such transform, or ESP_INTEG_NONE), -EIO (OpenSSL failed).
 */
int esp_integ_icv(enum esp_integ i, const uint8_t *key, size_t key_len,
                  const uint8_t *data, size_t len, uint8_t *icv);

/*
 * One-shot CBC without padding over whole blocks (len a multiple of block_len), in and out may
 * be the same buffer. encrypt = 1 encrypts, 0 decrypts. Returns 0, -EINVAL, -EIO.
 */
int esp_encr_cbc(enum esp_encr e, int encrypt, const uint8_t *key, const uint8_t *iv,
                 const uint8_t *in, size_t len, uint8_t *out);

#endif
