/*
 * What every part of vmcore-inspect shares: the one way to fail
 * ("vmcore-inspect: error: ...", exit status 2), allocation that cannot
 * return NULL, number parsing that refuses trailing junk, and sizes
 * written the way the kernel's logs write them ("83.8 KiB").
 */
#ifndef VMCORE_UTIL_H
#define VMCORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit status of every error: bad input, a file we cannot read, a vmcore
 * that is cut short or corrupt, an address that is not in the dump. */
#define EXIT_INSPECT_ERROR 2

/* If set, die() calls it first (the fuzz target longjmps back out of a
 * refused input, tests/fuzz/fuzz_vmcore_inspect.c); NULL in the tool. */
extern void (*die_hook)(void);

/* Print "vmcore-inspect: error: <fmt>\n" on stderr and exit(2). */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);

/* Print "vmcore-inspect: warning: <fmt>\n" on stderr and go on. */
__attribute__((format(printf, 1, 2)))
void warn(const char *fmt, ...);

/* malloc/calloc/realloc that die instead of returning NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);

/*
 * Parse a whole string as an unsigned number: 0x... hex, else decimal.
 * Returns true and stores *val, or false on an empty string, junk after
 * the digits, a sign, or overflow.
 */
bool parse_u64(const char *s, uint64_t *val);

/*
 * Write size in bytes as the kernel does: "240 bytes", "4 KiB",
 * "83.8 KiB", "510.8 MiB", "12 GiB" (one decimal unless whole).
 * Returns buf.
 */
char *format_size(char *buf, size_t bufsz, uint64_t size);

#endif
