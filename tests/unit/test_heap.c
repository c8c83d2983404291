/*
 * Tests of the heap logic (mm/heap_core.c) on host pages: size classes,
 * large blocks, statistics, pages given back, and the pointer checks that
 * make kfree panic on bad and double frees.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "mm/heap_core.h"
#include "tests/unit/test.h"

#define MAX_RUNS 4096

/* Pages are never really freed until the end, so a double free reads
 * memory that is still ours (as the kernel's direct map would). */
struct pages {
	void *run[MAX_RUNS];
	size_t nruns, live_pages, limit;
};

static void *pages_alloc(void *ctx, size_t npages)
{
	struct pages *pg = ctx;
	void *p;

	if (pg->live_pages + npages > pg->limit || pg->nruns == MAX_RUNS)
		return NULL;
	p = aligned_alloc(HEAP_PAGE_SIZE, npages * HEAP_PAGE_SIZE);
	memset(p, 0xa5, npages * HEAP_PAGE_SIZE);	/* not zeroed, like frames */
	pg->run[pg->nruns++] = p;
	pg->live_pages += npages;
	return p;
}

static void pages_free(void *ctx, void *p, size_t npages)
{
	struct pages *pg = ctx;

	pg->live_pages -= npages;
}

struct fixture {
	struct pages pg;
	struct heap h;
};

static struct fixture *setup(size_t limit)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct heap_page_source src = { pages_alloc, pages_free, &f->pg };

	f->pg.limit = limit;
	heap_core_init(&f->h, &src);
	return f;
}

static void teardown(struct fixture *f)
{
	for (size_t i = 0; i < f->pg.nruns; i++)
		free(f->pg.run[i]);
	free(f);
}

TEST(heap_classes_align_and_sizes)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 100, 1000, 2032, 2048 };
	struct fixture *f = setup(100);
	void *p[ARRAY_SIZE(sizes)];
	struct heap_stats st;
	size_t total = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = heap_core_alloc(&f->h, sizes[i]);
		CHECK(p[i] != NULL);
		CHECK_EQ((uintptr_t)p[i] % 16, 0);
		CHECK_EQ(heap_core_size(&f->h, p[i]), sizes[i]);
		memset(p[i], (int)i, sizes[i]);
		total += sizes[i];
	}
	heap_core_stats(&f->h, &st);
	CHECK_EQ(st.allocations, ARRAY_SIZE(sizes));
	CHECK_EQ(st.bytes_in_use, total);
	CHECK_EQ(st.pages, 6);	/* classes 16, 32, 128, 1024, and 2048 twice */
	CHECK(heap_core_alloc(&f->h, 0) == NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (size_t b = 0; b < sizes[i]; b++)
			CHECK_EQ(((unsigned char *)p[i])[b], i);
		CHECK_EQ(heap_core_free(&f->h, p[i]), 0);
	}
	heap_core_stats(&f->h, &st);
	CHECK_EQ(st.allocations, 0);
	CHECK_EQ(st.bytes_in_use, 0);
	teardown(f);
}

TEST(heap_large_blocks_use_whole_pages)
{
	struct fixture *f = setup(100);
	struct heap_stats st;
	void *a = heap_core_alloc(&f->h, 2049);
	void *b = heap_core_alloc(&f->h, 3 * HEAP_PAGE_SIZE);

	CHECK(a && b);
	CHECK_EQ((uintptr_t)a % HEAP_PAGE_SIZE, HEAP_BIG_HEADER);
	heap_core_stats(&f->h, &st);
	CHECK_EQ(st.pages, 1 + 4);	/* the header pushes b into a 4th page */
	CHECK_EQ(st.bytes_in_use, 2049 + 3 * HEAP_PAGE_SIZE);
	memset(b, 1, 3 * HEAP_PAGE_SIZE);
	CHECK_EQ(heap_core_free(&f->h, b), 0);
	CHECK_EQ(f->pg.live_pages, 1);
	CHECK_EQ(heap_core_free(&f->h, a), 0);
	CHECK_EQ(f->pg.live_pages, 0);
	CHECK(heap_core_alloc(&f->h, 200 * HEAP_PAGE_SIZE) == NULL);	/* over limit */
	CHECK(heap_core_alloc(&f->h, SIZE_MAX - 10) == NULL);
	teardown(f);
}

TEST(heap_bad_and_double_free_detected)
{
	struct fixture *f = setup(100);
	char *p = heap_core_alloc(&f->h, 32);
	char *q = heap_core_alloc(&f->h, 32);
	char *big = heap_core_alloc(&f->h, 10000);
	char *not_heap = pages_alloc(&f->pg, 1);
	struct heap_stats before, after;

	CHECK(p && q && big && not_heap);
	heap_core_stats(&f->h, &before);
	CHECK_EQ(heap_core_free(&f->h, p + 16), -E_INVAL);	/* inside a slot */
	CHECK_EQ(heap_core_free(&f->h, p + 8), -E_INVAL);
	CHECK_EQ(heap_core_free(&f->h, (char *)((uintptr_t)p & ~4095ULL) + 16), -E_INVAL);
	CHECK_EQ(heap_core_free(&f->h, big + 16), -E_INVAL);
	CHECK_EQ(heap_core_free(&f->h, big + HEAP_PAGE_SIZE), -E_INVAL);
	CHECK_EQ(heap_core_free(&f->h, not_heap + 64), -E_INVAL);
	CHECK_EQ(heap_core_free(&f->h, NULL), -E_INVAL);
	heap_core_stats(&f->h, &after);
	CHECK_EQ(after.allocations, before.allocations);
	CHECK_EQ(after.bytes_in_use, before.bytes_in_use);
	CHECK_EQ(heap_core_free(&f->h, p), 0);
	CHECK_EQ(heap_core_free(&f->h, p), -E_NOENT);
	CHECK_EQ(heap_core_free(&f->h, big), 0);
	CHECK_EQ(heap_core_free(&f->h, big), -E_NOENT);
	CHECK_EQ(heap_core_size(&f->h, p), 0);
	CHECK_EQ(heap_core_size(&f->h, q), 32);
	teardown(f);
}

TEST(heap_empty_slabs_are_given_back)
{
	struct fixture *f = setup(1000);
	static void *p[2000];
	struct heap_stats st;

	for (int i = 0; i < 2000; i++)
		CHECK((p[i] = heap_core_alloc(&f->h, 64)) != NULL);
	heap_core_stats(&f->h, &st);
	CHECK(st.pages >= 2000 * 64 / HEAP_PAGE_SIZE + 1);
	for (int i = 0; i < 2000; i++)
		CHECK_EQ(heap_core_free(&f->h, p[i]), 0);
	heap_core_stats(&f->h, &st);
	CHECK_EQ(st.pages, 1);	/* one empty slab kept for the class */
	CHECK_EQ(f->pg.live_pages, 1);
	/* A slot of a page given back reads as freed. */
	CHECK_EQ(heap_core_free(&f->h, p[0]), -E_NOENT);
	teardown(f);
}

TEST(heap_runs_out_cleanly)
{
	struct fixture *f = setup(2);
	int n = 0;

	while (heap_core_alloc(&f->h, 2048))
		n++;
	CHECK_EQ(n, 2);		/* one 2048-byte slot per page */
	CHECK(heap_core_alloc(&f->h, 16) == NULL);
	teardown(f);
}

/* Random sizes and frees; each block holds a byte pattern that must
 * survive everything else the heap does. */
TEST(heap_random_blocks_never_overlap)
{
	enum { N = 600 };
	struct fixture *f = setup(4000);
	static unsigned char *blk[N];
	static size_t len[N];
	uint64_t seed = 99;

	for (int step = 0; step < 20000; step++) {
		int i;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (int)((seed >> 33) % N);
		if (blk[i]) {
			for (size_t b = 0; b < len[i]; b++)
				CHECK_EQ(blk[i][b], (unsigned char)(i + b));
			CHECK_EQ(heap_core_free(&f->h, blk[i]), 0);
			blk[i] = NULL;
		} else {
			len[i] = 1 + (seed >> 40) % ((seed & 0x100) ? 6000 : 300);
			blk[i] = heap_core_alloc(&f->h, len[i]);
			CHECK(blk[i] != NULL);
			for (size_t b = 0; b < len[i]; b++)
				blk[i][b] = (unsigned char)(i + b);
		}
	}
	for (int i = 0; i < N; i++)
		if (blk[i]) {
			CHECK_EQ(heap_core_free(&f->h, blk[i]), 0);
			blk[i] = NULL;
		}
	CHECK_EQ(f->h.allocations, 0);
	CHECK_EQ(f->h.bytes_in_use, 0);
	teardown(f);
}
