/*
 * ACPI, just enough: find the RSDP (from the boot loader, or by
 * scanning the BIOS areas), validate checksums, find the FADT, and use it
 * to power off (S5) and reset (drivers/reboot.c, drivers/reboot.h).
 * Linux: drivers/acpi/tables.c, and acpi_power_off / acpi_reboot.
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "lib/types.h"

void acpi_setup(void);
paddr_t acpi_rsdp_address(void);	/* 0 if none was found */
/* Where the firmware's own RSDP lies, for a next kernel (Linux's
 * boot_params.acpi_rsdp_addr); 0 when we hold only the loader's copy. */
paddr_t acpi_rsdp_firmware_address(void);

/* ------------------------------------------------------------------------
 * Table layouts (ACPI spec 6.5, chapter 5.2).
 */
#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
#define ACPI_SDT_HEADER_LEN 36
#define ACPI_FADT_MIN_LEN 116	/* the ACPI 1.0 FADT */

struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	uint8_t checksum;	/* first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;	/* 0: ACPI 1.0 (20 bytes), 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length;	/* from here on revision >= 2 only */
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* all length bytes sum to 0 */
	uint8_t reserved[3];
} __packed;

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;	/* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;	/* all length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

/* Generic Address Structure: where a register lives. */
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
#define ACPI_GAS_PCI_CONFIG 2
struct acpi_gas {
	uint8_t space_id;	/* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;	/* 0: register absent */
} __packed;

/* What power management needs from the FADT, decoded. */
struct acpi_fadt_info {
	uint8_t revision;
	paddr_t dsdt;			/* X_DSDT if present, else DSDT */
	struct acpi_gas pm1a_cnt;	/* PM1 control blocks (b optional) */
	struct acpi_gas pm1b_cnt;
	uint32_t smi_cmd;		/* port to switch into ACPI mode */
	uint8_t acpi_enable;		/* value to write there */
	bool reset_supported;		/* flags.RESET_REG_SUP */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
};

/*
 * A validated table by signature ("APIC", "HPET", "FACP", "DSDT"...):
 * its header through the direct map, or NULL if absent (or before
 * acpi_setup).  The table's length is in its header.
 */
const struct acpi_sdt_header *acpi_find_table(const char *sig);

/* The decoded MADT (drivers/madt.h): CPUs, I/O APICs, overrides; NULL
 * without a valid one. */
struct madt;
const struct madt *acpi_madt(void);

/* The FADT's power-management fields, or NULL without a valid FADT. */
const struct acpi_fadt_info *acpi_fadt(void);

/* SLP_TYPa/b for S5 from the DSDT: 0, or -E_NOENT if not found. */
int acpi_s5_sleep_type(uint8_t *typa, uint8_t *typb);

/* ------------------------------------------------------------------------
 * Pure decoding of the tables, in drivers/acpi_parse.c (no hardware
 * access, no globals; also compiled into the host unit tests).
 */

/* Sum of len bytes (mod 256); a valid table sums to 0. */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * Validate an RSDP of avail readable bytes: signature, the v1 checksum
 * and, for revision >= 2, length and extended checksum.  Returns 0,
 * -E_INVAL (signature or length field), -E_TRUNC (avail too short),
 * -E_BADSUM.
 */
int acpi_rsdp_check(const void *rsdp, size_t avail);

/*
 * Validate a table header+body of avail readable bytes: length >= the
 * header and <= avail, checksum.  Returns 0, -E_TRUNC, -E_BADSUM.
 */
int acpi_table_check(const struct acpi_sdt_header *h, size_t avail);

/*
 * The entries of an RSDT (4-byte) or XSDT (8-byte) into out[max].
 * Returns the number of entries, or -E_2BIG if more than max, -E_TRUNC if
 * the length is not a whole number of entries.
 */
int acpi_sdt_entries(const struct acpi_sdt_header *sdt, bool xsdt, paddr_t *out,
		     unsigned max);

/* Decode a checked FADT.  Returns 0, -E_TRUNC if shorter than ACPI 1.0's. */
int acpi_fadt_decode(const struct acpi_sdt_header *fadt, struct acpi_fadt_info *out);

/*
 * Find Name(\_S5_, Package(){a, b, ...}) in the AML bytes of a DSDT body
 * and return SLP_TYPa and SLP_TYPb (3-bit values).  Returns 0, -E_NOENT
 * (no such object), -E_NOTSUP (an element that is not a constant),
 * -E_RANGE (a value above 7), -E_TRUNC (the package runs off the end).
 */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
