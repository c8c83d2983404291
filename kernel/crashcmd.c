/*
 * Shell commands to break the kernel on purpose and to read its symbols:
 * "crash KIND" triggers one fault (each in its own crash_<kind> function,
 * so the backtrace names it), "sym" translates between addresses and
 * names, "bt" prints the shell's own call chain.  Linux has the same idea
 * in drivers/misc/lkdtm (crash points) and /proc/sysrq-trigger 'c'.
 */
#include "kernel/errno.h"
#include "kernel/kallsyms.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/string.h"

/* Keep each trigger a real function of its own, with its own name. */
#define CRASH_FN __attribute__((noinline, noclone, used))

/*
 * GCC gives a leaf function that needs no stack no frame, even with
 * -fno-omit-frame-pointer; the rbp chain would then skip its caller.
 * Asking for the frame address forces the push rbp / mov rsp, rbp.
 */
#define FORCE_FRAME() __asm__ volatile("" : : "r"(__builtin_frame_address(0)))

/* Hide a constant from the optimiser, which would otherwise see the UB
 * (a NULL store becomes a ud2) or fold the division at compile time. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

static CRASH_FN void crash_panic(void)
{
	panic("crash: requested from the shell");
}

static CRASH_FN void crash_null(void)
{
	volatile int *p = OPAQUE((volatile int *)0);

	FORCE_FRAME();
	*p = 0x2a;			/* #PF: write, not present */
}

static CRASH_FN void crash_gpf(void)
{
	/* Bits 63:47 not all equal: not canonical, so #GP(0), not #PF. */
	volatile uint64_t *p = OPAQUE((volatile uint64_t *)0x8000000000000000ULL);

	FORCE_FRAME();
	*p = 1;
}

static CRASH_FN void crash_ud(void)
{
	FORCE_FRAME();
	__asm__ volatile("ud2");	/* the defined invalid opcode */
}

static CRASH_FN void crash_div0(void)
{
	uint64_t divisor = OPAQUE((uint64_t)0), hi = 0, lo = 1;

	FORCE_FRAME();
	__asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(divisor));	/* #DE */
}

static CRASH_FN void crash_bp(void)
{
	FORCE_FRAME();
	__asm__ volatile("int3");	/* prints, then returns here */
}

static const struct {
	const char *kind;
	void (*fn)(void);
} crash_kinds[] = {
	{ "panic", crash_panic }, { "null", crash_null }, { "gpf", crash_gpf },
	{ "ud", crash_ud },	  { "div0", crash_div0 }, { "bp", crash_bp },
};

#define CRASH_USAGE "panic|null|gpf|ud|div0|bp"

static int cmd_crash(int argc, char **argv)
{
	if (argc == 2) {
		for (unsigned i = 0; i < ARRAY_SIZE(crash_kinds); i++) {
			if (strcmp(argv[1], crash_kinds[i].kind) == 0) {
				console_printf("crash: triggering '%s'\n", argv[1]);
				crash_kinds[i].fn();
				console_printf("crash: '%s' returned\n", argv[1]);
				return 0;
			}
		}
	}
	return shell_usage();
}
SHELL_COMMAND(crash, CRASH_USAGE, "break the kernel on purpose (fault, panic, int3)", cmd_crash);

static bool all_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

/*
 * sym ADDR prints "ADDR: name+0xoff/0xsize"; sym NAME prints "NAME: ADDR
 * (size 0x..)".  A word that is a symbol name wins; otherwise it is read
 * as a number (0x.. or decimal), and bare hex as the last resort.
 */
static int cmd_sym(int argc, char **argv)
{
	char sym[KSYM_SYMBOL_LEN];
	uint64_t addr = 0, off, size;

	if (argc != 2)
		return shell_usage();
	addr = kallsyms_lookup_name(argv[1]);
	if (addr) {
		kallsyms_lookup(addr, &off, &size);
		console_printf("%s: 0x%016lx (size 0x%lx)\n", argv[1], addr, size);
		return 0;
	}
	if (parse_u64(argv[1], &addr, false) != 0) {
		char hex[24] = "0x";

		if (!all_hex(argv[1]) || strlen(argv[1]) > 16)
			return shell_error(-E_NOENT, "no symbol '%s'", argv[1]);
		strlcpy(hex + 2, argv[1], sizeof(hex) - 2);
		parse_u64(hex, &addr, false);
	}
	if (!kallsyms_lookup(addr, &off, &size))
		return shell_error(-E_NOENT, "0x%016lx is not in the kernel image", addr);
	sprint_symbol(sym, sizeof(sym), addr);
	console_printf("0x%016lx: %s\n", addr, sym);
	return 0;
}
SHELL_COMMAND(sym, "ADDR|NAME", "kernel address to symbol+offset, or symbol to address", cmd_sym);

/* Console output (not the log): the shell's own frames, innermost first. */
static int cmd_bt(int argc, char **argv)
{
	uint64_t addrs[BACKTRACE_MAX_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
	uint64_t here;
	const char *why;
	unsigned n;

	if (argc != 1)
		return shell_usage();
	__asm__ volatile("leaq 0(%%rip), %0" : "=r"(here));
	n = backtrace_collect((uint64_t)(uintptr_t)__builtin_frame_address(0), addrs,
			      BACKTRACE_MAX_DEPTH, &why);
	console_printf("Call Trace:\n");
	sprint_symbol(sym, sizeof(sym), here);
	console_printf(" [<%016lx>] %s\n", here, sym);
	for (unsigned i = 0; i < n; i++) {
		sprint_backtrace(sym, sizeof(sym), addrs[i]);
		console_printf(" [<%016lx>] %s\n", addrs[i], sym);
	}
	if (why)
		console_printf(" (trace stops: %s)\n", why);
	return 0;
}
SHELL_COMMAND(bt, "", "print the call chain of the shell (frame pointers)", cmd_bt);
