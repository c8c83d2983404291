/*
 * The kernel's own symbol table, linked into the image (Linux:
 * kernel/kallsyms.c).  The build links three times: the table generated
 * from one link is put into the next, and a final check proves it is
 * consistent with the addresses of the image that carries it.
 */
#ifndef KERNEL_KALLSYMS_H
#define KERNEL_KALLSYMS_H

#include "lib/types.h"

/*
 * Name of the symbol containing addr, with *offset from its start and
 * *size (distance to the next symbol); NULL if addr is outside the kernel.
 */
const char *kallsyms_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);

/* Address of a symbol by name, or 0. */
uint64_t kallsyms_lookup_name(const char *name);

/* Print "<prefix>name+0xoff/0xsize" for one address, at KERN_INFO. */
void print_symbol(const char *prefix, uint64_t addr);

/* Longest text sprint_symbol() writes (a name, two offsets, NUL). */
#define KSYM_SYMBOL_LEN 160

/*
 * Write "name+0xoff/0xsize" for addr into buf (Linux: sprint_symbol), or
 * "0x<addr>" when addr is not in the kernel.  Returns the length, as
 * ksnprintf does.
 */
int sprint_symbol(char *buf, size_t size, uint64_t addr);

/*
 * The same for a return address (Linux: sprint_backtrace): the symbol is
 * looked up at addr - 1, so a call that ends a function (to a noreturn
 * function) names the caller, not the function placed after it.
 */
int sprint_backtrace(char *buf, size_t size, uint64_t addr);

/* Frames a backtrace follows at most. */
#define BACKTRACE_MAX_DEPTH 32

/*
 * Follow the frame-pointer chain from rbp and store up to max return
 * addresses in addrs.  Never faults: it stops at rbp == 0 (the end set by
 * boot/entry.asm) or, with *why set to the reason, at a non-canonical,
 * unaligned or out-of-stack rbp, a chain that does not move up the stack,
 * a return address outside kernel text, or max frames.  *why is NULL on a
 * clean end.  Returns the number of addresses stored.
 */
unsigned backtrace_collect(uint64_t rbp, uint64_t *addrs, unsigned max, const char **why);

/*
 * Print " [<rip>] sym" for rip (skipped if 0), then one such line per
 * return address of the chain from rbp, at KERN_EMERG (panic path).
 */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif
