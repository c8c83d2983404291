/*
 * The kernel.elf that crashed, opened with libelf for two things: its
 * symbol table (to turn rip into "crash_null+0x14") and its GNU build id
 * (to tell whether this kernel.elf is the one the vmcore came from, as the
 * crash utility refuses a vmlinux that does not match).
 */
#ifndef VMCORE_SYMBOLS_H
#define VMCORE_SYMBOLS_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel_sym {
	uint64_t addr;
	uint64_t size;
	const char *name;	/* in libelf's string table */
};

struct kernel_elf {
	const char *path;
	int fd;
	Elf *elf;
	char build_id[2 * 64 + 1];	/* lower-case hex; "" if the file has none */
	struct kernel_sym *syms;	/* functions and objects, sorted by address */
	size_t nr_syms;
};

/* Open an ELF file (any class) and read its build id and symbols.  Dies if
 * it cannot be read or is not ELF; a file without symbols or build id is
 * accepted (nr_syms 0, build_id ""). */
void kernel_elf_open(struct kernel_elf *ke, const char *path);
void kernel_elf_close(struct kernel_elf *ke);

/*
 * Name addr as "symbol+0xoff" into buf: the symbol that contains it, else
 * the nearest one below it within 64 KiB.  Returns false (buf "") when
 * nothing fits.
 */
bool kernel_elf_symbolize(const struct kernel_elf *ke, uint64_t addr, char *buf, size_t bufsz);

#endif
