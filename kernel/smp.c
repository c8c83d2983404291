/*
 * Running things on other CPUs, and stopping them.  Each CPU has two
 * mailboxes: a call slot, run by the CALL_FUNCTION_VECTOR handler with
 * interrupts off (short functions: a TLB flush, a state query), and a
 * work slot, run by its idle loop with interrupts on (a whole shell
 * command, under `on`), which RESCHEDULE_VECTOR wakes.  Every wait for
 * another CPU is bounded.  Stopping: the REBOOT_VECTOR IPI, then an NMI
 * for a CPU that does not answer (it may spin with interrupts off); the
 * panic's NMI shootdown has each CPU save its registers first.  Linux:
 * kernel/smp.c (smp_call_function_single, smp_call_on_cpu),
 * arch/x86/kernel/smp.c (native_stop_other_cpus), reboot.c
 * (nmi_shootdown_cpus, crash_nmi_callback), kernel/sched/idle.c.
 */
#include "drivers/apic.h"
#include "drivers/irq.h"
#include "kernel/smp.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/spinlock.h"
#include "lib/time.h"
#include "lib/vsprintf.h"
#include "lib/watchdog.h"
#include "mm/paging.h"

#define NS_PER_MS 1000000ULL

enum { SLOT_IDLE, SLOT_QUEUED, SLOT_TAKEN };

/* A mailbox: a sender fills it under lock; the target takes it. */
struct slot {
	spinlock_t lock;		/* one sender at a time */
	volatile int state;		/* SLOT_* */
	void *fn;			/* void (*)(void *) or int (*)(void *) */
	void *arg;
	const char *what;		/* work: what `cpus` shows while it runs */
	unsigned from;			/* work: the CPU to wake when done */
	volatile uint64_t gen;		/* the sender's request number */
	volatile uint64_t done_gen;	/* the last request the target finished */
	volatile int result;		/* work: fn's return value */
};

static struct slot call_slot[NR_CPUS], work_slot[NR_CPUS];

/* Stopping and the shootdown. */
static volatile int stopping_cpu = -1;	/* smp_send_stop's caller */
static volatile nmi_shootdown_cb shootdown_cb;
static volatile int crashing_cpu = -1;
static volatile int claimed[NR_CPUS];	/* the shootdown started on this CPU */
static volatile int saved[NR_CPUS];	/* ... and its callback finished */

bool cpu_online(unsigned cpu)
{
	return cpu < nr_cpu_ids && per_cpu[cpu].state == CPU_ONLINE;
}

unsigned num_online_cpus(void)
{
	unsigned n = 0;

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		n += cpu_online(cpu);
	return n;
}

int cpu_by_apic_id(uint32_t apic_id)
{
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (per_cpu[cpu].state != CPU_ABSENT && per_cpu[cpu].apic_id == apic_id)
			return (int)cpu;
	return -1;
}

int smp_bsp_cpu(void)
{
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (per_cpu[cpu].bsp && cpu_online(cpu))
			return (int)cpu;
	return -1;
}

static bool waited_too_long(uint64_t t0, uint64_t ms)
{
	touch_softlockup_watchdog();
	cpu_relax();
	return ktime_ns() - t0 > ms * NS_PER_MS;
}

void default_idle(void)
{
	touch_softlockup_watchdog();		/* idle, not stuck */
	__asm__ volatile("sti; hlt; cli" : : : "memory");	/* sti's shadow covers hlt */
}

/* Put a request in cpu's mailbox s and ring vector; 0 once it is taken,
 * -E_TIMEDOUT (withdrawn) if the target did not take it in time. */
static int post(struct slot *s, unsigned cpu, unsigned vector, void *fn, void *arg,
		const char *what, uint64_t *gen)
{
	uint64_t t0 = ktime_ns();

	while (!spin_trylock(&s->lock))
		if (waited_too_long(t0, SMP_CALL_TIMEOUT_MS))
			return -E_TIMEDOUT;
	s->fn = fn;
	s->arg = arg;
	s->what = what;
	s->from = smp_processor_id();
	*gen = ++s->gen;
	__atomic_store_n(&s->state, SLOT_QUEUED, __ATOMIC_RELEASE);
	apic_send_ipi(per_cpu[cpu].apic_id, APIC_DM_FIXED | APIC_ICR_ASSERT | vector);
	while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_QUEUED) {
		int queued = SLOT_QUEUED;

		if (waited_too_long(t0, SMP_CALL_TIMEOUT_MS) &&
		    __atomic_compare_exchange_n(&s->state, &queued, SLOT_IDLE, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			spin_unlock(&s->lock);
			return -E_TIMEDOUT;
		}
	}
	spin_unlock(&s->lock);
	return 0;
}

/* The target's side: take the request if there is one. */
static bool take(struct slot *s, void **fn, void **arg, uint64_t *gen)
{
	int queued = SLOT_QUEUED;

	if (!__atomic_compare_exchange_n(&s->state, &queued, SLOT_TAKEN, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
	*fn = s->fn;
	*arg = s->arg;
	*gen = s->gen;
	__atomic_store_n(&s->state, SLOT_IDLE, __ATOMIC_RELEASE);	/* the sender may go */
	return true;
}

static void call_function_interrupt(unsigned vector, struct trap_frame *tf)
{
	struct slot *s = &call_slot[smp_processor_id()];
	void *fn, *arg;
	uint64_t gen;

	while (take(s, &fn, &arg, &gen)) {
		((void (*)(void *))fn)(arg);
		__atomic_store_n(&s->done_gen, gen, __ATOMIC_RELEASE);
	}
}

int smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg, bool wait)
{
	struct slot *s = &call_slot[cpu];
	uint64_t gen, t0;
	int err;

	if (cpu == smp_processor_id()) {
		uint64_t flags = irq_save();

		fn(arg);
		irq_restore(flags);
		return 0;
	}
	if (!cpu_online(cpu))
		return -E_RANGE;
	err = post(s, cpu, CALL_FUNCTION_VECTOR, (void *)fn, arg, NULL, &gen);
	for (t0 = ktime_ns(); !err && wait && __atomic_load_n(&s->done_gen, __ATOMIC_ACQUIRE) < gen;)
		if (waited_too_long(t0, SMP_CALL_TIMEOUT_MS))
			err = -E_TIMEDOUT;
	return err;
}

int smp_call_function_many(void (*fn)(void *), void *arg, bool wait)
{
	int first = 0;

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++) {
		int err;

		if (cpu == smp_processor_id() || !cpu_online(cpu))
			continue;
		err = smp_call_function_single(cpu, fn, arg, wait);
		if (err && !first)
			first = err;
	}
	return first;
}

/* RESCHEDULE_VECTOR only wakes the idle loop (or a CPU waiting for work). */
static void reschedule_interrupt(unsigned vector, struct trap_frame *tf)
{
}

/* Work queued for this CPU: run it with interrupts on, then tell the sender. */
static void run_work(void)
{
	unsigned me = smp_processor_id();
	struct slot *s = &work_slot[me];
	const char *what;
	unsigned from;
	void *fn, *arg;
	uint64_t gen;
	int result;

	what = s->what;		/* read before take: the sender waits until then */
	from = s->from;
	if (!take(s, &fn, &arg, &gen))
		return;
	per_cpu[me].doing = what;
	irq_enable();
	result = ((int (*)(void *))fn)(arg);
	irq_disable();
	per_cpu[me].doing = "idle";
	s->result = result;
	__atomic_store_n(&s->done_gen, gen, __ATOMIC_RELEASE);
	if (cpu_online(from))
		apic_send_ipi(per_cpu[from].apic_id, APIC_DM_FIXED | APIC_ICR_ASSERT |
			      RESCHEDULE_VECTOR);
}

int smp_call_on_cpu_nowait(unsigned cpu, int (*fn)(void *), void *arg, const char *what)
{
	uint64_t gen;

	if (cpu == smp_processor_id() || !cpu_online(cpu))
		return -E_RANGE;
	return post(&work_slot[cpu], cpu, RESCHEDULE_VECTOR, (void *)fn, arg, what, &gen);
}

int smp_call_on_cpu(unsigned cpu, int (*fn)(void *), void *arg, const char *what)
{
	struct slot *s = &work_slot[cpu];
	unsigned me = smp_processor_id();
	const char *was = per_cpu[me].doing;
	uint64_t gen, flags;
	int err;

	if (cpu == me)
		return fn(arg);
	if (!cpu_online(cpu))
		return -E_RANGE;
	per_cpu[me].doing = "waiting for another CPU";
	err = post(s, cpu, RESCHEDULE_VECTOR, (void *)fn, arg, what, &gen);
	if (err) {
		per_cpu[me].doing = was;
		return err;
	}
	flags = irq_save();
	while (__atomic_load_n(&s->done_gen, __ATOMIC_ACQUIRE) < gen)
		default_idle();		/* the target's RESCHEDULE_VECTOR wakes us */
	irq_restore(flags);
	per_cpu[me].doing = was;
	return s->result;
}

__noreturn void cpu_idle_loop(void)
{
	for (;;) {
		run_work();
		default_idle();
	}
}

/* ---- stopping ---- */

static __noreturn void halt_here(int state, const char *doing)
{
	struct percpu *p = this_cpu();

	apic_timer_stop();
	p->doing = doing;
	__atomic_store_n(&p->state, state, __ATOMIC_RELEASE);
	halt_forever();
}

static void reboot_interrupt(unsigned vector, struct trap_frame *tf)
{
	if ((int)smp_processor_id() != stopping_cpu)
		halt_here(CPU_STOPPED, "stopped");
}

const char *smp_cpu_list(char *buf, size_t size, uint32_t mask, char sep)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned cpu = 0; cpu < NR_CPUS && len < size; cpu++)
		if (mask & (1u << cpu)) {
			if (len && len + 1 < size)
				buf[len++] = sep;
			len += (size_t)ksnprintf(buf + len, size - len, "%u", cpu);
		}
	return buf;
}

static const char *cpu_list(char *buf, size_t size, uint32_t mask)
{
	return smp_cpu_list(buf, size, mask, ' ');
}

/* CPUs still in state, but the caller. */
static uint32_t cpus_in(int state)
{
	uint32_t mask = 0;

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu != smp_processor_id() && per_cpu[cpu].state == state)
			mask |= 1u << cpu;
	return mask;
}

/* Send delivery to each CPU of mask. */
static void send_each(uint32_t mask, uint32_t icr)
{
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (mask & (1u << cpu))
			apic_send_ipi(per_cpu[cpu].apic_id, icr);
}

void smp_send_stop(bool report)
{
	uint32_t targets = cpus_in(CPU_ONLINE), left, by_nmi = 0;
	char a[32], b[32];
	uint64_t t0;

	if (!targets)
		return;
	stopping_cpu = (int)smp_processor_id();
	send_each(targets, APIC_DM_FIXED | APIC_ICR_ASSERT | REBOOT_VECTOR);
	for (t0 = ktime_ns(); (left = cpus_in(CPU_ONLINE)) && !waited_too_long(t0, SMP_STOP_TIMEOUT_MS);)
		;
	if (left) {		/* interrupts off: only an NMI gets through */
		by_nmi = left;
		send_each(left, APIC_DM_NMI | APIC_ICR_ASSERT);
		for (t0 = ktime_ns(); (left = cpus_in(CPU_ONLINE)) && !waited_too_long(t0, 100);)
			;
	}
	if (report)
		pr_info("smp: stopped CPU(s) %s (%s by NMI)\n", cpu_list(a, sizeof(a), targets & ~left),
			by_nmi & ~left ? cpu_list(b, sizeof(b), by_nmi & ~left) : "none");
	if (left)
		pr_err("smp: error: CPU(s) %s did not stop (E_TIMEDOUT)\n",
		       cpu_list(a, sizeof(a), left));
}

void smp_park_other_cpus(void)
{
	uint32_t parked = 0;
	char list[32];

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu == smp_processor_id() || per_cpu[cpu].state != CPU_STOPPED ||
		    per_cpu[cpu].bsp)
			continue;
		apic_send_ipi(per_cpu[cpu].apic_id, APIC_DM_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
		per_cpu[cpu].doing = "parked in INIT";
		parked |= 1u << cpu;
	}
	if (parked)
		pr_info("smp: CPU(s) %s parked in INIT (wait-for-SIPI) for the next kernel\n",
			cpu_list(list, sizeof(list), parked));
}

/* ---- the NMI shootdown ---- */

/*
 * This CPU's part: its registers (its own failure if it had panicked) to
 * the callback, once, then halt for good.  Two ways lead here on a CPU
 * that had panicked too: smp_panic_self_stop's loop and the NMI, which can
 * arrive while the loop is in the middle of the callback.  The first claims
 * the CPU (claimed[]); the NMI that finds it claimed returns, so the
 * interrupted callback finishes its note.  The crashing CPU waits for
 * saved[], set after the callback, never for the claim alone (Linux:
 * crash_nmi_callback decrements waiting_for_crash_ipi after
 * crash_save_cpu).
 */
static void shootdown_here(const struct trap_frame *tf)
{
	unsigned me = smp_processor_id();
	const struct trap_frame *regs = per_cpu[me].panic_regs ? per_cpu[me].panic_regs : tf;

	if (__atomic_exchange_n(&claimed[me], 1, __ATOMIC_ACQ_REL))
		return;
	shootdown_cb(me, regs);
	__atomic_store_n(&saved[me], 1, __ATOMIC_RELEASE);
	halt_here(CPU_CRASHED, per_cpu[me].panic_regs ? "panicked" : "stopped by the panic");
}

uint32_t nmi_shootdown_cpus(nmi_shootdown_cb callback)
{
	uint32_t targets = 0, left;
	uint64_t t0;

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++) {
		int st = per_cpu[cpu].state;

		if (cpu != smp_processor_id() && (st == CPU_ONLINE || st == CPU_CRASHED))
			targets |= 1u << cpu;
	}
	crashing_cpu = (int)smp_processor_id();
	shootdown_cb = callback;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	send_each(targets, APIC_DM_NMI | APIC_ICR_ASSERT);
	for (t0 = ktime_ns();;) {
		left = 0;
		for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
			if ((targets & (1u << cpu)) && !__atomic_load_n(&saved[cpu], __ATOMIC_ACQUIRE))
				left |= 1u << cpu;
		if (!left || waited_too_long(t0, SMP_STOP_TIMEOUT_MS))
			return left;
	}
}

__noreturn void smp_panic_self_stop(struct trap_frame *regs)
{
	struct percpu *p = this_cpu();

	irq_disable();
	p->panic_regs = regs;
	p->doing = "panicked";
	__atomic_store_n(&p->state, CPU_CRASHED, __ATOMIC_RELEASE);
	/* NMIs may be blocked here (a panic inside an NMI handler): take part
	 * in the shootdown by looking for it (Linux: run_crash_ipi_callback). */
	for (;;) {
		if (shootdown_cb)
			shootdown_here(regs);
		cpu_relax();
	}
}

bool smp_nmi_handler(struct trap_frame *tf)
{
	struct percpu *p = this_cpu();
	int me = (int)p->cpu;

	if (shootdown_cb && me != crashing_cpu)
		shootdown_here(tf);
	if (stopping_cpu >= 0 && me != stopping_cpu && p->state == CPU_ONLINE)
		halt_here(CPU_STOPPED, "stopped by NMI");
	return p->state == CPU_STOPPED || p->state == CPU_CRASHED;	/* halted already */
}

/* ---- NMI backtrace requests (the buddy watchdog's check) ---- */

static volatile int bt_request[NR_CPUS];
static volatile int bt_answer[NR_CPUS];

void smp_nmi_backtrace_request(unsigned cpu)
{
	bt_answer[cpu] = NMI_BT_NONE;
	__atomic_store_n(&bt_request[cpu], 1, __ATOMIC_RELEASE);
	apic_send_ipi(per_cpu[cpu].apic_id, APIC_DM_NMI | APIC_ICR_ASSERT);
}

int smp_nmi_backtrace_answer(unsigned cpu)
{
	return __atomic_load_n(&bt_answer[cpu], __ATOMIC_ACQUIRE);
}

bool smp_nmi_backtrace_pending(void)
{
	return __atomic_exchange_n(&bt_request[smp_processor_id()], 0, __ATOMIC_ACQ_REL);
}

void smp_nmi_backtrace_done(bool irqs_on)
{
	__atomic_store_n(&bt_answer[smp_processor_id()], irqs_on ? NMI_BT_IRQS_ON : NMI_BT_IRQS_OFF,
			 __ATOMIC_RELEASE);
}

/* ---- setup ---- */

static void flush_tlb_local(void *unused)
{
	write_cr3(read_cr3());
}

static void flush_tlb_others(void)
{
	smp_call_function_many(flush_tlb_local, NULL, true);
}

void smp_vectors_setup(void)
{
	irq_register_vector(CALL_FUNCTION_VECTOR, call_function_interrupt);
	irq_register_vector(RESCHEDULE_VECTOR, reschedule_interrupt);
	irq_register_vector(REBOOT_VECTOR, reboot_interrupt);
	paging_set_remote_flush(flush_tlb_others);
}
