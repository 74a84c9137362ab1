/*
 * Fuzz GSO merge and split (peers/ip/gso.c), the tunnel's offload path: the first byte picks
 * the mode. 'M': the rest is records [len 2][flags 1][packet]; with flag bit 0 the record's
 * IP and TCP checksums are made valid first, so mutations reach the merge's other rules.
 * A merge of more than one segment is built as the kernel would get it, its checksum
 * completed and split again: every segment must come back byte for byte (abort otherwise).
 * 'S': [gso_size 2][csum_start 2][csum_offset 2][packet]: split it and complete a partial
 * checksum, reading every segment in full.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/ip/gso.h"
#include "peers/ip/ip.h"

#include <stdlib.h>
#include <string.h>

#define MAXSEG 16

static volatile uint8_t sink;
static uint8_t segbuf[MAXSEG][2048];
static uint8_t big[GSO_MAX_TOTAL + 64];

static void touch(const uint8_t *p, size_t len)
{
	uint8_t x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= p[i];
	sink ^= x;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix(uint8_t *b, size_t len)
{
	struct ip_addr s = { 4, { 0 } }, d = { 4, { 0 } };

	if (len < 40 || b[0] != 0x45)
		return;
	b[10] = b[11] = 0;
	put16(b + 10, (uint16_t)~ip_csum_fold(ip_csum_add(0, b, 20)));
	memcpy(s.a, b + 12, 4);
	memcpy(d.a, b + 16, 4);
	b[36] = b[37] = 0;
	put16(b + 36, (uint16_t)~ip_csum_fold(ip_csum_add(ip_csum_pseudo(&s, &d, 6,
	      (uint32_t)(len - 20)), b + 20, len - 20)));
}

static void fuzz_merge(const uint8_t *d, size_t n)
{
	struct gso_seg p[MAXSEG];
	struct gso_merge m;
	struct gso_split sp;
	const char *field;
	size_t k = 0, i = 0, o, got, len;
	uint8_t *seg;

	while (k < MAXSEG && n - i >= 3) {
		size_t l = (size_t)(d[i] << 8 | d[i + 1]) % sizeof segbuf[0];
		uint8_t fl = d[i + 2];

		i += 3;
		if (l > n - i)
			l = n - i;
		memcpy(segbuf[k], d + i, l);
		if (fl & 1)
			fix(segbuf[k], l);
		p[k] = (struct gso_seg){ segbuf[k], l };
		i += l;
		k++;
	}
	if (!k)
		return;
	got = gso_tcp4_merge(p, k, GSO_MAX_TOTAL, MAXSEG, &m);
	if (got < 1 || got > k)
		abort();
	if (got == 1)
		return;
	memcpy(big, m.hdr, m.hdr_len);
	o = m.hdr_len;
	for (size_t j = 0; j < got; j++) {
		memcpy(big + o, p[j].data + m.hdr_len, p[j].len - m.hdr_len);
		o += p[j].len - m.hdr_len;
	}
	if (o != m.total || gso_csum_complete(big, o, m.csum_start, m.csum_offset))
		abort();
	if (gso_tcp4_split_init(&sp, big, o, m.gso_size, &field))
		abort();
	for (size_t j = 0; gso_tcp4_split_next(&sp, &seg, &len); j++)
		if (j >= got || len != p[j].len || memcmp(seg, p[j].data, len))
			abort();
}

static void fuzz_split(const uint8_t *d, size_t n)
{
	struct gso_split sp;
	const char *field;
	uint8_t *seg;
	size_t len, gs, cs, co;

	if (n < 6)
		return;
	gs = (size_t)(d[0] << 8 | d[1]);
	cs = (size_t)(d[2] << 8 | d[3]);
	co = (size_t)(d[4] << 8 | d[5]);
	n -= 6;
	memcpy(big, d + 6, n);
	if (gso_csum_complete(big, n, cs, co) == 0)
		touch(big, n);
	if (gso_tcp4_split_init(&sp, big, n, gs, &field)) {
		if (!field)
			abort();
		return;
	}
	while (gso_tcp4_split_next(&sp, &seg, &len)) {
		if (seg < big || seg + len > big + n)
			abort();
		touch(seg, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > GSO_MAX_TOTAL)
		return 0;
	if (data[0] == 'M')
		fuzz_merge(data + 1, size - 1);
	else
		fuzz_split(data + 1, size - 1);
	return 0;
}

/* Seeds: a stream of four segments (records, checksums to fix) and one GSO packet. */
static uint8_t seed_m[1 + 4 * (3 + 52 + 300)], seed_s[1 + 6 + 52 + 900];

static void tcp_seg(uint8_t *b, size_t pl, unsigned k)
{
	memset(b, 0, 52 + pl);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(52 + pl));
	put16(b + 4, (uint16_t)(100 + k));
	b[6] = 0x40;
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, (uint8_t[]){ 10, 1, 0, 10, 10, 2, 0, 10 }, 8);
	put16(b + 20, 40000);
	put16(b + 22, 5201);
	put16(b + 26, (uint16_t)(k * 300));
	b[32] = 8 << 4;
	b[33] = 0x10;
	put16(b + 34, 500);
	memcpy(b + 40, (uint8_t[]){ 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 }, 12);
	for (size_t i = 0; i < pl; i++)
		b[52 + i] = (uint8_t)(i * 3 + k);
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed s[2];
	size_t o = 1;

	seed_m[0] = 'M';
	for (unsigned k = 0; k < 4; k++) {
		put16(seed_m + o, 352);
		seed_m[o + 2] = 1;
		tcp_seg(seed_m + o + 3, 300, k);
		o += 355;
	}
	seed_s[0] = 'S';
	put16(seed_s + 1, 300);
	put16(seed_s + 3, 20);
	put16(seed_s + 5, 16);
	tcp_seg(seed_s + 7, 900, 0);
	s[0] = (struct fuzz_seed){ seed_m, sizeof seed_m };
	s[1] = (struct fuzz_seed){ seed_s, sizeof seed_s };
	*n = 2;
	return s;
}
