/*
 * Tests of the MADT decoder (drivers/madt.c) on tables captured from QEMU
 * (tools/capture-madt.py: pc and q35, 4 and 8 CPUs, CPUs listed but not
 * present, a socket/core topology with gaps in the APIC ids), on an x2APIC
 * table built here from the ACPI spec (QEMU 7.2 under TCG cannot make
 * one), and on broken tables: every cut of a real one, entries too short,
 * too long, of length 0 or 1, reserved flags.
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/madt.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

static struct madt m;

static int parse_file(const char *name, size_t *len_out)
{
	size_t len;
	void *t = test_read_file(name, &len);
	int err = madt_parse(t, len, &m, NULL, 0);

	free(t);
	if (len_out)
		*len_out = len;
	return err;
}

/* QEMU's shape on both machines: one I/O APIC at 0xfec00000 from GSI 0,
 * IRQ 0 -> GSI 2, IRQs 5 9 10 11 level, LINT1 NMI on every CPU. */
static int check_qemu_shape(void)
{
	static const uint8_t level_irqs[] = { 5, 9, 10, 11 };
	uint32_t gsi;
	bool level, low;

	if (m.lapic_address != 0xfee00000 || !m.pcat_compat || m.nr_ioapics != 1 ||
	    m.ioapic[0].address != 0xfec00000 || m.ioapic[0].gsi_base != 0 || m.nr_unknown)
		return 0;
	madt_irq_to_gsi(&m, 0, &gsi, &level, &low);
	if (gsi != 2 || level || low)
		return 0;
	madt_irq_to_gsi(&m, 4, &gsi, &level, &low);	/* COM1: no override */
	if (gsi != 4 || level || low)
		return 0;
	for (unsigned i = 0; i < sizeof(level_irqs); i++) {
		madt_irq_to_gsi(&m, level_irqs[i], &gsi, &level, &low);
		if (gsi != level_irqs[i] || !level || low)
			return 0;
	}
	return m.nr_overrides == 5 && m.nr_nmis == 1 && m.nmi[0].uid == MADT_UID_ALL &&
	       m.nmi[0].lint == 1;
}

static int cpus_are(const uint32_t *ids, unsigned n, unsigned enabled)
{
	if (m.nr_cpus != n || m.nr_cpus_dropped)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (m.cpu[i].apic_id != ids[i] || m.cpu[i].uid != i || m.cpu[i].x2apic ||
		    m.cpu[i].enabled != (i < enabled))
			return 0;
	return 1;
}

static const uint32_t ids8[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

TEST(madt_qemu_pc_4_and_8_cpus)
{
	CHECK_EQ(parse_file("madt-pc-smp4.bin", NULL), 0);
	CHECK(cpus_are(ids8, 4, 4));
	CHECK(check_qemu_shape());
	CHECK_EQ(parse_file("madt-pc-smp8.bin", NULL), 0);
	CHECK(cpus_are(ids8, 8, 8));
	CHECK(check_qemu_shape());
}

TEST(madt_qemu_q35_4_and_8_cpus)
{
	CHECK_EQ(parse_file("madt-q35-smp4.bin", NULL), 0);
	CHECK(cpus_are(ids8, 4, 4));
	CHECK(check_qemu_shape());
	CHECK_EQ(parse_file("madt-q35-smp8.bin", NULL), 0);
	CHECK(cpus_are(ids8, 8, 8));
	CHECK(check_qemu_shape());
}

TEST(madt_qemu_cpus_listed_but_not_present)
{
	/* -smp 2,maxcpus=4: four entries, the last two neither enabled nor
	 * online capable (QEMU's flags 0 for a CPU that may be hot-added). */
	CHECK_EQ(parse_file("madt-q35-smp2-maxcpus4.bin", NULL), 0);
	CHECK(cpus_are(ids8, 4, 2));
	CHECK(!m.cpu[2].online_capable && !m.cpu[3].online_capable);
}

TEST(madt_qemu_apic_ids_with_gaps)
{
	/* 2 sockets of 3 cores: the core number takes 2 bits of the APIC id. */
	static const uint32_t ids[] = { 0, 1, 2, 4, 5, 6 };

	CHECK_EQ(parse_file("madt-pc-sockets2-cores3.bin", NULL), 0);
	CHECK(cpus_are(ids, 6, 6));
	CHECK(check_qemu_shape());
}

TEST(madt_every_cut_of_a_real_table)
{
	size_t len;
	uint8_t *t = test_read_file("madt-pc-smp8.bin", &len);

	/* Only cuts on an entry boundary parse; no cut reads past its end
	 * (ASan watches every read of the malloc'd copy). */
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		size_t off = 44;
		int want, err;

		memcpy(copy, t, cut);
		while (off < cut)
			off += t[off + 1];
		want = cut < 44 ? -E_TRUNC : (off == cut ? 0 : -E_TRUNC);
		err = madt_parse(copy, cut, &m, NULL, 0);
		free(copy);
		if (err != want)
			test_fail(__FILE__, __LINE__, "cut at %zu: got %d, want %d", cut, err, want);
		CHECK(!test_failed());
	}
	free(t);
}

/* A table built by hand: fixed part, then the entries given. */
static size_t build(uint8_t *t, const uint8_t *entries, size_t n)
{
	memset(t, 0, 44);
	memcpy(t, "APIC", 4);
	t[36] = 0x00, t[37] = 0x00, t[38] = 0xe0, t[39] = 0xfe;	/* 0xfee00000 */
	memcpy(t + 44, entries, n);
	return 44 + n;
}

TEST(madt_x2apic_entries)
{
	/* ACPI 6.5 5.2.12.12/13: x2APIC ids above 254, an x2APIC NMI entry,
	 * and a local APIC address override, as a big machine has them. */
	static const uint8_t e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,					/* LAPIC uid 0 id 0 */
		9, 16, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0,	/* x2APIC id 300 uid 7 */
		9, 16, 0, 0, 0xff, 0xff, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0,	/* id 65535, online capable */
		10, 12, 5, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0,	/* x2APIC NMI: all, LINT1 */
		5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 1, 0, 0, 0,		/* address 0x1fee00000 */
		0x7f, 3, 0,						/* a type we skip */
	};
	uint8_t t[256];

	CHECK_EQ(madt_parse(t, build(t, e, sizeof(e)), &m, NULL, 0), 0);
	CHECK_EQ(m.nr_cpus, 3);
	CHECK(!m.cpu[0].x2apic && m.cpu[1].x2apic && m.cpu[2].x2apic);
	CHECK_EQ(m.cpu[1].apic_id, 300);
	CHECK_EQ(m.cpu[1].uid, 7);
	CHECK(m.cpu[1].enabled && !m.cpu[2].enabled && m.cpu[2].online_capable);
	CHECK_EQ(m.cpu[2].apic_id, 0xffff);
	CHECK_EQ(m.nr_nmis, 1);
	CHECK_EQ(m.nmi[0].uid, MADT_UID_ALL);
	CHECK_EQ(m.nmi[0].lint, 1);
	CHECK_EQ(m.nmi[0].flags, 5);
	CHECK_EQ(m.lapic_address, 0x1fee00000ULL);
	CHECK_EQ(m.nr_unknown, 1);
}

TEST(madt_duplicate_apic_ids_are_dropped)
{
	static const uint8_t e[] = {
		0, 8, 0, 3, 1, 0, 0, 0,
		0, 8, 1, 3, 1, 0, 0, 0,			/* APIC id 3 again */
		9, 16, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,	/* and as x2APIC */
	};
	uint8_t t[128];

	CHECK_EQ(madt_parse(t, build(t, e, sizeof(e)), &m, NULL, 0), 0);
	CHECK_EQ(m.nr_cpus, 1);
	CHECK_EQ(m.nr_cpus_dropped, 2);
}

TEST(madt_broken_entries_are_refused)
{
	static const struct {
		uint8_t e[16];
		size_t n;
		int err;
		const char *why;
	} cases[] = {
		{ { 0, 0 }, 2, -E_INVAL, "entry at +44: no room for its type and length" },
		{ { 0, 1, 0 }, 3, -E_INVAL, "entry at +44: no room for its type and length" },
		{ { 0 }, 1, -E_TRUNC, "entry at +44: no room for its type and length" },
		{ { 0, 8, 0, 0 }, 4, -E_TRUNC, "entry at +44 (type 0) runs 4 bytes past the end" },
		{ { 1, 8, 0, 0, 0, 0, 0xc0, 0xfe }, 8, -E_TRUNC,
		  "entry at +44 (type 1) has 8 bytes, needs 12" },
		{ { 9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, 12, -E_TRUNC,
		  "entry at +44 (type 9) has 12 bytes, needs 16" },
		{ { 2, 10, 0, 0, 2, 0, 0, 0, 2, 0 }, 10, -E_INVAL,
		  "override at +44: bus 0, flags 0x2" },
		{ { 2, 10, 1, 0, 2, 0, 0, 0, 0, 0 }, 10, -E_INVAL,
		  "override at +44: bus 1, flags 0x0" },
		{ { 4, 6, 0xff, 0, 0, 2 }, 6, -E_INVAL, "NMI entry at +44: LINT2, flags 0x0" },
	};
	uint8_t t[128];
	char why[128];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = 0;
		CHECK_EQ(madt_parse(t, build(t, cases[i].e, cases[i].n), &m, why, sizeof(why)),
			 cases[i].err);
		CHECK_STR(why, cases[i].why);
	}
	CHECK_EQ(madt_parse(t, 43, &m, NULL, 0), -E_TRUNC);
	memcpy(t, "FACP", 4);
	CHECK_EQ(madt_parse(t, 44, &m, why, sizeof(why)), -E_INVAL);
	CHECK_STR(why, "signature 'FACP', not 'APIC'");
}

TEST(madt_too_many_overrides)
{
	uint8_t e[10 * (MADT_MAX_OVERRIDES + 1)], t[sizeof(e) + 44];

	for (unsigned i = 0; i <= MADT_MAX_OVERRIDES; i++) {
		uint8_t one[10] = { 2, 10, 0, (uint8_t)i, (uint8_t)i, 0, 0, 0, 0, 0 };

		memcpy(e + 10 * i, one, 10);
	}
	CHECK_EQ(madt_parse(t, build(t, e, sizeof(e)), &m, NULL, 0), -E_2BIG);
}

TEST(madt_gsi_to_ioapic_pin)
{
	unsigned npins[2] = { 24, 24 }, pin = 99;

	memset(&m, 0, sizeof(m));
	m.nr_ioapics = 2;
	m.ioapic[0].gsi_base = 0;
	m.ioapic[1].gsi_base = 24;
	CHECK_EQ(madt_ioapic_for_gsi(&m, npins, 2, &pin), 0);
	CHECK_EQ(pin, 2);
	CHECK_EQ(madt_ioapic_for_gsi(&m, npins, 30, &pin), 1);
	CHECK_EQ(pin, 6);
	CHECK_EQ(madt_ioapic_for_gsi(&m, npins, 48, &pin), -1);
}
