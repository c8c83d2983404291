/*
 * The physical memory of the crashed kernel as the picture shows it: labelled
 * ranges in lanes side by side, one lane per source of truth (the firmware
 * map, the iomem tree by depth, the crash image's segments, what the vmcore
 * holds).  layout.c reads them out of the dump; svg.c draws them.
 */
#ifndef VMCORE_LAYOUT_H
#define VMCORE_LAYOUT_H

#include "vmcore.h"

#include <stdio.h>

/* What a range is; decides its colour and its legend entry. */
enum region_kind {
	RK_RAM,		/* e820 usable, iomem "System RAM" */
	RK_RESERVED,
	RK_ACPI,	/* ACPI tables (reclaimable) */
	RK_NVS,		/* ACPI non-volatile storage */
	RK_UNUSABLE,
	RK_KERNEL,	/* Kernel code, rodata, data, bss */
	RK_MBI,		/* Multiboot2 information */
	RK_MODULE,	/* a boot module (named by its command line) */
	RK_CRASH,	/* the crashkernel= window */
	RK_SEGMENT,	/* a segment of the crash image (kexec -p) */
	RK_DUMPED,	/* a RAM PT_LOAD: in the vmcore */
	RK_IMAGE,	/* the kernel image's PT_LOAD */
	RK_EXCLUDED,	/* RAM that is not in the vmcore */
	RK_OTHER,
	RK_COUNT
};

struct region {
	uint64_t start, end;	/* physical, half-open */
	enum region_kind kind;
	unsigned lane;
	char name[72];		/* printable ASCII only */
};

#define LAYOUT_MAX_LANES 8

struct layout {
	struct region *regions;
	unsigned nr;
	unsigned nr_lanes;
	char lane_title[LAYOUT_MAX_LANES][48];
	char title[200];	/* kernel release, build id, crash time */
	uint64_t window_start, window_end;	/* crashk_res, 0 0 if none */
};

/*
 * Read the layout out of the dump through VMCOREINFO: firmware_memmap,
 * the iomem_resource tree, crashk_res, KEXEC_SEGMENT(N) lines and the
 * PT_LOADs.  Dies naming the missing VMCOREINFO key or the corrupt
 * structure.
 */
void layout_collect(const struct vmcore *vc, struct layout *lo);
void layout_free(struct layout *lo);

/* The same as text, lane by lane: "[0x..., 0x...) size  name". */
void layout_print(const struct layout *lo, FILE *out);

/* Legend text of a kind ("System RAM (e820 usable)", ...). */
const char *region_kind_text(enum region_kind kind);

/*
 * Draw the layout as an SVG document on out (svg.c).  source names the
 * vmcore in the picture.  *width and *height get its size in pixels.
 */
void layout_svg(const struct layout *lo, const char *source, FILE *out, unsigned *width,
		unsigned *height);

#endif
