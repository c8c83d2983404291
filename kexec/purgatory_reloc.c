/*
 * Purgatory placement: parse the embedded ET_REL blob, lay out its
 * allocated sections, apply its RELA relocations for a load address, and
 * read or write its symbols.  The idea: an ET_REL file is an unfinished
 * link, and we finish it ourselves at load time for wherever the purgatory
 * lands.  Every field read from the blob is bounds-checked: a corrupt blob
 * must give an error, never a wild access.  Linux: kernel/kexec_file.c
 * (kexec_purgatory_setup_sechdrs, kexec_purgatory_find_symbol) and
 * arch/x86/kernel/machine_kexec_64.c (arch_kexec_apply_relocations_add).
 */
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_reloc.h"
#include "lib/elf.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Fields are copied out with memcpy: the blob need not be aligned, and a
 * corrupt offset must not become a misaligned access. */
static void get_shdr(const struct purgatory_info *info, unsigned i, Elf64_Shdr *sh)
{
	memcpy(sh, info->blob + info->shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
}

static void get_sym(const struct purgatory_info *info, uint64_t i, Elf64_Sym *sym)
{
	Elf64_Shdr st;

	get_shdr(info, info->symtab, &st);
	memcpy(sym, info->blob + st.sh_offset + i * sizeof(*sym), sizeof(*sym));
}

/* [off, off + len) inside a file of size bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int check_ehdr(struct purgatory_info *info, const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT)
		return -E_NOEXEC;
	if (eh->e_type != ET_REL || eh->e_machine != EM_X86_64 || eh->e_version != EV_CURRENT)
		return -E_NOEXEC;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0)
		return -E_NOEXEC;
	if (eh->e_shnum > PURGATORY_MAX_SECTIONS)
		return -E_2BIG;
	if (!in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr),
		     info->blob_size))
		return -E_TRUNC;
	info->shoff = eh->e_shoff;
	info->shnum = eh->e_shnum;
	return 0;
}

/* Section bounds and alignment; finds the one symbol table. */
static int check_sections(struct purgatory_info *info)
{
	Elf64_Shdr sh;
	unsigned nsymtabs = 0;

	for (unsigned i = 0; i < info->shnum; i++) {
		get_shdr(info, i, &sh);
		if (sh.sh_type != SHT_NOBITS &&
		    !in_file(sh.sh_offset, sh.sh_size, info->blob_size))
			return -E_TRUNC;
		if (sh.sh_addralign & (sh.sh_addralign - 1))
			return -E_NOEXEC;
		if (sh.sh_addralign > PURGATORY_MAX_ALIGN)
			return -E_NOTSUP;
		if (sh.sh_type == SHT_REL)
			return -E_NOTSUP;	/* x86-64 uses RELA only */
		if (sh.sh_type == SHT_SYMTAB) {
			info->symtab = i;
			nsymtabs++;
		}
	}
	return nsymtabs == 1 ? 0 : -E_NOEXEC;
}

/* The symbol table, its string table (NUL-terminated), and every symbol. */
static int check_symbols(struct purgatory_info *info)
{
	Elf64_Shdr st, str, sec;
	Elf64_Sym sym;

	get_shdr(info, info->symtab, &st);
	if (st.sh_entsize != sizeof(sym) || st.sh_size % sizeof(sym) || st.sh_size == 0)
		return -E_NOEXEC;
	info->nsyms = st.sh_size / sizeof(sym);
	if (st.sh_link >= info->shnum)
		return -E_NOEXEC;
	get_shdr(info, st.sh_link, &str);
	if (str.sh_type != SHT_STRTAB || str.sh_size == 0 ||
	    info->blob[str.sh_offset + str.sh_size - 1] != '\0')
		return -E_NOEXEC;

	for (uint64_t i = 1; i < info->nsyms; i++) {
		get_sym(info, i, &sym);
		if (sym.st_name >= str.sh_size)
			return -E_NOEXEC;
		if (sym.st_shndx == SHN_ABS)
			continue;
		/* Undefined or COMMON: the blob must link against nothing. */
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= info->shnum)
			return -E_NOEXEC;
		get_shdr(info, sym.st_shndx, &sec);
		if ((sec.sh_flags & SHF_ALLOC) &&
		    (sym.st_value > sec.sh_size || sym.st_size > sec.sh_size - sym.st_value))
			return -E_NOEXEC;
	}
	return 0;
}

/* Offsets of the allocated sections: file-backed ones, then NOBITS. */
static int layout_sections(struct purgatory_info *info)
{
	Elf64_Shdr sh;
	uint64_t off = 0;

	info->align = 1;
	for (int nobits = 0; nobits <= 1; nobits++) {
		for (unsigned i = 0; i < info->shnum; i++) {
			get_shdr(info, i, &sh);
			if (!(sh.sh_flags & SHF_ALLOC) || (sh.sh_type == SHT_NOBITS) != nobits)
				continue;
			if (sh.sh_addralign > 1) {
				off = ALIGN_UP(off, sh.sh_addralign);
				info->align = MAX(info->align, (size_t)sh.sh_addralign);
			}
			/* off <= the limit, so neither sum below can wrap. */
			if (sh.sh_size > PURGATORY_MAX_MEMSZ || off + sh.sh_size > PURGATORY_MAX_MEMSZ)
				return -E_2BIG;
			info->sec_offset[i] = off;
			off += sh.sh_size;
		}
		if (!nobits)
			info->bufsz = (size_t)off;
	}
	info->memsz = (size_t)off;
	return info->memsz ? 0 : -E_NOEXEC;
}

/* Width in bytes of what a relocation type writes; 0 = unsupported.
 * Keep in step with tools/check_purgatory.py. */
static unsigned reloc_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	default:
		return 0;
	}
}

/* S: where the relocation's symbol lives once the image is at load_pa. */
static int symbol_value(const struct purgatory_info *info, uint64_t symidx,
			paddr_t load_pa, uint64_t *s)
{
	Elf64_Sym sym;

	if (symidx >= info->nsyms)
		return -E_NOEXEC;
	get_sym(info, symidx, &sym);
	if (symidx == 0) {
		*s = 0;		/* STN_UNDEF: the addend alone */
	} else if (sym.st_shndx == SHN_ABS) {
		*s = sym.st_value;
	} else {
		/* check_symbols made st_shndx a real section. */
		if (info->sec_offset[sym.st_shndx] == PURGATORY_NOT_LOADED)
			return -E_NOEXEC;	/* loaded code pointing at, e.g., debug info */
		*s = load_pa + info->sec_offset[sym.st_shndx] + sym.st_value;
	}
	return 0;
}

/* The value of one relocation, range-checked for its width (psABI 4.4). */
static int reloc_value(uint32_t type, uint64_t s, int64_t a, uint64_t p, uint64_t *out)
{
	uint64_t v = s + (uint64_t)a;

	switch (type) {
	case R_X86_64_64:
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:	/* no PLT here: a direct call is S + A - P */
		v -= p;
		/* fall through */
	case R_X86_64_32S:
		if (v + 0x80000000ULL > 0xffffffffULL)
			return -E_RANGE;	/* not a sign-extended 32-bit value */
		break;
	case R_X86_64_32:
		if (v > 0xffffffffULL)
			return -E_RANGE;	/* not a zero-extended 32-bit value */
		break;
	}
	*out = v;
	return 0;
}

/*
 * Walk one RELA section.  buf NULL: only the blob's structure is checked
 * and the relocations counted in *count (parse time).  Otherwise values are
 * computed for load_pa and range-checked; written only if write is set.
 */
static int walk_rela(const struct purgatory_info *info, const Elf64_Shdr *rs,
		     uint8_t *buf, paddr_t load_pa, bool write, unsigned *count)
{
	Elf64_Shdr target;
	Elf64_Rela r;
	uint64_t n, s, v;
	int err;

	if (rs->sh_entsize != sizeof(r) || rs->sh_size % sizeof(r) ||
	    rs->sh_link != info->symtab || rs->sh_info >= info->shnum)
		return -E_NOEXEC;
	get_shdr(info, rs->sh_info, &target);
	if (!(target.sh_flags & SHF_ALLOC))
		return 0;	/* debug info and the like: never loaded */
	if (target.sh_type == SHT_NOBITS)
		return -E_NOEXEC;
	n = rs->sh_size / sizeof(r);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t type;
		unsigned width;
		uint64_t loc;

		memcpy(&r, info->blob + rs->sh_offset + i * sizeof(r), sizeof(r));
		type = ELF64_R_TYPE(r.r_info);
		if (type == R_X86_64_NONE)
			continue;
		width = reloc_width(type);
		if (!width)
			return -E_NOTSUP;
		if (!in_file(r.r_offset, width, target.sh_size))
			return -E_NOEXEC;
		err = symbol_value(info, ELF64_R_SYM(r.r_info), load_pa, &s);
		if (err)
			return err;
		if (!buf) {
			(*count)++;
			continue;
		}
		loc = info->sec_offset[rs->sh_info] + r.r_offset;
		err = reloc_value(type, s, r.r_addend, load_pa + loc, &v);
		if (err)
			return err;
		if (write)
			memcpy(buf + loc, &v, width);	/* little-endian: low bytes */
	}
	return 0;
}

/* Every RELA section, in header order. */
static int walk_relocations(const struct purgatory_info *info, uint8_t *buf,
			    paddr_t load_pa, bool write, unsigned *count)
{
	Elf64_Shdr sh;
	int err;

	for (unsigned i = 0; i < info->shnum; i++) {
		get_shdr(info, i, &sh);
		if (sh.sh_type != SHT_RELA)
			continue;
		err = walk_rela(info, &sh, buf, load_pa, write, count);
		if (err)
			return err;
	}
	return 0;
}

int purgatory_parse(struct purgatory_info *info, const void *blob, size_t size)
{
	Elf64_Ehdr eh;
	int err;

	if (!info || !blob)
		return -E_INVAL;
	memset(info, 0, sizeof(*info));
	for (unsigned i = 0; i < PURGATORY_MAX_SECTIONS; i++)
		info->sec_offset[i] = PURGATORY_NOT_LOADED;
	info->blob = blob;
	info->blob_size = size;
	if (size < sizeof(eh))
		return -E_TRUNC;
	memcpy(&eh, blob, sizeof(eh));
	err = check_ehdr(info, &eh);
	if (!err)
		err = check_sections(info);
	if (!err)
		err = check_symbols(info);
	if (!err)
		err = layout_sections(info);
	if (!err)
		err = walk_relocations(info, NULL, 0, false, &info->nr_relocs);
	return err;
}

int purgatory_relocate(const struct purgatory_info *info, void *buf, paddr_t load_pa)
{
	Elf64_Shdr sh;
	int err;

	if (!IS_ALIGNED(load_pa, (paddr_t)info->align))
		return -E_ALIGN;
	if (load_pa + info->memsz < load_pa)
		return -E_RANGE;
	if (!buf)
		return -E_INVAL;
	err = walk_relocations(info, buf, load_pa, false, NULL);	/* check all first */
	if (err)
		return err;

	memset(buf, 0, info->memsz);
	for (unsigned i = 0; i < info->shnum; i++) {
		get_shdr(info, i, &sh);
		if (info->sec_offset[i] != PURGATORY_NOT_LOADED && sh.sh_type != SHT_NOBITS)
			memcpy((uint8_t *)buf + info->sec_offset[i],
			       info->blob + sh.sh_offset, sh.sh_size);
	}
	return walk_relocations(info, buf, load_pa, true, NULL);
}

/* The defined global called name (Linux: kexec_purgatory_find_symbol). */
static int find_symbol(const struct purgatory_info *info, const char *name,
		       Elf64_Sym *out)
{
	Elf64_Shdr st, str;
	Elf64_Sym sym;

	if (!info || !info->blob || !name)
		return -E_INVAL;
	get_shdr(info, info->symtab, &st);
	get_shdr(info, st.sh_link, &str);
	for (uint64_t i = 1; i < info->nsyms; i++) {
		get_sym(info, i, &sym);
		if (ELF64_ST_BIND(sym.st_info) != STB_GLOBAL)
			continue;
		/* check_symbols: st_name is inside a NUL-terminated table. */
		if (strcmp((const char *)info->blob + str.sh_offset + sym.st_name, name) == 0) {
			*out = sym;
			return 0;
		}
	}
	return -E_NOENT;
}

/* A global symbol that lives in a section laid out in the image. */
static int find_loaded_symbol(const struct purgatory_info *info, const char *name,
			      Elf64_Sym *sym)
{
	int err = find_symbol(info, name, sym);

	if (err)
		return err;
	if (sym->st_shndx == SHN_ABS || info->sec_offset[sym->st_shndx] == PURGATORY_NOT_LOADED)
		return -E_INVAL;
	return 0;
}

/* Image offset of a symbol with storage in the image, checked for size. */
static int symbol_storage(const struct purgatory_info *info, const char *name,
			  size_t size, bool writing, uint64_t *off)
{
	Elf64_Shdr sec;
	Elf64_Sym sym;
	int err;

	err = find_loaded_symbol(info, name, &sym);
	if (err)
		return err;
	get_shdr(info, sym.st_shndx, &sec);
	/* A .bss value would be lost: the segment carries only bufsz bytes. */
	if (writing && sec.sh_type == SHT_NOBITS)
		return -E_INVAL;
	if (sym.st_size != size)
		return -E_INVAL;
	*off = info->sec_offset[sym.st_shndx] + sym.st_value;
	return 0;
}

int purgatory_set_symbol(const struct purgatory_info *info, void *buf,
			 const char *name, const void *val, size_t size)
{
	uint64_t off;
	int err;

	if (!buf || !val)
		return -E_INVAL;
	err = symbol_storage(info, name, size, true, &off);
	if (!err)
		memcpy((uint8_t *)buf + off, val, size);
	return err;
}

int purgatory_get_symbol(const struct purgatory_info *info, const void *buf,
			 const char *name, void *val, size_t size)
{
	uint64_t off;
	int err;

	if (!buf || !val)
		return -E_INVAL;
	err = symbol_storage(info, name, size, false, &off);
	if (!err)
		memcpy(val, (const uint8_t *)buf + off, size);
	return err;
}

int purgatory_symbol_addr(const struct purgatory_info *info, paddr_t load_pa,
			  const char *name, paddr_t *pa)
{
	Elf64_Sym sym;
	int err;

	err = find_loaded_symbol(info, name, &sym);
	if (err)
		return err;
	*pa = load_pa + info->sec_offset[sym.st_shndx] + sym.st_value;
	return 0;
}
