/*
 * "info VMCORE [KERNEL.ELF]": what is in the dump, the way `crash` starts
 * a session: the notes, each CPU's registers at the crash (NT_PRSTATUS),
 * the VMCOREINFO keys, the memory ranges (PT_LOADs), the crash time, and
 * whether the given kernel.elf is the build that crashed.
 */
#include "commands.h"
#include "dumpinfo.h"
#include "symbols.h"
#include "util.h"
#include "vmcore.h"
#include "vmcoreinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* x86-64 struct elf_prstatus (crash/elfcore.h; Linux include/linux/elfcore.h). */
#define PRSTATUS_SIZE 336
#define PRSTATUS_PID 32		/* int32_t pr_pid */
#define PRSTATUS_REG 112	/* pr_reg: user_regs_struct, 27 x uint64_t */
#define NT_PRSTATUS_TYPE 1
#define NGREG 27
#define REG_RIP 16

/* struct user_regs_struct order (arch/x86/include/asm/user_64.h). */
static const char *const reg_names[NGREG] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp",
	"ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const char *note_type_name(const struct vmcore_note *n)
{
	if (strcmp(n->owner, "VMCOREINFO") == 0 || strcmp(n->owner, "DUMPINFO") == 0)
		return "(KEY=VALUE text)";
	if (strcmp(n->owner, "CORE") != 0)
		return "";
	switch (n->type) {
	case 1: return "(NT_PRSTATUS)";
	case 2: return "(NT_PRFPREG)";
	case 3: return "(NT_PRPSINFO)";
	case 6: return "(NT_AUXV)";
	default: return "";
	}
}

static void print_notes(const struct vmcore *vc)
{
	printf("notes: %u\n", vc->nr_notes);
	printf("  %-3s %-12s %-20s %6s  %s\n", "#", "owner", "type", "size", "file offset");
	for (unsigned i = 0; i < vc->nr_notes; i++) {
		const struct vmcore_note *n = &vc->notes[i];
		char type[40];

		snprintf(type, sizeof(type), "%u %s", n->type, note_type_name(n));
		printf("  %-3u %-12s %-20s %6u  0x%llx\n", i, n->owner, type, n->descsz,
		       (unsigned long long)n->file_offset);
	}
}

/*
 * One CPU: a CORE/NT_PRSTATUS note, in note order, the crashing CPU's
 * first.  Our kernel sets pr_pid to the CPU number + 1; a note with no
 * pid is named by its position.
 */
static void print_cpu(unsigned cpu, const struct vmcore_note *n, const struct kernel_elf *ke,
		      bool ke_matches)
{
	uint64_t reg[NGREG];
	int32_t pid;
	char sym[160];

	if (n->descsz < PRSTATUS_SIZE)
		die("CORE/NT_PRSTATUS note of CPU %u has %u bytes, an x86-64 elf_prstatus has %d",
		    cpu, n->descsz, PRSTATUS_SIZE);
	memcpy(&pid, n->desc + PRSTATUS_PID, sizeof(pid));	/* desc is only 4-aligned */
	memcpy(reg, n->desc + PRSTATUS_REG, sizeof(reg));
	printf("CPU %d (pid %d)%s:\n", pid > 0 ? pid - 1 : (int)cpu, pid,
	       cpu == 0 ? ", the crashing CPU (first note)" : "");
	printf("  rip 0x%016llx", (unsigned long long)reg[REG_RIP]);
	if (ke && kernel_elf_symbolize(ke, reg[REG_RIP], sym, sizeof(sym)))
		printf("  <%s>%s", sym, ke_matches ? "" : "  (kernel.elf does not match: may be wrong)");
	else if (ke)
		printf("  (not in %s's symbols)", ke->path);
	printf("\n");
	for (unsigned i = 0; i < NGREG; i++)
		printf("%s%-8s 0x%016llx%s", i % 3 ? "   " : "  ", reg_names[i],
		       (unsigned long long)reg[i], i % 3 == 2 || i + 1 == NGREG ? "\n" : "");
}

static void print_vmcoreinfo(const struct vmcore *vc)
{
	const char *key, *val;
	size_t pos = 0, klen, vlen;
	unsigned lines = 0;

	while (vmcoreinfo_next(vc, &pos, &key, &klen, &val, &vlen))
		lines++;
	printf("VMCOREINFO: %zu bytes, %u lines\n", vc->vmcoreinfo_size, lines);
	pos = 0;
	while (vmcoreinfo_next(vc, &pos, &key, &klen, &val, &vlen))
		printf("  %.*s=%.*s\n", (int)klen, key, (int)vlen, val);
}

/* Linux writes SYMBOL() values in hex without 0x ("%lx"). */
static bool linux_symbol(const struct vmcore *vc, const char *key, uint64_t *v)
{
	char val[64], *end;

	if (!vmcoreinfo_value(vc, key, val, sizeof(val)) || !val[0])
		return false;
	*v = strtoull(val, &end, 16);
	return *end == '\0';
}

/* Linux's: the kernel text mapping is _stext; RAM is direct-mapped at one
 * offset (randomised: KASLR), the one the biggest PT_LOAD has. */
static void linux_bases(const struct vmcore *vc, uint64_t *image_va, uint64_t *page_offset)
{
	const struct vmcore_load *big = NULL;

	linux_symbol(vc, "SYMBOL(_stext)", image_va);
	for (unsigned i = 0; i < vc->nr_loads; i++)
		if (vc->loads[i].vaddr != *image_va && (!big || vc->loads[i].size > big->size))
			big = &vc->loads[i];
	if (big)
		*page_offset = big->vaddr - big->paddr;
}

static void print_loads(const struct vmcore *vc)
{
	uint64_t page_offset = 0, image_va = 0, total = 0;
	char size[32];

	if (vmcore_is_linux(vc)) {
		linux_bases(vc, &image_va, &page_offset);
	} else {
		vmcoreinfo_number_opt(vc, "NUMBER(page_offset_base)", &page_offset);
		vmcoreinfo_number_opt(vc, "NUMBER(kernel_virt_start)", &image_va);
	}
	for (unsigned i = 0; i < vc->nr_loads; i++)
		total += vc->loads[i].size;
	printf("memory: %u PT_LOADs, %s\n", vc->nr_loads, format_size(size, sizeof(size), total));
	printf("  %-4s %-40s  %-18s  %-10s  %-11s %s\n", "phdr", "physical", "virtual", "size",
	       "file offset", "what");
	for (unsigned i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];
		const char *what = "";

		if (image_va && l->vaddr == image_va)
			what = "kernel image";
		else if (page_offset && l->vaddr == page_offset + l->paddr)
			what = "RAM (direct map)";
		printf("  %-4u [0x%016llx, 0x%016llx)  0x%016llx  %-10s  0x%-9llx %s\n", l->phdr,
		       (unsigned long long)l->paddr, (unsigned long long)(l->paddr + l->size),
		       (unsigned long long)l->vaddr, format_size(size, sizeof(size), l->size),
		       (unsigned long long)l->offset, what);
	}
}

static void print_crash_time(const struct vmcore *vc)
{
	uint64_t secs;
	time_t t;
	struct tm tm;
	char when[64];

	if (!vmcoreinfo_number_opt(vc, "CRASHTIME", &secs)) {
		printf("crash time: unknown (no CRASHTIME in VMCOREINFO)\n");
		return;
	}
	t = (time_t)secs;
	if ((uint64_t)t != secs || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "not a date");
	printf("crash time: %s (CRASHTIME=%llu)\n", when, (unsigned long long)secs);
}

/* Print the build id line; return whether kernel.elf matches. */
static bool print_build_id(const struct vmcore *vc, const struct kernel_elf *ke)
{
	char id[160];
	bool have = vmcoreinfo_value(vc, "BUILD-ID", id, sizeof(id)) && id[0];

	if (!ke) {
		printf("build id: %s (give KERNEL.ELF to check it)\n",
		       have ? id : "none in VMCOREINFO");
		return false;
	}
	if (have && ke->build_id[0] && strcmp(id, ke->build_id) == 0) {
		printf("build id: matches kernel.elf (%s)\n", id);
		return true;
	}
	printf("build id: MISMATCH: vmcore %s, kernel.elf %s\n", have ? id : "none",
	       ke->build_id[0] ? ke->build_id : "none");
	return false;
}

int cmd_info(int argc, char **argv)
{
	struct vmcore vc;
	struct kernel_elf ke;
	char release[64], size[32];
	unsigned cpu = 0;
	bool matches;

	if (argc < 1 || argc > 2)
		usage_of("info");
	vmcore_open(&vc, argv[0]);
	if (argc == 2)
		kernel_elf_open(&ke, argv[1]);
	if (!vmcoreinfo_value(&vc, "OSRELEASE", release, sizeof(release)))
		snprintf(release, sizeof(release), "unknown");
	printf("vmcore: %s, %s, ELF64 core for x86-64, %zu program headers, kernel %s\n",
	       vc.path, format_size(size, sizeof(size), vc.file_size), vc.nr_phdrs, release);
	if (vmcore_is_linux(&vc))
		printf("kernel: Linux %s (its VMCOREINFO names init_uts_ns); dmesg, read and memmap "
		       "know kexec-kernel's structures only: for Linux's use makedumpfile "
		       "--dump-dmesg, crash or drgn\n", release);
	else
		printf("kernel: kexec-kernel %s\n", release);
	/* The build id first decides whether rip can be trusted to kernel.elf. */
	matches = print_build_id(&vc, argc == 2 ? &ke : NULL);
	print_notes(&vc);
	for (unsigned i = 0; i < vc.nr_notes; i++)
		if (strcmp(vc.notes[i].owner, "CORE") == 0 && vc.notes[i].type == NT_PRSTATUS_TYPE)
			print_cpu(cpu++, &vc.notes[i], argc == 2 ? &ke : NULL, matches);
	if (cpu == 0)
		printf("CPUs: none (no CORE/NT_PRSTATUS note)\n");
	print_vmcoreinfo(&vc);
	print_loads(&vc);
	dumpinfo_print(&vc);
	print_crash_time(&vc);
	if (argc == 2)
		kernel_elf_close(&ke);
	vmcore_close(&vc);
	return 0;
}
