/* esp_output.c: outbound tunnel-mode encapsulation (RFC 4303 3.3). */
#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_int.h"
#include "peers/drbg.h"

#include <errno.h>
#include <openssl/crypto.h>

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Padding so that payload | pad | pad length | next header fills whole cipher blocks
 * (RFC 4303 2.4, RFC 3602 2.4); both block sizes are multiples of 4, so the 4-byte alignment
 * of the ICV follows.
 */
static size_t pad_len(const struct esp_sa *sa, size_t inner_len)
{
	size_t b = sa->ei->block_len;

	return (b - (inner_len + 2) % b) % b;
}

size_t esp_sa_out_len(const struct esp_sa *sa, size_t inner_len)
{
	return ESP_HDR_LEN + sa->ei->block_len + inner_len + pad_len(sa, inner_len) + 2 +
	       sa->ii->icv_len;
}

int esp_sa_encrypt_iv(struct esp_sa *sa, const uint8_t *iv, const uint8_t *inner,
                      size_t inner_len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t ivl = sa->ei->block_len, pad, ct_len, total;
	uint8_t nh, *ct;
	int rc;

	*out_len = 0;
	if (sa->dir != ESP_DIR_OUT || inner_len == 0)
		return -EINVAL;
	switch (inner[0] >> 4) {
	case 4: nh = ESP_NH_IPV4; break;
	case 6: nh = ESP_NH_IPV6; break;
	default: return -EINVAL;
	}
	pad = pad_len(sa, inner_len);
	ct_len = inner_len + pad + 2;
	total = esp_sa_out_len(sa, inner_len);
	if (total > cap)
		return -ENOSPC;
	if (sa->seq == UINT32_MAX)
		return -EOVERFLOW;

	/* The inner packet may overlap out (encrypting in place): move it before the header. */
	ct = out + ESP_HDR_LEN + ivl;
	memmove(ct, inner, inner_len);
	put_be32(out, sa->spi);
	put_be32(out + 4, sa->seq + 1);
	memcpy(out + ESP_HDR_LEN, iv, ivl);
	for (size_t i = 0; i < pad; i++)
		ct[inner_len + i] = (uint8_t)(i + 1);   /* 1, 2, 3, ... (RFC 4303 2.4) */
	ct[inner_len + pad] = (uint8_t)pad;
	ct[inner_len + pad + 1] = nh;
	rc = esp_cbc_run(&sa->cbc, iv, ct, ct_len, ct);
	if (rc < 0)
		goto fail;
	/* ICV over SPI | seq | IV | ciphertext (encrypt, then MAC). */
	if (sa->mac.md) {
		rc = esp_hmac_run(&sa->mac, sa->ii->icv_len, out, ESP_HDR_LEN + ivl + ct_len,
		                       ct + ct_len);
		if (rc < 0)
			goto fail;
	}
	sa->seq++;
	sa->st.packets++;
	sa->st.bytes += inner_len;
	*out_len = total;
	return 0;
fail:
	OPENSSL_cleanse(out, total);    /* never leave plaintext in a send buffer */
	return rc;
}

int esp_sa_encrypt(struct esp_sa *sa, struct drbg *rng, const uint8_t *inner, size_t inner_len,
                   uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t iv[ESP_BLOCK_MAX];

	/* RFC 3602 3: the CBC IV must be unpredictable; the lab takes it from its DRBG. */
	if (drbg_bytes(rng, iv, sa->ei->block_len) < 0)
		return -EIO;
	return esp_sa_encrypt_iv(sa, iv, inner, inner_len, out, cap, out_len);
}
