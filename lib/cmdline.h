/*
 * The kernel command line: space-separated key[=value] words, values may
 * be double-quoted to hold spaces (key="a b").  Unknown keys are kept for
 * later users; malformed words are reported, never silently dropped.
 * Linux: kernel/params.c (parse_args, next_arg).  The parser is pure.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "lib/types.h"

#define CMDLINE_MAX_PARAMS 64
#define CMDLINE_KEY_MAX 64
#define CMDLINE_VALUE_MAX 512

struct cmdline_param {
	char key[CMDLINE_KEY_MAX];
	char value[CMDLINE_VALUE_MAX];	/* unquoted */
	bool has_value;			/* "key=..." rather than "key" */
};

struct cmdline {
	unsigned count;
	struct cmdline_param param[CMDLINE_MAX_PARAMS];
	unsigned errors;		/* malformed words skipped */
	char first_error[128];		/* description of the first one */
};

/*
 * Parse s into *cl.  Malformed words (empty key "=x", unterminated quote,
 * key or value too long, too many params) are counted in cl->errors and
 * described in first_error; parsing goes on with the next word.
 * Returns 0 if all was well, -E_INVAL if any word was malformed.
 */
int cmdline_parse(const char *s, struct cmdline *cl);

/* Value of the LAST occurrence of key (Linux semantics: last one wins);
 * "" for a bare key; NULL if absent. */
const char *cmdline_get(const struct cmdline *cl, const char *key);

/*
 * Like cmdline_parse, and also call report(ctx, -E_*, what) once per
 * malformed word (what names the word), so the caller can log each one.
 * report may be NULL.  Quoting rules (same as Linux next_arg, minus its
 * corner cases): a word ends at a space, tab, CR or LF outside double
 * quotes; quote characters are removed wherever they are and only protect
 * blanks (key="a b" and key=a"b c"d give "a b" and "ab cd"); there are no
 * backslash escapes; the unquoted word splits at its first '='.  An
 * unterminated quote swallows the rest of the line (one error).
 */
typedef void (*cmdline_report_fn)(void *ctx, int err, const char *what);
int cmdline_parse_report(const char *s, struct cmdline *cl,
			 cmdline_report_fn report, void *ctx);

/*
 * Value of key as a signed integer: an optional '-', then a number as
 * parse_u64 reads it (decimal, 0x hex, 0b binary, 0 octal; no suffix).
 * Returns 0 and sets *out, -E_NOENT if key is absent, -E_INVAL if its last
 * value is missing or not a number, -E_RANGE if it does not fit.
 */
int cmdline_get_int(const struct cmdline *cl, const char *key, long long *out);

/* The same for one parameter: 0, -E_INVAL (no value, not a number), -E_RANGE. */
int cmdline_param_int(const struct cmdline_param *p, long long *out);

/*
 * Write p back as one command-line word (key, key=value, or key="a b" when
 * the value holds blanks), so that parsing the text gives p again.
 * Returns the length the full text would have, like ksnprintf.
 */
int cmdline_format_param(const struct cmdline_param *p, char *buf, size_t size);

/*
 * Split a shell line in place into argv words (Linux: argv_split).  Words
 * are separated by blanks; double quotes group blanks into a word and are
 * removed (a"b c"d is one word "ab cd", "" an empty word); inside quotes
 * \" and \\ stand for " and \, any other backslash is kept as is;
 * outside quotes a backslash is an ordinary character.  argv[argc] = NULL.
 * Returns argc, -E_INVAL for an unterminated quote, -E_2BIG if there are
 * more than max_args - 1 words.  On error the line is left mangled.
 */
int cmdline_split(char *line, char **argv, int max_args);

/* The parsed command line of this boot. */
extern struct cmdline kernel_cmdline;

/* Parse boot_info.cmdline into kernel_cmdline and log the result. */
void cmdline_setup(void);

#endif
