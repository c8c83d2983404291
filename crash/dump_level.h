/*
 * Dump levels: which classes of pages a vmcore leaves out, as a bitmask in
 * the spirit of makedumpfile's -d, with makedumpfile's bit for each class
 * this kernel has (so a Linux habit such as -d 31 means "everything that
 * can go").  Pure logic.  Linux: makedumpfile's DL_EXCLUDE_* and its man
 * page's dump level table.
 *
 *   bit  makedumpfile               here
 *    1   zero pages                 zero pages (read once, all zero)
 *    2   cache pages                none: no page cache in this kernel
 *    4   cache private pages        none
 *    8   user data pages            none: no user space
 *   16   free pages                 free frames of the dead kernel's frame
 *                                   allocator (its bitmap, through VMCOREINFO)
 */
#ifndef CRASH_DUMP_LEVEL_H
#define CRASH_DUMP_LEVEL_H

#include "lib/types.h"

#define DUMP_EXCLUDE_ZERO	0x01
#define DUMP_EXCLUDE_CACHE	0x02	/* accepted, nothing to exclude */
#define DUMP_EXCLUDE_CACHE_PRI	0x04	/* accepted, nothing to exclude */
#define DUMP_EXCLUDE_USER	0x08	/* accepted, nothing to exclude */
#define DUMP_EXCLUDE_FREE	0x10
#define DUMP_LEVEL_MAX		31

/*
 * The default leaves out only what the dead kernel itself did not own:
 * its free frames.  Zero pages of memory it did own stay, so a debugger
 * reading them sees zeros, not an error.
 */
#define DUMP_LEVEL_DEFAULT	DUMP_EXCLUDE_FREE

/*
 * Parse a dump level: a number 0..31 (makedumpfile's -d), written as
 * parse_u64 reads numbers (17, 0x11 and 0b10001 are the same level).
 * Returns 0 and *level, or -E_INVAL (not a number) / -E_RANGE (above 31);
 * why (may be NULL) says what was wrong.
 */
int dump_level_parse(const char *s, unsigned *level, char *why, size_t whylen);

/*
 * The classes a level excludes, in words: "zero pages, free frames",
 * "nothing" for 0; classes this kernel has no pages of are named with
 * "(none here)".  Returns buf.
 */
char *dump_level_describe(unsigned level, char *buf, size_t size);

#endif
