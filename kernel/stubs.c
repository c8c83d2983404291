/*
 * TEMPORARY: weak placeholders so the kernel links while its modules are
 * written in parallel.  A real (strong) definition anywhere overrides the
 * placeholder.  This file is deleted once every module exists.
 */
#include "kernel/types.h"
#include "kernel/io.h"
#include "kernel/console.h"

#define WEAK __attribute__((weak))

WEAK void bootinfo_setup(paddr_t mbi_pa) { (void)mbi_pa; }
WEAK void cmdline_setup(void) {}
WEAK void gdt_setup(void) {}
WEAK void idt_setup(void) {}
WEAK void memmap_setup(void) {}
WEAK void pmm_setup(void) {}
WEAK void paging_setup(void) {}
WEAK void heap_setup(void) {}
WEAK void iomem_setup(void) {}
WEAK void pic_setup(void) {}
WEAK void timer_setup(void) {}
WEAK void acpi_setup(void) {}
WEAK void keyboard_setup(void) {}
WEAK void console_input_setup(void) {}
WEAK void vga_init(void) {}
WEAK void vga_write(const char *s, size_t n) { (void)s; (void)n; }
WEAK uint64_t ktime_ns(void) { return 0; }
WEAK void udelay(uint64_t us) { (void)us; }
WEAK __noreturn void halt_forever(void) { for (;;) __asm__ volatile("cli; hlt"); }
WEAK __noreturn void panic(const char *fmt, ...)
{
	console_write("PANIC: ", 7);
	console_write(fmt, __builtin_strlen(fmt));
	console_write("\n", 1);
	halt_forever();
}
WEAK __noreturn void shell_run(void)
{
	console_write("shell: not yet\n", 15);
	outw(0x604, 0x2000);	/* QEMU ACPI poweroff */
	halt_forever();
}
