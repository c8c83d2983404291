/*
 * CMOS RTC reading: registers 0x00-0x09 through ports 0x70/0x71, BCD or
 * binary and 12- or 24-hour as status register B says, read twice until
 * two reads agree so an update in between cannot tear the value.  Safe in
 * the panic path: port I/O only.  Linux: mc146818_get_time().
 */
#include "drivers/rtc.h"
#include "lib/cpu.h"
#include "lib/printk.h"
#include "lib/shell.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define REG_STATUS_A 0x0a
#define REG_STATUS_B 0x0b
#define STATUS_A_UPDATING 0x80
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04

struct rtc_time {
	unsigned sec, min, hour, day, month, year;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);	/* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

static void read_raw(struct rtc_time *t)
{
	for (int spin = 0; spin < 100000 && (cmos_read(REG_STATUS_A) & STATUS_A_UPDATING); spin++)
		cpu_relax();
	t->sec = cmos_read(0x00);
	t->min = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->month = cmos_read(0x08);
	t->year = cmos_read(0x09);
}

static unsigned bcd(unsigned v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

int64_t rtc_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	/* Shift the year to start in March so February's length comes last. */
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

uint64_t rtc_read_epoch(void)
{
	struct rtc_time a, b;
	uint8_t status;
	bool pm;

	do {
		read_raw(&a);
		read_raw(&b);
	} while (a.sec != b.sec || a.min != b.min || a.hour != b.hour || a.day != b.day ||
		 a.month != b.month || a.year != b.year);
	status = cmos_read(REG_STATUS_B);
	pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(status & STATUS_B_BINARY)) {
		a.sec = bcd(a.sec), a.min = bcd(a.min), a.hour = bcd(a.hour);
		a.day = bcd(a.day), a.month = bcd(a.month), a.year = bcd(a.year);
	}
	if (!(status & STATUS_B_24H))
		a.hour = a.hour % 12 + (pm ? 12 : 0);
	/* No century register in use: 00-69 is 2000-2069, 70-99 is 1970-1999. */
	int64_t year = a.year + (a.year < 70 ? 2000 : 1900);

	return (uint64_t)(rtc_days_from_civil(year, a.month, a.day) * 86400 +
			  a.hour * 3600 + a.min * 60 + a.sec);
}

static int cmd_date(int argc, char **argv)
{
	uint64_t t = rtc_read_epoch();
	uint64_t days = t / 86400, rem = t % 86400;

	if (argc != 1)
		return shell_usage();
	/* Civil date back from days (inverse of rtc_days_from_civil). */
	int64_t z = (int64_t)days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	console_printf("%04lld-%02lld-%02lld %02llu:%02llu:%02llu UTC (%llu s since 1970)\n",
		       (long long)y, (long long)m, (long long)d, (unsigned long long)(rem / 3600),
		       (unsigned long long)(rem / 60 % 60), (unsigned long long)(rem % 60),
		       (unsigned long long)t);
	return 0;
}

SHELL_COMMAND(date, "", "wall-clock time from the CMOS real-time clock", cmd_date);
