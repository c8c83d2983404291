/*
 * panic: the kernel cannot go on.  Exactly one CPU runs this path: the one
 * that wins panic_cpu; any later entry (a panic inside the panic, another
 * CPU) prints one line and halts.  The path never allocates and runs with
 * interrupts off, so it works from exception handlers and a broken heap.
 * After the report come the panic hooks (PANIC_HOOK, lib/panic.h: kdump
 * registers one), then cmdline panic=N decides: halt forever (0, the
 * default), reboot after N seconds, or at once (N<0).
 * Linux: kernel/panic.c (panic, panic_cpu, panic_timeout).
 */
#include <stdarg.h>
#include "drivers/reboot.h"
#include "kernel/console.h"
#include "kernel/kallsyms.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/traps.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/time.h"
#include "lib/vsprintf.h"

#define PANIC_CPU_INVALID -1

/* The CPU running the panic path, or PANIC_CPU_INVALID (Linux: panic_cpu). */
static int panic_cpu = PANIC_CPU_INVALID;
/* Later entries print one line between them, then stay silent. */
static int panic_later_lines;

/* The message, formatted once: no allocation on this path. */
static char panic_msg[256];
/* Registers of the panicking context, for show_regs and the crash note. */
static struct trap_frame panic_regs;

bool panic_on_this_cpu(void)
{
	return __atomic_load_n(&panic_cpu, __ATOMIC_RELAXED) == (int)smp_processor_id();
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_cpu, __ATOMIC_RELAXED) != PANIC_CPU_INVALID;
}

__noreturn void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");	/* an NMI may wake hlt */
}

/*
 * Claim the panic path for this CPU (Linux: atomic_try_cmpxchg on
 * panic_cpu).  A nested panic on the winner halts; a second CPU that
 * panics at the same time keeps regs as its own failure and waits for the
 * winner's NMI shootdown, which saves them in its crash note (Linux:
 * panic_smp_self_stop, nmi_panic_self_stop).
 */
static void claim_panic_cpu(struct trap_frame *regs)
{
	int cpu = (int)smp_processor_id();
	int old = PANIC_CPU_INVALID;

	if (__atomic_compare_exchange_n(&panic_cpu, &old, cpu, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		return;
	if (old != cpu)
		this_cpu()->panic_regs = regs;	/* first: the shootdown's NMI may come now */
	if (__atomic_fetch_add(&panic_later_lines, 1, __ATOMIC_SEQ_CST) == 0) {
		/* console_write, not printk: the ring may be what broke. */
		static const char line[] = "panic: nested panic or second CPU: halting this CPU\n";

		console_write(line, sizeof(line) - 1);
	}
	if (old == cpu)
		halt_forever();
	smp_panic_self_stop(regs);
}

/* The hooks: PANIC_HOOK() entries (lib/panic.h, linker.ld). */
extern const struct panic_hook __start_panic_hooks[], __stop_panic_hooks[];

void panic_end_marker(void)
{
	static bool printed;

	if (printed)
		return;
	printed = true;
	pr_emerg("---[ end Kernel panic - not syncing: %s ]---\n", panic_msg);
}

/*
 * Linux calls __crash_kexec() at this point of panic(), after the message
 * and the stack dump, before the panic=N handling; here kdump's hook does
 * that (crash/crash_core.c), and returns when no capture kernel is loaded.
 */
static void run_panic_hooks(const struct trap_frame *regs)
{
	for (const struct panic_hook *h = __start_panic_hooks; h < __stop_panic_hooks; h++)
		h->fn(regs);
}

/* panic=N from the command line (Linux: panic_timeout).  0 if absent. */
static long long panic_timeout(void)
{
	long long secs = 0;
	int err = cmdline_get_int(&kernel_cmdline, "panic", &secs);

	if (err == -E_NOENT)
		return 0;
	if (err) {
		pr_emerg("panic: error: ignoring malformed panic= on the command line (%s)\n",
			 err_name(err));
		return 0;
	}
	return secs;
}

static __noreturn void panic_timeout_action(void)
{
	long long secs = panic_timeout();

	if (secs > 0) {
		pr_emerg("Rebooting in %lld seconds..\n", secs);
		for (long long i = 0; i < secs; i++)
			udelay(1000000);
	}
	if (secs != 0) {
		pr_emerg("panic: rebooting (panic=%lld)\n", secs);
		machine_reboot();
	}
	halt_forever();
}

/*
 * The common path.  regs is the context to report: the trap frame of a
 * fatal exception, or the registers captured in panic().  from_trap
 * chooses Linux's order: for an oops the register dump and trace come
 * first and "Kernel panic" last; for a plain panic the message comes first.
 */
static __noreturn void panic_common(const struct trap_frame *regs, bool from_trap)
{
	if (!from_trap)
		pr_emerg("Kernel panic - not syncing: %s\n", panic_msg);
	show_regs(regs);
	pr_emerg("Call Trace:\n");
	backtrace_print(regs->rip, regs->rbp);
	if (from_trap)
		pr_emerg("Kernel panic - not syncing: %s\n", panic_msg);
	run_panic_hooks(regs);
	smp_send_stop(false);	/* no capture kernel: stop the others (Linux: smp_send_stop) */
	/* So the log ends with the panic message (with panic=N the reboot
	 * lines follow it, but then there is no vmcore). */
	panic_end_marker();
	panic_timeout_action();
}

__noreturn void panic(const char *fmt, ...)
{
	struct trap_frame here;
	va_list ap;

	irq_disable();
	trap_frame_capture(&here);	/* before anything changes them */
	claim_panic_cpu(&here);
	panic_regs = here;
	va_start(ap, fmt);
	kvsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	panic_common(&panic_regs, false);
}

__noreturn void panic_with_frame(struct trap_frame *tf, const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	claim_panic_cpu(tf);
	panic_regs = *tf;
	va_start(ap, fmt);
	kvsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	panic_common(&panic_regs, true);
}

CMDLINE_KEY(panic, "panic=SECONDS",
	    "after a panic: 0 halt (default), N>0 reboot after N s, N<0 at once",
	    cmdline_check_int);
