/*
 * The periodic tick: PIT (8254) channel 0 as a rate generator at TIMER_HZ
 * on IRQ 0, counting ticks.  timer_setup first has drivers/tsc.c
 * calibrate the TSC (on PIT channel 2), which then serves ktime_ns() and
 * udelay(); the tick is the coarse, interrupt-driven clock beside it.
 * Each tick also runs the registered tick hook: the soft lockup detector
 * (kernel/watchdog.c) registers itself there.
 * Linux: drivers/clocksource/i8253.c, arch/x86/kernel/time.c (timer_interrupt).
 */
#include "drivers/timer.h"
#include "drivers/irq.h"
#include "drivers/pic.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/time.h"

#define PIT_HZ 1193182ULL	/* the 8254's input clock */
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_CH0_RATE 0x34	/* channel 0, lo/hi byte, mode 2 (rate generator) */
#define PIT_CH0_ONESHOT 0x30	/* channel 0, lo/hi byte, mode 0 (one shot) */
#define TIMER_IRQ 0

static volatile uint64_t ticks;
static timer_tick_fn tick_hook;

void timer_set_tick_hook(timer_tick_fn fn)
{
	tick_hook = fn;
}

/* IRQ 0: count, then let the hook (the lockup detector) look at what we
 * interrupted. */
static void timer_tick(unsigned irq, struct trap_frame *tf)
{
	ticks++;
	if (tick_hook)
		tick_hook(tf, ticks);
}

/* Program channel 0 as a rate generator at TIMER_HZ. */
static void pit_start_tick(void)
{
	uint16_t divisor = (uint16_t)((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ);

	outb(PIT_MODE, PIT_CH0_RATE);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

/*
 * Calibrate the TSC, then start the TIMER_HZ tick on IRQ 0 (unmasked; it
 * runs once interrupts are enabled).  Needs pic_setup and idt_setup done.
 * A failed calibration is logged and leaves ktime_ns() running on ticks.
 */
void timer_setup(void)
{
	uint32_t a, b, c, d;
	uint64_t khz = 0;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 4)))
		pr_err("timer: error: CPU has no TSC (E_NOTSUP)\n");
	else
		khz = tsc_calibrate();
	irq_register(TIMER_IRQ, timer_tick);
	pit_start_tick();
	irq_unmask(TIMER_IRQ);
	pr_info("timer: TSC %llu.%03llu MHz, tick %u Hz\n", (unsigned long long)(khz / 1000),
		(unsigned long long)(khz % 1000), TIMER_HZ);
}

uint64_t timer_ticks(void)
{
	return ticks;
}

/* Mask the tick and leave channel 0 in one-shot mode (no more edges). */
void timer_stop(void)
{
	irq_mask(TIMER_IRQ);
	outb(PIT_MODE, PIT_CH0_ONESHOT);
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
}

static int cmd_uptime(int argc, char **argv)
{
	uint64_t ns = ktime_ns();

	if (argc != 1)
		return shell_usage();
	console_printf("up %llu.%03llu s, %llu ticks at %u Hz\n",
		       (unsigned long long)(ns / 1000000000ULL),
		       (unsigned long long)(ns / 1000000ULL % 1000),
		       (unsigned long long)ticks, TIMER_HZ);
	return 0;
}
SHELL_COMMAND(uptime, "", "time since boot (TSC) and timer ticks", cmd_uptime);
