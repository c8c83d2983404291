/*
 * The console: where kernel text goes (COM1 always, the VGA text screen
 * as a mirror) and where shell input comes from (COM1 and the PS/2
 * keyboard, merged into one byte queue).  Linux: kernel/printk/console.c
 * and the tty layer, in miniature.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "lib/types.h"

/* Write n bytes to every console ("\n" becomes "\r\n" on serial), under
 * the console lock. */
void console_write(const char *s, size_t n);

/*
 * The console lock: one CPU at a time writes to the consoles and the log
 * ring, so lines from several CPUs do not interleave.  It nests on the
 * CPU that holds it (printk inside an NMI that interrupted a printk), and
 * the panicking CPU takes it over after a bounded wait (its holder may be
 * a CPU the panic stopped: Linux's console_flush_on_panic).  Interrupts
 * stay off while held.  console_lock returns the state for
 * console_unlock.
 */
uint64_t console_lock(void);
void console_unlock(uint64_t state);

/* Queue one input byte: kmain hands this to the keyboard driver, which
 * calls it from its interrupt handler (a full queue drops the byte, as a
 * keyboard controller would).  Serial input has its own ring. */
void console_input_push(char c);

/* Next input byte, or -1 if none is waiting.  Polls the devices too. */
int console_try_getc(void);

/* Next input byte; sleeps (hlt) until one arrives. */
char console_getc(void);

#endif
