/*
 * The lockup detectors' side that the tick calls (kernel/tick.c); the
 * side every layer calls (touch_softlockup_watchdog) is lib/watchdog.h.
 * Linux: kernel/watchdog.c, kernel/watchdog_buddy.c.
 */
#ifndef KERNEL_WATCHDOG_H
#define KERNEL_WATCHDOG_H

#include "lib/types.h"

/* Seconds of a CPU's own ticks its buddy may take none before the NMI
 * check (Linux: watchdog_thresh, 10 s). */
#define HARDLOCKUP_THRESH_S 5

struct trap_frame;

/* From each CPU's tick: has this CPU made no progress for
 * SOFTLOCKUP_THRESH_S of its own ticks?  Then report and panic with tf. */
void softlockup_check(struct trap_frame *tf);

/* From each CPU's tick, once a second of its own: look at the next online
 * CPU's tick count (the buddy detector, kernel/watchdog_buddy.c). */
void hardlockup_check(void);

/* Arm the buddy detector once every CPU takes interrupts (kmain, after
 * irq_enable); "nowatchdog" leaves it off. */
void hardlockup_setup(void);

#endif
