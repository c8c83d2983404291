/*
 * 16550 UART on COM1 (0x3f8), 115200 8N1: the kernel's first and most
 * trusted console.  Linux: drivers/tty/serial/8250 and early_serial_console.
 */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include "lib/types.h"

#define COM1_PORT 0x3f8
#define COM1_IRQ 4

/* Program COM1; safe to call again (the panic path does). */
void serial_init(void);

/* Write bytes, turning "\n" into "\r\n"; busy-waits on the transmitter. */
void serial_write(const char *s, size_t n);

/* A byte straight from the UART, or -1 if none is waiting (no ring). */
int serial_poll_getc(void);

/* Does the UART hold a received byte? */
bool serial_rx_ready(void);

/* Turn the UART's receive interrupt on or off. */
void serial_set_rx_irq(bool on);

/*
 * Turn on interrupt-driven input (drivers/serial_irq.c): the IRQ 4
 * handler first, then the UART's receive interrupt, then the PIC line.
 * Received bytes wait in a 16 KiB ring for serial_getc; when it is full
 * the UART holds the rest (the sender waits), nothing is dropped.
 * Needs idt_setup and pic_setup.
 */
void serial_input_setup(void);

/*
 * The next received byte, or -1 if none is waiting: from the ring, or
 * from the UART itself before serial_input_setup and with interrupts off
 * (the panic path).  Bytes come out in the order they arrived.
 */
int serial_getc(void);

#endif
