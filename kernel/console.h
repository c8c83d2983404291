/*
 * The console: where kernel text goes (COM1 always, the VGA text screen
 * as a mirror) and where shell input comes from (COM1 and the PS/2
 * keyboard, merged into one byte queue).  Linux: kernel/printk/console.c
 * and the tty layer, in miniature.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "lib/types.h"

/* Write n bytes to every console ("\n" becomes "\r\n" on serial). */
void console_write(const char *s, size_t n);

/* Queue one input byte: kmain hands this to the keyboard driver, which
 * calls it from its interrupt handler (a full queue drops the byte, as a
 * keyboard controller would).  Serial input has its own ring. */
void console_input_push(char c);

/* Next input byte, or -1 if none is waiting.  Polls the devices too. */
int console_try_getc(void);

/* Next input byte; sleeps (hlt) until one arrives. */
char console_getc(void);

#endif
