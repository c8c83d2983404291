/*
 * The kernel command line: space-separated key[=value] words, values may
 * be double-quoted to hold spaces (key="a b").  Unknown keys are kept
 * (cmdline_get finds them all the same); malformed words are reported,
 * never silently dropped.
 * Linux: kernel/params.c (parse_args, next_arg).  The parser is pure
 * (lib/cmdline_parse.c); the keys register themselves (CMDLINE_KEY below)
 * and kernel/cmdline.c applies them to this boot's command line.
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
 * Does the raw command line hold word, as a word of its own (after the
 * start or a space), or, when word ends with '=', a word starting with it
 * ("nr_cpus=" matches nr_cpus=4)?  No parse, no quoting: for a line being
 * built or checked before it is parsed (kexec -p's additions, boot).
 */
bool cmdline_has_word(const char *line, const char *word);

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

/* ---- The keys of this kernel, and the command line of this boot ---- */

/*
 * A key the kernel understands, registered where it is used (Linux:
 * early_param(), __setup()), never in a central table:
 *
 *   CMDLINE_KEY(nosoftlockup, "nosoftlockup",
 *               "turn off the soft lockup detector", cmdline_check_flag);
 *
 * The linker gathers the entries into section cmdline_keys (bounded by
 * __start_cmdline_keys and __stop_cmdline_keys, see linker.ld);
 * kernel/cmdline.c calls each occurrence's apply in command-line order at
 * boot, logs refused values with the key's form, and names the words no
 * key claims.  apply returns 0 or -E_* (value refused); NULL means the
 * owner reads the value itself with cmdline_get(&kernel_cmdline, key).
 * The key is the C identifier name, so keys are unique at link time.
 *
 * A key the capture kernel reads (kdump's) registers with
 * CMDLINE_CAPTURE_KEY and a check that only looks at the value (no state
 * changes): it runs at boot like apply, and also when `kexec -p` loads a
 * capture kernel, on the command line that kernel will get, so a bad
 * value is refused at load time, not discovered after the crash.
 */
struct cmdline_key {
	const char *key;
	const char *form;	/* how it is written, for error messages */
	const char *help;	/* one line, for "cmdline -v" */
	int (*apply)(const struct cmdline_param *p);
	int (*check)(const struct cmdline_param *p);	/* pure; capture keys only */
};

#define CMDLINE_KEY(name, kform, khelp, kapply)                                   \
	static const struct cmdline_key __cmdline_key_##name                       \
		__attribute__((used, section("cmdline_keys"), aligned(8))) = {     \
			.key = #name, .form = kform, .help = khelp, .apply = kapply \
		}

#define CMDLINE_CAPTURE_KEY(name, kform, khelp, kcheck)                           \
	static const struct cmdline_key __cmdline_key_##name                       \
		__attribute__((used, section("cmdline_keys"), aligned(8))) = {     \
			.key = #name, .form = kform, .help = khelp, .check = kcheck \
		}

/* apply helpers: a bare switch ("key", never "key=value": -E_INVAL), and
 * an integer checked at boot so a bad value is reported then, not when it
 * is used (cmdline_param_int's errors). */
int cmdline_check_flag(const struct cmdline_param *p);
int cmdline_check_int(const struct cmdline_param *p);

/*
 * Check text, the command line a capture kernel will boot with, as that
 * kernel will: malformed words and every CMDLINE_CAPTURE_KEY's check.
 * Returns 0, or the first error with why filled ("'vmcore_autosave=bogus':
 * the form is vmcore_autosave=poweroff|reboot|shell").  *parsed (if not
 * NULL) is the parsed text, valid until the next call.  Implemented by
 * kernel/cmdline.c; kexec -p calls it (crash/crash_check.c).
 */
int cmdline_check_capture(const char *text, const struct cmdline **parsed, char *why,
			  size_t whylen);

/* Was this boot's key refused at boot (an error was logged)?  false if
 * absent or accepted. */
bool cmdline_rejected(const char *key);

/* The parsed command line of this boot (kernel/cmdline.c). */
extern struct cmdline kernel_cmdline;

/* Parse boot_info.cmdline into kernel_cmdline, apply every registered key,
 * log the result (kernel/cmdline.c; kmain calls it once). */
void cmdline_setup(void);

#endif
