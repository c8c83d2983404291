/*
 * Time: the PIT (8254) as a 100 Hz tick on IRQ 0 and as the reference to
 * calibrate the TSC, which then gives nanosecond timestamps.  Linux:
 * arch/x86/kernel/tsc.c (quick_pit_calibrate) and i8253.c.
 */
#ifndef DRIVERS_TIMER_H
#define DRIVERS_TIMER_H

#include "lib/types.h"

#define TIMER_HZ 100

void timer_setup(void);		/* calibrate, start the tick */
uint64_t timer_ticks(void);	/* ticks since timer_setup */
uint64_t tsc_khz(void);		/* calibrated TSC frequency, 0 before */
void timer_stop(void);		/* mask the tick (quiesce) */

struct trap_frame;

/*
 * Run fn on every tick, from the timer interrupt, with the interrupted
 * frame and ticks since timer_setup (the soft lockup detector,
 * kernel/watchdog.c, registers itself here: Linux's watchdog runs from an
 * hrtimer callback the same way).  One hook; NULL removes it.
 */
typedef void (*timer_tick_fn)(struct trap_frame *tf, uint64_t ticks);
void timer_set_tick_hook(timer_tick_fn fn);

/* Calibrate the TSC against PIT channel 2 (drivers/tsc.c; timer_setup
 * calls it).  Returns the rate in kHz, or 0 if calibration failed (logged);
 * ktime_ns() then counts ticks instead. */
uint64_t tsc_calibrate(void);

#endif
