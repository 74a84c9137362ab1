/* Fragment reassembly: order, duplicates, overlaps, missing pieces, timeout, memory caps. */
#include "tests/unit/unit.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

static uint8_t payload[4000];

struct drops {
	int n;
	enum ip_reasm_drop_reason why[8];
	size_t nfrags[8];
	uint32_t id[8];
};

static void on_drop(void *arg, enum ip_reasm_drop_reason why, const struct ip_reasm_datagram *d)
{
	struct drops *dr = arg;

	if (dr->n < 8) {
		dr->why[dr->n] = why;
		dr->nfrags[dr->n] = d->nfrags;
		dr->id[dr->n] = d->id;
	}
	dr->n++;
}

static struct ip_reasm *make(struct drops *dr, size_t maxd, size_t maxb)
{
	struct ip_reasm_config c = {
		.max_datagrams = maxd, .max_bytes = maxb, .timeout = lab_sec(30),
		.on_drop = on_drop, .arg = dr,
	};

	memset(dr, 0, sizeof *dr);
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 13 + 5);
	return ip_reasm_new(&c);
}

/* Fragment [off, off+len) of datagram `id` of payload, last when it reaches `total`. */
static int add(struct ip_reasm *r, uint32_t id, uint32_t off, size_t len, size_t total,
               uint64_t frame, lab_ns now, struct ip_reasm_datagram *d)
{
	struct ip_frag_in f;

	memset(&f, 0, sizeof f);
	f.src = (struct ip_addr){ 4, { 10, 1, 0, 1 } };
	f.dst = (struct ip_addr){ 4, { 10, 2, 0, 1 } };
	f.proto = IP_PROTO_UDP;
	f.id = id;
	f.offset = off;
	f.len = len;
	f.mf = off + len < total;
	f.df = false;
	f.ttl = 64;
	f.data = payload + off;
	f.frame = frame;
	f.now = now;
	return ip_reasm_add(r, &f, d);
}

static void test_in_order(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 4, 0);
	struct ip_reasm_datagram d;
	size_t held, bytes;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(add(r, 1, 0, 1480, 3000, 10, 0, &d), 0);
	CU_ASSERT_EQUAL(add(r, 1, 1480, 1480, 3000, 11, 1, &d), 0);
	held = ip_reasm_pending(r, &bytes);
	CU_ASSERT_EQUAL(held, 1);
	CU_ASSERT_EQUAL(bytes, 2960);
	CU_ASSERT_EQUAL_FATAL(add(r, 1, 2960, 40, 3000, 12, 2, &d), 1);
	CU_ASSERT_EQUAL(d.len, 3000);
	CU_ASSERT_EQUAL(memcmp(d.data, payload, 3000), 0);
	CU_ASSERT_EQUAL_FATAL(d.nfrags, 3);
	CU_ASSERT_EQUAL(d.frags[0].frame, 10);
	CU_ASSERT_EQUAL(d.frags[1].offset, 1480);
	CU_ASSERT_EQUAL(d.frags[2].len, 40);
	CU_ASSERT(!d.frags[2].mf);
	CU_ASSERT_EQUAL(d.id, 1);
	/* The completed datagram is released on the next call. */
	ip_reasm_expire(r, 3);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 0);
	CU_ASSERT_EQUAL(dr.n, 0);
	ip_reasm_free(r);
}

static void test_out_of_order_and_duplicate(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 4, 0);
	struct ip_reasm_datagram d;

	CU_ASSERT_EQUAL(add(r, 2, 2960, 40, 3000, 1, 0, &d), 0);    /* last first */
	CU_ASSERT_EQUAL(add(r, 2, 1480, 1480, 3000, 2, 0, &d), 0);
	CU_ASSERT_EQUAL(add(r, 2, 1480, 1480, 3000, 3, 0, &d), 0);  /* exact duplicate */
	CU_ASSERT_EQUAL_FATAL(add(r, 2, 0, 1480, 3000, 4, 0, &d), 1);
	CU_ASSERT_EQUAL(d.len, 3000);
	CU_ASSERT_EQUAL(memcmp(d.data, payload, 3000), 0);
	CU_ASSERT_EQUAL_FATAL(d.nfrags, 4);
	CU_ASSERT(d.frags[2].duplicate);
	CU_ASSERT(!d.frags[1].duplicate);
	CU_ASSERT_EQUAL(d.frags[3].frame, 4);
	CU_ASSERT_EQUAL(dr.n, 0);
	ip_reasm_free(r);
}

static void test_overlap_dropped(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 4, 0);
	struct ip_reasm_datagram d;

	CU_ASSERT_EQUAL(add(r, 3, 0, 1480, 3000, 1, 0, &d), 0);
	/* Starts inside the first fragment (RFC 5722: drop the whole datagram). */
	CU_ASSERT_EQUAL(add(r, 3, 1472, 1480, 3000, 2, 0, &d), -EBADMSG);
	CU_ASSERT_EQUAL_FATAL(dr.n, 1);
	CU_ASSERT_EQUAL(dr.why[0], IP_REASM_DROP_OVERLAP);
	CU_ASSERT_EQUAL(dr.nfrags[0], 1);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, NULL), 0);
	/* Same offset and length but other bytes is an overlap too, not a duplicate. */
	CU_ASSERT_EQUAL(add(r, 4, 0, 1480, 3000, 3, 0, &d), 0);
	payload[5] ^= 0xff;
	CU_ASSERT_EQUAL(add(r, 4, 0, 1480, 3000, 4, 0, &d), -EBADMSG);
	CU_ASSERT_EQUAL(dr.why[1], IP_REASM_DROP_OVERLAP);
	ip_reasm_free(r);
}

static void test_invalid(void)
{
	static const struct {
		uint32_t off1; size_t len1; size_t total1;
		uint32_t off2; size_t len2; size_t total2;
	} t[] = {
		{ 1480, 1480, 3000, 0, 1000, 1000 },    /* the last ends before data held */
		{ 1480, 40, 1520, 1480, 80, 1560 },     /* two last fragments, other ends */
		{ 1480, 8, 1488, 1488, 8, 2000 },       /* data past the end of the datagram */
		{ 0, 1480, 3000, 64000, 1600, 65600 },  /* past 65535 */
		{ 0, 1480, 3000, 1480, 1001, 3000 },    /* non-last length not a multiple of 8 */
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct drops dr;
		struct ip_reasm *r = make(&dr, 4, 0);
		struct ip_reasm_datagram d;

		CU_ASSERT_EQUAL(add(r, 5, t[i].off1, t[i].len1, t[i].total1, 1, 0, &d), 0);
		CU_ASSERT_EQUAL(add(r, 5, t[i].off2, t[i].len2, t[i].total2, 2, 0, &d), -EBADMSG);
		CU_ASSERT_EQUAL(dr.n, 1);
		CU_ASSERT_EQUAL(dr.why[0], IP_REASM_DROP_INVALID);
		CU_ASSERT_EQUAL(ip_reasm_pending(r, NULL), 0);
		ip_reasm_free(r);
	}
}

static void test_missing_last_times_out(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 4, 0);
	struct ip_reasm_datagram d;

	CU_ASSERT_EQUAL(add(r, 6, 0, 1480, 3000, 1, lab_sec(1), &d), 0);
	CU_ASSERT_EQUAL(add(r, 6, 1480, 1480, 3000, 2, lab_sec(2), &d), 0);
	ip_reasm_expire(r, lab_sec(30));         /* 29 s after the first fragment: kept */
	CU_ASSERT_EQUAL(dr.n, 0);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, NULL), 1);
	/* A late last fragment after the timeout starts a new datagram that never completes. */
	CU_ASSERT_EQUAL(add(r, 6, 2960, 40, 3000, 3, lab_sec(31), &d), 0);
	CU_ASSERT_EQUAL_FATAL(dr.n, 1);
	CU_ASSERT_EQUAL(dr.why[0], IP_REASM_DROP_TIMEOUT);
	CU_ASSERT_EQUAL(dr.nfrags[0], 2);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, NULL), 1);
	ip_reasm_free(r);
}

static void test_datagram_cap_evicts_oldest(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 3, 0);
	struct ip_reasm_datagram d;

	for (uint32_t id = 10; id < 13; id++)
		CU_ASSERT_EQUAL(add(r, id, 0, 8, 16, id, id, &d), 0);
	CU_ASSERT_EQUAL(dr.n, 0);
	CU_ASSERT_EQUAL(add(r, 13, 0, 8, 16, 13, 13, &d), 0);
	CU_ASSERT_EQUAL_FATAL(dr.n, 1);
	CU_ASSERT_EQUAL(dr.why[0], IP_REASM_DROP_EVICTED);
	CU_ASSERT_EQUAL(dr.id[0], 10);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, NULL), 3);
	/* 11 is still there and completes. */
	CU_ASSERT_EQUAL(add(r, 11, 8, 8, 16, 14, 14, &d), 1);
	ip_reasm_free(r);
}

static void test_byte_cap(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 8, 4000);
	struct ip_reasm_datagram d;
	size_t bytes;

	CU_ASSERT_EQUAL(add(r, 20, 0, 1480, 3000, 1, 0, &d), 0);
	CU_ASSERT_EQUAL(add(r, 21, 0, 1480, 3000, 2, 0, &d), 0);
	CU_ASSERT_EQUAL(dr.n, 0);
	/* 2960 held + 1480 > 4000: the oldest (20) goes. */
	CU_ASSERT_EQUAL(add(r, 22, 0, 1480, 3000, 3, 0, &d), 0);
	CU_ASSERT_EQUAL_FATAL(dr.n, 1);
	CU_ASSERT_EQUAL(dr.why[0], IP_REASM_DROP_EVICTED);
	CU_ASSERT_EQUAL(dr.id[0], 20);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, &bytes), 2);
	CU_ASSERT(bytes <= 4000);
	/* One datagram bigger than the cap by itself is dropped, not held. */
	CU_ASSERT_EQUAL(add(r, 21, 1480, 1480, 3000, 4, 0, &d), 0);
	CU_ASSERT_EQUAL(add(r, 21, 2960, 40, 3000, 5, 0, &d), 1);
	ip_reasm_free(r);
	r = make(&dr, 8, 2000);
	CU_ASSERT_EQUAL(add(r, 30, 0, 1480, 3000, 1, 0, &d), 0);
	CU_ASSERT_EQUAL(add(r, 30, 1480, 1480, 3000, 2, 0, &d), 0);
	CU_ASSERT_EQUAL(dr.n, 1);
	CU_ASSERT_EQUAL(ip_reasm_pending(r, &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 0);
	ip_reasm_free(r);
}

static void test_many_datagrams_reuse_slots(void)
{
	struct drops dr;
	struct ip_reasm *r = make(&dr, 2, 0);
	struct ip_reasm_datagram d;
	int complete = 0;

	for (uint32_t id = 0; id < 1000; id++) {
		CU_ASSERT_EQUAL(add(r, id, 1480, 1000, 2480, id * 2, id, &d), 0);
		if (add(r, id, 0, 1480, 2480, id * 2 + 1, id, &d) == 1 && d.len == 2480 &&
		    memcmp(d.data, payload, 2480) == 0)
			complete++;
	}
	CU_ASSERT_EQUAL(complete, 1000);
	CU_ASSERT_EQUAL(dr.n, 0);
	ip_reasm_free(r);
}

UNIT_SUITE(ip_reasm,
	UNIT_TEST(test_in_order),
	UNIT_TEST(test_out_of_order_and_duplicate),
	UNIT_TEST(test_overlap_dropped),
	UNIT_TEST(test_invalid),
	UNIT_TEST(test_missing_last_times_out),
	UNIT_TEST(test_datagram_cap_evicts_oldest),
	UNIT_TEST(test_byte_cap),
	UNIT_TEST(test_many_datagrams_reuse_slots))
