/*
 * A deterministic mutation pass for fuzz targets, for machines without clang's libFuzzer.
 * It cannot find what a coverage-guided fuzzer finds, but it runs every parser over thousands
 * of bit flips, byte changes, truncations and length-field edits of valid seeds in make check.
 */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t xs = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

static void mutate(uint8_t *b, size_t *len, size_t cap)
{
	unsigned n = 1 + next() % 4;

	while (n--) {
		size_t at = *len ? next() % *len : 0;

		switch (next() % 6) {
		case 0: if (*len) b[at] ^= (uint8_t)(1u << (next() % 8)); break;
		case 1: if (*len) b[at] = (uint8_t)next(); break;
		case 2: if (*len) b[at] = (next() & 1) ? 0xff : 0x00; break;
		case 3: *len = *len ? next() % *len : 0; break;
		case 4: if (*len + 1 < cap) { memmove(b + at + 1, b + at, *len - at); b[at] = (uint8_t)next(); (*len)++; } break;
		case 5: if (*len >= 2) { b[at % (*len - 1)] = (uint8_t)(next() >> 8); b[at % (*len - 1) + 1] = (uint8_t)next(); } break;
		}
	}
}

int main(int argc, char **argv)
{
	long rounds = 10000;
	size_t nseeds;
	const struct fuzz_seed *seeds;
	static uint8_t buf[65536 + 64];

	if (argc == 3 && strcmp(argv[1], "--mutate") == 0)
		rounds = strtol(argv[2], NULL, 10);
	seeds = fuzz_seeds(&nseeds);
	if (!nseeds) {
		fprintf(stderr, "%s: no seeds\n", argv[0]);
		return 1;
	}
	for (size_t s = 0; s < nseeds; s++)
		for (size_t l = 0; l <= seeds[s].len && l < sizeof buf; l++) {
			memcpy(buf, seeds[s].data, l);
			LLVMFuzzerTestOneInput(buf, l);
		}
	for (long r = 0; r < rounds; r++) {
		const struct fuzz_seed *sd = &seeds[next() % nseeds];
		size_t len = sd->len < 65536 ? sd->len : 65536;

		memcpy(buf, sd->data, len);
		mutate(buf, &len, sizeof buf);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%s: %zu seeds, %ld mutated inputs, no crash\n", argv[0], nseeds, rounds);
	return 0;
}
