/*
 * The kernel side of kexec: load an image from a boot module (kexec -l),
 * show it, unload it, execute it (kexec -e).  The pure logic lives in
 * kexec_core.c, elf_image.c, mb2_build.c and purgatory_reloc.c; this is the
 * glue that feeds them the running kernel's memory map, modules and pages.
 * Linux: kernel/kexec_file.c and arch/x86/kernel/machine_kexec_64.c.
 */
#ifndef KEXEC_KEXEC_LOAD_H
#define KEXEC_KEXEC_LOAD_H

#include "kernel/types.h"
#include "kexec/kexec.h"

#define KEXEC_MAX_MODULES 8
#define KEXEC_CMDLINE_MAX 1024
#define KEXEC_WHAT_MAX 48

/* Linux x86-64's MAXMEM with 4-level paging: no destination ends above. */
#define KEXEC_DESTINATION_MEMORY_LIMIT (1ULL << 46)

struct kexec_request {
	unsigned type;				/* KEXEC_TYPE_DEFAULT */
	const char *kernel;			/* boot module name of the image */
	const char *cmdline;			/* the new kernel's command line */
	unsigned nr_modules;
	const char *module[KEXEC_MAX_MODULES];	/* "NAME [args]" each */
};

/* A loaded image and what the learner's `kexec -s` shows about it. */
struct kexec_loaded {
	bool loaded;
	struct kimage image;
	char what[KEXEC_SEGMENT_MAX][KEXEC_WHAT_MAX];	/* per segment */
	char kernel[64];
	char cmdline[KEXEC_CMDLINE_MAX];
	unsigned generation;			/* the new kernel's */
	paddr_t entry32;			/* new kernel's 32-bit entry */
	paddr_t mbi_pa;				/* its multiboot2 information */
	paddr_t purgatory_pa;			/* purgatory image base */
	unsigned purgatory_segment;
	paddr_t control_pa;			/* relocate stub's page */
	paddr_t pgd_pa;				/* identity PML4 */
	size_t nr_pgt_pages;			/* pages of identity tables */
};

/*
 * Build and stage a new image.  On success it replaces the loaded one (which
 * is freed); on failure an error line names the cause and the loaded image,
 * if any, is untouched.  Returns 0 or -E_*.
 */
int kexec_file_load(const struct kexec_request *req);

/* Free the loaded image.  -E_NOENT if none. */
int kexec_unload(void);

/* The loaded image, or NULL. */
const struct kexec_loaded *kexec_loaded_image(void);

/*
 * For learners and tests: flip one byte of segment seg at offset in its
 * staged copy, so the purgatory's digest check must fail.  -E_NOENT with
 * no image, -E_RANGE for a bad segment or offset.
 */
int kexec_corrupt_byte(unsigned seg, uint64_t offset);

/*
 * machine_kexec_prepare: the control page and identity page tables for
 * image, allocated so that none is a destination.  Called by the loader.
 */
int machine_kexec_prepare(struct kexec_loaded *kl);

/* Jump into the loaded image: never returns.  -E_NOENT if none is loaded. */
int kernel_kexec(void);

#endif
