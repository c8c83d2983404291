/*
 * Splitting text into words: the kernel command line (key=value words, the
 * parse is stored in struct cmdline) and shell lines (argv words, split in
 * place).  Both use one quote scanner, so "a b" means the same everywhere.
 * Linux: kernel/params.c next_arg()/parse_args() and lib/argv_split.c.
 * Pure: no printing; malformed words are reported through a callback.
 */
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

/* How much of a bad word an error message quotes. */
#define WORD_SHOWN_MAX 40

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Walks one word, yielding its characters with the quoting removed.  The
 * word ends at a blank outside quotes or at the end of the string; p is
 * then left on that blank (or NUL), and in_quote says the quote never
 * closed.
 */
struct word_iter {
	const char *p;
	bool in_quote;
	bool escapes;		/* \" and \\ inside quotes (shell lines only) */
};

/* Next unquoted character of the word, or -1 at its end. */
static int word_next(struct word_iter *it)
{
	for (;;) {
		char c = *it->p;

		if (c == '\0' || (!it->in_quote && is_blank(c)))
			return -1;
		it->p++;
		if (c == '"') {
			it->in_quote = !it->in_quote;
			continue;
		}
		if (c == '\\' && it->in_quote && it->escapes &&
		    (*it->p == '"' || *it->p == '\\'))
			return (unsigned char)*it->p++;
		return (unsigned char)c;
	}
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Report one malformed word: count it, keep the first description. */
static void word_error(struct cmdline *cl, cmdline_report_fn report, void *ctx,
		       int err, const char *what)
{
	if (cl->errors++ == 0)
		strlcpy(cl->first_error, what, sizeof(cl->first_error));
	if (report)
		report(ctx, err, what);
}

/* The raw word [start, end) for a message: cut with "..." when long. */
static void show_word(char *buf, size_t size, const char *start, const char *end)
{
	size_t n = (size_t)(end - start);

	if (n > WORD_SHOWN_MAX)
		ksnprintf(buf, size, "%.*s...", WORD_SHOWN_MAX - 3, start);
	else
		ksnprintf(buf, size, "%.*s", (int)n, start);
}

/*
 * Parse the word at start into p (unquoted, split at the first '=').
 * Returns a pointer just past the word; *err is 0 or -E_* with *what set.
 */
static const char *parse_word(const char *start, struct cmdline_param *p,
			      int *err, char *what, size_t what_size)
{
	struct word_iter it = { .p = start, .in_quote = false, .escapes = false };
	size_t key_len = 0, value_len = 0;
	char shown[WORD_SHOWN_MAX + 1];
	int c;

	memset(p, 0, sizeof(*p));
	while ((c = word_next(&it)) >= 0) {
		if (!p->has_value && c == '=') {
			p->has_value = true;
		} else if (!p->has_value) {
			if (key_len < CMDLINE_KEY_MAX - 1)
				p->key[key_len] = (char)c;
			key_len++;
		} else {
			if (value_len < CMDLINE_VALUE_MAX - 1)
				p->value[value_len] = (char)c;
			value_len++;
		}
	}
	show_word(shown, sizeof(shown), start, it.p);
	*err = 0;
	if (it.in_quote) {
		*err = -E_INVAL;
		ksnprintf(what, what_size, "unterminated quote in '%s'", shown);
	} else if (key_len == 0) {
		*err = -E_INVAL;
		ksnprintf(what, what_size, "empty key in '%s'", shown);
	} else if (key_len > CMDLINE_KEY_MAX - 1) {
		*err = -E_2BIG;
		ksnprintf(what, what_size, "key too long (%zu bytes, max %d) in '%s'",
			  key_len, CMDLINE_KEY_MAX - 1, shown);
	} else if (value_len > CMDLINE_VALUE_MAX - 1) {
		*err = -E_2BIG;
		ksnprintf(what, what_size, "value too long (%zu bytes, max %d) in '%s'",
			  value_len, CMDLINE_VALUE_MAX - 1, shown);
	}
	return it.p;
}

int cmdline_parse_report(const char *s, struct cmdline *cl,
			 cmdline_report_fn report, void *ctx)
{
	char what[sizeof(cl->first_error)];
	struct cmdline_param param;
	const char *p = s ? s : "";
	int err;

	memset(cl, 0, sizeof(*cl));
	for (p = skip_blanks(p); *p; p = skip_blanks(p)) {
		const char *start = p;

		p = parse_word(start, &param, &err, what, sizeof(what));
		if (err == 0 && cl->count == CMDLINE_MAX_PARAMS) {
			char shown[WORD_SHOWN_MAX + 1];

			show_word(shown, sizeof(shown), start, p);
			err = -E_NOSPC;
			ksnprintf(what, sizeof(what), "too many parameters (max %d), dropped '%s'",
				  CMDLINE_MAX_PARAMS, shown);
		}
		if (err) {
			word_error(cl, report, ctx, err, what);
			continue;
		}
		cl->param[cl->count++] = param;
	}
	return cl->errors ? -E_INVAL : 0;
}

int cmdline_parse(const char *s, struct cmdline *cl)
{
	return cmdline_parse_report(s, cl, NULL, NULL);
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	for (unsigned i = cl->count; i-- > 0;)
		if (strcmp(cl->param[i].key, key) == 0)
			return cl->param[i].value;	/* "" for a bare key */
	return NULL;
}

int cmdline_param_int(const struct cmdline_param *p, long long *out)
{
	bool negative = p->value[0] == '-';
	uint64_t u;
	int err;

	if (!p->has_value)
		return -E_INVAL;
	err = parse_u64(p->value + negative, &u, false);
	if (err)
		return err;
	if (u > (uint64_t)INT64_MAX + negative)
		return -E_RANGE;
	*out = negative ? (long long)(0 - u) : (long long)u;
	return 0;
}

int cmdline_check_flag(const struct cmdline_param *p)
{
	return p->has_value ? -E_INVAL : 0;
}

int cmdline_check_int(const struct cmdline_param *p)
{
	long long v;

	return cmdline_param_int(p, &v);
}

int cmdline_get_int(const struct cmdline *cl, const char *key, long long *out)
{
	for (unsigned i = cl->count; i-- > 0;)
		if (strcmp(cl->param[i].key, key) == 0)
			return cmdline_param_int(&cl->param[i], out);
	return -E_NOENT;
}

static bool has_blank(const char *s)
{
	for (; *s; s++)
		if (is_blank(*s))
			return true;
	return false;
}

/* A key may hold blanks too (x" y"=1 is the key "x y": quotes count anywhere):
 * then the whole word is quoted, which parses back the same (found by
 * fuzzing, tests/fuzz/regress/cmdline/). */
int cmdline_format_param(const struct cmdline_param *p, char *buf, size_t size)
{
	if (has_blank(p->key))
		return p->has_value ? ksnprintf(buf, size, "\"%s=%s\"", p->key, p->value)
				    : ksnprintf(buf, size, "\"%s\"", p->key);
	if (!p->has_value)
		return ksnprintf(buf, size, "%s", p->key);
	return ksnprintf(buf, size, has_blank(p->value) ? "%s=\"%s\"" : "%s=%s", p->key,
			 p->value);
}

int cmdline_split(char *line, char **argv, int max_args)
{
	const char *p = skip_blanks(line);
	int argc = 0;

	while (*p) {
		struct word_iter it = { .p = p, .in_quote = false, .escapes = true };
		/* Unquoting only shrinks a word, so it is rewritten in place. */
		char *out = line + (p - line);
		bool more;
		int c;

		if (argc == max_args - 1)
			return -E_2BIG;
		argv[argc++] = out;
		while ((c = word_next(&it)) >= 0)
			*out++ = (char)c;
		if (it.in_quote)
			return -E_INVAL;
		more = *it.p != '\0';	/* read the blank before out may cover it */
		*out = '\0';
		p = skip_blanks(it.p + more);
	}
	argv[argc] = NULL;
	return argc;
}

bool cmdline_has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; *p; p++)
		if ((p == line || p[-1] == ' ') && strncmp(p, word, n) == 0 &&
		    (word[n - 1] == '=' || p[n] == ' ' || !p[n]))
			return true;
	return false;
}
