/*
 * The TSC as the kernel's clock.  The TSC is read in one instruction but
 * its rate is unknown; PIT channel 2 counts at a known 1.193182 MHz but is
 * slow to read.  Calibration reads the PIT's count at the start and end of
 * a ~10 ms window, each read bracketed by two TSC reads, so the error is
 * only the time a read takes, even if the CPU is taken away in between.
 * tsc_early_khz= skips the measurement (a capture kernel gets the rate
 * the crashed kernel measured on the same CPU, and boots 5 windows sooner).
 * Linux: arch/x86/kernel/tsc.c (quick_pit_calibrate, native_sched_clock,
 * tsc_early_khz).
 */
#include "drivers/timer.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/time.h"

#define PIT_HZ 1193182ULL	/* the 8254's input clock */
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_ONESHOT 0xb0	/* channel 2, lo/hi byte, mode 0 (count down once) */
#define PIT_CH2_LATCH 0x80	/* channel 2, latch the count for reading */
#define PORT_B 0x61		/* system control port B */
#define PORT_B_GATE2 0x01	/* channel 2 counts while this is set */
#define PORT_B_SPEAKER 0x02	/* channel 2 output to the speaker */
#define PORT_B_OUT2 0x20	/* channel 2 output: rises when the count hits 0 */

#define WINDOW_PIT (PIT_HZ / 100)	/* 10 ms of PIT clocks per window */
#define CALIBRATE_RUNS 5	/* clean windows wanted (median taken) */
#define CALIBRATE_TRIES 20	/* windows tried at most */
#define MULT_SHIFT 32		/* ns = delta * ns_mult >> MULT_SHIFT */

static uint64_t boot_tsc;	/* TSC when the kernel started */
static uint64_t khz;		/* 0 until calibrated */
static uint64_t ns_mult;	/* (10^6 << MULT_SHIFT) / khz */

/* Record the TSC at kernel entry: ktime_ns() counts from here. */
void time_mark_boot(void)
{
	boot_tsc = rdtsc();
}

/* Start channel 2 counting down from count (mode 0: OUT2 low until 0). */
static void pit2_start(uint16_t count)
{
	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_MODE, PIT_CH2_ONESHOT);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));	/* counting starts here */
}

/* One reading of channel 2's count, taken between TSC values tsc and tsc + error. */
struct pit_sample {
	uint16_t count;
	uint64_t tsc, error;
};

static struct pit_sample pit2_sample(void)
{
	struct pit_sample s;
	uint8_t lo;

	s.tsc = rdtsc();
	outb(PIT_MODE, PIT_CH2_LATCH);
	lo = inb(PIT_CH2);
	s.count = (uint16_t)(lo | inb(PIT_CH2) << 8);
	s.error = rdtsc() - s.tsc;
	return s;
}

/*
 * One calibration window: read the count, wait until WINDOW_PIT clocks
 * have passed, read again.  Sets *rate_khz and *ppm, the window's relative
 * error in parts per million.  Returns 0, -E_RANGE if the count ran out
 * (the CPU was away for ~55 ms: try again), -E_IO if the PIT does not count.
 */
static int calibration_window(uint64_t *rate_khz, uint64_t *ppm)
{
	struct pit_sample a, b;
	uint64_t pit, cycles;
	unsigned spins = 0;

	pit2_start(0xffff);
	a = pit2_sample();
	do {
		b = pit2_sample();
		/* OUT2 still low after b was latched: no wrap-around before b */
		if (inb(PORT_B) & PORT_B_OUT2)
			return -E_RANGE;
		if (++spins > (1u << 20))
			return -E_IO;
		pit = (uint16_t)(a.count - b.count);
	} while (pit < WINDOW_PIT);
	cycles = b.tsc - a.tsc;
	if (!cycles)
		return -E_IO;		/* the TSC does not count */
	*ppm = (a.error + b.error) * 1000000 / cycles;
	*rate_khz = cycles * PIT_HZ / pit / 1000;
	return 0;
}

/* True if CPUID says the TSC rate is constant through P- and C-states. */
static bool tsc_invariant(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	return d & (1u << 8);
}

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/*
 * Measure the TSC rate: the median of CALIBRATE_RUNS windows whose error
 * is below 0.1% (a window is disturbed when an SMI, the host or the
 * emulator takes the CPU away during one of its two PIT reads).  Up to
 * CALIBRATE_TRIES windows are tried; if none was clean, the least
 * disturbed one is used, with a warning.  Interrupts are off meanwhile.
 * Sets and returns the rate in kHz; 0 (logged) if the PIT does not count
 * or the TSC is absurdly slow.
 */
/* The rate tsc_early_khz= gives (1 MHz or more), or 0: measure it. */
static uint64_t given_khz(void)
{
	long long v;

	if (cmdline_get_int(&kernel_cmdline, "tsc_early_khz", &v) || v < 1000)
		return 0;
	pr_info("timer: TSC rate %lld kHz from tsc_early_khz=, not measured\n", v);
	return (uint64_t)v;
}

uint64_t tsc_calibrate(void)
{
	uint64_t good[CALIBRATE_RUNS], best = 0, best_ppm = ~0ULL, rate = given_khz(), ppm = 0;
	uint64_t flags;
	unsigned ngood = 0;
	int err = 0;

	if (!boot_tsc)
		time_mark_boot();	/* kmain did not mark the start */
	if (rate)
		goto set;
	flags = irq_save();
	for (int i = 0; i < CALIBRATE_TRIES && ngood < CALIBRATE_RUNS; i++) {
		err = calibration_window(&rate, &ppm);
		if (err == -E_IO)
			break;
		if (err)
			continue;
		if (ppm < 1000)
			good[ngood++] = rate;
		if (ppm < best_ppm) {
			best = rate;
			best_ppm = ppm;
		}
		pr_debug("timer: window %d: TSC %llu kHz +- %llu ppm\n", i,
			 (unsigned long long)rate, (unsigned long long)ppm);
	}
	irq_restore(flags);
	if (!best) {
		pr_err("timer: error: no calibration window worked; PIT channel 2 %s (%s)\n",
		       err == -E_IO ? "does not count" : "keeps running out", err_name(err));
		return 0;
	}
	if (ngood) {
		sort_u64(good, ngood);
		rate = good[ngood / 2];
	} else {
		rate = best;
		pr_warn("timer: every calibration window was disturbed; TSC rate uncertain by %llu ppm\n",
			(unsigned long long)best_ppm);
	}
	if (rate < 1000) {
		pr_err("timer: error: TSC runs at %llu kHz, below 1 MHz (E_RANGE)\n",
		       (unsigned long long)rate);
		return 0;
	}
	pr_debug("timer: TSC %s invariant by CPUID (emulators often do not say)\n",
		 tsc_invariant() ? "is" : "is not reported");
set:
	khz = rate;
	ns_mult = (1000000ULL << MULT_SHIFT) / khz;
	return khz;
}

uint64_t tsc_khz(void)
{
	return khz;
}

/*
 * Nanoseconds since time_mark_boot.  The 128-bit product cannot overflow
 * (a 64-bit TSC delta times ns_mult, below 2^42 for any TSC above 1 MHz),
 * so this holds for the TSC's whole range; it is monotonic because the TSC
 * is (one CPU).  Without a calibrated TSC it counts timer ticks instead.
 */
uint64_t ktime_ns(void)
{
	uint64_t now;

	if (!khz)
		return timer_ticks() * (1000000000ULL / TIMER_HZ);
	now = rdtsc();
	if (now < boot_tsc)
		return 0;
	return (uint64_t)(((unsigned __int128)(now - boot_tsc) * ns_mult) >> MULT_SHIFT);
}

/*
 * Busy-wait at least us microseconds; needs no interrupts.  Calibrated:
 * spin on the TSC.  Before calibration (or without a TSC): count the time
 * down on PIT channel 2, in slices of at most 50 ms.
 */
void udelay(uint64_t us)
{
	if (khz) {
		uint64_t start = rdtsc();
		/* us * khz / 1000 without a 128-bit division (no libgcc) */
		uint64_t cycles = us * (khz / 1000) + us * (khz % 1000) / 1000;

		while (rdtsc() - start < cycles)
			cpu_relax();
		return;
	}
	while (us) {
		uint64_t slice = MIN(us, 50000ULL);
		uint64_t spins = 0;

		pit2_start((uint16_t)((slice * PIT_HZ + 999999) / 1000000));
		while (!(inb(PORT_B) & PORT_B_OUT2) && ++spins < (1ULL << 26))
			cpu_relax();
		us -= slice;
	}
}

/* Checked at boot (a bad value is reported then); read by tsc_calibrate. */
CMDLINE_KEY(tsc_early_khz, "tsc_early_khz=KHZ",
	    "take the TSC rate as given instead of measuring it (kexec -p passes the crashed "
	    "kernel's to the capture kernel)", cmdline_check_int);
