/*
 * The interactive shell: read a line with the line editor, split it into
 * words (cmdline_split), look the first one up in the table SHELL_COMMAND()
 * builds in the linker section shell_cmds, run it.  Also the built-in
 * commands that belong to no other feature: help, echo, history, clear,
 * version, dmesg.  Linux has no kernel shell; kdb (kernel/debug/kdb) is
 * the nearest thing, with the same "table of named commands" design.
 */
#include <stdarg.h>
#include "lib/shell.h"
#include "kernel/console.h"
#include "kernel/lineedit.h"
#include "kernel/percpu.h"
#include "kernel/version.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

#define SHELL_PROMPT "kernel> "
#define SHELL_MAX_ARGS 32	/* argv entries, the final NULL included */
#define HELP_WIDTH_MAX 36	/* widest "name usage" column in help */

extern const struct shell_command __start_shell_cmds[], __stop_shell_cmds[];

static struct lineedit shell_le;
/* The command running now, and whether it already reported its error. */
/* The command running on each CPU (a command may run on another CPU, `on`,
 * while the shell's goes on), and whether it explained its failure. */
static const struct shell_command *current_cmd[NR_CPUS];
static bool reported[NR_CPUS];
#define current current_cmd[smp_processor_id()]
#define current_reported reported[smp_processor_id()]

static const struct shell_command *shell_find(const char *name)
{
	for (const struct shell_command *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Commands in name order: the first one after prev (NULL: the first). */
static const struct shell_command *next_sorted(const struct shell_command *prev)
{
	const struct shell_command *best = NULL;

	for (const struct shell_command *c = __start_shell_cmds; c < __stop_shell_cmds; c++) {
		if (prev && strcmp(c->name, prev->name) <= 0)
			continue;
		if (!best || strcmp(c->name, best->name) < 0)
			best = c;
	}
	return best;
}

int shell_usage(void)
{
	const char *name = current ? current->name : "shell";
	const char *usage = current ? current->usage : "";

	console_printf("%s: usage: %s%s%s\n", name, name, *usage ? " " : "", usage);
	current_reported = true;
	return -E_INVAL;
}

int shell_error(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_printf("%s: error: %s (%s)\n", current ? current->name : "shell", msg,
		       err_name(err));
	current_reported = true;
	return err;
}

void shell_mark_reported(void)
{
	current_reported = true;
}

int shell_execute(char *line)
{
	const struct shell_command *saved = current, *c;
	bool saved_reported = current_reported;
	char *argv[SHELL_MAX_ARGS];
	int argc = cmdline_split(line, argv, SHELL_MAX_ARGS);
	int err;

	if (argc == -E_INVAL) {
		console_printf("shell: error: unterminated quote (E_INVAL)\n");
		return argc;
	}
	if (argc == -E_2BIG) {
		console_printf("shell: error: more than %d words (E_2BIG)\n", SHELL_MAX_ARGS - 1);
		return argc;
	}
	if (argc == 0)
		return 0;
	c = shell_find(argv[0]);
	if (!c) {
		console_printf("shell: unknown command '%s' (try 'help')\n", argv[0]);
		return -E_NOENT;
	}
	current = c;
	current_reported = false;
	err = c->fn(argc, argv);
	if (err < 0 && !current_reported)
		console_printf("%s: error: %s\n", c->name, err_name(err));
	current = saved;		/* a command may run commands */
	current_reported = saved_reported;
	return err;
}

static void shell_write(void *ctx, const char *s, size_t n)
{
	console_write(s, n);
}

static const char *command_name(void *ctx, unsigned index)
{
	const struct shell_command *c = __start_shell_cmds + index;

	return c < __stop_shell_cmds ? c->name : NULL;
}

/* Two SHELL_COMMAND()s with one name: only the first can ever run. */
static void check_table(void)
{
	for (const struct shell_command *a = __start_shell_cmds; a < __stop_shell_cmds; a++)
		for (const struct shell_command *b = a + 1; b < __stop_shell_cmds; b++)
			if (strcmp(a->name, b->name) == 0)
				pr_warn("shell: warning: command '%s' defined twice, the second is unreachable\n",
					a->name);
}

/* run="cmd1; cmd2" on the kernel command line: run them as if typed. */
static void run_boot_commands(void)
{
	static char cmds[CMDLINE_VALUE_MAX];
	const char *value = cmdline_get(&kernel_cmdline, "run");
	char *p = cmds;

	if (!value)
		return;
	strlcpy(cmds, value, sizeof(cmds));
	while (p) {
		char *semi = strchr(p, ';');

		if (semi)
			*semi = '\0';
		while (*p == ' ')
			p++;
		for (char *e = p + strlen(p); e > p && e[-1] == ' ';)
			*--e = '\0';
		if (*p) {
			console_printf(SHELL_PROMPT "%s\n", p);
			shell_execute(p);
		}
		p = semi ? semi + 1 : NULL;
	}
}

__noreturn void shell_run(void)
{
	static char line[LINEEDIT_MAX + 1];
	enum lineedit_result r;

	check_table();
	lineedit_init(&shell_le, SHELL_PROMPT, shell_write, command_name, NULL);
	run_boot_commands();
	for (;;) {
		lineedit_start(&shell_le);
		do
			r = lineedit_feed(&shell_le, console_getc());
		while (r == LINEEDIT_MORE);
		if (r == LINEEDIT_DONE) {
			strlcpy(line, lineedit_line(&shell_le), sizeof(line));
			shell_execute(line);
		} else if (r == LINEEDIT_TOO_LONG) {
			console_printf("shell: error: line longer than %d bytes: refused, "
				       "nothing run (E_2BIG)\n", LINEEDIT_MAX);
		}
	}
}

/* ------------------------------------------------------------ built-ins */

/* "name usage" of c into head; returns its length. */
static int help_head(const struct shell_command *c, char *head, size_t size)
{
	return ksnprintf(head, size, "%s%s%s", c->name, *c->usage ? " " : "", c->usage);
}

static int cmd_help(int argc, char **argv)
{
	const struct shell_command *c;
	char head[128];
	int width = 0;

	if (argc > 2)
		return shell_usage();
	if (argc == 2) {
		c = shell_find(argv[1]);
		if (!c)
			return shell_error(-E_NOENT, "no command '%s'", argv[1]);
		console_printf("usage: %s%s%s\n  %s\n", c->name, *c->usage ? " " : "",
			       c->usage, c->help);
		return 0;
	}
	for (c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		width = MAX(width, MIN(help_head(c, head, sizeof(head)), HELP_WIDTH_MAX));
	console_printf("Commands (help CMD for one; Tab completes names):\n");
	for (c = next_sorted(NULL); c; c = next_sorted(c)) {
		help_head(c, head, sizeof(head));
		console_printf("  %-*s  %s\n", width, head, c->help);
	}
	return 0;
}

/* Written straight to the console: a word may be as long as a line. */
static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		console_write(argv[i], strlen(argv[i]));
		console_write(i + 1 < argc ? " " : "\n", 1);
	}
	if (argc == 1)
		console_write("\n", 1);
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	unsigned n = lineedit_history_count(&shell_le);

	if (argc != 1)
		return shell_usage();
	for (unsigned i = 0; i < n; i++)
		console_printf("%4u  %s\n", i + 1, lineedit_history_get(&shell_le, i));
	return 0;
}

static int cmd_clear(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	console_write("\x1b[H\x1b[2J", 7);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	console_printf("%s %s (build id %s)\n", KERNEL_NAME, KERNEL_RELEASE, kernel_build_id());
#if defined(__GNUC__) && !defined(__clang__)
	console_printf("built with gcc %s\n", __VERSION__);
#endif
	return 0;
}

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
};

/* "0".."7" or a name from level_names; -1 if neither. */
static int parse_level(const char *s)
{
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i < (int)ARRAY_SIZE(level_names); i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

/*
 * dmesg: the whole ring; -l LEVEL only LEVEL and more severe (util-linux's
 * "--level LEVEL+"); -n LEVEL sets the console level as loglevel= does.
 * No -c: the ring is also what a vmcore shows, so nothing clears it.
 */
static int cmd_dmesg(int argc, char **argv)
{
	int level;

	if (argc == 1) {
		dmesg_print(LOGLEVEL_DEBUG);
		return 0;
	}
	if (argc != 3)
		return shell_usage();
	level = parse_level(argv[2]);
	if (strcmp(argv[1], "-l") == 0) {
		if (level < 0)
			return shell_error(-E_INVAL, "level '%s' is not 0-7 or emerg..debug", argv[2]);
		dmesg_print(level);
		return 0;
	}
	if (strcmp(argv[1], "-n") == 0) {
		if (strcmp(argv[2], "8") == 0)
			level = 8;
		if (level < 1)
			return shell_error(-E_INVAL, "console level '%s' is not 1-8", argv[2]);
		console_loglevel = level;
		console_printf("dmesg: console shows messages with level < %d\n", level);
		return 0;
	}
	return shell_usage();
}

SHELL_COMMAND(help, "[CMD]", "list the commands, or show how to use one", cmd_help);
SHELL_COMMAND(echo, "[WORD...]", "print the words (quotes group, \\\" inside quotes)",
	      cmd_echo);
SHELL_COMMAND(history, "", "the lines typed so far (Up/Down recall them)", cmd_history);
SHELL_COMMAND(clear, "", "clear the screen", cmd_clear);
SHELL_COMMAND(version, "", "kernel name, release and build id", cmd_version);
SHELL_COMMAND(dmesg, "[-l LEVEL | -n LEVEL]",
	      "the kernel log (-l: LEVEL and worse; -n: console level)", cmd_dmesg);

CMDLINE_KEY(run, "run=\"CMD; CMD...\"", "shell commands run before the first prompt", NULL);
