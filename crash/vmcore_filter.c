/*
 * Filtering a vmcore by dump level (crash/vmcore_filter.h).  The one idea:
 * the decision for a page costs a bit test when the bitmap says free, and
 * one read when it does not; a page left out is never touched, and 64 free
 * frames in a bitmap word go in one step.  Linux: makedumpfile's
 * __exclude_unnecessary_pages and is_zero_page, on its own bitmaps.
 */
#include "crash/vmcore_filter.h"
#include "crash/dump_level.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PAGE VMCORE_PAGE_SIZE

/* The walk's state between two kept pages. */
struct walk {
	struct vmcore_filter *f;
	unsigned load;
	paddr_t src_delta;		/* the load's bytes are at p_paddr + this (mod 2^64) */
	bool open;			/* the last run takes the next kept page */
	uint32_t gap_free, gap_zero;	/* left out since the last kept page */
	uint64_t merge_below;		/* gaps of fewer pages are kept (0: none yet) */
};

/*
 * Make room: merge neighbouring runs of a load whose gap is below a
 * threshold that doubles until at most half the table is used.  At the
 * cap every load is down to one run, and there are no more loads than
 * rows (vmcore_filter_run checks), so it always ends with room.
 */
#define MERGE_CAP (1ULL << 40)		/* pages: more than any gap */

static void compact(struct walk *w)
{
	struct vmcore_filter *f = w->f;

	do {
		unsigned n = 1;

		w->merge_below = w->merge_below ? 2 * w->merge_below : 2;
		for (unsigned i = 1; i < f->nr_runs; i++) {
			struct vmcore_run *prev = &f->runs[n - 1], *r = &f->runs[i];

			if (r->load == prev->load && (r->start - prev->end) / PAGE < w->merge_below) {
				f->pages_free -= r->gap_free;
				f->pages_zero -= r->gap_zero;
				f->pages_merged += (r->start - prev->end) / PAGE;
				prev->end = r->end;
			} else {
				f->runs[n++] = *r;
			}
		}
		f->nr_runs = n;
	} while (f->nr_runs > f->max_runs / 2 && w->merge_below < MERGE_CAP);
}

/* Keep [start, end): extend the open run, or start a new one. */
static void keep(struct walk *w, paddr_t start, paddr_t end)
{
	struct vmcore_filter *f = w->f;
	struct vmcore_run *last;

	if (w->open) {
		f->runs[f->nr_runs - 1].end = end;
		return;
	}
	if (f->nr_runs == f->max_runs)
		compact(w);
	last = f->nr_runs ? &f->runs[f->nr_runs - 1] : NULL;
	if (last && last->load == w->load && w->merge_below &&
	    (start - last->end) / PAGE < w->merge_below) {
		/* A gap the table has no room for: keep it too. */
		f->pages_free -= w->gap_free;
		f->pages_zero -= w->gap_zero;
		f->pages_merged += (start - last->end) / PAGE;
		last->end = end;
	} else {
		f->runs[f->nr_runs++] = (struct vmcore_run){ start, end, w->load, w->gap_free,
							     w->gap_zero };
	}
	w->open = true;
	w->gap_free = w->gap_zero = 0;
}

static void leave_out(struct walk *w, uint64_t *class_count, uint32_t *gap_count, uint64_t n)
{
	*class_count += n;
	*gap_count += (uint32_t)n;
	w->open = false;
}

/* Frames [pfn, end_pfn) of the current load, whole pages. */
static void walk_frames(struct walk *w, uint64_t pfn, uint64_t end_pfn)
{
	struct vmcore_filter *f = w->f;
	bool by_free = (f->level & DUMP_EXCLUDE_FREE) && f->frames;
	bool by_zero = f->level & DUMP_EXCLUDE_ZERO;

	while (pfn < end_pfn) {
		/* A bitmap word of 64 free frames: out in one step, unread. */
		if (by_free && pfn % 64 == 0 && end_pfn - pfn >= 64 && pfn + 64 <= f->frames->nframes &&
		    f->frames->used[pfn / 64] == 0) {
			leave_out(w, &f->pages_free, &w->gap_free, 64);
			pfn += 64;
			continue;
		}
		if (by_free && dead_frames_is_free(f->frames, pfn)) {
			leave_out(w, &f->pages_free, &w->gap_free, 1);
		} else if (by_zero && f->page_is_zero(f->ctx, pfn * PAGE + w->src_delta)) {
			leave_out(w, &f->pages_zero, &w->gap_zero, 1);
		} else {
			keep(w, pfn * PAGE, (pfn + 1) * PAGE);
			f->pages_kept++;
		}
		pfn++;
	}
}

int vmcore_filter_run(struct vmcore_filter *f, const Elf64_Phdr *loads, unsigned nloads)
{
	struct walk w = { .f = f };

	if (f->max_runs < nloads || !f->runs)
		return -E_INVAL;
	f->nr_runs = 0;
	f->pages_free = f->pages_zero = f->pages_kept = f->bytes_kept = f->pages_merged = 0;
	for (unsigned i = 0; i < nloads; i++) {
		paddr_t start = loads[i].p_paddr, end = start + loads[i].p_memsz;
		paddr_t first = ALIGN_UP(start, PAGE), last = ALIGN_DOWN(end, PAGE);

		w.load = i;
		w.src_delta = f->src ? f->src[i] - start : 0;
		w.open = false;
		w.gap_free = w.gap_zero = 0;
		if (end == start)
			continue;
		if (loads[i].p_vaddr >= f->keep_whole_from || first >= last ||
		    !(f->level & (DUMP_EXCLUDE_FREE | DUMP_EXCLUDE_ZERO))) {
			keep(&w, start, end);
			f->pages_kept += (ALIGN_UP(end, PAGE) - ALIGN_DOWN(start, PAGE)) / PAGE;
			continue;
		}
		if (start < first) {		/* a partial first page: kept */
			keep(&w, start, first);
			f->pages_kept++;
		}
		walk_frames(&w, first / PAGE, last / PAGE);
		if (last < end) {		/* a partial last page: kept */
			keep(&w, last, end);
			f->pages_kept++;
		}
	}
	for (unsigned i = 0; i < f->nr_runs; i++)
		f->bytes_kept += f->runs[i].end - f->runs[i].start;
	return 0;
}
