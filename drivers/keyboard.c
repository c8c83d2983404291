/*
 * PS/2 keyboard: the 8042 controller delivers one scan code byte per IRQ 1
 * (set 1, because the controller translates).  Scan codes become the
 * bytes a serial terminal would send: ASCII, '\r' for Enter, 0x7f for
 * Backspace, control codes for Ctrl+key, ESC [ ... sequences for the
 * cursor keys; so the shell reads one input language from both consoles.
 * Linux: drivers/input/serio/i8042.c, drivers/input/keyboard/atkbd.c.
 */
#include "drivers/keyboard.h"
#include "drivers/irq.h"
#include "lib/cpu.h"
#include "lib/printk.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64	/* read: status */
#define I8042_CMD 0x64		/* write: controller command */
#define STATUS_OUT_FULL 0x01	/* a byte waits in I8042_DATA */
#define STATUS_IN_FULL 0x02	/* the controller has not taken our last byte */
#define STATUS_AUX 0x20		/* the waiting byte is from the mouse port */
#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_AUX 0xa7
#define CMD_DISABLE_KBD 0xad
#define CMD_ENABLE_KBD 0xae
#define CONFIG_KBD_IRQ 0x01
#define CONFIG_AUX_IRQ 0x02
#define CONFIG_KBD_CLOCK_OFF 0x10
#define CONFIG_TRANSLATE 0x40	/* turn the keyboard's set 2 into set 1 */
#define KBD_IRQ 1
#define I8042_TIMEOUT 100000	/* polls of the status port */

#define SC_RELEASE 0x80		/* set 1: break code = make code | 0x80 */
#define SC_EXTENDED 0xe0
#define SC_PAUSE 0xe1		/* Pause: e1 1d 45 e1 9d c5, no break code */
#define SC_LCTRL 0x1d
#define SC_LSHIFT 0x2a
#define SC_RSHIFT 0x36
#define SC_LALT 0x38
#define SC_CAPS 0x3a
#define SC_NUMLOCK 0x45

/* US layout, scan codes 0x00-0x39; 0 means "no character". */
static const char keymap[0x3a] = {
	0, 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f, '\t',
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0,
	'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\',
	'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char keymap_shift[0x3a] = {
	0, 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f, '\t',
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,
	'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|',
	'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

/* Navigation keys (E0-prefixed, or keypad with NumLock off) as VT sequences. */
struct nav_key {
	uint8_t code;
	const char *seq;
};
static const struct nav_key nav_keys[] = {
	{ 0x48, "\033[A" }, { 0x50, "\033[B" }, { 0x4d, "\033[C" }, { 0x4b, "\033[D" },
	{ 0x47, "\033[H" }, { 0x4f, "\033[F" }, { 0x52, "\033[2~" }, { 0x53, "\033[3~" },
	{ 0x49, "\033[5~" }, { 0x51, "\033[6~" },
};
/* Keypad 0x47-0x53 with NumLock on. */
static const char keypad[] = "789-456+1230.";

static void (*input)(char c);	/* where the bytes go: the console's queue */
static bool shift_l, shift_r, ctrl, alt, caps, numlock = true;
static bool extended;		/* an 0xe0 prefix came */
static unsigned pause_skip;	/* bytes left of a Pause sequence */

static void push_string(const char *s)
{
	while (*s)
		input(*s++);
}

static bool nav_key(uint8_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(nav_keys); i++) {
		if (nav_keys[i].code == code) {
			push_string(nav_keys[i].seq);
			return true;
		}
	}
	return false;
}

/* Track modifiers; returns true if code was one (press or release). */
static bool modifier(uint8_t code, bool pressed)
{
	switch (code) {
	case SC_LSHIFT:
	case SC_RSHIFT:
		/* E0 2A / E0 36 are "fake shifts" around some extended keys */
		if (!extended)
			*(code == SC_LSHIFT ? &shift_l : &shift_r) = pressed;
		return true;
	case SC_LCTRL:			/* E0 1D is right Ctrl: same meaning */
		ctrl = pressed;
		return true;
	case SC_LALT:			/* E0 38 is right Alt (AltGr): same */
		alt = pressed;
		return true;
	case SC_CAPS:
		if (pressed)
			caps = !caps;
		return true;
	case SC_NUMLOCK:
		if (pressed && !extended)
			numlock = !numlock;
		return true;
	default:
		return false;
	}
}

/* A character key was pressed: apply Shift, CapsLock, Ctrl and Alt. */
static void press_char(uint8_t code)
{
	bool shift = shift_l || shift_r;
	char c = keymap[code];

	if (!c)
		return;
	if (c >= 'a' && c <= 'z')
		shift ^= caps;
	if (shift)
		c = keymap_shift[code];
	if (ctrl) {
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 1);
		else if (c >= '@' && c <= '_')
			c = (char)(c & 0x1f);	/* Ctrl+[ is ESC, Ctrl+@ is NUL, ... */
	}
	if (alt)
		input(0x1b);	/* Meta sends ESC first, as xterm does */
	input(c);
}

/* Turn one byte from the controller into input bytes. */
static void scancode(uint8_t sc)
{
	bool pressed = !(sc & SC_RELEASE);
	uint8_t code = sc & (uint8_t)~SC_RELEASE;

	if (pause_skip) {
		pause_skip--;
		return;
	}
	if (sc == SC_EXTENDED) {
		extended = true;
		return;
	}
	if (sc == SC_PAUSE) {
		pause_skip = 2;
		return;
	}
	if (modifier(code, pressed) || !pressed) {
		extended = false;
		return;
	}
	if (extended) {
		extended = false;
		if (code == 0x1c)
			input('\r');	/* keypad Enter */
		else if (code == 0x35)
			input('/');	/* keypad / */
		else
			nav_key(code);
		return;
	}
	if (code >= 0x47 && code <= 0x53 && code != 0x4a && code != 0x4e) {
		if (numlock)
			input(keypad[code - 0x47]);
		else
			nav_key(code);
		return;
	}
	if (code == 0x4a || code == 0x4e)
		input(keypad[code - 0x47]);
	else if (code < sizeof(keymap))
		press_char(code);
}

static void keyboard_irq(unsigned irq, struct trap_frame *tf)
{
	/* One IRQ per byte, but drain what is there (bounded) to stay in step. */
	for (int i = 0; i < 16; i++) {
		uint8_t status = inb(I8042_STATUS);

		if (!(status & STATUS_OUT_FULL))
			break;
		uint8_t byte = inb(I8042_DATA);
		if (!(status & STATUS_AUX))
			scancode(byte);
	}
}

static bool wait_writable(void)
{
	for (int i = 0; i < I8042_TIMEOUT; i++)
		if (!(inb(I8042_STATUS) & STATUS_IN_FULL))
			return true;
	return false;
}

static bool wait_readable(void)
{
	for (int i = 0; i < I8042_TIMEOUT; i++)
		if (inb(I8042_STATUS) & STATUS_OUT_FULL)
			return true;
	return false;
}

static void flush_output(void)
{
	for (int i = 0; i < 64 && (inb(I8042_STATUS) & STATUS_OUT_FULL); i++)
		(void)inb(I8042_DATA);
}

/*
 * Program the 8042: both ports off while we work, stale bytes dropped,
 * keyboard IRQ on with set-1 translation, mouse IRQ off, keyboard port on;
 * then IRQ 1 is registered and unmasked.  No controller: logged, skipped.
 */
void keyboard_setup(void (*input_fn)(char c))
{
	uint8_t config;

	input = input_fn;
	if (inb(I8042_STATUS) == 0xff) {
		pr_warn("keyboard: no i8042 controller\n");
		return;
	}
	outb(I8042_CMD, CMD_DISABLE_KBD);
	outb(I8042_CMD, CMD_DISABLE_AUX);
	flush_output();
	if (!wait_writable())
		goto timeout;
	outb(I8042_CMD, CMD_READ_CONFIG);
	if (!wait_readable())
		goto timeout;
	config = inb(I8042_DATA);
	config |= CONFIG_KBD_IRQ | CONFIG_TRANSLATE;
	config &= (uint8_t)~(CONFIG_AUX_IRQ | CONFIG_KBD_CLOCK_OFF);
	outb(I8042_CMD, CMD_WRITE_CONFIG);
	if (!wait_writable())
		goto timeout;
	outb(I8042_DATA, config);
	if (!wait_writable())
		goto timeout;
	outb(I8042_CMD, CMD_ENABLE_KBD);
	flush_output();
	irq_register(KBD_IRQ, keyboard_irq);
	irq_unmask(KBD_IRQ);
	pr_info("keyboard: PS/2 on IRQ %d, scan code set 1, US layout\n", KBD_IRQ);
	return;
timeout:
	pr_err("keyboard: error: i8042 controller does not respond (E_IO)\n");
}
