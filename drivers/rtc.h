/*
 * The CMOS real-time clock (MC146818): wall-clock time for VMCOREINFO's
 * CRASHTIME and the `date` command.  Linux: arch/x86/kernel/rtc.c
 * (mach_get_cmos_time).
 */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include "lib/types.h"

/* Seconds since 1970-01-01 00:00:00 UTC (QEMU's RTC runs in UTC). */
uint64_t rtc_read_epoch(void);

/* Days since 1970-01-01 of a civil date (pure). */
int64_t rtc_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
