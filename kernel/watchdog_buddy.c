/*
 * The hard lockup detector, buddy kind: with no performance-counter NMI
 * (QEMU under TCG has none), each CPU watches the next online CPU's timer
 * interrupt count from its own tick, once a second of its own time.  A
 * buddy that took no timer interrupt for HARDLOCKUP_THRESH_S of the
 * watcher's seconds is asked, by NMI, where it is: interrupts off there
 * is a hard lockup (its registers and trace are printed, then the watcher
 * panics and the shootdown saves the stuck CPU's own loop in the dump);
 * interrupts on means its ticks were late, not blocked (a vCPU the host
 * did not run), and the watch starts over; no answer for as long again
 * means NMIs are blocked there too, and that is a lockup as well.  Time is
 * the watcher's own ticks, so a watcher the host starves also waits
 * longer, never shorter.  Linux: kernel/watchdog_buddy.c
 * (watchdog_buddy_check_hardlockup), kernel/watchdog.c
 * (watchdog_hardlockup_check, "Watchdog detected hard LOCKUP on cpu N").
 */
#include "drivers/timer.h"
#include "kernel/smp.h"
#include "kernel/watchdog.h"
#include "lib/cmdline.h"
#include "lib/panic.h"
#include "lib/printk.h"

static volatile bool enabled;
static volatile uint32_t late_reported;	/* CPUs already reported late, once each */

/* The next online CPU after cpu, wrapping, or -1 if it is alone. */
static int next_online(unsigned cpu)
{
	for (unsigned i = 1; i < nr_cpu_ids; i++) {
		unsigned next = (cpu + i) % nr_cpu_ids;

		if (cpu_online(next))
			return (int)next;
	}
	return -1;
}

static void restart(struct percpu *me, int buddy)
{
	me->hard_buddy = buddy;
	me->hard_saved = buddy >= 0 ? per_cpu[buddy].ticks : 0;
	me->hard_stalled = 0;
}

void hardlockup_check(void)
{
	struct percpu *me = this_cpu();
	int buddy, answer;

	if (!enabled || me->ticks % TIMER_HZ || panic_in_progress())
		return;
	buddy = next_online(me->cpu);
	if (buddy < 0 || buddy != me->hard_buddy || per_cpu[buddy].ticks != me->hard_saved) {
		restart(me, buddy);
		return;
	}
	if (++me->hard_stalled == HARDLOCKUP_THRESH_S) {
		smp_nmi_backtrace_request((unsigned)buddy);	/* where are you? */
		return;
	}
	if (me->hard_stalled < HARDLOCKUP_THRESH_S)
		return;
	answer = smp_nmi_backtrace_answer((unsigned)buddy);
	if (answer == NMI_BT_IRQS_ON) {
		if (!(__atomic_fetch_or(&late_reported, 1u << buddy, __ATOMIC_RELAXED) & (1u << buddy)))
			pr_warn("watchdog: CPU#%d took no timer interrupt for %llu s of CPU#%u's, yet "
				"runs with interrupts on: its ticks are late or stopped, it is not "
				"locked (reported once)\n", buddy,
				(unsigned long long)me->hard_stalled, me->cpu);
		restart(me, buddy);
		return;
	}
	if (answer == NMI_BT_NONE && me->hard_stalled < 2 * HARDLOCKUP_THRESH_S)
		return;
	pr_emerg("watchdog: Watchdog detected hard LOCKUP on cpu %d (no timer interrupt for "
		 "%llu s of CPU#%u's; %s)\n", buddy, (unsigned long long)me->hard_stalled, me->cpu,
		 answer == NMI_BT_IRQS_OFF ? "spinning with interrupts off"
					   : "no answer to an NMI either");
	panic("Hard LOCKUP");
}

void hardlockup_setup(void)
{
	if (cmdline_get(&kernel_cmdline, "nowatchdog")) {
		pr_info("watchdog: hard lockup detector off (nowatchdog)\n");
		return;
	}
	if (num_online_cpus() < 2) {
		pr_info("watchdog: hard lockup detector off: one CPU online, no buddy to watch it\n");
		return;
	}
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		per_cpu[cpu].hard_buddy = -1;
	enabled = true;
	pr_info("watchdog: hard lockup detector on (buddy): a CPU taking no timer interrupt for "
		"%u s with interrupts off is a lockup\n", HARDLOCKUP_THRESH_S);
}

CMDLINE_KEY(nowatchdog, "nowatchdog", "turn off the hard lockup detector (kernel/watchdog_buddy.c)",
	    cmdline_check_flag);
