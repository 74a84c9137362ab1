/*
 * ike_alg.h: the algorithms of IKEv1 and ESP proposals, their wire numbers, the names users
 * know (strongSwan's proposal notation "aes256-sha256-modp2048") and the names strongSwan logs
 * ("IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048").
 */
#ifndef VPNLAB_PEERS_IKE_IKE_ALG_H
#define VPNLAB_PEERS_IKE_IKE_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ike_encr { IKE_ENCR_NONE, IKE_ENCR_AES_CBC, IKE_ENCR_3DES };
enum ike_hash { IKE_HASH_NONE, IKE_HASH_MD5, IKE_HASH_SHA1, IKE_HASH_SHA256, IKE_HASH_SHA384,
                IKE_HASH_SHA512 };

/* One proposal: for IKE all fields; for ESP encr/keylen, hash (the integrity algorithm) and an
 * optional PFS group (0 = no PFS). */
struct ike_prop {
	enum ike_encr encr;
	int keylen;                     /* bits: 128/192/256 for AES, 192 for 3DES */
	enum ike_hash hash;
	int group;                      /* MODP group number; 0 = none */
};

#define IKE_MAX_PROPS 16

/* Parse "aes256-sha256-modp2048[,aes128-sha1-modp1536...]" (IKE: a group is required; ESP:
 * optional = no PFS). Returns the count, or -1 with err naming the bad token. */
int ike_props_parse(const char *text, bool esp, struct ike_prop *out, int max, char *err,
                    size_t errlen);
/* "aes256-sha256-modp2048" */
void ike_prop_format(const struct ike_prop *p, char *buf, size_t len);
/* "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" /
 * "ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ" */
void ike_prop_strongswan(const struct ike_prop *p, bool esp, char *buf, size_t len);
bool ike_prop_equal(const struct ike_prop *a, const struct ike_prop *b);

/* Wire numbers. Phase 1: encryption 1/5/7, hash 1/2/4/5/6 (RFC 2409 App. A, RFC 4868).
 * Phase 2: ESP transform 3 (3DES) / 12 (AES), auth algorithm 1/2/5/6/7 (RFC 2407, 4868). */
int ike_encr_p1(enum ike_encr e);
int ike_hash_p1(enum ike_hash h);
int ike_encr_esp(enum ike_encr e);
int ike_auth_esp(enum ike_hash h);
enum ike_encr ike_encr_from_p1(uint64_t v);
enum ike_hash ike_hash_from_p1(uint64_t v);
enum ike_encr ike_encr_from_esp(uint64_t v);
enum ike_hash ike_hash_from_esp(uint64_t v);

size_t ike_hash_len(enum ike_hash h);           /* PRF output bytes */
size_t ike_encr_block(enum ike_encr e);          /* 16 / 8 */
size_t ike_esp_icv_len(enum ike_hash h);         /* truncated ICV: 12 / 16 / 24 / 32 */
size_t ike_esp_integ_keylen(enum ike_hash h);    /* HMAC key: 20 / 32 / 48 / 64 */

/* MODP groups 1, 2, 5, 14, 15, 16, 17, 18 (RFC 2409 6, RFC 3526): the prime's length in
 * bytes; 0 for a group vpnlab does not know. */
size_t ike_modp_len(int group);

#endif
