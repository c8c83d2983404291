/*
 * Counting the bits set in a word, for the frame allocator's bitmaps and
 * the capture kernel's reading of the dead one.  No __builtin_popcount:
 * without -mpopcnt it may call into libgcc, which the kernel does not
 * link.  Linux: include/linux/bitops.h (hweight64).
 */
#ifndef LIB_BITS_H
#define LIB_BITS_H

#include "lib/types.h"

static inline unsigned popcount64(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((v * 0x0101010101010101ULL) >> 56);
}

#endif
