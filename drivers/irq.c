/*
 * The IRQ line table (drivers/irq.h): one handler per legacy line, run
 * from the trap path, then the end of interrupt to the PIC.  The log
 * lines keep the "traps:" tag they had when this lived in kernel/traps.c:
 * they are documented (kernel/README.md) and describe what the trap path
 * saw.  Linux: kernel/irq/manage.c (request_irq) and
 * kernel/irq/handle.c with arch/x86/kernel/irq.c (common_interrupt).
 */
#include "drivers/irq.h"
#include "drivers/pic.h"
#include "lib/printk.h"

static irq_handler_t irq_handlers[NR_IRQS];
static bool irq_warned[NR_IRQS];

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

void irq_dispatch(unsigned irq, struct trap_frame *tf)
{
	if (pic_is_spurious(irq))
		return;		/* no handler, no EOI: see drivers/pic.h */
	if (irq_handlers[irq]) {
		irq_handlers[irq](irq, tf);
	} else if (!irq_warned[irq]) {
		irq_warned[irq] = true;
		pr_warn("traps: IRQ %u with no handler (reported once)\n", irq);
	}
	pic_eoi(irq);
}
