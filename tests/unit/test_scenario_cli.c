/* `vpnlab validate`: exit codes and the one line per valid file on stdout. */
#include "tests/unit/unit.h"
#include "harness/cmd_validate.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run cmd_validate with stdout captured and stderr silenced; returns its exit code. */
static int validate(char **argv, int argc, char *out, size_t outlen)
{
	FILE *tmp = tmpfile();
	int saved_out = dup(1), saved_err = dup(2), null = open("/dev/null", O_WRONLY), r;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	CU_ASSERT_FATAL(saved_out >= 0 && saved_err >= 0 && null >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(tmp), 1);
	dup2(null, 2);
	r = cmd_validate(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	close(null);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return r;
}

static void test_exit_codes(void)
{
	char valid[4096], invalid[4096], out[1024], want[5000];
	char *ok_args[] = { "validate", valid, NULL };
	char *mixed_args[] = { "validate", valid, invalid, NULL };
	char *missing_args[] = { "validate", "/nonexistent.yaml", NULL };
	char *none_args[] = { "validate", NULL };
	char *help_args[] = { "validate", "--help", NULL };
	char *bad_opt_args[] = { "validate", "--frobnicate", valid, NULL };

	snprintf(valid, sizeof valid, "%s", unit_fixture("fixtures/scenarios/valid-full.yaml"));
	snprintf(invalid, sizeof invalid, "%s",
	         unit_fixture("fixtures/scenarios/invalid-typos.yaml"));

	CU_ASSERT_EQUAL(validate(ok_args, 2, out, sizeof out), 0);
	snprintf(want, sizeof want, "%s: ok (4 nodes, 4 links, 10 steps)\n", valid);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* One invalid file makes the run fail; the valid one is still reported. */
	CU_ASSERT_EQUAL(validate(mixed_args, 3, out, sizeof out), 2);
	CU_ASSERT_STRING_EQUAL(out, want);

	CU_ASSERT_EQUAL(validate(missing_args, 2, out, sizeof out), 2);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(validate(none_args, 1, out, sizeof out), 2);
	CU_ASSERT_EQUAL(validate(bad_opt_args, 3, out, sizeof out), 2);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(validate(help_args, 2, out, sizeof out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: vpnlab validate FILE..."));
}

UNIT_SUITE(scenario_cli,
           UNIT_TEST(test_exit_codes))
