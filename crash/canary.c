/*
 * "canary [VALUE]": a known value in a named global before a crash, to be
 * found again in the vmcore ("print/x crash_canary" in gdb, or at its
 * physical address in the dump).  It prints both addresses, so the same
 * 8 bytes can be checked by symbol, by virtual and by physical address.
 * Linux has no such command; lkdtm and a /proc write are the nearest.
 */
#include "boot/addr.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"

/* Global and not static, so kallsyms, gdb and the vmcore know its name. */
uint64_t crash_canary;

static void print_canary(void)
{
	uint64_t value = *(volatile uint64_t *)&crash_canary;

	console_printf("crash_canary = 0x%016llx at 0x%016llx (physical 0x%016llx)\n",
		       (unsigned long long)value,
		       (unsigned long long)(uintptr_t)&crash_canary,
		       (unsigned long long)virt_to_phys(&crash_canary));
}

/* canary: print it; canary VALUE: store VALUE (any parse_u64 number), print it. */
static int cmd_canary(int argc, char **argv)
{
	uint64_t value;

	if (argc > 2)
		return shell_usage();
	if (argc == 2) {
		if (parse_u64(argv[1], &value, false) != 0)
			return shell_error(-E_INVAL, "'%s' is not a 64-bit number", argv[1]);
		/* volatile: the store must reach memory before any crash that follows */
		*(volatile uint64_t *)&crash_canary = value;
	}
	print_canary();
	return 0;
}
SHELL_COMMAND(canary, "[VALUE]",
	      "write VALUE to the global crash_canary (for the vmcore); print it", cmd_canary);
