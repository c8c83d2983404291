/*
 * The multiboot2 image loader's pure half: parse an ELF64 or ELF32 x86
 * kernel and its multiboot2 header, decide where it goes (honouring the
 * relocatable and entry-address tags, as GRUB does) and describe it as
 * page-aligned kexec segments.  Linux: kexec_file's image loaders
 * (arch/x86/kernel/kexec-bzimage64.c).
 */
#ifndef KEXEC_ELF_IMAGE_H
#define KEXEC_ELF_IMAGE_H

#include "kexec/mb2_header.h"
#include "lib/range.h"
#include "lib/types.h"

struct memmap;

#define ELF_IMAGE_MAX_LOADS 16		/* PT_LOAD headers we accept */

/* One PT_LOAD program header, class-independent. */
struct elf_image_load {
	uint64_t file_offset;
	uint64_t filesz;
	paddr_t paddr;			/* p_paddr: physical at link time */
	uint64_t vaddr;
	uint64_t memsz;
};

/*
 * One kexec segment: [mem, mem + memsz), page aligned.  Its bytes are the
 * PT_LOADs load[first_load .. first_load + nr_loads) (PT_LOADs that share
 * a page end up in one segment) at their offset from link_mem, zeros
 * elsewhere; only the first bufsz bytes need staging, the rest is zero.
 */
struct elf_image_segment {
	paddr_t link_mem;		/* page-aligned start at the link address */
	paddr_t mem;			/* destination: link_mem + the relocation delta */
	size_t memsz;
	size_t bufsz;
	unsigned first_load, nr_loads;
};

struct elf_image {
	const uint8_t *file;		/* the image in memory (not copied) */
	size_t file_size;
	unsigned elf_class;		/* 32 or 64 */
	uint64_t e_entry;		/* ELF entry, virtual */
	struct mb2_header_info mb2;
	unsigned nr_loads;		/* PT_LOADs with memsz > 0, sorted by paddr */
	struct elf_image_load load[ELF_IMAGE_MAX_LOADS];
	paddr_t link_base, link_end;	/* [lowest p_paddr, highest p_paddr + p_memsz) */
	paddr_t link_entry;		/* physical entry at the link address */
	paddr_t load_base;		/* where link_base goes (link_base until relocated) */
	paddr_t entry_pa;		/* physical entry after relocation */
	unsigned nr_segments;
	struct elf_image_segment segment[ELF_IMAGE_MAX_LOADS];
};

/*
 * Parse a multiboot2 kernel of size bytes at file: ELF ident, class and
 * machine (ELF64 EM_X86_64 or ELF32 EM_386), ET_EXEC, program header table
 * and every PT_LOAD inside the file, p_filesz <= p_memsz, no overflow, no
 * two PT_LOADs overlapping, everything below 4 GiB; then the multiboot2
 * header (magic, 8-aligned in the first 32768 bytes, checksum, i386
 * architecture) and its tags.  Fills *img with the layout at the link
 * address (load_base = link_base).  The file must stay in memory while
 * img is used.  Returns 0 or, with a reason in why:
 * -E_NOEXEC not an x86 ELF executable, or no multiboot2 header;
 * -E_TRUNC something runs past the end of the file or of the header;
 * -E_INVAL a malformed field; -E_RANGE an address overflows or lies above
 * 4 GiB; -E_OVERLAP two PT_LOADs overlap; -E_2BIG too many PT_LOADs;
 * -E_BADSUM bad header checksum; -E_NOTSUP the address tag (a.out kludge),
 * a required tag or information request we cannot honour (named).
 */
int elf_image_parse(const void *file, size_t size, struct elf_image *img,
		    char *why, size_t whylen);

/*
 * Move the image so link_base lands at base: every segment and the entry
 * move by base - link_base.  A non-relocatable image accepts only its link
 * base.  Returns 0, -E_NOTSUP (not relocatable), -E_ALIGN (base not a
 * multiple of the tag's align or of a page), -E_RANGE (outside [min_addr,
 * max_addr)).  Changes nothing on failure.
 */
int elf_image_relocate(struct elf_image *img, paddr_t base, char *why, size_t whylen);

/*
 * Choose where the image goes: its link base if it is not relocatable
 * (when that fits), else a base by its relocatable tag (min/max/align,
 * preference high = highest, otherwise lowest), in System RAM of ram,
 * inside [lo, hi) and clear of the avoid ranges.  Returns 0 and *base,
 * or -E_NOSPC if no place fits.  Pure: call elf_image_relocate after.
 */
int elf_image_choose_base(const struct elf_image *img, const struct memmap *ram,
			  paddr_t lo, paddr_t hi, const struct range *avoid,
			  unsigned nr_avoid, paddr_t *base);

/*
 * Segment i's bytes, when they can be used straight from the file (one
 * PT_LOAD starting at link_mem); NULL when they must be staged with
 * elf_image_stage_segment.  Either way bufsz bytes, then zeros to memsz.
 */
const void *elf_image_segment_buf(const struct elf_image *img, unsigned i);

/*
 * Write segment i's first bufsz bytes into dst (dstsz bytes): zeros, and
 * each PT_LOAD's file bytes at its place.  Returns 0, -E_INVAL (no such
 * segment), -E_NOSPC (dstsz < bufsz).
 */
int elf_image_stage_segment(const struct elf_image *img, unsigned i, void *dst, size_t dstsz);

#endif
