/*
 * esp_micro.c: packets per second through peers/esp for one SA pair on one core, no I/O.
 *
 * Encrypts 1400-byte inner IPv4 packets with an outbound SA and decrypts them with the matching
 * inbound SA (AES-256-CBC / HMAC-SHA2-256-128 unless told otherwise), and times the two halves
 * apart. What it shows is the per-packet cost of the ESP code itself, to be set against
 * `openssl speed` for the same cipher and MAC (tests/bench/esp_micro.sh prints both).
 *
 * Usage: build/esp_micro [SECONDS [INNER_BYTES]]
 */
#include "peers/drbg.h"
#include "peers/esp/esp_sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define ROUNDS 5

struct bench {
	struct esp_sa *out, *in;
	struct drbg rng;
	uint8_t *inner, *wire, *back;
	size_t inner_len, wire_len;
};

static int enc_drbg(struct bench *b)
{
	return esp_sa_encrypt(b->out, &b->rng, b->inner, b->inner_len, b->wire, 2200,
	                      &b->wire_len);
}

static int enc_fixed_iv(struct bench *b)
{
	static const uint8_t iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

	return esp_sa_encrypt_iv(b->out, iv, b->inner, b->inner_len, b->wire, 2200,
	                         &b->wire_len);
}

static int dec(struct bench *b)
{
	struct esp_in_result res;

	if (esp_sa_decrypt(b->in, b->wire, b->wire_len, b->back, 2200, &res) != ESP_OK ||
	    res.inner_len != b->inner_len) {
		fprintf(stderr, "esp_micro: decrypt failed: %s\n", res.msg);
		return -1;
	}
	return 0;
}

/* Packets per second of op over about secs, reading the clock every 256 packets. */
static double run_rate(double secs, int (*op)(struct bench *), struct bench *b)
{
	uint64_t n = 0;
	double t0 = now_s(), t;

	do {
		for (int i = 0; i < 256; i++)
			if (op(b) < 0) {
				fprintf(stderr, "esp_micro: packet %llu failed\n",
				        (unsigned long long)n + i);
				return -1;
			}
		n += 256;
	} while ((t = now_s() - t0) < secs);
	return n / t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof s);
	qsort(s, ROUNDS, sizeof s[0], cmp_double);
	return s[ROUNDS / 2];
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	size_t inner_len = argc > 2 ? (size_t)atol(argv[2]) : 1400;
	static uint8_t keymat[64], inner[2048], wire[2200], back[2200];
	struct esp_sa_config cfg = {
		.spi = 0xc0ffee01, .encr = ESP_ENCR_AES256_CBC,
		.integ = ESP_INTEG_HMAC_SHA2_256_128, .keymat = keymat, .keymat_len = sizeof keymat,
		.replay_window = 0,     /* the bench reuses one packet; the window would refuse it */
	};
	static const char *const what[3] = {
		"encrypt (IV from the DRBG)", "encrypt (IV given)", "decrypt",
	};
	struct bench b = { .inner = inner, .wire = wire, .back = back, .inner_len = inner_len };
	double rate[3][ROUNDS], med[3];

	if (secs <= 0 || inner_len < 20 || inner_len > sizeof inner) {
		fprintf(stderr, "usage: esp_micro [SECONDS [INNER_BYTES 20..%zu]]\n", sizeof inner);
		return 2;
	}
	drbg_init(&b.rng, 1);
	drbg_bytes(&b.rng, keymat, sizeof keymat);
	drbg_bytes(&b.rng, inner, inner_len);
	inner[0] = 0x45;
	cfg.dir = ESP_DIR_OUT;
	if (esp_sa_new(&cfg, 0, &b.out) < 0)
		return 1;
	cfg.dir = ESP_DIR_IN;
	if (esp_sa_new(&cfg, 0, &b.in) < 0)
		return 1;

	/* Rounds, medians: the machine is shared, single rounds swing by a third. */
	for (int r = 0; r < ROUNDS; r++) {
		rate[0][r] = run_rate(secs / ROUNDS, enc_drbg, &b);
		rate[1][r] = run_rate(secs / ROUNDS, enc_fixed_iv, &b);
		rate[2][r] = run_rate(secs / ROUNDS, dec, &b);
		if (rate[0][r] < 0 || rate[1][r] < 0 || rate[2][r] < 0)
			return 1;
	}
	if (memcmp(back, inner, inner_len) != 0) {
		fprintf(stderr, "esp_micro: round trip changed the packet\n");
		return 1;
	}
	printf("esp_micro aes256-sha256 inner %zu bytes, esp %zu bytes, one core:\n", inner_len,
	       b.wire_len);
	for (int k = 0; k < 3; k++) {
		med[k] = median(rate[k]);
		printf("  %-28s %8.0f packets/s %6.0f Mbit/s inner (median of %d)\n", what[k],
		       med[k], med[k] * inner_len * 8 / 1e6, ROUNDS);
	}
	printf("  encrypt+decrypt: %.2f us per packet, %.0f Mbit/s inner\n",
	       (1 / med[0] + 1 / med[2]) * 1e6, inner_len * 8 / 1e6 / (1 / med[0] + 1 / med[2]));
	esp_sa_free(b.out);
	esp_sa_free(b.in);
	drbg_wipe(&b.rng);
	return 0;
}
