/*
 * The page an AP starts in (kernel/trampoline.asm, kernel/smpboot.c): its
 * code at fixed offsets, one per CPU mode, and the data the boot CPU fills
 * in before each INIT-SIPI-SIPI.  Plain "#define NAME value" lines only:
 * the build turns this file into a NASM include; kernel/smpboot.c asserts
 * its struct against it.  Linux: arch/x86/realmode/rm/trampoline_64.S and
 * its struct trampoline_header.
 */
#ifndef KERNEL_TRAMPOLINE_LAYOUT_H
#define KERNEL_TRAMPOLINE_LAYOUT_H

#define TRAMPOLINE_SIZE 0x1000

/* Code: real mode at 0 (the SIPI's CS:IP = page:0), then 32- and 64-bit. */
#define TR_CODE32 0x80
#define TR_CODE64 0x100

/* Data, filled in by kernel/smpboot.c. */
#define TR_DATA 0x200
#define TR_CR3 0x200		/* u64: the trampoline's PML4, below 4 GiB */
#define TR_CR4 0x208		/* u64: the boot CPU's CR4 (PAE...) */
#define TR_EFER 0x210		/* u64: EFER bits to set (LME, NXE) */
#define TR_ENTRY 0x218		/* u64: smp_ap_entry, a kernel virtual address */
#define TR_STACK 0x220		/* u64: top of this AP's kernel stack */
#define TR_CPU 0x228		/* u64: its logical number */
#define TR_PM32 0x230		/* far pointer m16:32 to TR_CODE32 (selector 0x18) */
#define TR_LM64 0x238		/* far pointer m16:32 to TR_CODE64 (selector 0x08) */
#define TR_GDTR 0x240		/* u16 limit, u32 base: the GDT below, by physical address */
#define TR_GDT 0x248		/* 4 descriptors: null, 64-bit code, data, 32-bit code */
#define TR_END 0x268

#endif
