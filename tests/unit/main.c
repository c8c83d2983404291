/*
 * Runner for the host unit tests: runs every TEST() (optionally only those
 * whose name contains argv[1]), prints "PASS name", or the failed checks'
 * "    file:line: why" lines then "FAIL name (file)", per test, and ends with
 * "unit: N passed, N failed".  Exit status 1 on failure.
 * "--list" prints the tests' names instead, one a line (tests/unit/test_unit.py
 * makes one pytest test of each).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/test.h"

extern const struct unit_test __start_unit_tests[], __stop_unit_tests[];

static int current_failed;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = 1;
	printf("    %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int test_failed(void)
{
	return current_failed;
}

void *test_read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		fprintf(stderr, "unit: cannot open %s (run from the repository root, after make)\n",
			path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "unit: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void *test_read_file(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "tests/data/%s", name);
	return test_read_path(path, len);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (filter && strcmp(filter, "--list") == 0) {
		for (const struct unit_test *t = __start_unit_tests; t < __stop_unit_tests; t++)
			printf("%s\n", t->name);
		return 0;
	}
	for (const struct unit_test *t = __start_unit_tests; t < __stop_unit_tests; t++) {
		if (filter && !strstr(t->name, filter))
			continue;
		current_failed = 0;
		/* Name first, so a test that crashes is still identified. */
		fprintf(stderr, "unit: running %s\n", t->name);
		t->fn();
		if (current_failed) {
			printf("FAIL %s (%s)\n", t->name, t->file);
			failed++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
