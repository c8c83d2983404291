/*
 * Fuzz target: Linux's boot_params as our kernel reads it when a Linux
 * boot loader starts it (boot/bootparams_parse.c).  The input is the
 * "physical memory" from address 0 (as for the elfcorehdr target): the
 * zero page is its first 4 KiB, and every pointer in it (command line,
 * setup_data chain, RSDP, initrd) is read back out of the input, which
 * refuses what lies past its end.  Whatever is accepted must be what
 * memory holds there.  Seeds: corpus/bootparams/ (make_synthetic_seeds.py).
 */
#include <stdlib.h>
#include "boot/bootinfo.h"
#include "lib/bootparam.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

/* Does memory hold these len bytes at pa? */
static bool holds(const struct fuzz_phys *p, paddr_t pa, const void *bytes, size_t len)
{
	return pa <= p->size && len <= p->size - pa && memcmp(p->data + pa, bytes, len) == 0;
}

static void check_modules(const struct boot_params *bp, const struct bootinfo *bi)
{
	uint64_t size = bp->hdr.ramdisk_size |
			(bp->sentinel ? 0 : (uint64_t)bp->ext_ramdisk_size << 32);
	const struct bootinfo_module *initrd = &bi->modules[0];

	if (!size) {
		if (bi->module_count)
			abort();
		return;
	}
	if (bi->module_count < 1 || bi->module_count > BOOTINFO_MAX_MODULES ||
	    initrd->end - initrd->start != size || strcmp(initrd->cmdline, "initrd") != 0)
		abort();
	if (bi->initrd_cpio >= 0 ? (unsigned)bi->initrd_cpio != bi->module_count - 1 ||
	    bi->initrd_files != (unsigned)bi->initrd_cpio : bi->module_count != 1)
		abort();
	/* A file of the archive is bytes inside it, named by an absolute path. */
	for (unsigned i = 1; i < bi->module_count; i++) {
		const struct bootinfo_module *m = &bi->modules[i];

		if (m->start < initrd->start || m->end < m->start || m->end > initrd->end ||
		    m->cmdline[0] != '/' ||
		    strnlen(m->cmdline, sizeof(m->cmdline)) == sizeof(m->cmdline))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi;
	static struct boot_params bp;
	uint8_t *copy = fuzz_dup(data, size);
	struct fuzz_phys p = { copy, size };
	uint64_t cmdline;

	if (!copy)
		return 0;
	/* The zero page: the input's first 4 KiB, zeros past its end. */
	memset(&bp, 0, sizeof(bp));
	memcpy(&bp, copy, MIN(size, sizeof(bp)));
	if (bootparams_parse(&bp, 0, fuzz_read_phys, &p, &bi) == 0) {
		if (bp.hdr.header != BOOT_HDRS_MAGIC || bi.bp_sentinel != (bp.sentinel != 0) ||
		    bi.info_size != BP_SIZE || bi.mmap_count > BOOTINFO_MAX_MMAP ||
		    bi.mmap_count < bp.e820_entries || bi.setup_data_count > 64 ||
		    !strstr(bi.loader_name, "Linux boot protocol"))
			abort();
		for (unsigned i = 0; i < bp.e820_entries; i++)
			if (bi.mmap[i].addr != bp.e820_table[i].addr ||
			    bi.mmap[i].len != bp.e820_table[i].size)
				abort();
		for (unsigned i = 0; i < bi.mmap_count; i++)
			if (bi.mmap[i].len > UINT64_MAX - bi.mmap[i].addr)
				abort();
		/* The command line is memory's, whole and terminated. */
		cmdline = bp.hdr.cmd_line_ptr |
			  (bp.sentinel ? 0 : (uint64_t)bp.ext_cmd_line_ptr << 32);
		if (strnlen(bi.cmdline, sizeof(bi.cmdline)) == sizeof(bi.cmdline) ||
		    (cmdline ? !holds(&p, cmdline, bi.cmdline, strlen(bi.cmdline) + 1)
			     : bi.cmdline[0] != '\0'))
			abort();
		if (bi.acpi_rsdp_version &&
		    (bi.acpi_rsdp_len < 20 || bi.acpi_rsdp_len > BOOTINFO_RSDP_MAX ||
		     memcmp(bi.acpi_rsdp, "RSD PTR ", 8) != 0 ||
		     !holds(&p, bi.acpi_rsdp_pa, bi.acpi_rsdp, bi.acpi_rsdp_len)))
			abort();
		check_modules(&bp, &bi);
	}
	free(copy);
	return 0;
}
