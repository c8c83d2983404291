/*
 * The Linux bzImage loader's pure half: check a bzImage's setup header the
 * way Linux's kexec_file and kexec-tools do, each refusal named, and build
 * the boot_params ("zero page") the kernel is entered with through the
 * 64-bit boot protocol, from our own state.  The format is
 * lib/bootparam.h's.  Linux: arch/x86/kernel/kexec-bzimage64.c
 * (bzImage64_probe, bzImage64_load, setup_boot_parameters).
 */
#ifndef KEXEC_BZIMAGE_H
#define KEXEC_BZIMAGE_H

#include "lib/bootparam.h"
#include "lib/types.h"

struct memmap;

/* What the loader needs to know about a bzImage, from its header. */
struct bzimage {
	const uint8_t *file;		/* the image in memory (not copied) */
	size_t file_size;
	uint16_t version;		/* boot protocol, 0x020c = 2.12 */
	size_t setup_size;		/* (setup_sects + 1) * 512: the real-mode part */
	const uint8_t *kernel;		/* the protected-mode kernel: file + setup_size */
	size_t kernel_size;		/* its file bytes */
	uint64_t init_size;		/* memory it needs from its load address (page aligned) */
	uint32_t alignment;		/* kernel_alignment: a power of two >= 4 KiB */
	uint64_t pref_address;		/* where it would run unmoved */
	uint32_t cmdline_size;		/* longest command line, NUL not counted */
	uint32_t initrd_addr_max;	/* highest byte of an initrd */
	size_t header_end;		/* file offset where the setup header ends */
	uint16_t xloadflags;
};

/* Does the file look like a bzImage at all ("HdrS" at 0x202)?  The loader
 * tries this before the multiboot2 ELF loader, as kexec-tools' probes do. */
bool bzimage_probe(const void *file, size_t size);

/*
 * Check the setup header of a bzImage of size bytes and fill *bz.  The
 * rules are Linux's bzImage64_probe/_load and kexec-tools', plus what our
 * loader needs to place it; the first that fails is returned and explained
 * in why:
 * -E_TRUNC  shorter than two sectors, or than its setup sectors plus a kernel;
 * -E_NOEXEC no "HdrS", no 0xaa55 boot flag, not LOADED_HIGH (a zImage);
 * -E_NOTSUP protocol older than 2.12, no 64-bit entry (XLF_KERNEL_64), not
 *           loadable above 4 GiB, not relocatable;
 * -E_INVAL  kernel_alignment not a power of two >= 4 KiB, init_size smaller
 *           than the kernel it must hold, a setup header that runs past the
 *           file or into boot_params' e820 table.
 */
int bzimage_parse(const void *file, size_t size, struct bzimage *bz, char *why, size_t whylen);

/* What goes into the boot_params besides the image's own header. */
struct bootparams_info {
	const struct memmap *memmap;	/* the new kernel's e820 table */
	paddr_t cmdline_pa;		/* where the command line will be (0: none) */
	paddr_t initrd_pa;		/* initrd, 0 if none */
	uint64_t initrd_size;
	paddr_t acpi_rsdp_pa;		/* 0: the kernel searches the BIOS areas */
};

/*
 * Build the boot_params for bz in *bp, as Linux's kexec_file does: zeros;
 * the image's setup header copied from 0x1f1 to its end; type_of_loader
 * 0xd0 (kexec), loadflags 0, setup_data 0 (no chain); cmd_line_ptr, ramdisk_image/size and their
 * ext_ halves; acpi_rsdp_addr; the e820 table from the memory map (at most
 * BP_E820_MAX ranges); ext_mem_k/alt_mem_k from the RAM at 1 MiB; the
 * sentinel 0.  Returns 0 or -E_2BIG (more e820 ranges than the zero page
 * holds).  Pure.
 */
int bootparams_build(const struct bzimage *bz, const struct bootparams_info *in,
		     struct boot_params *bp);

#endif
