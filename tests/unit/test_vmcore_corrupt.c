/*
 * A hostile elfcorehdr against the capture side (crash/vmcore_layout.c):
 * every truncation, every field the check names (table-driven, with the
 * error code and the reason), and 20000 random corruptions; each copy is
 * exactly as long as the header, so ASan sees any read past it.  Whatever
 * is accepted must still describe a consistent file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/percpu.h"
#include "lib/errno.h"
#include "tests/unit/test.h"
#include "tests/unit/vmcore_sim.h"

static int check_copy(const uint8_t *hdr, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	int r;

	memcpy(copy, hdr, size);
	r = vmc_build(copy, size);
	free(copy);
	return r;
}

TEST(vmcore_rejects_every_truncation)
{
	vmc_setup();
	for (size_t cut = 0; cut < vmc.hdr_size; cut++) {
		int r = check_copy(vmc.hdr, cut);

		if (r != -E_TRUNC || vmc.why[0] == '\0')
			test_fail(__FILE__, __LINE__, "cut at %zu: %d '%s'", cut, r, vmc.why);
		CHECK(!test_failed());
		CHECK_EQ(vmc.l.size, 0);
	}
	CHECK_EQ(check_copy(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(vmc_build(NULL, 100), -E_TRUNC);
}

struct field_case {
	const char *name;
	size_t at, at2;		/* byte offsets in the elfcorehdr (at2 0: none) */
	unsigned width;		/* 1, 2, 4 or 8 */
	uint64_t value;
	int err;
	const char *why;	/* part of the reason */
};

#define PH(i, field) (64 + (i) * 56 + offsetof(Elf64_Phdr, field))
#define EH(field) offsetof(Elf64_Ehdr, field)
#define LOAD1 (NR_CPUS + 2)	/* the first RAM PT_LOAD */

static const struct field_case field_cases[] = {
	{ "magic", 1, 0, 1, 'X', -E_NOEXEC, "magic" },
	{ "ELFCLASS32", EI_CLASS, 0, 1, 1, -E_NOEXEC, "EI_CLASS" },
	{ "big-endian", EI_DATA, 0, 1, 2, -E_NOEXEC, "EI_DATA" },
	{ "version", EH(e_version), 0, 4, 0, -E_INVAL, "version" },
	{ "ET_EXEC", EH(e_type), 0, 2, 2, -E_NOEXEC, "ET_CORE" },
	{ "EM_386", EH(e_machine), 0, 2, 3, -E_NOEXEC, "EM_X86_64" },
	{ "phentsize", EH(e_phentsize), 0, 2, 32, -E_INVAL, "e_phentsize" },
	{ "no phdrs", EH(e_phnum), 0, 2, 0, -E_INVAL, "no program headers" },
	{ "PN_XNUM phdrs", EH(e_phnum), 0, 2, 0xffff, -E_2BIG, "at most" },
	{ "ehsize", EH(e_ehsize), 0, 2, 52, -E_INVAL, "e_ehsize 52" },
	{ "phoff in ehdr", EH(e_phoff), 0, 8, 8, -E_INVAL, "must follow the ELF header" },
	{ "phoff past ehdr", EH(e_phoff), 0, 8, 4096, -E_INVAL, "must follow the ELF header" },
	{ "phoff huge", EH(e_phoff), 0, 8, UINT64_MAX - 8, -E_INVAL, "must follow" },
	{ "note size 0", PH(2, p_memsz), PH(2, p_filesz), 8, 0, -E_INVAL, "not in (0" },
	{ "note too big", PH(2, p_memsz), PH(2, p_filesz), 8, VMCORE_NOTE_MAX + 4, -E_INVAL,
	  "not in (0" },
	{ "note filesz", PH(2, p_filesz), 0, 8, 4, -E_INVAL, "p_filesz 0x4 != p_memsz" },
	{ "note source wraps", PH(2, p_offset), 0, 8, UINT64_MAX - 4, -E_RANGE, "wraps" },
	{ "load wraps", PH(LOAD1, p_paddr), PH(LOAD1, p_offset), 8, UINT64_MAX - 0x1000,
	  -E_RANGE, "wraps" },
	{ "load source past 2^52", PH(LOAD1, p_offset), 0, 8, 1ULL << 52, -E_RANGE, "2^52" },
	{ "note after a load", PH(0, p_type), 0, 4, PT_LOAD, -E_INVAL,
	  "phdr 1: a PT_NOTE after a PT_LOAD" },
	{ "load filesz", PH(LOAD1, p_filesz), 0, 8, 1, -E_INVAL, "p_filesz" },
	{ "type 2", PH(5, p_type), 0, 4, 2, -E_NOTSUP, "phdr 5: type 0x2" },
};

TEST(vmcore_rejects_bad_fields)
{
	static uint8_t hdr[4096];

	for (unsigned c = 0; c < ARRAY_SIZE(field_cases); c++) {
		const struct field_case *t = &field_cases[c];
		int r;

		vmc_setup();
		memcpy(hdr, vmc.hdr, vmc.hdr_size);
		memcpy(hdr + t->at, &t->value, t->width);
		if (t->at2)
			memcpy(hdr + t->at2, &t->value, t->width);
		r = check_copy(hdr, vmc.hdr_size);
		if (r != t->err || !strstr(vmc.why, t->why))
			test_fail(__FILE__, __LINE__, "case '%s': %d '%s'", t->name, r, vmc.why);
		CHECK(!test_failed());
	}
	/* Consistent but out of range: a segment past 2^52, a vaddr wrap. */
	vmc_setup();
	memcpy(hdr, vmc.hdr, vmc.hdr_size);
	for (unsigned k = 0; k < 2; k++) {
		uint64_t pa = (1ULL << 52) - 0x1000, va = UINT64_MAX - 0x10;

		memcpy(hdr + PH(LOAD1, p_paddr), &pa, 8);
		memcpy(hdr + PH(LOAD1, p_offset), &pa, 8);
		if (k == 1) {
			pa = 0;
			memcpy(hdr + PH(LOAD1, p_paddr), &pa, 8);
			memcpy(hdr + PH(LOAD1, p_offset), &pa, 8);
			memcpy(hdr + PH(LOAD1, p_vaddr), &va, 8);
		}
		CHECK_EQ(check_copy(hdr, vmc.hdr_size), -E_RANGE);
	}
	/* Every PT_LOAD gone: nothing to dump; every PT_NOTE gone: no notes. */
	memcpy(hdr, vmc.hdr, vmc.hdr_size);
	for (unsigned i = NR_CPUS + 1; i < NR_CPUS + 5; i++)
		memset(hdr + PH(i, p_type), 0, 4);
	memcpy(hdr + EH(e_phnum), &(uint16_t){ NR_CPUS + 1 }, 2);
	CHECK_EQ(check_copy(hdr, vmc.hdr_size), -E_INVAL);
	CHECK(strstr(vmc.why, "no PT_LOAD"));
	memcpy(hdr, vmc.hdr, vmc.hdr_size);
	memcpy(hdr + EH(e_phoff), &(uint64_t){ 64 + (NR_CPUS + 1) * 56 }, 8);
	memmove(hdr + 64, hdr + 64 + (NR_CPUS + 1) * 56, 4 * 56);
	memcpy(hdr + EH(e_phoff), &(uint64_t){ 64 }, 8);
	memcpy(hdr + EH(e_phnum), &(uint16_t){ 4 }, 2);
	CHECK_EQ(check_copy(hdr, vmc.hdr_size), -E_INVAL);
	CHECK(strstr(vmc.why, "no PT_NOTE"));
}

TEST(vmcore_survives_random_corruption)
{
	static uint8_t hdr[4096];
	uint8_t buf[64];
	unsigned ok = 0, refused = 0;

	vmc_setup();
	for (unsigned iter = 0; iter < 20000; iter++) {
		unsigned flips = 1 + vmc_rnd() % 4;
		struct vmcore_extent e;
		uint64_t off = 0;
		int r;

		memcpy(hdr, vmc.hdr, vmc.hdr_size);
		for (unsigned f = 0; f < flips; f++) {
			size_t at = vmc_rnd() % 2 ? vmc_rnd() % 64 : vmc_rnd() % vmc.hdr_size;

			if (vmc_rnd() % 3 == 0)
				hdr[at] ^= (uint8_t)(1u << (vmc_rnd() % 8));
			else
				hdr[at] = (uint8_t)vmc_rnd();
		}
		r = check_copy(hdr, vmc.hdr_size);
		if (r < 0) {
			CHECK(vmc.why[0] != '\0');
			refused++;
			continue;
		}
		CHECK_EQ(r, 0);
		ok++;
		/* Whatever got through is a consistent file. */
		for (unsigned n = 0; vmcore_extent_at(&vmc.l, off, &e); n++) {
			CHECK(e.len > 0 && e.offset == off && n < 2 * VMCORE_PHDRS_MAX + 4);
			off += e.len;
		}
		CHECK_EQ(off, vmc.l.size);
		off = vmc_rnd() % vmc.l.size;
		CHECK_EQ(vmcore_read(&vmc.l, off, sizeof(buf), buf, vmc_sim_read, &vmc.sim),
			 MIN(sizeof(buf), vmc.l.size - off));
	}
	CHECK(ok > 100 && refused > 1000);
	printf("    random corruption: %u accepted, %u refused\n", ok, refused);
}

/* Old memory is what the crash left: garbage in the note buffers never
 * fails the build, and what is merged always walks cleanly to its end. */
TEST(vmcore_survives_corrupt_note_buffers)
{
	unsigned bad = 0;

	for (unsigned iter = 0; iter < 3000; iter++) {
		struct elf_prstatus prs;
		struct elfcore_note n;
		uint8_t *notes = NULL;
		size_t pos = 0;
		char val[16];
		int r = 1;

		vmc_setup();
		for (unsigned i = 0; i < vmc.sim.n; i++)
			if (vmc.sim.r[i].pa == NOTES_PA)
				notes = vmc.sim.r[i].bytes;
		for (unsigned f = 0; f < 1 + vmc_rnd() % 6; f++) {
			size_t at = vmc_rnd() % (NR_CPUS * CRASH_NOTE_BYTES);

			if (at % 4 == 0 && vmc_rnd() % 2)
				memcpy(notes + at, &(uint32_t){ (uint32_t)vmc_rnd() % 400 }, 4);
			else
				notes[at] = (uint8_t)vmc_rnd();
		}
		CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
		bad += vmc.l.nr_bad_notes != 0;
		while (r == 1)
			r = elfcore_next_note(vmc.l.notes, vmc.l.notes_size, &pos, &n);
		CHECK_EQ(r, 0);
		CHECK_EQ(pos, vmc.l.notes_size);
		for (unsigned c = 0; c < NR_CPUS; c++)
			vmcore_get_prstatus(&vmc.l, c, &prs);
		vmcore_vmcoreinfo_value(&vmc.l, "CRASHTIME", val, sizeof(val));
	}
	CHECK(bad > 100);
}
