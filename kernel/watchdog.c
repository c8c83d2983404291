/*
 * The soft lockup detector.  Without a scheduler, "progress" means coming
 * back to an idle wait or writing to the console; each stamps the CPU's
 * own tick count.  Every CPU's local tick (kernel/tick.c) compares: a CPU
 * that spins with interrupts on for SOFTLOCKUP_THRESH_S seconds of its
 * own ticks is stuck, and the tick panics with the interrupted frame, so
 * the report, the backtrace and the crash note show the looping function
 * itself.  Time is counted in the CPU's own ticks, not the TSC: a vCPU the
 * host did not run has no ticks to count, and is not called stuck.  A loop
 * with interrupts off takes no ticks at all: the buddy detector
 * (kernel/watchdog_buddy.c) catches that.  Linux: kernel/watchdog.c
 * (watchdog_timer_fn, is_softlockup).
 */
#include "lib/watchdog.h"
#include "drivers/timer.h"
#include "kernel/percpu.h"
#include "kernel/watchdog.h"
#include "lib/cmdline.h"
#include "lib/panic.h"
#include "lib/printk.h"

/* Off until softlockup_setup, and after the first report (one is enough). */
static volatile bool softlockup_enabled;

void touch_softlockup_watchdog(void)
{
	struct percpu *p = this_cpu();

	p->touch_ts = p->ticks;
}

void softlockup_check(struct trap_frame *tf)
{
	struct percpu *p = this_cpu();
	uint64_t stuck;

	if (!softlockup_enabled)
		return;
	stuck = p->ticks - p->touch_ts;
	if (stuck < (uint64_t)SOFTLOCKUP_THRESH_S * TIMER_HZ)
		return;
	softlockup_enabled = false;
	pr_emerg("watchdog: BUG: soft lockup - CPU#%u stuck for %llus!\n", p->cpu,
		 (unsigned long long)(stuck / TIMER_HZ));
	panic_with_frame(tf, "softlockup: hung tasks");
}

void softlockup_setup(void)
{
	if (cmdline_get(&kernel_cmdline, "nosoftlockup")) {
		pr_info("watchdog: soft lockup detector off (nosoftlockup)\n");
		return;
	}
	touch_softlockup_watchdog();
	softlockup_enabled = true;
	pr_info("watchdog: soft lockup detector on: a CPU stuck for %u s is a lockup\n",
		SOFTLOCKUP_THRESH_S);
}

CMDLINE_KEY(nosoftlockup, "nosoftlockup", "turn off the soft lockup detector (kernel/watchdog.c)",
	    cmdline_check_flag);
