/*
 * The I/O APIC (drivers/ioapic.h): two registers, IOREGSEL and IOWIN,
 * through which every other one is reached; a 64-bit redirection entry per
 * pin says which vector, which CPU, edge or level, active high or low,
 * masked or not (82093AA datasheet; ACPI 6.5 5.2.12.3 for where they are).
 * Legacy IRQ n goes out on vector ISA_IRQ_VECTOR(n) whichever controller
 * delivers it, so drivers and the dispatcher do not care which one does.
 * Linux: arch/x86/kernel/apic/io_apic.c.
 */
#include "drivers/ioapic.h"
#include "drivers/acpi.h"
#include "drivers/apic.h"
#include "drivers/irq_vectors.h"
#include "drivers/madt.h"
#include "drivers/pic.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/x86.h"
#include "mm/paging.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDTBL 0x10		/* pin p: 0x10 + 2p (low), + 1 (high) */
#define RTE_POLARITY_LOW (1u << 13)
#define RTE_TRIGGER_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

static volatile uint32_t *regs[MADT_MAX_IOAPICS];
static unsigned npins[MADT_MAX_IOAPICS];
static const struct madt *madt;
static uint32_t dest_apic_id;		/* the CPU that gets every legacy IRQ */
static bool active;

static uint32_t ioapic_read(unsigned i, unsigned reg)
{
	regs[i][IOREGSEL / 4] = reg;
	return regs[i][IOWIN / 4];
}

static void ioapic_write(unsigned i, unsigned reg, uint32_t v)
{
	regs[i][IOREGSEL / 4] = reg;
	regs[i][IOWIN / 4] = v;
}

/* Mask first, then the destination, then the low word (it unmasks). */
static void write_entry(unsigned i, unsigned pin, uint32_t low, uint32_t dest)
{
	ioapic_write(i, IOAPIC_REG_REDTBL + 2 * pin, RTE_MASKED);
	ioapic_write(i, IOAPIC_REG_REDTBL + 2 * pin + 1, dest << 24);
	ioapic_write(i, IOAPIC_REG_REDTBL + 2 * pin, low);
}

static void mask_all(void)
{
	for (unsigned i = 0; i < madt->nr_ioapics; i++)
		for (unsigned pin = 0; pin < npins[i]; pin++)
			ioapic_write(i, IOAPIC_REG_REDTBL + 2 * pin, RTE_MASKED);
}

bool ioapic_active(void)
{
	return active;
}

/* The I/O APIC and pin of legacy IRQ irq, and its entry's low word. */
static int find_pin(unsigned irq, unsigned *ioapic, unsigned *pin, uint32_t *low)
{
	uint32_t gsi;
	bool level, active_low;
	int i;

	madt_irq_to_gsi(madt, irq, &gsi, &level, &active_low);
	i = madt_ioapic_for_gsi(madt, npins, gsi, pin);
	if (i < 0)
		return -E_RANGE;
	*ioapic = (unsigned)i;
	*low = ISA_IRQ_VECTOR(irq) | APIC_DM_FIXED | (level ? RTE_TRIGGER_LEVEL : 0) |
	       (active_low ? RTE_POLARITY_LOW : 0);
	return 0;
}

int ioapic_unmask_irq(unsigned irq)
{
	unsigned i, pin;
	uint32_t low;
	int err = irq < 16 ? find_pin(irq, &i, &pin, &low) : -E_RANGE;

	if (err) {
		pr_err("ioapic: error: no I/O APIC pin for IRQ %u (%s)\n", irq, err_name(err));
		return err;
	}
	write_entry(i, pin, low, dest_apic_id);
	pr_debug("ioapic: IRQ %u -> I/O APIC %u pin %u, vector 0x%02x, %s, active %s, APIC id %u\n",
		 irq, madt->ioapic[i].id, pin, low & APIC_VECTOR_MASK,
		 low & RTE_TRIGGER_LEVEL ? "level" : "edge",
		 low & RTE_POLARITY_LOW ? "low" : "high", dest_apic_id);
	return 0;
}

void ioapic_mask_irq(unsigned irq)
{
	unsigned i, pin;
	uint32_t low;

	if (irq < 16 && !find_pin(irq, &i, &pin, &low))
		ioapic_write(i, IOAPIC_REG_REDTBL + 2 * pin, low | RTE_MASKED);
}

/* Why the I/O APIC cannot be used, or NULL. */
static const char *unusable(void)
{
	if (cmdline_get(&kernel_cmdline, "noapic"))
		return "noapic";
	if (!apic_present())
		return "no local APIC";
	if (!(madt = acpi_madt()) || !madt->nr_ioapics)
		return "no I/O APIC in the MADT";
	return NULL;
}

void ioapic_setup(void)
{
	const char *why = unusable();

	if (why) {
		pr_info("ioapic: not used (%s): the 8259 PIC delivers the legacy IRQs\n", why);
		return;
	}
	for (unsigned i = 0; i < madt->nr_ioapics; i++) {
		regs[i] = ioremap(madt->ioapic[i].address, PAGE_SIZE);
		if (!regs[i]) {
			pr_err("ioapic: error: cannot map the I/O APIC at 0x%llx (E_NOMEM); the 8259 "
			       "PIC stays in charge\n", (unsigned long long)madt->ioapic[i].address);
			return;
		}
		npins[i] = ((ioapic_read(i, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
	}
	mask_all();
	pic_mask_all();			/* for good: the PIC's lines are masked */
	apic_write(APIC_REG_LVT_LINT0, APIC_LVT_MASKED | APIC_DM_EXTINT);
	dest_apic_id = apic_read_id();
	active = true;
	for (unsigned i = 0; i < madt->nr_ioapics; i++)
		pr_info("ioapic: I/O APIC id %u at 0x%llx, %u pins from GSI %u; legacy IRQs go to "
			"APIC id %u, the 8259 PIC is masked\n", madt->ioapic[i].id,
			(unsigned long long)madt->ioapic[i].address, npins[i],
			madt->ioapic[i].gsi_base, dest_apic_id);
}

void ioapic_shutdown(void)
{
	if (!active)
		return;
	mask_all();
	apic_write(APIC_REG_LVT_LINT0, APIC_DM_EXTINT);	/* virtual wire again */
}

CMDLINE_KEY(noapic, "noapic", "leave the legacy IRQs to the 8259 PIC, not the I/O APIC",
	    cmdline_check_flag);
