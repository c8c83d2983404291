/*
 * The physical frame allocator: 4 KiB frames of System RAM, one bit each.
 * It never hands out the kernel image, the boot information, boot
 * modules, the first 1 MiB, anything not RAM, or any range reserved with
 * pmm_reserve (the crashkernel window).  Linux: memblock at boot,
 * then the buddy allocator (mm/page_alloc.c); ours is one bitmap.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "lib/range.h"
#include "lib/types.h"

/* The allocator never hands out a frame below this: BIOS data, EBDA, VGA,
 * option ROMs, and what a loader left there. */
#define LOW_MEMORY_END (1 * MiB)

/* Build the allocator from firmware_memmap and the boot reservations. */
void pmm_setup(void);

/* A free RAM page below 1 MiB that no module, MBI or firmware data uses,
 * set aside by pmm_setup for a real-mode trampoline (SMP start-up); 0 if
 * the memory map has none (logged).  Never handed out by pmm_alloc. */
paddr_t pmm_low_page(void);

/* One frame's physical address, or 0 when memory is exhausted (frame 0 is
 * never handed out, so 0 is unambiguous). */
paddr_t pmm_alloc(void);

/* npages contiguous frames aligned to align bytes (a power of two >= 4 KiB),
 * all below limit (exclusive; 0 = no limit); 0 on failure. */
paddr_t pmm_alloc_contig(size_t npages, size_t align, paddr_t limit);

/* Give back frames from pmm_alloc / pmm_alloc_contig.  Freeing a frame that
 * is free or was never RAM is a bug: it panics. */
void pmm_free(paddr_t pa);
void pmm_free_contig(paddr_t pa, size_t npages);

/* Mark [start, end) as never allocatable (rounded out to frames).  Returns
 * 0, or -E_BUSY if some frame in it is currently allocated or holds a
 * boot reservation (low 1 MiB, kernel image, MBI, modules, the frame
 * bitmap; nothing changed), -E_INVAL if end <= start, -E_PERM before
 * pmm_setup. */
int pmm_reserve(paddr_t start, paddr_t end);

/*
 * The i-th boot reservation (low 1 MiB, kernel image, multiboot2 info,
 * each boot module, the frame bitmap) into *r, what naming it; false
 * when i is past the last.  For placement done right after
 * pmm_setup (crashkernel=), which must keep clear of all of them.
 */
bool pmm_boot_reservation(unsigned i, struct range *r);

/* The allocator itself (mm/frames.h), for VMCOREINFO: a capture kernel
 * finds the free frames of a dead kernel through its bitmaps. */
struct frames;
const struct frames *pmm_frames(void);

size_t pmm_free_frames(void);	/* frames available now */
size_t pmm_total_frames(void);	/* frames the allocator manages */
/* Frames handed out and not yet freed; managed - free - allocated are
 * the boot and pmm_reserve reservations inside RAM. */
size_t pmm_allocated_frames(void);

#endif
