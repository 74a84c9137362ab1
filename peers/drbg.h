/*
 * drbg.h: the run's only source of randomness.
 *
 * A deterministic generator: AES-256 in counter mode over a key derived from the scenario's
 * seed. The same seed gives the same stream, so cookies, nonces, SPIs, DH private values and
 * jitter, and therefore the captures, repeat byte for byte. Not for production secrets: it is a
 * lab tool, and the seed is printed in every report.
 *
 * Consumers take a child stream by label (drbg_derive(&run, "peer/f220")), so adding a probe
 * does not shift the bytes a peer draws.
 */
#ifndef VPNLAB_PEERS_DRBG_H
#define VPNLAB_PEERS_DRBG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Blocks made per cipher set-up: setting up AES (a cipher fetch, a key expansion, two
 * allocations) costs far more than one block, and an ESP packet's IV takes one block: at 16
 * a set-up was still 3% of an encrypting gateway's time, at 128 it is a 128th per packet
 * (2 KiB per generator). The stream, and what counter means, are the same as block by block.
 */
#define DRBG_BATCH 128

struct drbg {
	uint8_t key[32];
	uint64_t counter;       /* next 16-byte block not yet opened by a caller */
	uint8_t block[DRBG_BATCH * 16]; /* keystream blocks made in one go; the unused tail */
	unsigned have;          /* bytes left in block; 0 (also set from outside) = make more,
	                         * starting at counter */
};

/* Seed a root generator. */
void drbg_init(struct drbg *d, uint64_t seed);

/* Child generator: key = HMAC-SHA256(parent key, label). The parent is not advanced. */
void drbg_derive(struct drbg *child, const struct drbg *parent, const char *label);

/* Fill buf with len bytes. Returns 0, or -EIO if the cipher fails (it does not). */
int drbg_bytes(struct drbg *d, void *buf, size_t len);

uint32_t drbg_u32(struct drbg *d);
uint64_t drbg_u64(struct drbg *d);

/* Uniform in [0, bound); bound > 0. Unbiased (rejection sampling). */
uint64_t drbg_uniform(struct drbg *d, uint64_t bound);

/* Wipe the key. */
void drbg_wipe(struct drbg *d);

#endif
