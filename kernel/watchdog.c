/*
 * The soft lockup detector.  Without a scheduler, "progress" means coming
 * back to the shell's idle wait or writing to the console; each stamps the
 * current tick count.  The 100 Hz timer interrupt compares: a CPU that
 * spins with interrupts on for SOFTLOCKUP_THRESH_S seconds is stuck, and
 * the tick panics with the interrupted frame, so the report, the backtrace
 * and the crash note show the looping function itself.  (A loop with
 * interrupts off is invisible to it: that needs an NMI watchdog.)
 * Linux: kernel/watchdog.c (watchdog_timer_fn, is_softlockup).
 */
#include "lib/watchdog.h"
#include "drivers/timer.h"
#include "kernel/percpu.h"
#include "kernel/traps.h"
#include "lib/cmdline.h"
#include "lib/panic.h"
#include "lib/printk.h"

/* Tick of each CPU's last touch (Linux: watchdog_touch_ts). */
static volatile uint64_t touch_ts[NR_CPUS];
/* Off until softlockup_setup, and after the first report (one is enough). */
static volatile bool softlockup_enabled;

void touch_softlockup_watchdog(void)
{
	unsigned cpu = smp_processor_id();

	if (cpu < NR_CPUS)
		touch_ts[cpu] = timer_ticks();
}

/*
 * The timer's tick hook: if the interrupted CPU has not touched the
 * watchdog for SOFTLOCKUP_THRESH_S seconds, print "watchdog: BUG: soft
 * lockup - CPU#N stuck for Ns!" and panic with tf, the interrupted frame.
 * Returns otherwise.  Linux: watchdog_timer_fn.
 */
static void softlockup_tick(struct trap_frame *tf, uint64_t ticks)
{
	unsigned cpu = smp_processor_id();
	uint64_t stuck;

	if (!softlockup_enabled || cpu >= NR_CPUS)
		return;
	stuck = ticks - touch_ts[cpu];
	if (stuck < (uint64_t)SOFTLOCKUP_THRESH_S * TIMER_HZ)
		return;
	softlockup_enabled = false;
	pr_emerg("watchdog: BUG: soft lockup - CPU#%u stuck for %llus!\n", cpu,
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
	timer_set_tick_hook(softlockup_tick);
	pr_info("watchdog: soft lockup detector on: a CPU stuck for %u s is a lockup\n",
		SOFTLOCKUP_THRESH_S);
}

CMDLINE_KEY(nosoftlockup, "nosoftlockup", "turn off the soft lockup detector (kernel/watchdog.c)",
	    cmdline_check_flag);
