/*
 * The CUnit runner. Suites register themselves (unit.h); this runs them all, or those named
 * on the command line: build/test-unit [SUITE...]
 */
#include "tests/unit/unit.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_MAX_SUITES 256

static struct {
	const char *name;
	const struct unit_test *tests;
	size_t n;
} suites[UNIT_MAX_SUITES];
static size_t nsuites;

void unit_register(const char *suite, const struct unit_test *tests, size_t n)
{
	if (nsuites == UNIT_MAX_SUITES) {
		fprintf(stderr, "unit: more than %d suites\n", UNIT_MAX_SUITES);
		abort();
	}
	suites[nsuites].name = suite;
	suites[nsuites].tests = tests;
	suites[nsuites].n = n;
	nsuites++;
}

const char *unit_fixture(const char *rel)
{
	static char path[4096];
	const char *root = getenv("VPNLAB_SRC");

	snprintf(path, sizeof path, "%s/tests/%s", root ? root : ".", rel);
	return path;
}

char *unit_fixture_text(const char *rel)
{
	FILE *f = fopen(unit_fixture(rel), "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL)
		buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t s = 0; s < nsuites; s++) {
		CU_pSuite cs;

		if (!wanted(suites[s].name, argc, argv))
			continue;
		cs = CU_add_suite(suites[s].name, NULL, NULL);
		if (!cs)
			return 2;
		for (size_t t = 0; t < suites[s].n; t++)
			if (!CU_add_test(cs, suites[s].tests[t].name, suites[s].tests[t].fn))
				return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "unit: no test ran\n");
		failed = 1;
	}
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
