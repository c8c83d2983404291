/*
 * Fuzz target: the bzImage setup header check (kexec/bzimage.c), what
 * `kexec -l` of a Linux-format kernel trusts.  An accepted header must
 * describe the file (setup plus kernel inside it, the sizes and alignment
 * it promises), and the boot_params built from it must read back through
 * bootparams_parse as what we put in: the round trip of the Linux boot
 * protocol.  Seeds: the build's bzImage, and small headers (corpus/bzimage/).
 */
#include <stdlib.h>
#include "boot/bootinfo.h"
#include "kexec/bzimage.h"
#include "lib/errno.h"
#include "mm/memmap.h"
#include "tests/fuzz/fuzz.h"

/* The new kernel's "physical memory": its command line at CMDLINE_PA. */
#define CMDLINE_PA 0x1000
static const char cmdline[] = "console=ttyS0 loglevel=7 crashkernel=64M";

static int read_cmdline(void *ctx, paddr_t pa, void *buf, size_t len)
{
	if (pa < CMDLINE_PA || pa - CMDLINE_PA > sizeof(cmdline) ||
	    len > sizeof(cmdline) - (pa - CMDLINE_PA))
		return -E_RANGE;
	memcpy(buf, cmdline + (pa - CMDLINE_PA), len);
	return 0;
}

/* What an accepted header promises about the file. */
static void check_header(const uint8_t *f, size_t size, const struct bzimage *bz)
{
	if (!bzimage_probe(f, size) || bz->file != f || bz->file_size != size)
		abort();
	if (bz->setup_size < 2 * BOOT_SECTOR_SIZE || bz->setup_size % BOOT_SECTOR_SIZE ||
	    bz->setup_size >= size || bz->kernel != f + bz->setup_size ||
	    bz->kernel_size != size - bz->setup_size)
		abort();
	if (bz->header_end < SH_END_2_12 || bz->header_end > BP_HDR_MAX_END ||
	    bz->header_end > bz->setup_size)
		abort();
	if (bz->alignment < 4096 || (bz->alignment & (bz->alignment - 1)) ||
	    bz->init_size < bz->kernel_size || bz->init_size % 4096)
		abort();
	if (bz->version < BOOT_PROTOCOL_MIN_64 ||
	    (bz->xloadflags & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G)) !=
	    (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G))
		abort();
}

/* bootparams_build, then bootparams_parse: the kernel we start must read
 * our memory map and command line, and nothing else. */
static void check_round_trip(const struct bzimage *bz)
{
	static struct boot_params bp;
	static struct bootinfo bi;
	static struct memmap map;
	struct bootparams_info in = { &map, CMDLINE_PA, 0, 0, 0 };
	const uint8_t *raw = (const uint8_t *)&bp;

	memmap_init(&map);
	if (memmap_add(&map, 0, 0x9fc00, MEMMAP_RAM) ||
	    memmap_add(&map, 0xf0000, 0x100000, MEMMAP_RESERVED) ||
	    memmap_add(&map, 0x100000, 0x20000000, MEMMAP_RAM))
		abort();
	if (bootparams_build(bz, &in, &bp))
		abort();
	/* The header is the file's, but for the fields a loader writes. */
	for (size_t off = SH_SETUP_SECTS; off < bz->header_end; off++) {
		bool ours = off == SH_TYPE_OF_LOADER || off == SH_LOADFLAGS ||
			    (off >= SH_RAMDISK_IMAGE && off < SH_RAMDISK_SIZE + 4) ||
			    (off >= SH_CMD_LINE_PTR && off < SH_CMD_LINE_PTR + 4) ||
			    (off >= SH_SETUP_DATA && off < SH_SETUP_DATA + 8);

		if (!ours && raw[off] != bz->file[off])
			abort();
	}
	if (bootparams_parse(&bp, 0x90000, read_cmdline, NULL, &bi) != 0)
		abort();
	if (strcmp(bi.cmdline, cmdline) != 0 || bi.bp_sentinel || bi.module_count ||
	    bi.setup_data_count ||
	    bi.acpi_rsdp_version || bi.mmap_count != map.count ||
	    strncmp(bi.loader_name, "kexec ", 6) != 0)
		abort();
	for (unsigned i = 0; i < map.count; i++)
		if (bi.mmap[i].addr != map.range[i].start ||
		    bi.mmap[i].len != map.range[i].end - map.range[i].start ||
		    bi.mmap[i].type != map.range[i].type)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bzimage bz;
	uint8_t *copy = fuzz_dup(data, size);
	char why[256];

	if (!copy)
		return 0;
	why[0] = 'x';
	if (bzimage_parse(copy, size, &bz, why, sizeof(why)) == 0) {
		if (why[0])
			abort();		/* success leaves no reason behind */
		check_header(copy, size, &bz);
		check_round_trip(&bz);
	} else if (!why[0] || strnlen(why, sizeof(why)) == sizeof(why)) {
		abort();			/* every refusal is named */
	}
	free(copy);
	return 0;
}
