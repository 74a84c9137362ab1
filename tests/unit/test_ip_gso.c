/*
 * GSO merge and split (peers/ip/gso.c): a run of segments merged into one packet and split
 * again gives the segments back byte for byte; what a merge must not take stops it; a split
 * refuses what is not TCP/IPv4; a partial checksum is completed as the kernel would.
 */
#include "tests/unit/unit.h"
#include "peers/ip/gso.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

#define MSS 1000
#define NSEG 8

static uint8_t segs[NSEG][2600];
static size_t seglen[NSEG];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The checksums of an IPv4 + TCP packet in b (len bytes, no IP options). */
static void fix_csums(uint8_t *b, size_t len)
{
	struct ip_addr s = { 4, { 0 } }, d = { 4, { 0 } };
	uint32_t sum;

	memcpy(s.a, b + 12, 4);
	memcpy(d.a, b + 16, 4);
	b[10] = b[11] = 0;
	put16(b + 10, (uint16_t)~ip_csum_fold(ip_csum_add(0, b, 20)));
	b[36] = b[37] = 0;
	sum = ip_csum_pseudo(&s, &d, IP_PROTO_TCP, (uint32_t)(len - 20));
	put16(b + 36, (uint16_t)~ip_csum_fold(ip_csum_add(sum, b + 20, len - 20)));
}

/* Segment k of a stream: MSS bytes each (the last `last` bytes), TCP timestamps option,
 * IP IDs and sequence numbers counting up as the kernel's segmentation makes them. */
static void make_stream(size_t n, size_t last, uint8_t last_flags)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t *b = segs[k];
		size_t pl = k + 1 == n ? last : MSS, len = 20 + 32 + pl;

		memset(b, 0, sizeof segs[k]);
		b[0] = 0x45;
		put16(b + 2, (uint16_t)len);
		put16(b + 4, (uint16_t)(0xfffd + k));   /* wraps */
		b[6] = 0x40;                             /* DF */
		b[8] = 63;
		b[9] = 6;
		memcpy(b + 12, (uint8_t[]){ 10, 1, 0, 10, 10, 2, 0, 10 }, 8);
		put16(b + 20, 40000);
		put16(b + 22, 5201);
		put32(b + 24, 0xfffffc00u + (uint32_t)(k * MSS));   /* wraps */
		put32(b + 28, 0x01020304);
		b[32] = 8 << 4;
		b[33] = k + 1 == n ? last_flags : 0x10;
		put16(b + 34, 502);
		memcpy(b + 40, (uint8_t[]){ 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 }, 12);
		for (size_t i = 0; i < pl; i++)
			b[52 + i] = (uint8_t)(k * 7 + i * 13);
		seglen[k] = len;
		fix_csums(b, len);
	}
}

static size_t merge(size_t n, size_t max_total, struct gso_merge *m)
{
	struct gso_seg p[NSEG];

	for (size_t k = 0; k < n; k++)
		p[k] = (struct gso_seg){ segs[k], seglen[k] };
	return gso_tcp4_merge(p, n, max_total, NSEG, m);
}

/* The merged packet as the kernel gets it, with its checksum completed as a device would. */
static size_t build(const struct gso_merge *m, uint8_t *out)
{
	size_t o = m->hdr_len;

	memcpy(out, m->hdr, m->hdr_len);
	for (size_t k = 0; k < m->count; k++) {
		memcpy(out + o, segs[k] + m->hdr_len, seglen[k] - m->hdr_len);
		o += seglen[k] - m->hdr_len;
	}
	return o;
}

static void test_merge_split_round_trip(void)
{
	static uint8_t big[NSEG * 1100];
	struct gso_merge m;
	struct gso_split sp;
	const char *field;
	uint8_t *seg;
	size_t len, k = 0;

	make_stream(NSEG, 345, 0x18);           /* the last short, with PSH */
	CU_ASSERT_EQUAL_FATAL(merge(NSEG, GSO_MAX_TOTAL, &m), NSEG);
	CU_ASSERT_EQUAL(m.hdr_len, 52);
	CU_ASSERT_EQUAL(m.gso_size, MSS);
	CU_ASSERT_EQUAL(m.total, 52 + 7 * MSS + 345);
	CU_ASSERT_EQUAL(m.hdr[33], 0x18);
	CU_ASSERT_EQUAL(m.csum_start, 20);
	CU_ASSERT_EQUAL(m.csum_offset, 16);
	len = build(&m, big);
	CU_ASSERT_EQUAL_FATAL(len, m.total);
	CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(0, big, 20)), 0xffff);
	/* completing the partial checksum gives a valid TCP checksum over the whole */
	CU_ASSERT_EQUAL(gso_csum_complete(big, len, 20, 16), 0);
	CU_ASSERT_EQUAL_FATAL(gso_tcp4_split_init(&sp, big, len, m.gso_size, &field), 0);
	while (gso_tcp4_split_next(&sp, &seg, &len)) {
		CU_ASSERT_FATAL(k < NSEG);
		CU_ASSERT_EQUAL(len, seglen[k]);
		CU_ASSERT_EQUAL(memcmp(seg, segs[k], seglen[k]), 0);
		k++;
	}
	CU_ASSERT_EQUAL(k, NSEG);
}

static void test_merge_stops(void)
{
	struct gso_merge m;

	make_stream(NSEG, MSS, 0x10);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), NSEG);
	/* the size limit */
	CU_ASSERT_EQUAL(merge(NSEG, 52 + 3 * MSS, &m), 3);
	/* a bad TCP checksum: the segment goes alone, as it came */
	segs[3][60] ^= 1;
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 3);
	segs[3][60] ^= 1;
	/* a gap in the sequence numbers */
	put32(segs[4] + 24, 0xfffffc00u + 4 * MSS + 1);
	fix_csums(segs[4], seglen[4]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 4);
	make_stream(NSEG, MSS, 0x10);
	/* an IP ID out of step */
	put16(segs[2] + 4, 7);
	fix_csums(segs[2], seglen[2]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 2);
	make_stream(NSEG, MSS, 0x10);
	/* another timestamp */
	segs[5][47] = 8;
	fix_csums(segs[5], seglen[5]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 5);
	make_stream(NSEG, MSS, 0x10);
	/* PSH in the middle ends the run after it */
	segs[2][33] = 0x18;
	fix_csums(segs[2], seglen[2]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 3);
	CU_ASSERT_EQUAL(m.hdr[33], 0x18);
	/* ... and in the first, there is no run */
	segs[0][33] = 0x18;
	fix_csums(segs[0], seglen[0]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 1);
	make_stream(NSEG, MSS, 0x10);
	/* FIN, or a fragment, or TTL changed: alone */
	segs[0][33] = 0x11;
	fix_csums(segs[0], seglen[0]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 1);
	make_stream(NSEG, MSS, 0x10);
	segs[0][6] = 0x20;
	fix_csums(segs[0], seglen[0]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 1);
	make_stream(NSEG, MSS, 0x10);
	segs[1][8] = 62;
	fix_csums(segs[1], seglen[1]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 1);
	/* a short segment ends the run with it; one longer than the first is not taken */
	make_stream(NSEG, MSS, 0x10);
	seglen[2] -= 10;
	put16(segs[2] + 2, (uint16_t)seglen[2]);
	fix_csums(segs[2], seglen[2]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 3);
	make_stream(NSEG, MSS, 0x10);
	seglen[0] -= 10;
	put16(segs[0] + 2, (uint16_t)seglen[0]);
	fix_csums(segs[0], seglen[0]);
	CU_ASSERT_EQUAL(merge(NSEG, GSO_MAX_TOTAL, &m), 1);
	/* one packet: nothing to merge */
	make_stream(1, MSS, 0x10);
	CU_ASSERT_EQUAL(merge(1, GSO_MAX_TOTAL, &m), 1);
}

static void test_split_refuses(void)
{
	static uint8_t b[2200];
	struct gso_split sp;
	const char *field;

	make_stream(2, MSS, 0x10);
	memcpy(b, segs[0], seglen[0]);
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, seglen[0], 0, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "gso_size");
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, seglen[0] - 1, 500, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "ip.total_length");
	b[9] = 17;
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, seglen[0], 500, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "ip.protocol");
	b[9] = 6;
	b[32] = 15 << 4;
	put16(b + 2, 80);
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, 80, 500, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "tcp.data_offset");
	b[0] = 0x46;
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, seglen[0], 500, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "ip.ihl");
	CU_ASSERT_EQUAL(gso_tcp4_split_init(&sp, b, 10, 500, &field), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, "ip.version");
}

static void test_split_flags(void)
{
	static uint8_t b[4000];
	struct gso_split sp;
	const char *field;
	uint8_t *seg, fl[4];
	size_t len, k = 0;

	/* one packet of 2500 bytes, CWR|PSH|FIN|ACK, split by 1000: CWR first, PSH FIN last */
	make_stream(1, 2500, 0x99);
	memcpy(b, segs[0], seglen[0]);
	CU_ASSERT_EQUAL_FATAL(gso_tcp4_split_init(&sp, b, seglen[0], MSS, &field), 0);
	while (k < 4 && gso_tcp4_split_next(&sp, &seg, &len)) {
		struct ip_addr s = { 4, { 10, 1, 0, 10 } }, d = { 4, { 10, 2, 0, 10 } };

		fl[k++] = seg[33];
		CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(0, seg, 20)), 0xffff);
		CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(ip_csum_pseudo(&s, &d, IP_PROTO_TCP,
		                (uint32_t)(len - 20)), seg + 20, len - 20)), 0xffff);
	}
	CU_ASSERT_EQUAL_FATAL(k, 3);
	CU_ASSERT_EQUAL(fl[0], 0x90);
	CU_ASSERT_EQUAL(fl[1], 0x10);
	CU_ASSERT_EQUAL(fl[2], 0x19);
}

/* The longest TCP header (60 bytes, 40 of options): split keeps all of it in every segment,
 * and a merge of such segments gives them back. */
static void test_longest_header(void)
{
	static uint8_t b[3][1200], big[4000];
	struct gso_seg p[3];
	struct gso_merge m;
	struct gso_split sp;
	const char *field;
	uint8_t *seg;
	size_t len, k = 0;

	for (unsigned i = 0; i < 3; i++) {
		memset(b[i], 0, sizeof b[i]);
		b[i][0] = 0x45;
		put16(b[i] + 2, 20 + 60 + 1000);
		put16(b[i] + 4, (uint16_t)(9 + i));
		b[i][8] = 64;
		b[i][9] = 6;
		memcpy(b[i] + 12, (uint8_t[]){ 10, 1, 0, 10, 10, 2, 0, 10 }, 8);
		put32(b[i] + 24, 1000 * i);
		b[i][32] = 15 << 4;
		b[i][33] = 0x10;
		memset(b[i] + 40, 1, 40);               /* NOPs */
		memset(b[i] + 80, (int)(0x30 + i), 1000);
		fix_csums(b[i], 1080);
		p[i] = (struct gso_seg){ b[i], 1080 };
	}
	CU_ASSERT_EQUAL_FATAL(gso_tcp4_merge(p, 3, GSO_MAX_TOTAL, 3, &m), 3);
	CU_ASSERT_EQUAL(m.hdr_len, 80);
	memcpy(big, m.hdr, 80);
	for (unsigned i = 0; i < 3; i++)
		memcpy(big + 80 + 1000 * i, b[i] + 80, 1000);
	CU_ASSERT_EQUAL_FATAL(gso_tcp4_split_init(&sp, big, m.total, m.gso_size, &field), 0);
	while (gso_tcp4_split_next(&sp, &seg, &len)) {
		CU_ASSERT_FATAL(k < 3);
		CU_ASSERT_EQUAL(len, 1080);
		CU_ASSERT_EQUAL(memcmp(seg, b[k], 1080), 0);
		k++;
	}
	CU_ASSERT_EQUAL(k, 3);
}

static void test_csum_complete(void)
{
	uint8_t b[64] = { 0 };

	CU_ASSERT_EQUAL(gso_csum_complete(b, sizeof b, 64, 0), -EINVAL);
	CU_ASSERT_EQUAL(gso_csum_complete(b, sizeof b, 20, 43), -EINVAL);
	CU_ASSERT_EQUAL(gso_csum_complete(b, sizeof b, 20, 42), 0);
	/* all zero: the complement is 0xffff; a result of 0 is sent as 0xffff too */
	CU_ASSERT_EQUAL(b[62], 0xff);
	CU_ASSERT_EQUAL(b[63], 0xff);
	memset(b, 0, sizeof b);
	b[20] = 0xff;
	b[21] = 0xff;
	CU_ASSERT_EQUAL(gso_csum_complete(b, sizeof b, 20, 2), 0);
	CU_ASSERT_EQUAL(b[22], 0xff);
	CU_ASSERT_EQUAL(b[23], 0xff);
}

/* The 8-bytes-at-a-time sum equals the RFC 1071 word sum at every length and offset. */
static void test_csum_add_lengths(void)
{
	uint8_t b[300];

	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(i * 151 + 7);
	for (size_t off = 0; off < 3; off++)
		for (size_t len = 0; len + off <= sizeof b; len++) {
			uint64_t s = 5;

			for (size_t i = 0; i + 1 < len; i += 2)
				s += (uint32_t)b[off + i] << 8 | b[off + i + 1];
			if (len & 1)
				s += (uint32_t)b[off + len - 1] << 8;
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			CU_ASSERT_EQUAL(ip_csum_fold(ip_csum_add(5, b + off, len)), (uint16_t)s);
		}
}

UNIT_SUITE(ip_gso,
           UNIT_TEST(test_merge_split_round_trip),
           UNIT_TEST(test_merge_stops),
           UNIT_TEST(test_split_refuses),
           UNIT_TEST(test_split_flags),
           UNIT_TEST(test_longest_header),
           UNIT_TEST(test_csum_complete),
           UNIT_TEST(test_csum_add_lengths))
