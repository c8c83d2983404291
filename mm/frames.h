/*
 * The bitmap core of the frame allocator: two bits per 4 KiB frame in a
 * caller-provided buffer.  Pure logic, no globals: mm/pmm.c wraps one
 * instance for the kernel, the host tests make their own.  Linux's
 * memblock and buddy allocator keep the same facts in other shapes.
 */
#ifndef MM_FRAMES_H
#define MM_FRAMES_H

#include "lib/types.h"

/*
 * Frame states, from the two bitmaps:
 *   used=0 reserved=0  free: pmm may hand it out
 *   used=1 reserved=0  allocated: handed out, may be freed
 *   used=1 reserved=1  reserved: not RAM, or never to be handed out
 * (used=0 reserved=1 never happens: reserved implies used.)
 */
struct frames {
	uint64_t *used;		/* bit set: not available */
	uint64_t *reserved;	/* bit set: never available */
	size_t nframes;		/* frames [0, nframes) are described */
	size_t nwords;		/* 64-bit words in each bitmap */
	size_t free_count;
	size_t reserved_count;
	size_t cursor;		/* next-fit: word where the next search starts */
};

/* Bytes of bitmap buffer frames_init needs for nframes frames. */
size_t frames_bitmap_bytes(size_t nframes);

/* Describe frames [0, nframes) with the buffer (frames_bitmap_bytes long,
 * 8-byte aligned), every frame reserved. */
void frames_init(struct frames *f, void *buf, size_t nframes);

/*
 * Make frames [first, first + count) free (usable RAM).  Frames that are
 * allocated stay allocated.  Returns 0, or -E_RANGE if the range runs
 * past nframes (nothing changed).
 */
int frames_mark_free(struct frames *f, size_t first, size_t count);

/*
 * Reserve frames [first, first + count).  Returns 0, -E_RANGE past
 * nframes, or -E_BUSY if one of them is allocated (nothing changed).
 */
int frames_mark_reserved(struct frames *f, size_t first, size_t count);

/* Allocate one free frame, next-fit from the cursor (O(1) amortised).
 * Returns 0 and *pfn, or -E_NOMEM. */
int frames_alloc(struct frames *f, size_t *pfn);

/*
 * Allocate npages contiguous free frames whose first frame number is a
 * multiple of align_pages (a power of two) and which all lie below
 * limit_pfn (0: no limit); the lowest such run is taken.  Returns 0 and
 * *pfn, -E_INVAL (npages 0, align not a power of two), or -E_NOMEM.
 */
int frames_alloc_contig(struct frames *f, size_t npages, size_t align_pages,
			size_t limit_pfn, size_t *pfn);

/*
 * Free count allocated frames from first.  Every frame is checked before
 * any is freed.  Returns 0, -E_RANGE (past nframes), -E_PERM (a frame
 * is reserved: never allocated), -E_NOENT (a frame is already free:
 * double free).
 */
int frames_free(struct frames *f, size_t first, size_t count);

/* State of one frame.  A pfn past nframes is not free, and counts as
 * reserved (nothing may allocate it). */
bool frames_is_free(const struct frames *f, size_t pfn);
bool frames_is_reserved(const struct frames *f, size_t pfn);

/* Allocated frames: neither free nor reserved. */
size_t frames_allocated_count(const struct frames *f);

#endif
