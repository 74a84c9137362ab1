/*
 * unit.h: CUnit suites that register themselves, so each test file stands alone.
 *
 *   static void test_foo(void) { CU_ASSERT_EQUAL(1, 1); }
 *   UNIT_SUITE(drbg, UNIT_TEST(test_foo), ...)
 */
#ifndef VPNLAB_TESTS_UNIT_H
#define VPNLAB_TESTS_UNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

void unit_register(const char *suite, const struct unit_test *tests, size_t n);

/* Path of a test fixture file under tests/ (borrowed static buffer). */
const char *unit_fixture(const char *rel);
/* The whole text of a fixture file, NUL-terminated (caller frees); NULL if unreadable. */
char *unit_fixture_text(const char *rel);

#define UNIT_TEST(fn) { #fn, fn }
#define UNIT_SUITE(suite, ...)                                                       \
	static const struct unit_test suite##_tests_[] = { __VA_ARGS__ };              \
	__attribute__((constructor)) static void suite##_register_(void)               \
	{                                                                              \
		unit_register(#suite, suite##_tests_,                                  \
		              sizeof suite##_tests_ / sizeof suite##_tests_[0]);      \
	}

#endif
