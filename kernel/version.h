/*
 * Who we are: release string, build id, and the boot milestone lines
 * that tests and learners look for.  Linux: init/version.c linux_banner.
 */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#include "lib/types.h"

#define KERNEL_NAME "kexec-kernel"
#define KERNEL_RELEASE "0.1.0"
/* The file the build makes ($(BUILD)/kernel.elf), as debuggers are given it. */
#define KERNEL_IMAGE_NAME "kernel.elf"

/* The first log line: name, release, build id. */
void kernel_banner(void);

/*
 * This kernel's generation: 1 when a boot loader such as GRUB started it,
 * N + 1 when generation N started it with kexec.  Our kexec loader names
 * itself "kexec-kernel <release> kexec, generation <N>" in the boot loader
 * name tag, the one place a multiboot2 kernel can tell who booted it.
 */
unsigned kernel_generation(void);

/* Log who started us and our generation (after bootinfo_setup). */
void boot_identify(void);

/* "boot: ready" milestone with the time boot took. */
void boot_complete(void);

/* The GNU build id as hex (from the .note.gnu.build-id the linker made). */
const char *kernel_build_id(void);

#endif
