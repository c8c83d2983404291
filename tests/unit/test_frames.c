/*
 * Tests of the frame bitmap core (mm/frames.c): states, counts, next-fit,
 * contiguous allocation with alignment and limit, and error cases, plus a
 * randomised run checked against a byte-per-frame model.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "mm/frames.h"
#include "tests/unit/test.h"

static struct frames *new_frames(size_t nframes)
{
	struct frames *f = malloc(sizeof(*f));

	frames_init(f, malloc(frames_bitmap_bytes(nframes)), nframes);
	return f;
}

static void drop(struct frames *f)
{
	free(f->used);
	free(f);
}

TEST(frames_start_reserved)
{
	struct frames *f = new_frames(1000);
	size_t pfn;

	CHECK_EQ(frames_bitmap_bytes(1000), 2 * 16 * 8);
	CHECK_EQ(f->free_count, 0);
	CHECK_EQ(f->reserved_count, 1000);
	CHECK_EQ(frames_alloc(f, &pfn), -E_NOMEM);
	CHECK(frames_is_reserved(f, 0) && frames_is_reserved(f, 999));
	CHECK(frames_is_reserved(f, 5000));	/* outside: reserved */
	drop(f);
}

TEST(frames_mark_free_and_reserve_count)
{
	struct frames *f = new_frames(1000);

	CHECK_EQ(frames_mark_free(f, 10, 300), 0);	/* crosses words */
	CHECK_EQ(f->free_count, 300);
	CHECK_EQ(frames_mark_free(f, 100, 300), 0);	/* overlaps: 90 new */
	CHECK_EQ(f->free_count, 390);
	CHECK(!frames_is_free(f, 9) && frames_is_free(f, 10) && frames_is_free(f, 399));
	CHECK(!frames_is_free(f, 400));
	CHECK_EQ(frames_mark_reserved(f, 0, 64), 0);	/* 54 of them were free */
	CHECK_EQ(f->free_count, 336);
	CHECK_EQ(f->reserved_count, 664);
	CHECK_EQ(frames_mark_free(f, 990, 11), -E_RANGE);
	CHECK_EQ(frames_mark_reserved(f, 1000, 1), -E_RANGE);
	CHECK_EQ(frames_mark_free(f, (size_t)-1, 2), -E_RANGE);	/* wraps */
	CHECK_EQ(frames_mark_free(f, 1000, 0), 0);
	CHECK_EQ(f->free_count, 336);
	drop(f);
}

TEST(frames_alloc_is_next_fit)
{
	struct frames *f = new_frames(256);
	size_t a, b, c;

	frames_mark_free(f, 0, 256);
	frames_mark_reserved(f, 0, 1);
	CHECK_EQ(frames_alloc(f, &a), 0);
	CHECK_EQ(a, 1);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(frames_alloc(f, &b), 0);
	CHECK_EQ(b, 101);
	CHECK_EQ(frames_free(f, a, 1), 0);
	/* The cursor stays where the last search ended: frame 1 is free
	 * but the next allocation continues upward. */
	CHECK_EQ(frames_alloc(f, &c), 0);
	CHECK(c > 101);
	while (frames_alloc(f, &c) == 0)
		;
	CHECK_EQ(f->free_count, 0);
	CHECK(!frames_is_free(f, 1));	/* found again after wrapping */
	CHECK_EQ(frames_allocated_count(f), 255);
	drop(f);
}

TEST(frames_tail_bits_never_allocated)
{
	struct frames *f = new_frames(70);
	size_t pfn, n = 0;

	frames_mark_free(f, 0, 70);
	while (frames_alloc(f, &pfn) == 0) {
		CHECK(pfn < 70);
		n++;
	}
	CHECK_EQ(n, 70);
	CHECK_EQ(frames_alloc_contig(f, 1, 1, 0, &pfn), -E_NOMEM);
	drop(f);
}

TEST(frames_free_errors)
{
	struct frames *f = new_frames(128);
	size_t pfn;

	frames_mark_free(f, 0, 100);
	CHECK_EQ(frames_alloc(f, &pfn), 0);
	CHECK_EQ(frames_free(f, 50, 1), -E_NOENT);	/* never allocated */
	CHECK_EQ(frames_free(f, 110, 1), -E_PERM);	/* not RAM */
	CHECK_EQ(frames_free(f, 128, 1), -E_RANGE);
	CHECK_EQ(frames_free(f, pfn, 1), 0);
	CHECK_EQ(frames_free(f, pfn, 1), -E_NOENT);	/* double free */
	CHECK_EQ(f->free_count, 100);
	/* A range with one bad frame frees nothing. */
	CHECK_EQ(frames_alloc_contig(f, 4, 1, 0, &pfn), 0);
	CHECK_EQ(frames_free(f, pfn, 5), -E_NOENT);
	CHECK_EQ(f->free_count, 96);
	CHECK_EQ(frames_free(f, pfn, 4), 0);
	CHECK_EQ(f->free_count, 100);
	drop(f);
}

TEST(frames_reserve_over_allocated_is_busy)
{
	struct frames *f = new_frames(200);
	size_t pfn;

	frames_mark_free(f, 0, 200);
	CHECK_EQ(frames_alloc_contig(f, 1, 1, 0, &pfn), 0);
	CHECK_EQ(pfn, 0);
	CHECK_EQ(frames_mark_reserved(f, 0, 150), -E_BUSY);
	CHECK_EQ(f->free_count, 199);	/* unchanged */
	CHECK(frames_is_free(f, 100));
	CHECK_EQ(frames_mark_reserved(f, 1, 149), 0);
	CHECK_EQ(f->free_count, 50);
	/* mark_free leaves the allocated frame allocated. */
	CHECK_EQ(frames_mark_free(f, 0, 200), 0);
	CHECK(!frames_is_free(f, 0));
	CHECK_EQ(f->free_count, 199);
	drop(f);
}

TEST(frames_contig_alignment_and_limit)
{
	struct frames *f = new_frames(4096);
	size_t pfn;

	frames_mark_free(f, 3, 4000);
	CHECK_EQ(frames_alloc_contig(f, 10, 1, 0, &pfn), 0);
	CHECK_EQ(pfn, 3);	/* lowest run */
	CHECK_EQ(frames_alloc_contig(f, 10, 512, 0, &pfn), 0);
	CHECK_EQ(pfn, 512);
	CHECK_EQ(frames_alloc_contig(f, 512, 512, 0, &pfn), 0);
	CHECK_EQ(pfn, 1024);
	/* Hole: [13, 512) free, but a 600-page run must skip it. */
	CHECK_EQ(frames_alloc_contig(f, 600, 1, 0, &pfn), 0);
	CHECK_EQ(pfn, 1536);
	CHECK_EQ(frames_alloc_contig(f, 600, 1, 2000, &pfn), -E_NOMEM);
	CHECK_EQ(frames_alloc_contig(f, 400, 1, 2000, &pfn), 0);
	CHECK_EQ(pfn, 13);
	CHECK_EQ(frames_alloc_contig(f, 0, 1, 0, &pfn), -E_INVAL);
	CHECK_EQ(frames_alloc_contig(f, 1, 3, 0, &pfn), -E_INVAL);
	CHECK_EQ(frames_alloc_contig(f, 1, 0, 0, &pfn), -E_INVAL);
	CHECK_EQ(frames_alloc_contig(f, 5000, 1, 0, &pfn), -E_NOMEM);
	drop(f);
}

TEST(frames_contig_run_ends_below_limit)
{
	struct frames *f = new_frames(256);
	size_t pfn;

	frames_mark_free(f, 100, 100);
	CHECK_EQ(frames_alloc_contig(f, 5, 1, 104, &pfn), -E_NOMEM);
	CHECK_EQ(frames_alloc_contig(f, 5, 1, 105, &pfn), 0);
	CHECK_EQ(pfn, 100);
	CHECK_EQ(frames_alloc_contig(f, 64, 64, 0, &pfn), 0);
	CHECK_EQ(pfn, 128);
	CHECK_EQ(frames_alloc_contig(f, 64, 64, 0, &pfn), -E_NOMEM);
	CHECK_EQ(f->free_count, 100 - 5 - 64);
	drop(f);
}

/* Random operations against a model: 0 free, 1 allocated, 2 reserved. */
TEST(frames_random_against_model)
{
	enum { N = 3000 };
	struct frames *f = new_frames(N);
	unsigned char model[N];
	uint64_t seed = 12345;
	size_t live[N], nlive = 0;

	memset(model, 2, sizeof(model));
	frames_mark_free(f, 1, N - 1);
	memset(model + 1, 0, N - 1);
	for (int step = 0; step < 20000; step++) {
		size_t pfn, nfree = 0;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		switch ((seed >> 33) % 4) {
		case 0:
		case 1:
			if (frames_alloc(f, &pfn) == 0) {
				CHECK_EQ(model[pfn], 0);
				model[pfn] = 1;
				live[nlive++] = pfn;
			}
			break;
		case 2:
			if (nlive) {
				size_t i = (seed >> 40) % nlive;

				CHECK_EQ(frames_free(f, live[i], 1), 0);
				model[live[i]] = 0;
				live[i] = live[--nlive];
			}
			break;
		case 3:
			pfn = (seed >> 20) % N;
			CHECK_EQ(frames_free(f, pfn, 1),
				 model[pfn] == 1 ? 0 : model[pfn] == 2 ? -E_PERM : -E_NOENT);
			if (model[pfn] == 1) {
				model[pfn] = 0;
				for (size_t i = 0; i < nlive; i++)
					if (live[i] == pfn)
						live[i] = live[--nlive];
			}
			break;
		}
		for (size_t i = 0; i < N; i++)
			nfree += model[i] == 0;
		CHECK_EQ(f->free_count, nfree);
	}
	for (size_t i = 0; i < N; i++)
		CHECK_EQ(frames_is_free(f, i), model[i] == 0);
	drop(f);
}
