/*
 * Interrupt-driven console input from COM1, into a ring of its own.  The
 * UART raises IRQ 4 when bytes arrive; the handler moves its FIFO into
 * the ring while the ring has room.  When the ring is full the handler
 * turns the receive interrupt off and leaves the rest in the UART: the
 * FIFO fills and the sender waits (QEMU stops reading its chardev), so a
 * paste is delayed, never cut.  serial_getc turns it back on once the
 * shell has drained half the ring.  Before interrupts are on, and on the
 * panic path, serial_getc polls the UART itself.
 * Linux: serial8250_rx_chars in 8250_port.c, the tty flip buffer, and
 * tty_throttle/tty_unthrottle (RTS flow control) for the full case.
 */
#include "drivers/irq.h"
#include "drivers/serial.h"
#include "lib/cpu.h"
#include "lib/printk.h"

#define RX_RING_SIZE 16384	/* bytes; a power of two */
#define RX_UNTHROTTLE (RX_RING_SIZE / 2)
_Static_assert((RX_RING_SIZE & (RX_RING_SIZE - 1)) == 0, "ring size is a power of two");

/* head: next byte the handler writes; tail: next byte serial_getc reads.
 * Free-running counters; head - tail is the fill. */
static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile unsigned rx_head, rx_tail;
static volatile bool rx_throttled;
static bool rx_irq_on;

static unsigned rx_fill(void)
{
	return rx_head - rx_tail;
}

/* Move bytes from the UART to the ring while both allow it; 1 if the
 * ring filled up with bytes still waiting in the UART. */
static bool drain_fifo(void)
{
	int c;

	while (rx_fill() < RX_RING_SIZE) {
		if ((c = serial_poll_getc()) < 0)
			return false;
		rx_ring[rx_head % RX_RING_SIZE] = (uint8_t)c;
		rx_head++;
	}
	return serial_rx_ready();
}

static void serial_irq(unsigned irq, struct trap_frame *tf)
{
	/* Reading until the FIFO is empty also clears the UART's
	 * "data available" and "character timeout" interrupt causes;
	 * with the ring full, masking the cause does. */
	if (drain_fifo()) {
		rx_throttled = true;
		serial_set_rx_irq(false);
	}
}

int serial_getc(void)
{
	uint64_t flags = irq_save();
	int c = -1;

	if (rx_fill() == 0 && !rx_irq_on)
		drain_fifo();		/* no interrupts yet: poll */
	if (rx_fill() == 0 && rx_irq_on && !(flags & RFLAGS_IF))
		drain_fifo();		/* interrupts off (panic path): poll */
	if (rx_fill()) {
		c = rx_ring[rx_tail % RX_RING_SIZE];
		rx_tail++;
	}
	if (rx_throttled && rx_fill() <= RX_UNTHROTTLE) {
		rx_throttled = false;
		serial_set_rx_irq(true);	/* the UART interrupts again at once if it holds bytes */
	}
	irq_restore(flags);
	return c;
}

void serial_input_setup(void)
{
	irq_register(COM1_IRQ, serial_irq);
	rx_irq_on = true;
	serial_set_rx_irq(true);
	irq_unmask(COM1_IRQ);
	pr_debug("serial: COM1 input on IRQ %d, %u-byte ring\n", COM1_IRQ, RX_RING_SIZE);
}
