/*
 * Tests of purgatory placement (kexec/purgatory_reloc.c) on the REAL blob
 * the build made ($(BUILD)/purgatory.ro, path in PURGATORY_RO_PATH).  The
 * relocations are cross-checked with the host's own <elf.h> reading of the
 * same file; corrupt and truncated copies must be refused, under ASan.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_reloc.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

#define LOAD_A 0x0000000000100000ULL
#define LOAD_B 0x000000007fe00000ULL

static uint8_t *read_blob(size_t *len)
{
	return test_read_path(PURGATORY_RO_PATH, len);
}

static Elf64_Shdr *shdr(uint8_t *blob, unsigned i)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)blob;

	return (Elf64_Shdr *)(blob + eh->e_shoff) + i;
}

TEST(purgatory_blob_parses)
{
	struct purgatory_info info;
	size_t len;
	uint8_t *blob = read_blob(&len);

	CHECK(len <= PURGATORY_MAX_BLOB);
	CHECK_EQ(purgatory_parse(&info, blob, len), 0);
	CHECK(info.memsz > info.bufsz);		/* .bss with the stack */
	CHECK(info.memsz <= PURGATORY_MAX_MEMSZ);
	CHECK(info.nr_relocs > 10);
	CHECK(info.align >= 8 && (info.align & (info.align - 1)) == 0);
	free(blob);
}

/* Every allocated section at its alignment, none overlapping, NOBITS last. */
TEST(purgatory_layout_honours_alignment)
{
	struct purgatory_info info;
	size_t len, nalloc = 0;
	uint8_t *blob = read_blob(&len), *owner;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)blob;

	CHECK_EQ(purgatory_parse(&info, blob, len), 0);
	owner = calloc(1, info.memsz);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr *sh = shdr(blob, i);
		uint64_t off = info.sec_offset[i];

		if (!(sh->sh_flags & SHF_ALLOC)) {
			CHECK_EQ(off, PURGATORY_NOT_LOADED);
			continue;
		}
		nalloc++;
		CHECK(sh->sh_addralign <= 1 || off % sh->sh_addralign == 0);
		CHECK(sh->sh_addralign <= info.align);
		CHECK(off + sh->sh_size <= (sh->sh_type == SHT_NOBITS ? info.memsz : info.bufsz));
		if (sh->sh_type == SHT_NOBITS)
			CHECK(off >= info.bufsz);
		for (uint64_t k = off; k < off + sh->sh_size; k++) {
			CHECK(!owner[k]);
			owner[k] = 1;
		}
	}
	CHECK(nalloc >= 3);
	free(owner);
	free(blob);
}

/*
 * After relocation at A and at B, every R_X86_64_64 site differs by exactly
 * B - A and points into the image, every PC-relative site is identical,
 * and so is every byte that no relocation touched.
 */
TEST(purgatory_relocations_follow_the_load_address)
{
	struct purgatory_info info;
	size_t len, n64 = 0, npc = 0;
	uint8_t *blob = read_blob(&len), *a, *b, *touched;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)blob;

	CHECK_EQ(purgatory_parse(&info, blob, len), 0);
	a = malloc(info.memsz);
	b = malloc(info.memsz);
	touched = calloc(1, info.memsz);
	CHECK_EQ(purgatory_relocate(&info, a, LOAD_A), 0);
	CHECK_EQ(purgatory_relocate(&info, b, LOAD_B), 0);

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr *rs = shdr(blob, i);

		if (rs->sh_type != SHT_RELA || !(shdr(blob, rs->sh_info)->sh_flags & SHF_ALLOC))
			continue;
		for (Elf64_Rela *r = (Elf64_Rela *)(blob + rs->sh_offset);
		     (uint8_t *)r < blob + rs->sh_offset + rs->sh_size; r++) {
			uint64_t off = info.sec_offset[rs->sh_info] + r->r_offset, va, vb;
			uint32_t pa, pb;

			CHECK(off + 8 <= info.memsz || ELF64_R_TYPE(r->r_info) != R_X86_64_64);
			if (ELF64_R_TYPE(r->r_info) == R_X86_64_64) {
				memcpy(&va, a + off, 8);
				memcpy(&vb, b + off, 8);
				CHECK_EQ(vb - va, LOAD_B - LOAD_A);
				CHECK(va >= LOAD_A && va <= LOAD_A + info.memsz);
				memset(touched + off, 1, 8);
				n64++;
			} else {
				memcpy(&pa, a + off, 4);
				memcpy(&pb, b + off, 4);
				CHECK_EQ(pa, pb);	/* both ends moved together */
				memset(touched + off, 1, 4);
				npc++;
			}
		}
	}
	CHECK(n64 > 10);
	CHECK(npc > 0);
	CHECK_EQ(n64 + npc, info.nr_relocs);
	for (size_t i = 0; i < info.memsz; i++)
		if (!touched[i])
			CHECK_EQ(a[i], b[i]);
	for (size_t i = info.bufsz; i < info.memsz; i++)
		CHECK_EQ(a[i], 0);			/* .bss zeroed */
	free(a);
	free(b);
	free(touched);
	free(blob);
}

TEST(purgatory_entry_is_inside_the_image)
{
	struct purgatory_info info;
	paddr_t ea, eb;
	size_t len;
	uint8_t *blob = read_blob(&len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)blob;
	bool in_text = false;

	CHECK_EQ(purgatory_parse(&info, blob, len), 0);
	CHECK_EQ(purgatory_symbol_addr(&info, LOAD_A, "purgatory_start", &ea), 0);
	CHECK_EQ(purgatory_symbol_addr(&info, LOAD_B, "purgatory_start", &eb), 0);
	CHECK(ea >= LOAD_A && ea < LOAD_A + info.bufsz);
	CHECK_EQ(eb - ea, LOAD_B - LOAD_A);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr *sh = shdr(blob, i);
		uint64_t off = ea - LOAD_A;

		if ((sh->sh_flags & SHF_EXECINSTR) && off >= info.sec_offset[i] &&
		    off < info.sec_offset[i] + sh->sh_size)
			in_text = true;
	}
	CHECK(in_text);
	CHECK_EQ(purgatory_symbol_addr(&info, LOAD_A, "no_such_symbol", &ea), -E_NOENT);
	/* Locals are not part of the contract: only globals are found. */
	CHECK_EQ(purgatory_symbol_addr(&info, LOAD_A, "compat32", &ea), -E_NOENT);
	free(blob);
}

TEST(purgatory_symbols_set_and_get)
{
	struct purgatory_region regions[PURGATORY_REGIONS_MAX], back[PURGATORY_REGIONS_MAX];
	struct purgatory_info info;
	uint32_t entry = 0x00345678, v32;
	uint16_t port;
	uint64_t v64 = 0;
	paddr_t pa;
	size_t len;
	uint8_t *blob = read_blob(&len), *buf;

	CHECK_EQ(purgatory_parse(&info, blob, len), 0);
	buf = malloc(info.memsz);
	CHECK_EQ(purgatory_relocate(&info, buf, LOAD_A), 0);

	/* .data contents came through: the default port is there. */
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_serial_port", &port, 2), 0);
	CHECK_EQ(port, PURGATORY_SERIAL_DEFAULT);

	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_entry32", &entry, 4), 0);
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_entry32", &v32, 4), 0);
	CHECK_EQ(v32, entry);
	CHECK_EQ(purgatory_symbol_addr(&info, LOAD_A, "purgatory_entry32", &pa), 0);
	memcpy(&v32, buf + (pa - LOAD_A), 4);		/* really at its address */
	CHECK_EQ(v32, entry);

	for (int i = 0; i < PURGATORY_REGIONS_MAX; i++) {
		regions[i].start = 0x1000000ULL * (i + 1);
		regions[i].len = 0x1000 * (i + 1);
		memset(regions[i].sha256, 0x11 * i, 32);
	}
	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_regions", regions,
				      sizeof(purgatory_regions)), 0);
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_regions", back, sizeof(back)), 0);
	CHECK(memcmp(regions, back, sizeof(back)) == 0);
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_nr_regions", &v32, 4), 0);
	CHECK_EQ(v32, 0);	/* not set yet: zero, from .data */

	/* Wrong sizes, unknown names, locals: refused, nothing written. */
	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_entry32", &v64, 8), -E_INVAL);
	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_regions", regions, 48), -E_INVAL);
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_mbi", &port, 2), -E_INVAL);
	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_nothing", &v32, 4), -E_NOENT);
	CHECK_EQ(purgatory_set_symbol(&info, buf, "purgatory_gdtr", &v32, 2), -E_NOENT);
	CHECK_EQ(purgatory_get_symbol(&info, buf, "purgatory_entry32", &v32, 4), 0);
	CHECK_EQ(v32, entry);
	free(buf);
	free(blob);
}
