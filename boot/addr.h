/*
 * Converting between physical and virtual addresses.  Two mappings exist
 * from the first instruction of long mode on (boot/entry.asm sets both up;
 * mm/vmm.c later rebuilds them): the direct map (all RAM at
 * DIRECT_MAP_BASE + pa, Linux's __va/__pa) and the kernel image
 * (KERNEL_VIRT_BASE + link address, wherever the image was physically
 * loaded; Linux's __pa_symbol with phys_base).
 */
#ifndef BOOT_ADDR_H
#define BOOT_ADDR_H

#include "boot/layout.h"
#include "lib/types.h"

/* Load delta: physical base of the image minus KERNEL_LINK_PHYS, found by
 * boot/entry.asm and stored by kmain first thing. */
extern uint64_t phys_base;

/* The direct-map address of any physical address (all RAM is mapped). */
static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

/* Physical address of a kernel symbol or of a direct-map pointer. */
static inline paddr_t virt_to_phys(const void *va)
{
	vaddr_t v = (vaddr_t)(uintptr_t)va;

	if (v >= KERNEL_VIRT_BASE)
		return v - KERNEL_VIRT_BASE + phys_base;
	return v - DIRECT_MAP_BASE;
}

/* Linker symbols bounding the image (see linker.ld). */
extern char _kernel_start[], _kernel_end[], _text_start[], _text_end[];
extern char _rodata_start[], _rodata_end[], _data_start[], _data_end[];
extern char _bss_start[], _bss_end[];
/* The image's own ELF header, loaded after the head page: the start of
 * what a vmcore's kernel PT_LOAD covers, so elfutils finds the kernel. */
extern char _kernel_headers[];

#endif
