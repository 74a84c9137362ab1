/* IPv4 tunnel data path: overhead, fit / fragment / ICMP 3/4, MSS clamp. */
#include "tests/unit/unit.h"
#include "peers/esp/esp_path.h"
#include "peers/esp/esp_sa.h"

#include <errno.h>
#include <string.h>

static struct esp_sa *mk(enum esp_encr e, enum esp_integ i, bool udp)
{
	static const uint8_t km[128];
	struct esp_sa_config cfg = {
		.spi = 0x99, .dir = ESP_DIR_OUT, .encr = e, .integ = i, .keymat = km,
		.keymat_len = sizeof km, .udp_encap = udp,
	};
	struct esp_sa *sa = NULL;

	CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, 0, &sa), 0);
	return sa;
}

/* Independent one's complement sum over a buffer (0 when the checksum inside is right). */
static uint16_t fold(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t ipv4(uint8_t *p, size_t total, int df, uint8_t proto)
{
	memset(p, 0, total);
	p[0] = 0x45;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, "\x0a\x01\x00\x05\x0a\x02\x00\x07", 8);
	return total;
}

static void test_overhead_lab_example(void)
{
	/* Research notes 5 (LAB): 84-byte ping, AES-CBC/SHA1-96 in UDP/4500 -> 160-byte IP packet. */
	struct esp_sa *sa = mk(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, true);
	struct esp_sa *raw = mk(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, false);

	CU_ASSERT_EQUAL(84 + esp_path_overhead(sa, 84), 160);
	CU_ASSERT_EQUAL(84 + esp_path_overhead(raw, 84), 152);
	esp_sa_free(sa);
	esp_sa_free(raw);
}

static void test_inner_mtu_is_exact(void)
{
	/* For every SA shape: inner_mtu fits the link, one byte more does not. */
	for (int e = 0; e < ESP_ENCR_COUNT; e++)
		for (int i = 0; i < ESP_INTEG_COUNT; i++)
			for (int udp = 0; udp < 2; udp++) {
				struct esp_sa *sa = mk((enum esp_encr)e, (enum esp_integ)i, udp);

				for (size_t link = 1280; link <= 1500; link += 7) {
					size_t m = esp_path_inner_mtu(sa, link);

					CU_ASSERT(m + esp_path_overhead(sa, m) <= link);
					CU_ASSERT(m + 1 + esp_path_overhead(sa, m + 1) > link);
				}
				CU_ASSERT_EQUAL(esp_path_inner_mtu(sa, 40), 0);
				esp_sa_free(sa);
			}
	{
		/* 1500 with AES/SHA1-96 in UDP: 28 + 8 + 16 + 12 fixed, 1424 in blocks, 1422 inner. */
		struct esp_sa *sa = mk(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, true);

		CU_ASSERT_EQUAL(esp_path_inner_mtu(sa, 1500), 1422);
		esp_sa_free(sa);
	}
}

static void test_decide_table(void)
{
	struct esp_sa *sa = mk(ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA2_256_128, true);
	static uint8_t p[2000];
	static const struct {
		size_t len; int df; size_t tun, link; enum esp_path_action want; size_t mtu;
	} t[] = {
		/* kernel-libipsec TUN MTU 1400 (research notes section 4) */
		{ 1400, 1, 1400, 0, ESP_PATH_ENCRYPT, 1400 },
		{ 1401, 1, 1400, 0, ESP_PATH_FRAG_NEEDED, 1400 },
		{ 1401, 0, 1400, 0, ESP_PATH_FRAGMENT, 1400 },
		{ 1472, 0, 1400, 1500, ESP_PATH_FRAGMENT, 1400 },
		/* no tunnel MTU: the uplink decides (AES-256/SHA-256/UDP at 1500: 28 + 8 + 16 + 16
		 * fixed, 1424 in whole blocks, 1422 inner) */
		{ 1422, 1, 0, 1500, ESP_PATH_ENCRYPT, 1422 },
		{ 1423, 1, 0, 1500, ESP_PATH_FRAG_NEEDED, 1422 },
		{ 1500, 1, 0, 0, ESP_PATH_ENCRYPT, SIZE_MAX },
	};

	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		size_t mtu = 0;

		ipv4(p, t[k].len, t[k].df, 17);
		CU_ASSERT_EQUAL(esp_path_ipv4_decide(sa, p, t[k].len, t[k].tun, t[k].link, &mtu),
		                t[k].want);
		CU_ASSERT_EQUAL(mtu, t[k].mtu);
	}
	p[0] = 0x60;
	CU_ASSERT_EQUAL(esp_path_ipv4_decide(sa, p, 100, 1400, 0, &(size_t){ 0 }), ESP_PATH_INVALID);
	ipv4(p, 100, 1, 17);
	CU_ASSERT_EQUAL(esp_path_ipv4_decide(sa, p, 99, 1400, 0, &(size_t){ 0 }), ESP_PATH_INVALID);
	esp_sa_free(sa);
}

static void test_icmp_frag_needed(void)
{
	static const uint8_t gw[4] = { 10, 1, 0, 254 };
	uint8_t orig[1500], out[128];
	int n;

	ipv4(orig, 1500, 1, 17);
	for (int i = 20; i < 1500; i++)
		orig[i] = (uint8_t)i;
	orig[10] = 0; orig[11] = 0;
	{
		uint16_t c = fold(orig, 20, 0);

		orig[10] = (uint8_t)(c >> 8);
		orig[11] = (uint8_t)c;
	}
	n = esp_path_icmp_frag_needed(orig, sizeof orig, gw, 1400, 64, out, sizeof out);
	CU_ASSERT_EQUAL_FATAL(n, 20 + 8 + 28);
	CU_ASSERT_EQUAL(out[0], 0x45);
	CU_ASSERT_EQUAL(out[2] << 8 | out[3], n);
	CU_ASSERT_EQUAL(out[9], 1);
	CU_ASSERT_EQUAL(memcmp(out + 12, gw, 4), 0);
	CU_ASSERT_EQUAL(memcmp(out + 16, orig + 12, 4), 0);     /* to the original sender */
	CU_ASSERT_EQUAL(fold(out, 20, 0), 0);                   /* IP checksum verifies */
	CU_ASSERT_EQUAL(out[20], 3);
	CU_ASSERT_EQUAL(out[21], 4);
	CU_ASSERT_EQUAL(out[24] << 8 | out[25], 0);
	CU_ASSERT_EQUAL(out[26] << 8 | out[27], 1400);          /* RFC 1191 next-hop MTU */
	CU_ASSERT_EQUAL(memcmp(out + 28, orig, 28), 0);         /* header + 64 bits of data */
	CU_ASSERT_EQUAL(fold(out + 20, (size_t)n - 20, 0), 0);  /* ICMP checksum verifies */

	CU_ASSERT_EQUAL(esp_path_icmp_frag_needed(orig, sizeof orig, gw, 1400, 64, out, 40), -ENOSPC);
	/* No ICMP error about an ICMP error, nor about a non-first fragment. */
	ipv4(orig, 100, 1, 1);
	orig[20] = 3;
	CU_ASSERT_EQUAL(esp_path_icmp_frag_needed(orig, 100, gw, 1400, 64, out, sizeof out), -EINVAL);
	orig[20] = 8;                                           /* echo request: fine */
	CU_ASSERT_EQUAL(esp_path_icmp_frag_needed(orig, 100, gw, 1400, 64, out, sizeof out), 56);
	ipv4(orig, 100, 0, 17);
	orig[7] = 185;                                          /* offset 185 * 8 */
	CU_ASSERT_EQUAL(esp_path_icmp_frag_needed(orig, 100, gw, 1400, 64, out, sizeof out), -EINVAL);
}

/* A SYN with options NOP NOP MSS(1460) ... and a correct TCP checksum. */
static size_t syn(uint8_t *p, uint16_t mss, int with_mss, uint8_t flags)
{
	size_t total = 20 + 32;
	uint32_t pseudo = 0;
	uint16_t c;

	ipv4(p, total, 1, 6);
	p[20] = 0x9c; p[21] = 0x40; p[22] = 0x00; p[23] = 0x50;
	p[24] = 0x11; p[25] = 0x22; p[26] = 0x33; p[27] = 0x44;
	p[32] = 8 << 4;                 /* data offset 8 words: 12 option bytes */
	p[33] = flags;
	p[34] = 0xfa; p[35] = 0xf0;
	p[40] = 1; p[41] = 1;
	if (with_mss) {
		p[42] = 2; p[43] = 4; p[44] = (uint8_t)(mss >> 8); p[45] = (uint8_t)mss;
	} else {
		p[42] = 1; p[43] = 1; p[44] = 1; p[45] = 1;
	}
	p[46] = 4; p[47] = 2;           /* SACK permitted */
	p[48] = 1; p[49] = 3; p[50] = 3; p[51] = 7;     /* NOP, window scale 7 */
	for (int i = 12; i < 20; i += 2)
		pseudo += (uint32_t)p[i] << 8 | p[i + 1];
	pseudo += 6 + 32;
	c = fold(p + 20, 32, pseudo);
	p[36] = (uint8_t)(c >> 8);
	p[37] = (uint8_t)c;
	return total;
}

static int tcp_checksum_ok(const uint8_t *p)
{
	uint32_t pseudo = 0;

	for (int i = 12; i < 20; i += 2)
		pseudo += (uint32_t)p[i] << 8 | p[i + 1];
	pseudo += 6 + 32;
	return fold(p + 20, 32, pseudo) == 0;
}

static void test_mss_clamp(void)
{
	uint8_t p[64], before[64];
	size_t n;

	CU_ASSERT_EQUAL(esp_path_mss_for_mtu(1400), 1360);
	n = syn(p, 1460, 1, 0x02);
	CU_ASSERT_FATAL(tcp_checksum_ok(p));
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1360), 1);
	CU_ASSERT_EQUAL(p[44] << 8 | p[45], 1360);
	CU_ASSERT(tcp_checksum_ok(p));
	/* Already small enough, SYN-ACK clamped too, plain ACK untouched, no MSS option. */
	memcpy(before, p, n);
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1380), 0);
	CU_ASSERT_EQUAL(memcmp(before, p, n), 0);
	n = syn(p, 1460, 1, 0x12);
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), 1);
	CU_ASSERT(tcp_checksum_ok(p));
	n = syn(p, 1460, 1, 0x10);
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), 0);
	n = syn(p, 0, 0, 0x02);
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), 0);
	/* Malformed: option running past the header, MSS with a wrong length, short TCP. */
	n = syn(p, 1460, 1, 0x02);
	p[43] = 3;
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), -EINVAL);
	n = syn(p, 1460, 1, 0x02);
	p[40] = 4;                      /* an option before MSS whose length runs past it */
	p[41] = 40;
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), -EINVAL);
	n = syn(p, 1460, 1, 0x02);
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, 30, 1300), -EINVAL);        /* len < total */
	p[32] = 15 << 4;
	CU_ASSERT_EQUAL(esp_path_tcp_mss_clamp(p, n, 1300), -EINVAL);         /* offset > seg */
}

/* Reassemble fragments by offset and compare with the original data; check every header. */
static void check_fragments(const uint8_t *orig, size_t olen, size_t ohl, const uint8_t *out,
                            const struct esp_frag *f, int n, size_t mtu, int orig_mf,
                            uint16_t orig_off)
{
	static uint8_t data[65536];
	size_t covered = 0;

	memset(data, 0xee, olen);
	for (int k = 0; k < n; k++) {
		const uint8_t *h = out + f[k].off;
		size_t hl = (size_t)(h[0] & 15) * 4;
		uint16_t fo = (uint16_t)((h[6] << 8 | h[7]) & 0x1fff);
		int mf = (h[6] & 0x20) != 0;

		CU_ASSERT(f[k].len <= mtu);
		CU_ASSERT_EQUAL((size_t)(h[2] << 8 | h[3]), f[k].len);
		CU_ASSERT_EQUAL(fold(h, hl, 0), 0);
		CU_ASSERT_EQUAL(memcmp(h + 4, orig + 4, 2), 0);         /* same ID */
		CU_ASSERT_EQUAL(mf, k < n - 1 ? 1 : orig_mf);
		CU_ASSERT(k == n - 1 || (f[k].len - hl) % 8 == 0);
		CU_ASSERT_EQUAL((size_t)(fo - orig_off) * 8, covered);
		memcpy(data + covered, h + hl, f[k].len - hl);
		covered += f[k].len - hl;
	}
	CU_ASSERT_EQUAL(covered, olen - ohl);
	CU_ASSERT_EQUAL(memcmp(data, orig + ohl, olen - ohl), 0);
}

static void test_fragment_before_encryption(void)
{
	static uint8_t p[1500], out[3000];
	struct esp_frag f[8];
	int n;

	/* kernel-libipsec: a 1500-byte packet at the 1400 TUN: 1396 + 124 on the wire. */
	ipv4(p, 1500, 0, 17);
	for (int i = 20; i < 1500; i++)
		p[i] = (uint8_t)(i * 7);
	n = esp_path_ipv4_fragment(p, 1500, 1400, out, sizeof out, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(f[0].len, 20 + 1376);
	CU_ASSERT_EQUAL(f[1].len, 20 + 104);
	check_fragments(p, 1500, 20, out, f, n, 1400, 0, 0);
	/* Small MTU: many fragments; not enough room -> -ENOSPC; DF set -> refused. */
	n = esp_path_ipv4_fragment(p, 1500, 576, out, sizeof out, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	check_fragments(p, 1500, 20, out, f, n, 576, 0, 0);
	CU_ASSERT_EQUAL(esp_path_ipv4_fragment(p, 1500, 100, out, sizeof out, f, 8), -ENOSPC);
	CU_ASSERT_EQUAL(esp_path_ipv4_fragment(p, 1500, 27, out, sizeof out, f, 8), -EINVAL);
	p[6] = 0x40;
	CU_ASSERT_EQUAL(esp_path_ipv4_fragment(p, 1500, 1400, out, sizeof out, f, 8), -EINVAL);
	/* A fragment of a fragment: offsets continue from 100 * 8, the last keeps MF. */
	p[6] = 0x20;
	p[7] = 100;
	n = esp_path_ipv4_fragment(p, 1500, 1000, out, sizeof out, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	check_fragments(p, 1500, 20, out, f, n, 1000, 1, 100);
}

/*
 * Research notes section 4 (LAB, kernel-libipsec, TUN MTU 1400, AES-CBC/HMAC-SHA1-96 in
 * UDP/4500): "a 1428-byte ping left as ESP 1452+108 (UDP lengths)".
 */
static void test_lab_libipsec_ping_1428(void)
{
	static uint8_t p[1428], out[3000];
	struct esp_sa *sa = mk(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, true);
	struct esp_frag f[4];
	size_t mtu = 0;
	int n;

	ipv4(p, sizeof p, 0, 1);
	CU_ASSERT_EQUAL(esp_path_ipv4_decide(sa, p, sizeof p, 1400, 1500, &mtu), ESP_PATH_FRAGMENT);
	n = esp_path_ipv4_fragment(p, sizeof p, mtu, out, sizeof out, f, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(8 + esp_sa_out_len(sa, f[0].len), 1452);
	CU_ASSERT_EQUAL(8 + esp_sa_out_len(sa, f[1].len), 108);
	esp_sa_free(sa);
}

static void test_fragment_options(void)
{
	/* IHL 7: Router Alert (0x94, copied) + Timestamp (0x44, not copied). */
	static uint8_t p[1000], out[2000];
	struct esp_frag f[8];
	int n;

	ipv4(p, 1000, 0, 17);
	p[0] = 0x47;
	memcpy(p + 20, "\x94\x04\x00\x00\x44\x04\x05\x00", 8);
	for (int i = 28; i < 1000; i++)
		p[i] = (uint8_t)i;
	n = esp_path_ipv4_fragment(p, 1000, 500, out, sizeof out, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(out[f[0].off], 0x47);                   /* first keeps every option */
	CU_ASSERT_EQUAL(out[f[1].off], 0x46);                   /* later: Router Alert only */
	CU_ASSERT_EQUAL(memcmp(out + f[1].off + 20, "\x94\x04\x00\x00", 4), 0);
	check_fragments(p, 1000, 28, out, f, n, 500, 0, 0);
}

static void test_outer_df(void)
{
	CU_ASSERT_EQUAL(esp_path_outer_df(ESP_DF_COPY, 1), 1);
	CU_ASSERT_EQUAL(esp_path_outer_df(ESP_DF_COPY, 0), 0);
	CU_ASSERT_EQUAL(esp_path_outer_df(ESP_DF_CLEAR, 1), 0);
	CU_ASSERT_EQUAL(esp_path_outer_df(ESP_DF_SET, 0), 1);
}

UNIT_SUITE(esp_path,
	UNIT_TEST(test_fragment_before_encryption),
	UNIT_TEST(test_lab_libipsec_ping_1428),
	UNIT_TEST(test_fragment_options),
	UNIT_TEST(test_outer_df),
	UNIT_TEST(test_overhead_lab_example),
	UNIT_TEST(test_inner_mtu_is_exact),
	UNIT_TEST(test_decide_table),
	UNIT_TEST(test_icmp_frag_needed),
	UNIT_TEST(test_mss_clamp))
