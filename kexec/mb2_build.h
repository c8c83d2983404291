/*
 * Building a multiboot2 information structure (MBI) for the next kernel,
 * the one GRUB would have built: the kexec loader hands it over in EBX, so
 * a kernel cannot tell GRUB from kexec except by the boot loader name.
 * Layouts: boot/multiboot2.h (Multiboot2 spec 3.6).  Linux's counterpart
 * is the boot_params a kexec_file loader fills (arch/x86/kernel/kexec-bzimage64.c).
 */
#ifndef KEXEC_MB2_BUILD_H
#define KEXEC_MB2_BUILD_H

#include "lib/types.h"

struct memmap;

struct mb2_build_module {
	paddr_t start;
	paddr_t end;			/* exclusive; the module lies below 4 GiB */
	const char *cmdline;		/* NULL: empty string */
};

/* What goes into the MBI; a NULL pointer (or 0 count) leaves the tag out. */
struct mb2_build_info {
	const char *cmdline;			/* cmdline tag (1) */
	const char *loader_name;		/* boot loader name tag (2) */
	const struct mb2_build_module *modules;	/* one module tag (3) each */
	unsigned nr_modules;
	const struct memmap *memmap;		/* basic meminfo (4) and memory map (6) */
	const void *acpi_old;			/* RSDP v1 bytes: ACPI old tag (14) */
	size_t acpi_old_len;
	const void *acpi_new;			/* RSDP v2+ bytes: ACPI new tag (15) */
	size_t acpi_new_len;
	bool has_load_base;			/* image load base address tag (21) */
	uint32_t load_base_addr;
	bool efi;				/* EFI 64-bit system table tag (12): */
	uint64_t efi_systab;			/*   passed on, so the next kernel knows UEFI */
};

/*
 * Write the MBI into buf (8-byte aligned, bufsz bytes): the header, the
 * tags above in that order, each 8-byte aligned, then the end tag.  *size
 * gets the total size of a valid input (0 for an invalid one), so buf NULL
 * is a size query (returns 0).  Everything is checked before anything is
 * written.  Returns 0, -E_NOSPC (bufsz < *size; buf untouched), -E_ALIGN
 * (buf not 8-aligned), -E_RANGE (a module above 4 GiB, or mem_upper not
 * representable), -E_INVAL (a module with end < start).
 */
int mb2_build(const struct mb2_build_info *info, void *buf, size_t bufsz, size_t *size);

/*
 * The basic meminfo GRUB reports, from a memory map: *lower_kib = KiB of
 * System RAM contiguous from address 0, at most 640; *upper_kib = KiB of
 * System RAM contiguous from 1 MiB (0 if 1 MiB is not RAM).
 * Returns 0 or -E_RANGE (upper does not fit 32 bits of KiB).
 */
int mb2_basic_meminfo(const struct memmap *m, uint32_t *lower_kib, uint32_t *upper_kib);

#endif
