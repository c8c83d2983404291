/*
 * Tests of the capture side (crash/vmcore_layout.c) on the simulated dead
 * machine of vmcore_sim.c: the layout, its extents, the whole vmcore read
 * through vmcore_read into a file in /tmp, checked byte for byte against
 * old memory and opened by the real readelf, eu-readelf and gdb; random
 * reads, unaligned segments, bad notes, failing reads, the summary helpers.
 * (Hostile elfcorehdrs: test_vmcore_corrupt.c.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "boot/layout.h"
#include "kernel/percpu.h"
#include "lib/errno.h"
#include "tests/unit/test.h"
#include "tests/unit/vmcore_sim.h"

TEST(vmcore_layout_of_the_512m_machine)
{
	const struct vmcore_layout *l = &vmc.l;
	const paddr_t loads[][2] = {	/* paddr, memsz, in elfcorehdr order */
		{ 0, 0x9fc00 }, { 0x100000, WIN_START - 0x100000 },
		{ WIN_END, 0x1ffe0000 - WIN_END }, { KERN_PA, KERN_SIZE },
	};
	uint64_t off;

	vmc_setup();
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(l->nr_src_notes, NR_CPUS + 1);
	CHECK_EQ(l->nr_notes, 3);
	CHECK_EQ(l->nr_prstatus, 2);
	CHECK_EQ(l->nr_bad_notes, 0);
	CHECK_EQ(l->nr_loads, 4);
	CHECK_EQ(l->ehdr->e_phnum, 5);
	CHECK_EQ(l->ehdr->e_type, ET_CORE);
	CHECK_EQ(l->hdr_size, 64 + 5 * 56);
	/* Linux 6.1's merged PT_NOTE: on the page after the headers, no
	 * flags, no addresses, p_align 0; the data on the page after it. */
	CHECK_EQ(l->phdr[0].p_type, PT_NOTE);
	CHECK_EQ(l->phdr[0].p_offset, 4096);
	CHECK_EQ(l->phdr[0].p_flags, 0);
	CHECK_EQ(l->phdr[0].p_align, 0);
	CHECK_EQ(l->phdr[0].p_vaddr | l->phdr[0].p_paddr, 0);
	CHECK_EQ(l->notes_size, 2 * 356 + ELFCORE_NOTE_SIZE(10, vmc.vi.size));
	CHECK_EQ(l->phdr[0].p_filesz, l->notes_size);
	CHECK_EQ(l->data_offset, 8192);
	off = l->data_offset;
	for (unsigned i = 0; i < 4; i++) {
		const Elf64_Phdr *ph = &l->phdr[1 + i];

		CHECK_EQ(ph->p_type, PT_LOAD);
		CHECK_EQ(ph->p_paddr, loads[i][0]);
		CHECK_EQ(ph->p_memsz, loads[i][1]);
		CHECK_EQ(ph->p_filesz, loads[i][1]);
		CHECK_EQ(ph->p_vaddr, i == 3 ? KERN_VA : DIRECT_MAP_BASE + loads[i][0]);
		/* Whole pages, congruent with the physical address. */
		CHECK_EQ(ph->p_offset, off + (ph->p_paddr & 0xfff));
		off += ALIGN_UP(ph->p_paddr + ph->p_memsz, 4096) - ALIGN_DOWN(ph->p_paddr, 4096);
	}
	CHECK_EQ(l->size, off);
}

TEST(vmcore_extents_tile_the_file)
{
	const struct vmcore_layout *l = &vmc.l;
	struct vmcore_extent e;
	uint64_t off = 0;
	unsigned n[3] = { 0 }, count = 0;

	vmc_setup();
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	while (vmcore_extent_at(l, off, &e)) {
		CHECK_EQ(e.offset, off);
		CHECK(e.len > 0);
		CHECK(e.kind <= VMCORE_EXTENT_PHYS);
		n[e.kind]++;
		if (e.kind == VMCORE_EXTENT_PHYS)
			CHECK(e.pa + e.len <= WIN_START || e.pa >= WIN_END);
		off += e.len;
		CHECK(++count < 100);
	}
	CHECK_EQ(off, l->size);
	CHECK_EQ(n[VMCORE_EXTENT_MEM], 2);	/* header, notes */
	CHECK_EQ(n[VMCORE_EXTENT_ZERO], 2);	/* the rest of their pages */
	CHECK_EQ(n[VMCORE_EXTENT_PHYS], 4);	/* one per PT_LOAD */
	/* Mid-extent lookups start where asked and end with the extent. */
	CHECK(vmcore_extent_at(l, l->phdr[2].p_offset + 4097, &e));
	CHECK_EQ(e.kind, VMCORE_EXTENT_PHYS);
	CHECK_EQ(e.pa, 0x100000 + 4097);
	CHECK_EQ(e.len, l->phdr[2].p_memsz - 4097);
	CHECK(!vmcore_extent_at(l, l->size, &e));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Read the whole vmcore in odd-sized chunks into a sparse file. */
static int write_vmcore(const char *path)
{
	const struct vmcore_layout *l = &vmc.l;
	const size_t chunk = 1 * MiB + 4097;
	uint8_t *got = malloc(chunk), *want = malloc(chunk);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	int bad = 0;

	if (fd < 0 || ftruncate(fd, (off_t)l->size) != 0)
		bad = 1;
	for (uint64_t off = 0; !bad && off < l->size; off += chunk) {
		int64_t n = vmcore_read(l, off, chunk, got, vmc_sim_read, &vmc.sim);

		if (n != (int64_t)MIN(chunk, l->size - off)) {
			bad = 2;
			break;
		}
		vmc_expected(l, off, (uint64_t)n, want);
		if (off == 0) {	/* the header and notes are the layout's own bytes */
			memcpy(want, l->ehdr, l->hdr_size);
			memcpy(want + l->notes_offset, l->notes, l->notes_size);
		}
		if (memcmp(got, want, (size_t)n) != 0)
			bad = 3;
		else if (!all_zero(got, (size_t)n) && pwrite(fd, got, (size_t)n, (off_t)off) != n)
			bad = 4;
	}
	if (fd >= 0)
		close(fd);
	free(got);
	free(want);
	return bad;
}

/* Run a command, its stdout and stderr into out; returns its exit status. */
static int run(const char *cmd, char *out, size_t outsz)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	if (!f)
		return -1;
	while (n + 1 < outsz && fgets(out + n, (int)(outsz - n), f))
		n += strlen(out + n);
	out[n] = '\0';
	return pclose(f);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static bool have(const char *tool)
{
	char cmd[128], out[256];

	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	return run(cmd, out, sizeof(out)) == 0;
}

/* Bytes of the marker regions, looked up through the file's own phdrs. */
static int check_markers(const char *path)
{
	static const paddr_t where[] = { 0x10, 0x9fbf0, KERN_PA + 0x100, 0x1000000, 0x1ffdfff0 };
	Elf64_Ehdr eh;
	Elf64_Phdr ph[8];
	int fd = open(path, O_RDONLY), bad = 0;

	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_phnum > 8 ||
	    pread(fd, ph, eh.e_phnum * sizeof(ph[0]), (off_t)eh.e_phoff) <= 0)
		bad = 1;
	for (unsigned w = 0; !bad && w < ARRAY_SIZE(where); w++) {
		unsigned hits = 0;

		for (unsigned i = 0; i < eh.e_phnum; i++) {
			uint8_t b[16];

			if (ph[i].p_type != PT_LOAD || where[w] < ph[i].p_paddr ||
			    where[w] + 16 > ph[i].p_paddr + ph[i].p_filesz)
				continue;
			if (pread(fd, b, 16, (off_t)(ph[i].p_offset + where[w] - ph[i].p_paddr)) != 16)
				bad = 2;
			for (unsigned k = 0; k < 16; k++)
				if (b[k] != vmc_pattern(where[w] + k))
					bad = 3;
			hits++;
		}
		if (hits == 0 || (where[w] == KERN_PA + 0x100 && hits != 2))
			bad = 4;	/* the kernel's bytes are in its PT_LOAD and in RAM's */
	}
	for (unsigned i = 0; !bad && i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr < WIN_END &&
		    ph[i].p_paddr + ph[i].p_memsz > WIN_START)
			bad = 5;
	if (fd >= 0)
		close(fd);
	return bad;
}

TEST(vmcore_file_opens_in_readelf_eu_readelf_and_gdb)
{
	static char out[64 * 1024];
	char path[128], cmd[256];
	int st;

	vmc_setup();
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	snprintf(path, sizeof(path), "/tmp/kexec-unit-vmcore-%d.core", (int)getpid());
	CHECK_EQ(write_vmcore(path), 0);
	CHECK_EQ(vmc.sim.window_reads, 0);
	CHECK_EQ(check_markers(path), 0);

	snprintf(cmd, sizeof(cmd), "readelf -h -l -n -W %s 2>&1", path);
	st = run(cmd, out, sizeof(out));
	if (getenv("SHOW_VMCORE"))
		printf("%s", out);
	CHECK_EQ(st, 0);
	CHECK(strstr(out, "CORE (Core file)"));
	CHECK(strstr(out, "Advanced Micro Devices X86-64"));
	CHECK_EQ(count(out, "\n  NOTE "), 1);
	CHECK_EQ(count(out, "\n  LOAD "), 4);
	CHECK(strstr(out, " 0xffffffff80200000 0x0000000000200000 0x2f3456 0x2f3456 RWE"));
	CHECK(strstr(out, "0xffff88801fe00000 0x000000001fe00000 0x1e0000 0x1e0000"));
	CHECK_EQ(count(out, "NT_PRSTATUS (prstatus structure)"), 2);
	CHECK_EQ(count(out, "VMCOREINFO"), 1);
	CHECK_EQ(count(out, "arning"), 0);
	CHECK_EQ(count(out, "rror"), 0);

	if (have("eu-readelf")) {
		snprintf(cmd, sizeof(cmd), "eu-readelf -n %s 2>&1", path);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		if (getenv("SHOW_VMCORE"))
			printf("%s", out);
		CHECK_EQ(count(out, "PRSTATUS"), 2);
		CHECK_EQ(count(out, "VMCOREINFO"), 1);
		CHECK(strstr(out, "pid: 1,"));
		CHECK(strstr(out, "pid: 2,"));
		CHECK(strstr(out, "0xffffffff80201234"));
		CHECK(strstr(out, "0xffffffff80205678"));
	}
	if (have("gdb")) {
		snprintf(cmd, sizeof(cmd), "gdb -batch -nx -c %s -ex 'info registers rip' "
			 "-ex 'x/2xb 0x%llx' 2>&1", path, DIRECT_MAP_BASE + 0x1000000ULL);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		if (getenv("SHOW_VMCORE"))
			printf("%s", out);
		CHECK(strstr(out, "0xffffffff80201234"));
		snprintf(cmd, sizeof(cmd), "0x%02x\t0x%02x", vmc_pattern(0x1000000), vmc_pattern(0x1000001));
		CHECK(strstr(out, cmd));
	}
	if (!getenv("SHOW_VMCORE"))
		unlink(path);
}

TEST(vmcore_random_reads_match_a_full_read)
{
	const struct vmcore_layout *l = &vmc.l;
	uint8_t *got = malloc(3 * 4096 + 1), *want = malloc(3 * 4096 + 1);

	vmc_setup();
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	for (unsigned i = 0; i < 4000; i++) {
		/* Half the reads land next to an extent boundary. */
		uint64_t off = vmc_rnd() % (l->size + 100), len = vmc_rnd() % (3 * 4096 + 1);
		struct vmcore_extent e;
		int64_t n;

		if (i % 2 && vmcore_extent_at(l, vmc_rnd() % l->size, &e))
			off = e.offset + e.len - vmc_rnd() % 64;
		if (i % 2 && off > l->size)
			off = l->size - 1;
		n = vmcore_read(l, off, len, got, vmc_sim_read, &vmc.sim);
		CHECK_EQ(n, off >= l->size ? 0 : MIN(len, l->size - off));
		if (n <= 0)
			continue;
		vmc_expected(l, off, (uint64_t)n, want);
		for (uint64_t k = 0; k < (uint64_t)n && off + k < l->data_offset; k++)
			want[k] = off + k < l->hdr_size ? ((const uint8_t *)l->ehdr)[off + k]
				: off + k >= l->notes_offset && off + k < l->notes_offset + l->notes_size
				? l->notes[off + k - l->notes_offset] : 0;
		CHECK(memcmp(got, want, (size_t)n) == 0);
	}
	CHECK_EQ(vmcore_read(l, l->size - 5, UINT64_MAX, got, vmc_sim_read, &vmc.sim), 5);
	CHECK_EQ(vmcore_read(l, l->size, 1, got, vmc_sim_read, &vmc.sim), 0);
	CHECK_EQ(vmcore_read(l, UINT64_MAX, 1, got, vmc_sim_read, &vmc.sim), 0);
	CHECK_EQ(vmcore_read(l, 0, 0, got, vmc_sim_read, &vmc.sim), 0);
	free(got);
	free(want);
}

TEST(vmcore_summary_helpers)
{
	struct elf_prstatus prs;
	uint8_t odd[CRASH_NOTE_BYTES];
	struct trap_frame tf;
	char val[64];

	vmc_setup();
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(vmcore_get_prstatus(&vmc.l, 0, &prs), 0);
	CHECK_EQ(prs.pr_pid, 1);
	CHECK_EQ(prs.pr_reg[ELF_REG_RIP], CPU0_RIP);
	CHECK_EQ(prs.pr_reg[ELF_REG_RSP], 0xffffffff80ffb000);
	CHECK_EQ(vmcore_get_prstatus(&vmc.l, 1, &prs), 0);
	CHECK_EQ(prs.pr_pid, 2);
	CHECK_EQ(prs.pr_reg[ELF_REG_RAX], 0xaaaa0008);
	CHECK_EQ(vmcore_get_prstatus(&vmc.l, 2, &prs), -E_NOENT);
	CHECK_EQ(vmcore_vmcoreinfo_value(&vmc.l, "CRASHTIME", val, sizeof(val)), 0);
	CHECK_STR(val, "1700000000");
	CHECK_EQ(vmcore_vmcoreinfo_value(&vmc.l, "BUILD-ID", val, sizeof(val)), 0);
	CHECK_EQ(strlen(val), 40);
	CHECK_EQ(vmcore_vmcoreinfo_value(&vmc.l, "NOPE", val, sizeof(val)), -E_NOENT);

	/* A CORE/NT_PRSTATUS note of the wrong size is refused, not copied. */
	vmc_frame(&tf, 1, 1);
	crash_note_build(odd, sizeof(odd), 0, &tf, 1);
	memcpy(odd + 4, &(uint32_t){ 100 }, 4);	/* descsz */
	vmc.l.notes = odd;
	vmc.l.notes_size = 12 + 8 + 100;
	CHECK_EQ(vmcore_get_prstatus(&vmc.l, 0, &prs), -E_INVAL);
	vmc.l.notes_size = 0;
	CHECK_EQ(vmcore_vmcoreinfo_value(&vmc.l, "CRASHTIME", val, sizeof(val)), -E_NOENT);
}

TEST(vmcore_bad_notes_are_dropped_with_a_warning)
{
	static uint8_t out[2 * 4096];
	struct trap_frame tf;
	uint8_t *notes = NULL;
	uint32_t bad[3] = { 5, 0x10000, NT_PRSTATUS };

	vmc_setup();
	for (unsigned i = 0; i < vmc.sim.n; i++)
		if (vmc.sim.r[i].pa == NOTES_PA)
			notes = vmc.sim.r[i].bytes;
	memcpy(notes + 3 * CRASH_NOTE_BYTES, bad, sizeof(bad));	/* CPU 3: garbage */
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(vmc.l.nr_bad_notes, 1);
	CHECK_EQ(vmc.l.nr_notes, 3);
	CHECK_EQ(vmc.l.nr_prstatus, 2);
	CHECK(strstr(vmc.l.warning, "PT_NOTE 3: note at +0x0 (namesz 5, descsz 65536)"));

	/* CPU 4: a good note, then one whose 20 bytes run past the 12 left. */
	vmc_frame(&tf, 4, 4);
	crash_note_build(notes + 4 * CRASH_NOTE_BYTES, CRASH_NOTE_BYTES, 4, &tf, 5);
	bad[1] = 0;
	memcpy(notes + 4 * CRASH_NOTE_BYTES + 356, bad, sizeof(bad));
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(vmc.l.nr_bad_notes, 2);
	CHECK_EQ(vmc.l.nr_notes, 4);
	CHECK_EQ(vmc.l.nr_prstatus, 3);
	CHECK(strstr(vmc.l.warning, "PT_NOTE 3"));	/* the first one is explained */

	/* Too small a buffer for the merged notes; a read that fails. */
	vmc_setup();
	CHECK_EQ(vmcore_layout_build(&vmc.l, vmc.hdr, vmc.hdr_size, vmc.notes, 400, vmc_sim_read, &vmc.sim,
				     vmc.why, sizeof(vmc.why)), -E_NOSPC);
	CHECK(strstr(vmc.why, "merged notes"));
	vmc.sim.fail_start = NOTES_PA + CRASH_NOTE_BYTES + 20;
	vmc.sim.fail_end = vmc.sim.fail_start + 1;
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), -E_IO);
	CHECK(strstr(vmc.why, "PT_NOTE 1"));
	CHECK_EQ(vmc.l.size, 0);
	vmc.sim.fail_start = 0x1000000;
	vmc.sim.fail_end = 0x1000001;
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	/* Old memory at 0x1000000 is 0xf00000 into the PT_LOAD from 1 MiB. */
	CHECK_EQ(vmcore_read(&vmc.l, vmc.l.phdr[2].p_offset + 0xf00000 - 100, sizeof(out), out,
			     vmc_sim_read, &vmc.sim), -E_IO);
	CHECK_EQ(vmcore_read(&vmc.l, vmc.l.phdr[2].p_offset + 0xf00000 - 100, 100, out,
			     vmc_sim_read, &vmc.sim), 100);
}

/* Segments that start and end inside pages keep p_offset congruent with
 * p_paddr, and the rest of their first and last pages is old memory too
 * (Linux's /proc/vmcore reads whole pages). */
TEST(vmcore_unaligned_segments_keep_page_offsets)
{
	static struct memmap map;
	static uint8_t got[16 * 1024 * 1024], want[sizeof(got)];
	const struct range cut = { 0x300000, 0x400123, NULL };
	struct elfcore_note_buf cpu = { NOTES_PA, CRASH_NOTE_BYTES };
	struct elfcore_params p = {
		.cpu_notes = &cpu, .nr_cpus = 1, .vmcoreinfo = { VMCI_PA, VMCOREINFO_NOTE_BYTES },
		.kernel_vaddr = KERN_VA, .kernel_paddr = KERN_PA + 0x10, .kernel_size = 0x1234,
		.direct_map_base = DIRECT_MAP_BASE, .ram = &map, .exclude = &cut, .nr_exclude = 1,
	};
	const struct vmcore_layout *l = &vmc.l;

	vmc_setup();
	vmc_sim_add(&vmc.sim, 0x10000, 0x1000, true);
	vmc_sim_add(&vmc.sim, 0x400000, 0x1000, true);
	memmap_init(&map);
	memmap_add(&map, 0x10400, 0x9fc00, MEMMAP_RAM);
	memmap_add(&map, 0x100000, 0x800000, MEMMAP_RAM);
	CHECK_EQ(elfcore_build_header(&p, vmc.hdr, sizeof(vmc.hdr), &vmc.hdr_size), 0);
	CHECK_EQ(vmc_build(vmc.hdr, vmc.hdr_size), 0);
	CHECK_EQ(l->nr_loads, 4);
	CHECK_EQ(l->phdr[3].p_paddr, 0x400123);
	for (unsigned i = 1; i <= l->nr_loads; i++)
		CHECK_EQ(l->phdr[i].p_offset % 4096, l->phdr[i].p_paddr % 4096);
	CHECK(l->size <= sizeof(got));
	CHECK_EQ(vmcore_read(l, 0, sizeof(got), got, vmc_sim_read, &vmc.sim), l->size);
	vmc_expected(l, l->data_offset, l->size - l->data_offset, want);
	CHECK(memcmp(got + l->data_offset, want, l->size - l->data_offset) == 0);
	/* The page of 0x400123 in the file: old memory before it as well. */
	CHECK_EQ(got[l->phdr[3].p_offset - 1], vmc_pattern(0x400122));
	CHECK_EQ(got[l->phdr[3].p_offset], vmc_pattern(0x400123));
	CHECK_EQ(got[l->phdr[1].p_offset - 1], vmc_pattern(0x103ff));
	CHECK_EQ(got[l->phdr[1].p_offset], vmc_pattern(0x10400));
}

/* elfcorehdr= as Linux's setup_elfcorehdr reads it (memparse). */
TEST(vmcore_elfcorehdr_argument_forms)
{
	static const char *const bad[] = { "", "@", "12X", "0x10@", "@0x10", "1@2@3", "K", "0x" };
	paddr_t addr;
	uint64_t size;

	CHECK_EQ(vmcore_parse_elfcorehdr("490868K", &addr, &size), 0);	/* kexec-tools */
	CHECK_EQ(addr, 490868ULL * 1024);
	CHECK_EQ(size, 0);
	CHECK_EQ(vmcore_parse_elfcorehdr("0x18000000", &addr, &size), 0);	/* kexec_file */
	CHECK_EQ(addr, 0x18000000);
	CHECK_EQ(vmcore_parse_elfcorehdr("0x1000@0x1bef8000", &addr, &size), 0);
	CHECK_EQ(addr, 0x1bef8000);
	CHECK_EQ(size, 0x1000);
	CHECK_EQ(vmcore_parse_elfcorehdr("16K@1M", &addr, &size), 0);
	CHECK_EQ(addr, 1 << 20);
	CHECK_EQ(size, 16 << 10);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (vmcore_parse_elfcorehdr(bad[i], &addr, &size) != -E_INVAL)
			test_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
}
