/*
 * Interrupt-driven console input from COM1: the UART raises IRQ 4 when
 * bytes arrive, the handler moves everything in its FIFO to the input
 * function kmain gave (the console's queue), so no byte is lost while the
 * shell is busy (console_getc also polls, which covers the time before
 * interrupts and the panic path).
 * Linux: serial8250_interrupt / serial8250_rx_chars in 8250_port.c.
 */
#include "drivers/irq.h"
#include "drivers/serial.h"
#include "lib/printk.h"

#define RX_DRAIN_MAX 256	/* bytes per interrupt, far above the 16-byte FIFO */

static void (*input)(char c);

static void serial_irq(unsigned irq, struct trap_frame *tf)
{
	int c;

	/* Reading until the FIFO is empty also clears the UART's
	 * "data available" and "character timeout" interrupt causes. */
	for (int i = 0; i < RX_DRAIN_MAX && (c = serial_poll_getc()) >= 0; i++)
		input((char)c);
}

void serial_input_setup(void (*input_fn)(char c))
{
	input = input_fn;
	irq_register(COM1_IRQ, serial_irq);
	serial_enable_irq();
	irq_unmask(COM1_IRQ);
	pr_debug("serial: COM1 input on IRQ %d\n", COM1_IRQ);
}
