/*
 * The command line of this boot: parse boot_info.cmdline once, log every
 * malformed word, apply the few keys this file owns (loglevel, quiet) and
 * note the keys nobody knows, which are kept (a later issue may use them).
 * Linux: init/main.c (parse_early_param, unknown_bootoption) and the
 * loglevel=/quiet handlers there.  The "cmdline" shell command shows it all.
 */
#include "lib/cmdline.h"
#include "boot/bootinfo.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

struct cmdline kernel_cmdline;
static bool rejected[CMDLINE_MAX_PARAMS];	/* known key, value refused */

#define LOGLEVEL_QUIET 4	/* Linux CONSOLE_LOGLEVEL_QUIET: errors and worse */
#define LOGLEVEL_MAX 8		/* everything shown */
#define VALUE_SHOWN_MAX 40	/* cmdline command: longer values are cut */

struct cmdline_key {
	const char *key;
	const char *form;	/* how it is written, for error messages */
	const char *help;
	/* Act on one occurrence (in command-line order); NULL: read by its
	 * user through cmdline_get().  Returns 0 or -E_* (value rejected). */
	int (*apply)(const struct cmdline_param *p);
};

static int apply_loglevel(const struct cmdline_param *p)
{
	long long level;
	int err = cmdline_param_int(p, &level);

	if (err)
		return err;
	if (level < 0 || level > LOGLEVEL_MAX)
		return -E_RANGE;
	console_loglevel = (int)level;
	return 0;
}

static int apply_quiet(const struct cmdline_param *p)
{
	if (p->has_value)
		return -E_INVAL;
	console_loglevel = LOGLEVEL_QUIET;
	return 0;
}

/* A bare switch: "key", never "key=value". */
static int check_flag(const struct cmdline_param *p)
{
	return p->has_value ? -E_INVAL : 0;
}

/* Checked here so a bad value is reported at boot, not at the panic. */
static int check_int(const struct cmdline_param *p)
{
	long long v;

	return cmdline_param_int(p, &v);
}

/*
 * Every key this kernel understands.  A feature adds its line here, with
 * apply NULL when its own code reads the value.
 */
static const struct cmdline_key known_keys[] = {
	{ "loglevel", "loglevel=0..8",
	  "console shows messages with level < N (all are logged)", apply_loglevel },
	{ "quiet", "quiet", "console shows only errors and worse (loglevel=4)", apply_quiet },
	{ "panic", "panic=SECONDS",
	  "after a panic: 0 halt (default), N>0 reboot after N s, N<0 at once", check_int },
	{ "crashkernel", "crashkernel=SIZE[@OFFSET]",
	  "kdump window; also START-[END]:SIZE,...[@OFFSET] chosen by RAM size", NULL },
	{ "nosoftlockup", "nosoftlockup", "turn off the soft lockup detector (kernel/watchdog.c)",
	  check_flag },
	{ "run", "run=\"CMD; CMD...\"", "shell commands run before the first prompt", NULL },
	{ "elfcorehdr", "elfcorehdr=ADDR",
	  "capture kernel: the crashed kernel's ELF core header (set by kexec -p)", NULL },
	{ "vmcore_autosave", "vmcore_autosave=poweroff|reboot|shell",
	  "capture kernel: save the vmcore to the dump disk, then do that", NULL },
};

static const struct cmdline_key *find_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_keys); i++)
		if (strcmp(known_keys[i].key, key) == 0)
			return &known_keys[i];
	return NULL;
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
		int err = k && k->apply ? k->apply(p) : 0;

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
		for (size_t i = 0; i < ARRAY_SIZE(known_keys); i++)
			console_printf("  %-20s %s\n", known_keys[i].form, known_keys[i].help);
	}
	return 0;
}

SHELL_COMMAND(cmdline, "[-v]", "the kernel command line and how it was understood",
	      cmd_cmdline);
