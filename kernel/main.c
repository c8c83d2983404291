/*
 * kmain: the boot sequence, one step per line, in order.  Read this file
 * as the table of contents of the kernel; each call names the file that
 * does the work.  Linux's counterpart is start_kernel() in init/main.c.
 */
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "boot/image_headers.h"
#include "crash/crash.h"
#include "drivers/acpi.h"
#include "drivers/apic.h"
#include "drivers/ioapic.h"
#include "drivers/keyboard.h"
#include "drivers/pic.h"
#include "drivers/serial.h"
#include "drivers/timer.h"
#include "drivers/vga.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/tick.h"
#include "kernel/watchdog.h"
#include "kernel/traps.h"
#include "kernel/version.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/shell.h"
#include "lib/time.h"
#include "lib/watchdog.h"
#include "mm/heap.h"
#include "mm/memmap.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/resource.h"

uint64_t phys_base;

void kmain(uint32_t magic, paddr_t info_pa, uint64_t load_delta);

/* magic: MB2_BOOTLOADER_MAGIC (info_pa = the MBI) or BOOT_HDRS_MAGIC
 * (info_pa = Linux's boot_params), as boot/entry.asm found them. */
void __init kmain(uint32_t magic, paddr_t info_pa, uint64_t load_delta)
{
	percpu_setup_boot();			/* kernel/percpu.c: GS base, smp_processor_id() */
	phys_base = load_delta;			/* boot/addr.h: where we really are */
	image_headers_setup();			/* boot/image_headers.c: before text is read-only */
	time_mark_boot();			/* drivers/tsc.c: time zero is now */
	serial_init();				/* drivers/serial.c: COM1 first */
	kernel_banner();			/* kernel/version.c */
	bootinfo_setup(magic, info_pa);		/* boot/bootinfo.c: MBI or boot_params */
	vga_init();				/* drivers/vga.c: screen mirror, if text mode */
	boot_identify();			/* kernel/version.c: GRUB or kexec, generation */
	cmdline_setup();			/* kernel/cmdline.c: key=value words */
	gdt_setup();				/* kernel/percpu.c: GDT, TSS, IST stacks */
	idt_setup();				/* kernel/idt.c: exceptions and IRQs */
	memmap_setup();				/* mm/e820.c: firmware map, printed */
	pmm_setup();				/* mm/pmm.c: frame allocator */
	crashkernel_setup();			/* crash/crashkernel.c: the crash kernel window */
	paging_setup();				/* mm/vmm.c: direct map, final CR3 */
	heap_setup();				/* mm/heap.c: kmalloc */
	vmcoreinfo_setup();			/* crash/crash_core.c: facts for a dump reader */
	iomem_setup();				/* mm/iomem.c: the iomem tree */
	vmcore_setup();				/* crash/vmcore.c: capture kernel only */
	pic_setup();				/* drivers/pic.c: 8259s remapped, masked */
	apic_setup();				/* drivers/apic.c: local APIC, leftovers cleaned */
	acpi_setup();				/* drivers/acpi.c: RSDP, FADT, MADT */
	ioapic_setup();				/* drivers/ioapic.c: legacy IRQs, PIC masked */
	timer_setup();				/* drivers/timer.c: PIT tick, TSC */
	softlockup_setup();			/* kernel/watchdog.c: checked on every tick */
	tick_setup();				/* kernel/tick.c: each CPU's local APIC timer */
	smp_init();				/* kernel/smpboot.c: every CPU up, to its idle loop */
	keyboard_setup(console_input_push);	/* drivers/keyboard.c: PS/2 on IRQ 1 */
	serial_input_setup();			/* drivers/serial_irq.c: serial IRQ 4, 16 KiB ring */
	irq_enable();				/* interrupts on from here */
	hardlockup_setup();			/* kernel/watchdog_buddy.c: CPUs watch each other */
	boot_complete();			/* kernel/version.c: the milestone line */
	vmcore_autosave();			/* crash/vmcore.c: if asked, save the dump */
	shell_run();				/* kernel/shell.c: never returns */
}
