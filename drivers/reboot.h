/*
 * Switching the machine off and resetting it, each through every method
 * a PC may offer (ACPI first, then the chipset's and the old controllers'
 * fixed ports).  Linux: include/linux/reboot.h (machine_power_off,
 * machine_restart), arch/x86/kernel/reboot.c.
 */
#ifndef DRIVERS_REBOOT_H
#define DRIVERS_REBOOT_H

#include "lib/types.h"

/* Power off (ACPI S5, then QEMU's and VirtualBox's fixed PM ports);
 * returns only if every method failed. */
void machine_power_off(void);

/* Reset the machine (ACPI reset register, 0xcf9, 8042, triple fault);
 * never returns.  Safe from the panic path. */
__noreturn void machine_reboot(void);

#endif
