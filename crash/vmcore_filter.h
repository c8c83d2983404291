/*
 * Which pages a filtered vmcore keeps: walk the vmcore's PT_LOADs page by
 * page and leave out, at a dump level, the free frames of the dead
 * kernel's allocator (decided from its bitmap, the page never read) and
 * the zero pages (each kept candidate read once).  What is kept comes out
 * as runs of whole pages, each a PT_LOAD of the filtered file, so the
 * output stays a plain ELF core.  Pure logic.  Linux: makedumpfile's
 * create_2nd_bitmap and its ELF writer (write_elf_pages_cyclic), which
 * likewise turns kept pages into PT_LOADs.
 */
#ifndef CRASH_VMCORE_FILTER_H
#define CRASH_VMCORE_FILTER_H

#include "crash/dead_frames.h"
#include "crash/vmcore_layout.h"
#include "lib/types.h"

struct vmcore_filter {
	/* In. */
	unsigned level;			/* DUMP_EXCLUDE_* bits */
	const struct dead_frames *frames;	/* the dead allocator, or NULL: keep free frames */
	vaddr_t keep_whole_from;	/* loads at this p_vaddr or above are kept whole
					 * (the kernel image: every global a debugger reads) */
	/* Where load i's bytes are in old memory: src[i] (the layout's
	 * src + 1); NULL when each is at its p_paddr.  Not always: a Linux
	 * dump's first 640 KiB is read from kexec-tools' backup copy. */
	const paddr_t *src;
	/* Is the page whose bytes are at src_pa all zero?  Called only for
	 * pages no other rule leaves out, once each. */
	bool (*page_is_zero)(void *ctx, paddr_t src_pa);
	void *ctx;
	struct vmcore_run *runs;	/* room for max_runs */
	unsigned max_runs;
	/* Out. */
	unsigned nr_runs;
	uint64_t pages_free, pages_zero;	/* left out, by class */
	uint64_t pages_kept;		/* kept by the rules (a partial page counts as one) */
	uint64_t pages_merged;		/* could go, kept anyway to fit max_runs (below) */
	uint64_t bytes_kept;		/* sum of the runs' lengths */
};

/*
 * Fill f's out fields from the source PT_LOADs loads[0, nloads) (the
 * layout's, in file order).  A load keeps its partial first and last
 * pages; whole pages are left out by class, free first (no read), then
 * zero.  Runs come in load order, each inside one load, none empty.
 * When more runs than max_runs would be needed, neighbouring runs of a
 * load are merged across the smallest gaps, which keeps pages that could
 * have gone (counted in pages_merged) and loses none.  Returns 0, or
 * -E_INVAL (max_runs < nloads: not even one run per load).
 */
int vmcore_filter_run(struct vmcore_filter *f, const Elf64_Phdr *loads, unsigned nloads);

#endif
