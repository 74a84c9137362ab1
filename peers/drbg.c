/*
 * drbg.c: AES-256-CTR keystream over a key derived from the seed (see drbg.h).
 */
#include "peers/drbg.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

void drbg_init(struct drbg *d, uint64_t seed)
{
	uint8_t in[8 + 12];

	/* key = SHA-256(seed as big-endian 64 bits || "vpnlab-drbg")) */
	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(seed >> (56 - 8 * i));
	memcpy(in + 8, "vpnlab-drbg", 11);
	in[19] = 0;
	SHA256(in, sizeof in, d->key);
	d->counter = 0;
	d->have = 0;
}

void drbg_derive(struct drbg *child, const struct drbg *parent, const char *label)
{
	unsigned int outlen = sizeof child->key;
	uint8_t key[32];

	HMAC(EVP_sha256(), parent->key, sizeof parent->key, (const uint8_t *)label,
	     strlen(label), key, &outlen);
	memcpy(child->key, key, sizeof key);
	OPENSSL_cleanse(key, sizeof key);
	child->counter = 0;
	child->have = 0;
}

/* block := AES-256(key, counter + i) for the DRBG_BATCH blocks from d->counter on. */
static int drbg_refill(struct drbg *d)
{
	uint8_t ctr[sizeof d->block] = { 0 };
	EVP_CIPHER_CTX *ctx;
	int len = 0, ok;

	for (unsigned b = 0; b < DRBG_BATCH; b++) {
		uint64_t c = d->counter + b;

		for (int i = 0; i < 8; i++)
			ctr[16 * b + 8 + i] = (uint8_t)(c >> (56 - 8 * i));
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -EIO;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ecb(), NULL, d->key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, d->block, &len, ctr, sizeof ctr) && len == sizeof ctr;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int drbg_bytes(struct drbg *d, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		size_t pos, take;

		if (!d->have) {
			int err = drbg_refill(d);

			if (err)
				return err;
			d->have = sizeof d->block;
		}
		/* Opening a block moves counter, as when blocks were made one at a time, so a
		 * saved counter (mocks/sakura_state.c) resumes where it did before. */
		pos = sizeof d->block - d->have;
		if (pos % 16 == 0)
			d->counter++;
		take = 16 - pos % 16;
		if (take > len)
			take = len;
		memcpy(p, d->block + pos, take);
		d->have -= (unsigned)take;
		p += take;
		len -= take;
	}
	return 0;
}

uint64_t drbg_u64(struct drbg *d)
{
	uint8_t b[8];
	uint64_t v = 0;

	drbg_bytes(d, b, sizeof b);
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

uint32_t drbg_u32(struct drbg *d)
{
	return (uint32_t)(drbg_u64(d) >> 32);
}

uint64_t drbg_uniform(struct drbg *d, uint64_t bound)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound, v;

	do
		v = drbg_u64(d);
	while (v >= limit);
	return v % bound;
}

void drbg_wipe(struct drbg *d)
{
	OPENSSL_cleanse(d, sizeof *d);
}
