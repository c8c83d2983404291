/*
 * A tiny unit-test framework for the host tests of the kernel's pure
 * logic.  Each TEST() registers itself in the "unit_tests" section; the
 * runner (tests/unit/main.c) runs them all, prints one line per test and a
 * summary.  A failed CHECK ends the test at once.
 *
 *   TEST(memmap_merges_adjacent) {
 *       CHECK_EQ(m.count, 1);
 *   }
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <stdint.h>

struct unit_test {
	const char *name;
	const char *file;
	void (*fn)(void);
};

/* Record a failure for the running test (used by the CHECK macros). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Non-zero once the running test has failed. */
int test_failed(void);

#define TEST(tname)                                                          \
	static void tname(void);                                             \
	static const struct unit_test unit_test_##tname                      \
		__attribute__((used, section("unit_tests"), aligned(8))) = { \
			#tname, __FILE__, tname                              \
		};                                                           \
	static void tname(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);   \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		unsigned long long va_ = (unsigned long long)(a);            \
		unsigned long long vb_ = (unsigned long long)(b);            \
		if (va_ != vb_) {                                            \
			test_fail(__FILE__, __LINE__,                        \
				  "CHECK_EQ(%s, %s): 0x%llx != 0x%llx",      \
				  #a, #b, va_, vb_);                         \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *sa_ = (a), *sb_ = (b);                           \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                 \
			test_fail(__FILE__, __LINE__,                        \
				  "CHECK_STR(%s, %s): \"%s\" != \"%s\"",     \
				  #a, #b, sa_ ? sa_ : "(null)",              \
				  sb_ ? sb_ : "(null)");                     \
			return;                                              \
		}                                                            \
	} while (0)

/* Read a whole file into a malloc'd buffer; exits 2 with a message if it
 * cannot.  test_read_file takes a name in tests/data. */
void *test_read_path(const char *path, size_t *len);
void *test_read_file(const char *name, size_t *len);

#endif
