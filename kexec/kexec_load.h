/*
 * The kernel side of kexec: load an image from a boot module (kexec -l),
 * show it, unload it, execute it (kexec -e).  The pure logic lives in
 * kexec_core.c, elf_image.c, mb2_build.c and purgatory_reloc.c; this is the
 * glue that feeds them the running kernel's memory map, modules and pages.
 * Linux: kernel/kexec_file.c and arch/x86/kernel/machine_kexec_64.c.
 */
#ifndef KEXEC_KEXEC_LOAD_H
#define KEXEC_KEXEC_LOAD_H

#include "lib/types.h"
#include "kexec/kexec.h"

#define KEXEC_MAX_MODULES 8
#define KEXEC_CMDLINE_MAX 1024
#define KEXEC_WHAT_MAX 48

/* Linux x86-64's MAXMEM with 4-level paging: no destination ends above. */
#define KEXEC_DESTINATION_MEMORY_LIMIT (1ULL << 46)

struct kexec_request {
	unsigned type;				/* KEXEC_TYPE_DEFAULT or KEXEC_TYPE_CRASH */
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
	paddr_t ctl_area;			/* crash: control pages inside the window */
	size_t ctl_pages, ctl_used;
};

/* Pages set aside in the crash window for the control page and tables. */
#define KEXEC_CRASH_CONTROL_PAGES 32

/*
 * Build and stage a new image of req->type.  On success it replaces the
 * loaded one of that type (which is freed); on failure an error line names
 * the cause and a loaded default image is untouched.  A crash image is
 * written straight into the crash window, so loading one first unloads the
 * previous crash image.  Returns 0 or -E_*.
 */
int kexec_file_load(const struct kexec_request *req);

/* Free the loaded image of a type.  -E_NOENT if none. */
int kexec_unload(unsigned type);

/* The loaded image of a type, or NULL. */
const struct kexec_loaded *kexec_loaded_image(unsigned type);

/*
 * For code that adds segments during a load (crash/elfcorehdr.c): place
 * size bytes of buf in the load's bounds and add it as a segment;
 * scratch memory freed when the load ends; an area kept clear of later
 * segments; words appended to the new kernel's command line.
 */
int kexec_add_blob(const void *buf, size_t size, size_t align, const char *what, paddr_t *pa);
void *kexec_scratch(size_t size);
int kexec_reserve_area(size_t size, paddr_t *pa, const char *what);
int kexec_cmdline_append(const char *text);

/* Crash loads: tell the capture kernel that [pa, pa + size) is not free
 * RAM (the ELF core header must survive its boot).  0 or -E_*. */
int kexec_mark_reserved(paddr_t pa, size_t size);

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

/*
 * Crash images are armed at load time so the panic path allocates and
 * copies nothing: the stub is already in the control page, the control
 * page is mapped 1:1, and the window is read-only in the direct map so a
 * stray write cannot corrupt the capture kernel.  Disarming undoes that.
 */
int machine_kexec_arm_crash(struct kexec_loaded *kl);
void machine_kexec_disarm_crash(struct kexec_loaded *kl);

/* From the panic path, interrupts off: into the armed crash image. */
__noreturn void machine_crash_kexec(const struct kexec_loaded *kl);

#endif
