/*
 * Who we are: release string, build id, and the boot milestone lines
 * that tests and learners look for.  Linux: init/version.c linux_banner.
 */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#include "kernel/types.h"

#define KERNEL_NAME "kexec-kernel"
#define KERNEL_RELEASE "0.1.0"

/* First log lines: name, release, build id, where we were loaded. */
void kernel_banner(uint32_t magic, paddr_t mbi_pa);

/* "boot: ready" milestone with the time boot took. */
void boot_complete(void);

/* The GNU build id as hex (from the .note.gnu.build-id the linker made). */
const char *kernel_build_id(void);

#endif
