/*
 * ACPI, just enough: find the RSDP (from the multiboot2 tags, or by
 * scanning the BIOS areas), validate checksums, find the FADT, and use it
 * to power off (S5) and reset.  Linux: drivers/acpi/tables.c, and
 * acpi_power_off / acpi_reboot.
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "kernel/types.h"

void acpi_setup(void);
paddr_t acpi_rsdp_address(void);	/* 0 if none was found */

/* Power off; returns only if every method failed. */
void acpi_poweroff(void);

/* Reset the machine (ACPI reset register, 0xcf9, 8042, triple fault). */
__noreturn void machine_reboot(void);

/* QEMU's isa-debug-exit device: exit QEMU with status (code << 1) | 1. */
void qemu_debug_exit(uint8_t code);

#endif
