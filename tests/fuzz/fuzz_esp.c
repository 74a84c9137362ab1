/*
 * Fuzz the ESP receive path: UDP/4500 classification, SPI table lookup, replay check, ICV,
 * decryption, padding and next-header parsing. Seeds are valid packets for several SAs; one SA
 * has no ICV (RFC 3602 style) so mutations reach the decrypted trailer checks. The same input,
 * read as an inner IPv4 packet, also goes through the data path parsers (fit decision, ICMP
 * fragmentation-needed, pre-fragmentation, TCP MSS clamp); a TCP SYN seed leads there.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/drbg.h"
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_path.h"
#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fsa {
	uint32_t spi;
	enum esp_encr encr;
	enum esp_integ integ;
	uint32_t window;
	bool lenient;
};

static const struct fsa fsas[] = {
	{ 0x1001, ESP_ENCR_AES128_CBC, ESP_INTEG_HMAC_SHA1_96, 128, false },
	{ 0x1002, ESP_ENCR_AES256_CBC, ESP_INTEG_HMAC_SHA2_256_128, 32, false },
	{ 0x1003, ESP_ENCR_3DES_CBC, ESP_INTEG_HMAC_SHA2_384_192, 0, true },
	{ 0x1004, ESP_ENCR_AES192_CBC, ESP_INTEG_HMAC_SHA2_512_256, 1024, false },
	{ 0x1005, ESP_ENCR_AES128_CBC, ESP_INTEG_NONE, 0, false },
	{ 0x1006, ESP_ENCR_3DES_CBC, ESP_INTEG_NONE, 64, true },
};
#define NSA (sizeof fsas / sizeof fsas[0])

static struct esp_table *table;
static struct esp_sa *paths;          /* outbound SA for the data path calls */
static struct fuzz_seed seeds[NSA * 3 + 4];
static uint8_t frag_seed[1200];
static uint8_t seedbuf[NSA * 3][1600];

static struct esp_sa *make(const struct fsa *f, enum esp_dir dir)
{
	static uint8_t km[128];
	struct esp_sa_config cfg = {
		.spi = f->spi, .dir = dir, .encr = f->encr, .integ = f->integ, .keymat = km,
		.keymat_len = sizeof km, .replay_window = f->window, .lenient_padding = f->lenient,
	};
	struct esp_sa *sa = NULL;

	for (size_t i = 0; i < sizeof km; i++)
		km[i] = (uint8_t)(i * 31 + f->spi);
	if (esp_sa_new(&cfg, 0, &sa) < 0)
		abort();
	return sa;
}

static void setup(void)
{
	static const size_t sizes[3] = { 20, 84, 1400 };
	struct drbg rng;
	size_t n = 0;

	if (table)
		return;
	if (esp_table_new(&table) < 0)
		abort();
	drbg_init(&rng, 1);
	for (size_t s = 0; s < NSA; s++) {
		struct esp_sa *o = make(&fsas[s], ESP_DIR_OUT);

		if (esp_table_add(table, make(&fsas[s], ESP_DIR_IN)) < 0)
			abort();
		for (size_t k = 0; k < 3; k++) {
			uint8_t inner[1400];
			size_t len = 0;

			memset(inner, (int)k, sizes[k]);
			inner[0] = k == 1 ? 0x60 : 0x45;
			if (esp_sa_encrypt(o, &rng, inner, sizes[k], seedbuf[n], sizeof seedbuf[n],
			                   &len) < 0)
				abort();
			seeds[n].data = seedbuf[n];
			seeds[n].len = len;
			n++;
		}
		esp_sa_free(o);
	}
	seeds[n].data = (const uint8_t *)"\xff";
	seeds[n++].len = 1;
	seeds[n].data = (const uint8_t *)"\0\0\0\0\xaa\x5b\xc0\x69\x95\x7f\x83\xb8";
	seeds[n++].len = 12;
	/* IPv4 TCP SYN, options NOP NOP MSS 1460 SACK-permitted NOP WS 7 */
	seeds[n].data = (const uint8_t *)
		"\x45\x00\x00\x34\x00\x00\x40\x00\x40\x06\x00\x00\x0a\x01\x00\x05\x0a\x02\x00\x07"
		"\x9c\x40\x00\x50\x11\x22\x33\x44\x00\x00\x00\x00\x80\x02\xfa\xf0\x00\x00\x00\x00"
		"\x01\x01\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07";
	seeds[n++].len = 52;
	/* IPv4, DF clear, options Router Alert + Timestamp: for pre-fragmentation */
	memset(frag_seed, 0x33, sizeof frag_seed);
	memcpy(frag_seed, "\x47\x00\x04\xb0\x12\x34\x00\x00\x40\x11\x00\x00"
	       "\x0a\x01\x00\x05\x0a\x02\x00\x07\x94\x04\x00\x00\x44\x04\x05\x00", 28);
	seeds[n].data = frag_seed;
	seeds[n++].len = sizeof frag_seed;
	paths = make(&fsas[0], ESP_DIR_OUT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536], frag_out[8 * 576];
	struct esp_frag frags[8];
	struct esp_in_result res;
	struct esp_sa *sa;
	enum esp_verdict v;

	static const uint8_t gw[4] = { 10, 0, 0, 1 };
	size_t mtu;
	int n;

	setup();
	if (size <= sizeof out) {
		memcpy(out, data, size);
		if (esp_path_tcp_mss_clamp(out, size, 1360) < -EINVAL)
			abort();
		esp_path_ipv4_decide(paths, data, size, 1400, 1500, &mtu);
		n = esp_path_ipv4_fragment(data, size, 576, frag_out, sizeof frag_out, frags, 8);
		if (n > 8)
			abort();
		n = esp_path_icmp_frag_needed(data, size, gw, 1400, 64, out, 256);
		if (n > 0 && (n > 20 + 8 + 60 + 8 || out[20] != 3))  /* IHL up to 60 */
			abort();
	}
	if (esp_natt_classify(data, size) != ESP_NATT_ESP)
		return 0;
	v = esp_table_input(table, data, size, out, sizeof out, &res, &sa);
	/* What the receive path promises, checked on every input. */
	if (v == ESP_OK && (!sa || res.inner_len > size || (res.next_header != 4 &&
	                                                   res.next_header != 41)))
		abort();
	if (v != ESP_OK && res.msg[0] == '\0')
		abort();
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	setup();
	*n = sizeof seeds / sizeof seeds[0];
	return seeds;
}
