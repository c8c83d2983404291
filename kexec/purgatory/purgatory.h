/*
 * The contract between the kexec loader and the purgatory: the globals the
 * loader patches into the relocated blob (purgatory_set_symbol) and the
 * verification code, which is also compiled into the host unit tests.
 * Linux: arch/x86/purgatory/purgatory.c (purgatory_sha_regions,
 * purgatory_sha256_digest), include/linux/kexec.h (struct kexec_sha_region).
 *
 * Contract for the loader:
 *  - The whole image [load_pa, load_pa + memsz) lies below
 *    PURGATORY_LOAD_LIMIT: its last instructions run in 32-bit mode with
 *    paging off, so linear = physical must be a 32-bit address.
 *  - Symbols are set AFTER purgatory_relocate(); every one of them is a
 *    global in .data (never .bss, which the segment does not carry) and must
 *    be written with exactly its size (struct purgatory_region[16] = 768).
 *  - The purgatory's own segment is NOT in purgatory_regions: its data and
 *    stack change while it runs, and it holds the digests themselves.
 *  - No backup region: kexec-tools has the purgatory copy the first 640 KiB
 *    aside for a kdump; our capture kernel never touches the first
 *    kernel's low memory, so there is nothing to save.
 *  - Entry: symbol purgatory_start, 64-bit mode, identity-mapped page
 *    tables covering all RAM, interrupts off (see entry.asm).
 *  - Exit: into a multiboot2 kernel's 32-bit entry (purgatory_entry32, EBX
 *    = purgatory_mbi), or, when purgatory_entry64 is set, into a Linux
 *    kernel's 64-bit entry (RSI = purgatory_boot_params), still in long
 *    mode on the same identity tables.
 */
#ifndef KEXEC_PURGATORY_PURGATORY_H
#define KEXEC_PURGATORY_PURGATORY_H

#include "lib/types.h"

/* Regions checked at most: one per kexec segment but the purgatory's own
 * (KEXEC_SEGMENT_MAX; kexec_file.c asserts they agree).  The purgatory
 * includes nothing of kexec/: it is linked apart from the kernel. */
#define PURGATORY_REGIONS_MAX 16

/* The image must end at or below 4 GiB (32-bit, paging-off exit path). */
#define PURGATORY_LOAD_LIMIT 0x100000000ULL
/* Build-time limits checked by tools/check_purgatory.py and the parser. */
#define PURGATORY_MAX_MEMSZ 0x8000	/* laid-out image incl. .bss and stack */
#define PURGATORY_MAX_BLOB 0x10000	/* the ELF file embedded in the kernel */

/* Default UART if the loader does not set purgatory_serial_port (COM1). */
#define PURGATORY_SERIAL_DEFAULT 0x3f8

struct purgatory_region {
	uint64_t start;			/* physical address (identity-mapped) */
	uint64_t len;			/* bytes */
	uint8_t sha256[32];		/* SHA-256 of [start, start + len) at load time */
};
_Static_assert(sizeof(struct purgatory_region) == 48, "purgatory_region layout");
_Static_assert(offsetof(struct purgatory_region, sha256) == 16, "purgatory_region layout");

/* The patched globals (defined in purgatory.c, all in .data). */
extern struct purgatory_region purgatory_regions[PURGATORY_REGIONS_MAX];
extern uint32_t purgatory_nr_regions;	/* used entries of purgatory_regions */
extern uint32_t purgatory_entry32;	/* new kernel's 32-bit entry, physical */
extern uint32_t purgatory_mbi;		/* multiboot2 information, physical */
/* A Linux bzImage is entered instead through the 64-bit boot protocol when
 * purgatory_entry64 is set: at that address, RSI = purgatory_boot_params. */
extern uint64_t purgatory_entry64;
extern uint64_t purgatory_boot_params;
extern uint16_t purgatory_serial_port;	/* 16550 base port; 0 = silent */

/* Where purgatory_verify sends its text, one whole line ("...\n") a call. */
typedef void (*purgatory_report_fn)(void *ctx, const char *line);

/*
 * Check each region's SHA-256 against the digest the loader stored.  On
 * success reports "purgatory: sha256 ok (<n> segments, <bytes> bytes)";
 * for every mismatch reports the segment, its range and both digests.  The
 * region addresses are dereferenced as pointers (identity map in the
 * purgatory, host buffers in tests).  Returns 0 if all match, otherwise the
 * number of problems reported (more than PURGATORY_REGIONS_MAX regions, or a
 * range that wraps, counts as one).
 */
int purgatory_verify(const struct purgatory_region *regions, uint32_t nr_regions,
		     purgatory_report_fn report, void *ctx);

/* The C part of the purgatory, called by entry.asm; returns only if the
 * new kernel may be entered. */
void purgatory(void);

#endif
