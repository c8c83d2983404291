/*
 * crashkernel=, the pure half: read the value in Linux's syntaxes, then
 * choose where the window goes in the RAM map.  The one idea: parsing
 * gives a size (and maybe a base) that depends on how much RAM there is;
 * placement turns it into a 2 MiB-aligned window below 4 GiB that touches
 * nothing the boot still needs.  Linux: kernel/crash_reserve.c
 * (parse_crashkernel, parse_crashkernel_simple, parse_crashkernel_mem)
 * and the memblock search of reserve_crashkernel.
 */
#ifndef CRASH_CRASHKERNEL_PARSE_H
#define CRASH_CRASHKERNEL_PARSE_H

#include "lib/range.h"
#include "lib/types.h"

struct memmap;

/* The window's alignment: our kernel relocates in 2 MiB steps. */
#define CRASHKERNEL_ALIGN (2 * MiB)
/* The window ends at or below this: every crash segment must be reachable
 * through multiboot2's 32-bit addresses. */
#define CRASHKERNEL_LIMIT (4 * GiB)
/* The range syntax compares RAM rounded up to this (Linux does the same:
 * firmware keeps a little, so 512M of RAM shows as 511.6 MiB). */
#define CRASHKERNEL_RAM_ROUND (128 * MiB)
/* Most ranges to avoid that crashkernel_place accepts. */
#define CRASHKERNEL_AVOID_MAX 32

/*
 * What the value asks for.  size is in bytes, exactly as written (no
 * rounding); 0 means "no window" (a range list that matched nothing, a
 * matching range of size 0, or SIZE 0), with the reason in why.  offset
 * is the @OFFSET base, 0 when absent: as in Linux, @0 also means "choose
 * the place" (a window at physical 0 could never be had anyway).
 */
struct crashkernel_request {
	uint64_t size;
	paddr_t offset;
	bool ranges;		/* the START-[END]:SIZE list syntax was used */
	unsigned range_index;	/* ranges: 1-based entry that matched, 0 none */
	unsigned nr_ranges;	/* ranges: entries in the list */
	uint64_t ram_compared;	/* ranges: System RAM rounded up to 128 MiB */
};

/*
 * Parse one crashkernel= value against system_ram bytes of System RAM:
 *
 *   SIZE                 e.g. 64M
 *   SIZE@OFFSET          e.g. 64M@16M: exactly there
 *   START-[END]:SIZE[,START-[END]:SIZE...][@OFFSET]
 *                        e.g. 512M-2G:64M,2G-:128M
 *
 * Numbers are parse_u64's (decimal, 0x hex, 0b binary, 0 octal) with an
 * optional K, M, G or T suffix.  A range START-END selects SIZE when
 * START <= RAM < END: END is exclusive, as in Linux's parse_crashkernel_mem
 * (at exactly 2 GiB, "512M-2G:64M,2G-:128M" gives 128M); an empty END
 * means no upper bound.  RAM is system_ram rounded up to 128 MiB, as Linux
 * does.  The first matching range wins.  Like Linux, a range parsed up to
 * and including the match whose SIZE is not below RAM is an error.
 * Stricter than Linux: the whole list is checked, also past the match,
 * and nothing may follow the value (Linux stops at the match and skips to
 * '@').  ",high" and ",low" (Linux's above-4-GiB variants) are refused.
 *
 * Returns 0 and fills *req (size 0: no window, why says why), or with a
 * precise reason in why: -E_INVAL for every malformed form (empty value,
 * not a number, a number too big for 64 bits, '-' or ':' missing, END not
 * above START, a missing SIZE or OFFSET, an empty entry, a SIZE not below
 * RAM); -E_NOTSUP for ",high" / ",low".  On failure *req is all zero.
 * why may be NULL.
 */
int crashkernel_parse(const char *value, uint64_t system_ram, struct crashkernel_request *req,
		      char *why, size_t whylen);

/*
 * Place a window of size bytes in the System RAM of ram (a sanitized
 * map), clear of the avoid ranges (their what names them in why).  size must be a non-zero multiple of
 * 4 KiB; it is kept exactly (not rounded up to 2 MiB: the window's start
 * is aligned, its end need not be).
 * With offset != 0 the window is exactly [offset, offset + size): it must
 * be 2 MiB aligned, end at or below 4 GiB, lie in one System RAM range
 * and touch no avoid range.  With offset 0 it is the highest 2 MiB-
 * aligned place ending at or below 4 GiB that fits (Linux also searches
 * top-down).
 * Returns 0 and *base, or with a reason in why: -E_INVAL (size 0 or not a
 * multiple of 4 KiB, more than CRASHKERNEL_AVOID_MAX avoid ranges),
 * -E_ALIGN (offset not 2 MiB aligned), -E_RANGE (offset window wraps,
 * ends above 4 GiB, or is not inside one System RAM range), -E_BUSY
 * (offset window overlaps an avoid range, named), -E_NOSPC (no place
 * fits; why gives the largest window that would).
 */
int crashkernel_place(const struct memmap *ram, const struct range *avoid,
		      unsigned nr_avoid, uint64_t size, paddr_t offset, paddr_t *base,
		      char *why, size_t whylen);

#endif
