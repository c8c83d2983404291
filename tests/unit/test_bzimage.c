/*
 * Tests of the bzImage loader's pure half (kexec/bzimage.c): every
 * malformed setup header gets its own named refusal (one table row each,
 * on a synthetic image shaped like Debian's cloud kernel); our own
 * build/bzImage passes with the fields mkbzimage.py promised; the
 * boot_params built for it carry our state and read back, through the
 * other direction's parser (boot/bootparams_parse.c), as the same memory
 * map, command line and initrd.
 */
#include <stdlib.h>
#include <string.h>
#include "boot/bootinfo.h"
#include "kexec/bzimage.h"
#include "lib/errno.h"
#include "lib/unaligned.h"
#include "lib/x86.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

#ifndef BZIMAGE_PATH
#define BZIMAGE_PATH "build/bzImage"
#endif

/* A bzImage the way Debian's 6.1 cloud kernel has it (protocol 2.15,
 * setup_sects 39, the header ending at 0x26c), with 64 KiB of "kernel". */
#define SETUP_SECTS 39
#define KERNEL_BYTES 0x10000
#define IMAGE_BYTES ((SETUP_SECTS + 1) * 512 + KERNEL_BYTES)
static uint8_t image[IMAGE_BYTES];

static void put(size_t off, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		image[off + i] = (uint8_t)(v >> (8 * i));
}

static void make_image(void)
{
	memset(image, 0, sizeof(image));
	image[SH_SETUP_SECTS] = SETUP_SECTS;
	put(SH_BOOT_FLAG, 2, BOOT_FLAG_MAGIC);
	put(SH_JUMP, 2, 0x6aeb);			/* jmp over a header ending at 0x26c */
	put(SH_HEADER, 4, BOOT_HDRS_MAGIC);
	put(SH_VERSION, 2, 0x020f);
	image[SH_LOADFLAGS] = LOADED_HIGH;
	put(SH_CODE32_START, 4, 0x100000);
	put(SH_INITRD_ADDR_MAX, 4, 0x7fffffff);
	put(SH_KERNEL_ALIGNMENT, 4, 0x200000);
	image[SH_RELOCATABLE] = 1;
	image[SH_MIN_ALIGNMENT] = 21;
	put(SH_XLOADFLAGS, 2, 0x7f);
	put(SH_CMDLINE_SIZE, 4, 2047);
	put(SH_PREF_ADDRESS, 8, 0x1000000);
	put(SH_INIT_SIZE, 4, 0x3378000);
	put(0x268, 4, 0x12345678);			/* kernel_info_offset (2.15) */
	for (size_t i = (SETUP_SECTS + 1) * 512; i < IMAGE_BYTES; i++)
		image[i] = (uint8_t)(i * 7);
}

struct header_case {
	const char *name;
	size_t at;		/* byte offset in the file */
	unsigned width;
	uint64_t value;
	size_t size;		/* file size to use (0: the whole image) */
	int err;
	const char *why;	/* part of the reason */
};

static const struct header_case cases[] = {
	{ "one sector", 0, 0, 0, 1023, -E_TRUNC, "at least two sectors" },
	{ "no HdrS", SH_HEADER, 4, 0x53726449, 0, -E_NOEXEC, "no \"HdrS\"" },
	{ "no boot flag", SH_BOOT_FLAG, 2, 0x55aa, 0, -E_NOEXEC, "boot flag 0x55aa" },
	{ "protocol 2.11", SH_VERSION, 2, 0x020b, 0, -E_NOTSUP, "boot protocol 2.11" },
	{ "zImage", SH_LOADFLAGS, 1, 0, 0, -E_NOEXEC, "zImage" },
	{ "no 64-bit entry", SH_XLOADFLAGS, 2, 0x7e, 0, -E_NOTSUP, "XLF_KERNEL_64" },
	{ "not above 4G", SH_XLOADFLAGS, 2, 0x7d, 0, -E_NOTSUP, "XLF_CAN_BE_LOADED_ABOVE_4G" },
	{ "not relocatable", SH_RELOCATABLE, 1, 0, 0, -E_NOTSUP, "relocatable_kernel is 0" },
	{ "header ends early", SH_JUMP + 1, 1, 0x60, 0, -E_INVAL, "ends at 0x262" },
	{ "header runs on", SH_JUMP + 1, 1, 0xa0, 0, -E_INVAL, "ends at 0x2a2" },
	{ "setup only", 0, 0, 0, (SETUP_SECTS + 1) * 512, -E_TRUNC, "leave no kernel" },
	{ "setup_sects past the end", SH_SETUP_SECTS, 1, 200, 0, -E_TRUNC, "201 setup sectors" },
	{ "alignment 0", SH_KERNEL_ALIGNMENT, 4, 0, 0, -E_INVAL, "kernel_alignment 0x0" },
	{ "alignment 3 MiB", SH_KERNEL_ALIGNMENT, 4, 0x300000, 0, -E_INVAL, "power of two" },
	{ "alignment 2 KiB", SH_KERNEL_ALIGNMENT, 4, 0x800, 0, -E_INVAL, ">= 4 KiB" },
	{ "init_size too small", SH_INIT_SIZE, 4, KERNEL_BYTES - 1, 0, -E_INVAL, "init_size" },
};

TEST(bzimage_every_malformed_header_is_refused_by_name)
{
	static struct bzimage bz;
	char why[160];

	make_image();
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct header_case *t = &cases[c];
		int err;

		make_image();
		if (t->width)
			put(t->at, t->width, t->value);
		err = bzimage_parse(image, t->size ? t->size : sizeof(image), &bz, why, sizeof(why));
		if (err != t->err || !strstr(why, t->why))
			test_fail(__FILE__, __LINE__, "case '%s': %d '%s'", t->name, err, why);
		CHECK(!test_failed());
	}
	/* setup_sects 0 means 4, as in every loader. */
	make_image();
	image[SH_SETUP_SECTS] = 0;
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	CHECK_EQ(bz.setup_size, 5 * 512);
	/* A file that is no bzImage at all is not probed as one. */
	CHECK(bzimage_probe(image, sizeof(image)));
	CHECK(!bzimage_probe("\177ELF", 4));
	CHECK(!bzimage_probe(image, SH_HEADER + 3));
}

TEST(bzimage_fields_of_a_debian_like_image)
{
	static struct bzimage bz;
	char why[160];

	make_image();
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_EQ(bz.version, 0x020f);
	CHECK_EQ(bz.setup_size, 40 * 512);
	CHECK(bz.kernel == image + 40 * 512);
	CHECK_EQ(bz.kernel_size, KERNEL_BYTES);
	CHECK_EQ(bz.init_size, 0x3378000);
	CHECK_EQ(bz.alignment, 0x200000);
	CHECK_EQ(bz.pref_address, 0x1000000);
	CHECK_EQ(bz.cmdline_size, 2047);
	CHECK_EQ(bz.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(bz.header_end, 0x26c);
}

/* Our build's bzImage: what tools/mkbzimage.py and setup.asm promise. */
TEST(bzimage_our_build_is_a_valid_bzimage)
{
	static struct bzimage bz;
	char why[160];
	size_t len;
	uint8_t *f = test_read_path(BZIMAGE_PATH, &len);

	CHECK_EQ(bzimage_parse(f, len, &bz, why, sizeof(why)), 0);
	CHECK_EQ(bz.version, BOOT_PROTOCOL_OURS);
	CHECK_EQ(bz.header_end, SH_END_2_12);
	CHECK_EQ(bz.setup_size, 1024);
	CHECK_EQ(bz.alignment, 0x200000);
	CHECK_EQ(bz.pref_address, 0x200000);
	CHECK(bz.init_size >= bz.kernel_size + 512 * 1024);	/* .bss is counted */
	CHECK_EQ(bz.init_size % PAGE_SIZE, 0);
	CHECK_EQ(bz.xloadflags & 3, 3);
	CHECK_EQ(f[BP_SENTINEL], 0xff);		/* as Linux's: catches whole-sector copies */
	/* startup_32 and startup_64 begin with a jump (e9: jmp rel32). */
	CHECK_EQ(bz.kernel[0], 0xe9);
	CHECK_EQ(bz.kernel[BOOT_ENTRY64_OFFSET], 0xe9);
	CHECK_EQ(get_unaligned_le32(f + SH_SYSSIZE), (bz.kernel_size + 15) / 16);
	free(f);
}

/* Fake physical memory for the parser: boot_params at BP_PA, the command
 * line right after it, as our loader lays them out. */
#define BP_PA 0x1ffde000ULL
static uint8_t mem[2 * 4096];

static int read_mem(void *ctx, paddr_t pa, void *buf, size_t len)
{
	if (pa < BP_PA || pa + len > BP_PA + sizeof(mem))
		return -E_RANGE;
	memcpy(buf, mem + (pa - BP_PA), len);
	return 0;
}

TEST(bootparams_built_for_linux_read_back_the_same)
{
	static struct bzimage bz;
	static struct memmap map;
	static struct bootinfo bi;
	struct boot_params *bp = (struct boot_params *)mem;
	const char *cmdline = "console=ttyS0 elfcorehdr=0x1fdff000";
	struct bootparams_info in = {
		.memmap = &map, .cmdline_pa = BP_PA + 4096, .initrd_pa = 0x1c5a5000,
		.initrd_size = 0x65a000, .acpi_rsdp_pa = 0,
	};
	char why[160];

	make_image();
	qemu_512m_memmap(&map);
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	memset(mem, 0xaa, sizeof(mem));
	CHECK_EQ(bootparams_build(&bz, &in, bp), 0);
	strcpy((char *)mem + 4096, cmdline);
	/* The header is the file's, from 0x1f1 to its end, but for ours. */
	CHECK(memcmp(mem + SH_SETUP_SECTS, image + SH_SETUP_SECTS,
		     SH_TYPE_OF_LOADER - SH_SETUP_SECTS) == 0);
	CHECK_EQ(bp->hdr.type_of_loader, 0xd0);
	CHECK_EQ(bp->hdr.loadflags, 0);
	CHECK_EQ(bp->hdr.kernel_alignment, 0x200000);
	CHECK_EQ(bp->hdr.init_size, 0x3378000);
	CHECK_EQ(mem[0x268], 0x78);			/* kernel_info_offset copied too */
	CHECK_EQ(mem[0x26c], 0);			/* nothing past the header */
	CHECK_EQ(bp->sentinel, 0);
	CHECK_EQ(bp->hdr.cmd_line_ptr, BP_PA + 4096);
	CHECK_EQ(bp->ext_cmd_line_ptr, 0);
	CHECK_EQ(bp->hdr.ramdisk_image, 0x1c5a5000);
	CHECK_EQ(bp->hdr.ramdisk_size, 0x65a000);
	CHECK_EQ(bp->e820_entries, map.count);
	CHECK_EQ(bp->e820_table[3].addr, 0x100000);
	CHECK_EQ(bp->e820_table[3].size, 0x1ffe0000 - 0x100000);
	CHECK_EQ(bp->e820_table[3].type, 1);
	CHECK_EQ(bp->alt_mem_k, (0x1ffe0000 - 1) / 1024 - 1024);
	CHECK_EQ(bp->ext_mem_k, 0xfc00);

	/* The other direction reads it back. */
	CHECK_EQ(bootparams_parse(mem, BP_PA, read_mem, NULL, &bi), 0);
	CHECK_STR(bi.cmdline, cmdline);
	CHECK_EQ(bi.mmap_count, map.count);
	for (unsigned i = 0; i < map.count; i++) {
		CHECK_EQ(bi.mmap[i].addr, map.range[i].start);
		CHECK_EQ(bi.mmap[i].len, map.range[i].end - map.range[i].start);
		CHECK_EQ(bi.mmap[i].type, map.range[i].type);
	}
	CHECK_EQ(bi.module_count, 1);
	CHECK_EQ(bi.modules[0].start, 0x1c5a5000);
	CHECK_EQ(bi.modules[0].end, 0x1c5a5000 + 0x65a000);
	CHECK_STR(bi.modules[0].cmdline, "initrd");
	CHECK_STR(bi.loader_name, "kexec (Linux boot protocol, type_of_loader 0xd0)");
	CHECK_EQ(bi.info_pa, BP_PA);
	CHECK_EQ(bi.acpi_rsdp_version, 0);

	/* Addresses above 4 GiB go to the ext_ halves. */
	in.cmdline_pa = 0x123456000ULL;
	in.initrd_pa = 0x200000000ULL;
	in.initrd_size = 0x100000001ULL;
	CHECK_EQ(bootparams_build(&bz, &in, bp), 0);
	CHECK_EQ(bp->hdr.cmd_line_ptr, 0x23456000);
	CHECK_EQ(bp->ext_cmd_line_ptr, 1);
	CHECK_EQ(bp->hdr.ramdisk_image, 0);
	CHECK_EQ(bp->ext_ramdisk_image, 2);
	CHECK_EQ(bp->hdr.ramdisk_size, 1);
	CHECK_EQ(bp->ext_ramdisk_size, 1);
}

/* A bzImage whose file holds a setup_data pointer (a loader field) must not
 * pass it on: the new kernel would walk a chain nobody built (found by
 * fuzz_bzimage's round trip through bootparams_parse). */
TEST(bootparams_build_clears_a_stale_setup_data)
{
	static struct bzimage bz;
	static struct memmap map;
	static struct bootinfo bi;
	struct boot_params *bp = (struct boot_params *)mem;
	struct bootparams_info in = { .memmap = &map, .cmdline_pa = BP_PA + 4096 };
	char why[160];

	make_image();
	put(SH_SETUP_DATA, 8, 0x12345000);
	qemu_512m_memmap(&map);
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	memset(mem, 0, sizeof(mem));
	CHECK_EQ(bootparams_build(&bz, &in, bp), 0);
	strcpy((char *)mem + 4096, "console=ttyS0");
	CHECK_EQ(bp->hdr.setup_data, 0);
	CHECK_EQ(bootparams_parse(mem, BP_PA, read_mem, NULL, &bi), 0);
	CHECK_EQ(bi.setup_data_count, 0);
	CHECK_EQ(bi.mmap_count, map.count);
}

TEST(bootparams_build_refuses_a_map_the_zero_page_cannot_hold)
{
	static struct bzimage bz;
	static struct memmap map;
	static struct boot_params bp;
	struct bootparams_info in = { .memmap = &map };
	char why[160];

	make_image();
	CHECK_EQ(bzimage_parse(image, sizeof(image), &bz, why, sizeof(why)), 0);
	memmap_init(&map);
	map.count = BP_E820_MAX + 1;
	CHECK_EQ(bootparams_build(&bz, &in, &bp), -E_2BIG);
	map.count = BP_E820_MAX;
	for (unsigned i = 0; i < map.count; i++)
		map.range[i] = (struct memmap_range){ i * 0x2000ULL, i * 0x2000ULL + 0x1000, 1 };
	CHECK_EQ(bootparams_build(&bz, &in, &bp), 0);
	CHECK_EQ(bp.e820_entries, BP_E820_MAX);
	CHECK_EQ(bp.e820_table[BP_E820_MAX - 1].addr, (BP_E820_MAX - 1) * 0x2000ULL);
}
