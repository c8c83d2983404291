/*
 * Placing the purgatory: the blob is an ELF relocatable object (ET_REL);
 * the loader lays its allocated sections out in one buffer, applies its
 * RELA relocations for the physical address the buffer will be copied to,
 * then patches its globals.  Pure logic: the same code runs in the host
 * tests on the real blob.  Linux: kernel/kexec_file.c
 * kexec_purgatory_setup_sechdrs/kexec_purgatory_get_set_symbol and
 * arch/x86/kernel/machine_kexec_64.c arch_kexec_apply_relocations_add.
 *
 * The loader's sequence:
 *   purgatory_parse(&info, kexec_purgatory, kexec_purgatory_size);
 *   buf = alloc(info.memsz);    load_pa aligned to info.align, below 4 GiB
 *   purgatory_relocate(&info, buf, load_pa);
 *   purgatory_set_symbol(&info, buf, "purgatory_regions", regions, 768); ...
 *   purgatory_symbol_addr(&info, load_pa, "purgatory_start", &image->start);
 *   segment {buf, info.bufsz, load_pa, page-aligned info.memsz}
 */
#ifndef KEXEC_PURGATORY_RELOC_H
#define KEXEC_PURGATORY_RELOC_H

#include "lib/types.h"

/* The blob inside the kernel (kexec/purgatory_blob.asm; kernel only). */
extern const unsigned char kexec_purgatory[];
extern const uint64_t kexec_purgatory_size;

#define PURGATORY_MAX_SECTIONS 64	/* more is refused with -E_2BIG */
#define PURGATORY_MAX_ALIGN 4096	/* a section asking for more: -E_NOTSUP */
#define PURGATORY_NOT_LOADED UINT64_MAX	/* sec_offset of a non-SHF_ALLOC section */

/* What purgatory_parse learnt; read-only afterwards.  No pointers into
 * the caller's memory other than the blob itself. */
struct purgatory_info {
	const uint8_t *blob;
	size_t blob_size;
	uint64_t shoff;			/* section header table offset in blob */
	unsigned shnum;			/* sections */
	unsigned symtab;		/* index of the SHT_SYMTAB section */
	uint64_t nsyms;			/* entries in the symbol table */
	size_t bufsz;			/* image bytes with contents (text, data) */
	size_t memsz;			/* bufsz + NOBITS (.bss, stack) */
	size_t align;			/* load_pa must be a multiple of this */
	unsigned nr_relocs;		/* relocations that will be applied */
	uint64_t sec_offset[PURGATORY_MAX_SECTIONS];	/* image offset per section */
};

/*
 * Validate the blob and compute its layout: an x86-64 little-endian ELF64
 * ET_REL whose headers, sections, symbols, strings and relocations all lie
 * inside [blob, blob + size); every symbol defined; every relocation of an
 * allocated section of a supported type (R_X86_64_64, PC32, PLT32, 32, 32S,
 * NONE) and inside its section.  Allocated sections are laid out in header
 * order, those with file contents first, NOBITS after (so [bufsz, memsz)
 * is all zeros), each at its sh_addralign.
 * Returns 0, -E_INVAL (NULL), -E_TRUNC (something lies past the end),
 * -E_NOEXEC (not a well-formed relocatable object for x86-64),
 * -E_NOTSUP (REL sections, an unknown relocation type, huge alignment),
 * -E_2BIG (too many sections, image over PURGATORY_MAX_MEMSZ).
 */
int purgatory_parse(struct purgatory_info *info, const void *blob, size_t size);

/*
 * Fill buf (info->memsz bytes) with the image as it must run at physical
 * address load_pa: sections copied, NOBITS zeroed, relocations applied.
 * Every relocation is checked before buf is written.
 * Returns 0, -E_ALIGN (load_pa not a multiple of info->align), -E_RANGE
 * (the image would wrap, or a 32-bit relocation does not fit at load_pa).
 */
int purgatory_relocate(const struct purgatory_info *info, void *buf, paddr_t load_pa);

/*
 * Overwrite the global symbol name in a relocated buf with size bytes.
 * Returns 0, -E_NOENT (no such defined global), -E_INVAL (size differs from
 * the symbol's st_size, or the symbol has no file contents: .bss, absolute).
 */
int purgatory_set_symbol(const struct purgatory_info *info, void *buf,
			 const char *name, const void *val, size_t size);

/* Read the global symbol name from buf; same checks and returns as set
 * (reading a .bss symbol is allowed: it is zero). */
int purgatory_get_symbol(const struct purgatory_info *info, const void *buf,
			 const char *name, void *val, size_t size);

/* Physical address of the global symbol name once placed at load_pa.
 * Returns 0, -E_NOENT, -E_INVAL (absolute symbol: not in the image). */
int purgatory_symbol_addr(const struct purgatory_info *info, paddr_t load_pa,
			  const char *name, paddr_t *pa);

#endif
