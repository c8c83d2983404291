/*
 * Damaged purgatory blobs: every truncation, targeted corruptions of each
 * header with the error they must give, relocations that cannot reach from
 * a load address (-E_RANGE, buffer left untouched), and random byte
 * mutations.  Each copy is malloc'd at its exact size, so ASan catches any
 * read past the end; UBSan catches misaligned or overflowing arithmetic.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_reloc.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

static uint8_t *blob_copy(size_t *len)
{
	static uint8_t *orig;
	static size_t orig_len;
	uint8_t *c;

	if (!orig)
		orig = test_read_path(PURGATORY_RO_PATH, &orig_len);
	c = malloc(orig_len);
	memcpy(c, orig, orig_len);
	*len = orig_len;
	return c;
}

static Elf64_Ehdr *ehdr(uint8_t *b) { return (Elf64_Ehdr *)b; }
static Elf64_Shdr *shdr(uint8_t *b, unsigned i) { return (Elf64_Shdr *)(b + ehdr(b)->e_shoff) + i; }

static Elf64_Shdr *find_type(uint8_t *b, uint32_t type)
{
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++)
		if (shdr(b, i)->sh_type == type)
			return shdr(b, i);
	return NULL;
}

static Elf64_Shdr *find_nobits(uint8_t *b) { return find_type(b, SHT_NOBITS); }

/* The k-th relocation of the given type in any RELA section. */
static Elf64_Rela *rela_of_type(uint8_t *b, uint32_t type)
{
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++) {
		Elf64_Shdr *rs = shdr(b, i);

		if (rs->sh_type != SHT_RELA)
			continue;
		for (Elf64_Rela *r = (Elf64_Rela *)(b + rs->sh_offset);
		     (uint8_t *)r < b + rs->sh_offset + rs->sh_size; r++)
			if (ELF64_R_TYPE(r->r_info) == type)
				return r;
	}
	return NULL;
}

static int parse_copy(uint8_t *b, size_t len)
{
	struct purgatory_info info;

	return purgatory_parse(&info, b, len);
}

TEST(purgatory_rejects_every_truncation)
{
	size_t len, ntrunc = 0;
	uint8_t *full = blob_copy(&len);

	for (size_t n = 0; n < len; n++) {
		uint8_t *b = malloc(n ? n : 1);
		int err;

		memcpy(b, full, n);
		err = parse_copy(b, n);
		free(b);
		CHECK(err == -E_TRUNC || err == -E_NOEXEC);
		ntrunc += err == -E_TRUNC;
	}
	CHECK(ntrunc > len / 2);
	free(full);
}

/* Apply one corruption to a fresh copy and return purgatory_parse's verdict. */
#define CORRUPT(stmt) ({ size_t l_; uint8_t *b = blob_copy(&l_); stmt; \
			 int e_ = parse_copy(b, l_); free(b); e_; })

TEST(purgatory_rejects_corrupt_headers)
{
	CHECK_EQ(CORRUPT(b[0] = 0), -E_NOEXEC);
	CHECK_EQ(CORRUPT(b[EI_CLASS] = ELFCLASS32), -E_NOEXEC);
	CHECK_EQ(CORRUPT(b[EI_DATA] = ELFDATA2MSB), -E_NOEXEC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_type = ET_EXEC), -E_NOEXEC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_machine = EM_386), -E_NOEXEC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shentsize = 40), -E_NOEXEC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shnum = 0), -E_NOEXEC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shnum = PURGATORY_MAX_SECTIONS + 1), -E_2BIG);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shoff = l_), -E_TRUNC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shoff = UINT64_MAX - 8), -E_TRUNC);
	CHECK_EQ(CORRUPT(ehdr(b)->e_shnum++), -E_TRUNC);
}

TEST(purgatory_rejects_corrupt_sections_and_symbols)
{
	CHECK_EQ(CORRUPT(shdr(b, 1)->sh_offset = UINT64_MAX - 4), -E_TRUNC);
	CHECK_EQ(CORRUPT(shdr(b, 1)->sh_size = l_), -E_TRUNC);
	CHECK_EQ(CORRUPT(shdr(b, 1)->sh_addralign = 24), -E_NOEXEC);
	CHECK_EQ(CORRUPT(shdr(b, 1)->sh_addralign = 1 << 20), -E_NOTSUP);
	CHECK_EQ(CORRUPT(find_nobits(b)->sh_size = 1ULL << 40), -E_2BIG);
	CHECK_EQ(CORRUPT(find_nobits(b)->sh_size = UINT64_MAX), -E_2BIG);
	CHECK_EQ(CORRUPT(find_type(b, SHT_RELA)->sh_type = SHT_REL), -E_NOTSUP);
	CHECK_EQ(CORRUPT(find_type(b, SHT_SYMTAB)->sh_type = SHT_PROGBITS), -E_NOEXEC);
	CHECK_EQ(CORRUPT(find_type(b, SHT_SYMTAB)->sh_entsize = 16), -E_NOEXEC);
	CHECK_EQ(CORRUPT(find_type(b, SHT_SYMTAB)->sh_link = 999), -E_NOEXEC);

	/* Symbol 1 is a section symbol, the last one a global. */
#define SYM(b, i) ((Elf64_Sym *)((b) + find_type(b, SHT_SYMTAB)->sh_offset) + (i))
#define NSYMS(b) (find_type(b, SHT_SYMTAB)->sh_size / sizeof(Elf64_Sym))
	CHECK_EQ(CORRUPT(SYM(b, NSYMS(b) - 1)->st_shndx = SHN_UNDEF), -E_NOEXEC);
	CHECK_EQ(CORRUPT(SYM(b, NSYMS(b) - 1)->st_shndx = SHN_COMMON), -E_NOEXEC);
	CHECK_EQ(CORRUPT(SYM(b, NSYMS(b) - 1)->st_shndx = 60), -E_NOEXEC);
	CHECK_EQ(CORRUPT(SYM(b, 1)->st_value = UINT64_MAX), -E_NOEXEC);
	CHECK_EQ(CORRUPT(SYM(b, 1)->st_size = UINT64_MAX), -E_NOEXEC);
	CHECK_EQ(CORRUPT(SYM(b, 1)->st_name = 0x7fffffff), -E_NOEXEC);
	/* The string table must end in NUL, so names cannot run off it. */
	CHECK_EQ(CORRUPT(Elf64_Shdr *st = find_type(b, SHT_SYMTAB);
			 b[shdr(b, st->sh_link)->sh_offset + shdr(b, st->sh_link)->sh_size - 1] = 'x'),
		 -E_NOEXEC);
}

TEST(purgatory_rejects_corrupt_relocations)
{
	CHECK_EQ(CORRUPT(rela_of_type(b, R_X86_64_64)->r_offset = 1ULL << 32), -E_NOEXEC);
	CHECK_EQ(CORRUPT(rela_of_type(b, R_X86_64_64)->r_offset = UINT64_MAX - 2), -E_NOEXEC);
	CHECK_EQ(CORRUPT(rela_of_type(b, R_X86_64_64)->r_info = ELF64_R_INFO(100000, R_X86_64_64)),
		 -E_NOEXEC);
	CHECK_EQ(CORRUPT(rela_of_type(b, R_X86_64_64)->r_info =
			 ELF64_R_INFO(1, R_X86_64_GOTPCREL)), -E_NOTSUP);
	CHECK_EQ(CORRUPT(rela_of_type(b, R_X86_64_PC32)->r_info =
			 ELF64_R_INFO(1, R_X86_64_PC64)), -E_NOTSUP);
	CHECK_EQ(CORRUPT(find_type(b, SHT_RELA)->sh_entsize = 16), -E_NOEXEC);
	CHECK_EQ(CORRUPT(find_type(b, SHT_RELA)->sh_info = 200), -E_NOEXEC);
	/* A relocation in .text retargeted onto .bss (no bytes to patch). */
	CHECK_EQ(CORRUPT(find_type(b, SHT_RELA)->sh_info =
			 (uint32_t)(find_nobits(b) - shdr(b, 0))), -E_NOEXEC);
}

#define KEEP_SYM UINT32_MAX

/* Retype the first relocation of type from (and its symbol unless
 * KEEP_SYM), then relocate at load_pa into a buffer full of 0xaa. */
static int relocate_mutated(uint32_t from, uint32_t to, uint32_t symidx, paddr_t load_pa,
			    bool *untouched)
{
	struct purgatory_info info;
	size_t len;
	uint8_t *b = blob_copy(&len), *buf;
	Elf64_Rela *r = rela_of_type(b, from);
	int err;

	r->r_info = ELF64_R_INFO(symidx == KEEP_SYM ? ELF64_R_SYM(r->r_info) : symidx, to);
	if (purgatory_parse(&info, b, len))
		abort();
	buf = malloc(info.memsz);
	memset(buf, 0xaa, info.memsz);
	err = purgatory_relocate(&info, buf, load_pa);
	*untouched = true;
	for (size_t i = 0; i < info.memsz; i++)
		if (buf[i] != 0xaa)
			*untouched = false;
	free(buf);
	free(b);
	return err;
}

TEST(purgatory_relocation_overflow_is_e_range)
{
	bool untouched;

	/* R_X86_64_32: zero-extended, so the image must sit below 4 GiB. */
	CHECK_EQ(relocate_mutated(R_X86_64_64, R_X86_64_32, KEEP_SYM, 0x100000, &untouched), 0);
	CHECK(!untouched);
	CHECK_EQ(relocate_mutated(R_X86_64_64, R_X86_64_32, KEEP_SYM, 0x100000000ULL,
				  &untouched), -E_RANGE);
	CHECK(untouched);				/* checked before written */
	/* R_X86_64_32S: sign-extended, so below 2 GiB. */
	CHECK_EQ(relocate_mutated(R_X86_64_64, R_X86_64_32S, KEEP_SYM, 0x100000, &untouched), 0);
	CHECK_EQ(relocate_mutated(R_X86_64_64, R_X86_64_32S, KEEP_SYM, 0x80000000ULL,
				  &untouched), -E_RANGE);
	CHECK(untouched);
	/* PC32/PLT32 to symbol 0 (address 0): S + A - P must fit in 32 bits. */
	CHECK_EQ(relocate_mutated(R_X86_64_PC32, R_X86_64_PC32, 0, 0x100000, &untouched), 0);
	CHECK_EQ(relocate_mutated(R_X86_64_PC32, R_X86_64_PC32, 0, 0x200000000ULL,
				  &untouched), -E_RANGE);
	CHECK(untouched);
	CHECK_EQ(relocate_mutated(R_X86_64_PC32, R_X86_64_PLT32, 0, 0x200000000ULL,
				  &untouched), -E_RANGE);
	/* Within the image PC-relative always fits, wherever it is loaded. */
	CHECK_EQ(relocate_mutated(R_X86_64_64, R_X86_64_PLT32, 1, 0x200000000ULL, &untouched), 0);
}

TEST(purgatory_relocate_checks_load_address)
{
	struct purgatory_info info;
	size_t len;
	uint8_t *b = blob_copy(&len), *buf;

	CHECK_EQ(purgatory_parse(&info, b, len), 0);
	buf = malloc(info.memsz);
	CHECK_EQ(purgatory_relocate(&info, buf, 0x100000 + info.align / 2), -E_ALIGN);
	CHECK_EQ(purgatory_relocate(&info, buf, UINT64_MAX & ~(uint64_t)0xfff), -E_RANGE);
	free(buf);
	free(b);
}

/* Random damage anywhere: any verdict is fine, a crash is not. */
TEST(purgatory_survives_random_mutations)
{
	uint32_t x = 0x2545f491;
	int accepted = 0;

	for (int iter = 0; iter < 4000; iter++) {
		struct purgatory_info info;
		size_t len;
		uint8_t *b = blob_copy(&len), *buf;
		uint32_t v;
		paddr_t pa;

		for (int k = 0; k < 1 + iter % 4; k++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			b[x % len] = (uint8_t)(x >> 8);
		}
		if (purgatory_parse(&info, b, len) == 0) {
			CHECK(info.memsz <= PURGATORY_MAX_MEMSZ);
			buf = malloc(info.memsz);
			purgatory_relocate(&info, buf, 0x1000000);
			purgatory_set_symbol(&info, buf, "purgatory_entry32", &x, 4);
			purgatory_get_symbol(&info, buf, "purgatory_mbi", &v, 4);
			purgatory_symbol_addr(&info, 0x1000000, "purgatory_start", &pa);
			free(buf);
			accepted++;
		}
		free(b);
	}
	CHECK(accepted < 4000);		/* some damage must have been noticed */
}
