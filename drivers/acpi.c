/*
 * Finding the ACPI tables.  The firmware leaves a Root System Description
 * Pointer (RSDP) that names the RSDT/XSDT, a list of tables; one of them,
 * the FADT ("FACP"), holds the power-management registers and names the
 * DSDT, whose \_S5_ object gives the soft-off sleep type.  We locate,
 * checksum and remember them; drivers/reboot.c uses them to power off and
 * reset.  Linux: drivers/acpi/tables.c, acpi_find_root_pointer (tbxfroot.c).
 */
#include "drivers/acpi.h"
#include "boot/addr.h"
#include "drivers/madt.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

#define ACPI_MAX_TABLES 32
#define ACPI_TABLE_MAX_LEN (16 * MiB)	/* anything longer is a bad pointer */
#define ACPI_PHYS_LIMIT (1ULL << 46)	/* what the direct map can reach */
#define BDA_EBDA_SEGMENT 0x40e		/* BIOS data area: EBDA segment */
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000

struct acpi_table {
	paddr_t pa;
	const struct acpi_sdt_header *h;	/* through the direct map */
	bool valid;				/* checksum and length good */
};

static struct acpi_rsdp rsdp;		/* a copy (36 bytes, v1: first 20) */
static paddr_t rsdp_pa;
static bool rsdp_is_copy;		/* rsdp_pa is our copy of the loader's bytes */
static struct acpi_table tables[ACPI_MAX_TABLES];
static unsigned table_count;
static struct acpi_fadt_info fadt_info;
static bool have_fadt, have_s5, have_madt;
static struct madt madt;
static uint8_t s5_typa, s5_typb;

paddr_t acpi_rsdp_address(void)
{
	return rsdp_pa;
}

paddr_t acpi_rsdp_firmware_address(void)
{
	return rsdp_is_copy ? 0 : rsdp_pa;
}

const struct acpi_fadt_info *acpi_fadt(void)
{
	return have_fadt ? &fadt_info : NULL;
}

int acpi_s5_sleep_type(uint8_t *typa, uint8_t *typb)
{
	if (!have_s5)
		return -E_NOENT;
	*typa = s5_typa;
	*typb = s5_typb;
	return 0;
}

/* Look for a valid RSDP in [start, end) on the 16-byte boundaries the
 * spec puts it on.  Returns its physical address or 0. */
static paddr_t scan_for_rsdp(paddr_t start, paddr_t end)
{
	for (paddr_t pa = ALIGN_UP(start, 16); pa + ACPI_RSDP_V1_LEN <= end; pa += 16) {
		const void *p = phys_to_virt(pa);

		if (memcmp(p, "RSD PTR ", 8) == 0 && acpi_rsdp_check(p, end - pa) == 0)
			return pa;
	}
	return 0;
}

/* ACPI 6.5 5.2.5.1: the first KiB of the EBDA, then the BIOS ROM area. */
static paddr_t scan_bios_areas(void)
{
	paddr_t ebda = (paddr_t)*(const volatile uint16_t *)phys_to_virt(BDA_EBDA_SEGMENT) << 4;
	paddr_t pa = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		pa = scan_for_rsdp(ebda, ebda + 1024);
	if (!pa)
		pa = scan_for_rsdp(BIOS_ROM_START, BIOS_ROM_END);
	return pa;
}

/*
 * Prefer the RSDP the boot loader handed over (the only way on UEFI).
 * A multiboot2 copy carries no address, so the BIOS areas are still
 * scanned for the original; failing that we report where our copy is.
 * A loader that gave none (kexec-tools' multiboot2 loader, QEMU -kernel)
 * leaves the scan, as Linux's acpi_find_root_pointer does.
 */
static int find_rsdp(void)
{
	paddr_t found = scan_bios_areas();
	int err;

	if (boot_info.acpi_rsdp_version) {
		err = acpi_rsdp_check(boot_info.acpi_rsdp, boot_info.acpi_rsdp_len);
		if (err) {
			pr_err("acpi: error: RSDP from the boot loader is invalid (%s)\n",
			       err_name(err));
		} else {
			memcpy(&rsdp, boot_info.acpi_rsdp,
			       MIN(sizeof(rsdp), (size_t)boot_info.acpi_rsdp_len));
			if (boot_info.acpi_rsdp_pa) {
				rsdp_pa = boot_info.acpi_rsdp_pa;
			} else if (found && memcmp(phys_to_virt(found), &rsdp, ACPI_RSDP_V1_LEN) == 0) {
				rsdp_pa = found;
			} else {
				rsdp_pa = virt_to_phys(boot_info.acpi_rsdp);
				rsdp_is_copy = true;
			}
			return 0;
		}
	}
	if (!found)
		return -E_NOENT;
	pr_info("acpi: the boot loader gave no RSDP: found one at 0x%llx in the BIOS areas "
		"(EBDA, 0xe0000-0xfffff)\n", (unsigned long long)found);
	memcpy(&rsdp, phys_to_virt(found), sizeof(rsdp));
	if (rsdp.revision < 2)
		memset((char *)&rsdp + ACPI_RSDP_V1_LEN, 0, sizeof(rsdp) - ACPI_RSDP_V1_LEN);
	rsdp_pa = found;
	return 0;
}

/* Reach the table at pa, check it, log it at KERN_DEBUG and remember it.
 * Returns its header if valid, else NULL (logged). */
static const struct acpi_sdt_header *add_table(paddr_t pa, const char *what)
{
	const struct acpi_sdt_header *h;
	char size[16];
	int err;

	if (!pa || pa >= ACPI_PHYS_LIMIT - ACPI_TABLE_MAX_LEN) {
		pr_err("acpi: error: %s at 0x%llx is out of reach (E_RANGE)\n", what,
		       (unsigned long long)pa);
		return NULL;
	}
	h = phys_to_virt(pa);
	err = acpi_table_check(h, MIN((uint64_t)h->length, ACPI_TABLE_MAX_LEN));
	if (err)
		pr_err("acpi: error: %s %.4s at 0x%llx fails its check (%s)\n", what,
		       h->signature, (unsigned long long)pa, err_name(err));
	else
		pr_debug("acpi: %.4s [0x%016llx, 0x%016llx) %s v%u '%.6s' '%.8s'\n",
			 h->signature, (unsigned long long)pa,
			 (unsigned long long)(pa + h->length),
			 format_size(size, sizeof(size), h->length), h->revision,
			 h->oem_id, h->oem_table_id);
	if (table_count < ACPI_MAX_TABLES)
		tables[table_count++] = (struct acpi_table){ pa, h, err == 0 };
	else
		pr_warn("acpi: more than %d tables, %.4s not kept\n", ACPI_MAX_TABLES,
			h->signature);
	return err ? NULL : h;
}

/* The XSDT if the RSDP has a usable one, else the RSDT. */
static const struct acpi_sdt_header *add_root_table(bool *xsdt)
{
	const struct acpi_sdt_header *root = NULL;

	*xsdt = rsdp.revision >= 2 && rsdp.xsdt_address;
	if (*xsdt)
		root = add_table(rsdp.xsdt_address, "XSDT");
	if (!root) {
		*xsdt = false;
		root = add_table(rsdp.rsdt_address, "RSDT");
	}
	return root;
}

/* FADT found: decode it, then the DSDT it names and its \_S5_. */
static void use_fadt(const struct acpi_sdt_header *facp)
{
	const struct acpi_sdt_header *dsdt;
	int err = acpi_fadt_decode(facp, &fadt_info);

	if (err) {
		pr_err("acpi: error: FADT too short (%s)\n", err_name(err));
		return;
	}
	have_fadt = true;
	dsdt = add_table(fadt_info.dsdt, "DSDT");
	if (!dsdt)
		return;
	err = acpi_find_s5((const uint8_t *)dsdt + ACPI_SDT_HEADER_LEN,
			   dsdt->length - ACPI_SDT_HEADER_LEN, &s5_typa, &s5_typb);
	if (err) {
		pr_warn("acpi: no usable \\_S5_ in the DSDT (%s)\n", err_name(err));
		return;
	}
	have_s5 = true;
	pr_debug("acpi: \\_S5_ SLP_TYPa %u SLP_TYPb %u, PM1a_CNT 0x%llx, PM1b_CNT 0x%llx\n",
		 s5_typa, s5_typb, (unsigned long long)fadt_info.pm1a_cnt.address,
		 (unsigned long long)fadt_info.pm1b_cnt.address);
}

const struct madt *acpi_madt(void)
{
	return have_madt ? &madt : NULL;
}

/* The MADT: which CPUs and interrupt controllers exist (drivers/madt.c). */
static void use_madt(void)
{
	const struct acpi_sdt_header *h = acpi_find_table("APIC");
	char why[96], ids[64];
	unsigned enabled = 0, len = 0;
	int err;

	if (!h) {
		pr_warn("acpi: no MADT: one CPU, and the 8259 PIC for interrupts\n");
		return;
	}
	err = madt_parse(h, h->length, &madt, why, sizeof(why));
	if (err) {
		pr_err("acpi: error: MADT: %s (%s); one CPU, and the 8259 PIC\n", why, err_name(err));
		return;
	}
	have_madt = true;
	for (unsigned i = 0; i < madt.nr_cpus; i++) {
		if (!madt.cpu[i].enabled)
			continue;
		if (enabled++ < 8 && len < sizeof(ids))
			len += (unsigned)ksnprintf(ids + len, sizeof(ids) - len, " %u",
						   madt.cpu[i].apic_id);
	}
	pr_info("acpi: MADT: %u CPUs enabled of %u listed (APIC ids%s%s), %u I/O APIC(s), "
		"%u interrupt source overrides, local APIC at 0x%llx\n", enabled, madt.nr_cpus,
		ids, enabled > 8 ? " ..." : "", madt.nr_ioapics, madt.nr_overrides,
		(unsigned long long)madt.lapic_address);
}

/*
 * Find the RSDP, walk the RSDT/XSDT, checksum every table, decode the
 * FADT and the DSDT's \_S5_.  Tables are read through the direct map
 * (firmware puts them in e820 ranges, which paging_setup maps).
 * Without ACPI, poweroff and reboot fall back to fixed ports.
 */
void acpi_setup(void)
{
	paddr_t entry[ACPI_MAX_TABLES];
	const struct acpi_sdt_header *root, *facp = NULL;
	paddr_t facp_pa = 0;
	bool xsdt;
	int n;

	if (find_rsdp()) {
		pr_warn("acpi: no RSDP found; poweroff and reboot use fixed ports\n");
		return;
	}
	root = add_root_table(&xsdt);
	n = root ? acpi_sdt_entries(root, xsdt, entry, ACPI_MAX_TABLES) : 0;
	if (n < 0) {
		pr_err("acpi: error: bad %s entry list (%s)\n", xsdt ? "XSDT" : "RSDT",
		       err_name(n));
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		const struct acpi_sdt_header *h = add_table(entry[i], "table");

		if (h && !facp && memcmp(h->signature, "FACP", 4) == 0) {
			facp = h;
			facp_pa = entry[i];
		}
	}
	if (facp)
		use_fadt(facp);
	use_madt();
	pr_info("acpi: RSDP v%u at 0x%llx, FADT at 0x%llx\n", rsdp.revision,
		(unsigned long long)rsdp_pa, (unsigned long long)facp_pa);
}

const struct acpi_sdt_header *acpi_find_table(const char *sig)
{
	for (unsigned i = 0; i < table_count; i++)
		if (tables[i].valid && memcmp(tables[i].h->signature, sig, 4) == 0)
			return tables[i].h;
	return NULL;
}

static int cmd_acpi(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	if (!rsdp_pa)
		return shell_error(-E_NOENT, "no RSDP found");
	console_printf("sig  address             length  rev  OEM    table id\n");
	console_printf("RSDP 0x%016llx %7u  v%-3u %.6s\n", (unsigned long long)rsdp_pa,
		       rsdp.revision >= 2 ? rsdp.length : ACPI_RSDP_V1_LEN, rsdp.revision,
		       rsdp.oem_id);
	for (unsigned i = 0; i < table_count; i++) {
		const struct acpi_sdt_header *h = tables[i].h;

		console_printf("%.4s 0x%016llx %7u  v%-3u %-6.6s %-8.8s%s\n", h->signature,
			       (unsigned long long)tables[i].pa, h->length, h->revision,
			       h->oem_id, h->oem_table_id,
			       tables[i].valid ? "" : "  (bad checksum or length)");
	}
	if (have_s5)
		console_printf("\\_S5_: SLP_TYPa %u, SLP_TYPb %u\n", s5_typa, s5_typb);
	return 0;
}
SHELL_COMMAND(acpi, "", "list the ACPI tables (signature, address, length, OEM)", cmd_acpi);
