/*
 * Fuzz target: the multiboot2 information parser (boot/bootinfo_parse.c),
 * as GRUB, kexec-tools or our own kexec hand it over.  Seeds: the MBIs
 * captured from real boots (tests/data/mbi-*.bin).  The parser must stay
 * inside the buffer and keep its tables consistent whatever the bytes.
 */
#include <stdlib.h>
#include "boot/bootinfo.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi;
	/* An exact-size, 8-aligned copy: reads past it are ASan reports. */
	void *copy = aligned_alloc(8, (size + 7) & ~(size_t)7);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (bootinfo_parse(copy, size, 0x100000, &bi) == 0) {
		if (bi.mmap_count > BOOTINFO_MAX_MMAP || bi.module_count > BOOTINFO_MAX_MODULES ||
		    strnlen(bi.cmdline, sizeof(bi.cmdline)) == sizeof(bi.cmdline))
			abort();
		for (unsigned i = 0; i < bi.module_count; i++)
			if (bi.modules[i].end < bi.modules[i].start)
				abort();
		bootinfo_find_module(&bi, "/boot/kernel.elf");
	}
	free(copy);
	return 0;
}
