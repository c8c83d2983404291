/*
 * panic: the kernel cannot go on.  Prints the message, registers and a
 * backtrace, runs the registered panic hooks (kdump's boots the capture
 * kernel), then halts or reboots (panic=N).  Every layer may panic, so the
 * interface is here; kernel/panic.c implements it.  Linux: kernel/panic.c,
 * include/linux/panic.h.
 */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "lib/types.h"

struct trap_frame;

/*
 * Stop the kernel for a broken invariant: print "Kernel panic - not
 * syncing: <message>", the registers and the call trace, run the panic
 * hooks, then halt, or reboot after panic=N seconds.  Never returns.
 */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Panic from an exception, with the faulting context. */
__noreturn void panic_with_frame(struct trap_frame *tf, const char *fmt, ...) __printf(2, 3);

#define ASSERT(cond)                                                          \
	do {                                                                  \
		if (unlikely(!(cond)))                                        \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

/* Is the calling CPU the one running the panic path (it won panic_cpu)? */
bool panic_on_this_cpu(void);

/* Has any CPU entered panic()? */
bool panic_in_progress(void);

/* Stop this CPU for good: interrupts off, hlt forever. */
__noreturn void halt_forever(void);

/*
 * What panic() does once its report is out, before panic=N, registered by
 * the layer that knows how (Linux calls __crash_kexec() from panic()
 * itself; here crash/ sits above kernel/, so it registers):
 *
 *   PANIC_HOOK(kdump, crash_panic_hook);        crash/crash_core.c
 *
 * The linker gathers the entries into section panic_hooks (linker.ld);
 * panic() calls each in link order on the panicking CPU, interrupts off.
 * A hook must not allocate or take locks; it may print the end marker
 * (panic_end_marker) and never return.  regs is the failing context.
 */
struct panic_hook {
	const char *name;
	void (*fn)(const struct trap_frame *regs);
};

#define PANIC_HOOK(hname, hfn)                                                  \
	static const struct panic_hook __panic_hook_##hname                      \
		__attribute__((used, section("panic_hooks"), aligned(8))) = {    \
			.name = #hname, .fn = hfn                                 \
		}

/*
 * Log "---[ end Kernel panic - not syncing: <message> ]---", Linux's
 * closing line, once: later calls do nothing.  panic() prints it after
 * the hooks if none did; kdump's hook prints it before it jumps, so it is
 * the last line of the dead kernel's log in every case.
 */
void panic_end_marker(void);

#endif
