/*
 * The hole search over half-open ranges: step a candidate past each range
 * it meets (upwards from the bottom, or downwards from the top) until one
 * meets nothing.  Each step moves the candidate strictly, so the search
 * ends.  Linux: kexec_locate_mem_hole's bottom-up and top-down walks.
 * Pure: the kexec loader, the crashkernel= placement and the host tests.
 */
#include "lib/range.h"

const struct range *range_find_overlap(const struct range *ranges, unsigned n,
				       paddr_t start, paddr_t end)
{
	for (unsigned i = 0; i < n; i++)
		if (range_overlaps(&ranges[i], start, end))
			return &ranges[i];
	return NULL;
}

/* The lowest aligned place for size bytes in [start, end) clear of avoid. */
static bool hole_bottom_up(paddr_t start, paddr_t end, const struct range *avoid, unsigned n,
			   uint64_t size, uint64_t align, paddr_t *base)
{
	paddr_t cand = ALIGN_UP(start, align);

	/* cand only grows; a wrap past 2^64 makes it smaller and ends the loop. */
	while (cand >= start && cand <= end - size) {
		const struct range *a = range_find_overlap(avoid, n, cand, cand + size);

		if (!a) {
			*base = cand;
			return true;
		}
		cand = ALIGN_UP(a->end, align);
	}
	return false;
}

/* The highest aligned place for size bytes in [start, end) clear of avoid. */
static bool hole_top_down(paddr_t start, paddr_t end, const struct range *avoid, unsigned n,
			  uint64_t size, uint64_t align, paddr_t *base)
{
	paddr_t cand = ALIGN_DOWN(end - size, align);

	while (cand >= start) {
		const struct range *a = range_find_overlap(avoid, n, cand, cand + size);

		if (!a) {
			*base = cand;
			return true;
		}
		if (a->start < size)
			return false;
		cand = ALIGN_DOWN(a->start - size, align);	/* below a: only shrinks */
	}
	return false;
}

bool range_find_hole(paddr_t start, paddr_t end, const struct range *avoid, unsigned nr_avoid,
		     uint64_t size, uint64_t align, bool top_down, paddr_t *base)
{
	if (start >= end || end - start < size || size == 0)
		return false;
	if (top_down)
		return hole_top_down(start, end, avoid, nr_avoid, size, align, base);
	return hole_bottom_up(start, end, avoid, nr_avoid, size, align, base);
}
