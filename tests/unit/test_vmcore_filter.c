/*
 * Tests of dump levels (crash/dump_level.c), the dead frame allocator's
 * checks (crash/dead_frames.c), the page filter (crash/vmcore_filter.c)
 * and the filtered layout (vmcore_layout_filter), on the simulated 512 MiB
 * machine of vmcore_sim.c given a frame allocator built by mm/frames.c,
 * the kernel's own bitmap code: sound, then damaged one way at a time.
 */
#include <stdlib.h>
#include <string.h>
#include "boot/layout.h"
#include "crash/dead_frames.h"
#include "crash/dump_level.h"
#include "crash/vmcore_filter.h"
#include "lib/errno.h"
#include "lib/vsprintf.h"
#include "mm/frames.h"
#include "tests/unit/test.h"
#include "tests/unit/vmcore_sim.h"

#define PG 4096ULL
#define NFRAMES (0x1ffe0000ULL / PG)		/* the sim's RAM ends at 0x1ffe0000 */
#define NWORDS ((NFRAMES + 63) / 64)
#define BITMAP_PA 0x1ffd0000ULL			/* RAM above the window */
#define PMM_PA (KERN_PA + 0x100000)		/* struct frames, in the kernel image */
#define PMM_VA (KERN_VA + 0x100000)
#define DATA_PA 0x3000000ULL			/* allocated frames with data */

static struct {
	struct frames f;		/* the allocator as the dead kernel had it */
	uint8_t *st;			/* its struct in old memory */
	char vi[1024];			/* VMCOREINFO's lines for it */
	size_t vilen;
	uint8_t zero_calls[NFRAMES];	/* page_is_zero calls per frame */
} dead;

static const void *sim_map(void *ctx, paddr_t pa, size_t len)
{
	struct sim *s = ctx;

	for (unsigned i = 0; i < s->n; i++)
		if (pa >= s->r[i].pa && pa + len <= s->r[i].pa + s->r[i].size)
			return s->r[i].bytes + (pa - s->r[i].pa);
	return NULL;
}

static const struct dead_mem mem = { vmc_sim_read, sim_map, &vmc.sim };

/* Write the struct as the dead kernel's memory holds it. */
static void store_struct(void)
{
	struct frames s = dead.f;

	s.used = (uint64_t *)(uintptr_t)(DIRECT_MAP_BASE + BITMAP_PA);
	s.reserved = (uint64_t *)(uintptr_t)(DIRECT_MAP_BASE + BITMAP_PA + NWORDS * 8);
	memcpy(dead.st, &s, sizeof(s));
}

/* Allocate frame pfn (free now). */
static void take(uint64_t pfn)
{
	dead.f.used[pfn / 64] |= 1ULL << (pfn % 64);
	dead.f.free_count--;
}

/* The sim machine, plus its frame allocator in old memory, as pmm_setup
 * would leave it, with some frames allocated (a few holding data). */
static void setup(void)
{
	uint8_t *bitmap;
	size_t pfn;

	vmc_setup();
	memset(&dead, 0, sizeof(dead));
	bitmap = vmc_sim_add(&vmc.sim, BITMAP_PA, frames_bitmap_bytes(NFRAMES), false);
	dead.st = vmc_sim_add(&vmc.sim, PMM_PA, PG, false);
	vmc_sim_add(&vmc.sim, DATA_PA, 3 * PG, true);
	frames_init(&dead.f, bitmap, NFRAMES);
	frames_mark_free(&dead.f, 0, 0x9f);
	frames_mark_free(&dead.f, 0x100, NFRAMES - 0x100);
	frames_mark_reserved(&dead.f, 0, 0x100);				/* low 1 MiB */
	frames_mark_reserved(&dead.f, KERN_PA / PG, 0x4f4 - KERN_PA / PG);	/* the image */
	frames_mark_reserved(&dead.f, WIN_START / PG, (WIN_END - WIN_START) / PG);
	frames_mark_reserved(&dead.f, BITMAP_PA / PG, frames_bitmap_bytes(NFRAMES) / PG);
	for (unsigned i = 0; i < 40; i++)		/* low frames, next-fit */
		frames_alloc(&dead.f, &pfn);
	for (paddr_t pa = DATA_PA; pa < DATA_PA + 3 * PG; pa += PG)
		take(pa / PG);
	store_struct();
	dead.vilen = (size_t)ksnprintf(dead.vi, sizeof(dead.vi),
		"OSRELEASE=0.1.0\nSYMBOL(pmm)=0x%llx\nSIZE(frames)=%zu\nOFFSET(frames.used)=%zu\n"
		"OFFSET(frames.reserved)=%zu\nOFFSET(frames.nframes)=%zu\nOFFSET(frames.nwords)=%zu\n"
		"OFFSET(frames.free_count)=%zu\nOFFSET(frames.reserved_count)=%zu\n",
		(unsigned long long)PMM_VA, sizeof(struct frames), offsetof(struct frames, used),
		offsetof(struct frames, reserved), offsetof(struct frames, nframes),
		offsetof(struct frames, nwords), offsetof(struct frames, free_count),
		offsetof(struct frames, reserved_count));
	vmc_build(vmc.hdr, vmc.hdr_size);
}

static int find(struct dead_frames *df, char *why, size_t whylen)
{
	return dead_frames_find(df, dead.vi, dead.vilen, &vmc.l.phdr[1], vmc.l.nr_loads, &mem, why,
				whylen);
}

TEST(dump_level_parse_and_describe)
{
	unsigned level = 99;
	char why[80], buf[160];

	CHECK_EQ(dump_level_parse("17", &level, why, sizeof(why)), 0);
	CHECK_EQ(level, 17);
	CHECK_EQ(dump_level_parse("0x11", &level, NULL, 0), 0);
	CHECK_EQ(level, 17);
	CHECK_EQ(dump_level_parse("0", &level, NULL, 0), 0);
	CHECK_EQ(level, 0);
	CHECK_EQ(dump_level_parse("32", &level, why, sizeof(why)), -E_RANGE);
	CHECK(strstr(why, "above 31"));
	CHECK_EQ(dump_level_parse("99999999999999999999", &level, why, sizeof(why)), -E_RANGE);
	CHECK_EQ(dump_level_parse("17x", &level, why, sizeof(why)), -E_INVAL);
	CHECK(strstr(why, "'17x' is not a number 0..31"));
	CHECK_EQ(dump_level_parse("", &level, why, sizeof(why)), -E_INVAL);
	CHECK_EQ(dump_level_parse(NULL, &level, why, sizeof(why)), -E_INVAL);
	CHECK_EQ(level, 0);				/* refusals change nothing */
	CHECK_STR(dump_level_describe(0, buf, sizeof(buf)), "nothing");
	CHECK_STR(dump_level_describe(17, buf, sizeof(buf)), "zero pages, free frames");
	CHECK_STR(dump_level_describe(31, buf, sizeof(buf)),
		  "zero pages, cache pages (none here), cache private pages (none here), "
		  "user pages (none here), free frames");
	CHECK_STR(dump_level_describe(16, buf, 6), "free ");	/* cut, terminated */
}

TEST(dead_frames_believes_a_sound_bitmap)
{
	struct dead_frames df;
	char why[160] = "";

	setup();
	CHECK_EQ(find(&df, why, sizeof(why)), 0);
	CHECK_EQ(df.nframes, NFRAMES);
	CHECK_EQ(df.bitmap_pa, BITMAP_PA);
	CHECK_EQ(df.free_count, dead.f.free_count);
	for (uint64_t pfn = 0; pfn < NFRAMES + 100; pfn += 7)
		CHECK_EQ(dead_frames_is_free(&df, pfn), frames_is_free(&dead.f, pfn));
}

/* One kind of damage: a change to the dead allocator, the error it must
 * give, and words the reason must hold. */
struct damage {
	const char *what;
	void (*apply)(void);
	int err;
	const char *why;
};

static void no_symbol(void) { memcpy(strstr(dead.vi, "SYMBOL(pmm)"), "SYMBOL(pmn)", 11); }
static void count_off(void) { dead.f.free_count++; store_struct(); }
static void resv_not_used(void) { dead.f.used[0] &= ~(1ULL << 0x10); dead.f.free_count++; store_struct(); }
static void tail_cleared(void) { dead.f.used[NWORDS - 1] &= ~(~0ULL << 32); dead.f.reserved[NWORDS - 1] &= ~(~0ULL << 32); }
static void nframes_short(void) { dead.f.nframes = 0x1000; dead.f.nwords = 0x40; store_struct(); }
static void nwords_wrong(void) { dead.f.nwords++; store_struct(); }
static void bitmap_in_window(void)
{
	dead.f.used = (uint64_t *)(uintptr_t)(DIRECT_MAP_BASE + WIN_START);
	memcpy(dead.st, &dead.f, sizeof(dead.f));
}

/* Mark frame pfn free without touching reserved, keeping the counts sound. */
static void free_frame(uint64_t pfn)
{
	dead.f.used[pfn / 64] &= ~(1ULL << (pfn % 64));
	dead.f.reserved[pfn / 64] &= ~(1ULL << (pfn % 64));
	dead.f.free_count++;
	dead.f.reserved_count--;
	store_struct();
}

static void image_free(void) { free_frame(KERN_PA / PG + 3); }
static void window_free(void) { free_frame(WIN_START / PG + 5); }
static void hole_free(void) { free_frame(0xa0); }
static void bitmap_free(void) { free_frame(BITMAP_PA / PG + 1); }
static void memset_zero(void)
{
	/* What crash bitmap does: a stray memset over the first 64 MiB's words. */
	memset(dead.f.used, 0, 256 * 8);
}

static const struct damage damages[] = {
	{ "no SYMBOL(pmm)", no_symbol, -E_NOENT, "not this kernel's dump" },
	{ "free_count off by one", count_off, -E_INVAL, "allocator counted" },
	{ "reserved but not used", resv_not_used, -E_INVAL, "reserved but not used" },
	{ "bits past nframes clear", tail_cleared, -E_INVAL, "bits past frame" },
	{ "nframes below RAM's end", nframes_short, -E_RANGE, "the ELF core header has RAM" },
	{ "nwords wrong", nwords_wrong, -E_RANGE, "is not a bitmap" },
	{ "bitmap in the window", bitmap_in_window, -E_RANGE, "not in one RAM PT_LOAD" },
	{ "an image frame free", image_free, -E_INVAL, "kernel image" },
	{ "a window frame free", window_free, -E_INVAL, "crash window" },
	{ "a hole's frame free", hole_free, -E_INVAL, "not RAM" },
	{ "a bitmap frame free", bitmap_free, -E_INVAL, "bitmap's own frames" },
	{ "crash bitmap's memset", memset_zero, -E_INVAL, "reserved but not used" },
};

TEST(dead_frames_refuses_each_kind_of_damage)
{
	for (unsigned i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		const struct damage *d = &damages[i];
		struct dead_frames df;
		char why[160] = "";
		int err;

		setup();
		d->apply();
		err = find(&df, why, sizeof(why));
		if (err != d->err || !strstr(why, d->why))
			test_fail(__FILE__, __LINE__, "%s: got %d '%s', want %d '...%s...'", d->what,
				  err, why, d->err, d->why);
		CHECK(!test_failed());
	}
}

static bool all_zero(paddr_t pa)
{
	static uint8_t page[PG], zero[PG];

	vmc_sim_read(&vmc.sim, pa, page, PG);
	return memcmp(page, zero, PG) == 0;
}

/* The filter's page_is_zero: counts its calls per frame. */
static bool sim_zero(void *ctx, paddr_t pa)
{
	if (pa / PG < NFRAMES && dead.zero_calls[pa / PG] < 255)
		dead.zero_calls[pa / PG]++;
	return all_zero(pa);
}

static void run_filter(struct vmcore_filter *f, unsigned level, const struct dead_frames *df,
		       struct vmcore_run *runs, unsigned max)
{
	memset(dead.zero_calls, 0, sizeof(dead.zero_calls));
	*f = (struct vmcore_filter){ .level = level, .frames = df, .keep_whole_from = KERN_VA,
				     .page_is_zero = sim_zero, .runs = runs, .max_runs = max };
}

/* In a run?  The runs are sorted within each load. */
static bool kept(const struct vmcore_filter *f, paddr_t pa)
{
	for (unsigned i = 0; i < f->nr_runs; i++)
		if (pa >= f->runs[i].start && pa < f->runs[i].end && f->runs[i].load < 3)
			return true;
	return false;
}

TEST(vmcore_filter_leaves_out_exactly_the_classes)
{
	static struct vmcore_run runs[4096];
	static const unsigned levels[] = { 0, 1, 16, 17, 31 };
	struct dead_frames df;
	struct vmcore_filter f;

	setup();
	CHECK_EQ(find(&df, NULL, 0), 0);
	for (unsigned li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		unsigned level = levels[li];
		uint64_t nfree = 0, nzero = 0;

		run_filter(&f, level, &df, runs, 4096);
		CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
		CHECK_EQ(f.pages_merged, 0);
		/* Every whole page of the RAM loads: left out iff its class is on. */
		for (unsigned i = 1; i <= 3; i++) {
			const Elf64_Phdr *ph = &vmc.l.phdr[i];

			for (paddr_t pa = ALIGN_UP(ph->p_paddr, PG);
			     pa + PG <= ph->p_paddr + ph->p_memsz; pa += PG) {
				bool is_free = (level & DUMP_EXCLUDE_FREE) && frames_is_free(&dead.f, pa / PG);
				bool is_zero = !is_free && (level & DUMP_EXCLUDE_ZERO) && all_zero(pa);

				nfree += is_free;
				nzero += is_zero;
				CHECK_EQ(kept(&f, pa), !is_free && !is_zero);
				/* Free frames are never read; the others once at most. */
				CHECK(dead.zero_calls[pa / PG] <= (is_free ? 0 : 1));
			}
		}
		CHECK_EQ(f.pages_free, nfree);
		CHECK_EQ(f.pages_zero, nzero);
		/* The image, kept whole, last. */
		CHECK_EQ(f.runs[f.nr_runs - 1].load, 3);
		CHECK_EQ(f.runs[f.nr_runs - 1].start, KERN_PA);
		CHECK_EQ(f.runs[f.nr_runs - 1].end, KERN_PA + KERN_SIZE);
		if (level == 0)
			CHECK_EQ(f.nr_runs, 4);
	}
	/* Zero pages need a read: at level 1 with the sim's mostly empty RAM,
	 * nearly everything goes; partial pages (0x9f000) stay. */
	run_filter(&f, 1, NULL, runs, 4096);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK(kept(&f, 0x9f000) && kept(&f, 0x9fbff) && kept(&f, DATA_PA + PG));
	CHECK(!kept(&f, 0x5000000));
	/* Free frames asked for with no believed bitmap: nothing goes as free. */
	run_filter(&f, 16, NULL, runs, 4096);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK_EQ(f.pages_free, 0);
	CHECK_EQ(f.nr_runs, 4);
}

TEST(vmcore_filter_merges_to_fit_and_loses_nothing)
{
	static struct vmcore_run runs[16];
	struct dead_frames df;
	struct vmcore_filter f, full;
	static struct vmcore_run full_runs[4096];
	uint64_t covered = 0;

	setup();
	/* Scatter allocations so level 17 wants many runs. */
	for (uint64_t pfn = 0x2000; pfn < 0x2000 + 64 * 40; pfn += 64)
		take(pfn);
	vmc_sim_add(&vmc.sim, 0x2000ULL * PG, 64 * 40 * PG, true);
	store_struct();
	CHECK_EQ(find(&df, NULL, 0), 0);
	run_filter(&full, 17, &df, full_runs, 4096);
	CHECK_EQ(vmcore_filter_run(&full, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK(full.nr_runs > 40);
	run_filter(&f, 17, &df, runs, 16);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK(f.nr_runs <= 16);
	CHECK(f.pages_merged > 0);
	/* What the full filter kept, the merged one keeps too. */
	for (unsigned i = 0; i < full.nr_runs; i++)
		for (paddr_t pa = full.runs[i].start; pa < full.runs[i].end && full.runs[i].load < 3;
		     pa += PG)
			CHECK(kept(&f, pa));
	/* And the counts add up: what went, plus what the runs hold. */
	for (unsigned i = 0; i < f.nr_runs; i++)
		covered += (ALIGN_UP(f.runs[i].end, PG) - ALIGN_DOWN(f.runs[i].start, PG)) / PG;
	CHECK_EQ(covered, f.pages_kept + f.pages_merged);
	CHECK_EQ(f.pages_free + f.pages_zero + f.pages_merged,
		 full.pages_free + full.pages_zero);
	/* Not even one run per load: refused. */
	run_filter(&f, 17, &df, runs, 3);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), -E_INVAL);
	/* One row per load: every load down to one run. */
	run_filter(&f, 17, &df, runs, 4);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK_EQ(f.nr_runs, 4);
}

/* Zero pages by the bytes the dump saves: a page of the first 640 KiB of
 * a Linux dump is read from kexec-tools' backup copy (its p_offset in the
 * ELF core header), not at p_paddr, which the capture kernel reuses. */
static paddr_t asked[8];
static unsigned nasked;

static bool backup_zero(void *ctx, paddr_t src_pa)
{
	if (nasked < 8)
		asked[nasked++] = src_pa;
	return src_pa == 0x10001000;		/* only the backup's second page is zero */
}

TEST(vmcore_filter_reads_zero_pages_where_the_bytes_are)
{
	static const paddr_t backup = 0x10000000;
	const Elf64_Phdr low = { .p_type = PT_LOAD, .p_paddr = 0, .p_vaddr = DIRECT_MAP_BASE,
				 .p_memsz = 4 * PG, .p_filesz = 4 * PG };
	struct vmcore_run runs[4];
	struct vmcore_filter f = { .level = DUMP_EXCLUDE_ZERO, .keep_whole_from = KERN_VA,
				   .src = &backup, .page_is_zero = backup_zero,
				   .runs = runs, .max_runs = 4 };

	nasked = 0;
	CHECK_EQ(vmcore_filter_run(&f, &low, 1), 0);
	CHECK_EQ(nasked, 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(asked[i], backup + i * PG);
	/* The page at p_paddr 0x1000 goes, and only it. */
	CHECK_EQ(f.pages_zero, 1);
	CHECK_EQ(f.nr_runs, 2);
	CHECK_EQ(runs[0].start, 0);
	CHECK_EQ(runs[0].end, PG);
	CHECK_EQ(runs[1].start, 2 * PG);
	CHECK_EQ(runs[1].end, 4 * PG);
	/* No src: each load's bytes at its p_paddr. */
	f.src = NULL;
	nasked = 0;
	CHECK_EQ(vmcore_filter_run(&f, &low, 1), 0);
	CHECK_EQ(asked[1], PG);
	CHECK_EQ(f.pages_zero, 0);
}

TEST(vmcore_layout_filter_file_holds_old_memory)
{
	static struct vmcore_run runs[4096];
	static uint8_t file[8 * 1024 * 1024], want[PG];
	static uint8_t hdr[VMCORE_FILTERED_HDR_SIZE(4096)];
	struct vmcore_layout out;
	struct dead_frames df;
	struct vmcore_filter f;

	setup();
	CHECK_EQ(find(&df, NULL, 0), 0);
	run_filter(&f, 17, &df, runs, 4096);
	CHECK_EQ(vmcore_filter_run(&f, &vmc.l.phdr[1], vmc.l.nr_loads), 0);
	CHECK_EQ(vmcore_layout_filter(&out, &vmc.l, runs, f.nr_runs, vmc.l.notes, vmc.l.notes_size,
				      hdr, VMCORE_FILTERED_HDR_SIZE(f.nr_runs) - 1), -E_NOSPC);
	CHECK_EQ(vmcore_layout_filter(&out, &vmc.l, runs, f.nr_runs, vmc.l.notes, vmc.l.notes_size,
				      hdr, sizeof(hdr)), 0);
	CHECK_EQ(out.ehdr->e_phnum, 1 + f.nr_runs);
	CHECK_EQ(out.nr_loads, f.nr_runs);
	CHECK(out.size <= sizeof(file));
	CHECK_EQ(vmcore_read(&out, 0, out.size, file, vmc_sim_read, &vmc.sim), out.size);
	CHECK(memcmp(file, hdr, out.hdr_size) == 0);
	for (unsigned i = 1; i <= out.nr_loads; i++) {
		const Elf64_Phdr *ph = &out.phdr[i];

		CHECK_EQ(ph->p_offset % PG, ph->p_paddr % PG);
		CHECK_EQ(ph->p_vaddr, i == out.nr_loads ? KERN_VA : DIRECT_MAP_BASE + ph->p_paddr);
		for (uint64_t o = 0; o < ph->p_filesz; o += PG) {
			uint64_t n = MIN(PG, ph->p_filesz - o);

			vmc_sim_read(&vmc.sim, ph->p_paddr + o, want, n);
			CHECK(memcmp(file + ph->p_offset + o, want, n) == 0);
		}
	}
	runs[1].end = vmc.l.phdr[2].p_paddr + vmc.l.phdr[2].p_memsz + PG;	/* past its load */
	runs[1].load = 1;
	CHECK_EQ(vmcore_layout_filter(&out, &vmc.l, runs, f.nr_runs, vmc.l.notes, vmc.l.notes_size,
				      hdr, sizeof(hdr)), -E_INVAL);
	CHECK_EQ(vmcore_layout_filter(&out, &vmc.l, runs, 0, vmc.l.notes, vmc.l.notes_size,
				      hdr, sizeof(hdr)), -E_INVAL);
}
