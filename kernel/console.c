/*
 * Console fan-out and input.  Output goes to the serial port and the VGA
 * mirror.  Input comes from the serial driver's ring (drivers/serial_irq.c,
 * which also polls before interrupts are on and on the panic path) and
 * from a small queue the keyboard's interrupt handler fills.  Linux: the
 * console list of kernel/printk/printk.c (register_console,
 * console_flush_all); the tty layer merges input the same way.
 */
#include "kernel/console.h"
#include "drivers/serial.h"
#include "drivers/vga.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "lib/cpu.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/time.h"
#include "lib/watchdog.h"

#define INPUT_QUEUE 256		/* keyboard bytes: typed, never pasted */
#define NESTED (1ULL << 63)		/* console_lock state: the lock was already ours */
#define PANIC_TAKEOVER_NS 100000000ULL	/* the panicking CPU waits 100 ms at most */

static spinlock_t lock = SPINLOCK_INIT;
static volatile int owner = -1;		/* the CPU holding lock */

static volatile char input[INPUT_QUEUE];
static volatile unsigned input_head, input_tail;

uint64_t console_lock(void)
{
	uint64_t flags = irq_save();
	int me = (int)smp_processor_id();
	uint64_t t0 = ktime_ns();

	if (__atomic_load_n(&owner, __ATOMIC_RELAXED) == me)
		return flags | NESTED;
	while (!spin_trylock(&lock)) {
		int holder = __atomic_load_n(&owner, __ATOMIC_RELAXED);

		/* A holder stopped by NMI never lets go; the panic goes first. */
		if ((holder >= 0 && holder < NR_CPUS && per_cpu[holder].state != CPU_ONLINE) ||
		    (panic_on_this_cpu() && ktime_ns() - t0 > PANIC_TAKEOVER_NS))
			break;
		cpu_relax();
	}
	__atomic_store_n(&owner, me, __ATOMIC_RELAXED);
	return flags;
}

void console_unlock(uint64_t state)
{
	if (!(state & NESTED)) {
		__atomic_store_n(&owner, -1, __ATOMIC_RELAXED);
		spin_unlock(&lock);
	}
	irq_restore(state & ~NESTED);
}

void console_write(const char *s, size_t n)
{
	uint64_t state = console_lock();

	touch_softlockup_watchdog();	/* output is progress (Linux: touch_nmi_watchdog) */
	serial_write(s, n);
	vga_write(s, n);
	console_unlock(state);
}

void console_input_push(char c)
{
	unsigned next = (input_head + 1) % INPUT_QUEUE;

	if (next == input_tail)
		return;		/* full: drop, as a real UART would overrun */
	input[input_head] = c;
	input_head = next;
}

int console_try_getc(void)
{
	uint64_t flags = irq_save();
	int c = serial_getc();

	if (c < 0 && input_tail != input_head) {
		c = (unsigned char)input[input_tail];
		input_tail = (input_tail + 1) % INPUT_QUEUE;
	}
	irq_restore(flags);
	return c;
}

char console_getc(void)
{
	uint64_t flags = irq_save();
	int c;

	/*
	 * "sti; hlt" is atomic (sti takes effect after the next instruction),
	 * so an interrupt cannot slip in between the check and the sleep.
	 * With interrupts off on entry (panic path) there is nothing to wake
	 * us: poll.  Either way the caller gets its interrupt state back.
	 */
	while ((c = console_try_getc()) < 0) {
		touch_softlockup_watchdog();	/* idle: not stuck */
		if (flags & RFLAGS_IF)
			default_idle();		/* kernel/smp.c: sti; hlt; cli */
		else
			cpu_relax();
	}
	irq_restore(flags);
	return (char)c;
}
