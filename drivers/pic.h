/*
 * The two legacy 8259A PICs, remapped to vectors 32-47.  Linux:
 * arch/x86/kernel/i8259.c.
 */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

#include "kernel/types.h"

#define PIC_VECTOR_BASE 32

void pic_setup(void);			/* remap, all lines masked */
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_mask_all(void);		/* quiesce (kexec, panic) */
void pic_eoi(unsigned irq);

#endif
