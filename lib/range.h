/*
 * Half-open physical ranges [start, end), the one shape every "keep clear
 * of these" list in the kernel has: the boot reservations the crash window
 * avoids, the segments a kexec load has placed, the crash window a vmcore
 * leaves out.  And the search for a free place among them.  Linux:
 * include/linux/range.h (struct range, whose end is inclusive; ours is
 * not) and the hole search of kexec_locate_mem_hole (kernel/kexec_file.c).
 * Pure.  The typed ranges of the memory map (mm/memmap.h) carry a type
 * instead of a name; mm/memmap.c walks them with range_find_hole.
 */
#ifndef LIB_RANGE_H
#define LIB_RANGE_H

#include "lib/types.h"

struct range {
	paddr_t start;
	paddr_t end;		/* exclusive */
	const char *what;	/* what it holds, for messages ("kernel image"); may be NULL */
};

/* Does r meet [start, end)?  Empty ranges meet nothing. */
static inline bool range_overlaps(const struct range *r, paddr_t start, paddr_t end)
{
	return r->start < end && start < r->end;
}

/* The first of ranges[0, n) that meets [start, end), or NULL. */
const struct range *range_find_overlap(const struct range *ranges, unsigned n,
				       paddr_t start, paddr_t end);

/*
 * Place size bytes aligned to align (a power of two, not 0) inside
 * [start, end), meeting none of avoid[0, nr_avoid): the lowest such place,
 * or the highest when top_down.  Returns true and *base, or false when
 * nothing fits.  Never wraps past 2^64.  Linux: locate_mem_hole_bottom_up
 * and locate_mem_hole_top_down in kernel/kexec_file.c.
 */
bool range_find_hole(paddr_t start, paddr_t end, const struct range *avoid, unsigned nr_avoid,
		     uint64_t size, uint64_t align, bool top_down, paddr_t *base);

#endif
