/*
 * A line editor for the shell, as a state machine: feed it one input byte
 * at a time, it edits its line and writes the terminal output through a
 * callback.  No I/O of its own, so the host unit tests drive it byte by
 * byte.  Linux has no in-kernel equivalent (kdb's kdb_read() comes close);
 * the keys are those of readline/linenoise.
 *
 * Input understood:
 *   printable ASCII, UTF-8 insert at the cursor; a line that grows past
 *                          LINEEDIT_MAX rings the bell once, takes nothing
 *                          more, and is refused whole at Enter
 *   0x7f, 0x08 (^H)        delete before the cursor
 *   ESC[3~, ^D             delete under the cursor (^D on an empty line: bell)
 *   ESC[D ESC[C ^B ^F      left / right
 *   ESC[1;5D ESC[1;5C ESCb ESCf    word left / right (Ctrl-arrows, Alt-b/f)
 *   ESC[H ESC[1~ ESC[7~ ESCOH ^A   home          ESC[F ESC[4~ ESC[8~ ESCOF ^E  end
 *   ESC[A ESC[B ESCOA ESCOB ^P ^N  history up / down
 *   ^U ^K ^W               delete to line start / to line end / the word before
 *   ^C                     cancel the line (prints ^C)
 *   ^L                     clear the screen, redraw
 *   Tab                    complete the first word (command names)
 *   CR or LF               end of line; CR LF and LF CR count as one
 * Any other escape sequence (CSI with parameters and intermediates, SS3,
 * ESC + one byte) is consumed whole and ignored; other control bytes are
 * ignored, and so are bytes that are not UTF-8 (a bell).  A control byte
 * inside an escape sequence ends the sequence and is then acted on (so
 * ESC followed by Enter still submits the line).  A UTF-8 character takes
 * one column: arrows and deletes move over it whole (wide characters and
 * combining marks are not measured).
 *
 * Output uses only what every terminal and the VGA mirror understand:
 * printable text, "\b" (cursor left one column, not erasing), "\r", "\n"
 * (the sink turns it into CR LF, as console_write does) and "\a" (bell);
 * the one exception is ^L, which sends ESC[H ESC[2J.  Lines longer than
 * the terminal is wide wrap, and editing inside a wrapped line is not
 * redrawn correctly (as in linenoise's single-line mode).
 */
#ifndef KERNEL_LINEEDIT_H
#define KERNEL_LINEEDIT_H

#include "lib/types.h"

#define LINEEDIT_MAX 4095		/* bytes in a line, NUL excluded */
#define LINEEDIT_HISTORY 16		/* lines remembered */
#define LINEEDIT_COMPLETIONS 64		/* candidates a Tab can list */
#define LINEEDIT_CSI_MAX 16		/* parameter bytes kept of one CSI */

/* Where output goes: n bytes of s. */
typedef void (*lineedit_write_fn)(void *ctx, const char *s, size_t n);
/* The index-th completion candidate (any order), NULL past the last. */
typedef const char *(*lineedit_name_fn)(void *ctx, unsigned index);

enum lineedit_result {
	LINEEDIT_MORE,		/* keep feeding */
	LINEEDIT_DONE,		/* a line was entered: lineedit_line() */
	LINEEDIT_CANCEL,	/* ^C: the line was discarded */
	LINEEDIT_TOO_LONG,	/* Enter on a line past LINEEDIT_MAX: discarded whole */
};

enum lineedit_state { LE_NORMAL, LE_ESC, LE_CSI, LE_SS3 };

struct lineedit {
	const char *prompt;
	lineedit_write_fn write;
	lineedit_name_fn complete;	/* may be NULL: Tab rings the bell */
	void *ctx;

	char buf[LINEEDIT_MAX + 1];
	size_t len, cursor;		/* bytes in buf, cursor position */
	size_t shown;			/* columns of the line on screen now */
	bool too_long;			/* bytes were refused: the line will be too */
	char u8[4];			/* a UTF-8 character being received */
	unsigned u8_len, u8_need;	/* bytes of it held, bytes still to come */

	enum lineedit_state state;	/* escape sequence decoding */
	char csi[LINEEDIT_CSI_MAX + 1];	/* parameter bytes of the CSI */
	size_t csi_len;
	bool csi_odd;			/* intermediates or too many params */
	char last_eol;			/* CR or LF that ended the last line */

	char history[LINEEDIT_HISTORY][LINEEDIT_MAX + 1];	/* [0] oldest */
	unsigned history_count;
	unsigned history_pos;		/* == history_count: the new line */
	char saved[LINEEDIT_MAX + 1];	/* the new line while browsing */
};

/* Set up le; nothing is written.  prompt must outlive le. */
void lineedit_init(struct lineedit *le, const char *prompt, lineedit_write_fn write,
		   lineedit_name_fn complete, void *ctx);

/* Start a new, empty line: print the prompt. */
void lineedit_start(struct lineedit *le);

/*
 * Feed one input byte.  On LINEEDIT_DONE the line is in lineedit_line()
 * (and in the history unless blank or equal to the newest entry) until
 * the next lineedit_start(); the newline has been echoed.
 */
enum lineedit_result lineedit_feed(struct lineedit *le, char c);

/* The current line, NUL-terminated. */
const char *lineedit_line(const struct lineedit *le);

/* Number of history entries, and entry i (0 = oldest); NULL if i is out of range. */
unsigned lineedit_history_count(const struct lineedit *le);
const char *lineedit_history_get(const struct lineedit *le, unsigned i);

#endif
