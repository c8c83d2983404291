/*
 * A vmcore opened for reading: the ELF core file the capture kernel wrote
 * (Linux's /proc/vmcore format), checked whole before anything is read,
 * its notes listed, its VMCOREINFO found, and the dead kernel's memory
 * reachable by physical or virtual address.  ELF structures come from
 * elfutils' libelf; only the RAM bytes themselves are read with pread.
 * The crash utility and makedumpfile open a dump the same way.
 */
#ifndef VMCORE_VMCORE_H
#define VMCORE_VMCORE_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One PT_LOAD: [paddr, paddr + size) of the dead kernel's memory, mapped
 * at vaddr, stored at file offset. */
struct vmcore_load {
	unsigned phdr;		/* its index among the program headers */
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t size;
	uint64_t offset;
};

/* One note of the PT_NOTE segments; desc points into libelf's copy. */
struct vmcore_note {
	char owner[32];		/* "CORE", "VMCOREINFO" (NUL-terminated) */
	uint32_t type;		/* NT_PRSTATUS (1), 0 for VMCOREINFO */
	const uint8_t *desc;	/* descsz bytes, 4-aligned */
	uint32_t descsz;
	uint64_t file_offset;	/* where the note's header is in the file */
};

struct vmcore {
	const char *path;
	int fd;
	uint64_t file_size;
	Elf *elf;
	size_t nr_phdrs;
	struct vmcore_load *loads;
	unsigned nr_loads;
	struct vmcore_note *notes;
	unsigned nr_notes;
	const char *vmcoreinfo;	/* KEY=VALUE lines, not NUL-terminated */
	size_t vmcoreinfo_size;
	const char *dumpinfo;	/* the DUMPINFO note of a filtered dump, or NULL */
	size_t dumpinfo_size;
};

/*
 * Open path and check all of it that later reading relies on: an ELF64
 * little-endian ET_CORE file for EM_X86_64; program headers inside the
 * file, only PT_NULL, PT_NOTE and PT_LOAD; every segment's bytes inside
 * the file (a cut copy is refused here, not at a random later read); every
 * note well formed; a VMCOREINFO note present.  Dies with a clear message
 * otherwise.  vmcore_close releases it.
 */
void vmcore_open(struct vmcore *vc, const char *path);
void vmcore_close(struct vmcore *vc);

/* The PT_LOAD that holds physical address pa (RAM loads, whose p_vaddr is
 * a direct-map address, before the kernel image's), or NULL. */
const struct vmcore_load *vmcore_find_phys(const struct vmcore *vc, uint64_t pa);

/*
 * Copy len bytes of the dead kernel's memory at physical pa into buf; the
 * range may span PT_LOADs.  Returns true, or false (buf undefined) when a
 * byte of it is in no PT_LOAD.  Dies on an I/O error.
 */
bool vmcore_read_phys(const struct vmcore *vc, uint64_t pa, void *buf, size_t len);

/* The same, dying with "physical [a, b) (what) is not in the dump". */
void vmcore_read_phys_or_die(const struct vmcore *vc, uint64_t pa, void *buf, size_t len,
			     const char *what);

#endif
