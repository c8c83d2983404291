/*
 * VGA text console: 80x25 cells of (character, attribute) at physical
 * 0xb8000, reached through the direct map (the first 1 MiB is always
 * mapped).  The console sends the same bytes here as to the serial port,
 * so a small ANSI/VT100 interpreter turns the escape sequences the shell
 * uses (cursor moves, erase line, clear screen, colours) into cell updates
 * instead of garbage.  Scrolling moves the CRT controller's start address
 * down the 32 KiB of text memory instead of copying 24 rows per line: under
 * QEMU every cell access is emulated, and copying the screen at each line
 * made the boot log (a capture kernel's above all) slow to print.  Linux:
 * drivers/video/console/vgacon.c (vgacon_scroll, its "hardware scrolling")
 * + vt.c.
 */
#include "drivers/vga.h"
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "lib/multiboot2.h"
#include "lib/printk.h"
#include "lib/cpu.h"

#define VGA_PHYS 0xb8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_CRTC_INDEX 0x3d4	/* CRT controller, colour mode addresses */
#define VGA_CRTC_DATA 0x3d5
#define CRTC_CURSOR_START 0x0a
#define CRTC_CURSOR_END 0x0b
#define CRTC_START_HIGH 0x0c	/* the cell the screen starts at */
#define CRTC_START_LOW 0x0d
#define CRTC_CURSOR_HIGH 0x0e
#define CRTC_CURSOR_LOW 0x0f
#define VGA_MEM_CELLS (32 * 1024 / 2)	/* 0xb8000..0xc0000: 204 rows of 80 */
#define ATTR_DEFAULT 0x07	/* light grey on black */
#define TAB_WIDTH 8
#define ESC_MAX_PARAMS 4

enum esc_state { ST_NORMAL, ST_ESC, ST_CSI };

static volatile uint16_t *mem;		/* text memory; NULL until vga_init */
static volatile uint16_t *screen;	/* = mem + origin: the visible 80x25 */
static unsigned origin;			/* cells; the CRT controller starts there */
static unsigned row, col;
static bool wrap_pending;	/* last column written: wrap on the next glyph (VT100) */
static uint8_t attr = ATTR_DEFAULT;
static enum esc_state state;
static unsigned params[ESC_MAX_PARAMS], nparams;

static uint16_t cell(char c)
{
	return (uint16_t)((uint16_t)attr << 8 | (uint8_t)c);
}

static void clear_cells(unsigned from, unsigned to)	/* [from, to) in cells */
{
	for (unsigned i = from; i < to; i++)
		screen[i] = cell(' ');
}

static void set_origin(unsigned cells)
{
	origin = cells;
	screen = mem + origin;
	outb(VGA_CRTC_INDEX, CRTC_START_HIGH);
	outb(VGA_CRTC_DATA, (uint8_t)(origin >> 8));
	outb(VGA_CRTC_INDEX, CRTC_START_LOW);
	outb(VGA_CRTC_DATA, (uint8_t)origin);
}

/* One row up: the display starts a row further down text memory; at its
 * end, the 24 rows kept are copied back to the start (every 180 rows). */
static void scroll_up(void)
{
	if (origin + (VGA_ROWS + 1) * VGA_COLS <= VGA_MEM_CELLS) {
		set_origin(origin + VGA_COLS);
	} else {
		for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
			mem[i] = screen[i + VGA_COLS];
		set_origin(0);
	}
	clear_cells((VGA_ROWS - 1) * VGA_COLS, VGA_ROWS * VGA_COLS);
}

static void newline(void)
{
	col = 0;
	wrap_pending = false;
	if (++row == VGA_ROWS) {
		scroll_up();
		row = VGA_ROWS - 1;
	}
}

static void update_cursor(void)
{
	unsigned pos = origin + row * VGA_COLS + col;

	outb(VGA_CRTC_INDEX, CRTC_CURSOR_HIGH);
	outb(VGA_CRTC_DATA, (uint8_t)(pos >> 8));
	outb(VGA_CRTC_INDEX, CRTC_CURSOR_LOW);
	outb(VGA_CRTC_DATA, (uint8_t)pos);
}

static void put_glyph(char c)
{
	if (wrap_pending)
		newline();
	screen[row * VGA_COLS + col] = cell(c);
	if (col == VGA_COLS - 1)
		wrap_pending = true;
	else
		col++;
}

/* ANSI colour order (black red green yellow blue magenta cyan white) to VGA's. */
static const uint8_t ansi_to_vga[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static void select_graphic_rendition(void)
{
	if (nparams == 0)
		params[nparams++] = 0;
	for (unsigned i = 0; i < nparams; i++) {
		unsigned p = params[i];

		if (p == 0)
			attr = ATTR_DEFAULT;
		else if (p == 1)
			attr |= 0x08;			/* bold: the bright colours */
		else if (p >= 30 && p <= 37)
			attr = (uint8_t)((attr & 0xf8) | ansi_to_vga[p - 30]);
		else if (p == 39)
			attr = (uint8_t)((attr & 0xf8) | (ATTR_DEFAULT & 0x07));
		else if (p >= 40 && p <= 47)
			attr = (uint8_t)((attr & 0x0f) | ansi_to_vga[p - 40] << 4);
		else if (p == 49)
			attr &= 0x0f;
	}
}

/* ESC [ n J: 0 cursor to end, 1 start to cursor, 2 (or 3) whole screen. */
static void erase_display(unsigned mode)
{
	unsigned here = row * VGA_COLS + col;

	if (mode == 0)
		clear_cells(here, VGA_ROWS * VGA_COLS);
	else if (mode == 1)
		clear_cells(0, here + 1);
	else
		clear_cells(0, VGA_ROWS * VGA_COLS);
}

/* ESC [ n K: 0 cursor to end of line, 1 start of line to cursor, 2 all. */
static void erase_line(unsigned mode)
{
	unsigned start = row * VGA_COLS;

	if (mode == 0)
		clear_cells(start + col, start + VGA_COLS);
	else if (mode == 1)
		clear_cells(start, start + col + 1);
	else
		clear_cells(start, start + VGA_COLS);
}

static unsigned clamp_move(unsigned pos, unsigned n, bool forward, unsigned limit)
{
	if (forward)
		return n >= limit - 1 - pos ? limit - 1 : pos + n;
	return n >= pos ? 0 : pos - n;
}

/* Execute a complete CSI sequence ending in final byte f. */
static void do_csi(char f)
{
	unsigned p0 = nparams > 0 ? params[0] : 0;
	unsigned n = p0 ? p0 : 1;		/* a missing or 0 count means 1 */

	wrap_pending = false;
	switch (f) {
	case 'A': row = clamp_move(row, n, false, VGA_ROWS); break;
	case 'B': row = clamp_move(row, n, true, VGA_ROWS); break;
	case 'C': col = clamp_move(col, n, true, VGA_COLS); break;
	case 'D': col = clamp_move(col, n, false, VGA_COLS); break;
	case 'G': col = clamp_move(0, n - 1, true, VGA_COLS); break;
	case 'H':
	case 'f':
		row = clamp_move(0, n - 1, true, VGA_ROWS);
		col = clamp_move(0, (nparams > 1 && params[1] ? params[1] : 1) - 1,
				 true, VGA_COLS);
		break;
	case 'J': erase_display(p0); break;
	case 'K': erase_line(p0); break;
	case 'm': select_graphic_rendition(); break;
	default: break;				/* anything else is swallowed */
	}
}

/* Feed one byte of an escape sequence; returns to ST_NORMAL when done. */
static void escape_byte(char c)
{
	if (state == ST_ESC) {
		if (c == '[') {
			state = ST_CSI;
			nparams = 0;
			params[0] = 0;
		} else {
			state = ST_NORMAL;	/* two-byte sequence: swallowed */
		}
		return;
	}
	if (c >= '0' && c <= '9') {
		if (nparams == 0)
			nparams = 1;
		unsigned *p = &params[nparams - 1];
		if (*p < 10000)
			*p = *p * 10 + (unsigned)(c - '0');
	} else if (c == ';') {
		if (nparams == 0)
			nparams = 1;		/* ";5H": the first one was empty */
		if (nparams < ESC_MAX_PARAMS)
			params[nparams++] = 0;
	} else if (c >= 0x40 && c <= 0x7e) {
		do_csi(c);
		state = ST_NORMAL;
	} else if (c == 0x1b) {
		state = ST_ESC;			/* a new sequence aborts this one */
	}
	/* intermediate bytes and '?' (private modes) are ignored */
}

static void put_byte(char c)
{
	if (state != ST_NORMAL) {
		escape_byte(c);
		return;
	}
	switch (c) {
	case 0x1b: state = ST_ESC; break;
	case '\n': newline(); break;
	case '\r': col = 0; wrap_pending = false; break;
	case '\b':
		if (col > 0 && !wrap_pending)
			col--;
		wrap_pending = false;
		break;
	case '\t':
		do
			put_glyph(' ');
		while (col % TAB_WIDTH && !wrap_pending);
		break;
	default:
		/* UTF-8: one cell per character, as the line editor counts
		 * columns; the font is code page 437, so it shows as '?'. */
		if ((uint8_t)c >= 0xc0)
			put_glyph('?');
		else if ((uint8_t)c >= 0x20 && (uint8_t)c < 0x7f)
			put_glyph(c);		/* control bytes, continuation bytes: none */
		break;
	}
}

/*
 * Start mirroring: clear the screen, put the cursor top left and make it a
 * two-scanline underline.  Called once, early in kmain, after the boot
 * information is parsed: under UEFI (there is no VGA text mode) or when
 * the loader set a graphics mode the mirror stays off, so nothing is
 * written into a framebuffer through 0xb8000.
 */
void vga_init(void)
{
	if (boot_info.has_framebuffer && boot_info.fb_type != MB2_FRAMEBUFFER_EGA_TEXT) {
		pr_info("vga: no text mode (the loader set a %ux%u %u-bit framebuffer at 0x%llx): "
			"console on serial only\n", boot_info.fb_width, boot_info.fb_height,
			boot_info.fb_bpp, (unsigned long long)boot_info.fb_addr);
		return;
	}
	if (boot_info.efi && !boot_info.has_framebuffer) {
		pr_info("vga: no text mode (booted by UEFI firmware): console on serial only\n");
		return;
	}
	mem = phys_to_virt(VGA_PHYS);
	set_origin(0);
	row = col = 0;
	wrap_pending = false;
	attr = ATTR_DEFAULT;
	state = ST_NORMAL;
	clear_cells(0, VGA_ROWS * VGA_COLS);
	outb(VGA_CRTC_INDEX, CRTC_CURSOR_START);
	outb(VGA_CRTC_DATA, 14);		/* scanlines 14-15, cursor on */
	outb(VGA_CRTC_INDEX, CRTC_CURSOR_END);
	outb(VGA_CRTC_DATA, 15);
	update_cursor();
}

/* Interpret n bytes of console output; the hardware cursor follows. */
void vga_write(const char *s, size_t n)
{
	uint64_t flags;

	if (!screen)
		return;
	flags = irq_save();		/* printk may run in an IRQ handler */
	for (size_t i = 0; i < n; i++)
		put_byte(s[i]);
	update_cursor();
	irq_restore(flags);
}
