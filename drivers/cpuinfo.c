/*
 * The cpuinfo command: what CPUID says about the processor, limited to
 * the features this kernel (and kexec's page tables) care about, plus the
 * calibrated TSC rate.  Linux: arch/x86/kernel/cpu/proc.c (/proc/cpuinfo)
 * and the X86_FEATURE_* bits in arch/x86/include/asm/cpufeatures.h.
 */
#include "drivers/timer.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"

enum cpuid_reg { REG_ECX, REG_EDX };

struct cpu_flag {
	const char *name;	/* as in /proc/cpuinfo */
	uint32_t leaf;
	enum cpuid_reg reg;
	unsigned bit;
};

/* Bit positions from the Intel SDM vol. 2A, CPUID, and AMD APM vol. 3. */
static const struct cpu_flag cpu_flags[] = {
	{ "lm", 0x80000001, REG_EDX, 29 },	/* long mode */
	{ "nx", 0x80000001, REG_EDX, 20 },	/* no-execute page bit */
	{ "pae", 1, REG_EDX, 6 },
	{ "pse", 1, REG_EDX, 3 },
	{ "pge", 1, REG_EDX, 13 },		/* global pages */
	{ "apic", 1, REG_EDX, 9 },
	{ "tsc", 1, REG_EDX, 4 },
	{ "invtsc", 0x80000007, REG_EDX, 8 },	/* constant-rate TSC */
	{ "pdpe1gb", 0x80000001, REG_EDX, 26 },	/* 1 GiB pages */
	{ "x2apic", 1, REG_ECX, 21 },
	{ "hypervisor", 1, REG_ECX, 31 },	/* running under a VM or emulator */
};

static uint32_t max_leaf(uint32_t base)
{
	uint32_t a, b, c, d;

	cpuid(base, 0, &a, &b, &c, &d);
	return a;
}

static bool has_flag(const struct cpu_flag *f)
{
	uint32_t a, b, c, d;
	uint32_t base = f->leaf & 0x80000000;

	if (max_leaf(base) < f->leaf)
		return false;
	cpuid(f->leaf, 0, &a, &b, &c, &d);
	return ((f->reg == REG_ECX ? c : d) >> f->bit) & 1;
}

/* The 48-byte brand string of leaves 0x80000002-4, leading blanks skipped. */
static const char *brand_string(char buf[49])
{
	uint32_t *w = (uint32_t *)buf;
	const char *p = buf;

	buf[0] = 0;
	if (max_leaf(0x80000000) < 0x80000004)
		return "(no brand string)";
	for (uint32_t i = 0; i < 3; i++)
		cpuid(0x80000002 + i, 0, &w[4 * i], &w[4 * i + 1], &w[4 * i + 2], &w[4 * i + 3]);
	buf[48] = 0;
	while (*p == ' ')
		p++;
	return p;
}

static int cmd_cpuinfo(int argc, char **argv)
{
	uint32_t a, b, c, d;
	char vendor[13], brand[49];
	unsigned family, model, stepping;
	uint64_t khz = tsc_khz();

	if (argc != 1)
		return shell_usage();
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	cpuid(1, 0, &a, &b, &c, &d);
	/* SDM: extended family/model only count for families 6 and 15. */
	family = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	stepping = a & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;
	console_printf("vendor_id  : %s\n", vendor);
	console_printf("model name : %s\n", brand_string(brand));
	console_printf("cpu family : %u\nmodel      : %u\nstepping   : %u\n",
		       family, model, stepping);
	console_printf("flags      :");
	for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++)
		if (has_flag(&cpu_flags[i]))
			console_printf(" %s", cpu_flags[i].name);
	console_printf("\ntsc MHz    : %llu.%03llu\n", (unsigned long long)(khz / 1000),
		       (unsigned long long)(khz % 1000));
	return 0;
}
SHELL_COMMAND(cpuinfo, "", "CPU vendor, model and the features the kernel uses", cmd_cpuinfo);
