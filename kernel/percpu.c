/*
 * The per-CPU tables (kernel/percpu.h): struct percpu, the GDT and the
 * TSS, one of each per CPU, and the GS base that says which CPU is
 * running.  In long mode segments are
 * almost gone: the GDT only needs a 64-bit code segment, a data segment for
 * SS, and the TSS, whose one job left is the Interrupt Stack Table: fresh
 * stacks the CPU switches to for #DF, NMI and #MC, so that a kernel stack
 * overflow ends in a readable double fault instead of a triple fault reset.
 * Linux: arch/x86/kernel/cpu/common.c (gdt_page, load_direct_gdt,
 * cpu_init_exception_handling) and arch/x86/include/asm/desc.h.
 */
#include "boot/layout.h"
#include "kernel/percpu.h"
#include "lib/cpu.h"
#include "lib/printk.h"
#include "lib/x86.h"

struct percpu per_cpu[NR_CPUS];

/* Selector = index * 8: the order is lib/x86.h's GDT_*, as in every GDT. */
#define GDT_ENTRY_NULL 0
#define GDT_ENTRY_KERNEL_CODE (GDT_KERNEL_CODE / 8)
#define GDT_ENTRY_KERNEL_DATA (GDT_KERNEL_DATA / 8)
#define GDT_ENTRY_TSS (GDT_TSS / 8)		/* 16 bytes: two slots */
#define GDT_ENTRIES (GDT_ENTRY_TSS + 2)

#define TSS_TYPE_AVAILABLE 0x9				/* 64-bit TSS, not busy */
#define DESC_PRESENT (1ULL << 47)

/* The 64-bit TSS (Intel SDM vol. 3, 8.7): packed, 104 bytes. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];	/* stacks for privilege changes: unused, ring 0 only */
	uint64_t reserved1;
	uint64_t ist[7];	/* IST1..IST7 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;	/* past the limit: no I/O permission bitmap */
} __packed;

_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");
_Static_assert(GDT_ENTRY_TSS == 3 && GDT_KERNEL_CODE == 0x08 && GDT_KERNEL_DATA == 0x10,
	       "GDT order is fixed by lib/x86.h");

struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
} __attribute__((aligned(64)));

static struct cpu_tables cpu_tables[NR_CPUS];

/* IST stacks: [cpu][IST slot - 1], 16-byte aligned as the ABI wants. */
static uint8_t ist_stacks[NR_CPUS][IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

/* The boot CPU's first stack and the unmapped page below it (boot/entry.asm). */
extern char boot_stack_top[], boot_stack_guard[];

struct __packed descriptor_pointer {
	uint16_t limit;
	uint64_t base;
};

static void set_tss_descriptor(uint64_t *gdt, const struct tss *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	gdt[GDT_ENTRY_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			     ((uint64_t)TSS_TYPE_AVAILABLE << 40) | DESC_PRESENT |
			     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_ENTRY_TSS + 1] = base >> 32;
}

/* Load the GDT, reload every segment register from it, then the task register. */
static void load_tables(const struct cpu_tables *t)
{
	struct descriptor_pointer gdtr = {
		.limit = sizeof(t->gdt) - 1,
		.base = (uint64_t)(uintptr_t)t->gdt,
	};

	/* CS can only be changed by a far transfer: push CS:RIP, lretq. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w[tr]"
			 :
			 : "m"(gdtr), [cs] "i"(GDT_KERNEL_CODE), [ds] "i"(GDT_KERNEL_DATA),
			   [tr] "r"((uint16_t)GDT_TSS)
			 : "rax", "memory");
}

/*
 * Build cpu's GDT and TSS and load them on the calling CPU.  Only virtual
 * addresses of the kernel image are used, so this works both under the
 * boot page tables and after paging_setup.  Rebuilding the TSS descriptor
 * each time clears its busy bit, so ltr never faults on a reload.
 */
void gdt_load_cpu(unsigned cpu)
{
	struct cpu_tables *t;

	if (cpu >= NR_CPUS) {
		pr_emerg("gdt: error: CPU %u >= NR_CPUS %u (E_RANGE)\n", cpu, NR_CPUS);
		return;
	}
	t = &cpu_tables[cpu];
	t->gdt[GDT_ENTRY_NULL] = 0;
	t->gdt[GDT_ENTRY_KERNEL_CODE] = GDT_DESC_CODE64;	/* only L, P, DPL, type matter */
	t->gdt[GDT_ENTRY_KERNEL_DATA] = GDT_DESC_DATA;
	for (unsigned i = 0; i < IST_COUNT; i++)	/* stacks grow down: top */
		t->tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[cpu][i][IST_STACK_SIZE];
	t->tss.iomap_base = sizeof(t->tss);
	set_tss_descriptor(t->gdt, &t->tss);
	load_tables(t);
	/* After the segment loads: a null GS selector may clear the base. */
	per_cpu[cpu].self = &per_cpu[cpu];
	per_cpu[cpu].cpu = cpu;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)&per_cpu[cpu]);
}

void percpu_setup_boot(void)
{
	per_cpu[0].self = &per_cpu[0];
	per_cpu[0].cpu = 0;
	per_cpu[0].state = CPU_ONLINE;		/* the CPU running this */
	per_cpu[0].doing = "boot";
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)&per_cpu[0]);
}

void gdt_setup(void)
{
	gdt_load_cpu(0);
	pr_debug("gdt: CPU 0: GDT at 0x%llx, TSS at 0x%llx, IST stacks of %u KiB (#DF, NMI, #MC)\n",
		 (unsigned long long)(uintptr_t)cpu_tables[0].gdt,
		 (unsigned long long)(uintptr_t)&cpu_tables[0].tss, IST_STACK_SIZE / 1024);
}

bool kernel_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	uint64_t top = (uint64_t)(uintptr_t)boot_stack_top;

	if (addr >= top - BOOT_STACK_SIZE && addr < top) {
		*lo = top - BOOT_STACK_SIZE;
		*hi = top;
		return true;
	}
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct percpu *p = &per_cpu[cpu];

		if (p->stack_hi && addr >= p->stack_lo && addr < p->stack_hi) {
			*lo = p->stack_lo;
			*hi = p->stack_hi;
			return true;
		}
		for (unsigned i = 0; i < IST_COUNT; i++) {
			uint64_t base = (uint64_t)(uintptr_t)ist_stacks[cpu][i];

			if (addr >= base && addr < base + IST_STACK_SIZE) {
				*lo = base;
				*hi = base + IST_STACK_SIZE;
				return true;
			}
		}
	}
	return false;
}

bool kernel_stack_guard(uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	uint64_t guard = (uint64_t)(uintptr_t)boot_stack_guard;

	if (addr >= guard && addr < guard + PAGE_SIZE) {
		*lo = guard;
		*hi = guard + PAGE_SIZE;
		return true;
	}
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct percpu *p = &per_cpu[cpu];

		if (p->guard_lo && addr >= p->guard_lo && addr < p->stack_lo) {
			*lo = p->guard_lo;
			*hi = p->stack_lo;
			return true;
		}
	}
	return false;
}
