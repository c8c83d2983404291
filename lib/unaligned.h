/*
 * Reading little-endian integers at any alignment from byte buffers (ELF
 * files, multiboot2 headers), without undefined behaviour: memcpy, which
 * the compiler turns into one load.  Linux: include/linux/unaligned.h.
 */
#ifndef LIB_UNALIGNED_H
#define LIB_UNALIGNED_H

#include "lib/string.h"
#include "lib/types.h"

static inline uint32_t get_unaligned_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t get_unaligned_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif
