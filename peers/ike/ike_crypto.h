/*
 * ike_crypto.h: the cryptography of IKEv1 (RFC 2409 5, App. B) exactly as strongSwan does
 * it: PRF and hash over several pieces, MODP Diffie-Hellman with the shared secret zero-padded
 * to the prime length, CBC encryption without OpenSSL's padding, and the key derivations:
 * SKEYID (PSK), SKEYID_d/a/e, the Ka expansion, the phase-1 IV and per-exchange IVs, and
 * KEYMAT. Secrets live in caller buffers; everything here wipes its own temporaries.
 */
#ifndef VPNLAB_PEERS_IKE_IKE_CRYPTO_H
#define VPNLAB_PEERS_IKE_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers/drbg.h"
#include "peers/ike/ike_alg.h"

#define IKE_HASH_MAX 64
#define IKE_DH_MAX   1024           /* MODP8192 */

struct ike_iov {
	const void *p;
	size_t len;
};

/* prf(key, parts...) = HMAC with hash h; out gets ike_hash_len(h) bytes. 0 or -EIO. */
int ike_prf(enum ike_hash h, const void *key, size_t klen, const struct ike_iov *parts,
            size_t nparts, uint8_t *out);
/* H(parts...), the plain hash. */
int ike_hash(enum ike_hash h, const struct ike_iov *parts, size_t nparts, uint8_t *out);

/* A MODP Diffie-Hellman exchange. The private value comes from the drbg. */
struct ike_dh {
	int group;
	size_t len;                     /* prime length = public value length */
	uint8_t pub[IKE_DH_MAX];
	void *priv;                     /* BIGNUM, owned */
};

/* 0, -EINVAL (unknown group) or -EIO. */
int ike_dh_init(struct ike_dh *dh, int group, struct drbg *d);
/* The shared secret g^xy, zero-padded to dh->len bytes, into out (dh->len bytes). Rejects a
 * peer value that is not exactly dh->len bytes or not in (1, p-1): -EINVAL. */
int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out);
/* The same with a known private value (tests): priv is big-endian. */
int ike_dh_init_priv(struct ike_dh *dh, int group, const uint8_t *priv, size_t plen);
void ike_dh_free(struct ike_dh *dh);

/* CBC en/decryption of len bytes (a multiple of the block size), no padding. 0 or -EINVAL. */
int ike_cbc(enum ike_encr e, const uint8_t *key, size_t keylen, const uint8_t *iv,
            const uint8_t *in, size_t len, uint8_t *out, bool encrypt);

/* SKEYID = prf(PSK, Ni_b | Nr_b) */
int ike_skeyid_psk(enum ike_hash h, const uint8_t *psk, size_t psklen, const uint8_t *ni,
                   size_t nilen, const uint8_t *nr, size_t nrlen, uint8_t *skeyid);
/* SKEYID_d/a/e from SKEYID, g^xy and the cookies (each ike_hash_len(h) bytes). */
int ike_skeyid_dae(enum ike_hash h, const uint8_t *skeyid, const uint8_t *gxy, size_t gxylen,
                   const uint8_t cky_i[8], const uint8_t cky_r[8], uint8_t *d, uint8_t *a,
                   uint8_t *e);
/* Ka: SKEYID_e truncated, or K1|K2... with K1 = prf(SKEYID_e, 0x00) when it is too short. */
int ike_ka(enum ike_hash h, const uint8_t *skeyid_e, size_t keylen, uint8_t *ka);
/* IV0 = H(g^xi | g^xr) truncated to the block size. */
int ike_iv0(enum ike_hash h, const uint8_t *gxi, const uint8_t *gxr, size_t len, size_t block,
            uint8_t *iv);
/* IV of a new phase-2/informational exchange: H(last phase-1 block | M-ID). */
int ike_iv_exchange(enum ike_hash h, const uint8_t *last, size_t block, uint32_t mid,
                    uint8_t *iv);
/* KEYMAT = prf(SKEYID_d, [g^xy |] proto | SPI | Ni_b | Nr_b), expanded to need bytes. */
int ike_keymat(enum ike_hash h, const uint8_t *skeyid_d, const uint8_t *gxy, size_t gxylen,
               uint8_t proto, uint32_t spi, const uint8_t *ni, size_t nilen, const uint8_t *nr,
               size_t nrlen, uint8_t *out, size_t need);

#endif
