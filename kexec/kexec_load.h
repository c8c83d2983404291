/*
 * The kernel side of kexec: load an image from a boot module (kexec -l,
 * or kexec -p into the crash window), a multiboot2 ELF kernel or a Linux
 * bzImage, show it, unload it, execute it (kexec -e).  The pure logic
 * lives in kexec_core.c, elf_image.c, mb2_build.c, bzimage.c and
 * purgatory_reloc.c; this is the glue that feeds them the running
 * kernel's memory map, modules and pages.  kexec/ knows nothing of kdump:
 * crash/ registers the window and the segments a crash load adds.
 * Linux: kernel/kexec_file.c and arch/x86/kernel/machine_kexec_64.c.
 */
#ifndef KEXEC_KEXEC_LOAD_H
#define KEXEC_KEXEC_LOAD_H

#include "kexec/kexec.h"
#include "lib/types.h"

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
	const char *module[KEXEC_MAX_MODULES];	/* "NAME [args]" each (multiboot2) */
	const char *initrd;			/* boot module name, or NULL (bzImage) */
};

/* A loaded image and what the learner's `kexec -s` shows about it. */
struct kexec_loaded {
	bool loaded;
	struct kimage image;
	char what[KEXEC_SEGMENT_MAX][KEXEC_WHAT_MAX];	/* per segment */
	char kernel[64];
	char cmdline[KEXEC_CMDLINE_MAX];
	unsigned generation;			/* the new kernel's */
	bool linux_boot;			/* a bzImage: 64-bit entry, boot_params */
	paddr_t entry_pa;			/* the new kernel's entry: 32-bit
						 * multiboot2, or a bzImage's load + 0x200 */
	paddr_t info_pa;			/* its multiboot2 information or boot_params */
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

/* One load in the making (kexec/kexec_file.c), handed to whoever adds to it. */
struct kexec_load;

/*
 * For code that adds to a load it is handed (crash/ during kexec -p):
 * place size bytes of buf in the load's bounds (aligned to align) and add
 * them as a segment named what, at *pa; scratch memory freed when the load
 * ends (NULL when out of memory); an area kept clear of later segments;
 * words appended to the new kernel's command line.  0 or -E_*, logged.
 */
int kexec_add_blob(struct kexec_load *ld, const void *buf, size_t size, size_t align,
		   const char *what, paddr_t *pa);
void *kexec_scratch(struct kexec_load *ld, size_t size);

/* Log "kexec: error: <fmt> (E_NAME)" and return err: every refusal of a
 * load, kexec's own and those crash/ adds, reads the same. */
int kexec_error(int err, const char *fmt, ...) __printf(2, 3);

/* Bytes the load's segments take so far, each rounded up to whole pages. */
uint64_t kexec_load_pages_bytes(const struct kexec_load *ld);
int kexec_reserve_area(struct kexec_load *ld, size_t size, paddr_t *pa, const char *what);
int kexec_cmdline_append(struct kexec_load *ld, const char *text);
/* The new kernel's command line as it stands (the request's, plus what
 * was appended so far). */
const char *kexec_load_cmdline(const struct kexec_load *ld);

/* Crash loads: give the capture kernel [pa, pa + size) as RAM too, outside
 * the window (the page it brings its other CPUs up through must be below
 * 1 MiB).  0, -E_INVAL (not a crash load), -E_NOSPC, -E_OVERLAP. */
int kexec_give_ram(struct kexec_load *ld, paddr_t pa, size_t size);

/* Crash loads: tell the capture kernel that [pa, pa + size) is not free
 * RAM (the ELF core header must survive its boot).  0, or -E_INVAL for a
 * load that is not a crash load, -E_NOSPC (its memory map is full). */
int kexec_mark_reserved(struct kexec_load *ld, paddr_t pa, size_t size);

/* Crash loads: does the capture kernel use the RAM below 1 MiB?  A Linux
 * one must (its real-mode trampoline lives there), so that memory cannot
 * be in the dump: Linux's kexec_file leaves [0, 1 MiB) out the same way. */
bool kexec_load_takes_low_memory(const struct kexec_load *ld);

/* Is the kernel being loaded a bzImage (entered through the Linux boot
 * protocol)?  Known once its format's loader has added the kernel. */
bool kexec_load_is_bzimage(const struct kexec_load *ld);

/*
 * kexec -p is a load into the crash window that also carries kdump's
 * segments.  kexec/ knows neither: crash/ registers them once it has
 * reserved the window (crashkernel_setup), and add_segments is called
 * during every crash load, after the kernel and modules, before the MBI
 * and the purgatory.  check is called first, before anything changes (the
 * loaded crash image stays if it refuses), with the capture kernel's
 * command line: 0, or -E_* with the reason logged.  Without a
 * registration kexec -p is refused (E_NOENT).  Linux's image loader calls
 * crash_load_segments() directly; here the layer above registers itself.
 */
typedef int (*kexec_crash_segments_fn)(struct kexec_load *ld);
typedef int (*kexec_crash_check_fn)(const char *cmdline);
void kexec_crash_register(paddr_t start, paddr_t end, kexec_crash_check_fn check,
			  kexec_crash_segments_fn add_segments);

/*
 * For learners and tests: flip one byte of segment seg at offset in its
 * staged copy, so the purgatory's digest check must fail.  -E_NOENT with
 * no image, -E_RANGE for a bad segment or offset.
 */
int kexec_corrupt_byte(unsigned seg, uint64_t offset);

/*
 * machine_kexec_prepare: the control page and identity page tables for
 * kl's image, allocated so that none is a destination (a crash image's in
 * an area of ld's window).  Called by the loader.
 */
int machine_kexec_prepare(struct kexec_load *ld, struct kexec_loaded *kl);

/*
 * Jump into the loaded image: never returns.  -E_NOENT if none is loaded,
 * else whatever stopped it before the point of no return.  From any CPU:
 * the bootstrap processor makes the jump.  KEXEC_LEAVE_APIC_TIMER leaves
 * a local APIC timer running on vector 0xec into the next kernel, as
 * Linux does, to watch the next kernel cope.
 */
#define KEXEC_LEAVE_APIC_TIMER 1
int kernel_kexec(unsigned flags);

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
