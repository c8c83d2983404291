/*
 * PS/2 keyboard on IRQ 1, scan code set 1, US layout.  Keys become bytes
 * for the console's input queue; arrows and Home/End/Delete become the same
 * ANSI escape sequences a serial terminal sends, so the shell's line
 * editor has one input language.  Linux: drivers/input/keyboard/atkbd.c.
 */
#ifndef DRIVERS_KEYBOARD_H
#define DRIVERS_KEYBOARD_H

#include "lib/types.h"

/* Set the controller up and take IRQ 1; every key's bytes go to input
 * (kmain passes the console's queue, console_input_push), from the
 * interrupt handler.  Needs idt_setup and pic_setup. */
void keyboard_setup(void (*input)(char c));

#endif
