/*
 * The kernel's own symbol table, linked into the image (Linux:
 * kernel/kallsyms.c).  The build links three times: the table generated
 * from one link is put into the next, and a final check proves it is
 * consistent with the addresses of the image that carries it.
 */
#ifndef KERNEL_KALLSYMS_H
#define KERNEL_KALLSYMS_H

#include "kernel/types.h"

/*
 * Name of the symbol containing addr, with *offset from its start and
 * *size (distance to the next symbol); NULL if addr is outside the kernel.
 */
const char *kallsyms_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);

/* Address of a symbol by name, or 0. */
uint64_t kallsyms_lookup_name(const char *name);

/* Print "rip: name+0xoff/0xsize" style for one address. */
void print_symbol(const char *prefix, uint64_t addr);

/* Walk the frame-pointer chain from rbp and print each return address. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif
