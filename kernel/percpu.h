/*
 * The per-CPU layer: how many CPUs the tables are sized for, which CPU is
 * running, and each CPU's own GDT, TSS and IST stacks (fresh stacks for
 * #DF, NMI and #MC), with the bounds of every kernel stack for the
 * backtrace walker.  Only CPU 0 runs today; the arrays are sized for
 * NR_CPUS so that SMP bring-up and the kdump path (which saves every
 * CPU's state) do not change the layout.  Linux: include/linux/threads.h
 * (NR_CPUS), include/linux/smp.h (smp_processor_id), arch/x86/kernel/cpu/
 * common.c (gdt_page, cpu_tss_rw, exception_stacks).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "lib/types.h"

#define NR_CPUS 8

/* Interrupt Stack Table slots (1-7; 0 means "stay on the current stack"). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

/* Load the GDT with a TSS whose IST stacks serve #DF, NMI and #MC (CPU 0). */
void gdt_setup(void);

/* Build and load cpu's GDT and TSS on the calling CPU; cpu < NR_CPUS. */
void gdt_load_cpu(unsigned cpu);

/* Index of the calling CPU: which per-CPU GDT is loaded (0 before any). */
unsigned smp_processor_id(void);

/*
 * If addr lies in a known kernel stack (boot stack, IST stacks), store its
 * bounds [*lo, *hi) and return true.  The backtrace walker uses this so
 * that it only ever reads memory that is certainly mapped.
 */
bool kernel_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi);

/*
 * If addr lies in the unmapped guard page below a kernel stack (today the
 * boot stack's, boot/entry.asm boot_stack_guard), store the guard's range
 * [*lo, *hi) and return true: a fault there is a kernel stack overflow.
 */
bool kernel_stack_guard(uint64_t addr, uint64_t *lo, uint64_t *hi);

#endif
