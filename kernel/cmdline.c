/*
 * The command line of this boot: parse boot_info.cmdline once, log every
 * malformed word, apply each occurrence of a registered key (CMDLINE_KEY,
 * lib/cmdline.h: every subsystem registers its own keys where it lives)
 * and note the words no key claims, which are kept in kernel_cmdline all
 * the same.  Linux: init/main.c (parse_early_param, unknown_bootoption)
 * and kernel/params.c.  The "cmdline" shell command shows it all.
 */
#include "lib/cmdline.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

struct cmdline kernel_cmdline;
static bool rejected[CMDLINE_MAX_PARAMS];	/* known key, value refused */

#define VALUE_SHOWN_MAX 40	/* cmdline command: longer values are cut */

/* Every key of this kernel: CMDLINE_KEY() entries (lib/cmdline.h). */
extern const struct cmdline_key __start_cmdline_keys[], __stop_cmdline_keys[];

static const struct cmdline_key *find_key(const char *key)
{
	for (const struct cmdline_key *k = __start_cmdline_keys; k < __stop_cmdline_keys; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* Keys in name order, for the listing: the first one after prev (NULL:
 * the first).  Link order says nothing to a reader. */
static const struct cmdline_key *next_sorted(const struct cmdline_key *prev)
{
	const struct cmdline_key *best = NULL;

	for (const struct cmdline_key *k = __start_cmdline_keys; k < __stop_cmdline_keys; k++) {
		if (prev && strcmp(k->key, prev->key) <= 0)
			continue;
		if (!best || strcmp(k->key, best->key) < 0)
			best = k;
	}
	return best;
}

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

static void report(void *ctx, int err, const char *what)
{
	(void)ctx;
	pr_err("cmdline: error: %s (%s)\n", what, err_name(err));
}

void cmdline_setup(void)
{
	char word[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 4];
	unsigned unknown = 0;

	cmdline_parse_report(boot_info.cmdline, &kernel_cmdline, report, NULL);
	for (unsigned i = 0; i < kernel_cmdline.count; i++) {
		const struct cmdline_param *p = &kernel_cmdline.param[i];
		const struct cmdline_key *k = find_key(p->key);
		int err = !k ? 0 : k->apply ? k->apply(p) : k->check ? k->check(p) : 0;

		cmdline_format_param(p, word, sizeof(word));
		rejected[i] = err != 0;
		if (err)
			pr_err("cmdline: error: '%s' ignored: the form is %s (%s)\n", word, k->form,
			       err_name(err));
		if (!k) {
			pr_notice("cmdline: '%s' not used by this kernel (kept)\n", word);
			unknown++;
		}
	}
	pr_info("cmdline: %u parameter%s (%u unknown), %u malformed word%s skipped\n",
		kernel_cmdline.count, plural(kernel_cmdline.count), unknown,
		kernel_cmdline.errors, plural(kernel_cmdline.errors));
}

int cmdline_check_capture(const char *text, const struct cmdline **parsed, char *why,
			  size_t whylen)
{
	static struct cmdline cl;	/* 36 KiB: not on the stack; the shell is one thread */
	char word[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 4];

	if (parsed)
		*parsed = &cl;
	if (cmdline_parse(text, &cl)) {
		ksnprintf(why, whylen, "%s", cl.first_error);
		return -E_INVAL;
	}
	for (unsigned i = 0; i < cl.count; i++) {
		const struct cmdline_key *k = find_key(cl.param[i].key);
		int err = k && k->check ? k->check(&cl.param[i]) : 0;

		if (err) {
			cmdline_format_param(&cl.param[i], word, sizeof(word));
			ksnprintf(why, whylen, "'%s': the form is %s", word, k->form);
			return err;
		}
	}
	return 0;
}

bool cmdline_rejected(const char *key)
{
	for (unsigned i = kernel_cmdline.count; i-- > 0;)
		if (strcmp(kernel_cmdline.param[i].key, key) == 0)
			return rejected[i];	/* the last one wins, as in cmdline_get */
	return false;
}

/* Print one parameter as a table row; with verbose, what it does. */
static void show_param(unsigned i, int key_w, bool verbose)
{
	const struct cmdline_param *p = &kernel_cmdline.param[i];
	const struct cmdline_key *k = find_key(p->key);
	const char *status = !k ? "unknown" : rejected[i] ? "rejected" : "known";
	char value[VALUE_SHOWN_MAX + 1];

	/* Values unquoted; long ones cut visibly (the raw line has them whole). */
	if (!p->has_value)
		strlcpy(value, "(no value)", sizeof(value));
	else if (!p->value[0])
		strlcpy(value, "\"\"", sizeof(value));
	else if (strlen(p->value) > VALUE_SHOWN_MAX)
		ksnprintf(value, sizeof(value), "%.*s...", VALUE_SHOWN_MAX - 3, p->value);
	else
		strlcpy(value, p->value, sizeof(value));
	console_printf("  %-*s %-16s %s", key_w, p->key, value, status);
	if (verbose)
		console_printf("%*s", 9 - (int)strlen(status), "");
	if (verbose && k && rejected[i])
		console_printf("ignored: the form is %s", k->form);
	else if (verbose)
		console_printf("%s", k ? k->help : "not used by this kernel (kept)");
	console_printf("\n");
}

static int cmd_cmdline(int argc, char **argv)
{
	bool verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
	const struct cmdline *cl = &kernel_cmdline;
	int key_w = 3;

	if (argc > 2 || (argc == 2 && !verbose))
		return shell_usage();
	console_printf("raw: '%s'\n", boot_info.cmdline);
	for (unsigned i = 0; i < cl->count; i++)
		key_w = MAX(key_w, (int)strlen(cl->param[i].key));
	if (cl->count)
		console_printf("  %-*s %-16s %s\n", key_w, "key", "value",
			       verbose ? "status   meaning" : "status");
	for (unsigned i = 0; i < cl->count; i++)
		show_param(i, key_w, verbose);
	console_printf("%u parameter%s, %u malformed word%s skipped\n", cl->count,
		       plural(cl->count), cl->errors, plural(cl->errors));
	if (cl->errors)
		console_printf("first error: %s (all of them: dmesg)\n", cl->first_error);
	if (verbose) {
		console_printf("keys this kernel knows:\n");
		for (const struct cmdline_key *k = next_sorted(NULL); k; k = next_sorted(k))
			console_printf("  %-20s %s\n", k->form, k->help);
	}
	return 0;
}

SHELL_COMMAND(cmdline, "[-v]", "the kernel command line and how it was understood",
	      cmd_cmdline);
