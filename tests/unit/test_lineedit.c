/*
 * Tests of the line editor: bytes go in as a terminal would send them, the
 * editor's output goes into a tiny terminal emulator (text, \b, \r, \n,
 * \a, ESC[H ESC[2J, UTF-8 characters one column each, and nothing else),
 * and each test checks both the line and what the screen shows, cursor
 * column included.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/lineedit.h"
#include "tests/unit/test.h"

#define PROMPT "kernel> "
#define ROWS 64
#define COLS 4200		/* a whole LINEEDIT_MAX line on one row */

static struct term {
	char screen[ROWS][COLS][4];	/* one character per cell, its UTF-8 bytes */
	int row, col;
	int bells;
	int bad_escapes;		/* anything but ESC[H / ESC[2J */
	char raw[8192];			/* everything written since term_reset */
	size_t raw_len;
} T;

static struct lineedit LE;
static int results[4];		/* count of each lineedit_result */

static void blank_row(int r)
{
	memset(T.screen[r], 0, sizeof(T.screen[r]));
	for (int c = 0; c < COLS; c++)
		T.screen[r][c][0] = ' ';
}

static void term_clear(void)
{
	for (int r = 0; r < ROWS; r++)
		blank_row(r);
	T.row = T.col = 0;
}

static void term_byte(const char *s, size_t n, size_t *i)
{
	char c = s[*i];

	if (c == 0x1b) {
		if (*i + 2 < n && !memcmp(s + *i, "\x1b[H", 3)) {
			T.row = T.col = 0;
			*i += 2;
		} else if (*i + 3 < n && !memcmp(s + *i, "\x1b[2J", 4)) {
			term_clear();
			*i += 3;
		} else {
			T.bad_escapes++;
		}
	} else if (c == '\b') {
		T.col -= T.col > 0;
	} else if (c == '\r') {
		T.col = 0;
	} else if (c == '\n') {			/* the sink's LF -> CR LF */
		T.col = 0;
		if (++T.row == ROWS) {
			memmove(T.screen[0], T.screen[1], sizeof(T.screen[0]) * (ROWS - 1));
			blank_row(ROWS - 1);
			T.row--;
		}
	} else if (c == '\a') {
		T.bells++;
	} else if (((c >= 0x20 && c < 0x7f) || (unsigned char)c >= 0xc0) && T.col < COLS) {
		memset(T.screen[T.row][T.col], 0, 4);
		T.screen[T.row][T.col++][0] = c;	/* ASCII, or a UTF-8 lead byte */
	} else if (((unsigned char)c & 0xc0) == 0x80 && T.col > 0) {
		char *cell = T.screen[T.row][T.col - 1];	/* continues the last cell */
		size_t k = strnlen(cell, 4);

		if (k < 4 && (unsigned char)cell[0] >= 0xc0)
			cell[k] = c;
		else
			T.bad_escapes++;
	} else {
		T.bad_escapes++;
	}
}

static void term_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (T.raw_len + n < sizeof(T.raw)) {
		memcpy(T.raw + T.raw_len, s, n);
		T.raw_len += n;
		T.raw[T.raw_len] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		term_byte(s, n, &i);
}

/* Screen row r without trailing blanks. */
static const char *row_text(int r)
{
	static char text[COLS * 4 + 1];
	size_t n = 0;

	for (int c = 0; c < COLS; c++) {
		size_t k = strnlen(T.screen[r][c], 4);

		memcpy(text + n, T.screen[r][c], k);
		n += k;
	}
	while (n > 0 && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	return text;
}

/* Columns the first n bytes of s take: UTF-8 continuation bytes take none. */
static size_t u8cols(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

static const char *const NAMES[] = {
	"help", "history", "echo", "cmdline", "clear", "crash",
	"mem", "memmap", "memtest", "version", "help",	/* a duplicate */
};

static const char *names(void *ctx, unsigned i)
{
	(void)ctx;
	return i < sizeof(NAMES) / sizeof(NAMES[0]) ? NAMES[i] : NULL;
}

static void setup(void)
{
	memset(&T, 0, sizeof(T));
	term_clear();
	memset(results, 0, sizeof(results));
	lineedit_init(&LE, PROMPT, term_write, names, NULL);
	lineedit_start(&LE);
}

static void raw_reset(void)
{
	T.raw_len = 0;
	T.raw[0] = '\0';
}

static enum lineedit_result feed_n(const char *s, size_t n)
{
	enum lineedit_result r = LINEEDIT_MORE;

	for (size_t i = 0; i < n; i++) {
		r = lineedit_feed(&LE, s[i]);
		results[r]++;
		if (r != LINEEDIT_MORE)
			lineedit_start(&LE);	/* as the shell does */
	}
	return r;
}

static enum lineedit_result feed(const char *s)
{
	return feed_n(s, strlen(s));
}

/* The line is `line`, the screen row shows the prompt and it, and the
 * terminal cursor is where the editor's cursor is. */
#define CHECK_LINE(line_, cursor_)                                             \
	do {                                                                 \
		static char want_[LINEEDIT_MAX + 64];                        \
		snprintf(want_, sizeof(want_), PROMPT "%s", (line_));         \
		while (want_[strlen(want_) - 1] == ' ')                      \
			want_[strlen(want_) - 1] = '\0';                     \
		CHECK_STR(lineedit_line(&LE), (line_));                       \
		CHECK_STR(row_text(T.row), want_);                           \
		CHECK_EQ(LE.cursor, (cursor_));                               \
		CHECK_EQ(T.col, strlen(PROMPT) + u8cols((line_), (cursor_)));  \
		CHECK_EQ(T.bad_escapes, 0);                                  \
	} while (0)

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define CLEAR "\x05\x15"		/* ^E ^U: empty the line */

TEST(lineedit_insert_in_the_middle)
{
	setup();
	feed("helo");
	CHECK_LINE("helo", 4);
	feed(LEFT LEFT);
	CHECK_LINE("helo", 2);
	feed("l");
	CHECK_LINE("hello", 3);
	feed(RIGHT RIGHT RIGHT);	/* the third is at the end: no-op */
	CHECK_LINE("hello", 5);
	CHECK_EQ(feed("\r"), LINEEDIT_DONE);
	CHECK_STR(lineedit_history_get(&LE, 0), "hello");
	CHECK_STR(row_text(T.row - 1), PROMPT "hello");
	CHECK_LINE("", 0);
}

TEST(lineedit_typing_at_the_end_is_plain_echo)
{
	setup();
	raw_reset();
	feed("ab");
	CHECK_STR(T.raw, "ab");
	raw_reset();
	feed("\x7f");
	CHECK_STR(T.raw, "\b \b");
	raw_reset();
	feed("\b");
	CHECK_STR(T.raw, "\b \b");
	CHECK_LINE("", 0);
	raw_reset();
	feed("\x7f");			/* nothing to delete */
	CHECK_STR(T.raw, "\a");
}

TEST(lineedit_backspace_and_delete_mid_line)
{
	setup();
	feed("abcdef" LEFT LEFT LEFT);
	CHECK_LINE("abcdef", 3);
	feed("\x7f");
	CHECK_LINE("abdef", 2);
	feed("\x1b[3~");
	CHECK_LINE("abef", 2);
	feed("\x04");			/* ^D deletes under the cursor too */
	CHECK_LINE("abf", 2);
	feed("\x08");
	CHECK_LINE("af", 1);
	feed("\x1b[F\x1b[3~");		/* Delete at the end: bell */
	CHECK_LINE("af", 2);
	CHECK_EQ(T.bells, 1);
}

TEST(lineedit_home_and_end_in_every_dialect)
{
	static const char *const home[] = { "\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01" };
	static const char *const end[] = { "\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05" };

	setup();
	feed("one two");
	for (unsigned i = 0; i < 5; i++) {
		feed(home[i]);
		CHECK_LINE("one two", 0);
		feed(end[i]);
		CHECK_LINE("one two", 7);
	}
	feed("\x02\x02\x06");		/* ^B ^B ^F */
	CHECK_LINE("one two", 6);
}

TEST(lineedit_word_moves)
{
	setup();
	feed("kexec -l file");
	feed("\x1b[1;5D");
	CHECK_LINE("kexec -l file", 9);
	feed("\x1b" "b");
	CHECK_LINE("kexec -l file", 6);
	feed("\x1b[1;5C");
	CHECK_LINE("kexec -l file", 8);
	feed("\x1b" "f");
	CHECK_LINE("kexec -l file", 13);
}

TEST(lineedit_kill_keys)
{
	setup();
	feed("echo one two" LEFT LEFT LEFT);
	feed("\x0b");			/* ^K: to the end */
	CHECK_LINE("echo one ", 9);
	feed("\x17");			/* ^W: the word before */
	CHECK_LINE("echo ", 5);
	feed("x  \x17");		/* ^W skips blanks first */
	CHECK_LINE("echo ", 5);
	feed(LEFT LEFT "\x15");		/* ^U: to the start */
	CHECK_LINE("o ", 0);
	feed("\x15\x0b");
	CHECK_LINE("", 0);
	CHECK_EQ(T.bells, 1);		/* ^U at column 0; ^K emptied the line */
}

TEST(lineedit_ctrl_c_cancels)
{
	setup();
	feed("reboot");
	CHECK_EQ(feed("\x03"), LINEEDIT_CANCEL);
	CHECK_STR(row_text(T.row - 1), PROMPT "reboot^C");
	CHECK_LINE("", 0);
	CHECK_EQ(lineedit_history_count(&LE), 0);
	CHECK_EQ(results[LINEEDIT_DONE], 0);
}

TEST(lineedit_enter_pairs_count_once)
{
	setup();
	feed("a\r\n");
	CHECK_EQ(results[LINEEDIT_DONE], 1);
	feed("b\n\r");
	CHECK_EQ(results[LINEEDIT_DONE], 2);
	feed("\r\r");			/* two Enters: two (empty) lines */
	CHECK_EQ(results[LINEEDIT_DONE], 4);
	feed("e\n\n");			/* LF LF: two lines as well */
	CHECK_EQ(results[LINEEDIT_DONE], 6);
	feed("c\r" "d\n");		/* the pair must be adjacent */
	CHECK_EQ(results[LINEEDIT_DONE], 8);
	CHECK_EQ(lineedit_history_count(&LE), 5);	/* a b e c d */
	CHECK_STR(lineedit_history_get(&LE, 4), "d");
}

TEST(lineedit_history_walk)
{
	setup();
	feed("a\rb\rb\r\r   \rc\r");
	CHECK_EQ(lineedit_history_count(&LE), 3);	/* a b c */
	CHECK(lineedit_history_get(&LE, 3) == NULL);
	feed("partial");
	feed("\x1b[A");
	CHECK_LINE("c", 1);
	feed("\x1b[A\x1bOA");
	CHECK_LINE("a", 1);
	feed("\x10");			/* ^P at the oldest: bell */
	CHECK_LINE("a", 1);
	CHECK_EQ(T.bells, 1);
	feed("\x1b[B");
	CHECK_LINE("b", 1);
	feed("\x0e\x1b[B");		/* ^N, then back to the new line */
	CHECK_LINE("partial", 7);
	feed("\x1b[B");
	CHECK_EQ(T.bells, 2);
	feed("\x1b[A\x1b[A" "x\r");	/* edit a recalled line and enter it */
	CHECK_EQ(lineedit_history_count(&LE), 4);
	CHECK_STR(lineedit_history_get(&LE, 1), "b");
	CHECK_STR(lineedit_history_get(&LE, 3), "bx");
}

TEST(lineedit_history_keeps_the_newest_16)
{
	char line[16];

	setup();
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "cmd%d\r", i);
		feed(line);
	}
	CHECK_EQ(lineedit_history_count(&LE), LINEEDIT_HISTORY);
	CHECK_STR(lineedit_history_get(&LE, 0), "cmd4");
	CHECK_STR(lineedit_history_get(&LE, 15), "cmd19");
	for (int i = 0; i < 16; i++)
		feed("\x1b[A");
	CHECK_LINE("cmd4", 4);
}

TEST(lineedit_ignores_unknown_escapes)
{
	setup();
	feed("o");
	feed("\x1b[1;2;3Z" "\x1b[200~" "\x1b[?25h" "\x1b[>0c" "\x1bOP" "\x1b[15~");
	feed("\x1b[2~" "\x1bx" "\x1b[1;2;3;4;5;6;7;8;9;10;11;12D" "\x1b[ q");
	feed("k");
	CHECK_LINE("ok", 2);
	CHECK_EQ(T.bells, 0);
	feed("\x1b[1;2C" LEFT);		/* Shift-Right acts as Right */
	CHECK_LINE("ok", 1);
	feed("\x1b[");			/* an unfinished CSI, then Enter */
	CHECK_EQ(feed("\r"), LINEEDIT_DONE);
	CHECK_STR(lineedit_history_get(&LE, 0), "ok");
	feed("\x1b\x1b[D" "z");		/* ESC ESC [ D: the second ESC restarts */
	CHECK_LINE("z", 1);
	feed("\x1b[\x7f" "q");		/* DEL ends the CSI and deletes */
	CHECK_LINE("q", 1);
}

TEST(lineedit_a_full_line_is_accepted)
{
	static char big[LINEEDIT_MAX + 1];

	setup();
	memset(big, 'x', LINEEDIT_MAX);
	big[LINEEDIT_MAX] = '\0';
	CHECK(LINEEDIT_MAX >= 4095);	/* the issue: lines of at least 4 KiB */
	feed(big);
	CHECK_EQ(LE.len, LINEEDIT_MAX);
	CHECK_EQ(T.bells, 0);
	CHECK_LINE(big, LINEEDIT_MAX);
	CHECK_EQ(feed("\r"), LINEEDIT_DONE);
	CHECK_EQ(strlen(lineedit_history_get(&LE, 0)), LINEEDIT_MAX);
}

/* One byte too many: one bell, nothing more taken, the line refused whole
 * at Enter (never cut short and run), not in the history; the next line
 * is normal again. */
TEST(lineedit_a_line_too_long_is_refused_whole)
{
	static char big[LINEEDIT_MAX + 1000];

	setup();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	feed(big);
	CHECK_EQ(T.bells, 1);
	CHECK_EQ(LE.len, LINEEDIT_MAX);
	feed("\x7f\x7f" "yy");		/* deleting does not make it whole again */
	CHECK_EQ(feed("\r"), LINEEDIT_TOO_LONG);
	CHECK_EQ(results[LINEEDIT_DONE], 0);
	CHECK_EQ(lineedit_history_count(&LE), 0);
	CHECK_EQ(feed("ok\r"), LINEEDIT_DONE);
	CHECK_STR(lineedit_history_get(&LE, 0), "ok");
	feed("abc");			/* ^C forgets it too */
	feed(big);
	CHECK_EQ(feed("\x03"), LINEEDIT_CANCEL);
	CHECK_EQ(feed("x\r"), LINEEDIT_DONE);
}

/* UTF-8 passes through: café is 5 bytes and 4 columns; arrows and
 * deletes move over é whole; a broken sequence rings the bell. */
TEST(lineedit_utf8_characters_are_whole)
{
	setup();
	feed("caf\xc3\xa9");
	CHECK_LINE("caf\xc3\xa9", 5);
	feed(LEFT);
	CHECK_LINE("caf\xc3\xa9", 3);
	feed("\x1b[3~");			/* Delete: the whole é */
	CHECK_LINE("caf", 3);
	feed("\xe2\x82\xac" LEFT "x");	/* euro sign, then x before it */
	CHECK_LINE("cafx\xe2\x82\xac", 4);
	feed("\x05\x7f");		/* End, Backspace: the euro sign goes */
	CHECK_LINE("cafx", 4);
	CHECK_EQ(T.bells, 0);
	feed("\xa9");			/* a stray continuation byte */
	CHECK_EQ(T.bells, 1);
	feed("\xc3" "a");		/* a lead byte, then ASCII */
	CHECK_EQ(T.bells, 2);
	CHECK_LINE("cafxa", 5);
	feed("\xff");			/* never valid in UTF-8 */
	CHECK_EQ(T.bells, 3);
	feed("\x01\xf0\x9f\x98\x80");	/* a 4-byte character at the start */
	CHECK_LINE("\xf0\x9f\x98\x80" "cafxa", 4);
	CHECK_EQ(feed("\r"), LINEEDIT_DONE);
	CHECK_STR(lineedit_history_get(&LE, 0), "\xf0\x9f\x98\x80" "cafxa");
}

TEST(lineedit_tab_completes_a_unique_name)
{
	setup();
	feed("ec\t");
	CHECK_LINE("echo ", 5);
	feed("he\t");			/* not the first word: bell */
	CHECK_LINE("echo he", 7);
	CHECK_EQ(T.bells, 1);
	feed(CLEAR "  ver\t");		/* leading blanks are fine */
	CHECK_LINE("  version ", 10);
	feed(CLEAR "cmdl" "x" LEFT "\t");	/* cursor inside a word: bell */
	CHECK_EQ(T.bells, 2);
	feed(CLEAR "zz\t");
	CHECK_LINE("zz", 2);
	CHECK_EQ(T.bells, 3);
	feed(CLEAR "ech arg" "\x01\x06\x06\x06" "\t");	/* completes before a blank */
	CHECK_LINE("echo arg", 4);
}

TEST(lineedit_tab_lists_several_and_redraws)
{
	setup();
	feed("me\t");
	/* extended to the common prefix, listed, line redrawn below */
	CHECK_LINE("mem", 3);
	CHECK_STR(row_text(T.row - 1), "mem      memmap   memtest");
	CHECK_STR(row_text(T.row - 2), PROMPT "mem");
	feed("\x15" "h\t");
	CHECK_STR(row_text(T.row - 1), "help     history");	/* "help" once */
	CHECK_LINE("h", 1);
	feed("\x15\t");			/* empty line: every name */
	CHECK_STR(row_text(T.row - 2),
		  "clear    cmdline  crash    echo     help     history  mem      memmap");
	CHECK_STR(row_text(T.row - 1), "memtest  version");
	CHECK_LINE("", 0);
	CHECK_EQ(T.bells, 0);
}

TEST(lineedit_ctrl_l_clears_and_redraws)
{
	setup();
	feed("abc\rdef" LEFT);
	feed("\x0c");
	CHECK(strstr(T.raw, "\x1b[H\x1b[2J") != NULL);
	CHECK_EQ(T.row, 0);
	CHECK_LINE("def", 2);
	CHECK_STR(row_text(1), "");
}

/* Random keys: after every one, the screen must match the line. */
TEST(lineedit_screen_always_matches_the_line)
{
	static const char *const keys[] = {
		"a", "b", " ", "xyz", LEFT, RIGHT, "\x7f", "\x1b[3~", "\x01", "\x05",
		"\x15", "\x0b", "\x17", "\x1b[1;5D", "\x1b[1;5C", "\x1b[A", "\x1b[B",
		"\x1b[9~", "\x04", "\x1b" "b", "\xc3\xa9", "\xe2\x82\xac",
	};
	unsigned seed = 12345;

	setup();
	feed("first\rsecond line\r");
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		feed(keys[(seed >> 16) % (sizeof(keys) / sizeof(keys[0]))]);
		CHECK_LINE(lineedit_line(&LE), LE.cursor);
		CHECK(LE.len <= LINEEDIT_MAX && LE.cursor <= LE.len);
		CHECK_EQ(LE.len, strlen(LE.buf));
	}
}
