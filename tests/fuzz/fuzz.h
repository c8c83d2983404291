/*
 * What every fuzz target shares: the libFuzzer entry point's prototype, an
 * exact-size copy of the input (fuzz_dup), and a reader that takes
 * parameters off the front of the input, so one input gives both the
 * bytes to parse and the values around them (RAM size, load address).
 * Each target is one file, fuzz_<name>.c, linked with the
 * pure sources it exercises, clang's -fsanitize=fuzzer,address,undefined.
 * The targets run the code the kernel runs, unchanged (no #ifdef).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "lib/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input in a buffer of exactly its size, writable and the caller's to
 * free: a read one byte past it is an ASan report (libFuzzer's own buffer
 * may have room after it).  NULL when out of memory: skip the input. */
static inline void *fuzz_dup(const uint8_t *data, size_t size)
{
	void *copy = malloc(size ? size : 1);

	if (copy)
		memcpy(copy, data, size);
	return copy;
}

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

/* The next n bytes as a little-endian number (missing bytes read as 0). */
static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && in->size; i++, in->data++, in->size--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

/* "Physical memory" made of the input, from address 0: a parser's read
 * callback (bootinfo_read_fn, vmcore_read_phys_fn) with ctx a struct fuzz_phys.
 * An address past the input is an error, not a read. */
struct fuzz_phys {
	const uint8_t *data;
	size_t size;
};

static inline int fuzz_read_phys(void *ctx, paddr_t pa, void *buf, size_t len)
{
	const struct fuzz_phys *p = ctx;

	if (pa > p->size || len > p->size - pa)
		return -E_RANGE;
	memcpy(buf, p->data + pa, len);
	return 0;
}

#endif
