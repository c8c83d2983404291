/*
 * x86-64 4-level page tables, built through a page-source callback so the
 * same code builds the kernel's tables, the identity tables kexec's
 * relocate stub needs, and tables in host unit tests.  The entry bits
 * (PTE_*) are lib/x86.h's.  Linux:
 * arch/x86/mm/ident_map.c (kernel_ident_mapping_init, struct x86_mapping_info).
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include "lib/types.h"
#include "lib/x86.h"

/* Where page-table pages come from, and how to reach them. */
struct pt_source {
	paddr_t (*alloc_page)(void *ctx);	/* zeroed page, 0 on failure */
	void *(*phys_to_ptr)(void *ctx, paddr_t pa);
	void *ctx;
	bool allow_huge;	/* use 2 MiB pages where alignment allows */
};

struct pt_root {
	paddr_t pml4_pa;
	const struct pt_source *src;
};

/* Allocate an empty PML4.  Returns 0 or -E_NOMEM. */
int pt_create(struct pt_root *root, const struct pt_source *src);

/*
 * Map [va, va + size) to [pa, pa + size) with flags (PTE_PRESENT implied).
 * va, pa and size must be page aligned (-E_ALIGN).  Remapping an address
 * already mapped to another frame is -E_BUSY; nothing is changed on error
 * except page-table pages already allocated.  Returns 0, -E_NOMEM.
 * Also -E_INVAL (size 0, flags holding PTE_HUGE or address bits) and
 * -E_RANGE (va range not canonical or wrapping, pa at or past 2^52).
 * Mapping an address again onto the SAME frame is allowed: its flags
 * become the new ones.  Where that touches part of a 2 MiB (or 1 GiB)
 * page, the huge page is split into 512 smaller ones first, keeping
 * every translation.  2 MiB leaves are used when src->allow_huge, va and
 * pa are 2 MiB aligned, 2 MiB remain, and no 4 KiB table is already there.
 * The TLB is not flushed: whoever changes tables in use flushes.
 */
int pt_map(struct pt_root *root, vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags);

/* Translate va: 0 and *pa (and *flags of the leaf: its bits without the
 * address, PTE_HUGE set for 2 MiB / 1 GiB leaves) or -E_NOENT. */
int pt_translate(const struct pt_root *root, vaddr_t va, paddr_t *pa, uint64_t *flags);

/* What a range of virtual addresses is mapped with. */
struct pt_stats {
	uint64_t pages_4k, pages_2m, pages_1g;	/* leaves starting in the range */
	uint64_t tables;	/* table pages visited, the PML4 included */
};

/* Count the leaves that start in [va, end) (end exclusive, 0 = top). */
void pt_count(const struct pt_root *root, vaddr_t va, vaddr_t end, struct pt_stats *st);

/* The kernel's own tables (after paging_setup). */
extern struct pt_root kernel_pt;

/*
 * Build the kernel's final page tables: the direct map of every RAM range
 * (above 4 GiB too) plus the first 1 MiB, the kernel image (text RX,
 * rodata R, data/bss RW NX), then switch CR3 and drop the boot identity map.
 */
void paging_setup(void);

/* PTE_NX if the CPU has NX turned on (EFER.NXE), else 0 (bit 63 reserved). */
uint64_t pte_nx(void);

/*
 * Map [va, va + size) to pa in the running kernel's tables and flush the
 * TLB (kexec maps its control page at its physical address this way).
 * Same rules and errors as pt_map.
 */
int paging_map(vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags);

/*
 * Add [pa, pa + size) to the direct map with flags, 2 MiB pages where they
 * fit (the capture kernel maps the old kernel's memory this way).  Same
 * rules and errors as pt_map.
 */
int paging_map_direct(paddr_t pa, uint64_t size, uint64_t flags);

/*
 * Other CPUs share the kernel's page tables; after a change they must drop
 * their TLB entries too.  The SMP code registers fn, which makes every
 * other online CPU reload CR3; paging_map and paging_map_direct call it.
 */
void paging_set_remote_flush(void (*fn)(void));

/*
 * Page tables for CPUs coming up through the real-mode trampoline: a new
 * PML4 below 4 GiB (CR3 is loaded in 32-bit mode) holding the kernel's
 * mappings plus [start, start + size) mapped at its own address, so the
 * trampoline keeps running when paging comes on.  0, -E_NOMEM, or
 * pt_map's errors.  Linux: trampoline_pgd (arch/x86/realmode/init.c).
 */
int paging_trampoline_pgd(paddr_t start, uint64_t size, paddr_t *pml4_pa);

/* Map device memory [pa, pa + size) uncached into the direct map (if not
 * already mapped) and return its virtual address; NULL on failure. */
void *ioremap(paddr_t pa, size_t size);

#endif
