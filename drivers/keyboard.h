/*
 * PS/2 keyboard on IRQ 1, scan code set 1, US layout.  Keys become bytes
 * in the console input queue; arrows and Home/End/Delete become the same
 * ANSI escape sequences a serial terminal sends, so the shell's line
 * editor has one input language.  Linux: drivers/input/keyboard/atkbd.c.
 */
#ifndef DRIVERS_KEYBOARD_H
#define DRIVERS_KEYBOARD_H

void keyboard_setup(void);

#endif
