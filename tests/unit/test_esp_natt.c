/* RFC 3948 demultiplexing on UDP/4500 and the Wireshark esp_sa line. */
#include "tests/unit/unit.h"
#include "peers/esp/esp_keyfile.h"
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_sa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void test_classify_table(void)
{
	static const struct {
		const char *what;
		const uint8_t *p;
		size_t len;
		enum esp_natt_kind want;
	} t[] = {
		{ "keepalive", (const uint8_t *)"\xff", 1, ESP_NATT_KEEPALIVE },
		{ "two 0xff", (const uint8_t *)"\xff\xff", 2, ESP_NATT_INVALID },
		{ "one other byte", (const uint8_t *)"\x00", 1, ESP_NATT_INVALID },
		{ "empty", (const uint8_t *)"", 0, ESP_NATT_INVALID },
		{ "marker only", (const uint8_t *)"\0\0\0\0", 4, ESP_NATT_IKE },
		{ "marker + ISAKMP", (const uint8_t *)"\0\0\0\0\xaa\x5b\xc0\x69\x95\x7f\x83\xb8", 12,
		  ESP_NATT_IKE },
		{ "ESP", (const uint8_t *)"\xea\x30\x62\x3f\0\0\0\1", 8, ESP_NATT_ESP },
		{ "ESP, SPI 0x000000ff", (const uint8_t *)"\0\0\0\xff\0\0\0\1", 8, ESP_NATT_ESP },
		{ "ESP too short", (const uint8_t *)"\xea\x30\x62\x3f\0\0\0", 7, ESP_NATT_INVALID },
		{ "three bytes", (const uint8_t *)"\xea\x30\x62", 3, ESP_NATT_INVALID },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum esp_natt_kind k = esp_natt_classify(t[i].p, t[i].len);

		if (k != t[i].want)
			fprintf(stderr, "\n%s: %s, want %s\n", t[i].what, esp_natt_kind_name(k),
			        esp_natt_kind_name(t[i].want));
		CU_ASSERT_EQUAL(k, t[i].want);
	}
}

static void test_keepalive(void)
{
	uint8_t b[4] = { 0, 0, 0, 0 };

	CU_ASSERT_EQUAL(esp_natt_keepalive(b, sizeof b), 1);
	CU_ASSERT_EQUAL(b[0], 0xff);
	CU_ASSERT_EQUAL(b[1], 0);
	CU_ASSERT_EQUAL(esp_natt_classify(b, 1), ESP_NATT_KEEPALIVE);
	CU_ASSERT_EQUAL(esp_natt_keepalive(b, 0), 0);
}

/*
 * The line for the I->R SA of the strongSwan 5.9.8 LAB exchange (research notes sections 2.5
 * and 7; keys from vectors/ikev1-vectors-from-strongswan598.json esp_enc_i2r/esp_auth_i2r),
 * whose captured ESP tshark decrypted with exactly this line.
 */
static void test_wireshark_line_lab(void)
{
	static const uint8_t keymat[52] = {
		0xc1, 0x4f, 0x2e, 0x0c, 0x16, 0x95, 0x53, 0x12, 0x57, 0x60, 0x69, 0x5a, 0x9d, 0xf5,
		0x9c, 0xfa, 0x7d, 0x2e, 0xc1, 0xfe, 0xc2, 0x00, 0x8d, 0xb3, 0xf5, 0xc8, 0xa0, 0x8c,
		0xa4, 0xab, 0xe3, 0xa9,
		0x7f, 0xae, 0x71, 0xb0, 0xa1, 0x9a, 0xb8, 0x26, 0x1a, 0xa3, 0x49, 0xb8, 0x72, 0x35,
		0xf3, 0xb6, 0xf8, 0x7f, 0xfe, 0xb4,
	};
	struct esp_sa_config cfg = {
		.spi = 0xea30623f, .dir = ESP_DIR_OUT, .encr = ESP_ENCR_AES256_CBC,
		.integ = ESP_INTEG_HMAC_SHA1_96, .keymat = keymat, .keymat_len = sizeof keymat,
	};
	struct esp_sa *sa = NULL;
	struct in_addr s, d;
	char line[512];
	const char *want =
		"\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0xea30623f\",\"AES-CBC [RFC3602]\","
		"\"0xc14f2e0c169553125760695a9df59cfa7d2ec1fec2008db3f5c8a08ca4abe3a9\","
		"\"HMAC-SHA-1-96 [RFC2404]\",\"0x7fae71b0a19ab8261aa349b87235f3b6f87ffeb4\"\n";

	inet_pton(AF_INET, "192.0.2.1", &s);
	inet_pton(AF_INET, "192.0.2.2", &d);
	CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, 0, &sa), 0);
	CU_ASSERT_EQUAL(esp_keyfile_line(sa, AF_INET, &s, &d, line, sizeof line), (int)strlen(want));
	CU_ASSERT_STRING_EQUAL(line, want);
	CU_ASSERT_EQUAL(esp_keyfile_line(sa, AF_INET, &s, &d, line, 40), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(line, "");
	CU_ASSERT_EQUAL(esp_keyfile_line(sa, AF_UNIX, &s, &d, line, sizeof line), -EINVAL);
	esp_sa_free(sa);
}

static void test_wireshark_names(void)
{
	/* Every pair: the names tshark 4.0 accepts (research notes section 7), IPv6 too. */
	static const char *const encr[] = {
		"AES-CBC [RFC3602]", "AES-CBC [RFC3602]", "AES-CBC [RFC3602]", "TripleDES-CBC [RFC2451]",
	};
	static const char *const integ[] = {
		"NULL", "HMAC-SHA-1-96 [RFC2404]", "HMAC-SHA-256-128 [RFC4868]",
		"HMAC-SHA-384-192 [RFC4868]", "HMAC-SHA-512-256 [RFC4868]",
	};
	uint8_t km[128] = { 0 };
	struct in6_addr s, d;
	char line[512], want[128];

	inet_pton(AF_INET6, "2001:db8::1", &s);
	inet_pton(AF_INET6, "2001:db8::2", &d);
	for (int e = 0; e < ESP_ENCR_COUNT; e++)
		for (int i = 0; i < ESP_INTEG_COUNT; i++) {
			struct esp_sa_config cfg = {
				.spi = 0x1234, .dir = ESP_DIR_IN, .encr = (enum esp_encr)e,
				.integ = (enum esp_integ)i, .keymat = km, .keymat_len = sizeof km,
			};
			struct esp_sa *sa = NULL;
			size_t ek = esp_encr_info((enum esp_encr)e)->key_len;

			CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, 0, &sa), 0);
			CU_ASSERT(esp_keyfile_line(sa, AF_INET6, &s, &d, line, sizeof line) > 0);
			snprintf(want, sizeof want, "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x00001234\",\"%s\",\"0x",
			         encr[e]);
			CU_ASSERT_EQUAL(strncmp(line, want, strlen(want)), 0);
			/* Encryption Key column: "0x" and two hex digits per key byte. */
			{
				const char *k = line + strlen(want) - 2, *end = strchr(k, '"');

				CU_ASSERT_EQUAL_FATAL(strncmp(k, "0x", 2), 0);
				CU_ASSERT_PTR_NOT_NULL_FATAL(end);
				CU_ASSERT_EQUAL((size_t)(end - k), 2 + 2 * ek);
			}
			snprintf(want, sizeof want, "\",\"%s\",\"", integ[i]);
			CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
			esp_sa_free(sa);
		}
}

UNIT_SUITE(esp_natt,
	UNIT_TEST(test_classify_table),
	UNIT_TEST(test_keepalive),
	UNIT_TEST(test_wireshark_line_lab),
	UNIT_TEST(test_wireshark_names))
