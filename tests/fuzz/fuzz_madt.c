/*
 * Fuzz target: the MADT decoder (drivers/madt.c), which tells the kernel
 * its CPUs, I/O APICs, ISA IRQ routing and NMI inputs.  An accepted table
 * must give tables within their limits, no CPU twice, no reserved flags,
 * and IRQ and GSI lookups that agree with the entries; a refused one must
 * say why.  Seeds: QEMU's MADTs (tests/data/madt-*.bin).
 */
#include <stdlib.h>
#include "drivers/madt.h"
#include "tests/fuzz/fuzz.h"

#define IOAPIC_PINS 24		/* QEMU's I/O APIC: version register says 24 */

static void check_tables(const struct madt *m)
{
	if (m->nr_cpus > MADT_MAX_CPUS || m->nr_ioapics > MADT_MAX_IOAPICS ||
	    m->nr_overrides > MADT_MAX_OVERRIDES || m->nr_nmis > MADT_MAX_NMIS)
		abort();
	for (unsigned i = 0; i < m->nr_cpus; i++)
		for (unsigned j = i + 1; j < m->nr_cpus; j++)
			if (m->cpu[i].apic_id == m->cpu[j].apic_id)
				abort();
	for (unsigned i = 0; i < m->nr_overrides; i++)
		if ((m->override[i].flags & MADT_POLARITY_MASK) == 2 ||
		    (m->override[i].flags & MADT_TRIGGER_MASK) == 8)
			abort();
	for (unsigned i = 0; i < m->nr_nmis; i++)
		if (m->nmi[i].lint > 1 || (m->nmi[i].flags & MADT_POLARITY_MASK) == 2 ||
		    (m->nmi[i].flags & MADT_TRIGGER_MASK) == 8)
			abort();
}

/* Each ISA IRQ goes where its first override says, else to its own GSI;
 * the I/O APIC found for a GSI has that pin. */
static void check_routing(const struct madt *m)
{
	unsigned npins[MADT_MAX_IOAPICS], pin;

	for (unsigned i = 0; i < MADT_MAX_IOAPICS; i++)
		npins[i] = IOAPIC_PINS;
	for (unsigned irq = 0; irq < 16; irq++) {
		const struct madt_override *o = NULL;
		bool level, low;
		uint32_t gsi;
		int io;

		for (unsigned i = 0; i < m->nr_overrides && !o; i++)
			if (m->override[i].irq == irq)
				o = &m->override[i];
		madt_irq_to_gsi(m, irq, &gsi, &level, &low);
		if (gsi != (o ? o->gsi : irq) ||
		    level != (o && (o->flags & MADT_TRIGGER_MASK) == MADT_TRIGGER_LEVEL) ||
		    low != (o && (o->flags & MADT_POLARITY_MASK) == MADT_POLARITY_LOW))
			abort();
		io = madt_ioapic_for_gsi(m, npins, gsi, &pin);
		if (io >= (int)m->nr_ioapics ||
		    (io >= 0 && (pin >= IOAPIC_PINS || m->ioapic[io].gsi_base + pin != gsi)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct madt m;
	uint8_t *copy = fuzz_dup(data, size);
	char why[256];

	if (!copy)
		return 0;
	why[0] = '\0';
	if (madt_parse(copy, size, &m, why, sizeof(why)) == 0) {
		check_tables(&m);
		check_routing(&m);
	} else if (!why[0]) {
		abort();			/* every refusal is named */
	}
	free(copy);
	return 0;
}
