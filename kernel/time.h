/*
 * Time since boot.  The clock is the TSC, calibrated against the PIT by
 * drivers/timer.c; before calibration ktime_ns() returns 0.
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include "kernel/types.h"

/* Nanoseconds since the kernel started (0 before timer_init). */
uint64_t ktime_ns(void);

/* Busy-wait for at least us microseconds (works before interrupts). */
void udelay(uint64_t us);

#endif
