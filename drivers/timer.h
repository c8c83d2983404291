/*
 * Time: the PIT (8254) as a 100 Hz tick on IRQ 0 and as the reference to
 * calibrate the TSC, which then gives nanosecond timestamps.  Linux:
 * arch/x86/kernel/tsc.c (pit_calibrate_tsc) and i8253.c.
 */
#ifndef DRIVERS_TIMER_H
#define DRIVERS_TIMER_H

#include "kernel/types.h"

#define TIMER_HZ 100

void timer_setup(void);		/* calibrate, start the tick */
uint64_t timer_ticks(void);	/* ticks since timer_setup */
uint64_t tsc_khz(void);		/* calibrated TSC frequency */
void timer_stop(void);		/* mask the tick (quiesce) */

#endif
