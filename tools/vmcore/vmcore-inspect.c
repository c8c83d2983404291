/*
 * vmcore-inspect: look inside a vmcore of this kernel from the host, the
 * way Linux users do with crash, makedumpfile --dump-dmesg and readelf.
 * This file is the table of contents: usage, then one command per file
 * (info.c, dmesg.c, read.c, memmap.c).  Exit status: 0 done, 2 any error
 * ("vmcore-inspect: error: ..." on stderr).
 */
#include "commands.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "info", "VMCORE [KERNEL.ELF]",
	  "notes, each CPU's registers (rip symbolized with KERNEL.ELF), the VMCOREINFO\n"
	  "      keys, the memory ranges, the crash time, and whether KERNEL.ELF's build id\n"
	  "      is the vmcore's", cmd_info },
	{ "dmesg", "VMCORE",
	  "the crashed kernel's log ring, oldest first, as dmesg prints it", cmd_dmesg },
	{ "read", "VMCORE [-v] ADDR LEN",
	  "hex dump of LEN bytes (at most 1 MiB) at physical ADDR, or with -v at\n"
	  "      virtual ADDR translated through the crashed kernel's page tables", cmd_read },
	{ "memmap", "VMCORE [-o FILE.svg] [--no-png]",
	  "the physical memory layout: as text, or with -o a picture (SVG, and\n"
	  "      FILE.png if rsvg-convert or ImageMagick is installed)", cmd_memmap },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(FILE *out)
{
	fprintf(out, "usage: vmcore-inspect COMMAND ARGS...\n"
		"Reads a vmcore (ELF core file) saved by this kernel's capture kernel.\n\n");
	for (unsigned i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  vmcore-inspect %s %s\n      %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fprintf(out, "\nADDR and LEN are 0x... hex or decimal.  Exit status 0, or 2 on any "
		"error\n(a truncated or corrupt file, a foreign file, an address not in the dump).\n");
}

void usage_of(const char *command)
{
	for (unsigned i = 0; i < NR_COMMANDS; i++)
		if (strcmp(commands[i].name, command) == 0)
			die("usage: vmcore-inspect %s %s", command, commands[i].args);
	die("usage: vmcore-inspect COMMAND ARGS... (--help lists them)");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("no command: vmcore-inspect info|dmesg|read|memmap ... (--help for more)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		help(stdout);
		return 0;
	}
	for (unsigned i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: vmcore-inspect %s %s\n      %s\n", commands[i].name,
			       commands[i].args, commands[i].help);
			return 0;
		}
		return commands[i].run(argc - 2, argv + 2);
	}
	die("unknown command '%s': vmcore-inspect info|dmesg|read|memmap (--help for more)",
	    argv[1]);
}
