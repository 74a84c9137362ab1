/*
 * ESP SA behaviour: round trips for every cipher x integrity pair, sizes, sequence numbers,
 * every drop reason with its counter, padding strict/lenient, lifetimes, the SPI table.
 */
#include "tests/unit/unit.h"
#include "peers/drbg.h"
#include "peers/esp/esp_replay.h"
#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint8_t km[128];

static void keymat_fill(void)
{
	for (size_t i = 0; i < sizeof km; i++)
		km[i] = (uint8_t)(i * 13 + 5);
}

static struct esp_sa *mk(enum esp_dir dir, enum esp_encr e, enum esp_integ i, uint32_t spi,
                         uint32_t window, bool lenient)
{
	struct esp_sa_config cfg = {
		.spi = spi, .dir = dir, .encr = e, .integ = i, .keymat = km, .keymat_len = sizeof km,
		.replay_window = window, .lenient_padding = lenient,
	};
	struct esp_sa *sa = NULL;

	keymat_fill();
	CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, 0, &sa), 0);
	return sa;
}

/* A syntactically valid IPv4 packet of len bytes (ver 4, IHL 5, total length). */
static void ipv4(uint8_t *p, size_t len, uint8_t fill)
{
	memset(p, fill, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
}

static void test_roundtrip_all_pairs(void)
{
	static const size_t sizes[] = { 20, 21, 28, 84, 1000, 1400, 1438 };
	struct drbg rng;
	uint8_t inner[1500], out[1700], back[1700];

	drbg_init(&rng, 11);
	for (int e = 0; e < ESP_ENCR_COUNT; e++)
		for (int i = 0; i < ESP_INTEG_COUNT; i++) {
			const struct esp_encr_info *ei = esp_encr_info((enum esp_encr)e);
			struct esp_sa *o = mk(ESP_DIR_OUT, (enum esp_encr)e, (enum esp_integ)i, 0x1000, 0,
			                      false);
			struct esp_sa *in = mk(ESP_DIR_IN, (enum esp_encr)e, (enum esp_integ)i, 0x1000,
			                       32, false);

			for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
				struct esp_in_result res;
				size_t olen = 0, ct;

				ipv4(inner, sizes[s], (uint8_t)(e * 16 + i));
				CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizes[s], out, sizeof out,
				                               &olen), 0);
				CU_ASSERT_EQUAL(olen, esp_sa_out_len(o, sizes[s]));
				/* RFC 4303 2.4: plaintext + trailer a whole number of blocks, pad < block */
				ct = olen - 8 - ei->block_len - esp_integ_info((enum esp_integ)i)->icv_len;
				CU_ASSERT_EQUAL(ct % ei->block_len, 0);
				CU_ASSERT(ct >= sizes[s] + 2 && ct < sizes[s] + 2 + ei->block_len);
				CU_ASSERT_EQUAL(olen % 4, 0);
				CU_ASSERT_EQUAL(esp_sa_decrypt(in, out, olen, back, sizeof back, &res),
				                ESP_OK);
				CU_ASSERT_EQUAL(res.seq, s + 1);
				CU_ASSERT_EQUAL(res.inner_len, sizes[s]);
				CU_ASSERT_EQUAL(memcmp(back, inner, sizes[s]), 0);
			}
			esp_sa_free(o);
			esp_sa_free(in);
		}
}

static void test_lab_size_example(void)
{
	/* Research notes section 5 (LAB): 84-byte ICMP echo, AES-CBC + SHA1-96 -> ESP 132 bytes. */
	struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 1, 0, false);

	CU_ASSERT_EQUAL(esp_sa_out_len(o, 84), 132);
	esp_sa_free(o);
}

static void test_header_sequence_and_iv(void)
{
	struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA2_256_128,
	                      0xea30623f, 0, false);
	struct drbg rng;
	uint8_t inner[64], a[256], b[256];
	size_t la = 0, lb = 0;
	struct esp_sa_stats st;

	drbg_init(&rng, 5);
	ipv4(inner, sizeof inner, 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, a, sizeof a, &la), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, b, sizeof b, &lb), 0);
	CU_ASSERT_EQUAL(memcmp(a, "\xea\x30\x62\x3f\x00\x00\x00\x01", 8), 0);  /* starts at 1 */
	CU_ASSERT_EQUAL(memcmp(b, "\xea\x30\x62\x3f\x00\x00\x00\x02", 8), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a + 8, b + 8, 16), 0);                      /* fresh IV */
	esp_sa_stats(o, &st);
	CU_ASSERT_EQUAL(st.packets, 2);
	CU_ASSERT_EQUAL(st.bytes, 2 * sizeof inner);
	CU_ASSERT_EQUAL(st.seq, 2);
	esp_sa_free(o);
}

static void test_encrypt_refusals(void)
{
	struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 9, 0, false);
	struct esp_sa *in = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 9, 0, false);
	struct drbg rng;
	uint8_t inner[100], out[200];
	size_t olen = 0;
	struct esp_sa_stats st;

	drbg_init(&rng, 1);
	ipv4(inner, sizeof inner, 1);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, out, 100, &olen), -ENOSPC);
	inner[0] = 0x55;                        /* not IPv4/IPv6: no next header to give */
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, out, sizeof out, &olen), -EINVAL);
	inner[0] = 0x45;
	CU_ASSERT_EQUAL(esp_sa_encrypt(in, &rng, inner, sizeof inner, out, sizeof out, &olen), -EINVAL);
	CU_ASSERT_EQUAL(esp_sa_seq_restart(o, 0), -EINVAL);
	CU_ASSERT_EQUAL(esp_sa_seq_restart(o, 0xffffffffu), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, out, sizeof out, &olen), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, out, sizeof out, &olen),
	                -EOVERFLOW);
	esp_sa_stats(o, &st);
	CU_ASSERT_EQUAL(st.packets, 1);
	CU_ASSERT_EQUAL(st.seq, 0xffffffffu);
	esp_sa_free(o);
	esp_sa_free(in);
}

static void test_new_refusals(void)
{
	struct esp_sa_config cfg = {
		.spi = 1, .dir = ESP_DIR_IN, .encr = ESP_ENCR_AES256_CBC,
		.integ = ESP_INTEG_HMAC_SHA2_256_128, .keymat = km, .keymat_len = 63,
	};
	struct esp_sa *sa = (struct esp_sa *)&cfg;

	CU_ASSERT_EQUAL(esp_sa_new(&cfg, 0, &sa), -EINVAL);     /* 32 + 32 needed */
	CU_ASSERT_PTR_NULL(sa);
	cfg.keymat_len = 64;
	cfg.spi = 0;
	CU_ASSERT_EQUAL(esp_sa_new(&cfg, 0, &sa), -EINVAL);     /* SPI 0 is reserved */
	cfg.spi = 1;
	cfg.replay_window = ESP_REPLAY_MAX + 1;
	CU_ASSERT_EQUAL(esp_sa_new(&cfg, 0, &sa), -EINVAL);
	cfg.replay_window = 1024;
	cfg.encr = ESP_ENCR_COUNT;
	CU_ASSERT_EQUAL(esp_sa_new(&cfg, 0, &sa), -EINVAL);
	cfg.encr = ESP_ENCR_AES256_CBC;
	CU_ASSERT_EQUAL(esp_sa_new(&cfg, 0, &sa), 0);
	CU_ASSERT_PTR_NOT_NULL(sa);
	esp_sa_free(sa);
}

static void test_keys_split_enc_then_integ(void)
{
	/* IKEv1 KEYMAT: encryption key first, then the integrity key (research notes 2.5). */
	struct esp_sa *sa = mk(ESP_DIR_IN, ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA1_96, 3, 0, false);
	size_t el, il;
	const uint8_t *ek = esp_sa_enc_key(sa, &el), *ik = esp_sa_integ_key(sa, &il);

	CU_ASSERT_EQUAL(el, 32);
	CU_ASSERT_EQUAL(il, 20);
	CU_ASSERT_EQUAL(memcmp(ek, km, 32), 0);
	CU_ASSERT_EQUAL(memcmp(ik, km + 32, 20), 0);
	esp_sa_free(sa);
}

/*
 * Build an ESP packet around any plaintext (trailer included) with the same keys, so tests can
 * send what a broken or different peer would send, with a valid ICV.
 */
static size_t forge(enum esp_encr e, enum esp_integ i, uint32_t spi, uint32_t seq,
                    const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	const struct esp_encr_info *ei = esp_encr_info(e);
	const struct esp_integ_info *ii = esp_integ_info(i);
	size_t n = 8 + ei->block_len + ptlen;

	keymat_fill();
	out[0] = (uint8_t)(spi >> 24); out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);  out[3] = (uint8_t)spi;
	out[4] = (uint8_t)(seq >> 24); out[5] = (uint8_t)(seq >> 16);
	out[6] = (uint8_t)(seq >> 8);  out[7] = (uint8_t)seq;
	memset(out + 8, 0x5a, ei->block_len);
	CU_ASSERT_EQUAL_FATAL(esp_encr_cbc(e, 1, km, out + 8, pt, ptlen, out + 8 + ei->block_len), 0);
	if (ii->icv_len)
		CU_ASSERT_EQUAL_FATAL(esp_integ_icv(i, km + ei->key_len, ii->key_len, out, n, out + n), 0);
	return n + ii->icv_len;
}

static void test_padding_strict_and_lenient(void)
{
	/* 44 inner bytes + 2 trailer -> 2 pad bytes to 48; zero padding as some peers send. */
	uint8_t pt[48], pkt[128], out[128];
	struct esp_sa *strict = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 32, false);
	struct esp_sa *lenient = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 32, true);
	struct esp_in_result res;
	struct esp_sa_stats st;
	size_t n;

	ipv4(pt, 44, 0x11);
	pt[44] = 0; pt[45] = 0; pt[46] = 2; pt[47] = ESP_NH_IPV4;
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 1, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(strict, pkt, n, out, sizeof out, &res), ESP_E_PADDING);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.msg, "pad byte 1"));
	CU_ASSERT_EQUAL(esp_sa_decrypt(lenient, pkt, n, out, sizeof out, &res), ESP_OK);
	CU_ASSERT_EQUAL(res.inner_len, 44);
	/* A padding drop does not move the window: the same seq still passes once fixed. */
	pt[44] = 1; pt[45] = 2;
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 1, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(strict, pkt, n, out, sizeof out, &res), ESP_OK);
	/* Pad length larger than the plaintext: refused in both modes. */
	pt[46] = 47;
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 2, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(lenient, pkt, n, out, sizeof out, &res), ESP_E_PADDING);
	esp_sa_stats(strict, &st);
	CU_ASSERT_EQUAL(st.drops[ESP_E_PADDING], 1);
	CU_ASSERT_EQUAL(st.packets, 1);
	esp_sa_free(strict);
	esp_sa_free(lenient);
}

static void test_packet_after_packet_matches_one_shot(void)
{
	/*
	 * An SA keeps one cipher context for its life and continues its CBC stream from packet to
	 * packet (esp_int.h): every packet must still be exactly what a fresh context with that
	 * packet's IV gives, both ways, for every cipher, with in-place and separate buffers.
	 */
	static const enum esp_encr encs[] = {
		ESP_ENCR_AES128_CBC, ESP_ENCR_AES192_CBC, ESP_ENCR_AES256_CBC, ESP_ENCR_3DES_CBC,
	};

	for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++) {
		const struct esp_encr_info *ei = esp_encr_info(encs[e]);
		struct esp_sa *out = mk(ESP_DIR_OUT, encs[e], ESP_INTEG_HMAC_SHA2_256_128, 9, 0, false);
		struct esp_sa *in = mk(ESP_DIR_IN, encs[e], ESP_INTEG_HMAC_SHA2_256_128, 9, 0, false);
		uint8_t inner[600], pkt[700], ref[700], back[700], iv[16];
		struct esp_in_result res;
		size_t n, ct_len;

		for (unsigned k = 0; k < 30; k++) {
			size_t len = 20 + 17 * k;

			ipv4(inner, len, (uint8_t)k);
			for (size_t j = 0; j < sizeof iv; j++)
				iv[j] = (uint8_t)(k * 31 + j * 7);
			if (k % 2) {    /* in place: the inner packet already where the payload goes */
				memcpy(pkt + 8 + ei->block_len, inner, len);
				CU_ASSERT_EQUAL_FATAL(esp_sa_encrypt_iv(out, iv, pkt + 8 + ei->block_len,
				                                        len, pkt, sizeof pkt, &n), 0);
			} else {
				CU_ASSERT_EQUAL_FATAL(esp_sa_encrypt_iv(out, iv, inner, len, pkt,
				                                        sizeof pkt, &n), 0);
			}
			ct_len = n - 8 - ei->block_len - 16;
			CU_ASSERT_EQUAL_FATAL(esp_encr_cbc(encs[e], 0, km, iv, pkt + 8 + ei->block_len,
			                                   ct_len, ref), 0);
			CU_ASSERT_EQUAL(memcmp(ref, inner, len), 0);
			CU_ASSERT_EQUAL(ref[ct_len - 1], ESP_NH_IPV4);
			/* the chained inbound SA, alternating with packets a fresh context made */
			CU_ASSERT_EQUAL_FATAL(esp_sa_decrypt(in, pkt, n, back, sizeof back, &res), ESP_OK);
			CU_ASSERT_EQUAL(res.inner_len, len);
			CU_ASSERT_EQUAL(memcmp(back, inner, len), 0);
			ref[ct_len - 2] = 0;    /* no padding needed: whole blocks of inner + 2 */
			if ((len + 2) % ei->block_len == 0) {
				n = forge(encs[e], ESP_INTEG_HMAC_SHA2_256_128, 9, 100 + k, ref, ct_len,
				          pkt);
				CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, back, sizeof back, &res), ESP_OK);
				CU_ASSERT_EQUAL(memcmp(back, inner, len), 0);
			}
		}
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

static void test_next_header(void)
{
	uint8_t pt[48], pkt[128], out[128];
	struct esp_sa *in = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 32, false);
	struct esp_in_result res;
	size_t n;

	ipv4(pt, 44, 0x22);
	pt[44] = 1; pt[45] = 2; pt[46] = 2; pt[47] = 17;       /* UDP: transport mode, not ours */
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 9, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_E_NEXT_HEADER);
	CU_ASSERT_EQUAL(res.next_header, 17);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_E_NEXT_HEADER);
	pt[47] = ESP_NH_NONE;                                  /* 59: dummy (RFC 4303 2.6) */
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 1, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_E_DUMMY);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_E_REPLAY_DUP);
	pt[47] = ESP_NH_IPV6;                                  /* says IPv6, carries IPv4 */
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 2, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_E_NEXT_HEADER);
	pt[0] = 0x60;
	n = forge(ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 7, 3, pt, sizeof pt, pkt);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, pkt, n, out, sizeof out, &res), ESP_OK);
	CU_ASSERT_EQUAL(res.next_header, ESP_NH_IPV6);
	esp_sa_free(in);
}

/* Every drop reason through the table, each with its own counter. */
static void test_table_drop_reasons(void)
{
	struct esp_table *t = NULL;
	struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0xabc, 0, false);
	struct esp_sa *in = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0xabc, 32, false);
	struct esp_sa *hit = NULL;
	struct drbg rng;
	uint8_t inner[60], p1[200], p2[200], bad[200], out[200];
	size_t l1 = 0, l2 = 0;
	struct esp_in_result res;
	struct esp_sa_stats st;
	const uint64_t *c;

	drbg_init(&rng, 9);
	ipv4(inner, sizeof inner, 3);
	CU_ASSERT_EQUAL_FATAL(esp_table_new(&t), 0);
	CU_ASSERT_EQUAL_FATAL(esp_table_add(t, in), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p1, sizeof p1, &l1), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p2, sizeof p2, &l2), 0);

	CU_ASSERT_EQUAL(esp_table_input(t, p1, 7, out, sizeof out, &res, &hit), ESP_E_SHORT);
	CU_ASSERT_PTR_NULL(hit);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, 8 + 16 + 16 + 11, out, sizeof out, &res, &hit),
	                ESP_E_SHORT);
	CU_ASSERT_PTR_EQUAL(hit, in);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, l1 - 4, out, sizeof out, &res, NULL), ESP_E_LENGTH);
	memcpy(bad, p1, l1);
	bad[3] ^= 1;
	CU_ASSERT_EQUAL(esp_table_input(t, bad, l1, out, sizeof out, &res, &hit), ESP_E_UNKNOWN_SPI);
	CU_ASSERT_PTR_NULL(hit);
	CU_ASSERT_EQUAL(res.spi, 0xabd);
	memcpy(bad, p1, l1);
	bad[30] ^= 0x80;                        /* ciphertext */
	CU_ASSERT_EQUAL(esp_table_input(t, bad, l1, out, sizeof out, &res, NULL), ESP_E_AUTH);
	memcpy(bad, p1, l1);
	bad[l1 - 1] ^= 1;                       /* ICV */
	CU_ASSERT_EQUAL(esp_table_input(t, bad, l1, out, sizeof out, &res, NULL), ESP_E_AUTH);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, l1, out, 10, &res, NULL), ESP_E_NOSPC);
	CU_ASSERT_EQUAL(esp_table_input(t, p2, l2, out, sizeof out, &res, &hit), ESP_OK);
	CU_ASSERT_PTR_EQUAL(hit, in);
	CU_ASSERT_EQUAL(res.inner_len, sizeof inner);
	CU_ASSERT_EQUAL(esp_table_input(t, p2, l2, out, sizeof out, &res, NULL), ESP_E_REPLAY_DUP);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, l1, out, sizeof out, &res, NULL), ESP_OK);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, l1, out, sizeof out, &res, NULL), ESP_E_REPLAY_DUP);
	for (int k = 0; k < 40; k++)
		CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p2, sizeof p2, &l2), 0);
	CU_ASSERT_EQUAL(esp_table_input(t, p2, l2, out, sizeof out, &res, NULL), ESP_OK);
	CU_ASSERT_EQUAL(esp_table_input(t, p1, l1, out, sizeof out, &res, NULL), ESP_E_REPLAY_OLD);

	c = esp_table_counters(t);
	CU_ASSERT_EQUAL(c[ESP_OK], 3);
	CU_ASSERT_EQUAL(c[ESP_E_SHORT], 2);
	CU_ASSERT_EQUAL(c[ESP_E_LENGTH], 1);
	CU_ASSERT_EQUAL(c[ESP_E_UNKNOWN_SPI], 1);
	CU_ASSERT_EQUAL(c[ESP_E_AUTH], 2);
	CU_ASSERT_EQUAL(c[ESP_E_NOSPC], 1);
	CU_ASSERT_EQUAL(c[ESP_E_REPLAY_DUP], 2);
	CU_ASSERT_EQUAL(c[ESP_E_REPLAY_OLD], 1);
	esp_sa_stats(in, &st);
	CU_ASSERT_EQUAL(st.packets, 3);
	CU_ASSERT_EQUAL(st.bytes, 3 * sizeof inner);
	CU_ASSERT_EQUAL(st.drops[ESP_E_AUTH], 2);
	CU_ASSERT_EQUAL(st.drops[ESP_E_REPLAY_DUP], 2);
	CU_ASSERT_EQUAL(st.drops[ESP_E_UNKNOWN_SPI], 0);       /* not this SA's */
	CU_ASSERT_EQUAL(st.seq, 42);
	esp_table_free(t);
	esp_sa_free(o);
}

/* Auth failure must not advance the window: a forged high seq cannot shut out real traffic. */
static void test_forged_seq_does_not_move_window(void)
{
	struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0x77, 0, false);
	struct esp_sa *in = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0x77, 32, false);
	struct drbg rng;
	uint8_t inner[40], p[200], forged[200], out[200];
	size_t l = 0;
	struct esp_in_result res;

	drbg_init(&rng, 2);
	ipv4(inner, sizeof inner, 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p, sizeof p, &l), 0);
	memcpy(forged, p, l);
	forged[4] = 0x7f;                       /* seq 0x7f000001, ICV no longer matches */
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, forged, l, out, sizeof out, &res), ESP_E_AUTH);
	CU_ASSERT_EQUAL(esp_sa_decrypt(in, p, l, out, sizeof out, &res), ESP_OK);
	esp_sa_free(o);
	esp_sa_free(in);
}

/* Gateway fail-over: the sender restarts at 1; replay on drops it, window 0 lets it through. */
static void test_sequence_restart_end_to_end(void)
{
	for (int window = 128; window >= 0; window -= 128) {
		struct esp_sa *o = mk(ESP_DIR_OUT, ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA2_256_128, 5, 0,
		                      false);
		struct esp_sa *in = mk(ESP_DIR_IN, ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA2_256_128, 5,
		                       (uint32_t)window, false);
		struct drbg rng;
		uint8_t inner[40], p[200], out[200];
		size_t l = 0;
		struct esp_in_result res;
		unsigned ok = 0, old = 0;

		drbg_init(&rng, 4);
		ipv4(inner, sizeof inner, 0);
		for (int k = 0; k < 300; k++) {
			CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p, sizeof p, &l), 0);
			ok += esp_sa_decrypt(in, p, l, out, sizeof out, &res) == ESP_OK;
		}
		CU_ASSERT_EQUAL(esp_sa_seq_restart(o, 1), 0);
		for (int k = 0; k < 10; k++) {
			enum esp_verdict v;

			CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, sizeof inner, p, sizeof p, &l), 0);
			v = esp_sa_decrypt(in, p, l, out, sizeof out, &res);
			ok += v == ESP_OK;
			old += v == ESP_E_REPLAY_OLD;
		}
		CU_ASSERT_EQUAL(ok, window ? 300 : 310);
		CU_ASSERT_EQUAL(old, window ? 10 : 0);
		esp_sa_free(o);
		esp_sa_free(in);
	}
}

static void test_lifetimes(void)
{
	struct esp_sa_config cfg = {
		.spi = 0x42, .dir = ESP_DIR_OUT, .encr = ESP_ENCR_AES128_CBC,
		.integ = ESP_INTEG_HMAC_SHA1_96, .keymat = km, .keymat_len = sizeof km,
		.soft_kbytes = 2, .hard_kbytes = 3,
		.soft_time = lab_sec(1500), .hard_time = lab_sec(1800),
	};
	struct esp_sa *o = NULL;
	struct drbg rng;
	uint8_t inner[1000], out[1200];
	size_t l = 0;
	lab_ns t0 = lab_sec(100);

	drbg_init(&rng, 8);
	ipv4(inner, sizeof inner, 0);
	CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, t0, &o), 0);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0), ESP_LIFE_OK);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0 + lab_sec(1500) - 1), ESP_LIFE_OK);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0 + lab_sec(1500)), ESP_LIFE_SOFT);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0 + lab_sec(1800)), ESP_LIFE_HARD);
	/* Bytes: 2 KiB soft = 2048, 3 KiB hard = 3072 inner bytes. */
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, 1000, out, sizeof out, &l), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, 1000, out, sizeof out, &l), 0);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0), ESP_LIFE_OK);           /* 2000 */
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, 48, out, sizeof out, &l), 0);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0), ESP_LIFE_SOFT);         /* 2048 */
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, 1000, out, sizeof out, &l), 0);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0), ESP_LIFE_SOFT);         /* 3048 */
	CU_ASSERT_EQUAL(esp_sa_encrypt(o, &rng, inner, 24, out, sizeof out, &l), 0);
	CU_ASSERT_EQUAL(esp_sa_lifetime(o, t0), ESP_LIFE_HARD);         /* 3072 */
	esp_sa_free(o);
}

/* Rekey hand-over: old and new inbound SAs both accepted until the old one is deleted. */
static void test_table_rekey_handover(void)
{
	struct esp_table *t = NULL;
	struct esp_sa *old_o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0x100, 0, false);
	struct esp_sa *new_o = mk(ESP_DIR_OUT, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0x200, 0, false);
	struct esp_sa *dup = mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 0x100, 32, false);
	struct drbg rng;
	uint8_t inner[40], a[200], b[200], out[200];
	size_t la = 0, lb = 0;
	struct esp_in_result res;

	drbg_init(&rng, 3);
	ipv4(inner, sizeof inner, 0);
	CU_ASSERT_EQUAL_FATAL(esp_table_new(&t), 0);
	CU_ASSERT_EQUAL(esp_table_add(t, mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96,
	                                    0x100, 32, false)), 0);
	CU_ASSERT_EQUAL(esp_table_add(t, mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96,
	                                    0x200, 32, false)), 0);
	CU_ASSERT_EQUAL(esp_table_add(t, dup), -EEXIST);
	CU_ASSERT_EQUAL(esp_table_add(t, old_o), -EINVAL);     /* outbound SAs do not belong here */
	CU_ASSERT_EQUAL(esp_sa_encrypt(old_o, &rng, inner, sizeof inner, a, sizeof a, &la), 0);
	CU_ASSERT_EQUAL(esp_sa_encrypt(new_o, &rng, inner, sizeof inner, b, sizeof b, &lb), 0);
	CU_ASSERT_EQUAL(esp_table_input(t, b, lb, out, sizeof out, &res, NULL), ESP_OK);
	CU_ASSERT_EQUAL(esp_table_input(t, a, la, out, sizeof out, &res, NULL), ESP_OK);
	CU_ASSERT_EQUAL(esp_table_del(t, 0x100), 0);
	CU_ASSERT_EQUAL(esp_table_del(t, 0x100), -ENOENT);
	CU_ASSERT_EQUAL(esp_sa_encrypt(old_o, &rng, inner, sizeof inner, a, sizeof a, &la), 0);
	CU_ASSERT_EQUAL(esp_table_input(t, a, la, out, sizeof out, &res, NULL), ESP_E_UNKNOWN_SPI);
	CU_ASSERT_EQUAL(esp_table_count(t), 1);
	esp_table_free(t);
	esp_sa_free(old_o);
	esp_sa_free(new_o);
	esp_sa_free(dup);
}

static void test_table_many_and_churn(void)
{
	struct esp_table *t = NULL;
	unsigned bad = 0;

	CU_ASSERT_EQUAL_FATAL(esp_table_new(&t), 0);
	for (uint32_t s = 1; s <= 200; s++)
		bad += esp_table_add(t, mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_NONE, s, 0,
		                           false)) != 0;
	for (uint32_t s = 1; s <= 200; s += 2)
		bad += esp_table_del(t, s) != 0;
	for (uint32_t round = 0; round < 5; round++)    /* churn over tombstones */
		for (uint32_t s = 1000; s < 1100; s++) {
			bad += esp_table_add(t, mk(ESP_DIR_IN, ESP_ENCR_AES128_CBC, ESP_INTEG_NONE, s,
			                           0, false)) != 0;
			bad += esp_table_del(t, s) != 0;
		}
	for (uint32_t s = 1; s <= 200; s++)
		bad += (esp_table_lookup(t, s) != NULL) != (s % 2 == 0);
	for (uint32_t s = 2; s <= 200; s += 2)
		bad += esp_sa_spi(esp_table_lookup(t, s)) != s;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(esp_table_count(t), 100);
	esp_table_free(t);
}

UNIT_SUITE(esp_sa,
	UNIT_TEST(test_roundtrip_all_pairs),
	UNIT_TEST(test_lab_size_example),
	UNIT_TEST(test_header_sequence_and_iv),
	UNIT_TEST(test_encrypt_refusals),
	UNIT_TEST(test_new_refusals),
	UNIT_TEST(test_keys_split_enc_then_integ),
	UNIT_TEST(test_padding_strict_and_lenient),
	UNIT_TEST(test_packet_after_packet_matches_one_shot),
	UNIT_TEST(test_next_header),
	UNIT_TEST(test_table_drop_reasons),
	UNIT_TEST(test_forged_seq_does_not_move_window),
	UNIT_TEST(test_sequence_restart_end_to_end),
	UNIT_TEST(test_lifetimes),
	UNIT_TEST(test_table_rekey_handover),
	UNIT_TEST(test_table_many_and_churn))
