/*
 * The x86-64 numbers this kernel uses, as the manuals name them: control
 * register and EFER bits, MSRs, RFLAGS, CPUID feature bits, paging (page
 * sizes, page-table entry bits) and the GDT (selectors, descriptors).
 * The single source for C and assembly: the build turns every
 * "#define NAME value" line into a NASM "%define" ($(BUILD)/inc/x86.inc,
 * comments and C integer suffixes dropped), so keep it to plain #defines.
 * Intel SDM vol. 3 (chapters 2, 3, 4) and vol. 2A (CPUID).  Linux:
 * arch/x86/include/asm/processor-flags.h, msr-index.h, pgtable_types.h,
 * segment.h.
 */
#ifndef LIB_X86_H
#define LIB_X86_H

/* Control registers (SDM vol. 3, 2.5) */
#define CR0_PE (1U << 0)		/* protected mode */
#define CR0_WP (1U << 16)		/* write protect also binds ring 0 */
#define CR0_PG (1U << 31)		/* paging */
#define CR4_PAE (1U << 5)		/* physical address extension: 64-bit entries */
#define CR4_PCIDE (1U << 17)		/* process-context identifiers */

/* Model-specific registers (SDM vol. 4) */
#define MSR_APIC_BASE 0x1b		/* local APIC base address and enable */
#define MSR_EFER 0xc0000080		/* extended feature enable */
#define MSR_GS_BASE 0xc0000101		/* GS segment base: the per-CPU area */
#define EFER_LME (1U << 8)		/* long mode enable */
#define EFER_NXE (1U << 11)		/* no-execute page bit enable */

/* RFLAGS */
#define RFLAGS_IF (1U << 9)		/* interrupts enabled */

/* CPUID feature bits (SDM vol. 2A, CPUID) */
#define CPUID_1_EDX_TSC (1U << 4)	/* leaf 1: time-stamp counter */
#define CPUID_1_EDX_APIC (1U << 9)	/* leaf 1: local APIC on chip */
#define CPUID_EXT_EDX_NX (1U << 20)	/* leaf 0x80000001: no-execute */
#define CPUID_EXT_EDX_LM (1U << 29)	/* leaf 0x80000001: long mode */

/* Paging (SDM vol. 3, 4.5): 4 KiB pages, 2 MiB pages in a page directory */
#define PAGE_SIZE 4096
#define PAGE_SHIFT 12
#define LARGE_PAGE_SIZE 0x200000
#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITE (1ULL << 1)
#define PTE_USER (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_ACCESSED (1ULL << 5)
#define PTE_DIRTY (1ULL << 6)
#define PTE_HUGE (1ULL << 7)		/* 2 MiB in a PD, 1 GiB in a PDPT */
#define PTE_GLOBAL (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/*
 * The GDT of every stage (boot/entry.asm, kernel/gdt.c, the relocate stub,
 * the purgatory) starts with the same three slots, so a selector means the
 * same everywhere; slot 3 is the kernel's TSS or the purgatory's 32-bit code.
 * Descriptors (SDM vol. 3, 3.4.5): flat, present, DPL 0.
 */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS 0x18
#define GDT_DESC_CODE64 0x00af9a000000ffffULL	/* execute/read, L: 64-bit code */
#define GDT_DESC_DATA 0x00cf92000000ffffULL	/* read/write, 4 GiB, 32-bit */
#define GDT_DESC_CODE32 0x00cf9a000000ffffULL	/* execute/read, 4 GiB, D: 32-bit code */

#endif
