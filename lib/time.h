/*
 * Time since boot.  The clock is the TSC, calibrated against the PIT by
 * drivers/tsc.c; before calibration ktime_ns() returns 0.  Linux:
 * ktime_get_ns() (include/linux/timekeeping.h), udelay (asm/delay.h).
 */
#ifndef LIB_TIME_H
#define LIB_TIME_H

#include "lib/types.h"

/* Record the TSC as "time zero"; the first thing kmain does.  (If it is
 * never called, timer_setup marks the start instead.) */
void time_mark_boot(void);

/* Nanoseconds since the kernel started: 0 until timer_setup has
 * calibrated the TSC (timer ticks instead if calibration failed). */
uint64_t ktime_ns(void);

/* Busy-wait for at least us microseconds (works before interrupts). */
void udelay(uint64_t us);

#endif
