/*
 * "crash KIND": break the kernel on purpose, one way of dying per
 * crash_<kind> function, so the backtrace names it; with a capture kernel
 * loaded (kexec -p) every kind but bp ends in a vmcore.  Linux has the
 * same idea in drivers/misc/lkdtm (crash points) and sysrq 'c'.
 *
 * KIND           what it does                      what the learner sees
 * panic          panic("crash: requested...")      "Kernel panic - not syncing: crash: ..."
 * null           writes through a NULL pointer     traps: #PF ... fault address 0x0..0 (write,
 *                                                  not present, kernel), NULL hint
 * gpf            writes a non-canonical address    traps: #GP ..., error 0x0
 * ud             executes ud2                      traps: #UD invalid opcode
 * div0           divides by zero                   traps: #DE divide error
 * bp             executes int3                     registers and trace, then the shell goes on
 * stackoverflow  recursion with 1 KiB frames       #PF on the boot stack's unmapped guard page;
 *                                                  the CPU cannot push the #PF frame on the full
 *                                                  stack: "traps: #DF double fault" (on IST1),
 *                                                  "traps: kernel stack overflow: guard page
 *                                                  [...) hit at ...", panic "kernel stack
 *                                                  overflow"; the trace is crash_stackoverflow
 *                                                  repeated up to the depth limit
 * doublefault    RSP := an address never mapped,   the push faults, delivering that #PF faults
 *                then a push                       again: "traps: #DF double fault in
 *                                                  crash_doublefault", "RSP ... is in no
 *                                                  kernel stack", panic "Fatal exception"
 * nmi            a real NMI to self (local APIC    "traps: NMI non-maskable interrupt in
 *                ICR, delivery mode NMI)           crash_nmi", panic "NMI received: not
 *                                                  recovering".  QEMU's monitor "nmi"
 *                                                  (Ctrl-A C, nmi) does the same from outside
 * lockup         spins forever, interrupts on      after 5 s the timer tick's soft lockup
 *                                                  detector: "watchdog: BUG: soft lockup -
 *                                                  CPU#0 stuck for 5s!", trace from crash_lockup
 * hardlockup     spins forever, interrupts off     the buddy (the next online CPU) sees its
 *                (needs a second online CPU)       ticks stop: after 5 s an NMI asks where it
 *                                                  is ("NMI backtrace for cpu N", the loop),
 *                                                  then "watchdog: Watchdog detected hard
 *                                                  LOCKUP on cpu N", panic "Hard LOCKUP" on
 *                                                  the buddy; the dump shows the loop
 * twopanic       this CPU and the next online one  two "Kernel panic" attempts, one wins
 *                panic at the same moment          panic_cpu: "panic: nested panic or second
 *                                                  CPU: halting this CPU", one capture, both
 *                                                  CPUs' crash_twopanic_cpu in the dump
 * bitmap         clears the frame allocator's      panic "crash: frame bitmap damaged on
 *                "used" bits for the first 64 MiB  purpose"; the capture kernel must not
 *                (a stray memset), then panics     believe the bitmap: "vmcore: warning: the
 *                                                  dead kernel's frame bitmap does not
 *                                                  validate", every page kept
 * Every kind but bp ends in panic() or panic_with_frame() with the
 * registers at the point of failure, the input of the crash_kexec hook.
 */
#include "drivers/apic.h"
#include "drivers/timer.h"
#include "kernel/smp.h"
#include "lib/cpu.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "kernel/watchdog.h"
#include "lib/watchdog.h"
#include "lib/x86.h"
#include "mm/frames.h"
#include "mm/pmm.h"

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

/* Bytes of each crash_stackoverflow frame: under the 4 KiB guard, so no
 * frame can step over it, and big enough to fill 32 KiB in ~30 calls. */
#define OVERFLOW_FRAME 1024
/* Past the 64 TiB direct-map window, below the kernel: never mapped. */
#define DOUBLEFAULT_RSP 0xffffc90000000000ULL


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

/*
 * Each call takes OVERFLOW_FRAME bytes and never ends: the frame is used
 * after the recursive call (no tail call), and the condition is opaque
 * (no "infinite recursion" folding).  The boot stack's guard page stops it.
 */
static CRASH_FN void crash_stackoverflow(void)
{
	volatile uint8_t frame[OVERFLOW_FRAME];

	frame[0] = 1;			/* the lowest byte: touch the new page */
	if (OPAQUE(frame[0]))
		crash_stackoverflow();
	frame[OVERFLOW_FRAME - 1] = frame[0];
}

/*
 * A double fault without a stack overflow: with RSP at an unmapped address
 * the push faults (#PF), and delivering that #PF needs the same stack, so
 * the CPU raises #DF, which runs on its IST1 stack.  RBP still holds this
 * function's frame, so the backtrace starts here.
 */
static CRASH_FN void crash_doublefault(void)
{
	FORCE_FRAME();
	__asm__ volatile("movq %0, %%rsp\n\t"
			 "pushq $0\n\t"
			 "ud2"
			 : : "r"(DOUBLEFAULT_RSP) : "memory");
	__builtin_unreachable();
}

/*
 * A real NMI, not "int $2": the local APIC sends one to its own APIC ID
 * (drivers/apic.h).  The CPU takes it at the next instruction boundary, on
 * its IST2 stack; kernel/traps.c panics.  We wait up to one second here,
 * without calls, so the interrupted RIP is in this function.
 */
static CRASH_FN void crash_nmi(void)
{
	uint64_t wait = tsc_khz() ? tsc_khz() * 1000 : 3000000000ULL;	/* no calls after the send */

	if (!apic_send_nmi_self()) {
		console_printf("crash: nmi: no enabled local APIC; use QEMU's monitor: nmi\n");
		return;
	}
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < wait;)
		cpu_relax();
	console_printf("crash: nmi: no NMI arrived within a second\n");
}

/*
 * A CPU stuck in a loop with interrupts on: it never again reaches the
 * shell's idle wait, so after SOFTLOCKUP_THRESH_S seconds the timer tick
 * (kernel/watchdog.c) panics with this function's registers.
 */
static CRASH_FN void crash_lockup(void)
{
	console_printf("crash: spinning with interrupts on; the watchdog fires after %u s\n",
		       SOFTLOCKUP_THRESH_S);
	irq_enable();			/* the tick must be able to see us */
	for (;;)
		cpu_relax();
}

/* The CPU after this one that is online, or -1. */
static int other_cpu(void)
{
	for (unsigned i = 1; i < nr_cpu_ids; i++) {
		unsigned cpu = (smp_processor_id() + i) % nr_cpu_ids;

		if (cpu_online(cpu))
			return (int)cpu;
	}
	return -1;
}

/*
 * A CPU stuck in a loop with interrupts off: no timer interrupt reaches
 * it, so only another CPU can notice (kernel/watchdog_buddy.c); alone,
 * nothing would, and the machine would hang: refused.
 */
static CRASH_FN void crash_hardlockup(void)
{
	int buddy = other_cpu();

	if (buddy < 0) {
		console_printf("crash: hardlockup needs a second online CPU to notice it (a buddy); "
			       "not spinning\n");
		return;
	}
	console_printf("crash: CPU %u spins with interrupts off; a buddy CPU notices after %u s\n",
		       smp_processor_id(), HARDLOCKUP_THRESH_S);
	irq_disable();
	for (;;)
		cpu_relax();
}

static volatile int twopanic_arrived;

/* Both CPUs come here, wait for each other, and panic in the same instant. */
static CRASH_FN void crash_twopanic_cpu(void *unused)
{
	FORCE_FRAME();
	__atomic_add_fetch(&twopanic_arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&twopanic_arrived, __ATOMIC_SEQ_CST) < 2)
		cpu_relax();
	panic("crash: twopanic on CPU %u", smp_processor_id());
}

static CRASH_FN void crash_twopanic(void)
{
	int other = other_cpu();

	if (other < 0) {
		console_printf("crash: twopanic needs a second online CPU; not panicking\n");
		return;
	}
	console_printf("crash: CPUs %u and %d panic at the same moment\n", smp_processor_id(),
		       other);
	twopanic_arrived = 0;
	if (smp_call_function_single((unsigned)other, crash_twopanic_cpu, NULL, false)) {
		console_printf("crash: twopanic: CPU %d did not take the call\n", other);
		return;
	}
	irq_disable();
	crash_twopanic_cpu(NULL);
}

/*
 * A stray memset over the frame allocator's bitmap, as a bug elsewhere
 * could do: the first 64 MiB's frames, the kernel image's among them,
 * now claim to be free.  A capture kernel that believed it would leave
 * them out of the dump; ours must notice and keep every page.
 */
static CRASH_FN void crash_bitmap(void)
{
	const struct frames *f = pmm_frames();

	FORCE_FRAME();
	memset(f->used, 0, MIN(f->nwords, (size_t)(64 * MiB / PAGE_SIZE / 64)) * sizeof(uint64_t));
	panic("crash: frame bitmap damaged on purpose");
}

static const struct {
	const char *kind;
	void (*fn)(void);
	const char *what;	/* for "crash" alone: what it does, what you see */
} crash_kinds[] = {
	{ "panic", crash_panic, "panic() from a shell command" },
	{ "null", crash_null, "write through NULL: #PF, fault address 0" },
	{ "gpf", crash_gpf, "write to a non-canonical address: #GP" },
	{ "ud", crash_ud, "ud2: #UD invalid opcode" },
	{ "div0", crash_div0, "divide by zero: #DE" },
	{ "bp", crash_bp, "int3: registers and call trace, then carry on" },
	{ "stackoverflow", crash_stackoverflow,
	  "endless recursion: #PF on the stack guard page, then #DF on IST1" },
	{ "doublefault", crash_doublefault, "RSP at an unmapped address, then a push: #DF" },
	{ "nmi", crash_nmi, "real NMI to self (local APIC); QEMU monitor 'nmi' too" },
	{ "lockup", crash_lockup, "spin with interrupts on: the soft lockup watchdog fires" },
	{ "hardlockup", crash_hardlockup,
	  "spin with interrupts off: another CPU's buddy watchdog fires" },
	{ "twopanic", crash_twopanic, "this CPU and another panic at the same moment" },
	{ "bitmap", crash_bitmap,
	  "damage the frame allocator's bitmap, then panic: the dump must keep every page" },
};

#define CRASH_USAGE \
	"panic|null|gpf|ud|div0|bp|stackoverflow|doublefault|nmi|lockup|hardlockup|twopanic|bitmap"

/* "crash" alone lists the kinds; "crash KIND" triggers one. */
static int cmd_crash(int argc, char **argv)
{
	if (argc == 1) {
		for (unsigned i = 0; i < ARRAY_SIZE(crash_kinds); i++)
			console_printf("  %-14s %s\n", crash_kinds[i].kind, crash_kinds[i].what);
		return 0;
	}
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
SHELL_COMMAND(crash, "[" CRASH_USAGE "]",
	      "break the kernel on purpose; 'crash' alone says what each KIND does", cmd_crash);
