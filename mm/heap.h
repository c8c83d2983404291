/*
 * The kernel heap: kmalloc/kfree for small objects of any size (Linux:
 * mm/slab.c's kmalloc, in miniature).  Memory comes from the frame
 * allocator through the direct map.  Not for use in the panic path.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "lib/types.h"
#include "mm/heap_core.h"

/* Start kmalloc on the frame allocator (after paging_setup); one small and
 * one large allocation are tried at once, and failure panics. */
void heap_setup(void);

/* size bytes, 16-byte aligned; NULL on failure (and for size 0). */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* Free a kmalloc'd block; NULL is ignored.  Any other pointer, or a block
 * freed already, panics with the pointer and the reason. */
void kfree(void *p);

void heap_get_stats(struct heap_stats *st);

#endif
