/*
 * The interactive shell on the console (serial and keyboard/VGA).
 * Commands register themselves where they are implemented with
 * SHELL_COMMAND(); the linker gathers them into one table (section
 * .shell_cmds, bounded by __start_shell_cmds/__stop_shell_cmds).
 */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#include "kernel/types.h"

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

/* Read-eval loop; never returns. */
__noreturn void shell_run(void);

/* Run one command line as if typed (used by tests and the cmdline "run="). */
int shell_execute(char *line);

#endif
