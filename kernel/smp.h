/*
 * SMP: the other CPUs.  Bringing them up (kernel/smpboot.c), their idle
 * loop, running functions on them (in interrupt context, or as work their
 * idle loop picks up with interrupts on), stopping them (kexec, panic),
 * and the NMI shootdown that stops even a CPU spinning with interrupts
 * off.  Linux: kernel/smp.c (smp_call_function_single/_many,
 * smp_call_on_cpu), arch/x86/kernel/smp.c (native_stop_other_cpus),
 * reboot.c (nmi_shootdown_cpus), smpboot.c, kernel/sched/idle.c.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "kernel/percpu.h"
#include "lib/types.h"

#define SMP_CALL_TIMEOUT_MS 1000	/* a target must start a call within this */
#define SMP_STOP_TIMEOUT_MS 1000	/* Linux waits 1 s for the stop IPI, then NMIs */

struct trap_frame;

/* Logical CPUs that exist (online or not), and those online now. */
extern unsigned nr_cpu_ids;
unsigned num_online_cpus(void);
bool cpu_online(unsigned cpu);

/* The CPUs of mask as "0 2 3" (sep ' ') or "0,2,3" into buf; returns buf. */
const char *smp_cpu_list(char *buf, size_t size, uint32_t mask, char sep);

/* The logical number of the CPU with this APIC id, or -1. */
int cpu_by_apic_id(uint32_t apic_id);

/*
 * Find the CPUs in the MADT and bring every one up to its idle loop
 * (INIT-SIPI-SIPI through a real-mode trampoline), honouring nr_cpus=,
 * maxcpus= and disable_cpu_apicid=; a CPU that does not answer is named
 * and left out.  After acpi_setup and apic_setup, interrupts off.
 */
void smp_init(void);

/* Sleep until an interrupt arrives ("sti; hlt", then interrupts off
 * again), telling the soft lockup detector this CPU is idle, not stuck.
 * Linux: default_idle. */
void default_idle(void);

/* An AP's life after start_secondary: run queued work, else idle.  Never
 * returns.  Linux: cpu_startup_entry, do_idle. */
__noreturn void cpu_idle_loop(void);

/*
 * Run fn(arg) on cpu in interrupt context (CALL_FUNCTION_VECTOR),
 * interrupts off there: it must be short and must not wait for other
 * CPUs.  On the calling CPU it runs directly.  With wait, returns after
 * fn returned.  0; -E_RANGE (no such CPU online); -E_TIMEDOUT if the
 * target did not start it within SMP_CALL_TIMEOUT_MS (or, with wait, did
 * not finish within it).  Linux: smp_call_function_single.
 */
int smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg, bool wait);

/* The same on every online CPU but the caller; the first error, after
 * trying them all.  Linux: smp_call_function_many. */
int smp_call_function_many(void (*fn)(void *), void *arg, bool wait);

/*
 * Run fn(arg) on cpu as work its idle loop picks up, interrupts on there
 * (so it may run long, print, wait): a shell command under `on`; what is
 * what `cpus` shows it doing meanwhile.  Call with interrupts on: waits,
 * idling, until fn returns, and gives its result; on the calling CPU it
 * runs directly.  -E_RANGE (not online), -E_TIMEDOUT (the target did not
 * pick it up within SMP_CALL_TIMEOUT_MS: busy or stuck).  Linux:
 * smp_call_on_cpu.
 */
int smp_call_on_cpu(unsigned cpu, int (*fn)(void *), void *arg, const char *what);

/*
 * Ask cpu, by NMI, to print its registers and call trace and to say
 * whether it was running with interrupts on (Linux:
 * trigger_single_cpu_backtrace, nmi_cpu_backtrace); the answer comes
 * later: smp_nmi_backtrace_answer gives NMI_BT_NONE until then.  The NMI
 * side (kernel/traps.c) asks smp_nmi_backtrace_pending, prints, and
 * answers with smp_nmi_backtrace_done.
 */
enum { NMI_BT_NONE, NMI_BT_IRQS_ON, NMI_BT_IRQS_OFF };
void smp_nmi_backtrace_request(unsigned cpu);
int smp_nmi_backtrace_answer(unsigned cpu);
bool smp_nmi_backtrace_pending(void);
void smp_nmi_backtrace_done(bool irqs_on);

/* The same without waiting for fn to finish (its result is lost): 0 once
 * cpu took the work.  -E_RANGE (not online, or the calling CPU),
 * -E_TIMEDOUT.  arg must live until fn is done. */
int smp_call_on_cpu_nowait(unsigned cpu, int (*fn)(void *), void *arg, const char *what);

/* Register the IPI vectors (call, reschedule, stop) and the remote TLB
 * flush; smp_init does it before it starts the first AP. */
void smp_vectors_setup(void);

/*
 * Stop every other online CPU: the REBOOT_VECTOR IPI, then an NMI for
 * those that have not stopped within SMP_STOP_TIMEOUT_MS; each masks its
 * local APIC timer and halts with interrupts off.  With report, logs how
 * each stopped; a CPU that did not is always named.  Linux:
 * native_stop_other_cpus.
 */
void smp_send_stop(bool report);

/*
 * After smp_send_stop, before kexec's jump: put every stopped CPU but the
 * bootstrap processor into INIT (wait-for-SIPI), where it runs no code
 * and no NMI can wake it into memory the next kernel is overwriting; the
 * next kernel starts it again with INIT-SIPI-SIPI.  INIT to the BSP would
 * restart it in the firmware, so the BSP is never sent one.  Linux:
 * smp_park_other_cpus_in_init.
 */
void smp_park_other_cpus(void);

/* The logical number of the bootstrap processor if it is online, or -1. */
int smp_bsp_cpu(void);

/*
 * The NMI shootdown (panic, kdump): every other online CPU is sent an NMI;
 * each runs callback(cpu, regs) with the registers it was interrupted at
 * (or, if it had panicked itself, those of its own failure), marks itself
 * crashed and halts for good.  Waits up to SMP_STOP_TIMEOUT_MS for them.
 * Returns a bit mask of the CPUs that did not answer.  Linux:
 * nmi_shootdown_cpus, crash_nmi_callback.
 */
typedef void (*nmi_shootdown_cb)(unsigned cpu, const struct trap_frame *regs);
uint32_t nmi_shootdown_cpus(nmi_shootdown_cb callback);

/*
 * A CPU that lost panic_cpu (kernel/panic.c): keep regs as its failure,
 * mark it crashed, and wait, interrupts off, for the winner's shootdown,
 * taking part in it even if NMIs are blocked here (it may be inside an
 * NMI handler).  Never returns.  Linux: nmi_panic_self_stop,
 * run_crash_ipi_callback.
 */
__noreturn void smp_panic_self_stop(struct trap_frame *regs);

/*
 * From the NMI entry (kernel/traps.c): an NMI that this layer sent (stop,
 * shootdown, a watchdog's backtrace request)?  Then it is handled here and
 * true is returned; false means nobody claims it.
 */
bool smp_nmi_handler(struct trap_frame *tf);

#endif
