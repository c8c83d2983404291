/*
 * Tests of the pure ACPI decoding (drivers/acpi_parse.c): checksums, the
 * RSDP, RSDT/XSDT entries, the FADT fields and the \_S5_ AML pattern, on
 * hand-made bytes and on tables captured from QEMU pc and q35.
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/acpi.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

static void fix_checksum(void *p, size_t len, uint8_t *field)
{
	*field = 0;
	*field = (uint8_t)(0x100 - acpi_checksum(p, len));
}

static struct acpi_rsdp make_rsdp(uint8_t revision)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, "BOCHS ", 6);
	r.revision = revision;
	r.rsdt_address = 0x1ffe1ad8;
	if (revision >= 2) {
		r.length = ACPI_RSDP_V2_LEN;
		r.xsdt_address = 0x1ffe1b10;
	}
	/* the v1 checksum first: the extended one covers it */
	fix_checksum(&r, ACPI_RSDP_V1_LEN, &r.checksum);
	if (revision >= 2)
		fix_checksum(&r, ACPI_RSDP_V2_LEN, &r.extended_checksum);
	return r;
}

TEST(acpi_rsdp_v1_and_v2)
{
	struct acpi_rsdp r = make_rsdp(0);

	CHECK_EQ(acpi_rsdp_check(&r, ACPI_RSDP_V1_LEN), 0);
	CHECK_EQ(acpi_rsdp_check(&r, 19), -E_TRUNC);
	r.oem_id[0] = 'X';
	CHECK_EQ(acpi_rsdp_check(&r, ACPI_RSDP_V1_LEN), -E_BADSUM);
	r = make_rsdp(0);
	r.signature[0] = 'r';
	CHECK_EQ(acpi_rsdp_check(&r, ACPI_RSDP_V1_LEN), -E_INVAL);

	r = make_rsdp(2);
	CHECK_EQ(acpi_rsdp_check(&r, sizeof(r)), 0);
	CHECK_EQ(acpi_rsdp_check(&r, ACPI_RSDP_V1_LEN), -E_TRUNC);
	r.xsdt_address++;	/* v1 checksum still good, extended one not */
	CHECK_EQ(acpi_rsdp_check(&r, sizeof(r)), -E_BADSUM);
	r = make_rsdp(2);
	r.length = 20;
	CHECK_EQ(acpi_rsdp_check(&r, sizeof(r)), -E_INVAL);
}

/* A table: header plus body, length and checksum filled in. */
static uint8_t *make_table(const char *sig, const void *body, size_t body_len)
{
	uint8_t *t = calloc(1, ACPI_SDT_HEADER_LEN + body_len);
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)t;

	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)(ACPI_SDT_HEADER_LEN + body_len);
	h->revision = 1;
	memcpy(t + ACPI_SDT_HEADER_LEN, body, body_len);
	fix_checksum(t, h->length, &h->checksum);
	return t;
}

TEST(acpi_table_check_and_entries)
{
	uint32_t rsdt_body[3] = { 0x1000, 0x2000, 0x3000 };
	uint64_t xsdt_body[2] = { 0x100000000ULL, 0x4000 };
	uint8_t *rsdt = make_table("RSDT", rsdt_body, sizeof(rsdt_body));
	uint8_t *xsdt = make_table("XSDT", xsdt_body, sizeof(xsdt_body));
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)rsdt;
	paddr_t out[4];

	CHECK_EQ(acpi_table_check(h, h->length), 0);
	CHECK_EQ(acpi_table_check(h, h->length - 1), -E_TRUNC);
	CHECK_EQ(acpi_sdt_entries(h, false, out, 4), 3);
	CHECK_EQ(out[0], 0x1000);
	CHECK_EQ(out[2], 0x3000);
	CHECK_EQ(acpi_sdt_entries(h, false, out, 2), -E_2BIG);
	CHECK_EQ(acpi_sdt_entries(h, true, out, 4), -E_TRUNC);	/* 12 bytes: not 8-byte entries */
	rsdt[ACPI_SDT_HEADER_LEN] ^= 1;
	CHECK_EQ(acpi_table_check(h, h->length), -E_BADSUM);
	h->length = 10;
	CHECK_EQ(acpi_table_check(h, 100), -E_TRUNC);

	h = (struct acpi_sdt_header *)xsdt;
	CHECK_EQ(acpi_table_check(h, h->length), 0);
	CHECK_EQ(acpi_sdt_entries(h, true, out, 4), 2);
	CHECK_EQ(out[0], 0x100000000ULL);
	CHECK_EQ(out[1], 0x4000);
	free(rsdt);
	free(xsdt);
}

TEST(acpi_fadt_qemu_pc_v1)
{
	size_t len;
	struct acpi_sdt_header *h = test_read_file("acpi-qemu-pc-facp.bin", &len);
	struct acpi_fadt_info f;

	CHECK_EQ(acpi_table_check(h, len), 0);
	CHECK_EQ(acpi_fadt_decode(h, &f), 0);
	CHECK_EQ(f.revision, 1);
	CHECK_EQ(f.dsdt, 0x1ffe0040);
	CHECK_EQ(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	CHECK_EQ(f.pm1a_cnt.address, 0x604);
	CHECK_EQ(f.pm1a_cnt.bit_width, 16);
	CHECK_EQ(f.pm1b_cnt.address, 0);
	CHECK(!f.reset_supported);	/* a 116-byte FADT has no reset register */
	h->length = ACPI_FADT_MIN_LEN - 1;
	CHECK_EQ(acpi_fadt_decode(h, &f), -E_TRUNC);
	free(h);
}

TEST(acpi_fadt_qemu_q35_v3)
{
	size_t len;
	struct acpi_sdt_header *h = test_read_file("acpi-qemu-q35-facp.bin", &len);
	struct acpi_fadt_info f;

	CHECK_EQ(acpi_table_check(h, len), 0);
	CHECK_EQ(acpi_fadt_decode(h, &f), 0);
	CHECK_EQ(f.revision, 3);
	CHECK(f.dsdt != 0);
	CHECK_EQ(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	CHECK_EQ(f.pm1a_cnt.address, 0x604);
	CHECK(f.reset_supported);
	CHECK_EQ(f.reset_reg.space_id, ACPI_GAS_IO);
	CHECK_EQ(f.reset_reg.address, 0xcf9);
	CHECK_EQ(f.reset_value, 0x0f);
	free(h);
}

TEST(acpi_s5_in_qemu_dsdts)
{
	static const char *const names[] = { "acpi-qemu-pc-dsdt.bin", "acpi-qemu-q35-dsdt.bin" };

	for (unsigned i = 0; i < 2; i++) {
		size_t len;
		uint8_t *t = test_read_file(names[i], &len);
		uint8_t a = 9, b = 9;

		CHECK_EQ(acpi_table_check((struct acpi_sdt_header *)t, len), 0);
		CHECK_EQ(acpi_find_s5(t + ACPI_SDT_HEADER_LEN, len - ACPI_SDT_HEADER_LEN, &a, &b), 0);
		CHECK_EQ(a, 0);
		CHECK_EQ(b, 0);
		/* every cut short of the package is refused, never read past */
		for (size_t cut = 0; cut < len - ACPI_SDT_HEADER_LEN; cut += 97) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, t + ACPI_SDT_HEADER_LEN, cut);
			(void)acpi_find_s5(copy, cut, &a, &b);
			free(copy);
		}
		free(t);
	}
}

static int s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len);	/* exact size: ASan catches overreads */
	int err;

	memcpy(copy, aml, len);
	err = acpi_find_s5(copy, len, a, b);
	free(copy);
	return err;
}

TEST(acpi_s5_encodings)
{
	/* \_S5_ with BytePrefix values, as many real firmwares write it */
	static const uint8_t bytes[] = { 0x10, 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
					 0x0a, 0x07, 0x0a, 0x05, 0x00, 0x00 };
	/* one-integer legacy form: a in byte 0, b in byte 1 */
	static const uint8_t legacy[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01,
					  0x0b, 0x05, 0x06 };
	/* a reference to _S5_ (no NameOp), then the real one with OneOp */
	static const uint8_t refs[] = { 0xa4, '_', 'S', '5', '_', 0x08, '_', 'S', '5', '_',
					0x12, 0x04, 0x02, 0x01, 0x00 };
	/* two-byte PkgLength */
	static const uint8_t pkg2[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02,
					0x0a, 0x03, 0x0a, 0x02 };
	static const uint8_t too_big[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
					   0x0a, 0x08, 0x00 };
	static const uint8_t method[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
					  'A', 'B', 'C', 'D' };
	static const uint8_t cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a };
	static const uint8_t none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x00 };
	uint8_t a, b;

	CHECK_EQ(s5(bytes, sizeof(bytes), &a, &b), 0);
	CHECK_EQ(a, 7);
	CHECK_EQ(b, 5);
	CHECK_EQ(s5(legacy, sizeof(legacy), &a, &b), 0);
	CHECK_EQ(a, 5);
	CHECK_EQ(b, 6);
	CHECK_EQ(s5(refs, sizeof(refs), &a, &b), 0);
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 0);
	CHECK_EQ(s5(pkg2, sizeof(pkg2), &a, &b), 0);	/* PkgLength 0x47 0x00 = 7 bytes */
	CHECK_EQ(a, 3);
	CHECK_EQ(b, 2);
	CHECK_EQ(s5(pkg2, sizeof(pkg2) - 1, &a, &b), -E_TRUNC);
	CHECK_EQ(s5(too_big, sizeof(too_big), &a, &b), -E_RANGE);
	CHECK_EQ(s5(method, sizeof(method), &a, &b), -E_NOTSUP);
	CHECK_EQ(s5(cut, sizeof(cut), &a, &b), -E_TRUNC);
	CHECK_EQ(s5(none, sizeof(none), &a, &b), -E_NOENT);
}
