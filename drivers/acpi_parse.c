/*
 * Decoding ACPI tables, without touching hardware: checksums, the RSDP,
 * RSDT/XSDT entry lists, the FADT fields power management needs, and the
 * one AML object we read, \_S5_ (the sleep type values for soft-off).
 * Instead of an AML interpreter (Linux: ACPICA, drivers/acpi/acpica) we
 * look for the byte pattern NameOp "_S5_" PackageOp, as small kernels do.
 * Pure: compiled into the host unit tests as well.
 */
#include "drivers/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"

/* FADT field offsets (ACPI 6.5 table 5.9). */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_PM1_CNT_LEN 89
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_FLAG_RESET_REG_SUP (1u << 10)

/* AML opcodes (ACPI 6.5 chapter 20). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_QWORD 0x0e
#define AML_PACKAGE 0x12
#define AML_ROOT_PREFIX '\\'
#define AML_ONES 0xff

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

int acpi_rsdp_check(const void *p, size_t avail)
{
	const struct acpi_rsdp *rsdp = p;

	if (avail < ACPI_RSDP_V1_LEN)
		return -E_TRUNC;
	if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0)
		return -E_INVAL;
	if (acpi_checksum(rsdp, ACPI_RSDP_V1_LEN) != 0)
		return -E_BADSUM;
	if (rsdp->revision < 2)
		return 0;
	if (avail < ACPI_RSDP_V2_LEN)
		return -E_TRUNC;
	if (rsdp->length < ACPI_RSDP_V2_LEN || rsdp->length > 4096)
		return -E_INVAL;
	if (rsdp->length > avail)
		return -E_TRUNC;
	if (acpi_checksum(rsdp, rsdp->length) != 0)
		return -E_BADSUM;
	return 0;
}

int acpi_table_check(const struct acpi_sdt_header *h, size_t avail)
{
	if (avail < ACPI_SDT_HEADER_LEN || h->length < ACPI_SDT_HEADER_LEN ||
	    h->length > avail)
		return -E_TRUNC;
	if (acpi_checksum(h, h->length) != 0)
		return -E_BADSUM;
	return 0;
}

int acpi_sdt_entries(const struct acpi_sdt_header *sdt, bool xsdt, paddr_t *out,
		     unsigned max)
{
	const uint8_t *body = (const uint8_t *)sdt + ACPI_SDT_HEADER_LEN;
	size_t entry_size = xsdt ? 8 : 4;
	size_t body_len, n;

	if (sdt->length < ACPI_SDT_HEADER_LEN)
		return -E_TRUNC;
	body_len = sdt->length - ACPI_SDT_HEADER_LEN;
	n = body_len / entry_size;
	if (body_len % entry_size)
		return -E_TRUNC;
	if (n > max)
		return -E_2BIG;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;

		/* entries are only 4-byte aligned, even in the XSDT */
		memcpy(&v, body + i * entry_size, entry_size);
		out[i] = v;
	}
	return (int)n;
}

static uint32_t get32(const uint8_t *t, size_t off)
{
	uint32_t v;

	memcpy(&v, t + off, 4);
	return v;
}

/* The X_ (GAS) form of a register if the table has it and it is set,
 * else the ACPI 1.0 I/O port form. */
static void pick_register(const uint8_t *t, uint32_t len, size_t x_off, size_t legacy_off,
			  uint8_t legacy_bytes, struct acpi_gas *out)
{
	memset(out, 0, sizeof(*out));
	if (len >= x_off + sizeof(*out))
		memcpy(out, t + x_off, sizeof(*out));
	if (out->address)
		return;
	out->space_id = ACPI_GAS_IO;
	out->bit_width = (uint8_t)(legacy_bytes * 8);
	out->address = get32(t, legacy_off);
}

int acpi_fadt_decode(const struct acpi_sdt_header *fadt, struct acpi_fadt_info *out)
{
	const uint8_t *t = (const uint8_t *)fadt;
	uint32_t len = fadt->length;
	uint64_t x_dsdt = 0;

	if (len < ACPI_FADT_MIN_LEN)
		return -E_TRUNC;
	memset(out, 0, sizeof(*out));
	out->revision = fadt->revision;
	if (len >= FADT_X_DSDT + 8)
		memcpy(&x_dsdt, t + FADT_X_DSDT, 8);
	out->dsdt = x_dsdt ? x_dsdt : get32(t, FADT_DSDT);
	out->smi_cmd = get32(t, FADT_SMI_CMD);
	out->acpi_enable = t[FADT_ACPI_ENABLE];
	pick_register(t, len, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, t[FADT_PM1_CNT_LEN],
		      &out->pm1a_cnt);
	pick_register(t, len, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK, t[FADT_PM1_CNT_LEN],
		      &out->pm1b_cnt);
	/* The reset register arrived with ACPI 2.0 (FADT revision 2+). */
	if (len >= FADT_RESET_VALUE + 1) {
		out->reset_supported = get32(t, FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP;
		memcpy(&out->reset_reg, t + FADT_RESET_REG, sizeof(out->reset_reg));
		out->reset_value = t[FADT_RESET_VALUE];
	}
	return 0;
}

/* One package element that must be an integer constant. */
static int aml_integer(const uint8_t *p, const uint8_t *end, uint64_t *v, size_t *used)
{
	static const uint8_t widths[] = { [AML_BYTE] = 1, [AML_WORD] = 2,
					  [AML_DWORD] = 4, [AML_QWORD] = 8 };

	if (p >= end)
		return -E_TRUNC;
	*used = 1;
	if (*p == AML_ZERO || *p == AML_ONE) {
		*v = *p;
		return 0;
	}
	if (*p == AML_ONES) {
		*v = ~0ULL;
		return 0;
	}
	if (*p >= sizeof(widths) || !widths[*p])
		return -E_NOTSUP;	/* a name or an expression: not for us */
	if ((size_t)(end - p) < 1u + widths[*p])
		return -E_TRUNC;
	*v = 0;
	memcpy(v, p + 1, widths[*p]);	/* AML integers are little endian */
	*used = 1u + widths[*p];
	return 0;
}

/* Parse "PackageOp PkgLength NumElements elements..." at p. */
static int s5_package(const uint8_t *p, const uint8_t *end, uint8_t *a, uint8_t *b)
{
	uint64_t v[2] = { 0, 0 };
	unsigned extra, count;
	size_t pkg_len, used;
	const uint8_t *pkg_start = p + 1;

	if (end - p < 3)
		return -E_TRUNC;
	/* PkgLength: bits 7-6 of the lead byte count the bytes that follow */
	extra = pkg_start[0] >> 6;
	if ((size_t)(end - pkg_start) < extra + 2u)
		return -E_TRUNC;
	pkg_len = extra ? pkg_start[0] & 0x0f : pkg_start[0] & 0x3f;
	for (unsigned i = 0; i < extra; i++)
		pkg_len |= (size_t)pkg_start[1 + i] << (4 + 8 * i);
	if (pkg_len < extra + 2u || pkg_len > (size_t)(end - pkg_start))
		return -E_TRUNC;
	end = pkg_start + pkg_len;	/* elements stay inside the package */
	p = pkg_start + 1 + extra;
	count = *p++;
	for (unsigned i = 0; i < count && i < 2; i++) {
		int err = aml_integer(p, end, &v[i], &used);

		if (err)
			return err;
		p += used;
	}
	if (count == 0)
		return -E_TRUNC;
	if (count == 1) {		/* old style: one integer, a in byte 0, b in byte 1 */
		v[1] = (v[0] >> 8) & 0xff;
		v[0] &= 0xff;
	}
	if (v[0] > 7 || v[1] > 7)
		return -E_RANGE;
	*a = (uint8_t)v[0];
	*b = (uint8_t)v[1];
	return 0;
}

int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	const uint8_t *end = aml + len;

	for (size_t i = 1; i + 4 < len; i++) {
		bool named;

		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		/* NameOp "_S5_" or NameOp "\" "_S5_"; anything else is a
		 * reference to it or a coincidence in some other data. */
		named = aml[i - 1] == AML_NAME ||
			(i >= 2 && aml[i - 1] == AML_ROOT_PREFIX && aml[i - 2] == AML_NAME);
		if (!named || aml[i + 4] != AML_PACKAGE)
			continue;
		return s5_package(aml + i + 4, end, slp_typa, slp_typb);
	}
	return -E_NOENT;
}
