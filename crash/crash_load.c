/*
 * What kdump adds to a kexec -p load: the ELF core header that tells the
 * capture kernel where the old kernel's notes and memory are, a pristine
 * copy of VMCOREINFO, and the elfcorehdr= argument that points at the
 * header.  The kexec loader hands over the load it is building (struct
 * kexec_load) and these are added to it; crashkernel_setup registered
 * crash_load_segments with kexec when it reserved the window.
 * Linux: crash_load_segments() in arch/x86/kernel/crash.c with
 * crash_prepare_elf64_headers() and crash_exclude_mem_range().
 */
#include "boot/addr.h"
#include "boot/layout.h"
#include "crash/crash.h"
#include "crash/elfcore.h"
#include "kernel/percpu.h"
#include "kexec/kexec_load.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

extern uint8_t crash_notes[NR_CPUS][CRASH_NOTE_BYTES];
extern uint8_t vmcoreinfo_note[VMCOREINFO_NOTE_BYTES];

static int add_core_header(struct kexec_load *ld)
{
	struct elfcore_note_buf notes[NR_CPUS];
	struct range exclude[] = {
		{ crashk_res.start, crashk_res.end, "crash window" },
		{ 0, LOW_MEMORY_END, "first MiB (the capture kernel's)" },
	};
	struct elfcore_params p = {
		.cpu_notes = notes,
		.nr_cpus = NR_CPUS,
		.vmcoreinfo = { virt_to_phys(vmcoreinfo_note), sizeof(vmcoreinfo_note) },
		.kernel_vaddr = (vaddr_t)(uintptr_t)_kernel_start,
		.kernel_paddr = virt_to_phys(_kernel_start),
		.kernel_size = (uint64_t)(_kernel_end - _kernel_start),
		.direct_map_base = DIRECT_MAP_BASE,
		.ram = &firmware_memmap,
		.exclude = exclude,
		.nr_exclude = kexec_load_takes_low_memory(ld) ? 2 : 1,
	};
	char arg[48];
	size_t size;
	paddr_t pa;
	void *buf;
	int err;

	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		notes[cpu] = (struct elfcore_note_buf){ virt_to_phys(crash_notes[cpu]),
						        sizeof(crash_notes[cpu]) };
	err = elfcore_build_header(&p, NULL, 0, &size);
	if (!err && !(buf = kexec_scratch(ld, size)))
		err = -E_NOMEM;
	err = err ? err : elfcore_build_header(&p, buf, size, &size);
	if (err) {
		pr_err("kexec: error: cannot build the ELF core header (%s)\n", err_name(err));
		return err;
	}
	err = kexec_add_blob(ld, buf, size, PAGE_SIZE, "ELF core header", &pa);
	/* The capture kernel must not allocate over it (kexec-tools marks it
	 * reserved in the capture kernel's memory map the same way). */
	err = err ? err : kexec_mark_reserved(ld, pa, size);
	if (err)
		return err;
	ksnprintf(arg, sizeof(arg), "elfcorehdr=0x%llx", (unsigned long long)pa);
	return kexec_cmdline_append(ld, arg);
}

int crash_load_segments(struct kexec_load *ld)
{
	size_t size;
	const char *text = vmcoreinfo_text(&size);
	paddr_t pa;
	int err = add_core_header(ld);

	err = err ? err : kexec_add_blob(ld, text, size, PAGE_SIZE, VMCOREINFO_SAFECOPY_NAME, &pa);
	return err ? err : kexec_mark_reserved(ld, pa, size);
}
