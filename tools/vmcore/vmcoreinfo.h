/*
 * VMCOREINFO: the "KEY=VALUE\n" lines the crashed kernel wrote about
 * itself (where its log ring, memory map and iomem tree are, the layout of
 * their structures, its page tables, build id, crash time).  A reader
 * takes offsets from here instead of compiling against the kernel's
 * headers, so one reader works across builds.  Linux: kernel/vmcore_info.c
 * writes them; makedumpfile and crash read them the same way.
 */
#ifndef VMCORE_VMCOREINFO_H
#define VMCORE_VMCOREINFO_H

#include "vmcore.h"

/*
 * KEY=VALUE text of size bytes (VMCOREINFO's, DUMPINFO's): kv_next walks
 * the lines, kv_value finds a key; the same rules as below.
 */
bool kv_next(const char *text, size_t size, size_t *pos, const char **key, size_t *keylen,
	     const char **val, size_t *vallen);
bool kv_value(const char *text, size_t size, const char *key, char *val, size_t valsz);

/*
 * Walk the lines: store the next one's key and value (not NUL-terminated,
 * lengths given) and advance *pos; false after the last line.  A line
 * without '=' has an empty value.  Start with *pos = 0.
 */
bool vmcoreinfo_next(const struct vmcore *vc, size_t *pos, const char **key, size_t *keylen,
		     const char **val, size_t *vallen);

/* Copy KEY's value, NUL-terminated, into val (cut at valsz - 1).  The first
 * line with the key wins.  Returns false if no line has it. */
bool vmcoreinfo_value(const struct vmcore *vc, const char *key, char *val, size_t valsz);

/* KEY's value as a number (0x... or decimal); false if absent.  Dies if
 * present but not a number. */
bool vmcoreinfo_number_opt(const struct vmcore *vc, const char *key, uint64_t *num);

/* The same, dying "VMCOREINFO lacks KEY (needed for what)" when absent. */
uint64_t vmcoreinfo_number(const struct vmcore *vc, const char *key, const char *what);

/*
 * Whose dump: Linux's VMCOREINFO names init_uts_ns (kernel/vmcore_info.c),
 * ours kernel_log.  The other readers know only our kernel's structures;
 * a Linux dump is read with makedumpfile, crash or drgn.
 */
bool vmcore_is_linux(const struct vmcore *vc);

/* SYMBOL(name), SIZE(type), OFFSET(type.field), NUMBER(name): required. */
uint64_t vmcoreinfo_symbol(const struct vmcore *vc, const char *name, const char *what);
uint64_t vmcoreinfo_size(const struct vmcore *vc, const char *type, const char *what);
uint64_t vmcoreinfo_offset(const struct vmcore *vc, const char *type_field, const char *what);
uint64_t vmcoreinfo_named_number(const struct vmcore *vc, const char *name, const char *what);

#endif
