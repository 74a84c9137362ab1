/*
 * Anti-replay window (RFC 4303 3.4.3) as table tests, in the manner of WireGuard's
 * selftest/counter.c: each row feeds one sequence number and states the verdict.
 */
#include "tests/unit/unit.h"
#include "peers/esp/esp_replay.h"

#include <errno.h>
#include <stdio.h>

struct step {
	uint32_t seq;
	enum esp_replay_verdict want;
};

static void run(const char *name, uint32_t window, const struct step *s, size_t n)
{
	struct esp_replay r;

	CU_ASSERT_EQUAL_FATAL(esp_replay_init(&r, window), 0);
	for (size_t i = 0; i < n; i++) {
		enum esp_replay_verdict c = esp_replay_check(&r, s[i].seq);
		enum esp_replay_verdict u = esp_replay_update(&r, s[i].seq);

		if (c != s[i].want || u != s[i].want)
			fprintf(stderr, "\n%s row %zu: seq %u gave %s/%s, want %s\n", name, i, s[i].seq,
			        esp_replay_verdict_name(c), esp_replay_verdict_name(u),
			        esp_replay_verdict_name(s[i].want));
		CU_ASSERT_EQUAL(c, s[i].want);
		CU_ASSERT_EQUAL(u, s[i].want);
	}
}

#define RUN(w, rows) run(#rows, w, rows, sizeof rows / sizeof rows[0])
#define OK ESP_REPLAY_OK
#define DUP ESP_REPLAY_DUPLICATE
#define OLD ESP_REPLAY_TOO_OLD

static void test_in_window_and_duplicates(void)
{
	static const struct step rows[] = {
		{ 1, OK }, { 1, DUP }, { 3, OK }, { 2, OK }, { 2, DUP }, { 3, DUP },
		{ 10, OK }, { 5, OK }, { 4, OK }, { 9, OK }, { 5, DUP }, { 10, DUP },
		{ 0, OLD },             /* never sent without ESN */
	};

	RUN(32, rows);
}

static void test_window_edges(void)
{
	/* Window 32 ending at 100 covers 69..100: 69 is the last in, 68 the first out. */
	static const struct step rows[] = {
		{ 100, OK }, { 69, OK }, { 68, OLD }, { 69, DUP }, { 70, OK }, { 1, OLD },
		{ 101, OK }, { 70, DUP }, { 69, OLD }, { 71, OK },  /* now 70..101 */
	};

	RUN(32, rows);
}

static void test_far_ahead(void)
{
	/* A jump larger than the ring clears everything; older in-window packets are fresh. */
	static const struct step rows[] = {
		{ 1, OK }, { 2, OK }, { 3, OK }, { 1000000, OK }, { 999999, OK }, { 3, OLD },
		{ 1000000 - 127, OK }, { 1000000 - 128, OLD }, { 1000000 - 127, DUP },
		{ 1000000 + 64 * 3, OK }, { 1000000 + 64 * 3 - 1, OK }, { 999999, OLD },
	};

	RUN(128, rows);
}

static void test_large_window_across_blocks(void)
{
	/* 1024 packets: receive every even number up to 2048, then fill the odd ones in window. */
	struct esp_replay r;
	unsigned bad = 0;

	CU_ASSERT_EQUAL_FATAL(esp_replay_init(&r, 1024), 0);
	for (uint32_t s = 2; s <= 2048; s += 2)
		bad += esp_replay_update(&r, s) != OK;
	for (uint32_t s = 1; s < 2048; s += 2)
		bad += esp_replay_check(&r, s) != (2048 - s < 1024 ? OK : OLD);
	for (uint32_t s = 1026; s <= 2048; s += 2)
		bad += esp_replay_check(&r, s) != DUP;
	CU_ASSERT_EQUAL(esp_replay_check(&r, 1025), OK);
	CU_ASSERT_EQUAL(esp_replay_check(&r, 1024), OLD);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(esp_replay_init(&r, ESP_REPLAY_MAX), 0);
	CU_ASSERT_EQUAL(esp_replay_init(&r, ESP_REPLAY_MAX + 1), -EINVAL);
}

static void test_max_window_exact(void)
{
	/* The whole ring in use: all 4096 slots distinct, then one slide. */
	struct esp_replay r;
	unsigned bad = 0;

	CU_ASSERT_EQUAL_FATAL(esp_replay_init(&r, ESP_REPLAY_MAX), 0);
	for (uint32_t s = 1; s <= 5000; s++)
		bad += esp_replay_update(&r, s) != OK;
	for (uint32_t s = 5000 - ESP_REPLAY_MAX + 1; s <= 5000; s++)
		bad += esp_replay_check(&r, s) != DUP;
	bad += esp_replay_check(&r, 5000 - ESP_REPLAY_MAX) != OLD;
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_wrap_near_2_32(void)
{
	/* No ESN: after 0xffffffff a sender must rekey; numbers "after the wrap" are too old. */
	static const struct step rows[] = {
		{ 0xfffffff0u, OK }, { 0xfffffffeu, OK }, { 0xffffffffu, OK }, { 0xfffffff1u, OK },
		{ 0xffffffffu, DUP }, { 0, OLD }, { 1, OLD }, { 2, OLD }, { 0xffffff00u, OLD },
	};

	RUN(64, rows);
}

static void test_sequence_restart(void)
{
	/* A gateway fail-over restarts its sender at 1: with the window on, dropped as too old. */
	static const struct step on[] = {
		{ 5000, OK }, { 5001, OK }, { 1, OLD }, { 2, OLD }, { 3, OLD }, { 5002, OK },
	};
	/* With window 0 (K5 wants anti-replay off on the peer) every packet passes. */
	static const struct step off[] = {
		{ 5000, OK }, { 5001, OK }, { 1, OK }, { 2, OK }, { 1, OK }, { 0, OK },
	};

	RUN(128, on);
	RUN(0, off);
}

static void test_check_does_not_update(void)
{
	struct esp_replay r;

	CU_ASSERT_EQUAL_FATAL(esp_replay_init(&r, 32), 0);
	CU_ASSERT_EQUAL(esp_replay_check(&r, 7), OK);
	CU_ASSERT_EQUAL(esp_replay_check(&r, 7), OK);       /* an ICV failure leaves no trace */
	CU_ASSERT_EQUAL(r.top, 0);
	CU_ASSERT_EQUAL(esp_replay_update(&r, 7), OK);
	CU_ASSERT_EQUAL(esp_replay_check(&r, 7), DUP);
	CU_ASSERT_EQUAL(r.top, 7);
}

UNIT_SUITE(esp_replay,
	UNIT_TEST(test_in_window_and_duplicates),
	UNIT_TEST(test_window_edges),
	UNIT_TEST(test_far_ahead),
	UNIT_TEST(test_large_window_across_blocks),
	UNIT_TEST(test_max_window_exact),
	UNIT_TEST(test_wrap_near_2_32),
	UNIT_TEST(test_sequence_restart),
	UNIT_TEST(test_check_does_not_update))
