/*
 * Tests of Linux's sanity rules in the kexec core (sanity_check_segment_list
 * in kexec/kexec_core.c): every rule once failing and once just passing,
 * table-driven with half-open [mem, mem + memsz) ranges, Linux's order of
 * the rules, and the reason text naming the segment, its range and size.
 */
#include <string.h>
#include "kexec/kexec.h"
#include "lib/errno.h"
#include "mm/memmap.h"
#include "tests/unit/test.h"

/* RAM [0, 636 KiB), [1 MiB, 200 MiB) and [201 MiB, 256 MiB); the sanity
 * checks are given 256 MiB of RAM, so half of RAM is 128 MiB. */
static void sanity_ram(struct memmap *m)
{
	memmap_init(m);
	memmap_add(m, 0, 636 * KiB, MEMMAP_RAM);
	memmap_add(m, 636 * KiB, 1 * MiB, MEMMAP_RESERVED);
	memmap_add(m, 1 * MiB, 200 * MiB, MEMMAP_RAM);
	memmap_add(m, 200 * MiB, 201 * MiB, MEMMAP_RESERVED);
	memmap_add(m, 201 * MiB, 256 * MiB, MEMMAP_RAM);
}

#define TOTAL_RAM (256 * MiB)
#define DEST_LIMIT (256 * MiB)
#define CRASH_START (64 * MiB)
#define CRASH_END (96 * MiB)

struct seg { paddr_t mem; uint64_t memsz; uint64_t bufsz; };

struct sanity_case {
	const char *name;
	unsigned type;			/* KEXEC_TYPE_* */
	unsigned nr;			/* segments; more than 4: a simple pattern */
	struct seg segs[4];
	int err;			/* expected */
	const char *why;		/* a substring of the reason */
};

#define P 4096ULL
#define T_CRASH KEXEC_TYPE_CRASH

/* Pairs: each rule once failing, once just passing. */
static const struct sanity_case sanity_cases[] = {
	{ "align: mem", 0, 1, { { 1 * MiB + 512, P, 0 } }, -E_ALIGN,
	  "segment 0 at 0x0000000000100200 size 0x1000: start and end must be page aligned" },
	{ "align: mem ok", 0, 1, { { 1 * MiB, P, 0 } }, 0, NULL },
	{ "align: end", 0, 2, { { 1 * MiB, P, 0 }, { 2 * MiB, P + 1, 0 } }, -E_ALIGN, "segment 1" },
	{ "align: end ok", 0, 2, { { 1 * MiB, P, 0 }, { 2 * MiB, 2 * P, 0 } }, 0, NULL },
	{ "wrap", 0, 1, { { 0xfffffffffffff000ULL, 2 * P, 0 } }, -E_RANGE, "wraps" },
	{ "wrap: up to the last page ok for the wrap rule", 0, 1, { { DEST_LIMIT - 2 * P, 2 * P, 0 } }, 0, NULL },
	{ "limit", 0, 1, { { DEST_LIMIT - P, 2 * P, 0 } }, -E_RANGE, "destination limit 0x0000000010000000" },
	{ "limit: ends exactly at it ok", 0, 1, { { DEST_LIMIT - P, P, 0 } }, 0, NULL },
	{ "overlap", 0, 2, { { 2 * MiB, 3 * P, 0 }, { 2 * MiB + 2 * P, P, 0 } }, -E_OVERLAP,
	  "segment 1 [0x0000000000202000, 0x0000000000203000) 4 KiB: overlaps segment 0 "
	  "[0x0000000000200000, 0x0000000000203000) 12 KiB" },
	{ "overlap: adjacent ok", 0, 2, { { 2 * MiB, 2 * P, 0 }, { 2 * MiB + 2 * P, P, 0 } }, 0, NULL },
	{ "overlap: one inside another", 0, 3, { { 8 * MiB, P, 0 }, { 2 * MiB, 8 * P, 0 }, { 2 * MiB + P, P, 0 } },
	  -E_OVERLAP, "segment 2 [0x0000000000201000" },
	{ "bufsz > memsz", 0, 1, { { 1 * MiB, P, P + 1 } }, -E_INVAL, "bufsz 0x1001 is larger than memsz 0x1000" },
	{ "bufsz == memsz ok", 0, 1, { { 1 * MiB, P, P } }, 0, NULL },
	{ "17 segments", 0, 17, { { 0 } }, -E_2BIG, "17 segments, at most 16" },
	{ "16 segments ok", 0, 16, { { 0 } }, 0, NULL },
	{ "one over half of RAM", 0, 1, { { 1 * MiB, 128 * MiB + P, 0 } }, -E_NOMEM,
	  "128.0 MiB: more than half of RAM (128 MiB)" },
	{ "one exactly half of RAM ok", 0, 1, { { 1 * MiB, 128 * MiB, 0 } }, 0, NULL },
	{ "together over half of RAM", 0, 2, { { 1 * MiB, 100 * MiB, 0 }, { 201 * MiB, 28 * MiB + P, 0 } },
	  -E_NOMEM, "segments together 128.0 MiB: more than half of RAM (128 MiB)" },
	{ "together exactly half of RAM ok", 0, 2, { { 1 * MiB, 100 * MiB, 0 }, { 201 * MiB, 28 * MiB, 0 } }, 0, NULL },
	{ "not RAM: reserved low hole", 0, 1, { { 700 * KiB, P, 0 } }, -E_RANGE, "not all System RAM" },
	{ "not RAM: straddles a hole", 0, 1, { { 200 * MiB - P, 2 * P, 0 } }, -E_RANGE, "System RAM" },
	{ "RAM: all of low memory ok", 0, 1, { { 0, 636 * KiB, 0 } }, 0, NULL },
	{ "RAM: right up to a hole ok", 0, 1, { { 200 * MiB - P, P, 0 } }, 0, NULL },
	{ "crash: below the window", T_CRASH, 1, { { CRASH_START - P, 2 * P, 0 } }, -E_RANGE,
	  "outside the crashkernel window [0x0000000004000000, 0x0000000006000000)" },
	{ "crash: above the window", T_CRASH, 1, { { CRASH_END - P, 2 * P, 0 } }, -E_RANGE, "crashkernel window" },
	{ "crash: fills the window ok", T_CRASH, 1, { { CRASH_START, CRASH_END - CRASH_START, 0 } }, 0, NULL },
	{ "crash: window ignored for a default image", 0, 1, { { 1 * MiB, P, 0 } }, 0, NULL },
	{ "empty segment occupies nothing", 0, 2, { { 700 * KiB, 0, 0 }, { 1 * MiB, P, 0 } }, 0, NULL },
	/* Linux's order: the first rule broken wins. */
	{ "order: align before overlap", 0, 2, { { 1 * MiB, 2 * P, 0 }, { 1 * MiB + 1, P, 0 } }, -E_ALIGN, "aligned" },
	{ "order: overlap before bufsz", 0, 2, { { 1 * MiB, 2 * P, 3 * P }, { 1 * MiB, P, 0 } }, -E_OVERLAP, "overlaps" },
	{ "order: limit before half of RAM", 0, 1, { { 150 * MiB, 129 * MiB, 0 } }, -E_RANGE, "limit" },
	{ "order: half of RAM before System RAM", 0, 1, { { 100 * MiB, 129 * MiB, 0 } }, -E_NOMEM, "half" },
	{ "order: System RAM before crash window", T_CRASH, 1, { { 200 * MiB, P, 0 } }, -E_RANGE, "System RAM" },
};

static void fill_case(struct kimage *im, const struct sanity_case *c, const struct memmap *ram)
{
	kimage_init(im, c->type, NULL, ram, TOTAL_RAM, DEST_LIMIT);
	im->crash_start = CRASH_START;
	im->crash_end = CRASH_END;
	for (unsigned i = 0; i < c->nr && i < KEXEC_SEGMENT_MAX; i++) {
		struct seg s = c->segs[i % ARRAY_SIZE(c->segs)];

		if (c->nr > ARRAY_SIZE(c->segs))	/* the count cases */
			s = (struct seg){ 16 * MiB + i * 2 * P, P, 0 };
		CHECK_EQ(kimage_add_segment(im, NULL, s.bufsz, s.mem, s.memsz), 0);
	}
	if (c->nr > KEXEC_SEGMENT_MAX)
		im->nr_segments = c->nr;	/* add_segment refuses: force it */
}

TEST(kexec_sanity_rules_table)
{
	static struct memmap ram;
	char why[256];

	sanity_ram(&ram);
	for (size_t i = 0; i < ARRAY_SIZE(sanity_cases); i++) {
		const struct sanity_case *c = &sanity_cases[i];
		struct kimage im;
		int err;

		fill_case(&im, c, &ram);
		if (test_failed())
			return;
		err = sanity_check_segment_list(&im, why, sizeof(why));
		if (err != c->err || (c->why && !strstr(why, c->why)) || (!c->err && why[0])) {
			test_fail(__FILE__, __LINE__, "case '%s': got %s \"%s\", want %s \"%s\"",
				  c->name, err_name(err), why, err_name(c->err), c->why ? c->why : "");
			return;
		}
	}
}

TEST(kexec_sanity_names_range_and_size)
{
	static struct memmap ram;
	struct kimage im;
	char why[256];

	sanity_ram(&ram);
	kimage_init(&im, KEXEC_TYPE_DEFAULT, NULL, &ram, TOTAL_RAM, DEST_LIMIT);
	CHECK_EQ(kimage_add_segment(&im, NULL, 0, 198 * MiB, 4 * MiB), 0);
	CHECK_EQ(sanity_check_segment_list(&im, why, sizeof(why)), -E_RANGE);
	CHECK_STR(why, "segment 0 [0x000000000c600000, 0x000000000ca00000) 4 MiB: not all System RAM");
	/* A NULL or tiny buffer is fine. */
	CHECK_EQ(sanity_check_segment_list(&im, NULL, 0), -E_RANGE);
	CHECK_EQ(sanity_check_segment_list(&im, why, 8), -E_RANGE);
	CHECK_STR(why, "segment");
}

TEST(kexec_add_segment_refuses_17th)
{
	struct kimage im;

	kimage_init(&im, KEXEC_TYPE_DEFAULT, NULL, NULL, 0, 0);
	for (int i = 0; i < KEXEC_SEGMENT_MAX; i++)
		CHECK_EQ(kimage_add_segment(&im, NULL, 0, (paddr_t)i * P, P), 0);
	CHECK_EQ(kimage_add_segment(&im, NULL, 0, 1 * GiB, P), -E_2BIG);
	CHECK_EQ(im.nr_segments, KEXEC_SEGMENT_MAX);
}

TEST(kexec_is_destination_range_half_open)
{
	struct kimage im;

	kimage_init(&im, KEXEC_TYPE_DEFAULT, NULL, NULL, 0, 0);
	kimage_add_segment(&im, NULL, 0, 2 * MiB, 2 * P);
	CHECK(!kimage_is_destination_range(&im, 2 * MiB - P, 2 * MiB));
	CHECK(kimage_is_destination_range(&im, 2 * MiB - P, 2 * MiB + 1));
	CHECK(kimage_is_destination_range(&im, 2 * MiB + P, 2 * MiB + 2 * P));
	CHECK(!kimage_is_destination_range(&im, 2 * MiB + 2 * P, 2 * MiB + 3 * P));
}
