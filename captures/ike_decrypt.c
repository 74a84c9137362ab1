/* IKEv1 decryption for the trace analyser: IV chains of RFC 2409 App. B (see ike_decrypt.h). */
#include "captures/ike_decrypt.h"

#include "peers/ike/ike_crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLK_MAX 16
#define SEEN_MAX 32          /* messages remembered for retransmissions */
#define EXCH_MAX 8           /* quick modes in flight (strongSwan keeps 3) */

struct seen {                /* an accepted message: its last block and the IV it used */
	uint8_t last[BLK_MAX];
	uint8_t iv[BLK_MAX];
	uint32_t len;
	bool used;
};

struct exch {
	uint32_t mid;
	uint8_t iv[BLK_MAX];         /* IV for the next message of this quick mode */
	bool used;
};

struct cap_ike_dec {
	uint8_t icookie[8];
	bool have_alg;
	enum ike_encr encr;
	int keylen;
	enum ike_hash hash;
	uint8_t *gxi, *gxr;          /* until IV0 is known */
	size_t gxi_len, gxr_len;
	bool have_iv0;
	uint8_t p1_iv[BLK_MAX];      /* IV0, then the last block of the last phase-1 message */
	struct seen seen[SEEN_MAX];
	size_t seen_next;
	struct exch ex[EXCH_MAX];
	size_t ex_next;
};

struct cap_ike_dec *cap_ike_dec_new(const uint8_t icookie[8])
{
	struct cap_ike_dec *d = calloc(1, sizeof *d);

	if (d)
		memcpy(d->icookie, icookie, 8);
	return d;
}

void cap_ike_dec_free(struct cap_ike_dec *d)
{
	if (!d)
		return;
	free(d->gxi);
	free(d->gxr);
	explicit_bzero(d, sizeof *d);
	free(d);
}

void cap_ike_dec_set_alg(struct cap_ike_dec *d, enum ike_encr e, int keylen, enum ike_hash h)
{
	d->have_alg = e != IKE_ENCR_NONE && h != IKE_HASH_NONE;
	d->encr = e;
	d->keylen = e == IKE_ENCR_3DES ? 192 : keylen;
	d->hash = h;
}

void cap_ike_dec_set_ke(struct cap_ike_dec *d, bool initiator, const uint8_t *pub, size_t len)
{
	uint8_t **p = initiator ? &d->gxi : &d->gxr;
	size_t *l = initiator ? &d->gxi_len : &d->gxr_len;

	if (len == 0 || len > IKE_DH_MAX)
		return;
	free(*p);
	*p = malloc(len);
	if (!*p) {
		*l = 0;
		return;
	}
	memcpy(*p, pub, len);
	*l = len;
	d->have_iv0 = false;
}

static bool known_payload(uint8_t t)
{
	return (t >= ISAKMP_PT_SA && t <= ISAKMP_PT_VID) || t == ISAKMP_PT_NATD ||
	       t == ISAKMP_PT_NATOA || t == ISAKMP_PT_NATD_DRAFT || t == ISAKMP_PT_NATOA_DRAFT;
}

/* A plaintext is accepted when its payloads chain exactly, with at most 255 bytes of padding. */
static bool chain_ok(uint8_t np, const uint8_t *p, size_t len)
{
	struct isakmp_chain c;
	struct isakmp_err e;

	if (isakmp_chain_parse(np, p, len, ISAKMP_HDR_LEN, &c, &e) || c.n == 0 || c.trailing > 255)
		return false;
	for (size_t i = 0; i < c.n; i++)
		if (!known_payload(c.pl[i].type))
			return false;
	return true;
}

static int try_iv(const struct cap_ike_dec *d, const uint8_t *key, const uint8_t *iv,
                  const struct isakmp_hdr *h, const uint8_t *ct, size_t n, uint8_t *out)
{
	if (ike_cbc(d->encr, key, (size_t)d->keylen / 8, iv, ct, n, out, false))
		return -EINVAL;
	return chain_ok(h->np, out, n) ? 1 : 0;
}

static struct exch *exch_find(struct cap_ike_dec *d, uint32_t mid)
{
	for (size_t i = 0; i < EXCH_MAX; i++)
		if (d->ex[i].used && d->ex[i].mid == mid)
			return &d->ex[i];
	return NULL;
}

int cap_ike_dec_message(struct cap_ike_dec *d, const struct cap_keys *keys, const uint8_t *msg,
                        size_t len, const struct isakmp_hdr *h, uint8_t *plain, size_t cap,
                        size_t *plain_len, char *why, size_t whylen)
{
	const struct cap_ike_key *k = keys ? cap_keys_ike(keys, d->icookie) : NULL;
	size_t blk, n;
	uint8_t iv[BLK_MAX], hiv[IKE_HASH_MAX];
	const uint8_t *ct = msg + ISAKMP_HDR_LEN, *last;
	bool phase1 = h->exch == ISAKMP_XCHG_IDPROT || h->exch == ISAKMP_XCHG_AGGR;
	int rc;

	why[0] = 0;
	*plain_len = 0;
	if (!k) {
		snprintf(why, whylen, "no key for initiator cookie");
		return 0;
	}
	if (!d->have_alg) {
		snprintf(why, whylen, "no selected IKE proposal seen (MM2/AM2 missing)");
		return -EINVAL;
	}
	if (k->len * 8 < (size_t)d->keylen) {
		snprintf(why, whylen, "key of %zu bytes is shorter than the cipher's %d bits", k->len,
		         d->keylen);
		return -EINVAL;
	}
	if (!d->have_iv0) {
		if (!d->gxi || !d->gxr || d->gxi_len != d->gxr_len) {
			snprintf(why, whylen, "KE payloads of both sides not seen (MM3/MM4)");
			return -EINVAL;
		}
		blk = ike_encr_block(d->encr);
		if (ike_iv0(d->hash, d->gxi, d->gxr, d->gxi_len, blk, d->p1_iv)) {
			snprintf(why, whylen, "hash failed");
			return -EINVAL;
		}
		d->have_iv0 = true;
		/* The public values are needed for IV0 only. */
		free(d->gxi);
		free(d->gxr);
		d->gxi = d->gxr = NULL;
		d->gxi_len = d->gxr_len = 0;
	}
	blk = ike_encr_block(d->encr);
	n = h->length - ISAKMP_HDR_LEN;
	if (h->length > len || n == 0 || n % blk) {
		snprintf(why, whylen, "encrypted part of %zu bytes is not a whole number of %zu-byte "
		         "blocks", n, blk);
		return -EINVAL;
	}
	if (cap < h->length) {
		snprintf(why, whylen, "message too large");
		return -EINVAL;
	}
	last = ct + n - blk;
	memcpy(plain, msg, ISAKMP_HDR_LEN);
	plain[19] &= (uint8_t)~ISAKMP_FLAG_ENC;

	/* A message seen before (retransmission, or a second capture): the IV it had. */
	for (size_t i = 0; i < SEEN_MAX; i++) {
		const struct seen *s = &d->seen[i];

		if (s->used && s->len == n && !memcmp(s->last, last, blk) &&
		    try_iv(d, k->key, s->iv, h, ct, n, plain + ISAKMP_HDR_LEN) == 1) {
			*plain_len = h->length;
			return 1;
		}
	}

	struct exch *ex = NULL;
	if (phase1) {
		memcpy(iv, d->p1_iv, blk);
	} else {
		ex = h->exch == ISAKMP_XCHG_QUICK ? exch_find(d, h->msgid) : NULL;
		if (ex) {
			memcpy(iv, ex->iv, blk);
		} else {
			if (ike_iv_exchange(d->hash, d->p1_iv, blk, h->msgid, hiv)) {
				snprintf(why, whylen, "hash failed");
				return -EINVAL;
			}
			memcpy(iv, hiv, blk);
		}
	}
	rc = try_iv(d, k->key, iv, h, ct, n, plain + ISAKMP_HDR_LEN);
	if (rc != 1) {
		explicit_bzero(plain, cap < h->length ? cap : h->length);
		snprintf(why, whylen, "no well-formed payloads after decryption (wrong key, or "
		         "earlier messages of the exchange missing from the capture)");
		return -EINVAL;
	}
	/* Accepted: remember it, then move the chain. */
	struct seen *s = &d->seen[d->seen_next++ % SEEN_MAX];
	s->used = true;
	s->len = (uint32_t)n;
	memcpy(s->last, last, blk);
	memcpy(s->iv, iv, blk);
	if (phase1) {
		memcpy(d->p1_iv, last, blk);
	} else if (h->exch == ISAKMP_XCHG_QUICK) {
		if (!ex) {
			ex = &d->ex[d->ex_next++ % EXCH_MAX];
			ex->used = true;
			ex->mid = h->msgid;
		}
		memcpy(ex->iv, last, blk);
	}
	*plain_len = h->length;
	return 1;
}
