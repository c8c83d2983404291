/*
 * The local tick: each CPU's own local APIC timer, periodic at TIMER_HZ on
 * LOCAL_TIMER_VECTOR, counts that CPU's timer interrupts (struct percpu
 * ticks) and runs the lockup detectors, which measure time in these
 * ticks: a CPU's own ticks are the time it has been given to run, even on
 * a host that starves it (its TSC keeps running with the host's clock,
 * its ticks do not).  The PIT's global tick (drivers/timer.c) goes on for
 * uptime.  Without a local APIC timer the PIT's tick drives CPU 0's count.
 * Linux: local_apic_timer_interrupt, tick_sched_timer, watchdog_timer_fn.
 */
#include "drivers/apic.h"
#include "drivers/irq.h"
#include "drivers/timer.h"
#include "kernel/percpu.h"
#include "kernel/tick.h"
#include "kernel/watchdog.h"
#include "lib/printk.h"

static bool local_timers;

static void tick(struct trap_frame *tf)
{
	this_cpu()->ticks++;
	softlockup_check(tf);
	hardlockup_check();
}

static void local_timer_interrupt(unsigned vector, struct trap_frame *tf)
{
	tick(tf);
}

static void pit_tick(struct trap_frame *tf, uint64_t ticks)
{
	tick(tf);
}

void tick_setup(void)
{
	if (!apic_present() || !apic_timer_rate()) {
		timer_set_tick_hook(pit_tick);
		pr_info("tick: no local APIC timer: CPU 0 counts the PIT's ticks\n");
		return;
	}
	irq_register_vector(LOCAL_TIMER_VECTOR, local_timer_interrupt);
	local_timers = true;
	tick_start_this_cpu();
	pr_info("tick: local APIC timer on every CPU, %u Hz on vector 0x%02x (%llu counts a tick)\n",
		TIMER_HZ, LOCAL_TIMER_VECTOR, (unsigned long long)(apic_timer_rate() / TIMER_HZ));
}

void tick_start_this_cpu(void)
{
	if (local_timers)
		apic_timer_start(LOCAL_TIMER_VECTOR, TIMER_HZ);
}
