/* Key files (captures/keys.h): both Wireshark formats, and every error as NAME:LINE:COL. */
#include "tests/unit/unit.h"
#include "captures/keys.h"

#include <errno.h>
#include <string.h>

static int parse(struct cap_keys *k, enum cap_keys_kind kind, const char *text, char *msg,
                 size_t len)
{
	return cap_keys_parse(k, kind, "K", text, strlen(text), msg, len);
}

static void test_keys_ike(void)
{
	struct cap_keys *k = cap_keys_new();
	char msg[256];
	static const uint8_t ck[8] = { 0xaa, 0x5b, 0xc0, 0x69, 0x95, 0x7f, 0x83, 0xb8 };

	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "# comment\n\naa5bc069957f83b8,"
	                      "2c182d846517e486c172e23b7797723d\r\n", msg, sizeof msg), 0);
	const struct cap_ike_key *ik = cap_keys_ike(k, ck);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ik);
	CU_ASSERT_EQUAL(ik->len, 16);
	CU_ASSERT_EQUAL(ik->key[0], 0x2c);
	CU_ASSERT_EQUAL(ik->key[15], 0x3d);
	CU_ASSERT_EQUAL(cap_keys_count(k, CAP_KEYS_IKE), 1);

	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "\"aa5bc069957f83b8\",\"00\"\n", msg, sizeof msg),
	                -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:1: Initiator's COOKIE: must be unquoted hex (Wireshark "
	                       "refuses quoted IKEv1 lines)");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "\naa5bc069957f83,00112233445566778899\n", msg,
	                      sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:2:1: Initiator's COOKIE: must be 8 octets");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "aa5bc069957f83b8,0011zz33445566778899\n", msg,
	                      sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:22: Encryption Key: not a hex digit");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "aa5bc069957f83b8\n", msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:17: Encryption Key: missing (want icookie,key)");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_IKE, "aa5bc069957f83b8,001\n", msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:18: Encryption Key: odd number of hex digits");
	cap_keys_free(k);
}

static void test_keys_esp(void)
{
	struct cap_keys *k = cap_keys_new();
	char msg[256];
	struct ip_addr a = { 4, { 192, 0, 2, 1 } }, b = { 4, { 192, 0, 2, 2 } };

	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP,
	    "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0xea30623f\",\"AES-CBC [RFC3602]\","
	    "\"0x000102030405060708090a0b0c0d0e0f\",\"HMAC-SHA-1-96 [RFC2404]\","
	    "\"0x00112233445566778899aabbccddeeff00112233\"\n"
	    "\"IPv4\",\"*\",\"*\",\"*\",\"TripleDES-CBC [RFC2451]\","
	    "\"0x000102030405060708090a0b0c0d0e0f1011121314151617\","
	    "\"HMAC-SHA-256-128 [RFC4868]\","
	    "\"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n",
	    msg, sizeof msg), 0);
	const struct cap_esp_key *e = cap_keys_esp(k, &a, &b, 0xea30623f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->encr, ESP_ENCR_AES128_CBC);
	CU_ASSERT_EQUAL(e->integ, ESP_INTEG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(e->enc_len, 16);
	CU_ASSERT_EQUAL(e->integ_len, 20);
	CU_ASSERT_EQUAL(e->keymat[16], 0x00);
	CU_ASSERT_EQUAL(e->keymat[17], 0x11);
	/* The other direction falls through to the wildcard line. */
	e = cap_keys_esp(k, &b, &a, 0x12345678);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->encr, ESP_ENCR_3DES_CBC);
	CU_ASSERT_EQUAL(e->integ, ESP_INTEG_HMAC_SHA2_256_128);

	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP, "\"IPv5\",\"*\",\"*\",\"*\",\"NULL\",\"\",\"NULL\",\"\"",
	                      msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:2: Protocol: want \"IPv4\" or \"IPv6\"");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP, "\"IPv4\",\"192.0.2\",\"*\",\"*\",\"x\",\"\",\"x\",\"\"",
	                      msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:9: Src IP: not an IPv4 address");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP, "\"IPv4\",\"*\",\"*\",\"0x1\",\"AES-CBC [RFC3602]\","
	                      "\"0x0011\",\"NULL\",\"\"", msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:43: Encryption Key: AES key must be 16, 24 or 32 bytes");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP, "\"IPv4\",\"*\",\"*\",\"0x1\"", msg, sizeof msg),
	                -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:21: SPI: want ',' after it");
	CU_ASSERT_EQUAL(parse(k, CAP_KEYS_ESP, "\"IPv4\",\"*\",\"*\",\"0x1\",\"AES-CBC [RFC3602]\","
	                      "\"0x000102030405060708090a0b0c0d0e0f\",\"HMAC-SHA-1-96 [RFC2404]\","
	                      "\"0x0011\"", msg, sizeof msg), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "K:1:106: Authentication Key: wrong length for the algorithm");
	cap_keys_free(k);
}

static void test_keys_load(void)
{
	struct cap_keys *k = cap_keys_new();
	char msg[512];

	CU_ASSERT_EQUAL(cap_keys_load(k, unit_fixture("fixtures/pcap/strongswan_ikev1.keys"), msg,
	                              sizeof msg), 0);
	CU_ASSERT_EQUAL(cap_keys_count(k, CAP_KEYS_IKE), 1);
	CU_ASSERT_EQUAL(cap_keys_count(k, CAP_KEYS_ESP), 4);
	CU_ASSERT_EQUAL(cap_keys_load(k, unit_fixture("fixtures/pcap"), msg, sizeof msg), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "holds neither"));
	/* A file of another name: the kind is guessed from its first key line (line 1 is a
	 * comment to the parser: it starts with #). */
	CU_ASSERT_EQUAL(cap_keys_load(k, unit_fixture("fixtures/pcap/README.md"), msg, sizeof msg),
	                -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "README.md:3:1: Initiator's COOKIE"));
	cap_keys_free(k);
}

UNIT_SUITE(trace_keys, UNIT_TEST(test_keys_ike), UNIT_TEST(test_keys_esp),
           UNIT_TEST(test_keys_load))
