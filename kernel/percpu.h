/*
 * The per-CPU layer: how many CPUs the tables are sized for, each CPU's
 * own data (struct percpu, reached through the GS base: no scan of APIC
 * ids, one instruction), its GDT, TSS and IST stacks (fresh stacks for
 * #DF, NMI and #MC), and the bounds of every kernel stack for the
 * backtrace walker.  Logical CPU 0 is the CPU that started this kernel,
 * whatever its APIC id; the others are numbered in MADT order
 * (kernel/smpboot.c).  Linux: include/linux/threads.h (NR_CPUS),
 * include/linux/smp.h (smp_processor_id), arch/x86/include/asm/percpu.h
 * (this_cpu_read through %gs), arch/x86/kernel/cpu/common.c (gdt_page,
 * cpu_tss_rw, exception_stacks).
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

/* What a CPU is, as `cpus` shows it (Linux: the cpu_*_mask bits). */
enum cpu_state {
	CPU_ABSENT,		/* no such CPU (not in the MADT, or past nr_cpus=) */
	CPU_OFFLINE,		/* exists, not brought up (maxcpus=, or it did not answer) */
	CPU_BOOTING,		/* INIT-SIPI-SIPI sent, not yet in start_secondary */
	CPU_ONLINE,		/* running: idle loop, shell, or a command */
	CPU_STOPPED,		/* halted by smp_send_stop (kexec, panic) */
	CPU_CRASHED,		/* halted after saving its crash note, or panicked */
};

struct trap_frame;

/*
 * One CPU's data; %gs:0 points at the calling CPU's.  Fields other CPUs
 * read are volatile.  The layout is published in VMCOREINFO for the vmcore
 * readers (crash/crash_core.c).
 */
struct percpu {
	struct percpu *self;		/* %gs:0, so this_cpu() is one load */
	unsigned cpu;			/* logical number (smp_processor_id) */
	uint32_t apic_id;
	volatile int state;		/* enum cpu_state */
	bool bsp;			/* IA32_APIC_BASE.BSP: the bootstrap processor */
	const char *volatile doing;	/* "idle", "shell", "on: <command>"... */
	uint64_t stack_lo, stack_hi;	/* its kernel stack [lo, hi) */
	uint64_t guard_lo;		/* its read-only guard page [guard_lo, stack_lo) */
	volatile uint64_t ticks;	/* local timer interrupts (Linux: hrtimer_interrupts) */
	volatile uint64_t touch_ts;	/* ticks at the last sign of progress (soft lockup) */
	int hard_buddy;			/* the CPU this one watches (hard lockup), or -1 */
	uint64_t hard_saved;		/* the buddy's ticks at the last check */
	uint64_t hard_stalled;		/* own seconds since the buddy's ticks last moved */
	struct trap_frame *panic_regs;	/* a CPU that lost panic_cpu: where it failed */
};

extern struct percpu per_cpu[NR_CPUS];

/* The calling CPU's struct percpu (Linux: this_cpu_ptr). */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/*
 * Index of the calling CPU.  Valid from kmain's first line on (percpu_
 * setup_boot gives CPU 0 its GS base before anything else runs).
 */
static inline unsigned smp_processor_id(void)
{
	unsigned cpu;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(offsetof(struct percpu, cpu)));
	return cpu;
}

/* Make per_cpu[0] the calling CPU's (the GS base): kmain's first step. */
void percpu_setup_boot(void);

/* Load the GDT with a TSS whose IST stacks serve #DF, NMI and #MC (CPU 0). */
void gdt_setup(void);

/* Build and load cpu's GDT and TSS on the calling CPU, and point its GS
 * base at per_cpu[cpu]; cpu < NR_CPUS. */
void gdt_load_cpu(unsigned cpu);

/*
 * If addr lies in a known kernel stack (boot stack, each CPU's stack, IST
 * stacks), store its bounds [*lo, *hi) and return true.  The backtrace
 * walker uses this so that it only ever reads memory that is mapped.
 */
bool kernel_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi);

/*
 * If addr lies in a guard page below a kernel stack (the boot stack's,
 * unmapped, boot/entry.asm boot_stack_guard; each other CPU's, read-only),
 * store the guard's range [*lo, *hi) and return true: a fault there is a
 * kernel stack overflow.
 */
bool kernel_stack_guard(uint64_t addr, uint64_t *lo, uint64_t *hi);

#endif
