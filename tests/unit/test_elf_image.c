/*
 * Tests of the multiboot2 ELF loader's pure half (kexec/elf_image.c): the
 * real kernel.elf of this build, then synthetic ELF64/ELF32 images
 * (fake_elf.h): the load plan (segments, head padding, shared pages,
 * entry), each malformed ELF refused with its named error, every
 * truncation, and placement (memmap_find_hole, choose_base, relocate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/layout.h"
#include "kexec/elf_image.h"
#include "lib/errno.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "tests/unit/fake_elf.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* ------------------------------------------------------- the real kernel */

/* The kernel.elf of the build under test: the Makefile passes its path. */
#ifndef KERNEL_ELF_PATH
#define KERNEL_ELF_PATH "build/kernel.elf"
#endif

static void *read_kernel_elf(size_t *len, char *path, size_t pathlen)
{
	FILE *f;
	void *buf = NULL;
	long n;

	snprintf(path, pathlen, "%s", KERNEL_ELF_PATH);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

TEST(elf_image_real_kernel)
{
	static struct elf_image img;
	static struct memmap ram;
	static const uint32_t want_requests[] = { 1, 2, 3, 4, 6, 14, 15, 21 };
	char path[512], why[256];
	size_t len = 0;
	uint8_t *file = read_kernel_elf(&len, path, sizeof(path));
	paddr_t base;

	if (!file) {
		test_fail(__FILE__, __LINE__, "cannot read %s (build the kernel first)", path);
		return;
	}
	CHECK_EQ(elf_image_parse(file, len, &img, why, sizeof(why)), 0);
	CHECK_EQ(img.elf_class, 64);
	CHECK(img.mb2.relocatable);
	CHECK_EQ(img.mb2.min_addr, KERNEL_LOAD_MIN);
	CHECK_EQ(img.mb2.min_addr, 0x200000);
	CHECK_EQ(img.mb2.max_addr, 0xc0000000);
	CHECK_EQ(img.mb2.align, 0x200000);
	CHECK_EQ(img.mb2.preference, MB2_LOAD_PREFERENCE_LOW);
	CHECK(!img.mb2.has_entry);
	CHECK(img.mb2.module_align);
	CHECK(img.mb2.has_console_flags);
	CHECK(!img.mb2.requests_optional);
	CHECK_EQ(img.mb2.nr_requests, ARRAY_SIZE(want_requests));
	for (unsigned i = 0; i < ARRAY_SIZE(want_requests); i++)
		CHECK_EQ(img.mb2.requests[i], want_requests[i]);
	/* _start is the ELF entry, in the head, which is linked at its
	 * physical address: e_entry is physical (kexec-tools jumps to it as
	 * it is) and translates to itself through the head's PT_LOAD (GRUB's
	 * and our loader's way). */
	CHECK_EQ(img.link_base, 0x200000);
	CHECK_EQ(img.entry_pa, img.e_entry);
	CHECK(img.entry_pa > 0x200000 && img.entry_pa < 0x201000);
	CHECK_EQ(img.load[0].vaddr, img.load[0].paddr);
	CHECK(img.nr_segments >= 1);
	for (unsigned i = 0; i < img.nr_segments; i++) {
		const struct elf_image_segment *s = &img.segment[i];
		uint8_t *stage = malloc(s->bufsz + 1);
		const uint8_t *direct = elf_image_segment_buf(&img, i);

		CHECK(IS_ALIGNED(s->mem, PAGE_SIZE) && IS_ALIGNED(s->memsz, PAGE_SIZE));
		CHECK(s->bufsz <= s->memsz);
		CHECK(direct != NULL);		/* linked page-aligned: zero copy */
		CHECK_EQ(elf_image_stage_segment(&img, i, stage, s->bufsz), 0);
		CHECK(memcmp(stage, direct, s->bufsz) == 0);
		free(stage);
	}

	/* GRUB's choice in QEMU, a crashkernel-like window, and a move. */
	qemu_512m_memmap(&ram);
	CHECK_EQ(elf_image_choose_base(&img, &ram, 0, ~0ULL, NULL, 0, &base), 0);
	CHECK_EQ(base, 0x200000);
	CHECK_EQ(elf_image_choose_base(&img, &ram, 0x10000000, 0x14000000, NULL, 0, &base), 0);
	CHECK_EQ(base, 0x10000000);
	CHECK_EQ(elf_image_relocate(&img, base, why, sizeof(why)), 0);
	CHECK_EQ(img.load_base, 0x10000000);
	CHECK_EQ(img.entry_pa, 0x10000000 + (img.e_entry - KERNEL_LINK_PHYS));
	CHECK_EQ(img.segment[0].mem, 0x10000000);
	CHECK_EQ(elf_image_relocate(&img, 0x10100000, why, sizeof(why)), -E_ALIGN);
	CHECK_EQ(elf_image_relocate(&img, 0xc0000000, why, sizeof(why)), -E_RANGE);
	CHECK_EQ(img.load_base, 0x10000000);		/* unchanged on failure */
	free(file);
}

TEST(elf_image_synthetic_elf64_plan)
{
	static struct elf_image img;
	struct fake fk;
	char why[256];

	fake_default(&fk, 64);
	CHECK_EQ(fake_parse(&fk, &img, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_EQ(img.elf_class, 64);
	CHECK_EQ(img.nr_loads, 2);
	CHECK_EQ(img.link_base, 0x100000);
	CHECK_EQ(img.link_end, 0x104000);
	CHECK_EQ(img.entry_pa, 0x100040);	/* e_entry through its PT_LOAD */
	CHECK(!img.mb2.relocatable);
	CHECK_EQ(img.mb2.offset, 0x1000);
	CHECK_EQ(img.mb2.nr_requests, 2);
	CHECK_EQ(img.nr_segments, 2);
	CHECK_EQ(img.segment[0].mem, 0x100000);
	CHECK_EQ(img.segment[0].memsz, 0x1000);
	CHECK_EQ(img.segment[0].bufsz, 0x1000);
	CHECK_EQ(img.segment[1].mem, 0x101000);
	CHECK_EQ(img.segment[1].memsz, 0x3000);
	CHECK_EQ(img.segment[1].bufsz, 0x800);	/* the .bss is not staged */
	CHECK(elf_image_segment_buf(&img, 0) == fake_buf + 0x1000);
	CHECK(elf_image_segment_buf(&img, 1) == fake_buf + 0x2000);
	CHECK(elf_image_segment_buf(&img, 2) == NULL);
	/* Not relocatable: only its link base will do. */
	CHECK_EQ(elf_image_relocate(&img, 0x100000, why, sizeof(why)), 0);
	CHECK_EQ(elf_image_relocate(&img, 0x200000, why, sizeof(why)), -E_NOTSUP);
	CHECK(strstr(why, "not relocatable"));
}

/* ELF32 whose data shares a page with the text, and a text that starts
 * mid-page: one segment, staged with head padding and a zero gap. */
TEST(elf_image_synthetic_elf32_shared_page)
{
	static struct elf_image img;
	static uint8_t stage[0x4000];
	struct fake fk;
	char why[256];

	fake_default(&fk, 32);
	fk.load[0] = (struct fake_load){ 0x1000, 0xc0100200, 0x100200, 0xa00, 0xa00 };
	fk.load[1] = (struct fake_load){ 0x1c00, 0xc0100e00, 0x100e00, 0x100, 0x2000 };
	fk.entry = 0xc0100210;
	CHECK_EQ(fake_parse(&fk, &img, why, sizeof(why)), 0);
	CHECK_EQ(img.elf_class, 32);
	CHECK_EQ(img.entry_pa, 0x100210);
	CHECK_EQ(img.nr_segments, 1);
	CHECK_EQ(img.segment[0].mem, 0x100000);
	CHECK_EQ(img.segment[0].memsz, 0x3000);
	CHECK_EQ(img.segment[0].bufsz, 0xf00);
	CHECK_EQ(img.segment[0].nr_loads, 2);
	CHECK(elf_image_segment_buf(&img, 0) == NULL);	/* must be staged */
	CHECK_EQ(elf_image_stage_segment(&img, 0, stage, 0xeff), -E_NOSPC);
	CHECK_EQ(elf_image_stage_segment(&img, 1, stage, sizeof(stage)), -E_INVAL);
	memset(stage, 0xcc, sizeof(stage));
	CHECK_EQ(elf_image_stage_segment(&img, 0, stage, sizeof(stage)), 0);
	for (size_t i = 0; i < 0x200; i++)
		CHECK_EQ(stage[i], 0);				/* head padding */
	CHECK(memcmp(stage + 0x200, fake_buf + 0x1000, 0xa00) == 0);
	for (size_t i = 0xc00; i < 0xe00; i++)
		CHECK_EQ(stage[i], 0);				/* gap between the two */
	CHECK(memcmp(stage + 0xe00, fake_buf + 0x1c00, 0x100) == 0);
	CHECK_EQ(stage[0xf00], 0xcc);				/* nothing past bufsz */
}

TEST(elf_image_entry_and_relocatable_tags)
{
	static struct elf_image img;
	static struct memmap ram;
	const uint32_t entry[] = { 0x100080 };
	const uint32_t reloc[] = { 0x100000, 0x1000000, 0x100000, MB2_LOAD_PREFERENCE_HIGH };
	struct fake fk;
	char why[256];
	paddr_t base;

	fake_default(&fk, 64);
	fake_tag(&fk, 3, 0, 1, entry);
	fake_tag(&fk, 10, 0, 4, reloc);
	CHECK_EQ(fake_parse(&fk, &img, why, sizeof(why)), 0);
	CHECK(img.mb2.has_entry);
	CHECK_EQ(img.entry_pa, 0x100080);	/* the tag wins over e_entry */
	CHECK(img.mb2.relocatable);
	/* Highest 1 MiB-aligned place for 16 KiB ending by 16 MiB. */
	qemu_512m_memmap(&ram);
	CHECK_EQ(elf_image_choose_base(&img, &ram, 0, ~0ULL, NULL, 0, &base), 0);
	CHECK_EQ(base, 0xf00000);
	CHECK_EQ(elf_image_relocate(&img, base, why, sizeof(why)), 0);
	CHECK_EQ(img.entry_pa, 0xf00080);
	CHECK_EQ(img.segment[0].mem, 0xf00000);
	CHECK_EQ(img.segment[1].mem, 0xf01000);
	CHECK_EQ(img.segment[1].link_mem, 0x101000);
	/* Inside the tag's range, aligned, or refused. */
	CHECK_EQ(elf_image_relocate(&img, 0x180000, why, sizeof(why)), -E_ALIGN);
	CHECK_EQ(elf_image_relocate(&img, 0x1000000, why, sizeof(why)), -E_RANGE);
	CHECK(strstr(why, "outside [0x00100000, 0x01000000)"));
	CHECK_EQ(elf_image_relocate(&img, 0x100000, why, sizeof(why)), 0);
	CHECK_EQ(img.entry_pa, 0x100080);
	/* A window and a range to avoid. */
	{
		const struct range avoid[] = { { 0x700000, 0x900000, NULL } };

		CHECK_EQ(elf_image_choose_base(&img, &ram, 0, 0x900000, avoid, 1, &base), 0);
		CHECK_EQ(base, 0x600000);
		CHECK_EQ(elf_image_choose_base(&img, &ram, 0x2000000, ~0ULL, NULL, 0, &base), -E_NOSPC);
	}
}

/* ------------------------------------------------------ malformed ELFs */

static void p_magic(uint8_t *f) { f[1] = 'X'; }
static void p_class(uint8_t *f) { f[4] = 3; }
static void p_big_endian(uint8_t *f) { f[5] = 2; }
static void p_dyn(uint8_t *f) { put16(f + 16, 3); }
static void p_machine(uint8_t *f) { put16(f + 18, 3); }
static void p_machine64(uint8_t *f) { put16(f + 18, 62); }
static void p_phentsize(uint8_t *f) { put16(f + 54, 64); }
static void p_phoff(uint8_t *f) { put64(f + 32, ~0ULL - 8); }

static void m_truncated_ehdr(struct fake *fk) { fk->size = 40; }
static void m_tiny(struct fake *fk) { fk->size = 3; }
static void m_truncated_load(struct fake *fk) { fk->size = 0x2400; }
static void m_phdrs_past_end(struct fake *fk) { fk->nr_loads = 2; fk->size = 64 + 56 + 20; fk->mb2_off = 0; }
static void m_filesz_gt_memsz(struct fake *fk) { fk->load[1].memsz = 0x400; }
static void m_wraps(struct fake *fk) { fk->load[1].paddr = 0xfffffffffffff000ULL; }
static void m_above_4g(struct fake *fk) { fk->load[1].paddr = 0xffffe000ULL; }
static void m_overlap(struct fake *fk) { fk->load[1].paddr = 0x100800; }
static void m_no_phdrs(struct fake *fk) { fk->nr_loads = 0; }
static void m_no_loads(struct fake *fk) { fk->load_type[0] = 4; fk->load[1].memsz = fk->load[1].filesz = 0; }
static void m_entry_outside(struct fake *fk) { fk->entry = 0x1234; }

static void m_many_loads(struct fake *fk)
{
	fk->nr_loads = 17;
	for (unsigned i = 0; i < 17; i++)
		fk->load[i] = (struct fake_load){ 0x1000, 0xffffffff80100000ULL + i * 0x1000,
						  0x100000 + i * 0x1000, 0x100, 0x1000 };
}

static void m_reloc_unaligned_link(struct fake *fk)
{
	fk->load[0].paddr = 0x100200;
	fk->load[0].vaddr += 0x200;
	fk->load[0].filesz = fk->load[0].memsz = 0xe00;
	fk->entry = fk->load[0].vaddr;
	fake_tag(fk, 10, 0, 4, (const uint32_t[]){ 0x100000, 0x1000000, 0x1000, 1 });
}

static void m_nothing(struct fake *fk) { }
static void m_elf32(struct fake *fk) { fake_default(fk, 32); }

static const struct bad_case elf_cases[] = {
	{ "truncated ELF header", m_truncated_ehdr, -E_TRUNC, "ELF header truncated", NULL },
	{ "3 bytes", m_tiny, -E_NOEXEC, "not an ELF file", NULL },
	{ "program headers past the end", m_phdrs_past_end, -E_TRUNC, "program headers at 0x40", NULL },
	{ "PT_LOAD bytes past the end", m_truncated_load, -E_TRUNC, "program header 1: file bytes", NULL },
	{ "p_filesz > p_memsz", m_filesz_gt_memsz, -E_INVAL, "p_filesz 0x800 > p_memsz 0x400", NULL },
	{ "paddr + memsz wraps", m_wraps, -E_RANGE, "wraps", NULL },
	{ "above 4 GiB", m_above_4g, -E_RANGE, "above 4 GiB", NULL },
	{ "PT_LOADs overlap", m_overlap, -E_OVERLAP, "overlaps PT_LOAD at 0x0000000000100800", NULL },
	{ "no program headers", m_no_phdrs, -E_NOEXEC, "no program headers", NULL },
	{ "no PT_LOAD with bytes", m_no_loads, -E_NOEXEC, "no loadable (PT_LOAD) program header", NULL },
	{ "17 PT_LOADs", m_many_loads, -E_2BIG, "more than 16 PT_LOAD", NULL },
	{ "entry in no PT_LOAD", m_entry_outside, -E_NOEXEC, "entry point 0x1234 is in no PT_LOAD", NULL },
	{ "relocatable: link base mid-page", m_reloc_unaligned_link, -E_NOTSUP, "not a page boundary", NULL },
	{ "not ELF", m_nothing, -E_NOEXEC, "not an ELF file", p_magic },
	{ "ELF class 3", m_nothing, -E_NOEXEC, "ELF class 3", p_class },
	{ "big endian", m_nothing, -E_NOEXEC, "want little endian", p_big_endian },
	{ "ET_DYN", m_nothing, -E_NOEXEC, "ELF type 3 is not an executable (ET_EXEC)", p_dyn },
	{ "ELF64 for i386", m_nothing, -E_NOEXEC, "ELF64 machine 3: want EM_X86_64 (62)", p_machine },
	{ "ELF32 for x86-64", m_elf32, -E_NOEXEC, "ELF32 machine 62: want EM_386 (3)", p_machine64 },
	{ "e_phentsize", m_nothing, -E_INVAL, "program header size 64, want 56", p_phentsize },
	{ "e_phoff overflows", m_nothing, -E_TRUNC, "run past the end of the file", p_phoff },
	{ "control: the default image parses", m_nothing, 0, "", NULL },
	{ "control: the ELF32 image parses", m_elf32, 0, "", NULL },
};

TEST(elf_image_malformed_table)
{
	fake_run_bad_cases(elf_cases, ARRAY_SIZE(elf_cases));
}

/* Every truncation of a valid image is refused (or parses, if the cut
 * leaves everything it needs), and never reads past the end (ASan). */
TEST(elf_image_every_truncation)
{
	static struct elf_image img;
	struct fake fk;
	size_t size;

	fake_default(&fk, 64);
	size = fake_make(fake_buf, sizeof(fake_buf), &fk);
	/* The last byte anything needs: the end of PT_LOAD 1's file bytes. */
	for (size_t n = 0; n < size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int err;

		memcpy(copy, fake_buf, n);
		err = elf_image_parse(copy, n, &img, NULL, 0);
		free(copy);
		if (n >= 0x2800)
			CHECK_EQ(err, 0);
		else if (err != -E_TRUNC && err != -E_NOEXEC)
			CHECK_EQ(n, -1);	/* name the length that slipped through */
	}
}

/* ------------------------------------------------------------- placement */

struct hole_case {
	const char *name;
	paddr_t lo, hi;
	struct range avoid[3];
	uint64_t size, align;
	bool top_down;
	int err;
	paddr_t base;
};

static const struct hole_case hole_cases[] = {
	{ "lowest", 0, ~0ULL, { { 0 } }, 0x1000, 0x1000, false, 0, 0 },
	{ "highest", 0, ~0ULL, { { 0 } }, 0x1000, 0x1000, true, 0, 0x1ffdf000 },
	{ "too big for low memory", 0, ~0ULL, { { 0 } }, 0xa0000, 0x1000, false, 0, 0x100000 },
	{ "aligned up", 0x100001, ~0ULL, { { 0 } }, 0x1000, 0x200000, false, 0, 0x200000 },
	{ "aligned down", 0, 0x1ffdffff, { { 0 } }, 0x1000, 0x200000, true, 0, 0x1fe00000 },
	{ "avoid one", 0x100000, ~0ULL, { { 0x100000, 0x180000, NULL } },
	  0x1000, 0x1000, false, 0, 0x180000 },
	{ "avoid a chain", 0x100000, ~0ULL, { { 0x200000, 0x300000, NULL }, { 0x100000, 0x200800, NULL } },
	  0x1000, 0x1000, false, 0, 0x300000 },
	{ "avoid from the top", 0, 0x1000000, { { 0xf00000, 0x1000000, NULL } },
	  0x100000, 0x100000, true, 0, 0xe00000 },
	{ "window", 0x4000000, 0x8000000, { { 0 } }, 0x2000000, 0x1000, true, 0, 0x6000000 },
	{ "window exactly full", 0x4000000, 0x6000000, { { 0 } }, 0x2000000, 0x1000, false, 0, 0x4000000 },
	{ "window one byte short", 0x4000000, 0x5ffffff, { { 0 } }, 0x2000000, 0x1000, false, -E_NOSPC, 0 },
	{ "not across a hole", 0x90000, 0x110000, { { 0 } }, 0x20000, 0x1000, false, -E_NOSPC, 0 },
	{ "avoided everywhere", 0x100000, 0x200000, { { 0x100000, 0x200000, NULL } },
	  0x1000, 0x1000, true, -E_NOSPC, 0 },
	{ "nothing above RAM", 0x20000000, ~0ULL, { { 0 } }, 0x1000, 0x1000, false, -E_NOSPC, 0 },
	{ "size 0", 0, ~0ULL, { { 0 } }, 0, 0x1000, false, -E_INVAL, 0 },
	{ "align not a power of two", 0, ~0ULL, { { 0 } }, 0x1000, 0x3000, false, -E_INVAL, 0 },
	{ "align 0 means 1", 0x100003, ~0ULL, { { 0 } }, 0x10, 0, false, 0, 0x100003 },
};

TEST(memmap_find_hole_table)
{
	static struct memmap ram;

	qemu_512m_memmap(&ram);
	for (size_t i = 0; i < ARRAY_SIZE(hole_cases); i++) {
		const struct hole_case *c = &hole_cases[i];
		unsigned n = 0;
		paddr_t base = 0;
		int err;

		while (n < 3 && c->avoid[n].end)
			n++;
		err = memmap_find_hole(&ram, c->lo, c->hi, c->avoid, n, c->size, c->align,
				       c->top_down, &base);
		if (err != c->err || (!err && base != c->base)) {
			test_fail(__FILE__, __LINE__, "case '%s': %s 0x%llx, want %s 0x%llx", c->name,
				  err_name(err), (unsigned long long)base, err_name(c->err),
				  (unsigned long long)c->base);
			return;
		}
	}
}
