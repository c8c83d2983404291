/*
 * The kernel command line: space-separated key[=value] words, values may
 * be double-quoted to hold spaces (key="a b").  Unknown keys are kept for
 * later users; malformed words are reported, never silently dropped.
 * Linux: kernel/params.c (parse_args, next_arg).  The parser is pure.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "kernel/types.h"

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

/* The parsed command line of this boot. */
extern struct cmdline kernel_cmdline;

/* Parse boot_info.cmdline into kernel_cmdline and log the result. */
void cmdline_setup(void);

#endif
