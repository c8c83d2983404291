/*
 * Fuzz target: the ACPI table checks (drivers/acpi_parse.c): RSDP, any
 * table's header and checksum, RSDT/XSDT entries, the FADT, and the AML
 * search for \_S5_ in a DSDT.  Seeds: QEMU's FADT and DSDT for pc and q35
 * (tests/data/acpi-*.bin).
 */
#include "drivers/acpi.h"
#include "tests/fuzz/fuzz.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_dup(data, size), a, b;
	struct acpi_fadt_info fadt;
	paddr_t entries[32];

	if (!copy)
		return 0;
	acpi_rsdp_check(copy, size);
	if (size >= sizeof(struct acpi_sdt_header) &&
	    acpi_table_check((const struct acpi_sdt_header *)copy, size) == 0) {
		acpi_sdt_entries((const struct acpi_sdt_header *)copy, false, entries, 32);
		acpi_sdt_entries((const struct acpi_sdt_header *)copy, true, entries, 32);
		acpi_fadt_decode((const struct acpi_sdt_header *)copy, &fadt);
	}
	acpi_find_s5(copy, size, &a, &b);
	free(copy);
	return 0;
}
