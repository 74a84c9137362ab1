/* `vpnlab profiles` output: the list, and one profile with every row and its source. */
#include "tests/unit/unit.h"
#include "harness/cmd_profiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *capture_show(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (p)
		cmd_profiles_show(f, p);
	else
		cmd_profiles_list(f);
	fclose(f);
	return buf;
}

static size_t count_lines_starting(const char *text, const char *prefix)
{
	size_t n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, strlen(prefix)))
			n++;
	return n;
}

static void test_list(void)
{
	char *out = capture_show(NULL);

	CU_ASSERT_EQUAL(count_lines_starting(out, ""), profile_count());
	CU_ASSERT(strncmp(out, "sakura-vpc-v1  Sakura Cloud VPC router version 1", 48) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nk5-vpnaas      Fujitsu K5"));
	free(out);
}

static void test_show_every_row(void)
{
	for (size_t i = 0; i < profile_count(); i++) {
		const struct profile *p = profile_at(i);
		char *out = capture_show(p);
		size_t rows = count_lines_starting(out, "forced ") +
		              count_lines_starting(out, "default ") +
		              count_lines_starting(out, "info ");

		CU_ASSERT_EQUAL(rows, p->nquirks);
		CU_ASSERT_EQUAL(count_lines_starting(out, "                                    observed: "),
		                p->nquirks);
		free(out);
	}
}

static void test_show_sakura_v1(void)
{
	char *out = capture_show(profile_find("sakura-vpc-v1"));

	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nforced   ike-proposals              "
	                              "aes128-sha1-modp1536,aes128-sha1-modp1024\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "observed: seeds/002 l.132-135 (show crypto sa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\ndefault  select                     own  "
	                              "(UNCONFIRMED)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\ninfo     phase1-mode                main\n"));
	free(out);
}

static void test_unknown_profile(void)
{
	char *argv[] = { "profiles", "cisco-asa", NULL };
	FILE *saved = stderr;

	stderr = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(cmd_profiles(2, argv), 2);
	fclose(stderr);
	stderr = saved;
}

UNIT_SUITE(cmd_profiles,
           UNIT_TEST(test_list),
           UNIT_TEST(test_show_every_row),
           UNIT_TEST(test_show_sakura_v1),
           UNIT_TEST(test_unknown_profile))
