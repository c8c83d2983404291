/*
 * The soft lockup detector: the timer tick notices a CPU that has stayed
 * in kernel code for SOFTLOCKUP_THRESH_S seconds without reaching a point
 * where it waits or shows progress, and panics with the registers of the
 * code it interrupted.  Linux: kernel/watchdog.c (watchdog_timer_fn,
 * touch_softlockup_watchdog, softlockup_panic).
 */
#ifndef LIB_WATCHDOG_H
#define LIB_WATCHDOG_H

#include "lib/types.h"

/* Seconds without a touch before the tick calls it a lockup. */
#define SOFTLOCKUP_THRESH_S 5

/*
 * Arm the detector, after timer_setup: from then on every CPU's local
 * tick (kernel/tick.c) checks that CPU.  Unless the command line says
 * "nosoftlockup" (Linux's switch of the same name).
 */
void softlockup_setup(void);

/*
 * "This CPU is making progress": called by the shell's idle wait
 * (console_getc) and by console output; a loop that may run for seconds
 * calls it too (Linux: touch_softlockup_watchdog, cond_resched).
 * Safe from any context, with interrupts on or off.
 */
void touch_softlockup_watchdog(void);


#endif
