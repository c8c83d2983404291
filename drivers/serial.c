/*
 * COM1 driver: polled output, polled or interrupt-driven input.
 * Register offsets from the 16550 datasheet: 0 data/divisor-low,
 * 1 IER/divisor-high, 2 FCR, 3 LCR, 4 MCR, 5 LSR.  Linux:
 * drivers/tty/serial/8250 (8250_early.c for the polled earlycon).
 */
#include "drivers/serial.h"
#include "lib/cpu.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_DATA 0x01	/* received data available (and FIFO timeout) */

void serial_init(void)
{
	outb(COM1_PORT + REG_IER, 0x00);	/* no interrupts yet */
	outb(COM1_PORT + REG_LCR, 0x80);	/* DLAB on: divisor follows */
	outb(COM1_PORT + REG_DATA, 1);		/* 115200 = 115200 / 1 */
	outb(COM1_PORT + REG_IER, 0);
	outb(COM1_PORT + REG_LCR, 0x03);	/* 8 bits, no parity, 1 stop */
	outb(COM1_PORT + REG_FCR, 0xc7);	/* FIFO on, cleared, 14-byte trigger */
	outb(COM1_PORT + REG_MCR, 0x0b);	/* DTR, RTS, OUT2 (IRQ line) */
}

static void put_raw(char c)
{
	for (int spin = 0; spin < 100000; spin++)
		if (inb(COM1_PORT + REG_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1_PORT + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_raw('\r');
		put_raw(s[i]);
	}
}

int serial_poll_getc(void)
{
	if (!(inb(COM1_PORT + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1_PORT + REG_DATA);
}

bool serial_rx_ready(void)
{
	return inb(COM1_PORT + REG_LSR) & LSR_DATA_READY;
}

void serial_set_rx_irq(bool on)
{
	outb(COM1_PORT + REG_IER, on ? IER_RX_DATA : 0);
}
