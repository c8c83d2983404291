/*
 * Fuzz target: crashkernel= parsing and window placement
 * (crash/crashkernel_parse.c).  Input: 8 bytes of RAM size, 8 of the
 * offset bits, then the value text.  A window placed must lie in RAM,
 * clear of the avoided kernel image.  Seeds: the forms the tests use.
 */
#include <stdlib.h>
#include "crash/crashkernel_parse.h"
#include "mm/memmap.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint64_t ram_size = fuzz_take(&in, 8) & ((1ULL << 40) - 1);
	struct range avoid = { 0x200000, 0x400000, "kernel image" };
	struct crashkernel_request req;
	static struct memmap ram;
	char *value = malloc(in.size + 1), why[256];
	paddr_t base;

	if (!value)
		return 0;
	memcpy(value, in.data, in.size);
	value[in.size] = '\0';
	memmap_init(&ram);
	memmap_add(&ram, 0, 0x9fc00, MEMMAP_RAM);
	if (ram_size > 0x100000)
		memmap_add(&ram, 0x100000, ram_size, MEMMAP_RAM);
	if (crashkernel_parse(value, memmap_total(&ram, MEMMAP_RAM), &req, why, sizeof(why)) == 0 &&
	    req.size && req.size % 4096 == 0 &&
	    crashkernel_place(&ram, &avoid, 1, req.size, req.offset, &base, why, sizeof(why)) == 0) {
		if (!memmap_covers(&ram, base, base + req.size, MEMMAP_RAM) ||
		    (base < avoid.end && avoid.start < base + req.size))
			abort();
	}
	free(value);
	return 0;
}
