/*
 * Fixtures several unit tests share: the memory map QEMU's SeaBIOS gives a
 * 512 MiB pc guest (the same ranges as tests/data/e820-512m.txt).
 */
#ifndef TESTS_UNIT_FIXTURES_H
#define TESTS_UNIT_FIXTURES_H

#include "mm/memmap.h"

/* Fill m with QEMU's e820 map for -M pc -m 512M (below 4 GiB only). */
void qemu_512m_memmap(struct memmap *m);

#endif
