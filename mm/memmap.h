/*
 * Physical memory as a sorted list of typed, half-open ranges [start, end),
 * the kernel's e820 table (Linux: arch/x86/kernel/e820.c, struct e820_table).
 * Pure logic: insert, sanitize (sort, resolve overlaps, merge), change the
 * type of a range, remove a range, query, find a free place.  Used for the
 * firmware map (mm/e820.c), the frame allocator's start, the placement of
 * kexec segments and of the crash window, and the map a capture kernel is
 * given (kexec/kexec_file.c).
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "lib/range.h"
#include "lib/types.h"

/* Types are the e820 numbers, so a map round-trips through multiboot2. */
enum memmap_type {
	MEMMAP_RAM = 1,		/* "System RAM" */
	MEMMAP_RESERVED = 2,
	MEMMAP_ACPI = 3,	/* ACPI tables, reclaimable */
	MEMMAP_NVS = 4,		/* ACPI non-volatile storage */
	MEMMAP_UNUSABLE = 5,	/* bad RAM */
};

#define MEMMAP_MAX 128

struct memmap_range {
	paddr_t start;
	paddr_t end;		/* exclusive */
	uint32_t type;
};

struct memmap {
	unsigned count;
	struct memmap_range range[MEMMAP_MAX];
};

/* Empty the map. */
void memmap_init(struct memmap *m);

/*
 * Add [start, end) of a type, then sanitize.  Where ranges overlap the
 * higher type number wins (Linux's e820 rule: reserved beats RAM).
 * Returns 0, -E_INVAL (end <= start or type 0), -E_NOSPC (table full;
 * the map is unchanged).
 */
int memmap_add(struct memmap *m, paddr_t start, paddr_t end, uint32_t type);

/* Give [start, end) the type, whatever it was (Linux: e820__range_update).
 * Only parts already in the map change; holes stay holes.  Returns 0,
 * -E_INVAL (end <= start or type 0), -E_NOSPC (table full). */
int memmap_set_type(struct memmap *m, paddr_t start, paddr_t end, uint32_t type);

/* Remove [start, end) from the map, splitting ranges.  -E_NOSPC if full,
 * -E_INVAL if end <= start. */
int memmap_remove(struct memmap *m, paddr_t start, paddr_t end);

/*
 * Sort, resolve overlaps (higher type wins), merge adjacent ranges of the
 * same type, drop empty ones (Linux: e820__update_table).  For a map filled
 * by hand; every other function here leaves the map sanitized.  Returns 0,
 * -E_NOSPC if the result does not fit (map unchanged), -E_INVAL if count
 * is past MEMMAP_MAX.
 */
int memmap_sanitize(struct memmap *m);

/* Is all of [start, end) covered by ranges of this type?  False if empty. */
bool memmap_covers(const struct memmap *m, paddr_t start, paddr_t end, uint32_t type);

/* Total bytes of a type. */
uint64_t memmap_total(const struct memmap *m, uint32_t type);

/* End of the highest range of a type (0 if none). */
paddr_t memmap_end(const struct memmap *m, uint32_t type);

/*
 * Place size bytes aligned to align (a power of two; 0 means 1) inside
 * [lo, hi), entirely in one System RAM range of m, meeting none of the
 * avoid ranges: the lowest such place, or the highest if top_down.
 * Returns 0 and *base, -E_INVAL (size 0 or align not a power of two),
 * -E_NOSPC (nowhere).  Linux: kexec_locate_mem_hole (bottom-up/top-down
 * over walk_system_ram_res).
 */
int memmap_find_hole(const struct memmap *m, paddr_t lo, paddr_t hi, const struct range *avoid,
		     unsigned nr_avoid, uint64_t size, uint64_t align, bool top_down,
		     paddr_t *base);

/*
 * One memmap= command-line option, as Linux's parse_memmap_one reads it:
 * SIZE@START (RAM), SIZE#START (ACPI data), SIZE$START (reserved),
 * SIZE!START (persistent memory, type 12), sizes and starts with K/M/G.
 * "exactmap" sets *exactmap and fills nothing.  Returns 0 and *r, or
 * -E_INVAL (another form; a bare SIZE, Linux's memory limit, included).
 */
int memmap_parse_option(const char *s, struct memmap_range *r, bool *exactmap);

/* The e820 name of a type as Linux prints it: "usable", "reserved",
 * "ACPI data", "ACPI NVS", "unusable", "persistent (type 7|12)", or
 * "type N" (kept in a static buffer until the next such call). */
const char *memmap_type_name(uint32_t type);

/* The iomem name of a type: "System RAM", "Reserved", "ACPI Tables",
 * "ACPI Non-volatile Storage", "Unusable memory". */
const char *memmap_iomem_name(uint32_t type);

/*
 * The map the firmware gave us, as parsed from multiboot2 (Linux:
 * e820_table_firmware).  Filled once at boot and never changed.
 */
extern struct memmap firmware_memmap;

/* Fill firmware_memmap from boot_info and print it, one line per range. */
void memmap_setup(void);

#endif
