/*
 * The ELF core format of kdump, the side that writes it: the
 * notes (a "CORE"/NT_PRSTATUS note per CPU, the "VMCOREINFO" note) and the
 * ELF core header (elfcorehdr) that tells the capture kernel where the dead
 * kernel's notes and RAM are.  Pure logic: no allocation, no printing, so
 * the panic path can use the note builders.  Linux: kernel/crash_core.c
 * (crash_prepare_elf64_headers, crash_exclude_mem_range), kernel/
 * vmcore_info.c (append_elf_note, final_note).  The ELF structures
 * themselves are lib/elf.h's.
 */
#ifndef CRASH_ELFCORE_H
#define CRASH_ELFCORE_H

#include "lib/elf.h"
#include "lib/range.h"
#include "lib/types.h"

struct trap_frame;
struct memmap;

/* Bytes of one note with a name of namelen characters (NUL not counted). */
#define ELFCORE_ALIGN4(n) (((n) + 3) & ~(uint64_t)3)
#define ELFCORE_NOTE_SIZE(namelen, descsz) \
	(sizeof(Elf64_Nhdr) + ELFCORE_ALIGN4((namelen) + 1) + ELFCORE_ALIGN4(descsz))

/* ---- struct elf_prstatus, x86-64 (Linux: include/linux/elfcore.h) ---- */

/* pr_reg is struct user_regs_struct (arch/x86/include/asm/user_64.h). */
enum elf_reg {
	ELF_REG_R15, ELF_REG_R14, ELF_REG_R13, ELF_REG_R12, ELF_REG_RBP,
	ELF_REG_RBX, ELF_REG_R11, ELF_REG_R10, ELF_REG_R9, ELF_REG_R8,
	ELF_REG_RAX, ELF_REG_RCX, ELF_REG_RDX, ELF_REG_RSI, ELF_REG_RDI,
	ELF_REG_ORIG_RAX, ELF_REG_RIP, ELF_REG_CS, ELF_REG_EFLAGS, ELF_REG_RSP,
	ELF_REG_SS, ELF_REG_FS_BASE, ELF_REG_GS_BASE, ELF_REG_DS, ELF_REG_ES,
	ELF_REG_FS, ELF_REG_GS,
	ELF_NGREG			/* 27 */
};

struct elf_siginfo {
	int32_t si_signo;
	int32_t si_code;
	int32_t si_errno;
};

struct elf_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct elf_prstatus {
	struct elf_siginfo pr_info;
	int16_t pr_cursig;
	uint64_t pr_sigpend;
	uint64_t pr_sighold;
	int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
	struct elf_timeval pr_utime, pr_stime, pr_cutime, pr_cstime;
	uint64_t pr_reg[ELF_NGREG];
	int32_t pr_fpvalid;
};

_Static_assert(sizeof(struct elf_prstatus) == 336, "x86-64 elf_prstatus is 336 bytes");
_Static_assert(offsetof(struct elf_prstatus, pr_cursig) == 12, "pr_cursig at 12");
_Static_assert(offsetof(struct elf_prstatus, pr_pid) == 32, "pr_pid at 32");
_Static_assert(offsetof(struct elf_prstatus, pr_utime) == 48, "pr_utime at 48");
_Static_assert(offsetof(struct elf_prstatus, pr_reg) == 112, "pr_reg at 112");
_Static_assert(offsetof(struct elf_prstatus, pr_fpvalid) == 328, "pr_fpvalid at 328");

/*
 * Fill *prs from a trap frame (Linux: crash_save_cpu + elf_core_copy_regs):
 * everything zero but pr_pid and pr_reg.  orig_rax is -1, as in Linux's
 * pt_regs of any exception or interrupt ("no system call to restart"): the
 * vector and error code are not part of the note.  ds and es are the
 * kernel data selector our entry code loads, fs and gs 0, fs_base and
 * gs_base 0 (the kernel uses neither; a caller that has them may store
 * pr_reg[ELF_REG_FS_BASE] / [ELF_REG_GS_BASE] afterwards).
 */
void elfcore_fill_prstatus(struct elf_prstatus *prs, const struct trap_frame *tf, int32_t pid);

/* ---- Notes (Linux: append_elf_note, final_note) ---- */

/*
 * Append one note at buf[*pos]: header, name with its NUL padded to 4,
 * desc padded to 4 (padding zeroed).  Writes byte by byte, so buf needs no
 * alignment.  Returns 0 and advances *pos, or -E_NOSPC (nothing written)
 * when size - *pos is too small, -E_INVAL if *pos is not a multiple of 4.
 */
int elfcore_append_note(void *buf, size_t size, size_t *pos, const char *name,
			uint32_t type, const void *desc, size_t descsz);

/* Append the empty note (12 zero bytes) that ends a note buffer.
 * Returns 0 and advances *pos, or -E_NOSPC / -E_INVAL as above. */
int elfcore_final_note(void *buf, size_t size, size_t *pos);

/* One note found by elfcore_next_note; name and desc point into the buffer
 * (desc is only 4-aligned: copy it out before reading wider fields). */
struct elfcore_note {
	const char *name;	/* namesz bytes, NUL included if the writer put it */
	uint32_t namesz;
	uint32_t type;
	const void *desc;
	uint32_t descsz;
	size_t offset;		/* where the note starts in the buffer */
	size_t size;		/* its whole size, padding included */
};

/*
 * Walk notes in buf[0, size): store the note at *pos in *n and advance *pos.
 * Returns 1 for a note, 0 at the end (*pos == size, or an empty note:
 * namesz 0 ends the buffer, as Linux's final_note), or -E_TRUNC when the
 * note at *pos does not fit in what is left (a header cut short, or name
 * and desc running past size); *pos is then left on it.
 */
int elfcore_next_note(const void *buf, size_t size, size_t *pos, struct elfcore_note *n);

/* Is n a note of this name (name plus NUL) and type? */
bool elfcore_note_is(const struct elfcore_note *n, const char *name, uint32_t type);

/* ---- The per-CPU crash note (Linux: crash_notes, note_buf_t) ---- */

#define CRASH_NOTE_NAME "CORE"
/* One CORE/NT_PRSTATUS note and the final note: 368 bytes. */
#define CRASH_NOTE_BYTES \
	(ELFCORE_NOTE_SIZE(4, sizeof(struct elf_prstatus)) + sizeof(Elf64_Nhdr))

/*
 * Write cpu's crash note into buf: a CORE/NT_PRSTATUS note holding regs
 * (elfcore_fill_prstatus, pr_pid = pid) and the final note.  For the panic
 * path: no allocation, no printing, no locks.  cpu is only checked
 * (< NR_CPUS): as in Linux, a CPU is known by its note buffer, not by a
 * field in the note.  Give each CPU its own pid (e.g. cpu + 1) so gdb
 * shows each as a thread of its own.  Returns the bytes written
 * (CRASH_NOTE_BYTES), -E_NOSPC (size too small), -E_INVAL (cpu, regs).
 */
int crash_note_build(void *buf, size_t size, unsigned cpu, const struct trap_frame *regs,
		     int32_t pid);

/* ---- VMCOREINFO (Linux: kernel/vmcore_info.c) ---- */

#define VMCOREINFO_NOTE_NAME "VMCOREINFO"
#define VMCOREINFO_BYTES 4096	/* the text (Linux: VMCOREINFO_BYTES = PAGE_SIZE) */
/* The note holding a full text, and the final note. */
#define VMCOREINFO_NOTE_BYTES \
	(ELFCORE_NOTE_SIZE(10, VMCOREINFO_BYTES) + sizeof(Elf64_Nhdr))

/* "KEY=VALUE\n" lines, no NUL in the note (Linux: vmcoreinfo_data). */
struct vmcoreinfo {
	char data[VMCOREINFO_BYTES];
	size_t size;		/* bytes of text */
	unsigned dropped;	/* lines refused for lack of room */
};

/* Empty the text. */
void vmcoreinfo_init(struct vmcoreinfo *vi);

/*
 * Append one formatted line (the caller writes its "\n"), with kvsnprintf.
 * A line that does not fit is not cut: it is dropped whole, counted in
 * vi->dropped, and -E_NOSPC returned.  Otherwise 0.  No allocation.
 */
int vmcoreinfo_append(struct vmcoreinfo *vi, const char *fmt, ...) __printf(2, 3);

/*
 * Write the VMCOREINFO note (name "VMCOREINFO", type 0, desc = the text)
 * and the final note into buf.  Returns the bytes written, or -E_NOSPC.
 * Linux: update_vmcoreinfo_note.
 */
int vmcoreinfo_note_build(void *buf, size_t size, const struct vmcoreinfo *vi);

/*
 * Find KEY's value in VMCOREINFO text (lines "KEY=VALUE\n", the last line
 * may lack its newline): copy it, NUL-terminated, to val.  Returns 0,
 * -E_NOENT (no such key), -E_NOSPC (value longer than valsz - 1; val then
 * holds its start).  The first line with the key wins.
 */
int vmcoreinfo_get(const char *text, size_t len, const char *key, char *val, size_t valsz);

/* ---- The ELF core header (Linux: crash_prepare_elf64_headers) ---- */

/* A note buffer in the dead kernel's memory: physical address, max size. */
struct elfcore_note_buf {
	paddr_t pa;
	uint64_t size;
};

struct elfcore_params {
	const struct elfcore_note_buf *cpu_notes;	/* one per possible CPU */
	unsigned nr_cpus;
	struct elfcore_note_buf vmcoreinfo;
	vaddr_t kernel_vaddr;		/* the image: link virtual address */
	paddr_t kernel_paddr;		/* ... where it really is */
	uint64_t kernel_size;
	vaddr_t direct_map_base;	/* RAM PT_LOADs: p_vaddr = this + pa */
	const struct memmap *ram;	/* only MEMMAP_RAM ranges are dumped */
	const struct range *exclude;	/* kept out of the dump (the crash window) */
	unsigned nr_exclude;
};

/*
 * Build the elfcorehdr into buf: the ELF header, then a PT_NOTE per CPU
 * note buffer, a PT_NOTE for VMCOREINFO, a PT_LOAD for the kernel image
 * (p_vaddr = kernel_vaddr), and a PT_LOAD per piece of System RAM left
 * once every exclude range is cut out (Linux: crash_exclude_mem_range
 * splits a range in two).  As in Linux's elfcorehdr, "file" offsets are
 * physical addresses: p_offset = p_paddr, which the capture kernel reads.
 * *size (never NULL) gets the bytes needed; with buf NULL nothing is
 * written (a size query).  Returns 0, -E_NOSPC (bufsz < *size; nothing written), -E_INVAL
 * (no RAM map, a note buffer of size 0 or wrapping, an empty or wrapping
 * kernel image or exclude range, nr_cpus 0), -E_2BIG (PN_XNUM or more
 * program headers).
 */
int elfcore_build_header(const struct elfcore_params *p, void *buf, size_t bufsz, size_t *size);

/* Fill an ELF64 ET_CORE EM_X86_64 header with phnum program headers right
 * after it (shared by the elfcorehdr and the vmcore). */
void elfcore_init_ehdr(Elf64_Ehdr *eh, uint16_t phnum);

#endif
