/*
 * The per-CPU local tick (kernel/tick.c): each CPU's local APIC timer at
 * TIMER_HZ, counting its own timer interrupts and running the lockup
 * detectors.  Linux: kernel/time/tick-sched.c, local_apic_timer_interrupt.
 */
#ifndef KERNEL_TICK_H
#define KERNEL_TICK_H

/* On the boot CPU, after timer_setup: register the vector, start its
 * timer (or fall back to the PIT's tick). */
void tick_setup(void);

/* On an AP coming up: start its local timer. */
void tick_start_this_cpu(void);

#endif
