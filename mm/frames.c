/*
 * Frame bitmaps: one "used" bit and one "reserved" bit per 4 KiB frame.
 * Work is done a 64-bit word at a time with masks, so marking gigabytes
 * free at boot and skipping full regions while allocating stay cheap.
 * One-frame allocation is next-fit: the search resumes at the word where
 * the previous one succeeded (Linux's memblock searches its region list;
 * the buddy allocator keeps free lists instead of a bitmap).
 */
#include "mm/frames.h"
#include "lib/bits.h"
#include "lib/errno.h"
#include "lib/string.h"

#define BITS 64

/* The bits of word w that fall inside frames [first, end). */
static uint64_t word_mask(size_t w, size_t first, size_t end)
{
	size_t lo = w * BITS, hi = lo + BITS;
	uint64_t m = ~0ULL;

	if (first > lo)
		m &= ~0ULL << (first - lo);
	if (end < hi)
		m &= ~0ULL >> (hi - end);
	return m;
}

static bool range_ok(const struct frames *f, size_t first, size_t count)
{
	return first <= f->nframes && count <= f->nframes - first;
}

size_t frames_bitmap_bytes(size_t nframes)
{
	return 2 * ((nframes + BITS - 1) / BITS) * sizeof(uint64_t);
}

void frames_init(struct frames *f, void *buf, size_t nframes)
{
	f->nframes = nframes;
	f->nwords = (nframes + BITS - 1) / BITS;
	f->used = buf;
	f->reserved = f->used + f->nwords;
	/* Every bit set, including the tail bits past nframes in the last
	 * word: those stay "reserved" forever, so no search can return them. */
	memset(buf, 0xff, frames_bitmap_bytes(nframes));
	f->free_count = 0;
	f->reserved_count = nframes;
	f->cursor = 0;
}

int frames_mark_free(struct frames *f, size_t first, size_t count)
{
	size_t end = first + count;

	if (!range_ok(f, first, count))
		return -E_RANGE;
	for (size_t w = first / BITS; count && w <= (end - 1) / BITS; w++) {
		/* Only reserved frames change; allocated ones stay allocated. */
		uint64_t r = f->reserved[w] & word_mask(w, first, end);
		unsigned n = popcount64(r);

		f->reserved[w] &= ~r;
		f->used[w] &= ~r;
		f->free_count += n;
		f->reserved_count -= n;
	}
	return 0;
}

int frames_mark_reserved(struct frames *f, size_t first, size_t count)
{
	size_t end = first + count;
	size_t w;

	if (!range_ok(f, first, count))
		return -E_RANGE;
	if (!count)
		return 0;
	for (w = first / BITS; w <= (end - 1) / BITS; w++)
		if (f->used[w] & ~f->reserved[w] & word_mask(w, first, end))
			return -E_BUSY;
	for (w = first / BITS; w <= (end - 1) / BITS; w++) {
		uint64_t m = word_mask(w, first, end);
		unsigned n = popcount64(~f->reserved[w] & m);	/* all free */

		f->used[w] |= m;
		f->reserved[w] |= m;
		f->free_count -= n;
		f->reserved_count += n;
	}
	return 0;
}

int frames_alloc(struct frames *f, size_t *pfn)
{
	if (f->free_count == 0)
		return -E_NOMEM;
	for (size_t i = 0; i < f->nwords; i++) {
		size_t w = f->cursor + i;

		if (w >= f->nwords)
			w -= f->nwords;
		if (f->used[w] != ~0ULL) {
			unsigned bit = (unsigned)__builtin_ctzll(~f->used[w]);

			f->used[w] |= 1ULL << bit;
			f->free_count--;
			f->cursor = w;
			*pfn = w * BITS + bit;
			return 0;
		}
	}
	return -E_NOMEM;	/* free_count disagreed with the bitmap */
}

/* First frame in [start, end) whose used bit equals want, or end. */
static size_t find_bit(const struct frames *f, size_t start, size_t end, bool want)
{
	for (size_t w = start / BITS; start < end && w <= (end - 1) / BITS; w++) {
		uint64_t v = want ? f->used[w] : ~f->used[w];

		v &= word_mask(w, start, end);
		if (v) {
			size_t pfn = w * BITS + (size_t)__builtin_ctzll(v);

			return pfn < end ? pfn : end;
		}
	}
	return end;
}

static void set_used(struct frames *f, size_t first, size_t count)
{
	size_t end = first + count;

	for (size_t w = first / BITS; w <= (end - 1) / BITS; w++)
		f->used[w] |= word_mask(w, first, end);
	f->free_count -= count;
}

int frames_alloc_contig(struct frames *f, size_t npages, size_t align_pages,
			size_t limit_pfn, size_t *pfn)
{
	size_t limit = (limit_pfn && limit_pfn < f->nframes) ? limit_pfn : f->nframes;
	size_t start = 0;

	if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
		return -E_INVAL;
	if (npages > f->free_count || npages > limit)
		return -E_NOMEM;
	for (;;) {
		size_t busy;

		/* Skip to a free frame, then to the alignment boundary. */
		start = find_bit(f, start, limit, false);
		if (start >= limit)
			return -E_NOMEM;
		start = ALIGN_UP(start, align_pages);
		if (start > limit - npages)	/* limit >= npages, checked above */
			return -E_NOMEM;
		busy = find_bit(f, start, start + npages, true);
		if (busy == start + npages) {
			set_used(f, start, npages);
			*pfn = start;
			return 0;
		}
		start = busy + 1;
	}
}

int frames_free(struct frames *f, size_t first, size_t count)
{
	size_t end = first + count;
	size_t w;

	if (!range_ok(f, first, count))
		return -E_RANGE;
	if (!count)
		return 0;
	for (w = first / BITS; w <= (end - 1) / BITS; w++) {
		uint64_t m = word_mask(w, first, end);

		if (f->reserved[w] & m)
			return -E_PERM;
		if (~f->used[w] & m)
			return -E_NOENT;
	}
	for (w = first / BITS; w <= (end - 1) / BITS; w++)
		f->used[w] &= ~word_mask(w, first, end);
	f->free_count += count;
	return 0;
}

bool frames_is_free(const struct frames *f, size_t pfn)
{
	return pfn < f->nframes && !(f->used[pfn / BITS] & (1ULL << (pfn % BITS)));
}

bool frames_is_reserved(const struct frames *f, size_t pfn)
{
	return pfn >= f->nframes || (f->reserved[pfn / BITS] & (1ULL << (pfn % BITS)));
}

size_t frames_allocated_count(const struct frames *f)
{
	return f->nframes - f->free_count - f->reserved_count;
}
