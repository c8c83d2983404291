/*
 * The kernel's heap: one struct heap (mm/heap_core.c) fed with frames
 * from the frame allocator, reached through the direct map.  A bad or
 * double kfree is a kernel bug and panics with the pointer and the
 * reason.  Linux: kmalloc/kfree on top of the page allocator.
 */
#include "mm/heap.h"
#include "boot/addr.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "mm/heap_core.h"
#include "mm/pmm.h"

_Static_assert(HEAP_PAGE_SIZE == PAGE_SIZE, "heap pages are frames");

static struct heap kheap;

static void *pages_alloc(void *ctx, size_t npages)
{
	paddr_t pa = npages == 1 ? pmm_alloc() : pmm_alloc_contig(npages, PAGE_SIZE, 0);

	return pa ? phys_to_virt(pa) : NULL;
}

static void pages_free(void *ctx, void *p, size_t npages)
{
	pmm_free_contig(virt_to_phys(p), npages);
}

void heap_setup(void)
{
	static const struct heap_page_source src = { pages_alloc, pages_free, NULL };
	void *a, *b;

	heap_core_init(&kheap, &src);
	/* One small and one large block through the whole path, or stop here. */
	a = kmalloc(24);
	b = kmalloc(3 * PAGE_SIZE);
	if (!a || !b)
		panic("heap: cannot allocate from the frame allocator");
	kfree(b);
	kfree(a);
	pr_info("heap: ready\n");
}

void *kmalloc(size_t size)
{
	uint64_t flags = irq_save();
	void *p = heap_core_alloc(&kheap, size);

	irq_restore(flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* kfree(NULL) does nothing, as in C and Linux. */
void kfree(void *p)
{
	uint64_t flags;
	int err;

	if (!p)
		return;
	flags = irq_save();
	err = heap_core_free(&kheap, p);
	irq_restore(flags);
	if (err)
		panic("heap: kfree(%p): %s (%s)", p,
		      err == -E_NOENT ? "already freed (double free)" : "not a kmalloc pointer",
		      err_name(err));
}

void heap_get_stats(struct heap_stats *st)
{
	uint64_t flags = irq_save();

	heap_core_stats(&kheap, st);
	irq_restore(flags);
}
