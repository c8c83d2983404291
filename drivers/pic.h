/*
 * The two legacy 8259A PICs, remapped to vectors 32-47.  Linux:
 * arch/x86/kernel/i8259.c.
 */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

#include "lib/types.h"

#define PIC_VECTOR_BASE 32

void pic_setup(void);			/* remap, all lines masked */
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_mask_all(void);		/* quiesce (kexec, panic) */
void pic_eoi(unsigned irq);

/*
 * For IRQ 7 and 15: true if the PIC raised it spuriously (its in-service
 * bit is clear).  The IRQ dispatcher must then neither run a handler nor
 * call pic_eoi; for a spurious 15 the master's EOI is sent here.  Always
 * false for other lines.
 */
bool pic_is_spurious(unsigned irq);

#endif
