/*
 * Dispatch by vector (drivers/irq.h): the legacy line table, the local
 * APIC's system vectors, the spurious vector, and everything else, which
 * nobody asked for: an interrupt an earlier kernel left pending, a local
 * APIC timer it left running (Linux keeps its own on vector 0xec), a
 * stray IPI.  Those are logged once per vector, acknowledged at the local
 * APIC if it has them in service (else that vector, and every lower one,
 * would stay blocked), and otherwise ignored.  The log lines keep the
 * "traps:" tag they had when this lived in kernel/traps.c.  Linux:
 * kernel/irq/manage.c (request_irq), arch/x86/kernel/irq.c
 * (common_interrupt and its "No irq handler for vector" message).
 */
#include "drivers/irq.h"
#include "drivers/apic.h"
#include "drivers/ioapic.h"
#include "drivers/pic.h"
#include "lib/printk.h"

static irq_handler_t irq_handlers[NR_IRQS];
static bool irq_warned[NR_IRQS];
static irq_handler_t vector_handlers[NR_VECTORS];
static bool vector_warned[NR_VECTORS];
static volatile uint64_t vector_count[NR_VECTORS];

void irq_register(unsigned irq, irq_handler_t handler)
{
	if (irq >= NR_IRQS) {
		pr_err("traps: error: irq_register: no IRQ line %u (E_RANGE)\n", irq);
		return;
	}
	if (handler && irq_handlers[irq] && irq_handlers[irq] != handler) {
		pr_err("traps: error: irq_register: IRQ %u already has a handler (E_BUSY)\n", irq);
		return;
	}
	irq_handlers[irq] = handler;
}

void irq_register_vector(unsigned vector, irq_handler_t handler)
{
	if (vector < FIRST_SYSTEM_VECTOR || vector >= SPURIOUS_APIC_VECTOR) {
		pr_err("traps: error: irq_register_vector: 0x%x is not a system vector (E_RANGE)\n",
		       vector);
		return;
	}
	if (handler && vector_handlers[vector] && vector_handlers[vector] != handler) {
		pr_err("traps: error: irq_register_vector: vector 0x%x already has a handler "
		       "(E_BUSY)\n", vector);
		return;
	}
	vector_handlers[vector] = handler;
}

void irq_unmask(unsigned irq)
{
	if (ioapic_active())
		ioapic_unmask_irq(irq);
	else
		pic_unmask(irq);
}

void irq_mask(unsigned irq)
{
	if (ioapic_active())
		ioapic_mask_irq(irq);
	else
		pic_mask(irq);
}

irq_handler_t irq_vector_handler(unsigned vector)
{
	return vector < NR_VECTORS ? vector_handlers[vector] : NULL;
}

uint64_t irq_count(unsigned vector)
{
	return vector < NR_VECTORS ? vector_count[vector] : 0;
}

bool irq_unexpected(unsigned vector)
{
	return vector < NR_VECTORS && vector_warned[vector];
}

/* A legacy line: its handler, then the end of interrupt.  The 8259 PIC
 * delivers through the local APIC's LINT0 as ExtINT, which sets no
 * in-service bit there; an I/O APIC or an IPI on the same vector does. */
static void dispatch_line(unsigned irq, unsigned vector, struct trap_frame *tf)
{
	bool via_apic = apic_in_service(vector);

	if (!via_apic && pic_is_spurious(irq))
		return;		/* no handler, no EOI: see drivers/pic.h */
	if (irq_handlers[irq]) {
		irq_handlers[irq](irq, tf);
	} else if (!irq_warned[irq]) {
		irq_warned[irq] = true;
		pr_warn("traps: IRQ %u with no handler (reported once)\n", irq);
	}
	if (via_apic)
		apic_eoi();
	else
		pic_eoi(irq);
}

/* Nobody's vector: say so once, acknowledge it if the local APIC holds it
 * in service, carry on (Linux: "No irq handler for vector"). */
static void dispatch_unexpected(unsigned vector)
{
	bool in_service = apic_in_service(vector);

	if (!vector_warned[vector]) {
		vector_warned[vector] = true;
		pr_warn("traps: vector 0x%02x with no handler on APIC id %u: %s, ignored "
			"(reported once per vector)\n", vector, apic_read_id(),
			in_service ? "acknowledged at the local APIC" : "not in service");
	}
	if (in_service)
		apic_eoi();
}

void irq_dispatch(unsigned vector, struct trap_frame *tf)
{
	if (vector >= NR_VECTORS)
		return;
	vector_count[vector]++;
	if (vector >= ISA_IRQ_VECTOR(0) && vector < ISA_IRQ_VECTOR(NR_IRQS)) {
		dispatch_line(vector - ISA_IRQ_VECTOR(0), vector, tf);
	} else if (vector == SPURIOUS_APIC_VECTOR) {
		/* No in-service bit, no EOI (SDM vol. 3, 11.9): counted only. */
	} else if (vector == ERROR_APIC_VECTOR) {
		apic_error_interrupt();
		apic_eoi();
	} else if (vector_handlers[vector]) {
		vector_handlers[vector](vector, tf);
		apic_eoi();
	} else {
		dispatch_unexpected(vector);
	}
}
