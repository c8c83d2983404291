/*
 * Inside kexec -l / kexec -p: one load in the making (struct kexec_load),
 * what the generic loader (kexec_file.c) offers the image loaders, and the
 * image loaders themselves, one per format, each with a probe and a load
 * (Linux's struct kexec_file_ops and its bzImage64 loader): multiboot2 ELF
 * kernels (load_mb2.c) and Linux bzImages (load_bzimage.c).  Private to
 * kexec/; the rest of the kernel sees kexec_load.h.
 */
#ifndef KEXEC_KEXEC_FILE_H
#define KEXEC_KEXEC_FILE_H

#include "boot/bootinfo.h"
#include "kexec/bzimage.h"
#include "kexec/elf_image.h"
#include "kexec/kexec_load.h"
#include "kexec/mb2_build.h"
#include "kexec/purgatory_reloc.h"
#include "lib/range.h"
#include "mm/memmap.h"

/*
 * Everything one load builds, handed to every step (and to crash/ for
 * kexec -p) explicitly, as Linux hands the kimage around; allocated for
 * the load and freed at its end, except the staged pages and what is
 * copied into the loaded image.
 */
struct kexec_load {
	struct kexec_loaded kl;
	const struct kexec_image_ops *ops;	/* the format's loader */
	struct elf_image img;			/* multiboot2 */
	struct bzimage bz;			/* bzImage */
	paddr_t lo, hi;				/* every segment goes in [lo, hi) */
	bool top_down;				/* place from hi down (Linux's loader) */
	bool low_memory;			/* crash: the capture kernel uses RAM below 1 MiB */
	const struct memmap *mbi_map;		/* the memory the new kernel may use */
	char cmdline[KEXEC_CMDLINE_MAX];	/* request's cmdline + additions */
	struct range placed[KEXEC_SEGMENT_MAX + 1];	/* + control area */
	unsigned nr_placed;
	void *owned[ELF_IMAGE_MAX_LOADS + 2];	/* kernel copies, MBI, purgatory */
	unsigned nr_owned;
	struct mb2_build_module mods[KEXEC_MAX_MODULES];
	char mod_cmdline[KEXEC_MAX_MODULES][BOOTINFO_MODULE_CMDLINE_MAX];
	paddr_t initrd_pa;			/* bzImage */
	uint64_t initrd_size;
	struct purgatory_info pi;
	void *purgatory_buf;
	char loader_name[96];
	char why[192];
	struct memmap crash_map;		/* a crash load's: the window as RAM */
};

/*
 * An image format (Linux: struct kexec_file_ops).  probe says whether a
 * file is of this format; load_kernel adds the kernel's segments and what
 * travels with it (modules, an initrd); load_info, called after kdump's
 * segments so that the command line is complete, adds the boot
 * information (an MBI, or boot_params) and sets ld->kl's entry.  0 or
 * -E_* (logged with kexec_error).
 */
struct kexec_image_ops {
	const char *name;
	bool (*probe)(const void *file, size_t size);
	int (*load_kernel)(struct kexec_load *ld, const struct kexec_request *req,
			   const struct bootinfo_module *file);
	int (*load_info)(struct kexec_load *ld, const struct kexec_request *req);
};

extern const struct kexec_image_ops kexec_mb2_ops;	/* load_mb2.c */
extern const struct kexec_image_ops kexec_bzimage_ops;	/* load_bzimage.c */

/* Heap memory freed when the load ends (its bytes are staged by then). */
void *kexec_own(struct kexec_load *ld, size_t size);

/* Find size bytes aligned to align in the load's bounds, clear of every
 * segment so far; logs why not. */
int kexec_place(struct kexec_load *ld, size_t size, size_t align, paddr_t *pa, const char *what);

/* Add a segment: bufsz bytes of buf, then zeros to memsz, at mem. */
int kexec_add_segment(struct kexec_load *ld, const void *buf, size_t bufsz, paddr_t mem,
		      size_t memsz, const char *what);

/* The boot module NAME (the first word of spec), or NULL with an error line. */
const struct bootinfo_module *kexec_find_module(const char *name);

#endif
