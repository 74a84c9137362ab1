/*
 * `show crypto sa` of a running gateway (harness/gateway_show.h): two gateways on the
 * in-memory wire, the F220-style text built from the real SA state: the SPIs and keys are
 * the ones the peer holds for the other direction, the counters those of the packets sent,
 * the lifetime counts down with lab time, and a transform an F220 cannot have is left out.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"
#include "harness/gateway_show.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A_ADDR "192.0.2.1"
#define B_ADDR "192.0.2.2"

static struct wire *pair(const char *esp)
{
	struct gw_config a, b;
	struct wire *w = wire_new();

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	gw_dataplane_default(&a.dp);
	gw_dataplane_default(&b.dp);
	wire_conn(&a.conns[0], "m1", A_ADDR, B_ADDR, "10.1.0.0/16", "10.2.0.0/16",
	          "aes128-sha1-modp1536", esp, true);
	wire_conn(&b.conns[0], "to-a", B_ADDR, A_ADDR, "10.2.0.0/16", "10.1.0.0/16",
	          "aes128-sha1-modp1536", esp, false);
	a.conns[0].ike.esp_lifetime = b.conns[0].ike.esp_lifetime = lab_sec(1800);
	a.nconns = b.nconns = 1;
	if (wire_add(w, A_ADDR, &a, 5) || wire_add(w, B_ADDR, &b, 6)) {
		wire_free(w);
		return NULL;
	}
	wire_run(w, lab_sec(5));
	return w;
}

static void hex(char *out, const uint8_t *k, size_t n)
{
	out += sprintf(out, "0x");
	for (size_t i = 0; i < n; i++)
		out += sprintf(out, "%02x", k[i]);
}

static void test_show_from_sa_state(void)
{
	struct wire *w = pair("aes128-sha1-modp1536");
	struct gw_sa_info ia, ib;
	uint8_t p[200];
	char *text, want[200], key[80];
	size_t skipped = 9;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (int i = 0; i < 6; i++) {
		wire_ping(p, sizeof p, "10.1.0.5", "10.2.0.7", false, (uint16_t)i);
		wire_send(w, 0, p, sizeof p);
	}
	wire_ping(p, sizeof p, "10.2.0.7", "10.1.0.5", false, 9);
	wire_send(w, 1, p, sizeof p);
	CU_ASSERT_TRUE_FATAL(gw_conn_sa(w->g[0].gw, 0, &ia));
	CU_ASSERT_TRUE_FATAL(gw_conn_sa(w->g[1].gw, 0, &ib));
	/* one SA pair seen from both ends */
	CU_ASSERT_EQUAL(ia.spi_in, ib.spi_out);
	CU_ASSERT_EQUAL(ia.spi_out, ib.spi_in);
	CU_ASSERT_EQUAL(memcmp(ia.enc_in, ib.enc_out, ia.enc_len), 0);
	CU_ASSERT_EQUAL(ia.out.packets, 6);
	CU_ASSERT_EQUAL(ib.in.packets, 6);
	CU_ASSERT_EQUAL(ia.in.packets, 1);
	CU_ASSERT_EQUAL(ia.ike_sas, 1);

	/* 600 s later */
	text = gateway_show_crypto_sa(w->g[0].gw, ia.created + lab_sec(600), &skipped);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  IPSEC SA <I>\n    Selector :\n"
	                                    "      10.1.0.0/16 ALL ALL <---> 10.2.0.0/16 ALL ALL\n"
	                                    "    Interface : tunnel 1\n"
	                                    "    Peer IP : 192.0.2.2/500\n"
	                                    "    Local IP : 192.0.2.1/500\n"
	                                    "    Encryption algorithm : AES-CBC/128\n"
	                                    "    Authentication algorithm : HMAC-SHA1-96/160\n"
	                                    "    Life time : 1200/1800 sec\n"
	                                    "    PFS : on (group 5) ESN : off\n    IN\n"));
	snprintf(want, sizeof want, "      SPI : %08x\n      Packets       : 1\n", ia.spi_in);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	snprintf(want, sizeof want, "      SPI : %08x\n      Packets       : 6\n", ia.spi_out);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	hex(key, ib.enc_out, ib.enc_len);       /* A's inbound key is B's outbound one */
	snprintf(want, sizeof want, "      Cipher Key    : %s\n", key);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  Total number of ISAKMP SA 1\n"
	                                    "  Total number of IPSEC SA 1\n"));
	explicit_bzero(&ia, sizeof ia);
	explicit_bzero(&ib, sizeof ib);
	free(text);
	/* the responder's view */
	text = gateway_show_crypto_sa(w->g[1].gw, lab_sec(5), &skipped);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "IPSEC SA <R>"));
	free(text);
	wire_free(w);
}

/* AES-256 with HMAC-SHA-512: vpnlab's gateway negotiates it, an F220 cannot; no SA shown. */
static void test_show_skips_foreign_transform(void)
{
	struct wire *w = pair("aes256-sha512");
	char *text;
	size_t skipped = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	text = gateway_show_crypto_sa(w->g[0].gw, lab_sec(5), &skipped);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(skipped, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Total number of IPSEC SA 0\n"));
	free(text);
	wire_free(w);
}

UNIT_SUITE(gateway_show,
           UNIT_TEST(test_show_from_sa_state),
           UNIT_TEST(test_show_skips_foreign_transform))
