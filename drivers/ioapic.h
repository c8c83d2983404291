/*
 * The I/O APIC: routes the legacy IRQ lines (timer, keyboard, COM1) to a
 * CPU's local APIC, each on its vector, with the trigger and polarity the
 * MADT's interrupt source overrides give (the PIT's IRQ 0 arrives on pin
 * 2).  Once it routes, the 8259 PIC is masked for good and the boot CPU's
 * LINT0 (the PIC's virtual wire) too.  Linux: arch/x86/kernel/apic/
 * io_apic.c (setup_IO_APIC, ioapic_write_entry, clear_IO_APIC).
 */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include "lib/types.h"

/*
 * After acpi_setup and apic_setup, before any IRQ line is unmasked: find
 * the I/O APICs in the MADT, mask every pin, and from now on route legacy
 * lines through them to the calling CPU.  Without a MADT, an I/O APIC or a
 * local APIC, or with "noapic", it logs why and the PIC stays in charge.
 */
void ioapic_setup(void);

/* The I/O APIC routes the legacy lines (ioapic_setup succeeded). */
bool ioapic_active(void);

/* Route ISA IRQ irq (0-15) to the boot CPU on its vector, unmasked; or
 * mask it.  -E_RANGE if no I/O APIC pin carries it. */
int ioapic_unmask_irq(unsigned irq);
void ioapic_mask_irq(unsigned irq);

/*
 * Before kexec's jump or the capture kernel's: mask every pin and give the
 * boot CPU's LINT0 back to the 8259 PIC (virtual wire), the state a kernel
 * expects to find.  Linux: clear_IO_APIC, restore_boot_irq_mode.
 */
void ioapic_shutdown(void);

#endif
