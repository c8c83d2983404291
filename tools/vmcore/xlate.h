/*
 * Virtual addresses of the dead kernel: translated through its own 4-level
 * page tables (NUMBER(pgtable_root) in VMCOREINFO is its CR3), which live
 * in the dump like any other memory, or through a PT_LOAD's p_vaddr (the
 * kernel image, the direct map), which is how gdb sees the same bytes.
 * Linux: crash's x86_64_kvtop and makedumpfile's vaddr_to_paddr_x86_64.
 */
#ifndef VMCORE_XLATE_H
#define VMCORE_XLATE_H

#include "vmcore.h"

/* One level of a walk: which entry of which table held what. */
struct xlate_step {
	const char *level;	/* "PML4", "PDPT", "PD", "PT" */
	unsigned index;		/* 0..511 */
	uint64_t table_pa;	/* physical address of the table */
	uint64_t entry;		/* the 8-byte entry read from the dump */
};

struct xlate {
	uint64_t va;
	uint64_t pa;		/* the answer, when the walk succeeds */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	unsigned nr_steps;
	struct xlate_step step[4];
	char why[200];		/* why the walk failed */
};

/*
 * Walk the page tables rooted at root_pa (a PML4) for va.  Returns true
 * with x->pa and x->page_size set, or false with x->why saying where it
 * stopped: a non-canonical address, an entry not present, or a table page
 * that is not in the dump.  x->step lists the entries read either way.
 */
bool xlate_walk(const struct vmcore *vc, uint64_t root_pa, uint64_t va, struct xlate *x);

/* The PT_LOAD whose virtual range holds va, and *pa through it; NULL if
 * none. */
const struct vmcore_load *xlate_by_load(const struct vmcore *vc, uint64_t va, uint64_t *pa);

/* NUMBER(pgtable_root): the PML4's physical address (dies if absent). */
uint64_t xlate_root(const struct vmcore *vc);

/*
 * Copy len bytes at virtual va into buf, page by page: through a PT_LOAD's
 * virtual range when one holds the page, else through the page tables.
 * Dies, naming what was being read, when a page is unmapped or its bytes
 * are not in the dump.
 */
void vmcore_read_virt(const struct vmcore *vc, uint64_t va, void *buf, size_t len,
		      const char *what);

/*
 * Read a NUL-terminated string of at most max - 1 characters at va into
 * buf (buf holds max bytes).  Stops at the NUL or a page it cannot read
 * after the first byte.  Dies when the first byte cannot be read.
 */
void vmcore_read_string(const struct vmcore *vc, uint64_t va, char *buf, size_t max,
			const char *what);

#endif
