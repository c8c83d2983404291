/*
 * The crashing kernel's half of kdump: a crash note per possible CPU,
 * VMCOREINFO (the facts a dump reader needs about this build), and
 * crash_kexec(), the panic path into the capture kernel: it saves its own
 * registers, NMIs every other CPU so each saves its own (the interrupted
 * instruction: an idle loop, a spinning function, another panic) and
 * halts, then jumps.  The note buffers are slots in the order the notes
 * should appear, the crashing CPU's first, so gdb's default thread is the
 * one that crashed; each note names its CPU (pr_pid = CPU + 1).  Nothing
 * here allocates; the panic path only writes into buffers set aside at
 * boot.  Linux: kernel/crash_core.c (__crash_kexec, crash_save_cpu),
 * arch/x86/kernel/crash.c (kdump_nmi_shootdown_cpus, crash_nmi_callback),
 * kernel/vmcore_info.c (crash_save_vmcoreinfo).
 */
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "crash/crash.h"
#include "crash/elfcore.h"
#include "drivers/rtc.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/traps.h"
#include "kernel/version.h"
#include "kexec/kexec_load.h"
#include "lib/errno.h"
#include "lib/logring.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/time.h"
#include "lib/vsprintf.h"
#include "mm/frames.h"
#include "mm/memmap.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/resource.h"

/* Read by the capture kernel through the ELF core header: physical. */
uint8_t crash_notes[NR_CPUS][CRASH_NOTE_BYTES] __attribute__((aligned(8)));
uint8_t vmcoreinfo_note[VMCOREINFO_NOTE_BYTES] __attribute__((aligned(8)));
/* The core's owner (NT_PRPSINFO): written at the panic, for elfutils and gdb. */
uint8_t crash_prpsinfo_note[PRPSINFO_NOTE_BYTES] __attribute__((aligned(8)));

static struct vmcoreinfo vmcoreinfo;

#define VMCOREINFO_SYMBOL(name) \
	vmcoreinfo_append(&vmcoreinfo, "SYMBOL(%s)=0x%llx\n", #name, (unsigned long long)(uintptr_t)&name)
#define VMCOREINFO_SIZE(type) \
	vmcoreinfo_append(&vmcoreinfo, "SIZE(%s)=%zu\n", #type, sizeof(struct type))
#define VMCOREINFO_OFFSET(type, field) \
	vmcoreinfo_append(&vmcoreinfo, "OFFSET(%s.%s)=%zu\n", #type, #field, \
			  offsetof(struct type, field))
#define VMCOREINFO_NUMBER(name, value) \
	vmcoreinfo_append(&vmcoreinfo, "NUMBER(%s)=0x%llx\n", name, (unsigned long long)(value))

extern char _text_start[];

static void vmcoreinfo_log_ring(void)
{
	VMCOREINFO_SYMBOL(kernel_log);
	VMCOREINFO_SYMBOL(log_buf);
	VMCOREINFO_NUMBER("log_buf_len", LOG_BUF_LEN);
	VMCOREINFO_SIZE(logring);
	VMCOREINFO_OFFSET(logring, buf);
	VMCOREINFO_OFFSET(logring, buf_len);
	VMCOREINFO_OFFSET(logring, first_idx);
	VMCOREINFO_OFFSET(logring, next_idx);
	VMCOREINFO_OFFSET(logring, first_seq);
	VMCOREINFO_OFFSET(logring, next_seq);
	VMCOREINFO_SIZE(log_record);
	VMCOREINFO_OFFSET(log_record, ts_nsec);
	VMCOREINFO_OFFSET(log_record, len);
	VMCOREINFO_OFFSET(log_record, text_len);
	VMCOREINFO_OFFSET(log_record, level);
}

/* Enough for a dump reader to draw physical memory: the firmware map and
 * the iomem tree (which holds the kernel, modules and the crash window). */
static void vmcoreinfo_memory_layout(void)
{
	VMCOREINFO_SYMBOL(firmware_memmap);
	VMCOREINFO_SIZE(memmap);
	VMCOREINFO_OFFSET(memmap, count);
	VMCOREINFO_OFFSET(memmap, range);
	VMCOREINFO_SIZE(memmap_range);
	VMCOREINFO_OFFSET(memmap_range, start);
	VMCOREINFO_OFFSET(memmap_range, end);
	VMCOREINFO_OFFSET(memmap_range, type);
	VMCOREINFO_SYMBOL(iomem_resource);
	VMCOREINFO_SYMBOL(crashk_res);
	VMCOREINFO_SIZE(resource);
	VMCOREINFO_OFFSET(resource, start);
	VMCOREINFO_OFFSET(resource, end);
	VMCOREINFO_OFFSET(resource, name);
	VMCOREINFO_OFFSET(resource, parent);
	VMCOREINFO_OFFSET(resource, sibling);
	VMCOREINFO_OFFSET(resource, child);
}

/*
 * The keys that make drgn (libdrgn's drgn_program_parse_vmcoreinfo) treat
 * the file as a kernel core: OSRELEASE and PAGESIZE (above) and
 * SYMBOL(swapper_pg_dir), the top page table, which drgn reads by its
 * virtual address and walks to translate any other.  Our PML4 is a frame
 * from the allocator, not a linked symbol: its direct-map address stands
 * for Linux's symbol.  No KASLR here: KERNELOFFSET is 0, so kernel.elf's
 * addresses are the running ones; 4-level paging.  Linux:
 * arch_crash_save_vmcoreinfo() in arch/x86/kernel/machine_kexec_64.c.
 */
static void vmcoreinfo_for_drgn(void)
{
	vmcoreinfo_append(&vmcoreinfo, "SYMBOL(swapper_pg_dir)=0x%llx\n",
			  (unsigned long long)DIRECT_MAP_BASE + kernel_pt.pml4_pa);
	vmcoreinfo_append(&vmcoreinfo, "KERNELOFFSET=0\n");
	VMCOREINFO_NUMBER("pgtable_l5_enabled", 0);
}

/*
 * The frame allocator (mm/frames.h): with it a capture kernel leaves the
 * dead kernel's free frames out of a vmcore without reading them (Linux
 * gives makedumpfile mem_map, page.flags and PG_buddy for the same job).
 * Its counters double as the bitmap's checksum (crash/dead_frames.c).
 */
static void vmcoreinfo_frame_allocator(void)
{
	vmcoreinfo_append(&vmcoreinfo, "SYMBOL(pmm)=0x%llx\n",
			  (unsigned long long)(uintptr_t)pmm_frames());
	VMCOREINFO_SIZE(frames);
	VMCOREINFO_OFFSET(frames, used);
	VMCOREINFO_OFFSET(frames, reserved);
	VMCOREINFO_OFFSET(frames, nframes);
	VMCOREINFO_OFFSET(frames, nwords);
	VMCOREINFO_OFFSET(frames, free_count);
	VMCOREINFO_OFFSET(frames, reserved_count);
}

void vmcoreinfo_setup(void)
{
	int n;

	vmcoreinfo_init(&vmcoreinfo);
	vmcoreinfo_append(&vmcoreinfo, "OSRELEASE=%s\n", KERNEL_RELEASE);
	vmcoreinfo_append(&vmcoreinfo, "BUILD-ID=%s\n", kernel_build_id());
	vmcoreinfo_append(&vmcoreinfo, "PAGESIZE=%d\n", PAGE_SIZE);
	VMCOREINFO_SYMBOL(_text_start);
	VMCOREINFO_NUMBER("phys_base", phys_base);
	VMCOREINFO_NUMBER("kernel_phys_start", virt_to_phys(_kernel_start));
	VMCOREINFO_NUMBER("kernel_virt_start", (uintptr_t)_kernel_start);
	VMCOREINFO_NUMBER("page_offset_base", DIRECT_MAP_BASE);
	VMCOREINFO_NUMBER("pgtable_root", kernel_pt.pml4_pa);	/* CR3 */
	VMCOREINFO_NUMBER("NR_CPUS", NR_CPUS);
	vmcoreinfo_for_drgn();
	vmcoreinfo_log_ring();
	vmcoreinfo_memory_layout();
	vmcoreinfo_frame_allocator();
	n = vmcoreinfo_note_build(vmcoreinfo_note, sizeof(vmcoreinfo_note), &vmcoreinfo);
	if (n < 0 || vmcoreinfo.dropped)
		pr_err("vmcoreinfo: error: %u lines did not fit (%s)\n", vmcoreinfo.dropped,
		       err_name(n < 0 ? n : -E_NOSPC));
	pr_info("vmcoreinfo: %zu bytes of KEY=VALUE at 0x%llx\n", vmcoreinfo.size,
		(unsigned long long)virt_to_phys(vmcoreinfo_note));
}

const char *vmcoreinfo_text(size_t *size)
{
	*size = vmcoreinfo.size;
	return vmcoreinfo.data;
}

static const char *cpu_list(char *buf, size_t size, uint32_t mask)
{
	return smp_cpu_list(buf, size, mask, ',');	/* "0,2,3" */
}

/*
 * Rebuild the note from the pristine copy kexec -p put in the (read-only)
 * window, plus CRASHTIME and who crashed: a running kernel that scribbled
 * over its own vmcoreinfo cannot spoil the dump (Linux:
 * vmcoreinfo_data_safecopy).  CPUS_NOT_STOPPED names the CPUs that did not
 * answer the shootdown: their notes are missing.
 */
static void crash_save_vmcoreinfo(const struct kexec_loaded *kl, uint32_t online,
				  uint32_t unanswered)
{
	char list[3 * NR_CPUS + 1];

	for (unsigned i = 0; i < kl->image.nr_segments; i++) {
		const struct kexec_segment *s = &kl->image.segment[i];

		if (strcmp(kl->what[i], VMCOREINFO_SAFECOPY_NAME) != 0 ||
		    s->bufsz > sizeof(vmcoreinfo.data))
			continue;
		memcpy(vmcoreinfo.data, phys_to_virt(s->mem), s->bufsz);
		vmcoreinfo.size = s->bufsz;
	}
	/* The crash image's segments, for pictures of where everything was. */
	for (unsigned i = 0; i < kl->image.nr_segments; i++)
		vmcoreinfo_append(&vmcoreinfo, "KEXEC_SEGMENT(%u)=0x%llx-0x%llx %s\n", i,
				  (unsigned long long)kl->image.segment[i].mem,
				  (unsigned long long)(kl->image.segment[i].mem +
						       kl->image.segment[i].memsz), kl->what[i]);
	vmcoreinfo_append(&vmcoreinfo, "CRASHTIME=%llu\n", (unsigned long long)rtc_read_epoch());
	vmcoreinfo_append(&vmcoreinfo, "PANIC_CPU=%u\n", smp_processor_id());
	vmcoreinfo_append(&vmcoreinfo, "PANIC_CPU_APICID=%u\n", this_cpu()->apic_id);
	vmcoreinfo_append(&vmcoreinfo, "CPUS_ONLINE=%s\n", cpu_list(list, sizeof(list), online));
	if (unanswered)
		vmcoreinfo_append(&vmcoreinfo, "CPUS_NOT_STOPPED=%s\n",
				  cpu_list(list, sizeof(list), unanswered));
	vmcoreinfo_note_build(vmcoreinfo_note, sizeof(vmcoreinfo_note), &vmcoreinfo);
}

static volatile int crashing_cpu;

/* The slot of cpu's note: the crashing CPU's first, then the others in
 * order (a permutation of 0..NR_CPUS-1). */
static unsigned note_slot(unsigned cpu)
{
	unsigned crashing = (unsigned)crashing_cpu;

	return cpu == crashing ? 0 : cpu < crashing ? cpu + 1 : cpu;
}

static void crash_save_cpu(unsigned cpu, const struct trap_frame *regs)
{
	crash_note_build(crash_notes[note_slot(cpu)], sizeof(crash_notes[0]), cpu, regs,
			 (int32_t)cpu + 1);
}

/* Each other CPU, from the shootdown's NMI (Linux: crash_nmi_callback). */
static void crash_nmi_callback(unsigned cpu, const struct trap_frame *regs)
{
	crash_save_cpu(cpu, regs);
}

/*
 * The core's NT_PRPSINFO: the crashing CPU's pid (as in its NT_PRSTATUS),
 * the image's file name, and "kernel.elf" plus our command line for
 * psargs, which gdb prints as "Core was generated by `...'".  Linux's
 * /proc/vmcore has none; elfutils needs one (see crash/README.md).
 */
static void crash_save_prpsinfo(int32_t pid)
{
	char psargs[sizeof(((struct elf_prpsinfo *)0)->pr_psargs)];

	ksnprintf(psargs, sizeof(psargs), "%s %s", KERNEL_IMAGE_NAME, boot_info.cmdline);
	prpsinfo_note_build(crash_prpsinfo_note, sizeof(crash_prpsinfo_note), pid,
			    KERNEL_IMAGE_NAME, psargs);
}

void crash_kexec(struct trap_frame *regs)
{
	const struct kexec_loaded *kl = kexec_loaded_image(KEXEC_TYPE_CRASH);
	unsigned cpu = smp_processor_id();
	uint32_t online = 0, unanswered;
	struct trap_frame here;
	uint64_t t0;
	char list[3 * NR_CPUS + 1];

	if (!kl)
		return;
	if (!regs) {
		trap_frame_capture(&here);
		regs = &here;
	}
	for (unsigned c = 0; c < nr_cpu_ids; c++)
		if (per_cpu[c].state == CPU_ONLINE || per_cpu[c].state == CPU_CRASHED)
			online |= 1u << c;
	crashing_cpu = (int)cpu;
	memset(crash_notes, 0, sizeof(crash_notes));	/* an offline CPU's slot stays empty */
	crash_save_cpu(cpu, regs);
	t0 = ktime_ns();
	unanswered = nmi_shootdown_cpus(crash_nmi_callback);
	t0 = ktime_ns() - t0;
	crash_save_prpsinfo((int32_t)cpu + 1);
	crash_save_vmcoreinfo(kl, online, unanswered);
	/* For the person watching, not the log: the panic stays the last line. */
	if (unanswered)
		console_printf("kdump: CPU(s) %s did not answer the NMI in %u ms: no registers for "
			       "them\n", cpu_list(list, sizeof(list), unanswered), SMP_STOP_TIMEOUT_MS);
	if (online & ~(1u << cpu) & ~unanswered)
		console_printf("kdump: CPU(s) %s stopped by NMI in %llu us, their registers saved\n",
			       cpu_list(list, sizeof(list), online & ~(1u << cpu) & ~unanswered),
			       (unsigned long long)(t0 / 1000));
	console_printf("kdump: CPU %u registers saved; starting the capture kernel "
		       "(purgatory 0x%llx)\n", cpu, (unsigned long long)kl->image.start);
	this_cpu()->doing = "crashed: started the capture kernel";
	this_cpu()->state = CPU_CRASHED;
	machine_crash_kexec(kl);
}

/*
 * kdump's step of panic() (Linux: __crash_kexec from panic()).  A capture
 * kernel that panics must not try again or reboot into a loop: it says so
 * and stops (Linux's kdump kernels halt too).  Otherwise the end marker
 * goes to the log first, so the vmcore's dmesg ends with the panic
 * message, and the loaded capture kernel starts; without one this returns
 * and panic() carries on with panic=N.
 */
static void crash_panic_hook(const struct trap_frame *regs)
{
	if (is_kdump_kernel()) {
		pr_emerg("kdump: panic in the capture kernel: halting, no second dump\n");
		panic_end_marker();
		halt_forever();
	}
	panic_end_marker();
	crash_kexec((struct trap_frame *)regs);	/* returns if nothing is loaded */
}
PANIC_HOOK(kdump, crash_panic_hook);
