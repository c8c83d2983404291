/*
 * CPU exceptions and interrupts: the GDT with its TSS and IST stacks, the
 * IDT, and the C side of the interrupt stubs.  Linux: arch/x86/kernel/
 * traps.c, idt.c, cpu/common.c (GDT/TSS) and entry_64.S.
 */
#ifndef KERNEL_TRAPS_H
#define KERNEL_TRAPS_H

#include "kernel/types.h"

/*
 * Registers saved by the interrupt stubs, lowest address first.  The
 * layout is shared with kernel/isr.asm (offsets asserted there).
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;	/* 0 when the CPU pushes none */
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

/* Load the GDT with a TSS whose IST stacks serve #DF, NMI and #MC. */
void gdt_setup(void);

/* Install the IDT: exceptions 0-31, IRQs 32-47; interrupts stay off. */
void idt_setup(void);

/* Register a handler for legacy IRQ line irq (0-15); EOI is done for it. */
typedef void (*irq_handler_t)(unsigned irq, struct trap_frame *tf);
void irq_register(unsigned irq, irq_handler_t handler);

/* Print every register of tf, one block, like Linux's __show_regs. */
void show_regs(const struct trap_frame *tf);

#endif
