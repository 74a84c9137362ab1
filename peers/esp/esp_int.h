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

#define ESP_HMAC_BLOCK_MAX 128         /* SHA-384/512 block; SHA-1/256 use 64 */

/*
 * HMAC (RFC 2104) keyed once per SA: H((K ^ opad) | H((K ^ ipad) | data)). The two padded key
 * blocks are kept, and one digest context is re-initialised per packet with the digest fetched
 * at keying, so a packet costs two extra compressions and no allocation, name lookup or
 * parameter search (EVP_MAC_init with a NULL key duplicates two digest contexts per packet).
 * ipad/opad are key material: esp_hmac_wipe() cleanses them.
 */
struct esp_hmac {
	EVP_MD *md;                     /* fetched once, owned */
	EVP_MD_CTX *ctx;                /* owned, re-initialised per packet */
	size_t block_len, md_len;
	uint8_t ipad[ESP_HMAC_BLOCK_MAX];
	uint8_t opad[ESP_HMAC_BLOCK_MAX];
};

/* Key h for transform i (any key length: longer than a block is hashed first, RFC 2104 2).
 * 0, -EINVAL (no such transform, or ESP_INTEG_NONE), -EIO. On failure h is wiped. */
int esp_hmac_init(struct esp_hmac *h, enum esp_integ i, const uint8_t *key, size_t key_len);

/* The HMAC of data cut to icv_len bytes (at most md_len), written to icv. 0 or -EIO. */
int esp_hmac_run(struct esp_hmac *h, size_t icv_len, const uint8_t *data, size_t len,
                 uint8_t *icv);

/* Free the contexts and cleanse the key blocks. A wiped or zeroed h is fine. */
void esp_hmac_wipe(struct esp_hmac *h);

/*
 * CBC keyed once per SA, and never re-initialised per packet: setting an IV through
 * EVP_CipherInit_ex2 looks up the IV length and padding by parameter name each time, which
 * was a tenth of a packet's cost. Consecutive EVP_CipherUpdate calls on one context form one
 * CBC stream, whose state is the last ciphertext block passed (chain). A packet with its own
 * IV continues that stream with the difference folded in:
 *   encrypt: C1 = E(P1 ^ IV) = E((P1 ^ IV ^ chain) ^ chain): feed P1 ^ IV ^ chain;
 *   decrypt: the stream yields D(C1) ^ chain; P1 = that ^ chain ^ IV.
 * chain is ciphertext, not secret. The key schedule lives in ctx (cleansed when freed).
 */
struct esp_cbc {
	EVP_CIPHER_CTX *ctx;            /* owned */
	size_t block_len;
	int enc;
	uint8_t chain[ESP_BLOCK_MAX];
};

/* Key c for transform e, encrypt = 1 or 0. 0, -EINVAL, -EIO (c wiped on failure). */
int esp_cbc_init(struct esp_cbc *c, enum esp_encr e, int encrypt, const uint8_t *key);

/* CBC over whole blocks (len a multiple of block_len, > 0) with iv; in may equal out.
 * 0, -EINVAL, -EIO. */
int esp_cbc_run(struct esp_cbc *c, const uint8_t *iv, const uint8_t *in, size_t len,
                uint8_t *out);

/* Free the context (cleansing its key schedule). A zeroed c is fine. */
void esp_cbc_wipe(struct esp_cbc *c);

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
	struct esp_cbc cbc;             /* keyed once, for this SA's direction */
	struct esp_hmac mac;            /* keyed once; mac.md NULL for ESP_INTEG_NONE */
	uint32_t seq;                   /* outbound: last sent (0 before the first) */
	struct esp_replay replay;       /* inbound */
	struct esp_sa_stats st;
	uint64_t soft_bytes, hard_bytes;
	lab_ns created, soft_time, hard_time;
};

#endif
