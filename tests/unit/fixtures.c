/*
 * Shared unit-test fixtures (see fixtures.h).
 */
#include "tests/unit/fixtures.h"

void qemu_512m_memmap(struct memmap *m)
{
	memmap_init(m);
	memmap_add(m, 0, 0x9fc00, MEMMAP_RAM);
	memmap_add(m, 0x9fc00, 0xa0000, MEMMAP_RESERVED);
	memmap_add(m, 0xf0000, 0x100000, MEMMAP_RESERVED);
	memmap_add(m, 0x100000, 0x1ffe0000, MEMMAP_RAM);
	memmap_add(m, 0x1ffe0000, 0x20000000, MEMMAP_RESERVED);
	memmap_add(m, 0xfffc0000, 0x100000000ULL, MEMMAP_RESERVED);
}
