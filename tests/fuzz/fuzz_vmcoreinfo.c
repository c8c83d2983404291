/*
 * Fuzz target: VMCOREINFO, the KEY=VALUE text a vmcore carries, as the
 * host tool reads it (tools/vmcore/vmcoreinfo.c): walk every line, look
 * keys up, take numbers, SYMBOL(), SIZE(), OFFSET().  Refusals go
 * through die(), which jumps back here.  Seed: a real VMCOREINFO text
 * (tests/fuzz/corpus/vmcoreinfo/).
 */
#include <setjmp.h>
#include <stdlib.h>
#include "tests/fuzz/fuzz.h"
#include "tools/vmcore/commands.h"
#include "tools/vmcore/util.h"
#include "tools/vmcore/vmcore.h"
#include "tools/vmcore/vmcoreinfo.h"

static jmp_buf back;

/* The tool's main() (vmcore-inspect.c, not linked here) prints usage;
 * a target never passes wrong arguments, but the commands name it. */
void usage_of(const char *command)
{
	die("usage of %s", command);
	abort();
}

static void jump_back(void)
{
	longjmp(back, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "OSRELEASE", "PAGESIZE", "KERNELOFFSET", "PHYS_BASE",
					    "BUILD-ID", "CRASHTIME" };
	struct vmcore vc = { 0 };
	char *text = fuzz_dup(data, size), val[64];	/* exact size: no NUL after it */
	const char *key, *value;
	size_t pos = 0, klen, vlen;
	uint64_t num;

	if (!text)
		return 0;
	vc.vmcoreinfo = text;
	vc.vmcoreinfo_size = size;
	die_hook = jump_back;
	if (setjmp(back) == 0) {
		while (vmcoreinfo_next(&vc, &pos, &key, &klen, &value, &vlen))
			;
		for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			vmcoreinfo_value(&vc, keys[i], val, sizeof(val));
			vmcoreinfo_number_opt(&vc, keys[i], &num);
		}
		vmcoreinfo_symbol(&vc, "kernel_log", "fuzzing");
		vmcoreinfo_size(&vc, "logring", "fuzzing");
		vmcoreinfo_offset(&vc, "log_record.text_len", "fuzzing");
		vmcoreinfo_named_number(&vc, "NR_CPUS", "fuzzing");
	}
	free(text);
	return 0;
}
