/*
 * printf-style formatting into a buffer (Linux: lib/vsprintf.c).  Supports
 * %d %i %u %x %X %o %c %s %p %%, the flags '-' '0' '#' '+' ' ', width and
 * precision (also '*'), and the length modifiers hh h l ll z t j.
 * Named with a k prefix so host test builds do not clash with libc.
 */
#ifndef LIB_VSPRINTF_H
#define LIB_VSPRINTF_H

#include <stdarg.h>
#include "lib/types.h"

/* Like C's vsnprintf: returns the length the full output would have. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * For checkers that explain a refusal: format the reason into why (when
 * why is not NULL and whylen > 0) and return err.  Pure parsers define
 *   #define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)
 * in functions that have why and whylen in scope.
 */
int why_fail(char *why, size_t whylen, int err, const char *fmt, ...) __printf(4, 5);

#endif
