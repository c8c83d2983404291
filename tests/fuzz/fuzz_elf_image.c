/*
 * Fuzz target: the ELF kernel image loader (kexec/elf_image.c): parse,
 * choose a base in a 512 MiB machine's RAM, relocate, stage each segment.
 * Seeds: kernel.elf and mini32.elf from the build.
 */
#include <stdlib.h>
#include "kexec/elf_image.h"
#include "mm/memmap.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	static struct memmap ram;
	char why[256];
	paddr_t base;

	if (elf_image_parse(data, size, &img, why, sizeof(why)))
		return 0;
	memmap_init(&ram);
	memmap_add(&ram, 0, 0x9fc00, MEMMAP_RAM);
	memmap_add(&ram, 0x100000, 0x1ffe0000, MEMMAP_RAM);
	if (elf_image_choose_base(&img, &ram, 0x100000, 0x1ffe0000, NULL, 0, &base) == 0 &&
	    elf_image_relocate(&img, base, why, sizeof(why)) == 0) {
		for (unsigned i = 0; i < img.nr_segments; i++) {
			size_t n = img.segment[i].bufsz;
			void *dst = malloc(n ? n : 1);

			if (dst && !elf_image_segment_buf(&img, i))
				elf_image_stage_segment(&img, i, dst, n);
			free(dst);
		}
	}
	return 0;
}
