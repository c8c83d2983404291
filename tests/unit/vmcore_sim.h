/*
 * A dead machine for the vmcore tests: QEMU's 512 MiB e820 map with a
 * 64 MiB crash window, and "old memory" modelled sparsely (zeros but for a
 * few regions: marker pages filled with vmc_pattern, two CPUs' crash notes,
 * the VMCOREINFO note).  vmc_setup() builds it and its elfcorehdr with
 * crash/elfcore.c; vmc_build() turns that into a vmcore layout.
 */
#ifndef TESTS_UNIT_VMCORE_SIM_H
#define TESTS_UNIT_VMCORE_SIM_H

#include "crash/elfcore.h"
#include "crash/vmcore_layout.h"
#include "kernel/traps.h"
#include "mm/memmap.h"

#define WIN_START 0x1be00000ULL		/* the crash window, 64 MiB */
#define WIN_END 0x1fe00000ULL
#define NOTES_PA 0x1f00000ULL		/* the per-CPU crash notes */
#define VMCI_PA 0x1f01000ULL		/* the VMCOREINFO note */
#define KERN_PA 0x200000ULL
#define KERN_VA 0xffffffff80200000ULL
#define KERN_SIZE 0x2f3456ULL		/* not a page multiple on purpose */
#define CPU0_RIP 0xffffffff80201234ULL
#define CPU1_RIP 0xffffffff80205678ULL

struct sim_region {
	paddr_t pa;
	size_t size;
	uint8_t *bytes;
};

/* Old memory: zeros but for the regions. */
struct sim {
	struct sim_region r[20];
	unsigned n;
	paddr_t fail_start, fail_end;	/* reads meeting this fail with -E_IO */
	unsigned long window_reads;	/* reads meeting the crash window: a bug */
};

struct vmcore_machine {
	struct sim sim;
	struct memmap map;
	struct vmcoreinfo vi;
	uint8_t hdr[4096];		/* the elfcorehdr */
	size_t hdr_size;
	uint8_t notes[64 * 1024];	/* the merged notes */
	struct vmcore_layout l;
	char why[160];
};

extern struct vmcore_machine vmc;

/* The byte a marker region holds at physical pa. */
uint8_t vmc_pattern(paddr_t pa);

/* Add a region of old memory (zeros, or vmc_pattern if fill); its bytes. */
uint8_t *vmc_sim_add(struct sim *s, paddr_t pa, size_t size, bool fill);

/* The read_phys callback over a struct sim (ctx). */
int vmc_sim_read(void *ctx, paddr_t pa, void *buf, size_t len);

/* A trap frame with rip, and rsp/rbp/rax/r15 offset by seed. */
void vmc_frame(struct trap_frame *tf, uint64_t rip, uint64_t seed);

/* (Re)build the machine and its elfcorehdr in vmc. */
void vmc_setup(void);

/* vmcore_layout_build of hdr into vmc.l, the reason in vmc.why. */
int vmc_build(const void *hdr, size_t size);

/* What the file must hold at [off, off + len) outside the header and
 * notes: old memory inside each PT_LOAD (found from the phdrs alone),
 * zeros elsewhere. */
void vmc_expected(const struct vmcore_layout *l, uint64_t off, uint64_t len, uint8_t *out);

/* A deterministic xorshift64 sequence. */
uint64_t vmc_rnd(void);

#endif
