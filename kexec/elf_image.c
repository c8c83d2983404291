/*
 * Parse a multiboot2 ELF kernel into page-aligned kexec segments, the way
 * GRUB's multiboot2 loader reads it: PT_LOADs go to their p_paddr (moved
 * as a whole when the relocatable tag allows), the entry is the entry
 * address tag or e_entry translated through its PT_LOAD.  The one idea:
 * validate every offset and size against the file before reading it.
 * Linux: kexec_file's image probe/load (arch/x86/kernel/kexec-bzimage64.c).
 */
#include "kexec/elf_image.h"
#include "lib/elf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"

/* Field offsets, for reading a possibly unaligned file byte by byte. */
#define EH32(f) offsetof(Elf32_Ehdr, f)
#define EH64(f) offsetof(Elf64_Ehdr, f)
#define PH32(f) offsetof(Elf32_Phdr, f)
#define PH64(f) offsetof(Elf64_Phdr, f)

#define FOUR_GIB 0x100000000ULL

/* The file is not necessarily aligned for these types: copy, don't cast. */
static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Every checking function has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

/* The fields of the ELF header we use, for either class. */
struct ehdr {
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

static int parse_ehdr(struct elf_image *img, struct ehdr *eh, char *why, size_t whylen)
{
	const uint8_t *f = img->file;
	uint16_t type, machine;
	bool is64;

	if (img->file_size < EI_NIDENT || memcmp(f, ELFMAG, SELFMAG) != 0)
		return FAIL(-E_NOEXEC, "not an ELF file (no \\177ELF magic)");
	if (f[EI_CLASS] != ELFCLASS32 && f[EI_CLASS] != ELFCLASS64)
		return FAIL(-E_NOEXEC, "ELF class %u is neither 32 nor 64 bit", f[EI_CLASS]);
	if (f[EI_DATA] != ELFDATA2LSB || f[EI_VERSION] != EV_CURRENT)
		return FAIL(-E_NOEXEC, "ELF data %u version %u: want little endian, version 1",
			    f[EI_DATA], f[EI_VERSION]);
	is64 = f[EI_CLASS] == ELFCLASS64;
	if (img->file_size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return FAIL(-E_TRUNC, "ELF header truncated (%zu bytes)", img->file_size);
	img->elf_class = is64 ? 64 : 32;
	type = rd16(f + (is64 ? EH64(e_type) : EH32(e_type)));
	machine = rd16(f + (is64 ? EH64(e_machine) : EH32(e_machine)));
	if (type != ET_EXEC)
		return FAIL(-E_NOEXEC, "ELF type %u is not an executable (ET_EXEC)", type);
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return FAIL(-E_NOEXEC, "ELF%u machine %u: want %s", img->elf_class, machine,
			    is64 ? "EM_X86_64 (62)" : "EM_386 (3)");
	eh->entry = is64 ? get_unaligned_le64(f + EH64(e_entry))
			 : get_unaligned_le32(f + EH32(e_entry));
	eh->phoff = is64 ? get_unaligned_le64(f + EH64(e_phoff))
			 : get_unaligned_le32(f + EH32(e_phoff));
	eh->phentsize = rd16(f + (is64 ? EH64(e_phentsize) : EH32(e_phentsize)));
	eh->phnum = rd16(f + (is64 ? EH64(e_phnum) : EH32(e_phnum)));
	img->e_entry = eh->entry;
	if (eh->phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return FAIL(-E_INVAL, "program header size %u, want %zu", eh->phentsize,
			    is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr));
	if (eh->phnum == 0)
		return FAIL(-E_NOEXEC, "no program headers");
	if (eh->phoff > img->file_size ||
	    (uint64_t)eh->phnum * eh->phentsize > img->file_size - eh->phoff)
		return FAIL(-E_TRUNC,
			    "program headers at 0x%llx (%u x %u bytes) run past the end of the "
			    "file (%zu bytes)", (unsigned long long)eh->phoff, eh->phnum,
			    eh->phentsize, img->file_size);
	return 0;
}

/* Read program header i into *l; returns its p_type. */
static uint32_t read_phdr(const struct elf_image *img, const struct ehdr *eh, unsigned i,
			  struct elf_image_load *l)
{
	const uint8_t *p = img->file + eh->phoff + (size_t)i * eh->phentsize;

	if (img->elf_class == 64) {
		l->file_offset = get_unaligned_le64(p + PH64(p_offset));
		l->vaddr = get_unaligned_le64(p + PH64(p_vaddr));
		l->paddr = get_unaligned_le64(p + PH64(p_paddr));
		l->filesz = get_unaligned_le64(p + PH64(p_filesz));
		l->memsz = get_unaligned_le64(p + PH64(p_memsz));
	} else {
		l->file_offset = get_unaligned_le32(p + PH32(p_offset));
		l->vaddr = get_unaligned_le32(p + PH32(p_vaddr));
		l->paddr = get_unaligned_le32(p + PH32(p_paddr));
		l->filesz = get_unaligned_le32(p + PH32(p_filesz));
		l->memsz = get_unaligned_le32(p + PH32(p_memsz));
	}
	return get_unaligned_le32(p + PH64(p_type));	/* offset 0 in both classes */
}

static int check_load(const struct elf_image *img, unsigned i, const struct elf_image_load *l,
		      char *why, size_t whylen)
{
	/* A PT_LOAD with no file bytes (all .bss) reads nothing: any offset. */
	if (l->filesz &&
	    (l->file_offset > img->file_size || l->filesz > img->file_size - l->file_offset))
		return FAIL(-E_TRUNC,
			    "program header %u: file bytes [0x%llx, +0x%llx) run past the end of "
			    "the file (%zu bytes)", i, (unsigned long long)l->file_offset,
			    (unsigned long long)l->filesz, img->file_size);
	if (l->filesz > l->memsz)
		return FAIL(-E_INVAL, "program header %u: p_filesz 0x%llx > p_memsz 0x%llx", i,
			    (unsigned long long)l->filesz, (unsigned long long)l->memsz);
	if (l->paddr + l->memsz < l->paddr || l->vaddr + l->memsz < l->vaddr)
		return FAIL(-E_RANGE, "program header %u: address + p_memsz wraps", i);
	if (l->paddr + l->memsz > FOUR_GIB) {
		char size[24];

		return FAIL(-E_RANGE,
			    "program header %u: [0x%016llx, 0x%016llx) %s above 4 GiB (multiboot2 "
			    "starts in 32-bit mode)", i, (unsigned long long)l->paddr,
			    (unsigned long long)(l->paddr + l->memsz),
			    format_size(size, sizeof(size), l->memsz));
	}
	return 0;
}

/* Collect the PT_LOADs (memsz > 0), sorted by paddr, none overlapping. */
static int parse_phdrs(struct elf_image *img, const struct ehdr *eh, char *why, size_t whylen)
{
	for (unsigned i = 0; i < eh->phnum; i++) {
		struct elf_image_load l;
		unsigned j;
		int err;

		if (read_phdr(img, eh, i, &l) != PT_LOAD)
			continue;
		err = check_load(img, i, &l, why, whylen);
		if (err)
			return err;
		if (l.memsz == 0)
			continue;
		if (img->nr_loads == ELF_IMAGE_MAX_LOADS)
			return FAIL(-E_2BIG, "more than %d PT_LOAD program headers",
				    ELF_IMAGE_MAX_LOADS);
		for (j = img->nr_loads; j > 0 && img->load[j - 1].paddr > l.paddr; j--)
			img->load[j] = img->load[j - 1];
		img->load[j] = l;
		img->nr_loads++;
	}
	if (img->nr_loads == 0)
		return FAIL(-E_NOEXEC, "no loadable (PT_LOAD) program header");
	for (unsigned i = 1; i < img->nr_loads; i++) {
		const struct elf_image_load *a = &img->load[i - 1], *b = &img->load[i];

		if (b->paddr < a->paddr + a->memsz)
			return FAIL(-E_OVERLAP,
				    "PT_LOAD at [0x%016llx, 0x%016llx) overlaps PT_LOAD at "
				    "0x%016llx", (unsigned long long)a->paddr,
				    (unsigned long long)(a->paddr + a->memsz),
				    (unsigned long long)b->paddr);
	}
	img->link_base = img->load[0].paddr;
	for (unsigned i = 0; i < img->nr_loads; i++)
		img->link_end = MAX(img->link_end, img->load[i].paddr + img->load[i].memsz);
	return 0;
}

/* -------------------------------------------------------- the load plan */

/* GRUB: the entry tag's address, else e_entry through the PT_LOAD holding it. */
static int find_entry(struct elf_image *img, char *why, size_t whylen)
{
	if (img->mb2.has_entry) {
		img->link_entry = img->mb2.entry_addr;
		return 0;
	}
	for (unsigned i = 0; i < img->nr_loads; i++) {
		const struct elf_image_load *l = &img->load[i];

		if (img->e_entry >= l->vaddr && img->e_entry - l->vaddr < l->memsz) {
			img->link_entry = img->e_entry - l->vaddr + l->paddr;
			return 0;
		}
	}
	return FAIL(-E_NOEXEC, "entry point 0x%llx is in no PT_LOAD",
		    (unsigned long long)img->e_entry);
}

/* Group PT_LOADs that share a page into one segment, at the link address. */
static void build_segments(struct elf_image *img)
{
	struct elf_image_segment *s = NULL;

	img->nr_segments = 0;
	for (unsigned i = 0; i < img->nr_loads; i++) {
		const struct elf_image_load *l = &img->load[i];
		paddr_t start = ALIGN_DOWN(l->paddr, (paddr_t)PAGE_SIZE);
		paddr_t end = ALIGN_UP(l->paddr + l->memsz, (paddr_t)PAGE_SIZE);

		if (!s || start >= s->link_mem + s->memsz) {
			s = &img->segment[img->nr_segments++];
			*s = (struct elf_image_segment){ .link_mem = start, .first_load = i };
		}
		s->nr_loads++;
		s->memsz = MAX(end, s->link_mem + s->memsz) - s->link_mem;
		if (l->filesz)
			s->bufsz = MAX(s->bufsz, (size_t)(l->paddr - s->link_mem + l->filesz));
	}
}

/* Set load_base; move segments and entry by base - link_base. */
static void apply_base(struct elf_image *img, paddr_t base)
{
	paddr_t delta = base - img->link_base;	/* modulo 2^64: may move down */

	img->load_base = base;
	img->entry_pa = img->link_entry + delta;
	for (unsigned i = 0; i < img->nr_segments; i++)
		img->segment[i].mem = img->segment[i].link_mem + delta;
}

int elf_image_parse(const void *file, size_t size, struct elf_image *img,
		    char *why, size_t whylen)
{
	struct ehdr eh = { 0 };
	int err;

	memset(img, 0, sizeof(*img));
	img->file = file;
	img->file_size = size;
	err = parse_ehdr(img, &eh, why, whylen);
	if (!err)
		err = parse_phdrs(img, &eh, why, whylen);
	if (!err)
		err = mb2_header_parse(file, size, &img->mb2, why, whylen);
	if (!err)
		err = find_entry(img, why, whylen);
	if (err)
		return err;
	if (img->link_entry >= FOUR_GIB)
		return FAIL(-E_RANGE, "entry 0x%llx above 4 GiB",
			    (unsigned long long)img->link_entry);
	if (img->mb2.relocatable && !IS_ALIGNED(img->link_base, (paddr_t)PAGE_SIZE))
		return FAIL(-E_NOTSUP, "relocatable image linked at 0x%llx, not a page boundary",
			    (unsigned long long)img->link_base);
	build_segments(img);
	apply_base(img, img->link_base);
	if (why && whylen)
		why[0] = '\0';
	return 0;
}

/* Bytes the image covers, in whole pages from its first page. */
static uint64_t image_span(const struct elf_image *img)
{
	return ALIGN_UP(img->link_end, (paddr_t)PAGE_SIZE) -
	       ALIGN_DOWN(img->link_base, (paddr_t)PAGE_SIZE);
}

static uint64_t reloc_align(const struct mb2_header_info *h)
{
	return MAX((uint64_t)h->align, (uint64_t)PAGE_SIZE);
}

int elf_image_relocate(struct elf_image *img, paddr_t base, char *why, size_t whylen)
{
	const struct mb2_header_info *h = &img->mb2;
	paddr_t entry = img->link_entry + (base - img->link_base);

	if (base == img->link_base && !h->relocatable) {
		apply_base(img, base);
		return 0;
	}
	if (!h->relocatable)
		return FAIL(-E_NOTSUP, "image is not relocatable (linked at 0x%llx)",
			    (unsigned long long)img->link_base);
	if (!IS_ALIGNED(base, reloc_align(h)))
		return FAIL(-E_ALIGN, "base 0x%llx is not a multiple of 0x%llx",
			    (unsigned long long)base, (unsigned long long)reloc_align(h));
	if (base < h->min_addr || base > h->max_addr || image_span(img) > h->max_addr - base ||
	    entry >= FOUR_GIB)
		return FAIL(-E_RANGE,
			    "image [0x%016llx, +0x%llx) outside [0x%08x, 0x%08x) of its "
			    "relocatable tag", (unsigned long long)base,
			    (unsigned long long)image_span(img), h->min_addr, h->max_addr);
	apply_base(img, base);
	return 0;
}

/* ----------------------------------------------------------- placement */

int elf_image_choose_base(const struct elf_image *img, const struct memmap *ram,
			  paddr_t lo, paddr_t hi, const struct range *avoid,
			  unsigned nr_avoid, paddr_t *base)
{
	const struct mb2_header_info *h = &img->mb2;
	paddr_t wlo, whi;

	if (!h->relocatable) {
		/* Only the link address will do: every segment must fit there. */
		for (unsigned i = 0; i < img->nr_segments; i++) {
			paddr_t start = img->segment[i].link_mem;
			paddr_t end = start + img->segment[i].memsz;

			if (start < lo || end > hi || range_find_overlap(avoid, nr_avoid, start, end) ||
			    !memmap_covers(ram, start, end, MEMMAP_RAM))
				return -E_NOSPC;
		}
		*base = img->link_base;
		return 0;
	}
	wlo = MAX(lo, (paddr_t)h->min_addr);
	whi = MIN(hi, (paddr_t)h->max_addr);
	if (wlo >= whi)
		return -E_NOSPC;
	return memmap_find_hole(ram, wlo, whi, avoid, nr_avoid, image_span(img), reloc_align(h),
				h->preference == MB2_LOAD_PREFERENCE_HIGH, base);
}

/* ------------------------------------------------------------- staging */

const void *elf_image_segment_buf(const struct elf_image *img, unsigned i)
{
	const struct elf_image_segment *s;

	if (i >= img->nr_segments)
		return NULL;
	s = &img->segment[i];
	if (s->nr_loads != 1 || img->load[s->first_load].paddr != s->link_mem)
		return NULL;
	return img->file + img->load[s->first_load].file_offset;
}

int elf_image_stage_segment(const struct elf_image *img, unsigned i, void *dst, size_t dstsz)
{
	const struct elf_image_segment *s;

	if (i >= img->nr_segments)
		return -E_INVAL;
	s = &img->segment[i];
	if (dstsz < s->bufsz)
		return -E_NOSPC;
	memset(dst, 0, s->bufsz);
	for (unsigned k = s->first_load; k < s->first_load + s->nr_loads; k++) {
		const struct elf_image_load *l = &img->load[k];

		memcpy((uint8_t *)dst + (l->paddr - s->link_mem), img->file + l->file_offset,
		       l->filesz);
	}
	return 0;
}
