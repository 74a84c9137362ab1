/*
 * Selector match and the send-side hairpin rule as a table: one gateway (no peer needed:
 * nothing is up, so a matched packet ends as GW_EV_NO_SA on its connection), three
 * connections: two sites behind 10.0.0.0/8 selectors and a route-based default.
 */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>

enum outcome { NO_MATCH, NO_SA, HAIRPIN };

static const struct {
	const char *src, *dst;
	enum outcome want;
	int conn;                       /* NO_SA / HAIRPIN: the connection it matched */
	const char *why;
} cases[] = {
	{ "10.1.0.5", "10.2.0.7", NO_SA, 0, "LAN to site B: first match in config order" },
	{ "10.1.0.5", "10.3.0.7", NO_SA, 1, "LAN to site C" },
	{ "10.1.0.5", "8.8.8.8", NO_SA, 2, "LAN to anywhere: the route-based default" },
	{ "10.2.0.5", "10.3.0.9", HAIRPIN, 1, "site B to site C: the source is behind B" },
	{ "10.3.0.1", "10.2.0.1", HAIRPIN, 0, "site C to site B" },
	{ "10.2.0.1", "10.2.0.2", NO_SA, 0, "back into the tunnel it came from is not a hairpin" },
	{ "10.2.0.5", "8.8.8.8", NO_MATCH, -1, "site B to anywhere: no selector has that source" },
	{ "192.168.1.1", "10.2.0.7", NO_MATCH, -1, "a source no local_ts holds" },
	{ "10.1.0.5", "10.1.0.6", NO_SA, 2, "LAN to LAN matches only the default (routing "
	  "would not send it into the tunnel)" },
};

static void test_selector_table(void)
{
	struct gw_config c;
	struct wire *w = wire_new();

	memset(&c, 0, sizeof c);
	gw_dataplane_default(&c.dp);
	wire_conn(&c.conns[0], "site-b", "192.0.2.1", "192.0.2.2", "10.0.0.0/8", "10.2.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", false);
	wire_conn(&c.conns[1], "site-c", "192.0.2.1", "192.0.2.3", "10.0.0.0/8", "10.3.0.0/16",
	          "aes128-sha1-modp2048", "aes128-sha1", false);
	wire_conn(&c.conns[2], "default", "192.0.2.1", "192.0.2.4", "10.1.0.0/16", "0.0.0.0/0",
	          "aes128-sha1-modp2048", "aes128-sha1", false);
	c.nconns = 3;
	CU_ASSERT_EQUAL_FATAL(wire_add(w, "192.0.2.1", &c, 1), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t p[100];
		struct gw_stats before, after;
		const struct gw_event *e;
		unsigned failed = CU_get_number_of_failures();

		wire_clear(w);
		gw_stats(w->g[0].gw, &before);
		wire_ping(p, sizeof p, cases[i].src, cases[i].dst, false, (uint16_t)i);
		wire_send(w, 0, p, sizeof p);
		gw_stats(w->g[0].gw, &after);
		switch (cases[i].want) {
		case NO_MATCH:
			CU_ASSERT_EQUAL(after.no_match_drops, before.no_match_drops + 1);
			CU_ASSERT_EQUAL(w->g[0].nev, 0);
			break;
		case NO_SA:
			e = wire_find(w, 0, GW_EV_NO_SA, 0);
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			CU_ASSERT_EQUAL(e->conn, cases[i].conn);
			CU_ASSERT_EQUAL(after.no_sa_drops, before.no_sa_drops + 1);
			break;
		case HAIRPIN:
			e = wire_find(w, 0, GW_EV_HAIRPIN_DROP, 0);
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			CU_ASSERT_EQUAL(e->conn, cases[i].conn);
			CU_ASSERT_EQUAL(after.hairpin_drops, before.hairpin_drops + 1);
			CU_ASSERT_EQUAL(wire_count(w, 0, GW_EV_NO_SA, 0), 0);
			break;
		}
		if (CU_get_number_of_failures() != failed)
			fprintf(stderr, "case %zu: %s -> %s (%s)\n", i, cases[i].src, cases[i].dst,
			        cases[i].why);
	}
	/* nothing was ever sent: none of these connections initiates */
	CU_ASSERT_EQUAL(w->nudp, 0);
	wire_free(w);
}

UNIT_SUITE(gw_sel, UNIT_TEST(test_selector_table))
