/*
 * Fuzz the key-file parser (captures/keys.h): byte 0 picks the format (even: the IKEv1
 * decryption table, odd: esp_sa), the rest is the file's text. A failure must name its place
 * (the file name first); the keys kept are looked up.
 */
#include "tests/fuzz/fuzz.h"
#include "captures/keys.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_keys *k;
	char msg[256];
	int rc;

	if (size < 1)
		return 0;
	k = cap_keys_new();
	if (!k)
		return 0;
	enum cap_keys_kind kind = (data[0] & 1) ? CAP_KEYS_ESP : CAP_KEYS_IKE;
	rc = cap_keys_parse(k, kind, "F", (const char *)data + 1, size - 1, msg, sizeof msg);
	if (rc && strncmp(msg, "F:", 2))
		abort();
	struct ip_addr a = { 4, { 192, 0, 2, 1 } };
	static const uint8_t ck[8] = { 0x8d, 0xbe, 0xbf, 0x5c, 0x72, 0x6f, 0xe9, 0x13 };
	const struct cap_esp_key *e = cap_keys_esp(k, &a, &a, 1);
	const struct cap_ike_key *i = cap_keys_ike(k, ck);
	if ((e && e->enc_len + e->integ_len > sizeof e->keymat) || (i && i->len > sizeof i->key))
		abort();
	cap_keys_free(k);
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
#define SEED(s) { (const uint8_t *)(s), sizeof(s) - 1 }
	static const struct fuzz_seed seeds[] = {
		SEED("\0# comment\n8dbebf5c726fe913,84cec41d54182e4707c0cf0e3b9f9de3\n"
		     "aa5bc069957f83b8,2c182d846517e486c172e23b7797723d2c182d846517e486\r\n"),
		SEED("\1\"IPv4\",\"10.10.0.1\",\"10.10.0.2\",\"0xefd5071a\",\"AES-CBC [RFC3602]\","
		     "\"0x5cdefee5d216d7c4cc77ce0728b75aba\",\"HMAC-SHA-1-96 [RFC2404]\","
		     "\"0x31112667c7cb1aea9308546169085769946530f8\"\n"
		     "\"IPv6\",\"2001:db8::1\",\"*\",\"*\",\"TripleDES-CBC [RFC2451]\","
		     "\"0x000102030405060708090a0b0c0d0e0f1011121314151617\","
		     "\"HMAC-SHA-256-128 [RFC4868]\","
		     "\"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
		     "\"IPv4\",\"*\",\"*\",\"0x1\",\"AES-CBC [RFC3602]\","
		     "\"0x000102030405060708090a0b0c0d0e0f1011121314151617\",\"NULL\",\"\"\n"),
	};
#undef SEED
	*n = sizeof seeds / sizeof seeds[0];
	return seeds;
}
