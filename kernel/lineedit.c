/*
 * The shell's line editor (see lineedit.h for the keys).  The one idea:
 * the editor knows what the screen shows (prompt, then `shown` columns of
 * the line, cursor after the bytes before `cursor`), so every edit is
 * "move the terminal cursor, rewrite the tail, blank what is left over,
 * step back" using only text, "\b" and spaces.  A UTF-8 character is one
 * column however many bytes it has: the cursor moves and deletes whole
 * characters.  Pure: output goes through le->write.
 * No Linux counterpart (see lineedit.h); linenoise does the same.
 */
#include "kernel/lineedit.h"
#include "lib/string.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 0x1b
#define LIST_WIDTH 80		/* columns assumed when listing completions */

static void out(struct lineedit *le, const char *s, size_t n)
{
	if (n)
		le->write(le->ctx, s, n);
}

static void out_str(struct lineedit *le, const char *s)
{
	out(le, s, strlen(s));
}

/* n copies of c, in chunks. */
static void out_repeat(struct lineedit *le, char c, size_t n)
{
	char chunk[32];

	memset(chunk, c, sizeof(chunk));
	while (n) {
		size_t k = MIN(n, sizeof(chunk));

		out(le, chunk, k);
		n -= k;
	}
}

static void bell(struct lineedit *le)
{
	out(le, "\a", 1);
}

/* A UTF-8 continuation byte (10xxxxxx) takes no column of its own. */
static bool is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Columns the bytes [a, b) of the line take on the screen. */
static size_t cols(const struct lineedit *le, size_t a, size_t b)
{
	size_t n = 0;

	for (size_t i = a; i < b; i++)
		n += !is_cont(le->buf[i]);
	return n;
}

/* Start of the character before the cursor, and end of the one under it. */
static size_t prev_char(const struct lineedit *le)
{
	size_t i = le->cursor;

	while (i > 0 && is_cont(le->buf[--i]))
		;
	return i;
}

static size_t next_char(const struct lineedit *le)
{
	size_t i = le->cursor;

	if (i < le->len)
		i++;
	while (i < le->len && is_cont(le->buf[i]))
		i++;
	return i;
}

/*
 * The terminal cursor is at line column `from` and the screen is right
 * up to there: write the rest of the line, blank what the old line had
 * beyond the new end, and step back to le->cursor (>= from).
 */
static void refresh_from(struct lineedit *le, size_t from)
{
	size_t width = cols(le, 0, le->len);
	size_t pad = le->shown > width ? le->shown - width : 0;

	out(le, le->buf + from, le->len - from);
	out_repeat(le, ' ', pad);
	out_repeat(le, '\b', cols(le, le->cursor, le->len) + pad);
	le->shown = width;
}

/* Prompt and line on a fresh row (after a listing or a clear). */
static void redraw_fresh(struct lineedit *le)
{
	out_str(le, le->prompt);
	le->shown = 0;
	refresh_from(le, 0);
}

static void move_to(struct lineedit *le, size_t pos)
{
	if (pos < le->cursor)
		out_repeat(le, '\b', cols(le, pos, le->cursor));
	else
		out(le, le->buf + le->cursor, pos - le->cursor);
	le->cursor = pos;
}

/*
 * Insert n bytes at the cursor.  If they do not fit, the line is marked
 * too long: it will be refused whole at Enter, never run cut short (one
 * bell now, and nothing more is inserted or echoed).
 */
static void insert(struct lineedit *le, const char *s, size_t n)
{
	size_t from = le->cursor;

	if (le->too_long)
		return;
	if (le->len + n > LINEEDIT_MAX) {
		le->too_long = true;
		bell(le);
		return;
	}
	memmove(le->buf + from + n, le->buf + from, le->len - from + 1);
	memcpy(le->buf + from, s, n);
	le->len += n;
	le->cursor += n;
	refresh_from(le, from);
}

/* Delete [a, b) and leave the cursor at a. */
static void delete_range(struct lineedit *le, size_t a, size_t b)
{
	if (a >= b) {
		bell(le);
		return;
	}
	move_to(le, a);		/* callers keep a <= cursor */
	memmove(le->buf + a, le->buf + b, le->len - b + 1);
	le->len -= b - a;
	refresh_from(le, a);
}

/* Replace the whole line (history), cursor at its end. */
static void set_line(struct lineedit *le, const char *s)
{
	move_to(le, 0);
	le->len = strlcpy(le->buf, s, sizeof(le->buf));
	le->cursor = le->len;
	refresh_from(le, 0);
}

static size_t word_left(const struct lineedit *le)
{
	size_t i = le->cursor;

	while (i > 0 && le->buf[i - 1] == ' ')
		i--;
	while (i > 0 && le->buf[i - 1] != ' ')
		i--;
	return i;
}

static size_t word_right(const struct lineedit *le)
{
	size_t i = le->cursor;

	while (i < le->len && le->buf[i] == ' ')
		i++;
	while (i < le->len && le->buf[i] != ' ')
		i++;
	return i;
}

static bool is_blank_line(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return false;
	return true;
}

static bool has_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ')
			return true;
	return false;
}

static void history_add(struct lineedit *le, const char *line)
{
	unsigned n = le->history_count;

	if (is_blank_line(line) || (n && strcmp(le->history[n - 1], line) == 0))
		return;
	if (n == LINEEDIT_HISTORY) {
		memmove(le->history[0], le->history[1], sizeof(le->history[0]) * (n - 1));
		n--;
	}
	strlcpy(le->history[n], line, sizeof(le->history[n]));
	le->history_count = n + 1;
}

static void history_up(struct lineedit *le)
{
	if (le->history_pos == 0) {
		bell(le);
		return;
	}
	if (le->history_pos == le->history_count)
		strlcpy(le->saved, le->buf, sizeof(le->saved));
	set_line(le, le->history[--le->history_pos]);
}

static void history_down(struct lineedit *le)
{
	if (le->history_pos == le->history_count) {
		bell(le);
		return;
	}
	le->history_pos++;
	set_line(le, le->history_pos == le->history_count ? le->saved
							  : le->history[le->history_pos]);
}

/* Add name to the sorted, duplicate-free candidate list; *full if no room. */
static unsigned add_candidate(const char **list, unsigned n, const char *name,
			      bool *full)
{
	unsigned i = n;

	for (unsigned j = 0; j < n; j++)
		if (strcmp(list[j], name) == 0)
			return n;
	if (n == LINEEDIT_COMPLETIONS) {
		*full = true;
		return n;
	}
	while (i > 0 && strcmp(list[i - 1], name) > 0) {
		list[i] = list[i - 1];
		i--;
	}
	list[i] = name;
	return n + 1;
}

/* Print the candidates in columns on the rows below the line. */
static void list_candidates(struct lineedit *le, const char **list, unsigned n,
			    bool more)
{
	size_t width = 0, col = 0;

	for (unsigned i = 0; i < n; i++)
		width = MAX(width, strlen(list[i]) + 2);
	out(le, "\n", 1);
	for (unsigned i = 0; i < n; i++) {
		if (col && col + width > LIST_WIDTH) {
			out(le, "\n", 1);
			col = 0;
		}
		out_str(le, list[i]);
		out_repeat(le, ' ', i + 1 < n ? width - strlen(list[i]) : 0);
		col += width;
	}
	out_str(le, more ? "\n...\n" : "\n");
}

/*
 * Tab: complete the first word, if the cursor ends it.  One candidate:
 * complete it and add a blank.  Several: extend to their common prefix,
 * list them and redraw the line under the list.
 */
static void complete(struct lineedit *le)
{
	const char *list[LINEEDIT_COMPLETIONS];
	size_t start = 0, plen, common;
	bool full = false;
	const char *name;
	unsigned n = 0;

	while (start < le->cursor && le->buf[start] == ' ')
		start++;
	plen = le->cursor - start;
	if (!le->complete || has_blank(le->buf + start, plen) ||
	    (le->cursor < le->len && le->buf[le->cursor] != ' ')) {
		bell(le);	/* not at the end of the first word */
		return;
	}
	for (unsigned i = 0; (name = le->complete(le->ctx, i)) != NULL; i++)
		if (strncmp(name, le->buf + start, plen) == 0)
			n = add_candidate(list, n, name, &full);
	if (n == 0) {
		bell(le);
		return;
	}
	common = strlen(list[0]);
	for (unsigned i = 1; i < n; i++)
		while (strncmp(list[0], list[i], common) != 0)
			common--;
	if (n == 1) {
		bool at_end = le->cursor == le->len;

		insert(le, list[0] + plen, strlen(list[0]) - plen);
		if (at_end)
			insert(le, " ", 1);
		return;
	}
	if (common > plen)
		insert(le, list[0] + plen, common - plen);
	list_candidates(le, list, n, full);
	redraw_fresh(le);
}

/* Act on a CSI sequence ESC [ params final. */
static void csi_dispatch(struct lineedit *le, char final)
{
	unsigned num = 0, mod = 0;
	const char *p = le->csi;
	bool word;

	for (; *p >= '0' && *p <= '9'; p++)
		num = num * 10 + (unsigned)(*p - '0');
	if (*p == ';')
		for (p++; *p >= '0' && *p <= '9'; p++)
			mod = mod * 10 + (unsigned)(*p - '0');
	word = mod == 3 || mod == 5;	/* Alt or Ctrl held (xterm) */

	switch (final) {
	case 'A': history_up(le); break;
	case 'B': history_down(le); break;
	case 'C': move_to(le, word ? word_right(le) : next_char(le)); break;
	case 'D': move_to(le, word ? word_left(le) : prev_char(le)); break;
	case 'H': move_to(le, 0); break;
	case 'F': move_to(le, le->len); break;
	case '~':
		if (num == 1 || num == 7)
			move_to(le, 0);
		else if (num == 4 || num == 8)
			move_to(le, le->len);
		else if (num == 3)
			delete_range(le, le->cursor, next_char(le));
		break;	/* Insert, PgUp/PgDn, function keys: ignored */
	default:
		break;
	}
}

/* One byte (0x20..0x7e) of an escape sequence in progress. */
static void escape_byte(struct lineedit *le, char c)
{
	switch (le->state) {
	case LE_ESC:
		le->state = LE_NORMAL;
		if (c == '[' || c == 'O') {
			le->state = c == '[' ? LE_CSI : LE_SS3;
			le->csi_len = 0;
			le->csi_odd = false;
			le->csi[0] = '\0';
		} else if (c == 'b' || c == 'f') {	/* Alt-b, Alt-f */
			move_to(le, c == 'b' ? word_left(le) : word_right(le));
		}
		break;
	case LE_SS3:		/* ESC O x: keypad keys in application mode */
		le->state = LE_NORMAL;
		if (strchr("ABCDHF", c))
			csi_dispatch(le, c);
		break;
	case LE_CSI:
		if (c >= 0x30 && c <= 0x3f) {		/* parameter byte */
			if (le->csi_len == LINEEDIT_CSI_MAX)
				le->csi_odd = true;
			else
				le->csi[le->csi_len++] = c, le->csi[le->csi_len] = '\0';
		} else if (c < 0x40) {			/* intermediate byte */
			le->csi_odd = true;
		} else {				/* final byte */
			le->state = LE_NORMAL;
			if (!le->csi_odd)
				csi_dispatch(le, c);
		}
		break;
	case LE_NORMAL:
		break;
	}
}

static enum lineedit_result end_line(struct lineedit *le, char c)
{
	le->last_eol = c;
	out(le, "\n", 1);
	if (le->too_long) {
		le->len = le->cursor = le->shown = 0;
		le->buf[0] = '\0';
		return LINEEDIT_TOO_LONG;
	}
	history_add(le, le->buf);
	return LINEEDIT_DONE;
}

/* A control byte (or DEL) outside escape sequences. */
static enum lineedit_result control(struct lineedit *le, char c)
{
	switch (c) {
	case '\r': case '\n': return end_line(le, c);
	case CTRL('A'): move_to(le, 0); break;
	case CTRL('E'): move_to(le, le->len); break;
	case CTRL('B'): move_to(le, prev_char(le)); break;
	case CTRL('F'): move_to(le, next_char(le)); break;
	case CTRL('H'): case 0x7f: delete_range(le, prev_char(le), le->cursor); break;
	case CTRL('D'): delete_range(le, le->cursor, next_char(le)); break;
	case CTRL('U'): delete_range(le, 0, le->cursor); break;
	case CTRL('K'): delete_range(le, le->cursor, le->len); break;
	case CTRL('W'): delete_range(le, word_left(le), le->cursor); break;
	case CTRL('P'): history_up(le); break;
	case CTRL('N'): history_down(le); break;
	case CTRL('I'): complete(le); break;
	case CTRL('L'): out_str(le, "\x1b[H\x1b[2J"); redraw_fresh(le); break;
	case CTRL('C'):
		out_str(le, "^C\n");
		le->len = le->cursor = le->shown = 0;
		le->buf[0] = '\0';
		le->too_long = false;
		return LINEEDIT_CANCEL;
	case ESC: le->state = LE_ESC; break;
	default: break;		/* other control bytes: ignored */
	}
	return LINEEDIT_MORE;
}

/*
 * A byte >= 0x80: part of a UTF-8 character, inserted once complete (so
 * the terminal never sees half a character followed by the line's tail).
 * A byte that cannot start or continue a character rings the bell.
 */
static void utf8_byte(struct lineedit *le, unsigned char c)
{
	if (le->u8_need && is_cont((char)c)) {
		le->u8[le->u8_len++] = (char)c;
		if (--le->u8_need == 0)
			insert(le, le->u8, le->u8_len);
		return;
	}
	if (le->u8_need)
		bell(le);	/* a character cut short: drop its start */
	le->u8_need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
		    : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
	le->u8_len = 0;
	if (!le->u8_need) {
		bell(le);	/* a stray continuation byte, or never valid in UTF-8 */
		return;
	}
	le->u8[le->u8_len++] = (char)c;
}

enum lineedit_result lineedit_feed(struct lineedit *le, char ch)
{
	unsigned char c = (unsigned char)ch;
	bool eol = c == '\r' || c == '\n';

	/* CR LF or LF CR from one Enter: the second byte is not a new line. */
	if (eol && le->last_eol && c != (unsigned char)le->last_eol) {
		le->last_eol = 0;
		return LINEEDIT_MORE;
	}
	le->last_eol = 0;
	if (c >= 0x80 && le->state == LE_NORMAL) {
		utf8_byte(le, c);
		return LINEEDIT_MORE;
	}
	if (le->u8_need) {
		le->u8_need = 0;	/* ASCII inside a character: drop its start */
		bell(le);
	}
	if (le->state != LE_NORMAL) {
		if (c >= 0x20 && c < 0x7f) {
			escape_byte(le, (char)c);
			return LINEEDIT_MORE;
		}
		le->state = LE_NORMAL;	/* a control byte ends the sequence */
	}
	if (c >= 0x20 && c < 0x7f) {
		insert(le, &ch, 1);
		return LINEEDIT_MORE;
	}
	if (c < 0x20 || c == 0x7f)
		return control(le, (char)c);
	le->state = LE_NORMAL;		/* >= 0x80 ended an escape sequence */
	return LINEEDIT_MORE;
}

void lineedit_init(struct lineedit *le, const char *prompt, lineedit_write_fn write,
		   lineedit_name_fn complete_fn, void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->prompt = prompt;
	le->write = write;
	le->complete = complete_fn;
	le->ctx = ctx;
}

void lineedit_start(struct lineedit *le)
{
	le->len = le->cursor = le->shown = 0;
	le->buf[0] = '\0';
	le->state = LE_NORMAL;
	le->too_long = false;
	le->u8_need = 0;
	le->history_pos = le->history_count;
	out_str(le, le->prompt);
}

const char *lineedit_line(const struct lineedit *le)
{
	return le->buf;
}

unsigned lineedit_history_count(const struct lineedit *le)
{
	return le->history_count;
}

const char *lineedit_history_get(const struct lineedit *le, unsigned i)
{
	return i < le->history_count ? le->history[i] : NULL;
}
