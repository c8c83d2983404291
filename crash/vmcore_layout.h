/*
 * The capture kernel's side of the ELF core format: check the elfcorehdr
 * the dead kernel left (ours, or Linux's from kexec-tools or kexec_file),
 * merge its per-CPU and VMCOREINFO notes into one PT_NOTE, and lay out the
 * vmcore file exactly as Linux 6.1's /proc/vmcore does, byte for byte: the
 * ELF header (the elfcorehdr's own, e_phnum changed) and program headers,
 * zeros to a page boundary; the merged notes, zeros to a page boundary;
 * then each PT_LOAD's whole pages of old memory, in header order.  A
 * PT_LOAD's p_offset in the elfcorehdr is the physical address its bytes
 * are read from (kexec-tools points the first 640 KiB at its backup copy),
 * p_paddr what the dead kernel called it.  Pure logic: old memory is
 * reached only through a read_phys callback.  Linux: fs/proc/vmcore.c
 * (parse_crash_elf64_headers, merge_note_headers_elf64,
 * process_ptload_program_headers_elf64, read_vmcore).
 */
#ifndef CRASH_VMCORE_LAYOUT_H
#define CRASH_VMCORE_LAYOUT_H

#include "crash/elfcore.h"
#include "lib/types.h"

/* Program headers an elfcorehdr may have (notes and loads together). */
#define VMCORE_PHDRS_MAX 256
/* Largest PT_NOTE we read (Linux trusts p_memsz; we bound it). */
#define VMCORE_NOTE_MAX (64 * 1024)
/* Physical addresses end below this (x86-64's 52-bit MAXPHYADDR). */
#define VMCORE_PHYS_LIMIT (1ULL << 52)
#define VMCORE_PAGE_SIZE 4096ULL

/*
 * Copy len bytes of the dead kernel's memory at physical pa into buf.
 * Returns 0 or -E_* (passed on to the caller; anything else non-zero
 * becomes -E_IO).
 */
typedef int (*vmcore_read_phys_fn)(void *ctx, paddr_t pa, void *buf, size_t len);

struct vmcore_layout {
	/* The vmcore's first bytes, exactly as in the file: the ELF header,
	 * then phdr[0] the merged PT_NOTE, phdr[1..nr_loads] the PT_LOADs
	 * with p_offset rewritten to their place in the file.  They point
	 * into own for the ELF core header's loads, into the caller's buffer
	 * for a filtered layout (vmcore_layout_filter). */
	Elf64_Ehdr *ehdr;
	Elf64_Phdr *phdr;		/* right after *ehdr */
	uint64_t hdr_size;		/* bytes of ELF header + program headers */
	unsigned nr_loads;
	paddr_t *src;			/* src[i]: PT_LOAD i's bytes are old memory here */
	const uint8_t *notes;		/* the merged notes (the caller's buffer) */
	uint64_t notes_offset;		/* hdr_size rounded up to a page */
	uint64_t notes_size;		/* bytes of notes (the rest of their pages: 0) */
	uint64_t data_offset;		/* first PT_LOAD page: notes end, rounded up */
	uint64_t size;			/* bytes of the whole vmcore */
	/* What the merge found. */
	unsigned nr_src_notes;		/* PT_NOTEs in the elfcorehdr */
	unsigned nr_notes;		/* notes kept */
	unsigned nr_prstatus;		/* CORE/NT_PRSTATUS among them: CPUs */
	unsigned nr_bad_notes;		/* PT_NOTEs whose walk stopped on a bad note */
	char warning[128];		/* the first such stop, explained; "" if none */
	/* Last: the storage of ehdr and phdr for the ELF core header's loads. */
	struct {
		Elf64_Ehdr ehdr;
		Elf64_Phdr phdr[1 + VMCORE_PHDRS_MAX];
		paddr_t src[1 + VMCORE_PHDRS_MAX];
	} own;
};

/*
 * Check an elfcorehdr of size bytes (Linux: parse_crash_elf64_headers,
 * whose rules it includes): ELF magic, ELFCLASS64, ELFDATA2LSB,
 * EV_CURRENT, ET_CORE, EM_X86_64, e_ehsize 64, e_phentsize 56, e_phoff 64
 * (Linux reads the program headers right after the ELF header whatever
 * e_phoff says), 1 <= e_phnum <= VMCORE_PHDRS_MAX, the program headers
 * inside the size; the PT_NOTEs first (Linux's merge assumes it), at
 * least one, each 0 < p_memsz <= VMCORE_NOTE_MAX; p_filesz == p_memsz for
 * both types; no p_offset (the source) or p_paddr range that wraps or
 * reaches VMCORE_PHYS_LIMIT; other types refused; at least one PT_LOAD.
 * Returns 0, or -E_TRUNC (cut short), -E_NOEXEC (not an x86-64 ELF core),
 * -E_INVAL (a bad field), -E_2BIG (too many program headers), -E_RANGE
 * (a range wraps or is too high), -E_NOTSUP (a program header type we do
 * not know); why (may be NULL) says which field and what it held.  Never
 * reads outside hdr[0, size).
 */
int vmcore_check_elfcorehdr(const void *hdr, size_t size, char *why, size_t whylen);

/*
 * Build the vmcore's layout from an elfcorehdr: check it (as above), read
 * every PT_NOTE through read_phys (its p_offset is a physical address),
 * keep its notes up to the empty note, concatenated in notes_buf (the
 * merged PT_NOTE; it must outlive *l), then place the PT_LOADs, each on
 * the whole pages [rounddown(p_offset), roundup(p_offset + p_memsz)).  A
 * note running past its PT_NOTE ends that PT_NOTE's walk, as in Linux; the
 * notes before it are kept, nr_bad_notes and warning say so.  Returns 0,
 * the check's errors, -E_NOSPC (notes_buf too small), or read_phys's
 * error; why explains.
 */
int vmcore_layout_build(struct vmcore_layout *l, const void *hdr, size_t size,
			void *notes_buf, size_t notes_bufsz,
			vmcore_read_phys_fn read_phys, void *ctx, char *why, size_t whylen);

/* One PT_LOAD of a filtered file: part of the layout's PT_LOAD `load`
 * (crash/vmcore_filter.c makes them). */
struct vmcore_run {
	paddr_t start, end;	/* physical, [start, end) */
	unsigned load;		/* 0-based: the layout's phdr[1 + load] */
	/* Pages left out between the previous run of the load and this one,
	 * by class: what a merge of the two would keep after all. */
	uint32_t gap_free, gap_zero;
};

/* Bytes of hdr_buf a filtered layout of nruns needs: the ELF header and
 * program headers (the file's first bytes), then each load's src. */
#define VMCORE_FILTERED_HDR_SIZE(nruns) \
	(sizeof(Elf64_Ehdr) + (1 + (uint64_t)(nruns)) * (sizeof(Elf64_Phdr) + sizeof(paddr_t)))

/*
 * Lay out a filtered vmcore: the same file as src, but its PT_LOADs are
 * runs[0, nruns) (crash/vmcore_filter.h: pieces of src's loads, in file
 * order, each inheriting its load's p_vaddr offset and flags) and its
 * merged PT_NOTE is notes[0, notes_size) (src's notes, perhaps with more
 * appended; it must outlive *out).  The ELF header (src's), program
 * headers and sources are written into hdr_buf, which must outlive *out
 * too.  Returns 0,
 * -E_NOSPC (hdr_bufsz < VMCORE_FILTERED_HDR_SIZE(nruns)), -E_2BIG (1 +
 * nruns program headers do not fit e_phnum), -E_INVAL (a run outside
 * its load, or nruns 0).
 */
int vmcore_layout_filter(struct vmcore_layout *out, const struct vmcore_layout *src,
			 const struct vmcore_run *runs, unsigned nruns, const void *notes,
			 uint64_t notes_size, void *hdr_buf, size_t hdr_bufsz);

/*
 * Copy vmcore bytes [offset, offset + len) to out, reading old memory
 * through read_phys; any offset and length, across the header, notes,
 * segments and the zero padding between them.  Returns the bytes copied:
 * len, fewer at the end of the file, 0 at or past it; or read_phys's
 * negative error (out then holds a partial copy).  Linux: read_vmcore.
 */
int64_t vmcore_read(const struct vmcore_layout *l, uint64_t offset, uint64_t len, void *out,
		    vmcore_read_phys_fn read_phys, void *ctx);

/* What one stretch of the vmcore file is made of. */
enum vmcore_extent_kind {
	VMCORE_EXTENT_MEM,	/* bytes at ptr (the header, the merged notes) */
	VMCORE_EXTENT_ZERO,	/* padding: zeros */
	VMCORE_EXTENT_PHYS,	/* old memory at physical pa */
};

struct vmcore_extent {
	uint64_t offset;	/* in the file */
	uint64_t len;
	enum vmcore_extent_kind kind;
	paddr_t pa;		/* VMCORE_EXTENT_PHYS */
	const void *ptr;	/* VMCORE_EXTENT_MEM */
};

/*
 * The extent holding file offset `offset`, from offset to the extent's
 * end, in *e.  The extents tile [0, size) in order, so a writer walks the
 * file with offset = e.offset + e.len until this returns false (offset at
 * or past the end); a disk driver can DMA PHYS extents straight from old
 * memory.  O(log nr_loads).
 */
bool vmcore_extent_at(const struct vmcore_layout *l, uint64_t offset, struct vmcore_extent *e);

/* ---- the summary the capture kernel's `vmcore` command prints ---- */

/* The n-th CORE/NT_PRSTATUS note, copied to *prs (the notes are only
 * 4-aligned).  Returns 0, -E_NOENT (no such note), -E_INVAL (its desc is
 * not 336 bytes). */
int vmcore_get_prstatus(const struct vmcore_layout *l, unsigned n, struct elf_prstatus *prs);

/* The VMCOREINFO text (not NUL-terminated).  Returns 0 or -E_NOENT. */
int vmcore_get_vmcoreinfo(const struct vmcore_layout *l, const char **text, size_t *len);

/*
 * Which kernel died, from its VMCOREINFO: "Linux <OSRELEASE>" (Linux's
 * VMCOREINFO names init_uts_ns), "<OSRELEASE> with BUILD-ID" for ours
 * (it names kernel_log), else "an unknown kernel".  Writes into buf.
 */
void vmcore_describe_kernel(const struct vmcore_layout *l, char *buf, size_t size);

/*
 * elfcorehdr=[SIZE@]ADDR with K/M/G suffixes, as Linux's setup_elfcorehdr
 * (memparse) reads it: kexec-tools passes "490868K", kexec_file
 * "0x18000000".  *size is 0 when not given.  Returns 0 or -E_INVAL.
 */
int vmcore_parse_elfcorehdr(const char *arg, paddr_t *addr, uint64_t *size);

/* KEY's value in VMCOREINFO, as vmcoreinfo_get: 0, -E_NOENT, -E_NOSPC. */
int vmcore_vmcoreinfo_value(const struct vmcore_layout *l, const char *key, char *val,
			    size_t valsz);

#endif
