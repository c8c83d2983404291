/*
 * Tests of the ELF core writer (crash/elfcore.c): the x86-64 prstatus
 * layout and register order, the notes byte for byte (padding, the final
 * note, refusals), the note walker on truncated input, VMCOREINFO lines
 * and lookups, and the elfcorehdr of a QEMU-like 512 MiB machine with the
 * crash window cut out, table-driven over where a window can fall.
 */
#include <stdlib.h>
#include <string.h>
#include "boot/layout.h"
#include "crash/elfcore.h"
#include "kernel/percpu.h"
#include "kernel/traps.h"
#include "lib/errno.h"
#include "lib/x86.h"
#include "mm/memmap.h"
#include "tests/unit/fixtures.h"
#include "tests/unit/test.h"

/* A frame whose every register says its own name. */
static void known_frame(struct trap_frame *tf)
{
	*tf = (struct trap_frame){
		.r15 = 0x1515, .r14 = 0x1414, .r13 = 0x1313, .r12 = 0x1212,
		.r11 = 0x1111, .r10 = 0x1010, .r9 = 0x0909, .r8 = 0x0808,
		.rbp = 0xffffffff80ffbb00, .rdi = 0xd1d1, .rsi = 0x5151, .rdx = 0xdddd,
		.rcx = 0xcccc, .rbx = 0xbbbb, .rax = 0xaaaa, .vector = 14,
		.error_code = 2, .rip = 0xffffffff80201234, .cs = 0x08,
		.rflags = 0x10246, .rsp = 0xffffffff80ffba00, .ss = 0x10,
	};
}

TEST(elfcore_prstatus_register_order)
{
	static const struct { unsigned idx; uint64_t v; } want[] = {
		{ ELF_REG_R15, 0x1515 }, { ELF_REG_R14, 0x1414 }, { ELF_REG_R13, 0x1313 },
		{ ELF_REG_R12, 0x1212 }, { ELF_REG_RBP, 0xffffffff80ffbb00 },
		{ ELF_REG_RBX, 0xbbbb }, { ELF_REG_R11, 0x1111 }, { ELF_REG_R10, 0x1010 },
		{ ELF_REG_R9, 0x0909 }, { ELF_REG_R8, 0x0808 }, { ELF_REG_RAX, 0xaaaa },
		{ ELF_REG_RCX, 0xcccc }, { ELF_REG_RDX, 0xdddd }, { ELF_REG_RSI, 0x5151 },
		{ ELF_REG_RDI, 0xd1d1 }, { ELF_REG_ORIG_RAX, (uint64_t)-1 },
		{ ELF_REG_RIP, 0xffffffff80201234 }, { ELF_REG_CS, 0x08 },
		{ ELF_REG_EFLAGS, 0x10246 }, { ELF_REG_RSP, 0xffffffff80ffba00 },
		{ ELF_REG_SS, 0x10 }, { ELF_REG_FS_BASE, 0 }, { ELF_REG_GS_BASE, 0 },
		{ ELF_REG_DS, GDT_KERNEL_DATA }, { ELF_REG_ES, GDT_KERNEL_DATA },
		{ ELF_REG_FS, 0 }, { ELF_REG_GS, 0 },
	};
	struct trap_frame tf;
	struct elf_prstatus prs;
	uint8_t raw[sizeof(prs)];

	CHECK_EQ(ELF_NGREG, 27);
	CHECK_EQ(ARRAY_SIZE(want), ELF_NGREG);
	/* user_regs_struct order: rip is register 16, orig_rax 15 (gdb's). */
	CHECK_EQ(ELF_REG_ORIG_RAX, 15);
	CHECK_EQ(ELF_REG_RIP, 16);
	CHECK_EQ(ELF_REG_GS, 26);
	known_frame(&tf);
	memset(&prs, 0x5a, sizeof(prs));
	elfcore_fill_prstatus(&prs, &tf, 7);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		CHECK_EQ(prs.pr_reg[want[i].idx], want[i].v);
	/* Byte view, as gdb reads it: pid at 32, rip at 112 + 16 * 8. */
	memcpy(raw, &prs, sizeof(raw));
	CHECK_EQ(raw[32], 7);
	CHECK_EQ(raw[112 + 16 * 8], 0x34);
	CHECK_EQ(raw[112 + 16 * 8 + 1], 0x12);
	/* Everything else zero: signal info, times, fpvalid. */
	for (unsigned i = 0; i < 112; i++)
		CHECK(i == 32 || raw[i] == 0);
	for (unsigned i = 328; i < sizeof(raw); i++)
		CHECK_EQ(raw[i], 0);
}

TEST(elfcore_crash_note_bytes)
{
	struct trap_frame tf;
	uint8_t store[CRASH_NOTE_BYTES + 8];
	uint8_t *buf = store + 1;	/* deliberately misaligned */
	struct elf_prstatus prs;
	uint32_t w[3];

	known_frame(&tf);
	memset(store, 0xee, sizeof(store));
	CHECK_EQ(crash_note_build(buf, CRASH_NOTE_BYTES, 2, &tf, 3), CRASH_NOTE_BYTES);
	CHECK_EQ(CRASH_NOTE_BYTES, 368);
	memcpy(w, buf, 12);
	CHECK_EQ(w[0], 5);		/* "CORE" + NUL */
	CHECK_EQ(w[1], 336);
	CHECK_EQ(w[2], NT_PRSTATUS);
	CHECK(memcmp(buf + 12, "CORE\0\0\0\0", 8) == 0);
	memcpy(&prs, buf + 20, sizeof(prs));
	CHECK_EQ(prs.pr_pid, 3);
	CHECK_EQ(prs.pr_reg[ELF_REG_RIP], 0xffffffff80201234);
	for (unsigned i = 356; i < 368; i++)
		CHECK_EQ(buf[i], 0);	/* the final note */
	CHECK_EQ(buf[368], 0xee);	/* nothing past it */
	CHECK_EQ(store[0], 0xee);

	CHECK_EQ(crash_note_build(buf, CRASH_NOTE_BYTES - 1, 0, &tf, 1), -E_NOSPC);
	CHECK_EQ(crash_note_build(buf, CRASH_NOTE_BYTES, NR_CPUS, &tf, 1), -E_INVAL);
	CHECK_EQ(crash_note_build(buf, CRASH_NOTE_BYTES, 0, NULL, 1), -E_INVAL);
}

/* NT_PRPSINFO: elfutils' x86-64 layout (136 bytes), names cut to fit. */
TEST(elfcore_prpsinfo_note_bytes)
{
	uint8_t buf[PRPSINFO_NOTE_BYTES + 4];
	struct elf_prpsinfo prps;
	uint32_t w[3];
	char args[200];

	memset(buf, 0xee, sizeof(buf));
	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = 0;
	CHECK_EQ(prpsinfo_note_build(buf, sizeof(buf), 7, "kernel.elf", args), PRPSINFO_NOTE_BYTES);
	CHECK_EQ(PRPSINFO_NOTE_BYTES, 168);
	memcpy(w, buf, 12);
	CHECK_EQ(w[0], 5);
	CHECK_EQ(w[1], 136);
	CHECK_EQ(w[2], NT_PRPSINFO);
	CHECK(memcmp(buf + 12, "CORE\0\0\0\0", 8) == 0);
	memcpy(&prps, buf + 20, sizeof(prps));
	CHECK_EQ(prps.pr_pid, 7);
	CHECK_EQ(prps.pr_sname, 'R');
	CHECK(strcmp(prps.pr_fname, "kernel.elf") == 0);
	CHECK_EQ(strlen(prps.pr_psargs), 79);	/* cut, NUL kept */
	CHECK_EQ(buf[20 + 24], 7);		/* pr_pid where elfutils reads it */
	for (unsigned i = 156; i < 168; i++)
		CHECK_EQ(buf[i], 0);		/* the final note */
	CHECK_EQ(buf[168], 0xee);
	CHECK_EQ(prpsinfo_note_build(buf, PRPSINFO_NOTE_BYTES - 1, 1, NULL, NULL), -E_NOSPC);
	CHECK_EQ(prpsinfo_note_build(buf, PRPSINFO_NOTE_BYTES, 1, NULL, NULL), PRPSINFO_NOTE_BYTES);
	memcpy(&prps, buf + 20, sizeof(prps));
	CHECK_EQ(prps.pr_fname[0], 0);
	CHECK_EQ(prps.pr_psargs[0], 0);
}

TEST(elfcore_note_padding_and_refusals)
{
	uint8_t buf[64], before[64];
	size_t pos = 0;
	uint32_t w[3];

	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "VMCOREINFO", 0, "AB=1\n", 5), 0);
	CHECK_EQ(pos, 12 + 12 + 8);
	CHECK_EQ(pos, ELFCORE_NOTE_SIZE(10, 5));
	memcpy(w, buf, 12);
	CHECK_EQ(w[0], 11);
	CHECK_EQ(w[1], 5);
	CHECK_EQ(w[2], 0);
	CHECK(memcmp(buf + 12, "VMCOREINFO\0\0", 12) == 0);
	CHECK(memcmp(buf + 24, "AB=1\n\0\0\0", 8) == 0);	/* padding zeroed */
	CHECK_EQ(buf[32], 0xaa);

	/* A note that does not fit writes nothing and leaves pos alone. */
	memcpy(before, buf, sizeof(buf));
	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "CORE", 1, "0123456789abc", 13),
		 -E_NOSPC);	/* 12 + 8 + 16 > 32 left */
	CHECK_EQ(pos, 32);
	CHECK(memcmp(before, buf, sizeof(buf)) == 0);
	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "CORE", 1, "0123456789ab", 12), 0);
	CHECK_EQ(pos, 64);
	CHECK_EQ(elfcore_final_note(buf, sizeof(buf), &pos), -E_NOSPC);
	pos = 2;
	CHECK_EQ(elfcore_final_note(buf, sizeof(buf), &pos), -E_INVAL);
	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "X", 1, NULL, 0), -E_INVAL);
	pos = 52;
	CHECK_EQ(elfcore_final_note(buf, sizeof(buf), &pos), 0);
	CHECK_EQ(pos, 64);
}

TEST(elfcore_note_walk_stops_cleanly)
{
	uint8_t buf[128];
	struct elfcore_note n;
	size_t pos = 0, end;
	uint32_t bad[3] = { 0xffffffff, 0xffffffff, 1 };

	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "CORE", NT_PRSTATUS, "0123456", 7), 0);
	CHECK_EQ(elfcore_append_note(buf, sizeof(buf), &pos, "VMCOREINFO", 0, "K=V\n", 4), 0);
	end = pos;
	CHECK_EQ(elfcore_final_note(buf, sizeof(buf), &pos), 0);

	pos = 0;
	CHECK_EQ(elfcore_next_note(buf, sizeof(buf), &pos, &n), 1);
	CHECK(elfcore_note_is(&n, "CORE", NT_PRSTATUS));
	CHECK(!elfcore_note_is(&n, "COR", NT_PRSTATUS));
	CHECK(!elfcore_note_is(&n, "CORE", 0));
	CHECK_EQ(n.descsz, 7);
	CHECK(memcmp(n.desc, "0123456", 7) == 0);
	CHECK_EQ(elfcore_next_note(buf, sizeof(buf), &pos, &n), 1);
	CHECK(elfcore_note_is(&n, "VMCOREINFO", 0));
	CHECK_EQ(n.offset + n.size, end);
	CHECK_EQ(elfcore_next_note(buf, sizeof(buf), &pos, &n), 0);	/* final note */
	CHECK_EQ(pos, end);

	/* Every cut through the notes: a clean end or -E_TRUNC, never more. */
	for (size_t cut = 0; cut < end; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int r = 1;

		memcpy(copy, buf, cut);
		pos = 0;
		while (r == 1)
			r = elfcore_next_note(copy, cut, &pos, &n);
		free(copy);
		/* Only the cuts between notes are clean ends. */
		CHECK_EQ(r, (cut == 0 || cut == 28) ? 0 : -E_TRUNC);
	}
	/* Sizes near 2^32 do not wrap the arithmetic. */
	memcpy(buf, bad, sizeof(bad));
	pos = 0;
	CHECK_EQ(elfcore_next_note(buf, sizeof(buf), &pos, &n), -E_TRUNC);
	CHECK_EQ(pos, 0);
}

TEST(elfcore_vmcoreinfo_lines_and_lookup)
{
	static struct vmcoreinfo vi;
	static uint8_t note[VMCOREINFO_NOTE_BYTES];
	struct elfcore_note n;
	char val[32], big[300], *exact;
	size_t pos = 0;
	int len;

	vmcoreinfo_init(&vi);
	CHECK_EQ(vmcoreinfo_append(&vi, "OSRELEASE=%s\n", "0.1.0"), 0);
	CHECK_EQ(vmcoreinfo_append(&vi, "PAGESIZE=%d\n", 4096), 0);
	CHECK_EQ(vmcoreinfo_append(&vi, "PAGE=x\nSYMBOL(phys_base)=%llx", 0xffffffff80a00000ULL), 0);
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "PAGESIZE", val, sizeof(val)), 0);
	CHECK_STR(val, "4096");
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "PAGE", val, sizeof(val)), 0);
	CHECK_STR(val, "x");
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "SYMBOL(phys_base)", val, sizeof(val)), 0);
	CHECK_STR(val, "ffffffff80a00000");	/* last line, no newline */
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "OSREL", val, sizeof(val)), -E_NOENT);
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "OSRELEASE", val, 4), -E_NOSPC);
	CHECK_STR(val, "0.1");
	exact = malloc(6);	/* "0.1.0" and its NUL, nothing to spare for ASan */
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "OSRELEASE", exact, 5), -E_NOSPC);
	CHECK_EQ(vmcoreinfo_get(vi.data, vi.size, "OSRELEASE", exact, 6), 0);
	CHECK_STR(exact, "0.1.0");
	free(exact);

	len = vmcoreinfo_note_build(note, sizeof(note), &vi);
	CHECK_EQ(len, ELFCORE_NOTE_SIZE(10, vi.size) + 12);
	CHECK_EQ(elfcore_next_note(note, (size_t)len, &pos, &n), 1);
	CHECK(elfcore_note_is(&n, VMCOREINFO_NOTE_NAME, 0));
	CHECK_EQ(n.descsz, vi.size);
	CHECK(memcmp(n.desc, vi.data, vi.size) == 0);
	CHECK_EQ(vmcoreinfo_note_build(note, (size_t)len - 1, &vi), -E_NOSPC);

	/* Fill up: a line that does not fit is dropped whole, never cut. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	while (vmcoreinfo_append(&vi, "FILL=%s\n", big) == 0)
		;
	CHECK_EQ(vi.dropped, 1);
	CHECK(vi.size < VMCOREINFO_BYTES);
	CHECK_EQ(vi.data[vi.size - 1], '\n');
	CHECK_EQ(vi.data[vi.size], '\0');
	while (vmcoreinfo_append(&vi, "K=%d\n", 1) == 0)
		;
	while (vmcoreinfo_append(&vi, "%c", 'z') == 0)
		;
	CHECK_EQ(vi.size, VMCOREINFO_BYTES - 1);	/* room for kvsnprintf's NUL */
	CHECK_EQ(vmcoreinfo_note_build(note, sizeof(note), &vi),
		 ELFCORE_NOTE_SIZE(10, VMCOREINFO_BYTES - 1) + 12);
}

/* ---- the elfcorehdr ---- */

static struct elfcore_note_buf cpu_notes[NR_CPUS];

static void params_512m(struct elfcore_params *p, const struct memmap *m,
			const struct range *x, unsigned nx)
{
	for (unsigned i = 0; i < NR_CPUS; i++)
		cpu_notes[i] = (struct elfcore_note_buf){ 0x1f00000 + i * CRASH_NOTE_BYTES,
							  CRASH_NOTE_BYTES };
	*p = (struct elfcore_params){
		.cpu_notes = cpu_notes, .nr_cpus = NR_CPUS,
		.vmcoreinfo = { 0x1f01000, VMCOREINFO_NOTE_BYTES },
		.kernel_vaddr = 0xffffffff80200000, .kernel_paddr = 0x200000,
		.kernel_size = 0x2f3456, .direct_map_base = DIRECT_MAP_BASE,
		.ram = m, .exclude = x, .nr_exclude = nx,
	};
}

static Elf64_Phdr phdr_at(const uint8_t *buf, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, buf + sizeof(Elf64_Ehdr) + i * sizeof(ph), sizeof(ph));
	return ph;
}

TEST(elfcore_header_512m_window_split)
{
	static struct memmap m;
	static uint8_t buf[4096];
	const struct range window = { 0x1be00000, 0x1fe00000, "crash window" };	/* 64 MiB */
	const paddr_t ram[][2] = {
		{ 0, 0x9fc00 }, { 0x100000, 0x1be00000 }, { 0x1fe00000, 0x1ffe0000 },
	};
	struct elfcore_params p;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t size = 0;

	qemu_512m_memmap(&m);
	params_512m(&p, &m, &window, 1);
	CHECK_EQ(elfcore_build_header(&p, NULL, 0, &size), 0);	/* size query */
	CHECK_EQ(size, 64 + (NR_CPUS + 1 + 1 + 3) * 56);
	memset(buf, 0xcc, sizeof(buf));
	CHECK_EQ(elfcore_build_header(&p, buf, size - 1, &size), -E_NOSPC);
	CHECK_EQ(buf[0], 0xcc);
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), 0);
	CHECK_EQ(buf[size], 0xcc);

	memcpy(&eh, buf, sizeof(eh));
	CHECK(memcmp(eh.e_ident, "\177ELF\2\1\1", 7) == 0);
	CHECK_EQ(eh.e_type, ET_CORE);
	CHECK_EQ(eh.e_machine, EM_X86_64);
	CHECK_EQ(eh.e_phoff, 64);
	CHECK_EQ(eh.e_phentsize, 56);
	CHECK_EQ(eh.e_phnum, NR_CPUS + 5);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		ph = phdr_at(buf, i);
		CHECK_EQ(ph.p_type, PT_NOTE);
		CHECK_EQ(ph.p_offset, 0x1f00000 + i * 368);
		CHECK_EQ(ph.p_paddr, ph.p_offset);
		CHECK_EQ(ph.p_memsz, 368);
		CHECK_EQ(ph.p_filesz, 368);
	}
	ph = phdr_at(buf, NR_CPUS);
	CHECK_EQ(ph.p_type, PT_NOTE);
	CHECK_EQ(ph.p_offset, 0x1f01000);
	CHECK_EQ(ph.p_memsz, VMCOREINFO_NOTE_BYTES);
	for (unsigned i = 0; i < 3; i++) {
		ph = phdr_at(buf, NR_CPUS + 1 + i);
		CHECK_EQ(ph.p_type, PT_LOAD);
		CHECK_EQ(ph.p_flags, PF_R | PF_W | PF_X);
		CHECK_EQ(ph.p_paddr, ram[i][0]);
		CHECK_EQ(ph.p_offset, ram[i][0]);
		CHECK_EQ(ph.p_vaddr, DIRECT_MAP_BASE + ram[i][0]);
		CHECK_EQ(ph.p_filesz, ram[i][1] - ram[i][0]);
		CHECK_EQ(ph.p_memsz, ram[i][1] - ram[i][0]);
	}
	/* The image last: PT_LOADs ascend by p_vaddr (the ELF rule). */
	ph = phdr_at(buf, NR_CPUS + 4);
	CHECK_EQ(ph.p_type, PT_LOAD);
	CHECK_EQ(ph.p_vaddr, 0xffffffff80200000);
	CHECK_EQ(ph.p_paddr, 0x200000);
	CHECK_EQ(ph.p_offset, 0x200000);
	CHECK_EQ(ph.p_memsz, 0x2f3456);

	/* An NT_PRPSINFO buffer gets its PT_NOTE right after VMCOREINFO's. */
	p.prpsinfo = (struct elfcore_note_buf){ 0x1f02000, PRPSINFO_NOTE_BYTES };
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), 0);
	CHECK_EQ(size, 64 + (NR_CPUS + 1 + 1 + 1 + 3) * 56);
	ph = phdr_at(buf, NR_CPUS + 1);
	CHECK_EQ(ph.p_type, PT_NOTE);
	CHECK_EQ(ph.p_offset, 0x1f02000);
	CHECK_EQ(ph.p_memsz, PRPSINFO_NOTE_BYTES);
	ph = phdr_at(buf, NR_CPUS + 2);
	CHECK_EQ(ph.p_type, PT_LOAD);
	CHECK_EQ(ph.p_paddr, 0);
	p.prpsinfo.pa = (paddr_t)-16;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
}

struct exclude_case {
	const char *name;
	unsigned nx;
	struct range x[3];
	unsigned nloads;
	paddr_t load[5][2];	/* RAM PT_LOADs expected, [start, end) */
};

/* RAM is [0, 0x9fc00) and [0x100000, 0x1ffe0000). */
static const struct exclude_case exclude_cases[] = {
	{ "none", 0, {}, 2, { { 0, 0x9fc00 }, { 0x100000, 0x1ffe0000 } } },
	{ "at the start", 1, { { 0x100000, 0x200000, NULL } },
	  2, { { 0, 0x9fc00 }, { 0x200000, 0x1ffe0000 } } },
	{ "at the end", 1, { { 0x1fe00000, 0x1ffe0000, NULL } },
	  2, { { 0, 0x9fc00 }, { 0x100000, 0x1fe00000 } } },
	{ "past the end", 1, { { 0x1fe00000, 0x30000000, NULL } },
	  2, { { 0, 0x9fc00 }, { 0x100000, 0x1fe00000 } } },
	{ "a whole range", 1, { { 0, 0x100000, NULL } }, 1, { { 0x100000, 0x1ffe0000 } } },
	{ "across two ranges", 1, { { 0x90000, 0x400000, NULL } },
	  2, { { 0, 0x90000 }, { 0x400000, 0x1ffe0000 } } },
	{ "in a hole", 1, { { 0xa0000, 0xf0000, NULL } },
	  2, { { 0, 0x9fc00 }, { 0x100000, 0x1ffe0000 } } },
	{ "two, unsorted, overlapping", 3,
	  { { 0x1000000, 0x3000000, NULL }, { 0x800000, 0x1800000, NULL },
	    { 0x5000000, 0x6000000, NULL } },
	  4, { { 0, 0x9fc00 }, { 0x100000, 0x800000 }, { 0x3000000, 0x5000000 },
	       { 0x6000000, 0x1ffe0000 } } },
	{ "one page", 1, { { 0x1000, 0x2000, NULL } },
	  3, { { 0, 0x1000 }, { 0x2000, 0x9fc00 }, { 0x100000, 0x1ffe0000 } } },
	{ "everything", 1, { { 0, 0x100000000ULL, NULL } }, 0, {} },
};

TEST(elfcore_header_exclude_table)
{
	static struct memmap m;
	static uint8_t buf[4096];

	qemu_512m_memmap(&m);
	for (unsigned c = 0; c < ARRAY_SIZE(exclude_cases); c++) {
		const struct exclude_case *t = &exclude_cases[c];
		struct elfcore_params p;
		size_t size;
		Elf64_Ehdr eh;

		params_512m(&p, &m, t->x, t->nx);
		CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), 0);
		memcpy(&eh, buf, sizeof(eh));
		if (eh.e_phnum != NR_CPUS + 2 + t->nloads)
			test_fail(__FILE__, __LINE__, "case '%s': %u phdrs", t->name, eh.e_phnum);
		CHECK_EQ(eh.e_phnum, NR_CPUS + 2 + t->nloads);
		for (unsigned i = 0; i < t->nloads; i++) {
			Elf64_Phdr ph = phdr_at(buf, NR_CPUS + 1 + i);

			if (ph.p_paddr != t->load[i][0] || ph.p_memsz != t->load[i][1] - t->load[i][0])
				test_fail(__FILE__, __LINE__, "case '%s': load %u [0x%llx, +0x%llx)",
					  t->name, i, (unsigned long long)ph.p_paddr,
					  (unsigned long long)ph.p_memsz);
			CHECK(!test_failed());
		}
	}
}

TEST(elfcore_header_refusals)
{
	static struct memmap m;
	static uint8_t buf[4096];
	const struct range empty = { 0x200000, 0x200000, NULL };
	struct elfcore_params p;
	struct elfcore_note_buf *many;
	size_t size;

	qemu_512m_memmap(&m);
	params_512m(&p, &m, &empty, 1);
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
	params_512m(&p, &m, NULL, 0);
	p.kernel_size = 0;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
	params_512m(&p, &m, NULL, 0);
	p.vmcoreinfo.size = 0;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
	params_512m(&p, &m, NULL, 0);
	cpu_notes[3].pa = (paddr_t)-16;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
	params_512m(&p, &m, NULL, 0);
	p.nr_cpus = 0;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);
	params_512m(&p, &m, NULL, 0);
	p.ram = NULL;
	CHECK_EQ(elfcore_build_header(&p, buf, sizeof(buf), &size), -E_INVAL);

	/* e_phnum is 16 bits; PN_XNUM and above would need section 0. */
	many = calloc(PN_XNUM, sizeof(*many));
	for (unsigned i = 0; i < PN_XNUM; i++)
		many[i] = (struct elfcore_note_buf){ 0x1000, 16 };
	params_512m(&p, &m, NULL, 0);
	p.cpu_notes = many;
	p.nr_cpus = PN_XNUM - 5;	/* + vmcoreinfo + kernel + 2 RAM = PN_XNUM - 1 */
	CHECK_EQ(elfcore_build_header(&p, NULL, 0, &size), 0);
	CHECK_EQ(size, 64 + (PN_XNUM - 1) * 56ULL);
	p.nr_cpus++;
	CHECK_EQ(elfcore_build_header(&p, NULL, 0, &size), -E_2BIG);
	free(many);
}
