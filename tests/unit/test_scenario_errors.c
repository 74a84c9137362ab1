/*
 * Every kind of mistake the loader reports, as tables: the YAML text and the exact
 * diagnostics ("FILE:LINE:COL: message", sorted by position) it must produce. Positions are
 * 1-based and point at the offending value (for a token inside a one-line string such as a
 * link end or a route, at that token). Files with several mistakes report all of them.
 */
#include "tests/unit/unit.h"
#include "harness/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct err_case {
	const char *name;
	const char *text;
	const char *want;       /* every diagnostic, one per line; "" = valid */
};

#include "tests/unit/test_scenario_errors.inc"

static void run_cases(const struct err_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sc_diags d = { 0 };
		struct scenario *sc = NULL;
		char *got = NULL;
		size_t glen = 0;
		FILE *f = open_memstream(&got, &glen);
		int r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		r = scenario_load_buffer("t.yaml", t[i].text, strlen(t[i].text), &sc, &d);
		sc_diags_print(&d, f);
		fclose(f);
		CU_ASSERT_STRING_EQUAL(got, t[i].want);
		if (t[i].want[0]) {
			CU_ASSERT_EQUAL(r, -EINVAL);
			CU_ASSERT_PTR_NULL(sc);
		} else {
			CU_ASSERT_EQUAL(r, 0);
			CU_ASSERT_PTR_NOT_NULL(sc);
		}
		if (strcmp(got, t[i].want))
			fprintf(stderr, "\n[%s] got:\n%s[%s] want:\n%s", t[i].name, got, t[i].name,
			        t[i].want);
		scenario_free(sc);
		sc_diags_free(&d);
		free(got);
	}
}

#define RUN(table) run_cases(table, sizeof table / sizeof table[0])

static void test_yaml_errors(void) { RUN(yaml_cases); }
static void test_top_level_errors(void) { RUN(top_cases); }
static void test_topology_errors(void) { RUN(topology_cases); }
static void test_route_errors(void) { RUN(routes_cases); }
static void test_step_errors(void) { RUN(steps_cases); }
static void test_valid_edges(void) { RUN(ok_cases); }

/* Diagnostics append: one sc_diags may collect several files, each sorted on its own. */
static void test_diags_accumulate(void)
{
	static const char a[] = "name: t\nseed: x\ntopology: {nodes: {a: {fowrard: 1}}}\n";
	static const char b[] = "[1]\n";
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;

	CU_ASSERT_EQUAL(scenario_load_buffer("a.yaml", a, strlen(a), &sc, &d), -EINVAL);
	CU_ASSERT_EQUAL(scenario_load_buffer("b.yaml", b, strlen(b), &sc, &d), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(d.n, 3);
	CU_ASSERT_STRING_EQUAL(d.lines[0], "a.yaml:2:7: seed: expected a whole number, got 'x'");
	CU_ASSERT_EQUAL(strncmp(d.lines[1], "a.yaml:3:24: unknown key 'fowrard'", 34), 0);
	CU_ASSERT_EQUAL(strncmp(d.lines[2], "b.yaml:1:1: the top level must be a map", 39), 0);
	sc_diags_free(&d);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_PTR_NULL(d.lines);
}

/* A buffer is not a C string: bytes after len are never read, a NUL inside is an error. */
static void test_buffer_length(void)
{
	static const char text[] = "name: t\ntopology: {nodes: {a: {}}}\nGARBAGE";
	static const char nul[] = "name: t\0\ntopology: {nodes: {a: {}}}\n";
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;

	CU_ASSERT_EQUAL(scenario_load_buffer("t.yaml", text, sizeof text - 8, &sc, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	scenario_free(sc);
	CU_ASSERT_EQUAL(scenario_load_buffer("t.yaml", nul, sizeof nul - 1, &sc, &d), -EINVAL);
	CU_ASSERT_TRUE(d.n >= 1);
	sc_diags_free(&d);
}

UNIT_SUITE(scenario_errors,
           UNIT_TEST(test_yaml_errors),
           UNIT_TEST(test_top_level_errors),
           UNIT_TEST(test_topology_errors),
           UNIT_TEST(test_route_errors),
           UNIT_TEST(test_step_errors),
           UNIT_TEST(test_valid_edges),
           UNIT_TEST(test_diags_accumulate),
           UNIT_TEST(test_buffer_length))
