/*
 * CPU exceptions and interrupts: the trap frame the stubs build, the IDT,
 * and the C side of the interrupt stubs.  The per-CPU tables (GDT, TSS,
 * IST stacks) are kernel/percpu.h's.  Linux: arch/x86/kernel/traps.c,
 * idt.c, entry_64.S, arch/x86/include/asm/ptrace.h (pt_regs).
 */
#ifndef KERNEL_TRAPS_H
#define KERNEL_TRAPS_H

#include "kernel/trapframe_layout.h"
#include "lib/types.h"

/*
 * Registers saved by the interrupt stubs, lowest address first.  The
 * layout is shared with kernel/isr.asm through kernel/trapframe_layout.h
 * (offsets asserted in kernel/traps.c).
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;	/* 0 when the CPU pushes none */
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

/* Fill the IDT, a gate for each of the 256 vectors, and load it on this
 * CPU; interrupts stay off. */
void idt_setup(void);

/* Load the (already filled) IDT on the calling CPU: every CPU shares it. */
void idt_load(void);

/* Print every register of tf, one block, like Linux's __show_regs.
 * Printed at KERN_EMERG: it belongs to the dying path. */
void show_regs(const struct trap_frame *tf);

/* The C entry of every interrupt stub (kernel/isr.asm). */
void trap_dispatch(struct trap_frame *tf);

/*
 * Fill *tf with the caller's registers, as if it had been interrupted
 * here (Linux: crash_setup_regs).  vector and error_code are set to 0.
 * Always inlined, so rip, rsp and rbp are those of the caller.
 */
#define TF_STR_(x) #x
#define TF_STR(x) TF_STR_(x)
#define TF_SAVE(reg, off) "movq %%" #reg ", " TF_STR(off) "(%0)\n\t"
static inline __attribute__((always_inline)) void trap_frame_capture(struct trap_frame *tf)
{
	__asm__ volatile(
		TF_SAVE(r15, TF_R15) TF_SAVE(r14, TF_R14) TF_SAVE(r13, TF_R13)
		TF_SAVE(r12, TF_R12) TF_SAVE(r11, TF_R11) TF_SAVE(r10, TF_R10)
		TF_SAVE(r9, TF_R9) TF_SAVE(r8, TF_R8) TF_SAVE(rbp, TF_RBP)
		TF_SAVE(rdi, TF_RDI) TF_SAVE(rsi, TF_RSI) TF_SAVE(rdx, TF_RDX)
		TF_SAVE(rcx, TF_RCX) TF_SAVE(rbx, TF_RBX) TF_SAVE(rax, TF_RAX)
		TF_SAVE(rsp, TF_RSP)
		"movq $0, " TF_STR(TF_VECTOR) "(%0)\n\t"
		"movq $0, " TF_STR(TF_ERROR_CODE) "(%0)\n\t"
		"leaq 0(%%rip), %%rax\n\t"
		"movq %%rax, " TF_STR(TF_RIP) "(%0)\n\t"
		"movq %%cs, %%rax\n\t"
		"movq %%rax, " TF_STR(TF_CS) "(%0)\n\t"
		"movq %%ss, %%rax\n\t"
		"movq %%rax, " TF_STR(TF_SS) "(%0)\n\t"
		"pushfq\n\t"
		"popq " TF_STR(TF_RFLAGS) "(%0)\n\t"
		: : "r"(tf) : "rax", "memory");
}

#endif
