/*
 * The commands of vmcore-inspect, one file each.  Each takes the words
 * after its name (argv[0] is the first of them), returns the exit status,
 * and dies with status 2 on any error.
 */
#ifndef VMCORE_COMMANDS_H
#define VMCORE_COMMANDS_H

int cmd_info(int argc, char **argv);	/* VMCORE [KERNEL.ELF] */
int cmd_dmesg(int argc, char **argv);	/* VMCORE */
int cmd_read(int argc, char **argv);	/* VMCORE [-v] ADDR LEN */
int cmd_memmap(int argc, char **argv);	/* VMCORE [-o FILE.svg] [--no-png] */

/* Print the usage line of one command and exit 2 (argument errors). */
__attribute__((noreturn)) void usage_of(const char *command);

#endif
