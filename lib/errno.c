/*
 * Names of the E_* error codes, for log lines, and why_fail, the pure
 * checkers' "explain the refusal, return the error".  Pure: used by host
 * tests.  Linux: errname() in lib/errname.c (printk's %pe).
 */
#include <stdarg.h>
#include "lib/errno.h"
#include "lib/vsprintf.h"

static const char *const names[E_MAX + 1] = {
	[0] = "OK",
	[E_INVAL] = "E_INVAL",
	[E_NOMEM] = "E_NOMEM",
	[E_RANGE] = "E_RANGE",
	[E_NOENT] = "E_NOENT",
	[E_BUSY] = "E_BUSY",
	[E_OVERLAP] = "E_OVERLAP",
	[E_ALIGN] = "E_ALIGN",
	[E_2BIG] = "E_2BIG",
	[E_NOSPC] = "E_NOSPC",
	[E_IO] = "E_IO",
	[E_NOEXEC] = "E_NOEXEC",
	[E_TRUNC] = "E_TRUNC",
	[E_BADSUM] = "E_BADSUM",
	[E_PERM] = "E_PERM",
	[E_NOTSUP] = "E_NOTSUP",
	[E_TIMEDOUT] = "E_TIMEDOUT",
};

const char *err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err > E_MAX)
		return "E_?";
	return names[err];
}

int why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		kvsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}
