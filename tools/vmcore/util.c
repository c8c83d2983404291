/*
 * Failing clearly, allocating, parsing numbers and printing sizes for
 * vmcore-inspect.  A host program may simply exit on the first error: every
 * error path goes through die(), so a bad vmcore never reaches a crash.
 */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void (*die_hook)(void);

void die(const char *fmt, ...)
{
	va_list ap;

	if (die_hook)
		die_hook();
	fflush(stdout);		/* what was printed so far comes before the error */
	fputs("vmcore-inspect: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	/* _exit, not exit: an error ends the program wherever it is, with
	 * buffers still allocated; LeakSanitizer's at-exit check would call
	 * them leaks.  Normal exits still go through it. */
	_exit(EXIT_INSPECT_ERROR);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmcore-inspect: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die("out of memory (%zu bytes)", size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("out of memory (%zu x %zu bytes)", n, size);
	p = realloc(p, n * size > 0 ? n * size : 1);
	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

bool parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading blanks and a minus sign: refuse both. */
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2])
			return false;
		v = strtoull(s + 2, &end, 16);
		if (end == s + 2)
			return false;
	} else {
		v = strtoull(s, &end, 10);
	}
	if (errno || *end)
		return false;
	*val = v;
	return true;
}

char *format_size(char *buf, size_t bufsz, uint64_t size)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned u = 0;
	uint64_t scale = 1;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && size / 1024 >= scale)
		scale *= 1024, u++;
	if (u == 0)
		snprintf(buf, bufsz, "%llu bytes", (unsigned long long)size);
	else if (size % scale == 0)
		snprintf(buf, bufsz, "%llu %s", (unsigned long long)(size / scale), units[u]);
	else	/* one decimal, cut rather than rounded, as the kernel prints it */
		snprintf(buf, bufsz, "%llu.%llu %s", (unsigned long long)(size / scale),
			 (unsigned long long)((size % scale) * 10 / scale), units[u]);
	return buf;
}
