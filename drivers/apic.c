/*
 * The local APIC (drivers/apic.h): finding and enabling it, its registers
 * in either mode, end of interrupt, IPIs, its timer.  A kernel started by
 * kexec or kdump inherits the local APIC as the last kernel left it, so
 * setup first cleans up: a running timer is stopped, vectors left in
 * service are acknowledged (or every vector at or below them would stay
 * blocked), pending ones are named; each with a log line.  Linux:
 * arch/x86/kernel/apic/apic.c (setup_local_APIC, apic_pending_intr_clear,
 * calibrate_APIC_clock, lapic_shutdown), x2apic_phys.c (x2apic_send_IPI).
 */
#include "drivers/apic.h"
#include "drivers/irq_vectors.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/time.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/paging.h"

#define ICR_WAIT_US 100000		/* an xAPIC accepts an IPI within microseconds */

bool apic_x2apic;
volatile uint32_t *apic_mmio;
static bool present;
static paddr_t apic_base_pa;
static uint64_t timer_rate;		/* counts per second at divide-by-16 */

bool apic_present(void)
{
	return present;
}

static unsigned x2apic_msr(unsigned reg)
{
	return X2APIC_MSR_BASE + reg / 16;
}

uint32_t apic_read(unsigned reg)
{
	if (apic_x2apic)
		return (uint32_t)rdmsr(x2apic_msr(reg));
	return apic_mmio ? apic_mmio[reg / 4] : 0;
}

void apic_write(unsigned reg, uint32_t v)
{
	if (apic_x2apic)
		wrmsr(x2apic_msr(reg), v);
	else if (apic_mmio)
		apic_mmio[reg / 4] = v;
}

uint32_t apic_read_id(void)
{
	uint32_t a, b, c, d;

	if (apic_x2apic)
		return apic_read(APIC_REG_ID);		/* all 32 bits */
	if (apic_mmio)
		return apic_read(APIC_REG_ID) >> 24;	/* xAPIC: bits 31:24 */
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;					/* the initial APIC id */
}

void apic_eoi(void)
{
	apic_write(APIC_REG_EOI, 0);
}

bool apic_in_service(unsigned vector)
{
	if (!present || vector > 255)
		return false;
	return (apic_read(APIC_REG_ISR + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

int apic_send_ipi(uint32_t dest, uint32_t icr)
{
	if (!present)
		return -E_NOTSUP;
	if (apic_x2apic) {		/* one MSR write sends it; no busy bit */
		wrmsr(x2apic_msr(APIC_REG_ICR_LOW), ((uint64_t)dest << 32) | icr);
		return 0;
	}
	apic_write(APIC_REG_ICR_HIGH, dest << 24);
	apic_write(APIC_REG_ICR_LOW, icr);
	for (unsigned us = 0; apic_read(APIC_REG_ICR_LOW) & APIC_ICR_BUSY; us++) {
		if (us == ICR_WAIT_US)
			return -E_IO;
		udelay(1);
	}
	return 0;
}

/* Vectors set in the 256-bit register array at base (ISR, IRR), into
 * out[0..max); returns how many are set. */
static unsigned collect_vectors(unsigned base, uint8_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned v = 0; v < 256; v++)
		if ((apic_read(base + (v / 32) * 0x10) >> (v % 32)) & 1) {
			if (n < max)
				out[n] = (uint8_t)v;
			n++;
		}
	return n;
}

static void log_vectors(bool warn, const char *what, const uint8_t *v, unsigned n,
			unsigned shown, const char *then)
{
	char list[8 * 6 + 8];
	unsigned len = 0;

	for (unsigned i = 0; i < n && i < shown; i++)
		len += (unsigned)ksnprintf(list + len, sizeof(list) - len, " 0x%02x", v[i]);
	if (warn)
		pr_warn("apic: APIC id %u: vectors %s by an earlier kernel:%s%s; %s\n",
			apic_read_id(), what, list, n > shown ? " ..." : "", then);
	else
		pr_info("apic: APIC id %u: vectors %s by an earlier kernel:%s%s; %s\n",
			apic_read_id(), what, list, n > shown ? " ..." : "", then);
}

/*
 * What the last kernel left: a running timer is stopped, vectors in
 * service are acknowledged (Linux: apic_pending_intr_clear), pending ones
 * are named (they arrive, and are reported, once interrupts are on).
 */
static void clean_up_leftovers(void)
{
	uint32_t lvt = apic_read(APIC_REG_LVT_TIMER), count = apic_read(APIC_REG_TIMER_INITIAL);
	uint8_t v[8];
	unsigned n;

	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_REG_TIMER_INITIAL, 0);
	if (!(lvt & APIC_LVT_MASKED) && count)
		pr_warn("apic: APIC id %u: the local APIC timer was left running by an earlier "
			"kernel (vector 0x%02x, %s, initial count %u): stopped\n", apic_read_id(),
			lvt & APIC_VECTOR_MASK, lvt & APIC_TIMER_PERIODIC ? "periodic" : "one-shot",
			count);
	n = collect_vectors(APIC_REG_ISR, v, ARRAY_SIZE(v));
	if (n) {
		log_vectors(true, "left in service", v, n, ARRAY_SIZE(v),
			    "acknowledged");
		for (unsigned i = 0; i < 256 && collect_vectors(APIC_REG_ISR, v, 1); i++)
			apic_eoi();	/* each EOI retires the highest one */
	}
	n = collect_vectors(APIC_REG_IRR, v, ARRAY_SIZE(v));
	if (n)
		log_vectors(false, "left pending", v, n, ARRAY_SIZE(v),
			    "each arrives when interrupts are on");
}

/*
 * Program the calling CPU's local APIC.  LINT0 carries the 8259 PIC's
 * requests (ExtINT, "virtual wire") and LINT1 the NMI line on the boot
 * CPU only (Linux does the same: only the BSP sees LINT1's NMI).
 */
static void program_lvts(bool boot_cpu)
{
	apic_write(APIC_REG_TPR, 0);				/* accept every priority */
	apic_write(APIC_REG_LVT_THERMAL, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_PERF, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_LINT0, APIC_DM_EXTINT | (boot_cpu ? 0 : APIC_LVT_MASKED));
	apic_write(APIC_REG_LVT_LINT1, APIC_DM_NMI | (boot_cpu ? 0 : APIC_LVT_MASKED));
	apic_write(APIC_REG_LVT_ERROR, ERROR_APIC_VECTOR);
	apic_write(APIC_REG_ESR, 0);		/* the ESR latches on a write: twice clears it */
	apic_write(APIC_REG_ESR, 0);
}

/* Enable the local APIC in the mode wanted; false if it cannot be reached. */
static bool enable_mode(bool want_x2apic)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if ((base & APIC_BASE_EXTD) && !want_x2apic) {
		/* x2APIC -> xAPIC only through "disabled" (SDM vol. 3, 11.12.5). */
		wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_EXTD | APIC_BASE_ENABLE));
		base &= ~(APIC_BASE_EXTD | APIC_BASE_ENABLE);
		pr_notice("apic: x2APIC mode, left on by an earlier kernel, turned off (nox2apic)\n");
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_ENABLE);
	if (want_x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EXTD);
	apic_x2apic = base & APIC_BASE_EXTD;
	apic_base_pa = base & APIC_BASE_MASK;
	if (!apic_x2apic && !apic_mmio)
		apic_mmio = ioremap(apic_base_pa, PAGE_SIZE);
	return apic_x2apic || apic_mmio;
}

void apic_error_interrupt(void)
{
	uint32_t esr;

	apic_write(APIC_REG_ESR, 0);		/* latch the errors, then read them */
	esr = apic_read(APIC_REG_ESR);
	pr_err("apic: error: APIC id %u reports ESR 0x%x (E_IO)\n", apic_read_id(), esr);
}

void apic_setup(void)
{
	uint32_t a, b, c, d;
	bool want_x2apic;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC)) {
		pr_warn("apic: no local APIC (CPUID): interrupts stay with the 8259 PIC\n");
		return;
	}
	want_x2apic = (c & CPUID_1_ECX_X2APIC) && !cmdline_get(&kernel_cmdline, "nox2apic");
	if (!enable_mode(want_x2apic)) {
		pr_err("apic: error: cannot map the local APIC at 0x%llx (E_NOMEM)\n",
		       (unsigned long long)apic_base_pa);
		return;
	}
	present = true;
	/* Software-enable first: EOIs and the spurious vector need it. */
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
	clean_up_leftovers();
	program_lvts(true);
	pr_info("apic: local APIC id %u, %s, version 0x%02x, %u LVT entries, spurious vector "
		"0x%02x\n", apic_read_id(), apic_x2apic ? "x2APIC mode" : "xAPIC mode",
		apic_read(APIC_REG_VERSION) & 0xff, ((apic_read(APIC_REG_VERSION) >> 16) & 0xff) + 1,
		SPURIOUS_APIC_VECTOR);
}

void apic_setup_ap(void)
{
	if (!present || !enable_mode(apic_x2apic))	/* every CPU in the boot CPU's mode */
		return;
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
	clean_up_leftovers();
	program_lvts(false);
}

bool apic_is_bsp(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP;
}

uint64_t apic_timer_rate(void)
{
	uint64_t left;

	if (timer_rate || !present)
		return timer_rate;
	/* Count down from the top for 10 ms of TSC time, masked. */
	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_REG_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
	apic_write(APIC_REG_TIMER_INITIAL, 0xffffffffu);
	udelay(10000);
	left = apic_read(APIC_REG_TIMER_CURRENT);
	apic_write(APIC_REG_TIMER_INITIAL, 0);
	timer_rate = (0xffffffffULL - left) * 100;
	pr_debug("apic: local APIC timer: %llu counts per second at divide-by-16\n",
		 (unsigned long long)timer_rate);
	return timer_rate;
}

int apic_timer_start(unsigned vector, unsigned hz)
{
	uint64_t rate = apic_timer_rate();

	if (!rate)
		return -E_NOTSUP;
	if (hz == 0 || hz > rate || rate / hz > 0xffffffffULL)
		return -E_RANGE;
	apic_write(APIC_REG_TIMER_DIVIDE, APIC_TIMER_DIVIDE_16);
	apic_write(APIC_REG_LVT_TIMER, APIC_TIMER_PERIODIC | (vector & APIC_VECTOR_MASK));
	apic_write(APIC_REG_TIMER_INITIAL, (uint32_t)(rate / hz));
	return 0;
}

void apic_eoi_all(void)
{
	uint8_t v;

	for (unsigned i = 0; i < 256 && collect_vectors(APIC_REG_ISR, &v, 1); i++)
		apic_eoi();
}

void apic_timer_stop(void)
{
	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_REG_TIMER_INITIAL, 0);
}

CMDLINE_KEY(nox2apic, "nox2apic", "use the local APIC in xAPIC mode even if x2APIC is there",
	    cmdline_check_flag);
