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
#include "lib/cpu.h"
#include "lib/watchdog.h"

#define INPUT_QUEUE 256		/* keyboard bytes: typed, never pasted */

static volatile char input[INPUT_QUEUE];
static volatile unsigned input_head, input_tail;

void console_write(const char *s, size_t n)
{
	touch_softlockup_watchdog();	/* output is progress (Linux: touch_nmi_watchdog) */
	serial_write(s, n);
	vga_write(s, n);
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
			__asm__ volatile("sti; hlt; cli" : : : "memory");
		else
			cpu_relax();
	}
	irq_restore(flags);
	return (char)c;
}
