/*
 * printf-style formatting into a buffer (Linux: lib/vsprintf.c).  Supports
 * %d %i %u %x %X %o %c %s %p %%, the flags '-' '0' '#' '+' ' ', width and
 * precision (also '*'), and the length modifiers hh h l ll z t j.
 * Named with a k prefix so host test builds do not clash with libc.
 * Also format_size, the human size of every log line.
 */
#ifndef LIB_VSPRINTF_H
#define LIB_VSPRINTF_H

#include <stdarg.h>
#include "lib/types.h"

/* Like C's vsnprintf: returns the length the full output would have. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Print size as "64 MiB", "4 KiB", "1.5 GiB" (one decimal, truncated) into
 * buf; returns buf.  The form every log line with a size uses. */
char *format_size(char *buf, size_t bufsz, uint64_t size);

#endif
