/*
 * Tests of the multiboot2 information builder (kexec/mb2_build.c): build
 * an MBI, parse it back with the kernel's own parser (bootinfo_parse) and
 * compare every field; rebuild GRUB's captured MBIs and get GRUB's values
 * back (basic meminfo included); sizes, alignment and refusals.
 */
#include <stdlib.h>
#include <string.h>
#include "boot/bootinfo.h"
#include "kexec/mb2_build.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "mm/memmap.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* An RSDP v2 as SeaBIOS lays it out, with a made-up address. */
static const uint8_t rsdp_v2[36] = {
	'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0x42, 'B', 'O', 'C', 'H', 'S', 0x00, 0x02,
	0x00, 0x10, 0xfe, 0x1f, 36, 0, 0, 0, 0x00, 0x10, 0xfe, 0x1f, 0, 0, 0, 0,
	0x77, 0, 0, 0,
};

static uint64_t mbi_buf[4096 / 8];	/* 8-aligned, as the MBI must be */

/* QEMU's 512M map, plus RAM above 4 GiB so the builder meets a 64-bit range. */
static void qemu_512m(struct memmap *m)
{
	qemu_512m_memmap(m);
	memmap_add(m, 0x100000000ULL, 0x140000000ULL, MEMMAP_RAM);
}

TEST(mb2_build_parses_back_every_field)
{
	static struct memmap m;
	static struct bootinfo bi;
	const struct mb2_build_module mods[] = {
		{ 0x110000, 0x1200d8, "/boot/kernel.elf" },
		{ 0x121000, 0x121000, "empty module arg=1" },
		{ 0x200000, 0x300000, NULL },
	};
	struct mb2_build_info in = {
		.cmdline = "console=ttyS0 loglevel=7 crashkernel=64M",
		.loader_name = "kexec-kernel 0.1.0 kexec",
		.modules = mods,
		.nr_modules = 3,
		.memmap = &m,
		.acpi_old = rsdp_v2,
		.acpi_old_len = 20,
		.acpi_new = rsdp_v2,
		.acpi_new_len = 36,
		.has_load_base = true,
		.load_base_addr = 0x4200000,
	};
	size_t size;

	qemu_512m(&m);
	CHECK_EQ(mb2_build(&in, mbi_buf, sizeof(mbi_buf), &size), 0);
	CHECK_EQ(bootinfo_parse(mbi_buf, size, 0x9000, &bi), 0);
	CHECK_EQ(bi.info_size, size);
	CHECK_EQ(bi.info_pa, 0x9000);
	CHECK_STR(bi.cmdline, in.cmdline);
	CHECK_STR(bi.loader_name, in.loader_name);
	CHECK_EQ(bi.module_count, 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(bi.modules[i].start, mods[i].start);
		CHECK_EQ(bi.modules[i].end, mods[i].end);
		CHECK_STR(bi.modules[i].cmdline, mods[i].cmdline ? mods[i].cmdline : "");
	}
	CHECK(bi.has_meminfo);
	CHECK_EQ(bi.mem_lower_kib, 639);
	CHECK_EQ(bi.mem_upper_kib, (0x1ffe0000 - 0x100000) / 1024);
	CHECK_EQ(bi.mmap_count, m.count);
	for (unsigned i = 0; i < m.count; i++) {
		CHECK_EQ(bi.mmap[i].addr, m.range[i].start);
		CHECK_EQ(bi.mmap[i].len, m.range[i].end - m.range[i].start);
		CHECK_EQ(bi.mmap[i].type, m.range[i].type);
	}
	CHECK_EQ(bi.acpi_rsdp_version, 2);	/* the new one wins */
	CHECK_EQ(bi.acpi_rsdp_len, 36);
	CHECK(memcmp(bi.acpi_rsdp, rsdp_v2, 36) == 0);
	CHECK(bi.has_load_base);
	CHECK_EQ(bi.load_base_addr, 0x4200000);
	/* cmdline, name, 3 modules, meminfo, mmap, 2 ACPI, load base, end. */
	CHECK_EQ(bi.tag_count, 11);
	CHECK_EQ(bi.unknown_tags, 0);
}

/* Every tag 8-aligned, sizes unpadded, padding zero, end tag last. */
TEST(mb2_build_layout_follows_the_spec)
{
	static struct memmap m;
	const struct mb2_build_module mod = { 0x1000, 0x2000, "abc" };
	struct mb2_build_info in = { .cmdline = "x", .loader_name = "kexec", .modules = &mod,
				     .nr_modules = 1, .memmap = &m, .acpi_old = rsdp_v2,
				     .acpi_old_len = 20 };
	const uint8_t *b = (const uint8_t *)mbi_buf;
	size_t size, off = 8;
	uint32_t total, type = 0, tsize = 0;

	qemu_512m(&m);
	memset(mbi_buf, 0xcc, sizeof(mbi_buf));
	CHECK_EQ(mb2_build(&in, mbi_buf, sizeof(mbi_buf), &size), 0);
	memcpy(&total, b, 4);
	CHECK_EQ(total, size);
	CHECK_EQ(size % 8, 0);
	while (off < size) {
		memcpy(&type, b + off, 4);
		memcpy(&tsize, b + off + 4, 4);
		CHECK(tsize >= 8 && off + tsize <= size);
		for (size_t p = off + tsize; p < ALIGN_UP(off + tsize, (size_t)8); p++)
			CHECK_EQ(b[p], 0);
		if (type == MB2_TAG_CMDLINE)
			CHECK_EQ(tsize, 8 + 2);
		if (type == MB2_TAG_MODULE)
			CHECK_EQ(tsize, 16 + 4);
		if (type == MB2_TAG_MMAP) {
			CHECK_EQ(tsize, 16 + 24 * m.count);
			CHECK_EQ(b[off + 8], 24);	/* entry_size */
			CHECK_EQ(b[off + 12], 0);	/* entry_version */
		}
		if (type == MB2_TAG_ACPI_OLD)
			CHECK_EQ(tsize, 8 + 20);
		off += ALIGN_UP((size_t)tsize, (size_t)8);
		if (type == MB2_TAG_END)
			break;
	}
	CHECK_EQ(type, MB2_TAG_END);
	CHECK_EQ(tsize, 8);
	CHECK_EQ(off, size);
}

TEST(mb2_build_size_query_and_small_buffer)
{
	static struct memmap m;
	struct mb2_build_info in = { .cmdline = "hello", .memmap = &m };
	size_t size, size2;

	qemu_512m(&m);
	CHECK_EQ(mb2_build(&in, NULL, 0, &size), 0);
	CHECK_EQ(size, 8 + 16 + 16 + ALIGN_UP(16 + 24 * m.count, 8) + 8);
	memset(mbi_buf, 0xcc, sizeof(mbi_buf));
	CHECK_EQ(mb2_build(&in, mbi_buf, size - 1, &size2), -E_NOSPC);
	CHECK_EQ(size2, size);
	CHECK_EQ(((uint8_t *)mbi_buf)[0], 0xcc);	/* untouched */
	CHECK_EQ(mb2_build(&in, (uint8_t *)mbi_buf + 4, size, &size2), -E_ALIGN);
	CHECK_EQ(mb2_build(&in, mbi_buf, size, &size2), 0);
	CHECK_EQ(((uint8_t *)mbi_buf)[size], 0xcc);	/* nothing past the end */

	/* Nothing asked: header and end tag only. */
	in = (struct mb2_build_info){ 0 };
	CHECK_EQ(mb2_build(&in, mbi_buf, sizeof(mbi_buf), &size), 0);
	CHECK_EQ(size, 16);
}

TEST(mb2_build_refuses_bad_modules)
{
	struct mb2_build_module mod = { 0xfffff000, 0x100001000ULL, "high" };
	struct mb2_build_info in = { .modules = &mod, .nr_modules = 1 };
	size_t size = 1;

	CHECK_EQ(mb2_build(&in, mbi_buf, sizeof(mbi_buf), &size), -E_RANGE);
	CHECK_EQ(size, 0);
	mod = (struct mb2_build_module){ 0x2000, 0x1000, "backwards" };
	CHECK_EQ(mb2_build(&in, NULL, 0, &size), -E_INVAL);
	mod = (struct mb2_build_module){ 0xfffff000, 0x100000000ULL, "ends at 4 GiB" };
	CHECK_EQ(mb2_build(&in, NULL, 0, &size), 0);
}

struct meminfo_case {
	const char *name;
	struct { paddr_t start, end; uint32_t type; } ranges[4];
	int err;
	uint32_t lower, upper;
};

static const struct meminfo_case meminfo_cases[] = {
	{ "qemu", { { 0, 0x9fc00, 1 }, { 0x100000, 0x1ffe0000, 1 } }, 0, 639, 523136 },
	{ "low RAM capped at 640 KiB", { { 0, 16 * MiB, 1 } }, 0, 640, 15 * 1024 },
	{ "no RAM at 0", { { 4 * KiB, 0x9f000, 1 }, { 1 * MiB, 2 * MiB, 1 } }, 0, 0, 1024 },
	{ "1 MiB not RAM", { { 0, 0x9f000, 1 }, { 1 * MiB, 2 * MiB, 2 }, { 2 * MiB, 8 * MiB, 1 } }, 0, 636, 0 },
	{ "upper stops at the first hole", { { 1 * MiB, 3 * GiB, 1 }, { 4 * GiB, 8 * GiB, 1 } }, 0, 0,
	  (3 * GiB - 1 * MiB) / 1024 },
	{ "upper does not fit 32 bits", { { 1 * MiB, 5ULL << 40, 1 } }, -E_RANGE, 0, 0 },
};

TEST(mb2_basic_meminfo_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(meminfo_cases); i++) {
		const struct meminfo_case *c = &meminfo_cases[i];
		static struct memmap m;
		uint32_t lower = 7, upper = 7;
		int err;

		memmap_init(&m);
		for (int k = 0; k < 4 && c->ranges[k].end; k++)
			memmap_add(&m, c->ranges[k].start, c->ranges[k].end, c->ranges[k].type);
		err = mb2_basic_meminfo(&m, &lower, &upper);
		if (err != c->err || (!err && (lower != c->lower || upper != c->upper))) {
			test_fail(__FILE__, __LINE__, "case '%s': %s lower %u upper %u, want %s %u %u",
				  c->name, err_name(err), lower, upper, err_name(c->err), c->lower,
				  c->upper);
			return;
		}
	}
}

/* GRUB's MBI in, ours out: the kernel reads the same things from both. */
static void roundtrip(const char *file)
{
	static struct bootinfo grub, ours;
	static struct memmap m;
	static struct mb2_build_module mods[BOOTINFO_MAX_MODULES];
	struct mb2_build_info in = { 0 };
	size_t len, size;
	void *raw = test_read_file(file, &len);
	void *mbi = aligned_alloc(8, ALIGN_UP(len, 8));

	memcpy(mbi, raw, len);
	CHECK_EQ(bootinfo_parse(mbi, len, 0, &grub), 0);
	memmap_init(&m);
	for (unsigned i = 0; i < grub.mmap_count; i++)
		CHECK_EQ(memmap_add(&m, grub.mmap[i].addr, grub.mmap[i].addr + grub.mmap[i].len,
				    grub.mmap[i].type), 0);
	for (unsigned i = 0; i < grub.module_count; i++)
		mods[i] = (struct mb2_build_module){ grub.modules[i].start, grub.modules[i].end,
						     grub.modules[i].cmdline };
	in.cmdline = grub.cmdline;
	in.loader_name = grub.loader_name;
	in.modules = mods;
	in.nr_modules = grub.module_count;
	in.memmap = &m;
	if (grub.acpi_rsdp_version == 1) {
		in.acpi_old = grub.acpi_rsdp;
		in.acpi_old_len = grub.acpi_rsdp_len;
	}
	in.has_load_base = grub.has_load_base;
	in.load_base_addr = grub.load_base_addr;
	CHECK_EQ(mb2_build(&in, mbi_buf, sizeof(mbi_buf), &size), 0);
	CHECK_EQ(bootinfo_parse(mbi_buf, size, 0, &ours), 0);

	CHECK_STR(ours.cmdline, grub.cmdline);
	CHECK_STR(ours.loader_name, grub.loader_name);
	CHECK_EQ(ours.module_count, grub.module_count);
	CHECK(memcmp(ours.modules, grub.modules, sizeof(grub.modules)) == 0);
	CHECK(grub.has_meminfo && ours.has_meminfo);
	CHECK_EQ(ours.mem_lower_kib, grub.mem_lower_kib);	/* GRUB's own arithmetic */
	CHECK_EQ(ours.mem_upper_kib, grub.mem_upper_kib);
	CHECK_EQ(ours.mmap_count, grub.mmap_count);
	for (unsigned i = 0; i < grub.mmap_count; i++) {
		CHECK_EQ(ours.mmap[i].addr, grub.mmap[i].addr);
		CHECK_EQ(ours.mmap[i].len, grub.mmap[i].len);
		CHECK_EQ(ours.mmap[i].type, grub.mmap[i].type);
	}
	CHECK_EQ(ours.acpi_rsdp_version, grub.acpi_rsdp_version);
	CHECK_EQ(ours.acpi_rsdp_len, grub.acpi_rsdp_len);
	CHECK(memcmp(ours.acpi_rsdp, grub.acpi_rsdp, sizeof(grub.acpi_rsdp)) == 0);
	CHECK_EQ(ours.has_load_base, grub.has_load_base);
	CHECK_EQ(ours.load_base_addr, grub.load_base_addr);
	CHECK_EQ(ours.unknown_tags, 0);
	free(mbi);
	free(raw);
}

TEST(mb2_build_roundtrips_grub_mbi_128m)
{
	roundtrip("mbi-128m.bin");
}

TEST(mb2_build_roundtrips_grub_mbi_512m)
{
	roundtrip("mbi-512m.bin");
}

TEST(mb2_build_roundtrips_grub_mbi_6g)
{
	roundtrip("mbi-6g.bin");
}
