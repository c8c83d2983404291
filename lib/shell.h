/*
 * The interactive shell on the console (serial and keyboard/VGA).
 * Commands register themselves where they are implemented with
 * SHELL_COMMAND(); the linker gathers them into one table (section
 * .shell_cmds, bounded by __start_shell_cmds/__stop_shell_cmds).
 * Linux: kdb's command table (kdb_register, kernel/debug/kdb).
 */
#ifndef LIB_SHELL_H
#define LIB_SHELL_H

#include "lib/types.h"

struct shell_command {
	const char *name;
	const char *usage;	/* arguments, e.g. "[-v] ADDR LEN" */
	const char *help;	/* one line */
	int (*fn)(int argc, char **argv);	/* 0 ok, -E_* on error */
};

#define SHELL_COMMAND(cname, cusage, chelp, cfn)                              \
	static const struct shell_command __shell_cmd_##cname                 \
		__attribute__((used, section("shell_cmds"), aligned(8))) = { \
			.name = #cname, .usage = cusage, .help = chelp, .fn = cfn \
		}

/*
 * Errors.  A command returns 0 or -E_*.  When it fails, the shell prints
 * "<cmd>: error: <E_NAME>" unless the command already explained the
 * failure through one of these two (which print the line and mark the
 * error as reported); anything else a command prints is just output.
 *
 *   if (argc != 2)
 *       return shell_usage();
 *   if (!mapped)
 *       return shell_error(-E_RANGE, "0x%llx is not in the direct map", a);
 */
/* "<cmd>: usage: <cmd> <usage>" from the command's table entry; -E_INVAL. */
int shell_usage(void);
/* "<cmd>: error: <message> (<E_NAME>)"; returns err (a -E_* code). */
int shell_error(int err, const char *fmt, ...) __printf(2, 3);

/* The failure was already explained (e.g. by a "tag: error:" log line):
 * the shell adds no "<cmd>: error: E_NAME" line of its own. */
void shell_mark_reported(void);

/* Read-eval loop; never returns. */
__noreturn void shell_run(void);

/* Run one command line as if typed (used by tests and the cmdline "run="). */
int shell_execute(char *line);

#endif
