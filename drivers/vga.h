/*
 * VGA text mode (80x25 at physical 0xb8000): a mirror of the console for
 * people watching the QEMU window.  Linux: drivers/video/console/vgacon.c.
 */
#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

#include "lib/types.h"

/* Clear the screen and start mirroring console output. */
void vga_init(void);

/* Write bytes (handles \n, \r, \b, tab, and scrolls). No-op before init. */
void vga_write(const char *s, size_t n);

#endif
