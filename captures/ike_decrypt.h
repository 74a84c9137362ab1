/*
 * ike_decrypt.h: decrypt IKEv1 messages in a capture from the encryption key Ka per initiator
 * cookie (keys.h), the way Wireshark does (RFC 2409 App. B):
 *
 *   phase 1 (main mode 5/6, aggressive mode 3): IV0 = H(g^xi | g^xr) cut to the block; every
 *     later phase-1 message takes the last ciphertext block of the previous one.
 *   quick mode with M-ID m: IV = H(last phase-1 block | m), then chained inside the exchange.
 *   informational with M-ID m: IV = H(last phase-1 block | m), never chained.
 *
 * Cipher, key length and hash come from the SA the responder selected in MM2 (or AM2), the KE
 * values from MM3/MM4 (AM1/AM2): the trace hands them in. A message is accepted only if its
 * plaintext is a well-formed payload chain; only an accepted new message moves the chain, so a
 * retransmission, or the same message in a second capture, decrypts with the IV it had the
 * first time and does not break it.
 */
#ifndef VPNLAB_CAPTURES_IKE_DECRYPT_H
#define VPNLAB_CAPTURES_IKE_DECRYPT_H

#include "captures/keys.h"
#include "peers/ike/ike_alg.h"
#include "peers/ike/isakmp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cap_ike_dec;

/* State for one IKE SA (caller frees with cap_ike_dec_free); NULL on out of memory. */
struct cap_ike_dec *cap_ike_dec_new(const uint8_t icookie[8]);
void cap_ike_dec_free(struct cap_ike_dec *d);

/* The SA the responder selected: cipher and key length (bits), hash. */
void cap_ike_dec_set_alg(struct cap_ike_dec *d, enum ike_encr e, int keylen, enum ike_hash h);
/* A KE payload's public value, the initiator's (g^xi) or the responder's (g^xr). */
void cap_ike_dec_set_ke(struct cap_ike_dec *d, bool initiator, const uint8_t *pub, size_t len);

/*
 * Decrypt msg (len bytes, header h already parsed, ENC flag set) into plain: the header copied
 * with the ENC flag cleared, then the plaintext payloads; *plain_len = h->length. Returns 1
 * (decrypted, accepted), 0 (no key for this SA: why says so), or -EINVAL (why names what
 * is missing or wrong: no SA or KE seen, length not a whole number of blocks, no IV gives a
 * well-formed chain).
 */
int cap_ike_dec_message(struct cap_ike_dec *d, const struct cap_keys *keys, const uint8_t *msg,
                        size_t len, const struct isakmp_hdr *h, uint8_t *plain, size_t cap,
                        size_t *plain_len, char *why, size_t whylen);

#endif
