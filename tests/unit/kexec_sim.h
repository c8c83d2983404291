/*
 * A simulated machine for the kexec core's host tests: an arena of host
 * memory stands in for 64 MiB of physical RAM (phys_to_ptr = arena + pa),
 * with a page allocator that counts every page it hands out and can be
 * told to fail, to hand out destination pages first (adversarial), or to
 * follow a script.  sim_relocate() walks an IND list exactly as the
 * relocate stub does and checks that no page is read after it was
 * overwritten.  Used by test_kexec_core.c.
 */
#ifndef TESTS_UNIT_KEXEC_SIM_H
#define TESTS_UNIT_KEXEC_SIM_H

#include "kexec/kexec.h"
#include "mm/memmap.h"

#define SIM_RAM_SIZE (64 * MiB)
#define SIM_NPAGES (SIM_RAM_SIZE / PAGE_SIZE)
#define SIM_SCRIPT_MAX 64

enum sim_mode {
	SIM_LOWEST,		/* lowest free page first */
	SIM_ADVERSARIAL,	/* mostly segments' destination pages: swaps, parks */
};

enum sim_page_state { SIM_FREE, SIM_OURS, SIM_BUSY };

struct sim {
	uint8_t *mem;			/* the arena: physical address 0 is mem[0] */
	uint8_t state[SIM_NPAGES];	/* enum sim_page_state */
	size_t outstanding;		/* pages handed out, not yet freed */
	size_t ptr_calls;		/* phys_to_ptr calls: the core's memory work */
	size_t allocs;			/* successful allocations */
	size_t limit;			/* allocations allowed before "out of memory" */
	bool bad_free;			/* freed a page it never handed out */
	enum sim_mode mode;
	uint64_t rng;
	paddr_t script[SIM_SCRIPT_MAX];	/* handed out first, in order, if free */
	unsigned script_len, script_pos;
	const struct kimage *image;	/* its destinations, for SIM_ADVERSARIAL */
	struct memmap ram;		/* [0, 636 KiB) and [1 MiB, 64 MiB) are RAM */
	struct kexec_page_ops ops;
	char error[160];		/* why sim_relocate or sim_segment_in_place said no */
};

/* Set up a fresh machine (allocates the arena); sim_done frees it. */
void sim_init(struct sim *s, enum sim_mode mode, uint64_t seed);
/* Every page free again and counters zero; the arena keeps its bytes. */
void sim_reset(struct sim *s, enum sim_mode mode, uint64_t seed);
void sim_done(struct sim *s);

/* Mark [start, end) as memory the running "old kernel" uses: never handed
 * out, filled with 0xee so a premature write is seen. */
void sim_busy(struct sim *s, paddr_t start, paddr_t end);

/*
 * Run the list from head as relocate_kernel does.  Returns false, with the
 * reason in s->error, if a source or list page is read after the walk
 * overwrote it, a copy hits the control page or leaves the arena, or the
 * list does not end.
 */
bool sim_relocate(struct sim *s, kimage_entry_t head, paddr_t control_page);

/* Does the arena hold segment seg's bytes, then zeros up to memsz?
 * (false: the first difference in s->error) */
bool sim_segment_in_place(struct sim *s, const struct kexec_segment *seg);

#endif
