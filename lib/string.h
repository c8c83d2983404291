/*
 * The few C library string and memory functions the kernel needs.  The
 * prototypes are the standard ones, so GCC's builtins and host builds agree.
 * Linux: include/linux/string.h.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/* Copy at most size-1 bytes and always terminate; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Parse an unsigned number: decimal, 0x hex, 0b binary, 0 octal, with an
 * optional K/M/G/T suffix (binary multiples) when allow_suffix.  The whole
 * string must be consumed.  Returns 0 or -E_INVAL / -E_RANGE.
 */
int parse_u64(const char *s, uint64_t *out, bool allow_suffix);

#endif
