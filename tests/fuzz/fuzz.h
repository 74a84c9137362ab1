/*
 * fuzz.h: every fuzz target defines LLVMFuzzerTestOneInput and a seed corpus.
 *
 * Built with clang -fsanitize=fuzzer it is a libFuzzer target (make fuzz). Built with
 * mutate_main.c (gcc, make check) it runs a deterministic mutation pass over its seeds:
 * `build/fuzz_NAME --mutate N` feeds N mutated inputs, then the seeds truncated at every length.
 */
#ifndef VPNLAB_TESTS_FUZZ_H
#define VPNLAB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_seed {
	const uint8_t *data;
	size_t len;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seeds for the mutation pass; each target defines this (may build them on first call). */
const struct fuzz_seed *fuzz_seeds(size_t *n);

#endif
