/*
 * Bringing up the other CPUs (APs).  The MADT lists them; the CPU that
 * started this kernel is logical CPU 0 whatever its APIC id, the others
 * follow in MADT order.  Each AP gets a stack, then INIT-SIPI-SIPI with
 * the SDM's timing: INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us.  It
 * starts in real mode in the trampoline page (kernel/trampoline.asm),
 * climbs to long mode on the trampoline's page tables, and calls
 * start_secondary, which gives it its GDT, TSS, GS base and local APIC
 * and sends it to its idle loop.  One AP at a time: the trampoline's data
 * is one copy.  INIT to the bootstrap processor would restart it in the
 * firmware (SDM vol. 3, 9.4; only an AP waits for a SIPI), so a kernel
 * started on another CPU (a capture kernel) never sends it one.
 * Linux: arch/x86/kernel/smpboot.c (native_cpu_up, do_boot_cpu,
 * wakeup_secondary_cpu_via_init, start_secondary), disable_cpu_apicid=.
 */
#include "boot/addr.h"
#include "drivers/acpi.h"
#include "drivers/apic.h"
#include "drivers/madt.h"
#include "kernel/smp.h"
#include "kernel/tick.h"
#include "kernel/trampoline_layout.h"
#include "kernel/traps.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/time.h"
#include "lib/watchdog.h"
#include "lib/x86.h"
#include "mm/paging.h"
#include "mm/pmm.h"

#define KERNEL_STACK_PAGES 8		/* 32 KiB, as the boot stack */
#define CALLIN_TIMEOUT_NS 10000000000ULL	/* Linux waits 10 s for an AP too */

/* The trampoline's data (kernel/trampoline_layout.h), as C sees it. */
struct trampoline_data {
	uint64_t cr3, cr4, efer, entry, stack, cpu;
	uint32_t pm32_offset;
	uint16_t pm32_selector, pad0;
	uint32_t lm64_offset;
	uint16_t lm64_selector, pad1;
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad2;
	uint64_t gdt[4];
} __packed;

_Static_assert(offsetof(struct trampoline_data, cr3) == TR_CR3 - TR_DATA, "TR_CR3");
_Static_assert(offsetof(struct trampoline_data, entry) == TR_ENTRY - TR_DATA, "TR_ENTRY");
_Static_assert(offsetof(struct trampoline_data, cpu) == TR_CPU - TR_DATA, "TR_CPU");
_Static_assert(offsetof(struct trampoline_data, pm32_offset) == TR_PM32 - TR_DATA, "TR_PM32");
_Static_assert(offsetof(struct trampoline_data, lm64_offset) == TR_LM64 - TR_DATA, "TR_LM64");
_Static_assert(offsetof(struct trampoline_data, gdt_limit) == TR_GDTR - TR_DATA, "TR_GDTR");
_Static_assert(offsetof(struct trampoline_data, gdt) == TR_GDT - TR_DATA, "TR_GDT");
_Static_assert(sizeof(struct trampoline_data) == TR_END - TR_DATA, "TR_END");

extern const char smp_trampoline[], smp_trampoline_end[];	/* kernel/trampoline.asm */
extern const char smp_ap_entry[];

unsigned nr_cpu_ids = 1;
static paddr_t trampoline_pa;

/* Copy the code and fill in what does not change from one AP to the next. */
static int trampoline_setup(void)
{
	struct trampoline_data *d;
	paddr_t cr3;
	int err;

	/* The page below 1 MiB the frame allocator kept, clear of modules and
	 * the MBI (Linux: reserve_real_mode); the SIPI vector is its number. */
	trampoline_pa = pmm_low_page();
	_Static_assert(TRAMPOLINE_SIZE == PAGE_SIZE, "pmm keeps one page");
	if (!trampoline_pa)
		return -E_NOMEM;
	err = paging_trampoline_pgd(trampoline_pa, TRAMPOLINE_SIZE, &cr3);
	if (err)
		return err;
	memset(phys_to_virt(trampoline_pa), 0, TRAMPOLINE_SIZE);
	memcpy(phys_to_virt(trampoline_pa), smp_trampoline, smp_trampoline_end - smp_trampoline);
	d = (struct trampoline_data *)((char *)phys_to_virt(trampoline_pa) + TR_DATA);
	d->cr3 = cr3;
	d->cr4 = read_cr4() & ~(uint64_t)CR4_PCIDE;	/* PCIDE only in long mode */
	d->efer = EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE);
	d->entry = (uint64_t)(uintptr_t)smp_ap_entry;
	d->pm32_offset = (uint32_t)(trampoline_pa + TR_CODE32);
	d->pm32_selector = 0x18;			/* gdt[3]: 32-bit code */
	d->lm64_offset = (uint32_t)(trampoline_pa + TR_CODE64);
	d->lm64_selector = GDT_KERNEL_CODE;
	d->gdt[0] = 0;
	d->gdt[GDT_KERNEL_CODE / 8] = GDT_DESC_CODE64;
	d->gdt[GDT_KERNEL_DATA / 8] = GDT_DESC_DATA;
	d->gdt[3] = GDT_DESC_CODE32;
	d->gdt_limit = sizeof(d->gdt) - 1;
	d->gdt_base = (uint32_t)(trampoline_pa + TR_GDT);
	return 0;
}

/* A 32 KiB stack in the direct map (a vmcore holds it, so gdb can walk
 * it) with a read-only guard page below: an overflow faults there. */
static int alloc_stack(struct percpu *p)
{
	paddr_t pa = pmm_alloc_contig(KERNEL_STACK_PAGES + 1, PAGE_SIZE, 0);
	int err;

	if (!pa)
		return -E_NOMEM;
	err = paging_map_direct(pa, PAGE_SIZE, pte_nx());	/* guard: not writable */
	if (err) {
		pmm_free_contig(pa, KERNEL_STACK_PAGES + 1);
		return err;
	}
	p->guard_lo = (uint64_t)(uintptr_t)phys_to_virt(pa);
	p->stack_lo = p->guard_lo + PAGE_SIZE;
	p->stack_hi = p->stack_lo + KERNEL_STACK_PAGES * PAGE_SIZE;
	return 0;
}

/* INIT-SIPI-SIPI (SDM vol. 3, 9.4.4.1, "typical AP initialization"). */
static int wake_up(uint32_t apic_id)
{
	int err = apic_send_ipi(apic_id, APIC_DM_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);

	udelay(10000);
	for (int i = 0; i < 2 && !err; i++) {
		err = apic_send_ipi(apic_id, APIC_DM_STARTUP | (uint32_t)(trampoline_pa >> PAGE_SHIFT));
		udelay(200);
	}
	return err;
}

/* Bring up logical CPU cpu; 0 once it runs its idle loop. */
static int boot_cpu(unsigned cpu)
{
	struct percpu *p = &per_cpu[cpu];
	struct trampoline_data *d =
		(struct trampoline_data *)((char *)phys_to_virt(trampoline_pa) + TR_DATA);
	uint64_t t0;
	int err;

	if (!p->stack_hi && (err = alloc_stack(p)))
		return err;
	d->stack = p->stack_hi;
	d->cpu = cpu;
	p->state = CPU_BOOTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the data before the SIPI */
	err = wake_up(p->apic_id);
	for (t0 = ktime_ns(); !err && p->state == CPU_BOOTING; cpu_relax()) {
		touch_softlockup_watchdog();
		if (ktime_ns() - t0 > CALLIN_TIMEOUT_NS)
			err = -E_TIMEDOUT;
	}
	if (err) {
		/* Back into wait-for-SIPI, so it cannot wake later on the next
		 * AP's trampoline data. */
		apic_send_ipi(p->apic_id, APIC_DM_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
		p->state = CPU_OFFLINE;
	}
	return err;
}

/* An AP's first C code, on its own stack (kernel/trampoline.asm). */
__noreturn void start_secondary(unsigned cpu);
__noreturn void start_secondary(unsigned cpu)
{
	write_cr3(kernel_pt.pml4_pa);	/* leave the trampoline's tables */
	gdt_load_cpu(cpu);		/* GDT, TSS, IST stacks, GS base */
	idt_load();
	apic_setup_ap();
	tick_start_this_cpu();		/* its own timer interrupts, for the watchdogs */
	this_cpu()->bsp = apic_is_bsp();
	this_cpu()->doing = "idle";
	__atomic_store_n(&this_cpu()->state, CPU_ONLINE, __ATOMIC_RELEASE);	/* call-in */
	cpu_idle_loop();
}

/* nr_cpus=N, maxcpus=N (Linux: the same two), or def. */
static unsigned cmdline_count(const char *key, unsigned def)
{
	long long n;

	if (cmdline_get_int(&kernel_cmdline, key, &n) || n < 0)
		return def;
	return n > NR_CPUS ? NR_CPUS : (unsigned)n;
}

/* The APIC id of the bootstrap processor, when this CPU is not it. */
static uint32_t find_bsp(const struct madt *m)
{
	long long id;

	if (!cmdline_get_int(&kernel_cmdline, "disable_cpu_apicid", &id))
		return (uint32_t)id;
	for (unsigned i = 0; i < m->nr_cpus; i++)
		if (m->cpu[i].enabled)
			return m->cpu[i].apic_id;	/* ACPI: firmware lists the BSP first */
	return 0;
}

/* Number the CPUs: 0 is this one, then the MADT's enabled entries. */
static void number_cpus(const struct madt *m, unsigned limit)
{
	unsigned left_out = 0;

	for (unsigned i = 0; i < m->nr_cpus; i++) {
		const struct madt_cpu *c = &m->cpu[i];

		if (!c->enabled || c->apic_id == per_cpu[0].apic_id)
			continue;
		if (nr_cpu_ids == limit) {
			left_out++;
			continue;
		}
		per_cpu[nr_cpu_ids].apic_id = c->apic_id;
		per_cpu[nr_cpu_ids].cpu = nr_cpu_ids;
		per_cpu[nr_cpu_ids].state = CPU_OFFLINE;
		nr_cpu_ids++;
	}
	if (left_out)
		pr_notice("smp: %u CPU(s) of the MADT left out: %s %u\n", left_out,
			  limit < NR_CPUS ? "nr_cpus=" : "NR_CPUS is", limit);
}

/* The boot CPU itself: logical 0, online. */
static void boot_cpu_setup(void)
{
	struct percpu *p = this_cpu();
	extern char boot_stack_top[];
	uint64_t rsp;

	p->apic_id = apic_read_id();
	p->bsp = apic_is_bsp();
	p->state = CPU_ONLINE;
	p->doing = "boot";
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	if (rsp <= (uint64_t)(uintptr_t)boot_stack_top &&
	    rsp > (uint64_t)(uintptr_t)boot_stack_top - BOOT_STACK_SIZE) {
		p->stack_hi = (uint64_t)(uintptr_t)boot_stack_top;
		p->stack_lo = p->stack_hi - BOOT_STACK_SIZE;
	}
}

void smp_init(void)
{
	const struct madt *m = acpi_madt();
	unsigned limit = cmdline_count("nr_cpus", NR_CPUS);
	unsigned up = cmdline_count("maxcpus", NR_CPUS), failed = 0;
	uint32_t bsp_id = 0;
	uint64_t t0;
	int err;

	boot_cpu_setup();
	smp_vectors_setup();
	if (!m || !apic_present() || limit <= 1) {
		pr_notice("smp: running alone on CPU 0, APIC id %u (%s): %s\n", per_cpu[0].apic_id,
			  per_cpu[0].bsp ? "the bootstrap processor" : "not the bootstrap processor",
			  limit <= 1 ? "nr_cpus=1" : !m ? "no MADT" : "no local APIC");
		goto done;
	}
	number_cpus(m, limit);
	if (!per_cpu[0].bsp) {
		bsp_id = find_bsp(m);
		pr_notice("smpboot: started on APIC id %u, which is not the bootstrap processor "
			  "(APIC id %u): INIT would restart that one in the firmware, so it stays "
			  "offline (Linux: disable_cpu_apicid=)\n", per_cpu[0].apic_id, bsp_id);
	}
	if (nr_cpu_ids > 1 && up > 1 && (err = trampoline_setup())) {
		pr_err("smpboot: error: no trampoline page below 1 MiB (%s); one CPU\n",
		       err_name(err));
		goto done;
	}
	t0 = ktime_ns();
	for (unsigned cpu = 1; cpu < nr_cpu_ids; cpu++) {
		struct percpu *p = &per_cpu[cpu];

		if (!per_cpu[0].bsp && p->apic_id == bsp_id)
			continue;			/* never INIT the BSP */
		if (cpu >= up)
			continue;			/* maxcpus=: listed, offline */
		err = boot_cpu(cpu);
		if (err) {
			failed++;
			pr_err("smpboot: error: CPU %u (APIC id %u) did not come up (%s); left out\n",
			       cpu, p->apic_id, err_name(err));
		} else {
			pr_debug("smpboot: CPU %u (APIC id %u) online\n", cpu, p->apic_id);
		}
	}
	if (nr_cpu_ids > 1)
		pr_info("smp: brought up %u CPU(s) in %llu ms; %u of %u online%s\n",
			num_online_cpus() - 1, (unsigned long long)((ktime_ns() - t0) / 1000000),
			num_online_cpus(), nr_cpu_ids, failed ? " (see the errors above)" : "");
	else
		pr_notice("smp: running alone on CPU 0, APIC id %u (%s): the MADT lists no other "
			  "CPU\n", per_cpu[0].apic_id, per_cpu[0].bsp ? "the bootstrap processor"
								: "not the bootstrap processor");
done:
	per_cpu[0].doing = "shell";
}

CMDLINE_KEY(nr_cpus, "nr_cpus=N", "use at most N CPUs, this one included (Linux's)",
	    cmdline_check_int);
CMDLINE_KEY(maxcpus, "maxcpus=N", "bring up at most N CPUs at boot; the others stay offline",
	    cmdline_check_int);
CMDLINE_KEY(disable_cpu_apicid, "disable_cpu_apicid=ID",
	    "the bootstrap processor's APIC id, never sent INIT by a kernel started elsewhere",
	    cmdline_check_int);
