/*
 * The SA table (captures/sa_table.h) on the real strongSwan capture: one IKE SA, two
 * CHILD_SAs (the second a rekey of the first), their times, and the packets per direction
 * that the ESP summaries counted.
 */
#include "tests/unit/unit.h"
#include "captures/sa_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void feed(void *arg, const struct trace_ev *ev)
{
	sa_table_event(arg, ev);
}

static void test_sa_table_strongswan(void)
{
	char path[512], msg[512], *text = NULL;
	size_t len = 0;
	struct cap_keys *k = cap_keys_new();
	struct sa_table *st = sa_table_new();
	struct trace *t;

	CU_ASSERT_EQUAL_FATAL(cap_keys_load(k, unit_fixture("fixtures/pcap/strongswan_ikev1.keys"),
	                                    msg, sizeof msg), 0);
	snprintf(path, sizeof path, "%s", unit_fixture("fixtures/pcap/strongswan_ikev1.pcap"));
	const char *p[] = { path };
	t = trace_new(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	trace_set_callback(t, feed, st);
	CU_ASSERT_EQUAL_FATAL(trace_read(t, p, 1, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(sa_table_ike_count(st), 1);
	CU_ASSERT_EQUAL(sa_table_child_count(st), 2);

	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	sa_table_print(st, t, false, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "ike_sa 8dbebf5c726fe913 10.10.0.1 -> 10.10.0.2 "
	                                    "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048: "
	                                    "up 2026-12-01 18:22:26.739740 (strongswan_ikev1.pcap#6), "
	                                    "replaced -, deleted 2026-12-01 18:22:33.597331\n"));
	/* The first CHILD_SA was rekeyed when the second came up (frame 26). */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "child_sa d49b2241_i efd5071a_r 10.10.0.1 -> 10.10.0.2 "
	                                    "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ: up 2026-12-01 "
	                                    "18:22:26.742893 (strongswan_ikev1.pcap#9), rekeyed "
	                                    "2026-12-01 18:22:32.170377, deleted 2026-12-01 "
	                                    "18:22:33.592283, packets i->r 3 r->i 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "child_sa 6e4bff53_i 3bef05d2_r 10.10.0.1 -> 10.10.0.2 "
	                                    "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ: up 2026-12-01 "
	                                    "18:22:32.170377 (strongswan_ikev1.pcap#26), rekeyed -"));
	free(text);
	trace_free(t);
	sa_table_free(st);
	cap_keys_free(k);
}

/* A table that is full counts what it could not list. */
static void test_sa_table_full(void)
{
	struct sa_table *st = sa_table_new();
	struct trace *t = trace_new(NULL);
	struct trace_ev ev = { .kind = TR_CHILD_UP };
	char *text = NULL;
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	for (uint32_t i = 0; i < SA_TABLE_MAX_CHILD + 3; i++) {
		ev.spi = 2 * i + 1;
		ev.spi2 = 2 * i + 2;
		sa_table_event(st, &ev);
	}
	CU_ASSERT_EQUAL(sa_table_child_count(st), SA_TABLE_MAX_CHILD);
	FILE *f = open_memstream(&text, &len);
	sa_table_print(st, t, false, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "note: 0 IKE SAs and 3 CHILD_SAs more than the table "
	                                    "holds, not listed\n"));
	free(text);
	trace_free(t);
	sa_table_free(st);
}

UNIT_SUITE(sa_table, UNIT_TEST(test_sa_table_strongswan), UNIT_TEST(test_sa_table_full))
