/*
 * Fuzz target: the multiboot2 header parser (kexec/mb2_header.c) that
 * kexec -l runs on a kernel image before loading it.  Seeds: the first
 * bytes of kernel.elf and mini32.elf, made by the build.
 */
#include "kexec/mb2_header.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb2_header_info h;
	char why[256];

	mb2_header_parse(data, size, &h, why, sizeof(why));
	return 0;
}
