/*
 * The ACPI MADT ("APIC" table), decoded: which CPUs exist (local APIC and
 * x2APIC entries), the I/O APICs, how the legacy IRQs map onto their pins
 * (interrupt source overrides), and which local APIC input carries NMI.
 * Pure: no hardware, no globals, so the host unit tests run it on tables
 * captured from QEMU (tests/data/madt-*.bin).  ACPI 6.5, 5.2.12.  Linux:
 * arch/x86/kernel/acpi/boot.c (acpi_parse_madt, acpi_parse_lapic,
 * acpi_parse_x2apic, acpi_parse_ioapic, acpi_parse_int_src_ovr,
 * acpi_parse_lapic_nmi).
 */
#ifndef DRIVERS_MADT_H
#define DRIVERS_MADT_H

#include "lib/types.h"

#define MADT_MAX_CPUS 256		/* entries kept; more are counted only */
#define MADT_MAX_IOAPICS 8
#define MADT_MAX_OVERRIDES 16
#define MADT_MAX_NMIS 8
#define MADT_UID_ALL 0xffffffffu	/* a local APIC NMI entry for every CPU */

/* Interrupt source override / NMI flags (MPS INTI flags). */
#define MADT_POLARITY_MASK 0x3
#define MADT_POLARITY_HIGH 0x1
#define MADT_POLARITY_LOW 0x3
#define MADT_TRIGGER_MASK 0xc
#define MADT_TRIGGER_EDGE 0x4
#define MADT_TRIGGER_LEVEL 0xc

struct madt_cpu {
	uint32_t apic_id;
	uint32_t uid;		/* ACPI processor UID */
	bool enabled;		/* flags bit 0: usable now */
	bool online_capable;	/* flags bit 1: may be enabled later (hotplug) */
	bool x2apic;		/* from an x2APIC entry (type 9) */
};

struct madt_ioapic {
	uint32_t id;
	paddr_t address;
	uint32_t gsi_base;	/* the first global system interrupt of its pins */
};

struct madt_override {
	uint8_t irq;		/* the ISA IRQ (bus 0) */
	uint32_t gsi;
	uint16_t flags;		/* MADT_POLARITY_*, MADT_TRIGGER_* */
};

struct madt_nmi {
	uint32_t uid;		/* MADT_UID_ALL: every CPU */
	uint8_t lint;		/* 0 or 1 */
	uint16_t flags;
};

struct madt {
	paddr_t lapic_address;	/* the override's 64-bit one if there is one */
	bool pcat_compat;	/* flags bit 0: 8259 PICs present too */
	struct madt_cpu cpu[MADT_MAX_CPUS];
	unsigned nr_cpus;
	unsigned nr_cpus_dropped;	/* past MADT_MAX_CPUS, or a duplicate APIC id */
	struct madt_ioapic ioapic[MADT_MAX_IOAPICS];
	unsigned nr_ioapics;
	struct madt_override override[MADT_MAX_OVERRIDES];
	unsigned nr_overrides;
	struct madt_nmi nmi[MADT_MAX_NMIS];
	unsigned nr_nmis;
	unsigned nr_unknown;	/* entries of types we do not use */
};

/*
 * Decode a MADT of len bytes (header included; its checksum already
 * checked by the ACPI code) into *m.  Every entry is checked against its
 * type's size and the table's end before it is read.  Returns 0, -E_TRUNC
 * (table shorter than its fixed part, or an entry running past the end or
 * shorter than its type), -E_INVAL (not "APIC", an entry of length < 2,
 * an I/O APIC entry past MADT_MAX_IOAPICS, or a flags value with
 * reserved polarity/trigger 2), -E_2BIG (more overrides or NMI entries
 * than kept).  why (may be NULL) says which entry and what.
 */
int madt_parse(const void *table, size_t len, struct madt *m, char *why, size_t whylen);

/*
 * Where ISA IRQ irq arrives: its GSI and flags, from an override if there
 * is one, else GSI = irq, edge, active high (ISA's defaults).  "Conforms
 * to the bus" flags become the ISA defaults too.
 */
void madt_irq_to_gsi(const struct madt *m, unsigned irq, uint32_t *gsi, bool *level,
		     bool *active_low);

/* The I/O APIC whose pins include gsi (pins from its gsi_base up to
 * gsi_base + npins[i]; npins from each I/O APIC's version register), or
 * -1.  *pin gets the pin. */
int madt_ioapic_for_gsi(const struct madt *m, const unsigned *npins, uint32_t gsi,
			unsigned *pin);

#endif
