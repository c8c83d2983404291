/*
 * Tests of the typed range map (mm/memmap.c): table-driven cases written
 * as half-open [start, start + size) ranges, then a randomized comparison
 * against a page-by-page model of the same operations.
 */
#include <stdio.h>
#include <string.h>
#include "lib/errno.h"
#include "mm/memmap.h"
#include "tests/unit/test.h"

enum { RAM = MEMMAP_RAM, RES = MEMMAP_RESERVED, ACPI = MEMMAP_ACPI, NVS = MEMMAP_NVS,
       BAD = MEMMAP_UNUSABLE };
enum { ADD, REMOVE, SET };

struct op { int what; paddr_t start; uint64_t size; uint32_t type; };
struct span { paddr_t start; uint64_t size; uint32_t type; };

/* A case: operations applied in order to an empty map, then the expected
 * map.  Lists end at the first entry of size 0. */
struct map_case {
	const char *name;
	struct op ops[8];
	struct span want[8];
};

static const struct map_case cases[] = {
	{ "one range",
	  { { ADD, 1 * MiB, 64 * MiB, RAM } },
	  { { 1 * MiB, 64 * MiB, RAM } } },
	{ "adjacent same type merge",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 1 * MiB, 1 * MiB, RAM } },
	  { { 0, 2 * MiB, RAM } } },
	{ "adjacent different types stay apart",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 1 * MiB, 1 * MiB, RES } },
	  { { 0, 1 * MiB, RAM }, { 1 * MiB, 1 * MiB, RES } } },
	{ "holes are kept",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 2 * MiB, 1 * MiB, RAM } },
	  { { 0, 1 * MiB, RAM }, { 2 * MiB, 1 * MiB, RAM } } },
	{ "overlapping same type merge",
	  { { ADD, 0, 3 * MiB, RAM }, { ADD, 2 * MiB, 3 * MiB, RAM } },
	  { { 0, 5 * MiB, RAM } } },
	{ "reserved inside RAM splits it",
	  { { ADD, 0, 16 * MiB, RAM }, { ADD, 4 * MiB, 4 * MiB, RES } },
	  { { 0, 4 * MiB, RAM }, { 4 * MiB, 4 * MiB, RES }, { 8 * MiB, 8 * MiB, RAM } } },
	{ "RAM over reserved loses, whatever the order",
	  { { ADD, 4 * MiB, 4 * MiB, RES }, { ADD, 0, 16 * MiB, RAM } },
	  { { 0, 4 * MiB, RAM }, { 4 * MiB, 4 * MiB, RES }, { 8 * MiB, 8 * MiB, RAM } } },
	{ "higher type wins: NVS > ACPI > reserved",
	  { { ADD, 0, 8 * MiB, RES }, { ADD, 2 * MiB, 4 * MiB, ACPI },
	    { ADD, 3 * MiB, 1 * MiB, NVS } },
	  { { 0, 2 * MiB, RES }, { 2 * MiB, 1 * MiB, ACPI }, { 3 * MiB, 1 * MiB, NVS },
	    { 4 * MiB, 2 * MiB, ACPI }, { 6 * MiB, 2 * MiB, RES } } },
	{ "unusable beats everything below it",
	  { { ADD, 0, 4 * KiB * 3, RAM }, { ADD, 4 * KiB, 4 * KiB, BAD } },
	  { { 0, 4 * KiB, RAM }, { 4 * KiB, 4 * KiB, BAD }, { 8 * KiB, 4 * KiB, RAM } } },
	{ "out of order input comes out sorted",
	  { { ADD, 4 * GiB, 2 * GiB, RAM }, { ADD, 0, 639 * KiB, RAM },
	    { ADD, 1 * MiB, 511 * MiB, RAM } },
	  { { 0, 639 * KiB, RAM }, { 1 * MiB, 511 * MiB, RAM }, { 4 * GiB, 2 * GiB, RAM } } },
	{ "duplicate range is absorbed",
	  { { ADD, 1 * MiB, 1 * MiB, RAM }, { ADD, 1 * MiB, 1 * MiB, RAM } },
	  { { 1 * MiB, 1 * MiB, RAM } } },
	{ "bridging range merges three",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 2 * MiB, 1 * MiB, RAM },
	    { ADD, 1 * MiB, 1 * MiB, RAM } },
	  { { 0, 3 * MiB, RAM } } },
	{ "remove splits the middle",
	  { { ADD, 0, 16 * MiB, RAM }, { REMOVE, 4 * MiB, 4 * MiB, 0 } },
	  { { 0, 4 * MiB, RAM }, { 8 * MiB, 8 * MiB, RAM } } },
	{ "remove trims both edges",
	  { { ADD, 0, 4 * MiB, RAM }, { ADD, 8 * MiB, 4 * MiB, RES },
	    { REMOVE, 2 * MiB, 8 * MiB, 0 } },
	  { { 0, 2 * MiB, RAM }, { 10 * MiB, 2 * MiB, RES } } },
	{ "remove over several ranges and holes",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 2 * MiB, 1 * MiB, RES },
	    { ADD, 4 * MiB, 1 * MiB, RAM }, { REMOVE, 0, 8 * MiB, 0 } },
	  { { 0, 0, 0 } } },
	{ "remove of a hole changes nothing",
	  { { ADD, 0, 1 * MiB, RAM }, { REMOVE, 2 * MiB, 1 * MiB, 0 } },
	  { { 0, 1 * MiB, RAM } } },
	{ "set type carves a reservation",
	  { { ADD, 0, 16 * MiB, RAM }, { SET, 4 * MiB, 4 * MiB, RES } },
	  { { 0, 4 * MiB, RAM }, { 4 * MiB, 4 * MiB, RES }, { 8 * MiB, 8 * MiB, RAM } } },
	{ "set type can lower a type and re-merge",
	  { { ADD, 0, 16 * MiB, RAM }, { ADD, 4 * MiB, 4 * MiB, RES },
	    { SET, 4 * MiB, 4 * MiB, RAM } },
	  { { 0, 16 * MiB, RAM } } },
	{ "set type leaves holes alone",
	  { { ADD, 0, 1 * MiB, RAM }, { ADD, 2 * MiB, 1 * MiB, RAM },
	    { SET, 0, 3 * MiB, RES } },
	  { { 0, 1 * MiB, RES }, { 2 * MiB, 1 * MiB, RES } } },
};

static int do_op(struct memmap *m, const struct op *o)
{
	switch (o->what) {
	case ADD: return memmap_add(m, o->start, o->start + o->size, o->type);
	case REMOVE: return memmap_remove(m, o->start, o->start + o->size);
	default: return memmap_set_type(m, o->start, o->start + o->size, o->type);
	}
}

/* Compare m with want; on mismatch report the case and first difference. */
static int map_equals(const char *name, const struct memmap *m, const struct span *want,
		      unsigned nwant)
{
	if (m->count != nwant) {
		test_fail(__FILE__, __LINE__, "%s: %u ranges, want %u", name, m->count, nwant);
		return 0;
	}
	for (unsigned i = 0; i < nwant; i++) {
		const struct memmap_range *r = &m->range[i];

		if (r->start != want[i].start || r->end != want[i].start + want[i].size ||
		    r->type != want[i].type) {
			test_fail(__FILE__, __LINE__,
				  "%s: range %u is [0x%llx, 0x%llx) type %u, want [0x%llx, 0x%llx) type %u",
				  name, i, (unsigned long long)r->start, (unsigned long long)r->end,
				  r->type, (unsigned long long)want[i].start,
				  (unsigned long long)(want[i].start + want[i].size), want[i].type);
			return 0;
		}
	}
	return 1;
}

TEST(memmap_table_cases)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct map_case *k = &cases[c];
		struct memmap m;
		unsigned nwant = 0;

		memmap_init(&m);
		for (unsigned i = 0; i < 8 && k->ops[i].size; i++) {
			int err = do_op(&m, &k->ops[i]);

			if (err) {
				test_fail(__FILE__, __LINE__, "%s: op %u returned %d", k->name, i, err);
				return;
			}
		}
		while (nwant < 8 && k->want[nwant].size)
			nwant++;
		if (!map_equals(k->name, &m, k->want, nwant))
			return;
	}
}

TEST(memmap_rejects_bad_arguments)
{
	struct memmap m;

	memmap_init(&m);
	CHECK_EQ(memmap_add(&m, 2 * MiB, 2 * MiB, RAM), -E_INVAL);
	CHECK_EQ(memmap_add(&m, 2 * MiB, 1 * MiB, RAM), -E_INVAL);
	CHECK_EQ(memmap_add(&m, 0, 1 * MiB, 0), -E_INVAL);
	CHECK_EQ(memmap_remove(&m, 1 * MiB, 1 * MiB), -E_INVAL);
	CHECK_EQ(memmap_set_type(&m, 0, 1 * MiB, 0), -E_INVAL);
	CHECK_EQ(memmap_set_type(&m, 1 * MiB, 0, RES), -E_INVAL);
	CHECK_EQ(m.count, 0);
}

/* 128 disjoint ranges fill the table; what needs a new slot must fail and
 * leave the map as it was, what merges must still succeed. */
TEST(memmap_table_full)
{
	struct memmap m, before;

	memmap_init(&m);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, i * 2 * MiB, i * 2 * MiB + 1 * MiB, RAM), 0);
	CHECK_EQ(m.count, MEMMAP_MAX);
	before = m;
	CHECK_EQ(memmap_add(&m, 1 * GiB, 1 * GiB + 1 * MiB, RAM), -E_NOSPC);
	CHECK(memcmp(&m, &before, sizeof(m)) == 0);
	CHECK_EQ(memmap_remove(&m, 0x40000, 0x80000), -E_NOSPC);	/* would split */
	CHECK_EQ(memmap_set_type(&m, 0x40000, 0x80000, RES), -E_NOSPC);
	CHECK(memcmp(&m, &before, sizeof(m)) == 0);
	/* Filling a hole merges two ranges into one: frees a slot. */
	CHECK_EQ(memmap_add(&m, 1 * MiB, 2 * MiB, RAM), 0);
	CHECK_EQ(m.count, MEMMAP_MAX - 1);
	CHECK_EQ(memmap_add(&m, 1 * GiB, 1 * GiB + 1 * MiB, RAM), 0);
	CHECK_EQ(m.count, MEMMAP_MAX);
	/* Extending an end needs no slot. */
	CHECK_EQ(memmap_add(&m, 1 * GiB, 1 * GiB + 2 * MiB, RAM), 0);
	CHECK_EQ(m.count, MEMMAP_MAX);
}

TEST(memmap_sanitize_hand_filled)
{
	struct memmap m;
	static const struct span want[] = {
		{ 0, 1 * MiB, RAM }, { 1 * MiB, 1 * MiB, RES }, { 2 * MiB, 2 * MiB, RAM },
	};

	memmap_init(&m);
	m.range[m.count++] = (struct memmap_range){ 2 * MiB, 4 * MiB, RAM };
	m.range[m.count++] = (struct memmap_range){ 5 * MiB, 5 * MiB, RAM };	/* empty */
	m.range[m.count++] = (struct memmap_range){ 0, 2 * MiB, RAM };
	m.range[m.count++] = (struct memmap_range){ 1 * MiB, 2 * MiB, RES };
	m.range[m.count++] = (struct memmap_range){ 9 * MiB, 8 * MiB, RAM };	/* backwards */
	CHECK_EQ(memmap_sanitize(&m), 0);
	CHECK(map_equals("sanitize", &m, want, 3));
	m.count = MEMMAP_MAX + 1;
	CHECK_EQ(memmap_sanitize(&m), -E_INVAL);
}

TEST(memmap_queries)
{
	struct memmap m;

	memmap_init(&m);
	CHECK_EQ(memmap_end(&m, RAM), 0);
	CHECK_EQ(memmap_add(&m, 0, 0x9fc00, RAM), 0);
	CHECK_EQ(memmap_add(&m, 0x9fc00, 0xa0000, RES), 0);
	CHECK_EQ(memmap_add(&m, 1 * MiB, 512 * MiB, RAM), 0);
	CHECK_EQ(memmap_add(&m, 4 * GiB, 6 * GiB, RAM), 0);
	CHECK_EQ(memmap_total(&m, RAM), 0x9fc00 + 511 * MiB + 2 * GiB);
	CHECK_EQ(memmap_total(&m, RES), 0x400);
	CHECK_EQ(memmap_end(&m, RAM), 6 * GiB);
	CHECK_EQ(memmap_end(&m, RES), 0xa0000);
	CHECK(memmap_covers(&m, 1 * MiB, 512 * MiB, RAM));
	CHECK(memmap_covers(&m, 2 * MiB, 3 * MiB, RAM));
	CHECK(!memmap_covers(&m, 1 * MiB, 512 * MiB + 1, RAM));	/* runs into a hole */
	CHECK(!memmap_covers(&m, 0x9f000, 0xa0000, RAM));		/* runs into reserved */
	CHECK(!memmap_covers(&m, 0x80000, 0x80000, RAM));		/* empty */
	CHECK(!memmap_covers(&m, 600 * MiB, 601 * MiB, RAM));	/* hole */
	CHECK(memmap_covers(&m, 0x9fc00, 0xa0000, RES));
	/* Covered across two ranges of the same type is impossible to see
	 * (they merge), but across a type change it must fail. */
	CHECK(!memmap_covers(&m, 0, 0xa0000, RAM));
}

TEST(memmap_names)
{
	CHECK_STR(memmap_type_name(RAM), "usable");
	CHECK_STR(memmap_type_name(RES), "reserved");
	CHECK_STR(memmap_type_name(ACPI), "ACPI data");
	CHECK_STR(memmap_type_name(NVS), "ACPI NVS");
	CHECK_STR(memmap_type_name(BAD), "unusable");
	CHECK_STR(memmap_type_name(12), "persistent (type 12)");
	CHECK_STR(memmap_type_name(99), "type 99");
	CHECK_STR(memmap_iomem_name(RAM), "System RAM");
	CHECK_STR(memmap_iomem_name(RES), "Reserved");
	CHECK_STR(memmap_iomem_name(ACPI), "ACPI Tables");
	CHECK_STR(memmap_iomem_name(NVS), "ACPI Non-volatile Storage");
	CHECK_STR(memmap_iomem_name(BAD), "Unusable memory");
	CHECK_STR(memmap_iomem_name(99), "Reserved");
}

/*
 * Random operations on a 64-page world, checked against a model holding
 * one type per page: the map must always be sorted, disjoint, merged, and
 * say the same as the model.
 */
#define WORLD_PAGES 64
#define PG (4 * KiB)

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static int check_against_model(const struct memmap *m, const uint32_t *model)
{
	uint32_t seen[WORLD_PAGES] = { 0 };

	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->range[i];

		if (r->end <= r->start || r->type == 0 || r->end > WORLD_PAGES * PG)
			return 0;
		if (i && (r->start < m->range[i - 1].end ||
			  (r->start == m->range[i - 1].end && r->type == m->range[i - 1].type)))
			return 0;	/* unsorted, overlapping or unmerged */
		for (paddr_t a = r->start; a < r->end; a += PG)
			seen[a / PG] = r->type;
	}
	return memcmp(seen, model, sizeof(seen)) == 0;
}

TEST(memmap_random_against_model)
{
	struct memmap m;
	uint32_t model[WORLD_PAGES] = { 0 };

	memmap_init(&m);
	for (int step = 0; step < 20000; step++) {
		unsigned a = rng() % WORLD_PAGES, b = rng() % WORLD_PAGES;
		uint32_t type = 1 + rng() % 5;
		int what = rng() % 4;	/* ADD twice as often */
		int err;

		if (a == b)
			continue;
		if (a > b) {
			unsigned t = a;
			a = b;
			b = t;
		}
		if (what == 3)
			what = ADD;
		err = do_op(&m, &(struct op){ what, a * PG, (b - a) * PG, type });
		CHECK_EQ(err, 0);
		for (unsigned p = a; p < b; p++) {
			if (what == ADD)
				model[p] = model[p] > type ? model[p] : type;
			else if (what == REMOVE)
				model[p] = 0;
			else if (model[p])
				model[p] = type;
		}
		if (!check_against_model(&m, model)) {
			test_fail(__FILE__, __LINE__, "step %d: map differs from the model", step);
			return;
		}
	}
}

/* memmap= options, Linux's forms (kexec-tools' --pass-memmap-cmdline). */
TEST(memmap_command_line_options)
{
	static const char *const bad[] = { "64M", "", "@0", "1@", "x@1", "1M%2M", "0@1M",
					   "1M@2M@3M", "exactmap2" };
	struct memmap_range r;
	bool exact = false;

	CHECK_EQ(memmap_parse_option("640K@0K", &r, &exact), 0);
	CHECK_EQ(r.start, 0);
	CHECK_EQ(r.end, 640 * 1024);
	CHECK_EQ(r.type, MEMMAP_RAM);
	CHECK(!exact);
	CHECK_EQ(memmap_parse_option("5116K@16384K", &r, &exact), 0);
	CHECK_EQ(r.start, 16 << 20);
	CHECK_EQ(r.end, (16 << 20) + 5116 * 1024);
	CHECK_EQ(memmap_parse_option("0x1000$0x9f000", &r, &exact), 0);
	CHECK_EQ(r.type, MEMMAP_RESERVED);
	CHECK_EQ(memmap_parse_option("4M#1G", &r, &exact), 0);
	CHECK_EQ(r.type, MEMMAP_ACPI);
	CHECK_EQ(r.start, 1ULL << 30);
	CHECK_EQ(memmap_parse_option("1G!4G", &r, &exact), 0);
	CHECK_EQ(r.type, 12);
	CHECK_EQ(memmap_parse_option("exactmap", &r, &exact), 0);
	CHECK(exact);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (memmap_parse_option(bad[i], &r, &exact) != -E_INVAL)
			test_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
}
