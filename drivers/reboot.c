/*
 * Power off and reset, trying one method after another as Linux does:
 * soft-off is ACPI S5 (SLP_TYP from \_S5_ with SLP_EN into PM1x_CNT),
 * then QEMU's fixed ACPI ports; reset is the FADT reset register, then the
 * chipset's 0xcf9, then the keyboard controller, then a triple fault.
 * Linux: arch/x86/kernel/reboot.c (native_machine_emergency_restart),
 * drivers/acpi/sleep.c (acpi_power_off), drivers/acpi/reboot.c.
 */
#include "boot/addr.h"
#include "drivers/acpi.h"
#include "drivers/reboot.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/time.h"

#define PM1_SCI_EN 0x0001	/* PM1 control: ACPI mode is on */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define QEMU_Q35_PM1_CNT 0x604	/* ICH9 PM base 0x600 + 4 */
#define QEMU_PIIX_PM1_CNT 0xb004	/* PIIX4 PM base 0xb000 + 4 (bochs) */
#define VBOX_PM1_CNT 0x4004
#define RESET_CONTROL 0xcf9	/* PIIX/ICH reset control register */
#define RST_CPU 0x04		/* 0 -> 1 transition resets */
#define RST_SYS_HARD 0x02	/* full reset rather than INIT */
#define I8042_STATUS 0x64
#define I8042_CMD 0x64
#define I8042_PULSE_RESET 0xfe	/* pulse output line 0: CPU reset */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static unsigned gas_width(const struct acpi_gas *g)
{
	if (g->bit_width == 8 || g->bit_width == 16 || g->bit_width == 32)
		return g->bit_width;
	if (g->access_size >= 1 && g->access_size <= 3)
		return 8u << (g->access_size - 1);	/* 1: byte, 2: word, 3: dword */
	return 16;
}

/* Write a register described by a Generic Address Structure. */
static void gas_write(const struct acpi_gas *g, uint32_t v)
{
	unsigned width = gas_width(g);

	if (g->space_id == ACPI_GAS_IO) {
		uint16_t port = (uint16_t)g->address;

		if (width == 8)
			outb(port, (uint8_t)v);
		else if (width == 16)
			outw(port, (uint16_t)v);
		else
			outl(port, v);
	} else if (g->space_id == ACPI_GAS_MEMORY) {
		volatile void *p = phys_to_virt(g->address);

		if (width == 8)
			*(volatile uint8_t *)p = (uint8_t)v;
		else if (width == 16)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = v;
	} else if (g->space_id == ACPI_GAS_PCI_CONFIG) {
		/* ACPI 6.5 5.2.3.2: bus 0, device in bits 32-47, function in
		 * 16-31, register offset in 0-15; only byte writes here. */
		uint32_t dev = (uint32_t)(g->address >> 32) & 0x1f;
		uint32_t fn = (uint32_t)(g->address >> 16) & 0x7;
		uint32_t off = (uint32_t)g->address & 0xff;

		outl(PCI_CONFIG_ADDRESS, 0x80000000u | dev << 11 | fn << 8 | (off & 0xfc));
		outb((uint16_t)(PCI_CONFIG_DATA + (off & 3)), (uint8_t)v);
	}
}

/* Read a 16-bit PM1 control register (I/O or memory); 0 otherwise. */
static uint16_t pm1_read(const struct acpi_gas *g)
{
	if (g->space_id == ACPI_GAS_IO)
		return inw((uint16_t)g->address);
	if (g->space_id == ACPI_GAS_MEMORY)
		return *(volatile uint16_t *)phys_to_virt(g->address);
	return 0;
}

/* Firmware may still own the PM registers (legacy mode): ask it, through
 * the SMI command port, to hand over, and wait up to a second for SCI_EN. */
static void acpi_enable_mode(const struct acpi_fadt_info *f)
{
	if (pm1_read(&f->pm1a_cnt) & PM1_SCI_EN)
		return;
	if (!f->smi_cmd || !f->acpi_enable)
		return;			/* hardware-reduced or always on */
	outb((uint16_t)f->smi_cmd, f->acpi_enable);
	for (int i = 0; i < 100 && !(pm1_read(&f->pm1a_cnt) & PM1_SCI_EN); i++)
		udelay(10000);
}

/* S5 through the FADT's PM1a (and PM1b) control registers. */
static void acpi_s5(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();
	uint8_t typa, typb;
	uint16_t a, b = 0;

	if (!f || !f->pm1a_cnt.address || acpi_s5_sleep_type(&typa, &typb))
		return;
	acpi_enable_mode(f);
	/* ACPI 6.5 16.1.7: SLP_TYP first, then SLP_TYP with SLP_EN. */
	a = (uint16_t)((pm1_read(&f->pm1a_cnt) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN)) |
		       (unsigned)typa << PM1_SLP_TYP_SHIFT);
	if (f->pm1b_cnt.address)
		b = (uint16_t)((pm1_read(&f->pm1b_cnt) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN)) |
			       (unsigned)typb << PM1_SLP_TYP_SHIFT);
	gas_write(&f->pm1a_cnt, a);
	if (f->pm1b_cnt.address)
		gas_write(&f->pm1b_cnt, b);
	gas_write(&f->pm1a_cnt, a | PM1_SLP_EN);
	if (f->pm1b_cnt.address)
		gas_write(&f->pm1b_cnt, b | PM1_SLP_EN);
	udelay(500000);		/* the machine goes away during this */
}

/*
 * Power the machine off: ACPI S5 if the tables allowed it, then the fixed
 * PM1 control ports of QEMU q35, QEMU pc/Bochs and VirtualBox (SLP_TYP 0
 * is their soft-off).  Returns only if all of them failed.
 */
void machine_power_off(void)
{
	uint64_t flags = irq_save();

	acpi_s5();
	outw(QEMU_Q35_PM1_CNT, PM1_SLP_EN);
	udelay(100000);
	outw(QEMU_PIIX_PM1_CNT, PM1_SLP_EN);
	udelay(100000);
	outw(VBOX_PM1_CNT, PM1_SLP_EN | 0x1400);	/* SLP_TYP 5 there */
	udelay(100000);
	irq_restore(flags);
}

static void reset_via_8042(void)
{
	for (int tries = 0; tries < 10; tries++) {
		for (int i = 0; i < 100000 && (inb(I8042_STATUS) & 0x02); i++)
			io_wait();	/* input buffer still full */
		outb(I8042_CMD, I8042_PULSE_RESET);
		udelay(50000);
	}
}

static __noreturn void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __packed no_idt = { 0, 0 };

	/* With an empty IDT, int3 cannot be delivered: #GP, #DF, shutdown. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		cpu_halt();
}

/*
 * Reset the machine, never returning: each method gets 50 ms to work
 * before the next is tried.  Safe from the panic path (no locks, no
 * interrupts, udelay works before and after TSC calibration).
 */
__noreturn void machine_reboot(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();
	uint8_t cf9;

	irq_disable();
	if (f && f->reset_supported && f->reset_reg.address) {
		gas_write(&f->reset_reg, f->reset_value);
		udelay(50000);
	}
	cf9 = inb(RESET_CONTROL) & (uint8_t)~(RST_CPU | RST_SYS_HARD);
	outb(RESET_CONTROL, cf9 | RST_SYS_HARD);
	udelay(50);
	outb(RESET_CONTROL, cf9 | RST_SYS_HARD | RST_CPU);
	udelay(50000);
	reset_via_8042();
	triple_fault();
}

static int cmd_poweroff(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	pr_notice("reboot: power down\n");
	machine_power_off();
	pr_err("reboot: error: no poweroff method worked (E_IO)\n");
	shell_mark_reported();
	return -E_IO;
}
SHELL_COMMAND(poweroff, "", "switch the machine off (ACPI S5)", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	pr_notice("reboot: restarting system\n");
	machine_reboot();
}
SHELL_COMMAND(reboot, "", "reset the machine", cmd_reboot);
