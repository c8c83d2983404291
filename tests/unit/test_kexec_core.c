/*
 * Tests of IND list building in the kexec core (kexec/kexec_core.c) on a
 * simulated 64 MiB machine (kexec_sim.h): lowest-first, adversarial and
 * scripted allocators (swap and park paths), a relocation run exactly as
 * the stub walks the list, multi-page lists, crash images, allocation
 * failure at every point freeing every page, and the list walkers.
 * The sanity rules are in test_kexec_sanity.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kexec/kexec.h"
#include "lib/errno.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "tests/unit/kexec_sim.h"
#include "tests/unit/test.h"

/* A simulator check that failed: fail the test with the simulator's reason. */
#define CHECK_SIM(s, cond)                                                   \
	do {                                                                 \
		(s)->error[0] = '\0';                                        \
		if (!(cond)) {                                               \
			test_fail(__FILE__, __LINE__, "%s: %s", #cond, (s)->error); \
			return;                                              \
		}                                                            \
	} while (0)

#define P 4096ULL

struct seg { paddr_t mem; uint64_t memsz; uint64_t bufsz; };

/* ------------------------------------------------------- loading helpers */

static uint8_t *random_bytes(size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
	return b;
}

struct load_plan {
	unsigned nr;
	struct seg segs[KEXEC_SEGMENT_MAX];
};

/* The kexec -l sequence of the lead's glue, on the simulator: add every
 * segment, check, a control page, load, terminate.  Returns the first error. */
static int run_load(struct sim *s, struct kimage *im, const struct load_plan *plan,
		    uint8_t **bufs, paddr_t *control, unsigned type)
{
	char why[256];
	int err;

	kimage_init(im, type, &s->ops, &s->ram, memmap_total(&s->ram, MEMMAP_RAM), SIM_RAM_SIZE);
	im->crash_start = 32 * MiB;
	im->crash_end = 48 * MiB;
	s->image = im;
	for (unsigned i = 0; i < plan->nr; i++) {
		const struct seg *g = &plan->segs[i];

		bufs[i] = random_bytes(g->bufsz, 77 + i);
		kimage_add_segment(im, bufs[i], g->bufsz, g->mem, g->memsz);
	}
	err = sanity_check_segment_list(im, why, sizeof(why));
	if (err) {
		printf("    sanity: %s\n", why);
		return err;
	}
	err = kimage_alloc_control_page(im, control);
	if (!err)
		err = kimage_load_segments(im);
	if (!err)
		kimage_terminate(im);
	return err;
}

static void free_bufs(uint8_t **bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(bufs[i]);
}

/* Every source is its own destination or nobody's; no list page is one. */
static bool check_invariants(const struct kimage *im, paddr_t control)
{
	const kimage_entry_t *ptr;
	kimage_entry_t entry;
	paddr_t dest = 0;

	if (kimage_is_destination_range(im, control, control + PAGE_SIZE)) {
		test_fail(__FILE__, __LINE__, "control page 0x%llx is a destination",
			  (unsigned long long)control);
		return false;
	}
	for_each_kimage_entry(im, ptr, entry) {
		paddr_t pa = KIMAGE_ENTRY_ADDR(entry);

		if (entry & IND_DESTINATION) {
			dest = pa;
		} else if (entry & IND_INDIRECTION) {
			if (kimage_is_destination_range(im, pa, pa + PAGE_SIZE))
				goto bad;
		} else if (entry & IND_SOURCE) {
			if (pa != dest && kimage_is_destination_range(im, pa, pa + PAGE_SIZE))
				goto bad;
			dest += PAGE_SIZE;
		}
	}
	return true;
bad:
	test_fail(__FILE__, __LINE__, "entry 0x%llx: page is another page's destination",
		  (unsigned long long)entry);
	return false;
}

/* Load, check, relocate, compare, free: the whole life of an image. */
static void load_and_relocate(struct sim *s, const struct load_plan *plan, struct kimage_summary *sum)
{
	uint8_t *bufs[KEXEC_SEGMENT_MAX] = { 0 };
	struct kimage im;
	paddr_t control;

	CHECK_EQ(run_load(s, &im, plan, bufs, &control, KEXEC_TYPE_DEFAULT), 0);
	CHECK(check_invariants(&im, control));
	CHECK_EQ(im.nr_dest_pages, 0);		/* every parked page was taken back */
	kimage_summarize(&im, sum);
	CHECK(sum->terminated);
	CHECK_SIM(s, sim_relocate(s, im.head, control));
	for (unsigned i = 0; i < plan->nr; i++)
		CHECK_SIM(s, sim_segment_in_place(s, &im.segment[i]));
	kimage_free(&im);
	CHECK_EQ(s->outstanding, 0);
	CHECK(!s->bad_free);
	free_bufs(bufs, plan->nr);
}

/* Segments a kernel load looks like: kernel at 2 MiB, MBI, a module,
 * purgatory; partly over memory the "old kernel" still uses. */
static const struct load_plan typical = { 4, {
	{ 2 * MiB, 0x240000, 0x231234 },	/* 576 pages: > 511 entries */
	{ 16 * MiB, 3 * P, 0x1800 },
	{ 20 * MiB, 1 * MiB, 1 * MiB },
	{ 40 * MiB, 8 * P, 5 * P + 17 },
} };

/* ------------------------------------------------------------ the tests */

TEST(kexec_load_lowest_first_relocates)
{
	struct kimage_summary sum;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	sim_busy(&s, 2 * MiB, 3 * MiB);		/* the running kernel sits on dest */
	load_and_relocate(&s, &typical, &sum);
	sim_done(&s);
	if (test_failed())
		return;
	CHECK_EQ(sum.nr_destinations, 4);
	CHECK_EQ(sum.nr_sources, 576 + 3 + 256 + 8);
	CHECK_EQ(sum.nr_ind_pages, 2);		/* 848 entries, 511 per page */
	CHECK(sum.nr_in_place > 0);		/* lowest-first reaches the free destinations */
}

TEST(kexec_load_adversarial_swaps_and_parks)
{
	size_t swaps = 0, parked = 0, unparked = 0;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct kimage_summary sum;
		struct sim s;

		sim_init(&s, SIM_ADVERSARIAL, seed);
		sim_busy(&s, 2 * MiB, 3 * MiB);
		load_and_relocate(&s, &typical, &sum);
		sim_done(&s);
		if (test_failed())
			return;
		swaps += sum.nr_swaps;
		parked += sum.nr_parked;
		unparked += sum.nr_unparked;
		CHECK_EQ(sum.nr_sources, 576 + 3 + 256 + 8);
		CHECK(sum.nr_swaps > 0);
		CHECK(sum.nr_parked > 0);
	}
	CHECK(parked > 0);
	CHECK(unparked > 0);
	printf("    adversarial: %zu swaps, %zu parked, %zu taken back over 8 seeds\n",
	       swaps, parked, unparked);
}

/* Staging is linear in pages: with an allocator that mostly hands out
 * destinations (parks and swaps everywhere), four times the pages cost
 * about four times the memory accesses.  Linux's list walks (dest_pages
 * in kimage_alloc_page, the IND list in kimage_dst_used) made it about
 * sixteen times: 89 s for two 64 MiB modules under TCG. */
TEST(kexec_staging_is_linear_in_pages)
{
	size_t calls[2], parked[2];
	const size_t sizes[2] = { 4 * MiB, 16 * MiB };

	for (int k = 0; k < 2; k++) {
		struct load_plan plan = { 1, { { 8 * MiB, sizes[k], sizes[k] } } };
		struct kimage_summary sum;
		struct sim s;

		sim_init(&s, SIM_ADVERSARIAL, 3);
		load_and_relocate(&s, &plan, &sum);	/* kimage_free's walk counts too: linear */
		calls[k] = s.ptr_calls;
		parked[k] = sum.nr_parked;
		sim_done(&s);
	}
	printf("    %zu and %zu page accesses for 1024 and 4096 pages (%zu and %zu parked)\n",
	       calls[0], calls[1], parked[0], parked[1]);
	CHECK(parked[1] > 100);			/* the allocator really was hostile */
	CHECK(calls[1] < 6 * calls[0]);		/* x4 the pages: x4 the work, not x16 */
}

/* Scripted: the allocator hands out the destination of the page just
 * staged, each time, so every page after the first is a swap. */
TEST(kexec_alloc_page_swap_scripted)
{
	const paddr_t d = 8 * MiB, x = 30 * MiB, ind = 31 * MiB;
	uint8_t *bufs[1] = { 0 };
	struct load_plan plan = { 1, { { d, 4 * P, 4 * P } } };
	struct kimage_summary sum;
	struct kimage im;
	paddr_t control;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	/* control page, the destination map's directory and map page, the
	 * list page, then X for d, then d, d+P, d+2P. */
	s.script[0] = 29 * MiB;
	s.script[1] = 26 * MiB;
	s.script[2] = 27 * MiB;
	s.script[3] = ind;
	s.script[4] = x;
	s.script[5] = d;
	s.script[6] = d + P;
	s.script[7] = d + 2 * P;
	s.script_len = 8;
	CHECK_EQ(run_load(&s, &im, &plan, bufs, &control, KEXEC_TYPE_DEFAULT), 0);
	CHECK_EQ(control, 29 * MiB);
	CHECK_EQ(im.head, ind | IND_INDIRECTION);
	CHECK_EQ(im.nr_swaps, 3);
	kimage_summarize(&im, &sum);
	CHECK_EQ(sum.nr_in_place, 3);		/* d, d+P, d+2P hold their bytes already */
	{
		const kimage_entry_t *list = (const kimage_entry_t *)(s.mem + ind);

		CHECK_EQ(list[0], d | IND_DESTINATION);
		CHECK_EQ(list[1], d | IND_SOURCE);
		CHECK_EQ(list[2], (d + P) | IND_SOURCE);
		CHECK_EQ(list[3], (d + 2 * P) | IND_SOURCE);
		CHECK_EQ(list[4], x | IND_SOURCE);	/* the old page, reused */
		CHECK_EQ(list[5], IND_DONE);
	}
	CHECK(memcmp(s.mem + d, bufs[0], 3 * P) == 0);
	CHECK_SIM(&s, sim_relocate(&s, im.head, control));
	CHECK_SIM(&s, sim_segment_in_place(&s, &im.segment[0]));
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	free_bufs(bufs, 1);
	sim_done(&s);
}

/* Scripted: a destination that is not staged yet is parked, then taken
 * back from dest_pages when its turn comes. */
TEST(kexec_alloc_page_park_scripted)
{
	const paddr_t d = 8 * MiB;
	uint8_t *bufs[1] = { 0 };
	struct load_plan plan = { 1, { { d, 2 * P, P + 5 } } };
	struct kimage im;
	paddr_t control;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	s.script[0] = d + P;			/* control: a destination -> parked */
	s.script[1] = 29 * MiB;			/* control */
	s.script[2] = 27 * MiB;			/* the destination map's directory */
	s.script[3] = 28 * MiB;			/* its map page: d + P moves in */
	s.script[4] = 30 * MiB;			/* list page */
	s.script[5] = d;			/* for d: exactly it */
	s.script_len = 6;
	CHECK_EQ(run_load(&s, &im, &plan, bufs, &control, KEXEC_TYPE_DEFAULT), 0);
	CHECK_EQ(control, 29 * MiB);
	CHECK_EQ(im.nr_parked, 1);
	CHECK_EQ(im.nr_unparked, 1);		/* d + P came back from dest_pages */
	CHECK_EQ(im.nr_dest_pages, 0);
	CHECK_EQ(im.nr_swaps, 0);
	CHECK_EQ(s.allocs, 6);
	CHECK_SIM(&s, sim_relocate(&s, im.head, control));
	CHECK_SIM(&s, sim_segment_in_place(&s, &im.segment[0]));
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	free_bufs(bufs, 1);
	sim_done(&s);
}

TEST(kexec_control_page_is_never_a_destination)
{
	struct kimage im;
	paddr_t pa;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	kimage_init(&im, KEXEC_TYPE_DEFAULT, &s.ops, &s.ram, 64 * MiB, SIM_RAM_SIZE);
	kimage_add_segment(&im, NULL, 0, 1 * MiB, 4 * MiB);	/* lowest pages are all dest */
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(kimage_alloc_control_page(&im, &pa), 0);
		CHECK(!kimage_is_destination_range(&im, pa, pa + P));
	}
	CHECK_EQ(im.nr_control_pages, 10);
	CHECK(im.nr_dest_pages > 0);
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	CHECK(!s.bad_free);
	sim_done(&s);
}

TEST(kexec_control_pages_table_full)
{
	struct kimage im;
	paddr_t pa;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	kimage_init(&im, KEXEC_TYPE_DEFAULT, &s.ops, &s.ram, 64 * MiB, SIM_RAM_SIZE);
	for (int i = 0; i < KIMAGE_CONTROL_PAGES_MAX; i++)
		CHECK_EQ(kimage_alloc_control_page(&im, &pa), 0);
	CHECK_EQ(kimage_alloc_control_page(&im, &pa), -E_NOSPC);
	CHECK_EQ(s.allocs, KIMAGE_CONTROL_PAGES_MAX);
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);

	sim_reset(&s, SIM_LOWEST, 1);
	s.limit = 0;
	kimage_init(&im, KEXEC_TYPE_DEFAULT, &s.ops, &s.ram, 64 * MiB, SIM_RAM_SIZE);
	CHECK_EQ(kimage_alloc_control_page(&im, &pa), -E_NOMEM);
	CHECK_EQ(im.nr_control_pages, 0);
	sim_done(&s);
}

/* 4 x 3 MiB = 3072 pages: seven list pages, the last link taken. */
TEST(kexec_ind_list_spans_many_pages)
{
	struct load_plan plan = { 4, {
		{ 4 * MiB, 3 * MiB, 3 * MiB }, { 12 * MiB, 3 * MiB, 1 * MiB },
		{ 20 * MiB, 3 * MiB, 0 }, { 28 * MiB, 3 * MiB, 3 * MiB - 1 } } };
	struct kimage_summary sum;
	struct sim s;

	sim_init(&s, SIM_ADVERSARIAL, 42);
	load_and_relocate(&s, &plan, &sum);
	sim_done(&s);
	if (test_failed())
		return;
	CHECK_EQ(sum.nr_sources, 3072);
	CHECK_EQ(sum.nr_destinations, 4);
	/* 3076 entries + IND_DONE in pages of 511: ceil(3077 / 511) = 7. */
	CHECK_EQ(sum.nr_ind_pages, 7);
	CHECK_EQ(sum.nr_entries, 3077 + 7);
}

TEST(kexec_empty_list_is_just_done)
{
	struct kimage im;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	kimage_init(&im, KEXEC_TYPE_DEFAULT, &s.ops, &s.ram, 64 * MiB, SIM_RAM_SIZE);
	CHECK_EQ(kimage_load_segments(&im), 0);
	kimage_terminate(&im);
	CHECK_EQ(im.head, IND_DONE);
	CHECK_EQ(s.allocs, 0);
	CHECK_SIM(&s, sim_relocate(&s, im.head, 0));
	kimage_free(&im);
	sim_done(&s);
}

/* A crash image writes straight into the window; its list is empty. */
TEST(kexec_crash_load_writes_window_directly)
{
	struct load_plan plan = { 2, { { 32 * MiB, 5 * P, 4 * P + 3 }, { 40 * MiB, 2 * P, 0 } } };
	uint8_t *bufs[2] = { 0 };
	struct kimage im;
	paddr_t control;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	CHECK_EQ(run_load(&s, &im, &plan, bufs, &control, KEXEC_TYPE_CRASH), 0);
	CHECK_EQ(im.head, IND_DONE);
	CHECK_EQ(s.allocs, 1);			/* the control page only */
	CHECK_SIM(&s, sim_segment_in_place(&s, &im.segment[0]));
	CHECK_SIM(&s, sim_segment_in_place(&s, &im.segment[1]));
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	free_bufs(bufs, 2);
	sim_done(&s);
}

/* Out of memory after n pages, for every n: the load fails with -E_NOMEM
 * and kimage_free gives every page back. */
TEST(kexec_alloc_failure_frees_everything)
{
	struct load_plan plan = { 2, { { 2 * MiB, 600 * P, 599 * P }, { 8 * MiB, 8 * P, 8 * P } } };
	size_t needed = 0;

	static struct sim s;

	sim_init(&s, SIM_ADVERSARIAL, 7);
	for (size_t limit = 0;; limit++) {
		uint8_t *bufs[2] = { 0 };
		struct kimage im;
		paddr_t control;
		int err;

		sim_reset(&s, SIM_ADVERSARIAL, 7);
		s.limit = limit;
		err = run_load(&s, &im, &plan, bufs, &control, KEXEC_TYPE_DEFAULT);
		kimage_free(&im);
		free_bufs(bufs, 2);
		if (s.outstanding || s.bad_free || (err && err != -E_NOMEM) || limit > 2000) {
			test_fail(__FILE__, __LINE__, "limit %zu: %s, %zu pages not freed%s", limit,
				  err_name(err), s.outstanding, s.bad_free ? ", bad free" : "");
			break;
		}
		if (!err) {
			needed = limit;
			break;
		}
	}
	sim_done(&s);
	if (test_failed())
		return;
	printf("    load succeeds from %zu pages; every shorter run freed all it took\n", needed);
	CHECK(needed >= 608 + 2 + 1);		/* sources + list pages + control */
}

/* kimage_free twice, and on an image that never allocated, is harmless. */
TEST(kexec_free_twice)
{
	uint8_t *bufs[4] = { 0 };
	struct kimage im;
	paddr_t control;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	CHECK_EQ(run_load(&s, &im, &typical, bufs, &control, KEXEC_TYPE_DEFAULT), 0);
	kimage_free(&im);
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	CHECK(!s.bad_free);
	CHECK_EQ(im.head, 0);
	free_bufs(bufs, 4);
	sim_done(&s);
}

struct walk_log {
	size_t n, sources, links;
	kimage_entry_t last;
	paddr_t first_source_dest;
};

static int log_entry(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx)
{
	struct walk_log *w = ctx;

	if (index != w->n)
		return -1;
	w->n++;
	w->last = entry;
	if ((entry & IND_SOURCE) && w->sources++ == 0)
		w->first_source_dest = dest;
	if (entry & IND_INDIRECTION)
		w->links++;
	return 0;
}

static int stop_at_three(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx)
{
	return index == 2 ? 99 : 0;
}

TEST(kexec_walk_visits_every_entry)
{
	uint8_t *bufs[4] = { 0 };
	struct walk_log w = { 0 };
	struct kimage_summary sum;
	struct kimage im;
	paddr_t control;
	struct sim s;

	sim_init(&s, SIM_ADVERSARIAL, 3);
	CHECK_EQ(run_load(&s, &im, &typical, bufs, &control, KEXEC_TYPE_DEFAULT), 0);
	CHECK_EQ(kimage_walk(&im, log_entry, &w), 0);
	kimage_summarize(&im, &sum);
	CHECK_EQ(w.n, sum.nr_entries);
	CHECK_EQ(w.last, IND_DONE);
	CHECK_EQ(w.sources, sum.nr_sources);
	CHECK_EQ(w.links, sum.nr_ind_pages);
	CHECK_EQ(w.links, im.nr_ind_pages);
	CHECK_EQ(w.sources, im.nr_source_pages);
	CHECK_EQ(w.first_source_dest, 2 * MiB);
	CHECK_EQ(kimage_walk(&im, stop_at_three, NULL), 99);
	kimage_free(&im);
	CHECK_EQ(s.outstanding, 0);
	free_bufs(bufs, 4);
	sim_done(&s);
}

/* The relocation checker itself must catch a bad list, or it proves nothing. */
TEST(kexec_sim_catches_overwritten_source)
{
	const paddr_t d = 8 * MiB, x = 30 * MiB, list = 31 * MiB;
	kimage_entry_t *l;
	struct sim s;

	sim_init(&s, SIM_LOWEST, 1);
	l = (kimage_entry_t *)(s.mem + list);
	/* Page 2's source is page 1's destination, already overwritten. */
	l[0] = d | IND_DESTINATION;
	l[1] = x | IND_SOURCE;
	l[2] = d | IND_SOURCE;
	l[3] = IND_DONE;
	CHECK(!sim_relocate(&s, list | IND_INDIRECTION, 0));
	CHECK(strstr(s.error, "source page 0x800000 read after the walk overwrote it"));

	/* The list page is page 2's destination: the walk overwrites it. */
	l = (kimage_entry_t *)(s.mem + d + P);
	l[0] = d | IND_DESTINATION;
	l[1] = x | IND_SOURCE;
	l[2] = (x + P) | IND_SOURCE;
	l[3] = IND_DONE;
	CHECK(!sim_relocate(&s, (d + P) | IND_INDIRECTION, 0));
	CHECK(strstr(s.error, "indirection page"));

	/* A copy onto the control page, and a list without IND_DONE. */
	l = (kimage_entry_t *)(s.mem + list);
	l[0] = d | IND_DESTINATION;
	l[1] = x | IND_SOURCE;
	l[2] = IND_DONE;
	CHECK(!sim_relocate(&s, list | IND_INDIRECTION, d));
	CHECK(strstr(s.error, "control page"));
	CHECK(!sim_relocate(&s, 0, 0));
	CHECK(strstr(s.error, "IND list broken"));

	/* And a segment whose bytes did not arrive. */
	{
		static const uint8_t one = 1;
		struct kexec_segment seg = { &one, 1, x, P };

		memset(s.mem + x, 0, P);
		s.mem[x] = 2;
		CHECK(!sim_segment_in_place(&s, &seg));
		s.mem[x] = 1;
		s.mem[x + 5] = 9;
		CHECK(!sim_segment_in_place(&s, &seg));
		CHECK(strstr(s.error, "byte 0x5"));
	}
	sim_done(&s);
}
