/*
 * Fuzz target: the purgatory relocator (kexec/purgatory_reloc.c), which
 * reads an ELF relocatable object (our purgatory.ro, embedded in the
 * kernel) and applies its RELA sections.  The input's first 8 bytes are
 * the load address; the rest is the object.  Seed: purgatory.ro.
 */
#include <stdlib.h>
#include "kexec/purgatory_reloc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	paddr_t load = fuzz_take(&in, 8) & 0xfffff000ULL;
	struct purgatory_info pi;
	uint64_t v = 0x1122334455667788ULL;
	void *buf;

	if (purgatory_parse(&pi, in.data, in.size) || pi.memsz > (64u << 20))
		return 0;
	buf = calloc(1, pi.memsz ? pi.memsz : 1);
	if (!buf)
		return 0;
	if (purgatory_relocate(&pi, buf, load) == 0) {
		purgatory_set_symbol(&pi, buf, "purgatory_entry32", &v, 4);
		purgatory_get_symbol(&pi, buf, "purgatory_nr_regions", &v, 4);
		purgatory_symbol_addr(&pi, load, "purgatory_start", &load);
	}
	free(buf);
	return 0;
}
