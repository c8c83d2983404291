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

/* A received byte, or -1 if none is waiting. */
int serial_poll_getc(void);

/* Enable the receive interrupt (after the IDT and PIC are set up). */
void serial_enable_irq(void);

/*
 * Turn on interrupt-driven input (drivers/serial_irq.c): the IRQ 4
 * handler first, then the UART's receive interrupt, then the PIC line;
 * every received byte goes to input (kmain passes the console's queue).
 * Needs idt_setup and pic_setup.
 */
void serial_input_setup(void (*input)(char c));

#endif
