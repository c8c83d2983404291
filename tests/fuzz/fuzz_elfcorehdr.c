/*
 * Fuzz target: the capture kernel's ELF core header reader
 * (crash/vmcore_layout.c): check the header the crashed kernel left,
 * gather its notes (read from "physical memory", which is the input
 * itself, at the address each PT_NOTE names), place the PT_LOADs, read
 * the file through the layout and look up VMCOREINFO keys.  Seed: the
 * headers of a real vmcore (made at test time).
 */
#include <stdlib.h>
#include "crash/vmcore_layout.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcore_layout l;
	static uint8_t notes[VMCORE_NOTE_MAX];
	uint8_t *copy = fuzz_dup(data, size), out[512];
	struct fuzz_phys p = { NULL, size };
	struct vmcore_extent e;
	char why[256], val[64];
	const char *text;
	size_t len;

	if (!copy)
		return 0;
	p.data = copy;
	if (vmcore_layout_build(&l, copy, size, notes, sizeof(notes), fuzz_read_phys, &p, why,
				sizeof(why)) == 0) {
		/* Reads of the file at a few places: header, notes, a PT_LOAD, the end. */
		for (uint64_t off = 0; off < 4096 * 4; off += 1500)
			vmcore_read(&l, off, sizeof(out), out, fuzz_read_phys, &p);
		for (uint64_t off = 0; vmcore_extent_at(&l, off, &e) && off < (1ULL << 40);
		     off = e.offset + e.len)
			if (e.len == 0)
				abort();	/* an empty extent would loop for ever */
		if (vmcore_get_vmcoreinfo(&l, &text, &len) == 0)
			vmcore_vmcoreinfo_value(&l, "OSRELEASE", val, sizeof(val));
	}
	free(copy);
	return 0;
}
