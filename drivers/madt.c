/*
 * Decoding the MADT (drivers/madt.h).  After a 44-byte fixed part (the
 * header, the local APIC address, the flags) come entries {type, length,
 * fields}; each is checked against the end of the table and its type's
 * size before a field is read, and types we do not use are skipped by
 * their length, as ACPI says a reader must.  Pure: compiled into the host
 * unit tests.  Linux: acpi_table_parse_madt and the acpi_parse_* handlers
 * of arch/x86/kernel/acpi/boot.c.
 */
#include "drivers/madt.h"
#include "lib/errno.h"
#include "lib/string.h"

#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

#define MADT_FIXED_LEN 44		/* header 36, local APIC address, flags */
enum {
	T_LAPIC = 0, T_IOAPIC = 1, T_OVERRIDE = 2, T_NMI_SOURCE = 3, T_LAPIC_NMI = 4,
	T_LAPIC_ADDRESS = 5, T_X2APIC = 9, T_X2APIC_NMI = 10,
};

/* Smallest length of each type we read (ACPI 6.5, tables 5.44-5.58). */
static unsigned min_length(uint8_t type)
{
	switch (type) {
	case T_LAPIC: return 8;
	case T_IOAPIC: return 12;
	case T_OVERRIDE: return 10;
	case T_LAPIC_NMI: return 6;
	case T_LAPIC_ADDRESS: return 12;
	case T_X2APIC: return 16;
	case T_X2APIC_NMI: return 12;
	default: return 2;
	}
}

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Polarity or trigger 2 is reserved (ACPI 6.5, table 5.50). */
static bool flags_ok(uint16_t flags)
{
	return (flags & MADT_POLARITY_MASK) != 2 && (flags & MADT_TRIGGER_MASK) != 8;
}

static void add_cpu(struct madt *m, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic)
{
	for (unsigned i = 0; i < m->nr_cpus; i++)
		if (m->cpu[i].apic_id == apic_id) {
			m->nr_cpus_dropped++;	/* Linux: "duplicate APIC id", ignored */
			return;
		}
	if (m->nr_cpus == MADT_MAX_CPUS) {
		m->nr_cpus_dropped++;
		return;
	}
	m->cpu[m->nr_cpus++] = (struct madt_cpu){ apic_id, uid, flags & 1, (flags >> 1) & 1,
						  x2apic };
}

static int add_nmi(struct madt *m, uint32_t uid, uint8_t lint, uint16_t flags, size_t off,
		   char *why, size_t whylen)
{
	if (m->nr_nmis == MADT_MAX_NMIS)
		return FAIL(-E_2BIG, "more than %d local APIC NMI entries", MADT_MAX_NMIS);
	if (lint > 1 || !flags_ok(flags))
		return FAIL(-E_INVAL, "NMI entry at +%zu: LINT%u, flags 0x%x", off, lint, flags);
	m->nmi[m->nr_nmis++] = (struct madt_nmi){ uid, lint, flags };
	return 0;
}

/* One entry of at least min_length(type) bytes at e (offset off). */
static int parse_entry(struct madt *m, const uint8_t *e, size_t off, char *why, size_t whylen)
{
	switch (e[0]) {
	case T_LAPIC:
		add_cpu(m, e[3], e[2], get32(e + 4), false);
		return 0;
	case T_X2APIC:
		add_cpu(m, get32(e + 4), get32(e + 12), get32(e + 8), true);
		return 0;
	case T_IOAPIC:
		if (m->nr_ioapics == MADT_MAX_IOAPICS)
			return FAIL(-E_INVAL, "more than %d I/O APICs", MADT_MAX_IOAPICS);
		m->ioapic[m->nr_ioapics++] = (struct madt_ioapic){ e[2], get32(e + 4), get32(e + 8) };
		return 0;
	case T_OVERRIDE:
		if (m->nr_overrides == MADT_MAX_OVERRIDES)
			return FAIL(-E_2BIG, "more than %d interrupt source overrides",
				    MADT_MAX_OVERRIDES);
		if (e[2] != 0 || !flags_ok(get16(e + 8)))
			return FAIL(-E_INVAL, "override at +%zu: bus %u, flags 0x%x", off, e[2],
				    get16(e + 8));
		m->override[m->nr_overrides++] = (struct madt_override){ e[3], get32(e + 4),
									   get16(e + 8) };
		return 0;
	case T_LAPIC_NMI:
		return add_nmi(m, e[2] == 0xff ? MADT_UID_ALL : e[2], e[5], get16(e + 3), off, why,
			       whylen);
	case T_X2APIC_NMI:
		return add_nmi(m, get32(e + 4), e[8], get16(e + 2), off, why, whylen);
	case T_LAPIC_ADDRESS:
		return 0;		/* taken in madt_parse, after every entry */
	default:
		m->nr_unknown++;	/* NMI sources, GIC entries...: not ours */
		return 0;
	}
}

int madt_parse(const void *table, size_t len, struct madt *m, char *why, size_t whylen)
{
	const uint8_t *t = table;
	size_t off = MADT_FIXED_LEN;
	paddr_t override_address = 0;
	int err;

	memset(m, 0, sizeof(*m));
	if (len < MADT_FIXED_LEN)
		return FAIL(-E_TRUNC, "%zu bytes, the fixed part is %d", len, MADT_FIXED_LEN);
	if (memcmp(t, "APIC", 4) != 0)
		return FAIL(-E_INVAL, "signature '%.4s', not 'APIC'", (const char *)t);
	m->lapic_address = get32(t + 36);
	m->pcat_compat = get32(t + 40) & 1;
	while (off < len) {
		const uint8_t *e = t + off;

		if (len - off < 2 || e[1] < 2)
			return FAIL(len - off < 2 ? -E_TRUNC : -E_INVAL,
				    "entry at +%zu: no room for its type and length", off);
		if (e[1] > len - off)
			return FAIL(-E_TRUNC, "entry at +%zu (type %u) runs %u bytes past the end",
				    off, e[0], (unsigned)(e[1] - (len - off)));
		if (e[1] < min_length(e[0]))
			return FAIL(-E_TRUNC, "entry at +%zu (type %u) has %u bytes, needs %u", off,
				    e[0], e[1], min_length(e[0]));
		if (e[0] == T_LAPIC_ADDRESS)
			override_address = get64(e + 4);	/* wins over the 32-bit one */
		err = parse_entry(m, e, off, why, whylen);
		if (err)
			return err;
		off += e[1];
	}
	if (override_address)
		m->lapic_address = override_address;
	return 0;
}

void madt_irq_to_gsi(const struct madt *m, unsigned irq, uint32_t *gsi, bool *level,
		     bool *active_low)
{
	*gsi = irq;
	*level = false;
	*active_low = false;
	for (unsigned i = 0; i < m->nr_overrides; i++) {
		const struct madt_override *o = &m->override[i];

		if (o->irq != irq)
			continue;
		*gsi = o->gsi;
		*level = (o->flags & MADT_TRIGGER_MASK) == MADT_TRIGGER_LEVEL;
		*active_low = (o->flags & MADT_POLARITY_MASK) == MADT_POLARITY_LOW;
		return;
	}
}

int madt_ioapic_for_gsi(const struct madt *m, const unsigned *npins, uint32_t gsi,
			unsigned *pin)
{
	for (unsigned i = 0; i < m->nr_ioapics; i++) {
		uint32_t base = m->ioapic[i].gsi_base;

		if (gsi >= base && gsi - base < npins[i]) {
			*pin = gsi - base;
			return (int)i;
		}
	}
	return -1;
}
