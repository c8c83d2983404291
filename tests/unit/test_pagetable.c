/*
 * Tests of the page-table builder (mm/pagetable.c).  Table pages come from
 * a host arena posing as physical memory at ARENA_PA; the mapped frames
 * themselves are only numbers and need no backing.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "mm/paging.h"
#include "tests/unit/test.h"

#define ARENA_PA 0x10000000ULL
#define ARENA_PAGES 256
#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL
#define RW (PTE_WRITE | PTE_NX)

struct arena {
	unsigned char *mem;
	unsigned used, limit;
};

static paddr_t arena_alloc(void *ctx)
{
	struct arena *a = ctx;

	if (a->used >= a->limit)
		return 0;
	memset(a->mem + a->used * K4, 0, K4);
	return ARENA_PA + K4 * a->used++;
}

static void *arena_ptr(void *ctx, paddr_t pa)
{
	struct arena *a = ctx;

	if (pa < ARENA_PA || pa >= ARENA_PA + K4 * a->used)
		abort();	/* the builder followed a bad pointer */
	return a->mem + (pa - ARENA_PA);
}

struct fixture {
	struct arena arena;
	struct pt_source src;
	struct pt_root root;
};

static struct fixture *setup(bool allow_huge)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->arena.mem = aligned_alloc(K4, ARENA_PAGES * K4);
	f->arena.limit = ARENA_PAGES;
	f->src = (struct pt_source){ arena_alloc, arena_ptr, &f->arena, allow_huge };
	if (pt_create(&f->root, &f->src) != 0)
		abort();
	return f;
}

static void teardown(struct fixture *f)
{
	free(f->arena.mem);
	free(f);
}

static paddr_t tr(struct fixture *f, vaddr_t va)
{
	paddr_t pa;

	return pt_translate(&f->root, va, &pa, NULL) == 0 ? pa : ~0ULL;
}

TEST(pt_maps_4k_pages_and_translates)
{
	struct fixture *f = setup(false);
	uint64_t fl;
	paddr_t pa;

	CHECK_EQ(pt_map(&f->root, 0x400000, 0x1234000, 3 * K4, RW), 0);
	CHECK_EQ(f->arena.used, 4);	/* PML4, PDPT, PD, PT */
	CHECK_EQ(tr(f, 0x400000), 0x1234000);
	CHECK_EQ(tr(f, 0x402abc), 0x1236abc);
	CHECK_EQ(pt_translate(&f->root, 0x403000, &pa, NULL), -E_NOENT);
	CHECK_EQ(pt_translate(&f->root, 0x3ff000, &pa, NULL), -E_NOENT);
	CHECK_EQ(pt_translate(&f->root, 0x400000, &pa, &fl), 0);
	CHECK_EQ(fl, PTE_PRESENT | RW);
	CHECK_EQ(pt_translate(&f->root, 0x0000800000000000ULL, &pa, NULL), -E_NOENT);
	teardown(f);
}

TEST(pt_uses_2m_pages_when_aligned)
{
	struct fixture *f = setup(true);
	struct pt_stats st;
	uint64_t fl;
	paddr_t pa;

	/* [2M - 8K, 6M + 4K): 2 small, 2 huge, 1 small. */
	CHECK_EQ(pt_map(&f->root, M2 - 2 * K4, 0x40000000 - 2 * K4, 4 * M2 / 2 + 3 * K4, RW), 0);
	pt_count(&f->root, 0, 0, &st);
	CHECK_EQ(st.pages_2m, 2);
	CHECK_EQ(st.pages_4k, 3);
	CHECK_EQ(tr(f, M2 + 0x12345), 0x40000000 + 0x12345);
	CHECK_EQ(pt_translate(&f->root, 2 * M2 + 5, &pa, &fl), 0);
	CHECK_EQ(pa, 0x40000000 + M2 + 5);
	CHECK(fl & PTE_HUGE);
	CHECK_EQ(pt_translate(&f->root, 3 * M2 + 5, &pa, &fl), 0);
	CHECK_EQ(pa, 0x40000000 + 2 * M2 + 5);
	CHECK(!(fl & PTE_HUGE));
	CHECK_EQ(tr(f, 3 * M2 + K4), ~0ULL);
	CHECK_EQ(tr(f, M2 - 3 * K4), ~0ULL);
	/* Misaligned pa: no huge page even though va is aligned. */
	CHECK_EQ(pt_map(&f->root, 0x80000000, 0x1000, M2, RW), 0);
	pt_count(&f->root, 0x80000000, 0x80000000 + M2, &st);
	CHECK_EQ(st.pages_2m, 0);
	CHECK_EQ(st.pages_4k, 512);
	teardown(f);
}

TEST(pt_rejects_bad_arguments)
{
	struct fixture *f = setup(true);

	CHECK_EQ(pt_map(&f->root, 0x1001, 0x2000, K4, RW), -E_ALIGN);
	CHECK_EQ(pt_map(&f->root, 0x1000, 0x2001, K4, RW), -E_ALIGN);
	CHECK_EQ(pt_map(&f->root, 0x1000, 0x2000, 100, RW), -E_ALIGN);
	CHECK_EQ(pt_map(&f->root, 0x1000, 0x2000, 0, RW), -E_INVAL);
	CHECK_EQ(pt_map(&f->root, 0x1000, 0x2000, K4, RW | PTE_HUGE), -E_INVAL);
	CHECK_EQ(pt_map(&f->root, 0x1000, 0x2000, K4, 0x5000), -E_INVAL);
	CHECK_EQ(pt_map(&f->root, 0x0000800000000000ULL, 0, K4, RW), -E_RANGE);
	CHECK_EQ(pt_map(&f->root, 0x00007ffffffff000ULL, 0, 2 * K4, RW), -E_RANGE);
	CHECK_EQ(pt_map(&f->root, 0xfffffffffffff000ULL, 0, 2 * K4, RW), -E_RANGE);
	CHECK_EQ(pt_map(&f->root, 0x1000, 1ULL << 52, K4, RW), -E_RANGE);
	CHECK_EQ(f->arena.used, 1);	/* nothing but the PML4 */
	teardown(f);
}

TEST(pt_busy_on_other_frame_changes_nothing)
{
	struct fixture *f = setup(true);
	unsigned used;

	CHECK_EQ(pt_map(&f->root, 0x10000, 0x50000, 2 * K4, RW), 0);
	used = f->arena.used;
	/* First page would be new, the second conflicts: all or nothing. */
	CHECK_EQ(pt_map(&f->root, 0xf000, 0x90000, 2 * K4, RW), -E_BUSY);
	CHECK_EQ(tr(f, 0xf000), ~0ULL);
	CHECK_EQ(tr(f, 0x10000), 0x50000);
	CHECK_EQ(f->arena.used, used);
	/* Against a huge page, a 4 KiB request and a huge one. */
	CHECK_EQ(pt_map(&f->root, 0x40000000, 0x80000000, M2, RW), 0);
	CHECK_EQ(pt_map(&f->root, 0x40001000, 0x80002000, K4, RW), -E_BUSY);
	CHECK_EQ(pt_map(&f->root, 0x40000000, 0xa0000000, M2, RW), -E_BUSY);
	CHECK_EQ(tr(f, 0x40001000), 0x80001000);
	/* A request that would need a new table and then conflicts
	 * allocates nothing. */
	used = f->arena.used;
	CHECK_EQ(pt_map(&f->root, 0x40000000 - 0x1000000, 0x70000000, 0x1000000 + K4, RW),
		 -E_BUSY);
	CHECK_EQ(f->arena.used, used);
	teardown(f);
}

TEST(pt_same_frame_new_flags_splits_huge_page)
{
	struct fixture *f = setup(true);
	struct pt_stats st;
	uint64_t fl;
	paddr_t pa;
	unsigned used;

	CHECK_EQ(pt_map(&f->root, 0x200000, 0x200000, 4 * M2, RW), 0);
	used = f->arena.used;
	/* Same frames, same flags: nothing to do, no table. */
	CHECK_EQ(pt_map(&f->root, 0x3ff000, 0x3ff000, 2 * K4, RW), 0);
	CHECK_EQ(f->arena.used, used);
	/* Same frame, uncached: the huge page splits into 512 pages. */
	CHECK_EQ(pt_map(&f->root, 0x201000, 0x201000, K4, RW | PTE_PCD | PTE_PWT), 0);
	CHECK_EQ(f->arena.used, used + 1);
	for (vaddr_t va = 0x200000; va < 0x400000; va += K4) {
		CHECK_EQ(pt_translate(&f->root, va, &pa, &fl), 0);
		CHECK_EQ(pa, va);
		CHECK_EQ(fl, PTE_PRESENT | RW | (va == 0x201000 ? PTE_PCD | PTE_PWT : 0));
	}
	pt_count(&f->root, 0, 0, &st);
	CHECK_EQ(st.pages_2m, 3);
	CHECK_EQ(st.pages_4k, 512);
	/* Whole huge page again with new flags: flags replaced in place. */
	CHECK_EQ(pt_map(&f->root, 0x400000, 0x400000, M2, PTE_WRITE), 0);
	CHECK_EQ(pt_translate(&f->root, 0x400000, &pa, &fl), 0);
	CHECK_EQ(fl, PTE_PRESENT | PTE_WRITE | PTE_HUGE);
	teardown(f);
}

TEST(pt_splits_1g_page_made_by_someone_else)
{
	struct fixture *f = setup(true);
	uint64_t *pml4, *pdpt, fl;
	paddr_t pa;
	unsigned used;

	/* Build a 1 GiB leaf by hand: PML4[0] -> PDPT, PDPT[1] = 1 GiB @ 3 GiB. */
	CHECK_EQ(pt_map(&f->root, 0, 0, K4, RW), 0);
	pml4 = arena_ptr(&f->arena, f->root.pml4_pa);
	pdpt = arena_ptr(&f->arena, pml4[0] & PTE_ADDR_MASK);
	pdpt[1] = 3 * G1 | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	CHECK_EQ(tr(f, G1 + 0x123456), 3 * G1 + 0x123456);
	used = f->arena.used;
	CHECK_EQ(pt_map(&f->root, G1 + 5 * M2 + K4, 3 * G1 + 5 * M2 + K4, K4, PTE_WRITE), 0);
	CHECK_EQ(f->arena.used, used);	/* same flags: no split */
	CHECK_EQ(pt_map(&f->root, G1 + 5 * M2 + K4, 3 * G1 + 5 * M2 + K4, K4, RW), 0);
	CHECK_EQ(pt_translate(&f->root, G1 + 5 * M2 + K4, &pa, &fl), 0);
	CHECK_EQ(pa, 3 * G1 + 5 * M2 + K4);
	CHECK_EQ(fl, PTE_PRESENT | RW);
	CHECK_EQ(pt_translate(&f->root, G1 + 700 * M2 / 2, &pa, &fl), 0);
	CHECK_EQ(pa, 3 * G1 + 700 * M2 / 2);
	CHECK_EQ(fl, PTE_PRESENT | PTE_WRITE | PTE_HUGE);
	CHECK_EQ(tr(f, G1 + 5 * M2), 3 * G1 + 5 * M2);
	CHECK_EQ(pt_map(&f->root, G1, 0, K4, RW), -E_BUSY);
	teardown(f);
}

TEST(pt_out_of_pages_maps_nothing)
{
	struct fixture *f = setup(false);

	f->arena.limit = 3;	/* PML4 + 2: one short of PDPT, PD, PT */
	CHECK_EQ(pt_map(&f->root, 0x400000, 0x400000, K4, RW), -E_NOMEM);
	CHECK_EQ(tr(f, 0x400000), ~0ULL);
	f->arena.limit = f->arena.used + 3;	/* exactly what the plan counts */
	CHECK_EQ(pt_map(&f->root, 0x400000, 0x400000, K4, RW), 0);
	CHECK_EQ(tr(f, 0x400000), 0x400000);
	teardown(f);
}

TEST(pt_higher_half_and_table_boundaries)
{
	struct fixture *f = setup(true);
	struct pt_stats st;
	vaddr_t kva = 0xffffffff80200000ULL, dm = 0xffff888000000000ULL;

	CHECK_EQ(pt_map(&f->root, kva, 0x1000000, 5 * K4, PTE_WRITE), 0);
	CHECK_EQ(tr(f, kva + 4 * K4 + 7), 0x1004007);
	/* Across a PML4 boundary (512 GiB) and a PDPT boundary. */
	CHECK_EQ(pt_map(&f->root, (512ULL << 30) - 2 * K4, 0x5000000, 4 * K4, RW), 0);
	CHECK_EQ(tr(f, (512ULL << 30) + K4), 0x5003000);
	CHECK_EQ(pt_map(&f->root, dm, 0, 4 * G1 + 3 * K4, RW), 0);
	pt_count(&f->root, dm, dm + (64ULL << 40), &st);
	CHECK_EQ(st.pages_2m, 2048);
	CHECK_EQ(st.pages_4k, 3);
	CHECK_EQ(tr(f, dm + 3 * G1 + 0x1234567), 3 * G1 + 0x1234567);
	/* The very last page of the address space. */
	CHECK_EQ(pt_map(&f->root, 0xffffffffffffe000ULL, 0x7000, 2 * K4, RW), 0);
	CHECK_EQ(tr(f, 0xffffffffffffffffULL), 0x8fff);
	pt_count(&f->root, 0, 0, &st);
	CHECK_EQ(st.pages_4k, 5 + 4 + 3 + 2);
	teardown(f);
}

/* Identity tables for a set of ranges (what kexec builds): every page of
 * every range translates to itself, pages between them do not. */
TEST(pt_identity_ranges_translate_every_page)
{
	static const struct { paddr_t start, end; } ranges[] = {
		{ 0x0, 0x9f000 },
		{ 0x100000, 0x7fe0000 },	/* 1 MiB .. ~128 MiB: mixed sizes */
		{ 0x7ff0000, 0x8000000 },
		{ 0xfeffc000, 0xff000000 },
		{ 0x100000000ULL, 0x100600000ULL },
		{ 0x100400000ULL, 0x100a01000ULL },	/* overlaps the previous */
	};
	struct fixture *f = setup(true);

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		CHECK_EQ(pt_map(&f->root, ranges[i].start, ranges[i].start,
				ranges[i].end - ranges[i].start, RW), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		for (paddr_t pa = ranges[i].start; pa < ranges[i].end; pa += K4)
			CHECK_EQ(tr(f, pa + 0xff8), pa + 0xff8);
	CHECK_EQ(tr(f, 0x9f000), ~0ULL);
	CHECK_EQ(tr(f, 0xfffff), ~0ULL);
	CHECK_EQ(tr(f, 0x7fe0000), ~0ULL);
	CHECK_EQ(tr(f, 0x8000000), ~0ULL);
	CHECK_EQ(tr(f, 0xfeffb000), ~0ULL);
	CHECK_EQ(tr(f, 0x100a01000ULL), ~0ULL);
	teardown(f);
}
