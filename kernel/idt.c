/*
 * The Interrupt Descriptor Table: 256 gates, one per vector, every one
 * present.  Vectors 0-31 are the CPU's exceptions, 32-47 the legacy IRQ
 * lines, the top of the range the local APIC's own vectors
 * (drivers/irq.h); an interrupt on any other vector, such as one an
 * earlier kernel left pending or a timer it left running, reaches
 * drivers/irq.c, which logs it once and acknowledges it, where a missing
 * gate would have been a #GP.  One IDT serves every CPU (the per-CPU
 * part, the IST stacks, lives in each CPU's TSS).  Linux:
 * arch/x86/kernel/idt.c (idt_table, idt_setup_apic_and_irq_gates).
 */
#include "drivers/irq.h"
#include "kernel/percpu.h"
#include "kernel/traps.h"
#include "lib/printk.h"
#include "lib/x86.h"

#define IDT_VECTORS 256
#define GATE_INTERRUPT 0x8e		/* P=1, DPL 0, 64-bit interrupt gate: IF cleared */

/* A 64-bit gate descriptor (Intel SDM vol. 3, 6.14.1). */
struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;			/* bits 0-2: IST slot, 0 = current stack */
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");
_Static_assert(FIRST_EXTERNAL_VECTOR == 32, "kernel/isr.asm starts its IRQ stubs at 32");

struct __packed idt_pointer {
	uint16_t limit;
	uint64_t base;
};

static struct idt_gate idt_table[IDT_VECTORS] __attribute__((aligned(16)));

/* Stub addresses by vector, from kernel/isr.asm (its size is checked there). */
extern const uint64_t isr_stub_table[IDT_VECTORS];

static void set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
	struct idt_gate *g = &idt_table[vector];

	g->offset_low = handler & 0xffff;
	g->selector = GDT_KERNEL_CODE;
	g->ist = ist & 7;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

/*
 * The exceptions that must not run on the interrupted stack: a #DF is
 * usually a kernel stack overflow; an NMI or #MC can arrive anywhere, even
 * in the middle of a stack switch.
 */
static unsigned ist_for(unsigned vector)
{
	switch (vector) {
	case 2:  return IST_NMI;
	case 8:  return IST_DOUBLE_FAULT;
	case 18: return IST_MACHINE_CHECK;
	default: return 0;
	}
}

void idt_load(void)
{
	struct idt_pointer idtr = {
		.limit = sizeof(idt_table) - 1,
		.base = (uint64_t)(uintptr_t)idt_table,
	};

	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

void idt_setup(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_stub_table[v], ist_for(v));
	idt_load();
	pr_info("idt: IDT ready: 256 gates: exceptions 0-31, IRQs %u-%u, APIC vectors 0x%x-0xff, "
		"any other vector logged and ignored; IST%u #DF, IST%u NMI, IST%u #MC\n",
		ISA_IRQ_VECTOR(0), ISA_IRQ_VECTOR(NR_IRQS - 1), FIRST_SYSTEM_VECTOR,
		IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK);
}
