/*
 * esp_int.h: shared between the files of peers/esp/ only (not a public interface): the OpenSSL
 * handles behind the transforms.
 */
#ifndef VPNLAB_PEERS_ESP_INT_H
#define VPNLAB_PEERS_ESP_INT_H

#include "peers/esp/esp_alg.h"
#include "peers/esp/esp_replay.h"
#include "peers/esp/esp_sa.h"

#include <openssl/evp.h>
#include <string.h>

const EVP_CIPHER *esp_encr_evp(enum esp_encr e);

/* HMAC context keyed once; NULL on failure or for ESP_INTEG_NONE. Caller frees. */
EVP_MAC_CTX *esp_integ_mac_new(enum esp_integ i, const uint8_t *key, size_t key_len);

/* Truncated HMAC of data with a keyed context. 0 or -EIO. */
int esp_integ_mac_run(EVP_MAC_CTX *ctx, size_t icv_len, const uint8_t *data, size_t len,
                      uint8_t *icv);

/* CBC over whole blocks with a keyed context and a fresh IV. 0, -EINVAL, -EIO. */
int esp_cbc_run(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in, size_t len,
                uint8_t *out);

struct esp_sa {
	uint32_t spi;
	enum esp_dir dir;
	enum esp_encr encr;
	enum esp_integ integ;
	const struct esp_encr_info *ei;
	const struct esp_integ_info *ii;
	bool udp_encap;
	bool lenient_padding;
	uint8_t enc_key[ESP_KEY_MAX];
	uint8_t integ_key[ESP_KEY_MAX];
	EVP_CIPHER_CTX *cipher;         /* keyed once, for this SA's direction */
	EVP_MAC_CTX *mac;               /* keyed once; NULL for ESP_INTEG_NONE */
	uint32_t seq;                   /* outbound: last sent (0 before the first) */
	struct esp_replay replay;       /* inbound */
	struct esp_sa_stats st;
	uint64_t soft_bytes, hard_bytes;
	lab_ns created, soft_time, hard_time;
};

#endif
