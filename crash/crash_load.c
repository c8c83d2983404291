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
#include "drivers/timer.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/trampoline_layout.h"
#include "kexec/kexec_load.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

/* The capture kernel's console shows notice and worse (lib/printk.h). */
#define CAPTURE_LOGLEVEL "6"

extern uint8_t crash_notes[NR_CPUS][CRASH_NOTE_BYTES];
extern uint8_t vmcoreinfo_note[VMCOREINFO_NOTE_BYTES];
extern uint8_t crash_prpsinfo_note[PRPSINFO_NOTE_BYTES];

/*
 * The memory below 1 MiB the capture kernel gets and overwrites: a Linux
 * one (a bzImage) the whole first MiB, ours the page the frame allocator
 * keeps for the AP trampoline (pmm_low_page; our other CPUs started from
 * it), so that one booted with nr_cpus=N can start CPUs of its own.  The
 * dump leaves it out.  Linux's kdump passes the capture kernel the first
 * 640 KiB for the same reason.  Empty if pmm kept no low page.
 */
static struct range capture_low_memory(const struct kexec_load *ld)
{
	paddr_t tramp = pmm_low_page();	/* kept for the trampoline, used or not */

	if (kexec_load_takes_low_memory(ld))
		return (struct range){ 0, LOW_MEMORY_END, "first MiB (the capture kernel's)" };
	if (!tramp)
		return (struct range){ 0, 0, NULL };
	return (struct range){ tramp, tramp + TRAMPOLINE_SIZE, "AP trampoline" };
}

static int add_core_header(struct kexec_load *ld)
{
	struct elfcore_note_buf notes[NR_CPUS];
	/* Left out of the dump: the window, and the low memory the capture
	 * kernel was given, which it overwrites. */
	struct range exclude[2] = {
		{ crashk_res.start, crashk_res.end, "crash window" },
		capture_low_memory(ld),
	};
	struct elfcore_params p = {
		.cpu_notes = notes,
		.nr_cpus = NR_CPUS,
		.vmcoreinfo = { virt_to_phys(vmcoreinfo_note), sizeof(vmcoreinfo_note) },
		.prpsinfo = { virt_to_phys(crash_prpsinfo_note), sizeof(crash_prpsinfo_note) },
		/* From the ELF header on (boot/addr.h): the head page before it
		 * is in the RAM PT_LOADs all the same. */
		.kernel_vaddr = (vaddr_t)(uintptr_t)_kernel_headers,
		.kernel_paddr = virt_to_phys(_kernel_headers),
		.kernel_size = (uint64_t)(_kernel_end - _kernel_headers),
		.direct_map_base = DIRECT_MAP_BASE,
		.ram = &firmware_memmap,
		.exclude = exclude,
		.nr_exclude = exclude[1].end > exclude[1].start ? 2 : 1,
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
	if (!err) {
		size_t info_size;

		vmcoreinfo_text(&info_size);
		/* What the capture kernel keeps reserved besides the image:
		 * this header, the VMCOREINFO copy, its multiboot2 page. */
		err = crash_check_window(ld, ALIGN_UP(size, PAGE_SIZE) +
					 ALIGN_UP(info_size, PAGE_SIZE) + PAGE_SIZE);
		if (err)
			return err;
	}
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

/*
 * Ours gets its trampoline page as RAM in its memory map; a Linux one has
 * the whole first MiB there already (its boot_params' e820 table).
 */
static int give_trampoline(struct kexec_load *ld)
{
	struct range low = capture_low_memory(ld);

	if (kexec_load_takes_low_memory(ld) || low.end == low.start)
		return 0;
	return kexec_give_ram(ld, low.start, low.end - low.start);
}

/*
 * The capture kernel runs alone on the CPU that crashed, which is often
 * not the bootstrap processor; kdump's tools add nr_cpus=1 (and
 * disable_cpu_apicid= with the BSP's APIC id, for one that asks for more
 * CPUs: INIT would restart the BSP in the firmware).  A command line that
 * already says how many CPUs is left alone.
 */
static int add_cpu_arguments(struct kexec_load *ld)
{
	const char *cmdline = kexec_load_cmdline(ld);
	int bsp = smp_bsp_cpu();
	char arg[40];
	int err = 0;

	if (!cmdline_has_word(cmdline, "nr_cpus=") && !cmdline_has_word(cmdline, "maxcpus="))
		err = kexec_cmdline_append(ld, "nr_cpus=1");
	if (!err && bsp >= 0 && !cmdline_has_word(cmdline, "disable_cpu_apicid=")) {
		ksnprintf(arg, sizeof(arg), "disable_cpu_apicid=%u", per_cpu[bsp].apic_id);
		err = kexec_cmdline_append(ld, arg);
	}
	return err;
}

/*
 * What makes the capture kernel quick to save: the TSC rate we measured
 * (the same CPU; the capture kernel skips its own five 10 ms windows), and
 * a console that prints only milestones (notice and worse: every line is
 * still in its log ring, `dmesg`), since each byte to the serial port
 * costs the emulated machine most of its boot time.  A loglevel= or quiet
 * of the user's wins, and a bzImage (Linux, most likely) keeps its own
 * console: its log is what its user reads.  Linux: the kdump service
 * appends its own words to the capture kernel's command line the same way.
 */
static int add_capture_options(struct kexec_load *ld)
{
	char arg[48];
	int err = 0;

	if (tsc_khz()) {
		ksnprintf(arg, sizeof(arg), "tsc_early_khz=%llu", (unsigned long long)tsc_khz());
		err = kexec_cmdline_append(ld, arg);
	}
	if (!err && !kexec_load_is_bzimage(ld) &&
	    !cmdline_has_word(kexec_load_cmdline(ld), "loglevel=") &&
	    !cmdline_has_word(kexec_load_cmdline(ld), "quiet"))
		err = kexec_cmdline_append(ld, "loglevel=" CAPTURE_LOGLEVEL);
	return err;
}

int crash_load_segments(struct kexec_load *ld)
{
	size_t size;
	const char *text = vmcoreinfo_text(&size);
	paddr_t pa;
	int err = add_core_header(ld);

	err = err ? err : add_capture_options(ld);
	err = err ? err : kexec_add_blob(ld, text, size, PAGE_SIZE, VMCOREINFO_SAFECOPY_NAME, &pa);
	err = err ? err : kexec_mark_reserved(ld, pa, size);
	err = err ? err : give_trampoline(ld);
	return err ? err : add_cpu_arguments(ld);
}
