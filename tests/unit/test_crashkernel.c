/*
 * Tests of crashkernel= parsing and placement: every syntax at the RAM
 * sizes the scenarios use (the range end is exclusive, RAM is rounded up
 * to 128 MiB as Linux does), each malformed form with its reason, and the
 * window's placement on QEMU-like maps of 512 MiB and 6 GiB: top-down
 * below 4 GiB, 2 MiB aligned, clear of the avoid list, @OFFSET checks.
 */
#include <stdio.h>
#include <string.h>
#include "crash/crashkernel_parse.h"
#include "lib/errno.h"
#include "mm/memmap.h"
#include "tests/unit/test.h"

#define M (1ULL << 20)
#define G (1ULL << 30)

/* System RAM of a QEMU -m 512M guest: 639 KiB + 510.8 MiB. */
#define RAM_512M_GUEST (0x9fc00ULL + 0x1ffe0000ULL - 0x100000ULL)

struct parse_case {
	const char *value;
	uint64_t ram;
	int err;
	uint64_t size, offset;
	const char *why;	/* a substring of the reason; NULL: why must be empty */
};

static const char RANGES[] = "512M-2G:64M,2G-:128M";

static const struct parse_case good[] = {
	{ "64M", 512 * M, 0, 64 * M, 0, NULL },
	{ "65536K", 512 * M, 0, 64 * M, 0, NULL },
	{ "0x4000000", 512 * M, 0, 64 * M, 0, NULL },
	{ "1G", 6 * G, 0, 1 * G, 0, NULL },
	{ "64m", 512 * M, 0, 64 * M, 0, NULL },
	{ "64M@16M", 512 * M, 0, 64 * M, 16 * M, NULL },
	{ "64M@0x1000", 512 * M, 0, 64 * M, 0x1000, NULL },	/* placement refuses it */
	{ "64M@0", 512 * M, 0, 64 * M, 0, NULL },		/* @0: anywhere, as Linux */
	{ "0", 512 * M, 0, 0, 0, "the size is 0: nothing to reserve" },
	/* The range list at the sizes the scenarios boot. */
	{ RANGES, 256 * M, 0, 0, 0, "no range matches 256 MiB of RAM" },
	{ RANGES, 512 * M, 0, 64 * M, 0, NULL },
	{ RANGES, RAM_512M_GUEST, 0, 64 * M, 0, NULL },	/* rounded up to 512 MiB */
	{ RANGES, 1 * G, 0, 64 * M, 0, NULL },
	{ RANGES, 2 * G - 1 * M, 0, 128 * M, 0, NULL },	/* rounds up to 2 GiB */
	{ RANGES, 2 * G, 0, 128 * M, 0, NULL },		/* END is exclusive */
	{ RANGES, 6 * G, 0, 128 * M, 0, NULL },
	{ RANGES, 384 * M, 0, 0, 0, "no range matches 384 MiB of RAM" },
	{ RANGES, 384 * M + 1, 0, 64 * M, 0, NULL },		/* rounds up to 512 MiB */
	{ "512M-2G:64M,2G-:128M@16M", 1 * G, 0, 64 * M, 16 * M, NULL },
	{ "0-:32M", 512 * M, 0, 32 * M, 0, NULL },
	{ "0-1G:0,1G-:64M", 512 * M, 0, 0, 0, "range 1 matches 512 MiB of RAM and asks for 0" },
	{ "0-1G:0,1G-:64M", 2 * G, 0, 64 * M, 0, NULL },
	{ "1G-2G:64M,512M-4G:96M", 1 * G, 0, 64 * M, 0, NULL },	/* the first match wins */
	{ "0x20000000-0x80000000:0x4000000", 512 * M, 0, 64 * M, 0, NULL },
};

static const struct parse_case bad[] = {
	{ "", 512 * M, -E_INVAL, 0, 0, "no value: the forms are SIZE" },
	{ NULL, 512 * M, -E_INVAL, 0, 0, "no value" },
	{ "64X", 512 * M, -E_INVAL, 0, 0, "the size '64X' is not a number" },
	{ "64MB", 512 * M, -E_INVAL, 0, 0, "the size '64MB' is not a number" },
	{ "64M@", 512 * M, -E_INVAL, 0, 0, "the offset after '@' is missing" },
	{ "@16M", 512 * M, -E_INVAL, 0, 0, "the size before '@' is missing" },
	{ "64M@16X", 512 * M, -E_INVAL, 0, 0, "the offset after '@' '16X' is not a number" },
	{ "64M@16M@1G", 512 * M, -E_INVAL, 0, 0, "'16M@1G' is not a number" },
	{ "-2G:64M", 512 * M, -E_INVAL, 0, 0, "range 1 '-2G:64M': the start is missing" },
	{ "512M-256M:64M", 512 * M, -E_INVAL, 0, 0,
	  "range 1 '512M-256M:64M': the end 256 MiB is not above the start 512 MiB" },
	{ "512M-512M:64M", 512 * M, -E_INVAL, 0, 0, "the end 512 MiB is not above the start" },
	{ "1G-2G:", 512 * M, -E_INVAL, 0, 0, "range 1 '1G-2G:': the size after ':' is missing" },
	{ "512M-2G:64M,", 512 * M, -E_INVAL, 0, 0, "range 2 is empty" },
	{ ",512M-2G:64M", 512 * M, -E_INVAL, 0, 0, "range 1 is empty" },
	{ "512M-2G:64M,,2G-:128M", 512 * M, -E_INVAL, 0, 0, "range 2 is empty" },
	{ "1G:64M", 512 * M, -E_INVAL, 0, 0, "range 1 '1G:64M': '-' expected after the start" },
	{ "512M-2G64M,2G-:128M", 512 * M, -E_INVAL, 0, 0, "range 1 '512M-2G64M': ':' expected" },
	{ "512M-2G:64M,junk", 512 * M, -E_INVAL, 0, 0, "range 2 'junk': ':' expected" },
	{ "1G-2G", 512 * M, -E_INVAL, 0, 0, "the size '1G-2G' is not a number" },
	{ "512M-2G:64Q", 512 * M, -E_INVAL, 0, 0, "the size after ':' '64Q' is not a number" },
	{ "512M-x:64M", 512 * M, -E_INVAL, 0, 0, "the end 'x' is not a number" },
	{ "512M-2G:64M:1", 512 * M, -E_INVAL, 0, 0, "'64M:1' is not a number" },
	{ "512M-2G:64M@", 512 * M, -E_INVAL, 0, 0, "the offset after '@' is missing" },
	/* Overflow: numbers past 64 bits, suffixes that push them past. */
	{ "99999999999999999999", 512 * M, -E_INVAL, 0, 0, "does not fit in 64 bits" },
	{ "16777216T", 512 * M, -E_INVAL, 0, 0, "'16777216T' does not fit in 64 bits" },
	{ "0-99999999999999999999:64M", 512 * M, -E_INVAL, 0, 0, "the end" },
	{ "64M@0x10000000000000000", 512 * M, -E_INVAL, 0, 0, "does not fit in 64 bits" },
	{ "1234567890123456789012345678901234567890123456789012345678901234567890", 512 * M,
	  -E_INVAL, 0, 0, "too long for a number" },
	/* Linux's "invalid size": a size not below RAM, up to the match. */
	{ "0-:1G", 512 * M, -E_INVAL, 0, 0, "range 1: the size 1 GiB is not below the 512 MiB" },
	{ "0-:512M", RAM_512M_GUEST, -E_INVAL, 0, 0, "not below the 512 MiB of RAM" },
	/* Linux's above-4-GiB forms, refused; a stray comma. */
	{ "64M,high", 512 * M, -E_NOTSUP, 0, 0, "',high' is not supported" },
	{ "64M,low", 512 * M, -E_NOTSUP, 0, 0, "',low' is not supported" },
	{ "64M,low@16M", 512 * M, -E_NOTSUP, 0, 0, "',low' is not supported" },
	{ "64M,foo", 512 * M, -E_INVAL, 0, 0, "a ',' belongs in the range form" },
};

static int run_case(const struct parse_case *c, size_t i, const char *table)
{
	struct crashkernel_request req;
	char why[256];
	int err = crashkernel_parse(c->value, c->ram, &req, why, sizeof(why));

	if (err != c->err || (!err && (req.size != c->size || req.offset != c->offset)) ||
	    (c->why ? !strstr(why, c->why) : why[0] != '\0')) {
		printf("    %s[%zu] '%s' at RAM 0x%llx: err %d size 0x%llx offset 0x%llx why '%s'\n",
		       table, i, c->value ? c->value : "(null)", (unsigned long long)c->ram, err,
		       (unsigned long long)req.size, (unsigned long long)req.offset, why);
		return 1;
	}
	return 0;
}

TEST(crashkernel_parse_good)
{
	int failures = 0;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		failures += run_case(&good[i], i, "good");
	CHECK_EQ(failures, 0);
}

TEST(crashkernel_parse_malformed)
{
	int failures = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		failures += run_case(&bad[i], i, "bad");
	CHECK_EQ(failures, 0);
}

TEST(crashkernel_parse_range_details)
{
	struct crashkernel_request req;

	CHECK_EQ(crashkernel_parse(RANGES, 2 * G, &req, NULL, 0), 0);
	CHECK(req.ranges);
	CHECK_EQ(req.nr_ranges, 2);
	CHECK_EQ(req.range_index, 2);
	CHECK_EQ(req.ram_compared, 2 * G);
	CHECK_EQ(crashkernel_parse(RANGES, RAM_512M_GUEST, &req, NULL, 0), 0);
	CHECK_EQ(req.range_index, 1);
	CHECK_EQ(req.ram_compared, 512 * M);
	CHECK_EQ(crashkernel_parse(RANGES, 256 * M, &req, NULL, 0), 0);
	CHECK_EQ(req.range_index, 0);
	CHECK_EQ(req.size, 0);
	CHECK_EQ(crashkernel_parse("64M", 512 * M, &req, NULL, 0), 0);
	CHECK(!req.ranges);
	CHECK_EQ(req.range_index, 0);
	/* A failed parse leaves nothing behind that looks like a request. */
	CHECK_EQ(crashkernel_parse("64X", 512 * M, &req, NULL, 0), -E_INVAL);
	CHECK_EQ(req.size, 0);
	CHECK_EQ(crashkernel_parse("512M-2G:64M,junk@16M", 512 * M, &req, NULL, 0), -E_INVAL);
	CHECK_EQ(req.size, 0);
	CHECK_EQ(req.offset, 0);
	CHECK_EQ(req.range_index, 0);
}

/* ------------------------------------------------------------ placement */

static struct memmap map512, map6g;

/* QEMU's e820 for -m 512M and -m 6G (SeaBIOS). */
static void make_maps(void)
{
	memmap_init(&map512);
	memmap_add(&map512, 0, 0x9fc00, MEMMAP_RAM);
	memmap_add(&map512, 0x9fc00, 0xa0000, MEMMAP_RESERVED);
	memmap_add(&map512, 0xf0000, 0x100000, MEMMAP_RESERVED);
	memmap_add(&map512, 0x100000, 0x1ffe0000, MEMMAP_RAM);
	memmap_add(&map512, 0x1ffe0000, 0x20000000, MEMMAP_RESERVED);
	memmap_add(&map512, 0xfeffc000, 0xff000000, MEMMAP_RESERVED);
	memmap_add(&map512, 0xfffc0000, 0x100000000, MEMMAP_RESERVED);
	memmap_init(&map6g);
	memmap_add(&map6g, 0, 0x9fc00, MEMMAP_RAM);
	memmap_add(&map6g, 0x9fc00, 0xa0000, MEMMAP_RESERVED);
	memmap_add(&map6g, 0xf0000, 0x100000, MEMMAP_RESERVED);
	memmap_add(&map6g, 0x100000, 0xbffe0000, MEMMAP_RAM);
	memmap_add(&map6g, 0xbffe0000, 0xc0000000, MEMMAP_RESERVED);
	memmap_add(&map6g, 0xfeffc000, 0xff000000, MEMMAP_RESERVED);
	memmap_add(&map6g, 0xfffc0000, 0x100000000, MEMMAP_RESERVED);
	memmap_add(&map6g, 0x100000000, 0x1c0000000, MEMMAP_RAM);
}

/* What the glue passes: the pmm's boot reservations. */
static const struct range avoid512[] = {
	{ 0, 0x100000, "low memory" },
	{ 0x200000, 0x2d7000, "kernel image" },
	{ 0x1914d0, 0x191b50, "multiboot2 info" },
	{ 0x2d7000, 0x391108, "boot module" },
	{ 0x1ffd8000, 0x1ffe0000, "frame bitmap" },
};
static const struct range avoid6g[] = {
	{ 0, 0x100000, "low memory" },
	{ 0x200000, 0x2d7000, "kernel image" },
	{ 0xbffa8000, 0xbffe0000, "frame bitmap" },
};
#define N512 (unsigned)(sizeof(avoid512) / sizeof(avoid512[0]))
#define N6G (unsigned)(sizeof(avoid6g) / sizeof(avoid6g[0]))

static int place(const struct memmap *m, const struct range *a, unsigned n,
		 uint64_t size, paddr_t offset, paddr_t *base, char *why)
{
	why[0] = '\0';
	return crashkernel_place(m, a, n, size, offset, base, why, 256);
}

TEST(crashkernel_place_top_down_512M)
{
	char why[256];
	paddr_t base = 0;

	make_maps();
	/* Highest 2 MiB-aligned 64 MiB below the frame bitmap. */
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M, 0, &base, why), 0);
	CHECK_EQ(base, 0x1be00000);
	CHECK_EQ(crashkernel_place(&map512, avoid512, N512, 128 * M, 0, &base, NULL, 0), 0);
	CHECK_EQ(base, 0x17e00000);
	/* Exact sizes are kept: 4 KiB multiples that are not 2 MiB ones. */
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M + 4096, 0, &base, why), 0);
	CHECK_EQ(base, 0x1be00000);
	CHECK(base + 64 * M + 4096 <= 0x1ffd8000);
	CHECK_EQ(place(&map512, avoid512, N512, 0x1ffd8000 - 0x1be00000 + 4096, 0, &base, why), 0);
	CHECK_EQ(base, 0x1bc00000);		/* one page more: one step down */
}

TEST(crashkernel_place_top_down_6G)
{
	char why[256];
	paddr_t base = 0;

	make_maps();
	/* RAM above 4 GiB is never chosen: the window stays multiboot2-reachable. */
	CHECK_EQ(place(&map6g, avoid6g, N6G, 128 * M, 0, &base, why), 0);
	CHECK_EQ(base, 0xb7e00000);
	CHECK_EQ(place(&map6g, avoid6g, N6G, 2 * G, 0, &base, why), 0);
	CHECK_EQ(base, 0x3fe00000);
	CHECK(base % (2 * M) == 0 && base + 2 * G <= 4 * G);
	/* More than all RAM below 4 GiB: no room, though 6 GiB exist. */
	CHECK_EQ(place(&map6g, avoid6g, N6G, 3 * G, 0, &base, why), -E_NOSPC);
	CHECK(strstr(why, "no room for 3 GiB"));
}

TEST(crashkernel_place_avoid_list_honoured)
{
	const struct range extra[] = {
		{ 0, 0x100000, "low memory" },
		{ 0x1c000000, 0x1c001000, "boot module" },	/* inside the first choice */
		{ 0x1ffd8000, 0x1ffe0000, "frame bitmap" },
	};
	char why[256];
	paddr_t base = 0;

	make_maps();
	CHECK_EQ(place(&map512, extra, 3, 64 * M, 0, &base, why), 0);
	CHECK_EQ(base, 0x18000000);		/* just below the module */
	/* Every choice, for many sizes, is aligned, in RAM, below 4 GiB, clear. */
	for (uint64_t size = 4096; size < 500 * M; size += 7 * M + 4096) {
		CHECK_EQ(place(&map512, avoid512, N512, size, 0, &base, why), 0);
		CHECK(base % (2 * M) == 0);
		CHECK(memmap_covers(&map512, base, base + size, MEMMAP_RAM));
		for (unsigned i = 0; i < N512; i++)
			CHECK(base + size <= avoid512[i].start || avoid512[i].end <= base);
	}
}

TEST(crashkernel_place_no_room)
{
	char why[256];
	paddr_t base = 0x1234;

	make_maps();
	CHECK_EQ(place(&map512, avoid512, N512, 600 * M, 0, &base, why), -E_NOSPC);
	CHECK_EQ(base, 0x1234);
	/* [0x400000, 0x1ffd8000): above the module, below the bitmap. */
	CHECK_STR(why, "no room for 600 MiB: the largest 2 MiB-aligned window in System RAM "
		  "below 4 GiB, clear of the kernel and boot data, is 507.8 MiB");
	CHECK_EQ(place(&map512, avoid512, N512, 0x1fbd8000, 0, &base, why), 0);
	CHECK_EQ(base, 0x400000);
	CHECK_EQ(place(&map512, avoid512, N512, 0x1fbd8000 + 4096, 0, &base, why), -E_NOSPC);
}

TEST(crashkernel_place_size_checks)
{
	struct range many[CRASHKERNEL_AVOID_MAX + 1] = { { 0, 0x100000, NULL } };
	char why[256];
	paddr_t base;

	make_maps();
	CHECK_EQ(place(&map512, avoid512, N512, 0, 0, &base, why), -E_INVAL);
	CHECK(strstr(why, "the size is 0"));
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M + 1, 0, &base, why), -E_INVAL);
	CHECK(strstr(why, "67108865 bytes is not a multiple of 4 KiB"));
	CHECK_EQ(place(&map512, avoid512, N512, 1000, 16 * M, &base, why), -E_INVAL);
	CHECK_EQ(place(&map512, many, CRASHKERNEL_AVOID_MAX + 1, 64 * M, 0, &base, why),
		 -E_INVAL);
	CHECK_EQ(place(&map512, many, CRASHKERNEL_AVOID_MAX, 64 * M, 0, &base, why), 0);
}

TEST(crashkernel_place_offset)
{
	char why[256];
	paddr_t base = 0;

	make_maps();
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M, 16 * M, &base, why), 0);
	CHECK_EQ(base, 16 * M);
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M, 0x1000, &base, why), -E_ALIGN);
	CHECK_STR(why, "the offset 0x1000 is not a multiple of 2 MiB");
	CHECK_EQ(place(&map512, avoid512, N512, 64 * M, 17 * M, &base, why), -E_ALIGN);
	/* On the kernel image: named. */
	CHECK_EQ(place(&map512, avoid512, N512, 2 * M, 2 * M, &base, why), -E_BUSY);
	CHECK(strstr(why, "overlaps the kernel image [0x0000000000200000, 0x00000000002d7000)"));
	/* Over the frame bitmap at the top of RAM. */
	CHECK_EQ(place(&map512, avoid512, N512, 0x1e0000, 0x1fe00000, &base, why), -E_BUSY);
	CHECK(strstr(why, "frame bitmap"));
	/* Past the end of RAM, into the reserved range. */
	CHECK_EQ(place(&map512, avoid512, N512, 4 * M, 0x1fe00000, &base, why), -E_RANGE);
	CHECK(strstr(why, "[0x000000001fe00000, 0x0000000020200000) 4 MiB is not inside one "
		      "System RAM range"));
	/* In a hole, above 4 GiB, across 4 GiB, wrapping. */
	CHECK_EQ(place(&map6g, avoid6g, N6G, 2 * M, 0xc0000000, &base, why), -E_RANGE);
	CHECK_EQ(place(&map6g, avoid6g, N6G, 64 * M, 0x100000000, &base, why), -E_RANGE);
	CHECK(strstr(why, "ends above 4 GiB"));
	CHECK_EQ(place(&map6g, avoid6g, N6G, 64 * M, 0xfe000000, &base, why), -E_RANGE);
	CHECK_EQ(place(&map6g, avoid6g, N6G, 4 * M, 0xffffffffffe00000ULL, &base, why), -E_RANGE);
	CHECK(strstr(why, "wraps"));
	/* Exactly up to the bitmap: allowed. */
	CHECK_EQ(place(&map6g, avoid6g, N6G, 0xbffa8000 - 0xbfe00000, 0xbfe00000, &base, why), 0);
	CHECK_EQ(base, 0xbfe00000);
}

/* The glue's whole path on the 512M guest's map: value -> window. */
TEST(crashkernel_parse_then_place)
{
	struct crashkernel_request req;
	char why[256];
	paddr_t base = 0;

	make_maps();
	CHECK_EQ(crashkernel_parse(RANGES, memmap_total(&map512, MEMMAP_RAM), &req, why,
				   sizeof(why)), 0);
	CHECK_EQ(req.size, 64 * M);
	CHECK_EQ(place(&map512, avoid512, N512, req.size, req.offset, &base, why), 0);
	CHECK_EQ(base, 0x1be00000);
	CHECK_EQ(crashkernel_parse("64M@0x1000", memmap_total(&map512, MEMMAP_RAM), &req, why,
				   sizeof(why)), 0);
	CHECK_EQ(place(&map512, avoid512, N512, req.size, req.offset, &base, why), -E_ALIGN);
}
