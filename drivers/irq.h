/*
 * IRQ lines and their handlers.  A driver registers a handler for its
 * line (Linux: request_irq); the trap code hands every interrupt that
 * arrives on a line to irq_dispatch, which runs the handler and
 * acknowledges the interrupt controller.  Today the controller is the
 * pair of 8259 PICs (drivers/pic.c): lines 0-15 at vectors
 * PIC_VECTOR_BASE..+15.  Linux: kernel/irq/ (request_irq, handle_irq),
 * arch/x86/kernel/irq.c (common_interrupt).
 */
#ifndef DRIVERS_IRQ_H
#define DRIVERS_IRQ_H

#include "lib/types.h"

#define NR_IRQS 16		/* the legacy lines of the two PICs */

struct trap_frame;

/* A handler gets its line and the interrupted context (kernel/traps.h). */
typedef void (*irq_handler_t)(unsigned irq, struct trap_frame *tf);

/*
 * Register handler for line irq (0-15); the controller is acknowledged for
 * it.  irq >= 16, or a second different handler for a line that has one,
 * is refused with an error line (E_RANGE, E_BUSY); NULL removes the
 * handler.  The driver unmasks its line afterwards (pic_unmask).
 */
void irq_register(unsigned irq, irq_handler_t handler);

/*
 * From the trap code, interrupts off: an interrupt arrived on line irq
 * (< NR_IRQS).  A spurious one (drivers/pic.h) is dropped; otherwise the
 * handler runs (a line without one is reported once) and the PIC gets its
 * end of interrupt.
 */
void irq_dispatch(unsigned irq, struct trap_frame *tf);

#endif
