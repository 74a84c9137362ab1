/*
 * ESP transforms on their own: AES-CBC and truncated HMAC known answers from the RFCs.
 * Every value below is also recomputed with Python's `cryptography` / `hmac` modules.
 */
#include "tests/unit/unit.h"
#include "peers/esp/esp_alg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

#define HEXLEN(h) ((sizeof(h) - 1) / 2)

struct cbc_case {
	const char *src, *key, *iv, *pt, *ct;
};

/* RFC 3602 section 4, Case #1 and Case #2 (AES-128-CBC, no padding). */
static const struct cbc_case cbc_cases[] = {
	{ "RFC 3602 case 1", "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
	  "53696e676c6520626c6f636b206d7367" /* "Single block msg" */,
	  "e353779c1079aeb82708942dbe77181a" },
	{ "RFC 3602 case 2", "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
};

static void test_aes_cbc_rfc3602(void)
{
	for (size_t c = 0; c < sizeof cbc_cases / sizeof cbc_cases[0]; c++) {
		const struct cbc_case *k = &cbc_cases[c];
		size_t n = strlen(k->pt) / 2;
		uint8_t key[16], iv[16], pt[64], ct[64], buf[64];

		unhex(k->key, key, 16);
		unhex(k->iv, iv, 16);
		unhex(k->pt, pt, n);
		unhex(k->ct, ct, n);
		CU_ASSERT_EQUAL_FATAL(esp_encr_cbc(ESP_ENCR_AES128_CBC, 1, key, iv, pt, n, buf), 0);
		CU_ASSERT_EQUAL(memcmp(buf, ct, n), 0);
		CU_ASSERT_EQUAL_FATAL(esp_encr_cbc(ESP_ENCR_AES128_CBC, 0, key, iv, ct, n, buf), 0);
		CU_ASSERT_EQUAL(memcmp(buf, pt, n), 0);
	}
}

static void test_cbc_refuses_partial_block(void)
{
	uint8_t key[24] = { 0 }, iv[16] = { 0 }, buf[32] = { 0 };

	CU_ASSERT_EQUAL(esp_encr_cbc(ESP_ENCR_AES128_CBC, 1, key, iv, buf, 17, buf), -EINVAL);
	CU_ASSERT_EQUAL(esp_encr_cbc(ESP_ENCR_3DES_CBC, 1, key, iv, buf, 12, buf), -EINVAL);
	CU_ASSERT_EQUAL(esp_encr_cbc(ESP_ENCR_3DES_CBC, 1, key, iv, buf, 16, buf), 0);
	CU_ASSERT_EQUAL(esp_encr_cbc(ESP_ENCR_COUNT, 1, key, iv, buf, 16, buf), -EINVAL);
}

struct icv_case {
	const char *src;
	enum esp_integ integ;
	const char *key;                /* hex */
	const char *data;               /* ASCII */
	const char *icv;                /* truncated, hex */
};

/* RFC 4231 section 4.7 test case 6: a 131-byte key, longer than the block, hashed first. */
#define RFC4231_TC6_KEY \
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	  "aaaaaa"

static const struct icv_case icv_cases[] = {
	/* RFC 2202 section 3 test cases 1 and 2, truncated to 96 bits as RFC 2404 uses them. */
	{ "RFC 2202 tc1", ESP_INTEG_HMAC_SHA1_96, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "b617318655057264e28bc0b6" },
	{ "RFC 2202 tc2", ESP_INTEG_HMAC_SHA1_96, "4a656665" /* "Jefe" */,
	  "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5" },
	/* RFC 4231 section 4.2 test case 1 (20-byte key), truncated as RFC 4868 2.3 specifies. */
	{ "RFC 4231 tc1", ESP_INTEG_HMAC_SHA2_256_128, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "b0344c61d8db38535ca8afceaf0bf12b" },
	{ "RFC 4231 tc1", ESP_INTEG_HMAC_SHA2_384_192, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6" },
	{ "RFC 4231 tc1", ESP_INTEG_HMAC_SHA2_512_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" },
	/* RFC 4231 section 4.3 test case 2. */
	{ "RFC 4231 tc2", ESP_INTEG_HMAC_SHA2_256_128, "4a656665",
	  "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7" },
	/* RFC 4868 section 2.7.2 test case 1: keys of the ESP key length (32/48/64 x 0x0b). */
	{ "RFC 4868 tc1", ESP_INTEG_HMAC_SHA2_256_128,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ "RFC 4868 tc1", ESP_INTEG_HMAC_SHA2_384_192,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ "RFC 4868 tc1", ESP_INTEG_HMAC_SHA2_512_256,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	{ "RFC 4231 tc6", ESP_INTEG_HMAC_SHA2_256_128, RFC4231_TC6_KEY,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f" },
	{ "RFC 4231 tc6", ESP_INTEG_HMAC_SHA2_384_192, RFC4231_TC6_KEY,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f" },
	{ "RFC 4231 tc6", ESP_INTEG_HMAC_SHA2_512_256, RFC4231_TC6_KEY,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352" },
};

static void test_icv_known_answers(void)
{
	for (size_t c = 0; c < sizeof icv_cases / sizeof icv_cases[0]; c++) {
		const struct icv_case *k = &icv_cases[c];
		const struct esp_integ_info *ii = esp_integ_info(k->integ);
		size_t klen = strlen(k->key) / 2;
		uint8_t key[160], want[32], got[33];

		CU_ASSERT_FATAL(ii != NULL);
		CU_ASSERT_FATAL(klen <= sizeof key);
		CU_ASSERT_EQUAL_FATAL(strlen(k->icv) / 2, ii->icv_len);
		unhex(k->key, key, klen);
		unhex(k->icv, want, ii->icv_len);
		memset(got, 0xee, sizeof got);
		CU_ASSERT_EQUAL_FATAL(esp_integ_icv(k->integ, key, klen, (const uint8_t *)k->data,
		                                    strlen(k->data), got), 0);
		if (memcmp(got, want, ii->icv_len) != 0)
			fprintf(stderr, "\n%s %s: ICV mismatch\n", k->src, ii->name);
		CU_ASSERT_EQUAL(memcmp(got, want, ii->icv_len), 0);
		CU_ASSERT_EQUAL(got[ii->icv_len], 0xee);        /* wrote exactly icv_len */
	}
}

static void test_sizes(void)
{
	/* RFC 2404 (96), RFC 4868 2.3 (half the digest), key = digest length (RFC 4868 2.1.1). */
	static const struct { enum esp_integ i; size_t key, icv; } t[] = {
		{ ESP_INTEG_HMAC_SHA1_96, 20, 12 },
		{ ESP_INTEG_HMAC_SHA2_256_128, 32, 16 },
		{ ESP_INTEG_HMAC_SHA2_384_192, 48, 24 },
		{ ESP_INTEG_HMAC_SHA2_512_256, 64, 32 },
	};

	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		CU_ASSERT_EQUAL(esp_integ_info(t[k].i)->key_len, t[k].key);
		CU_ASSERT_EQUAL(esp_integ_info(t[k].i)->icv_len, t[k].icv);
	}
	CU_ASSERT_EQUAL(esp_encr_info(ESP_ENCR_3DES_CBC)->block_len, 8);
	CU_ASSERT_EQUAL(esp_encr_info(ESP_ENCR_AES192_CBC)->key_len, 24);
	CU_ASSERT_PTR_NULL(esp_encr_info(ESP_ENCR_COUNT));
	CU_ASSERT_PTR_NULL(esp_integ_info(ESP_INTEG_COUNT));
	CU_ASSERT_EQUAL(esp_integ_icv(ESP_INTEG_NONE, NULL, 0, NULL, 0, NULL), -EINVAL);
}

UNIT_SUITE(esp_alg,
	UNIT_TEST(test_aes_cbc_rfc3602),
	UNIT_TEST(test_cbc_refuses_partial_block),
	UNIT_TEST(test_icv_known_answers),
	UNIT_TEST(test_sizes))
