/*
 * The logic of the kernel heap, without the kernel: size classes carved
 * from pages, large blocks from contiguous pages, pointer validation on
 * free.  Pages come from a page source, so host tests can run it on
 * malloc'd memory.  mm/heap.c is the kernel's instance (kmalloc/kfree).
 * Linux: the kmalloc caches of mm/slub.c, kmalloc_large for big blocks.
 */
#ifndef MM_HEAP_CORE_H
#define MM_HEAP_CORE_H

#include "lib/types.h"

#define HEAP_PAGE_SIZE 4096
#define HEAP_MIN_CLASS 16
#define HEAP_MAX_CLASS 2048
#define HEAP_NCLASSES 8		/* 16, 32, 64, ..., 2048 */
#define HEAP_BIG_HEADER 64	/* bytes before a large block's data */

struct heap_page_source {
	/* npages contiguous, HEAP_PAGE_SIZE-aligned pages; NULL if none. */
	void *(*alloc_pages)(void *ctx, size_t npages);
	void (*free_pages)(void *ctx, void *p, size_t npages);
	void *ctx;
};

struct slab;

/* What a heap holds now (kmalloc's: heap_get_stats, mm/heap.h). */
struct heap_stats {
	size_t bytes_in_use;	/* sum of live allocations as requested */
	size_t pages;		/* frames held by the heap */
	size_t allocations;	/* live allocations */
};

struct heap {
	struct heap_page_source src;
	struct slab *partial[HEAP_NCLASSES];	/* slabs with a free slot */
	size_t bytes_in_use, pages, allocations;
};

/* An empty heap that takes its pages from src; allocates nothing yet. */
void heap_core_init(struct heap *h, const struct heap_page_source *src);

/*
 * size bytes, 16-byte aligned: from the smallest class that holds it, or
 * for more than HEAP_MAX_CLASS bytes from whole pages behind a
 * HEAP_BIG_HEADER header.  NULL for size 0, or when pages run out.
 */
void *heap_core_alloc(struct heap *h, size_t size);

/*
 * Give p back.  Every check comes first: returns 0, -E_INVAL if p is not
 * a pointer heap_core_alloc returned (wrong page, wrong offset), or
 * -E_NOENT if it was already freed (double free); nothing changes then.
 */
int heap_core_free(struct heap *h, void *p);

/* The requested size of live block p, or 0 if p is not one. */
size_t heap_core_size(const struct heap *h, const void *p);

/* Bytes in use, live allocations and pages held, into *st. */
void heap_core_stats(const struct heap *h, struct heap_stats *st);

#endif
