/*
 * The dead kernel's frame allocator, seen from the capture kernel: found
 * through VMCOREINFO (SYMBOL(pmm), SIZE(frames), OFFSET(frames.*)), never
 * guessed, and believed only once it passes every check below; then it
 * says which frames were free when the kernel died.  Pure logic: old
 * memory is reached through callbacks.  Linux: makedumpfile finds free
 * pages the same way, through VMCOREINFO's mem_map, page.flags and
 * PG_buddy keys (exclude_free_page, __exclude_unnecessary_pages).
 */
#ifndef CRASH_DEAD_FRAMES_H
#define CRASH_DEAD_FRAMES_H

#include "crash/vmcore_layout.h"
#include "lib/types.h"

/* Largest SIZE(frames) believed (ours is 56 bytes). */
#define DEAD_FRAMES_STRUCT_MAX 256

/*
 * Old memory as the callbacks give it.  read_phys copies (a
 * vmcore_read_phys_fn); map_phys returns a pointer to len bytes of old
 * memory at pa that stays valid (the capture kernel's mapping of it), or
 * NULL if it cannot.
 */
struct dead_mem {
	vmcore_read_phys_fn read_phys;
	const void *(*map_phys)(void *ctx, paddr_t pa, size_t len);
	void *ctx;
};

struct dead_frames {
	const uint64_t *used;		/* bit set: not free (mapped old memory) */
	const uint64_t *reserved;	/* bit set: reserved (implies used) */
	uint64_t nframes;		/* frames [0, nframes) are described */
	uint64_t free_count;		/* frames the allocator counted free */
	paddr_t bitmap_pa;		/* both bitmaps, back to back */
	uint64_t bitmap_size;
};

/*
 * Find the dead allocator through VMCOREINFO (text, len) and check it
 * against the vmcore's PT_LOADs (loads[0, nloads): the kernel image's and
 * RAM's, as in the ELF core header):
 *   - the struct lies in a PT_LOAD; nframes > 0, nwords = nframes / 64
 *     rounded up, and the bitmap covers every RAM PT_LOAD;
 *   - both bitmaps, back to back as frames_init lays them, inside one RAM
 *     PT_LOAD, 8-byte aligned;
 *   - no frame is reserved but not used; the bits past nframes are set;
 *   - the free frames counted in the bitmap equal free_count, the
 *     reserved ones reserved_count: the allocator's own counters serve
 *     as its checksum;
 *   - a frame marked free lies wholly inside a RAM PT_LOAD (so never in
 *     the crash window or a hole), and no frame of the kernel image or of
 *     the bitmap itself is free.
 * Returns 0 with *df filled, -E_NOENT (VMCOREINFO names no frame
 * allocator: not this kernel's dump, nothing to believe), or -E_INVAL /
 * -E_RANGE / -E_IO / -E_NOMEM for a check that failed or memory that
 * could not be read; why says which, with the numbers.
 */
int dead_frames_find(struct dead_frames *df, const char *vmcoreinfo, size_t len,
		     const Elf64_Phdr *loads, unsigned nloads, const struct dead_mem *mem,
		     char *why, size_t whylen);

/* Was frame pfn free when the kernel died?  Frames past nframes were not. */
static inline bool dead_frames_is_free(const struct dead_frames *df, uint64_t pfn)
{
	return pfn < df->nframes && !(df->used[pfn / 64] & (1ULL << (pfn % 64)));
}

#endif
