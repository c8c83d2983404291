/*
 * Interrupt vectors, IRQ lines and their handlers.  The vector space
 * (Linux: arch/x86/include/asm/irq_vectors.h): 0-31 the CPU's exceptions,
 * 32-47 the 16 legacy IRQ lines (keyboard, COM1, the PIT...), whichever
 * controller delivers them, and the top vectors the local APIC's own
 * (timer, IPIs, error, spurious), with Linux's numbers.  Every other
 * vector has a gate too (kernel/idt.c): an interrupt there, left pending
 * or still firing from an earlier kernel, is logged once, acknowledged
 * and ignored.  A driver registers a handler for its line (Linux:
 * request_irq); the core registers its APIC vectors (Linux: sysvec_*).
 * Linux: kernel/irq/ (request_irq, handle_irq), arch/x86/kernel/irq.c
 * (common_interrupt, "No irq handler for vector").
 */
#ifndef DRIVERS_IRQ_H
#define DRIVERS_IRQ_H

#include "drivers/irq_vectors.h"
#include "lib/types.h"

struct trap_frame;

/* A handler gets its line (or vector) and the interrupted context. */
typedef void (*irq_handler_t)(unsigned irq, struct trap_frame *tf);

/*
 * Register handler for line irq (0-15); the controller is acknowledged for
 * it.  irq >= 16, or a second different handler for a line that has one,
 * is refused with an error line (E_RANGE, E_BUSY); NULL removes the
 * handler.  The driver unmasks its line afterwards (irq_unmask).
 */
void irq_register(unsigned irq, irq_handler_t handler);

/* Let legacy line irq through, or block it, at whichever controller
 * delivers it: the I/O APIC once ioapic_setup ran, else the 8259 PIC. */
void irq_unmask(unsigned irq);
void irq_mask(unsigned irq);

/*
 * Register handler for a vector of the local APIC's own range
 * (FIRST_SYSTEM_VECTOR..0xfe); it gets the vector as its first argument
 * and the local APIC's end of interrupt is sent after it returns.  Refused
 * with an error line (E_RANGE, E_BUSY) like irq_register.
 */
void irq_register_vector(unsigned vector, irq_handler_t handler);

/* The handler registered for a system vector, or NULL. */
irq_handler_t irq_vector_handler(unsigned vector);

/*
 * From the trap code, interrupts off: an interrupt arrived on vector
 * (>= FIRST_EXTERNAL_VECTOR).  A legacy line runs its handler, then the
 * end of interrupt (the PIC's; the local APIC's if the local APIC
 * delivered it); a system vector its handler, then the local APIC's end of
 * interrupt; the spurious vector is only counted; any other vector is
 * logged once and acknowledged at the local APIC if it is in service there.
 */
void irq_dispatch(unsigned vector, struct trap_frame *tf);

/* Interrupts this CPU took on vector since boot (the `apic` command). */
uint64_t irq_count(unsigned vector);

/* Vectors that arrived without a handler (counted in irq_count). */
bool irq_unexpected(unsigned vector);

#endif
