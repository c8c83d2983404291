/*
 * panic: the kernel cannot go on.  Prints the message, registers and a
 * backtrace, then halts (later issues route this into kdump).
 * Linux: kernel/panic.c.
 */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "lib/types.h"

struct trap_frame;

/*
 * Stop the kernel for a broken invariant: print "Kernel panic - not
 * syncing: <message>", the registers and the call trace, pass the crash
 * kexec hook, then halt, or reboot after panic=N seconds.  Never returns.
 */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Panic from an exception, with the faulting context. */
__noreturn void panic_with_frame(struct trap_frame *tf, const char *fmt, ...) __printf(2, 3);

#define ASSERT(cond)                                                          \
	do {                                                                  \
		if (unlikely(!(cond)))                                        \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

/* Stop this CPU for good: interrupts off, hlt forever. */
__noreturn void halt_forever(void);

#endif
