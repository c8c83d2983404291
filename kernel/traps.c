/*
 * What happens after an interrupt stub: vectors 32-255 go to drivers/irq.c
 * (a line's handler, an APIC vector's, or "no handler": logged once and
 * acknowledged); a CPU exception in
 * the kernel is fatal (an "oops" that always panics), except int3, which
 * prints the registers and a backtrace and carries on, so a learner can
 * drop __asm__("int3") anywhere as a printf with a stack trace.  An NMI
 * panics too, and a fault on a stack's guard page is named a stack overflow.
 * Linux: arch/x86/kernel/traps.c (do_error_trap, exc_page_fault's
 * show_fault_oops, die) and arch/x86/kernel/process_64.c (__show_regs).
 */
#include "drivers/irq.h"
#include "kernel/kallsyms.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/traps.h"
#include "lib/cpu.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/vsprintf.h"

#define VECTOR_BP 3
#define VECTOR_NMI 2
#define VECTOR_DF 8
#define VECTOR_PF 14

/* The stubs' frame must match the struct; kernel/isr.asm mirrors these. */
#define CHECK_TF(field, off) _Static_assert(offsetof(struct trap_frame, field) == off, #field)
CHECK_TF(r15, TF_R15); CHECK_TF(r14, TF_R14); CHECK_TF(r13, TF_R13);
CHECK_TF(r12, TF_R12); CHECK_TF(r11, TF_R11); CHECK_TF(r10, TF_R10);
CHECK_TF(r9, TF_R9); CHECK_TF(r8, TF_R8); CHECK_TF(rbp, TF_RBP);
CHECK_TF(rdi, TF_RDI); CHECK_TF(rsi, TF_RSI); CHECK_TF(rdx, TF_RDX);
CHECK_TF(rcx, TF_RCX); CHECK_TF(rbx, TF_RBX); CHECK_TF(rax, TF_RAX);
CHECK_TF(vector, TF_VECTOR); CHECK_TF(error_code, TF_ERROR_CODE);
CHECK_TF(rip, TF_RIP); CHECK_TF(cs, TF_CS); CHECK_TF(rflags, TF_RFLAGS);
CHECK_TF(rsp, TF_RSP); CHECK_TF(ss, TF_SS);
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap_frame size");

/* Intel SDM vol. 3, table 6-1; Linux names the same vectors X86_TRAP_*. */
static const struct {
	const char *mnemonic, *name;
} exceptions[32] = {
	[0] = { "#DE", "divide error" },	[1] = { "#DB", "debug" },
	[2] = { "NMI", "non-maskable interrupt" }, [3] = { "#BP", "breakpoint" },
	[4] = { "#OF", "overflow" },		[5] = { "#BR", "bound range exceeded" },
	[6] = { "#UD", "invalid opcode" },	[7] = { "#NM", "device not available" },
	[8] = { "#DF", "double fault" },	[9] = { "#CSO", "coprocessor segment overrun" },
	[10] = { "#TS", "invalid TSS" },	[11] = { "#NP", "segment not present" },
	[12] = { "#SS", "stack-segment fault" }, [13] = { "#GP", "general protection fault" },
	[14] = { "#PF", "page fault" },		[16] = { "#MF", "x87 floating-point error" },
	[17] = { "#AC", "alignment check" },	[18] = { "#MC", "machine check" },
	[19] = { "#XM", "SIMD floating-point exception" },
	[20] = { "#VE", "virtualization exception" },
	[21] = { "#CP", "control protection exception" },
	[28] = { "#HV", "hypervisor injection" }, [29] = { "#VC", "VMM communication" },
	[30] = { "#SX", "security exception" },
};

void show_regs(const struct trap_frame *tf)
{
	char sym[KSYM_SYMBOL_LEN];
	uint16_t ds, es;

	__asm__ volatile("mov %%ds, %0; mov %%es, %1" : "=r"(ds), "=r"(es));
	sprint_symbol(sym, sizeof(sym), tf->rip);
	pr_emerg("RIP: %04lx:%016lx <%s>\n", tf->cs & 0xffff, tf->rip, sym);
	pr_emerg("RSP: %04lx:%016lx EFLAGS: %08lx\n", tf->ss & 0xffff, tf->rsp, tf->rflags);
	pr_emerg("RAX: %016lx RBX: %016lx RCX: %016lx\n", tf->rax, tf->rbx, tf->rcx);
	pr_emerg("RDX: %016lx RSI: %016lx RDI: %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	pr_emerg("RBP: %016lx R08: %016lx R09: %016lx\n", tf->rbp, tf->r8, tf->r9);
	pr_emerg("R10: %016lx R11: %016lx R12: %016lx\n", tf->r10, tf->r11, tf->r12);
	pr_emerg("R13: %016lx R14: %016lx R15: %016lx\n", tf->r13, tf->r14, tf->r15);
	pr_emerg("CS:  %04lx SS: %04lx DS: %04x ES: %04x CR0: %016lx\n", tf->cs & 0xffff,
		 tf->ss & 0xffff, ds, es, read_cr0());
	pr_emerg("CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr2(), read_cr3(), read_cr4());
	pr_emerg("EFER: %016lx CPU: %u\n", rdmsr(MSR_EFER), smp_processor_id());
}

/* Page fault error code bits (Intel SDM vol. 3, 4.7; Linux X86_PF_*). */
static void explain_page_fault(const struct trap_frame *tf, uint64_t cr2)
{
	uint64_t e = tf->error_code;

	pr_emerg("traps: fault address 0x%016lx, error 0x%lx (%s, %s, %s%s%s%s%s)\n",
		 cr2, e, e & 2 ? "write" : "read", e & 1 ? "protection" : "not present",
		 e & 4 ? "user" : "kernel", e & 8 ? ", reserved bit set" : "",
		 e & 16 ? ", instruction fetch" : "", e & 32 ? ", protection key" : "",
		 e & 64 ? ", shadow stack" : "");
	if (cr2 < 4096)
		pr_emerg("traps: hint: the address is in page 0: a NULL pointer dereference\n");
}

/* #TS, #NP, #SS, #GP: the error code names a selector or IDT vector. */
static void explain_selector_error(uint64_t e)
{
	const char *ext = (e & 1) ? ", external event" : "";

	if (e == 0)
		pr_emerg("traps: error 0x0 (no selector: e.g. a non-canonical address, or a privileged instruction)\n");
	else if ((e & 2) && (e & 0xffff) >> 3 >= 256)	/* QEMU TCG: vector * 16 + 2 */
		pr_emerg("traps: error 0x%lx (IDT vector %lu%s; QEMU scales the index by 16)\n",
			 e, (e & 0xffff) >> 4, ext);
	else if (e & 2)
		pr_emerg("traps: error 0x%lx (IDT vector %lu%s)\n", e, (e & 0xffff) >> 3, ext);
	else
		pr_emerg("traps: error 0x%lx (%s selector 0x%lx%s)\n", e, (e & 4) ? "LDT" : "GDT",
			 e & 0xfff8, ext);
}

static bool has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

/* The first line: "traps: #PF page fault in crash_null+0x12/0x30". */
static void report_exception(const char *how, const struct trap_frame *tf)
{
	unsigned v = (unsigned)tf->vector;
	char sym[KSYM_SYMBOL_LEN], unnamed[8];
	const char *mn = v < 32 ? exceptions[v].mnemonic : NULL;

	if (!mn)
		ksnprintf(unnamed, sizeof(unnamed), "#%u", v);
	sprint_symbol(sym, sizeof(sym), tf->rip);
	pr_emerg("traps: %s %s in %s%s\n", mn ? mn : unnamed,
		 mn ? exceptions[v].name : "reserved vector", sym, how);
}

/*
 * Did this fault hit the unmapped guard page below a kernel stack, by the
 * access itself (CR2) or because RSP went there?  Then say so: the stack
 * overflowed.  Typically the #PF could not be delivered either (the CPU
 * pushes its frame on the same full stack), and the #DF that follows ran
 * on its own IST stack.  Linux: handle_stack_overflow() ("stack guard page
 * was hit") in arch/x86/kernel/traps.c.
 */
static bool report_stack_overflow(const struct trap_frame *tf, uint64_t cr2)
{
	unsigned v = (unsigned)tf->vector;
	uint64_t lo, hi, stack_lo = 0, stack_hi = 0, hit;

	if ((v == VECTOR_PF || v == VECTOR_DF) && kernel_stack_guard(cr2, &lo, &hi))
		hit = cr2;
	else if (kernel_stack_guard(tf->rsp, &lo, &hi))
		hit = tf->rsp;
	else
		return false;
	kernel_stack_bounds(hi, &stack_lo, &stack_hi);
	pr_emerg("traps: kernel stack overflow: guard page [0x%016lx, 0x%016lx) hit at 0x%016lx, "
		 "RSP 0x%016lx, stack [0x%016lx, 0x%016lx)\n", lo, hi, hit, tf->rsp, stack_lo,
		 stack_hi);
	if (v == VECTOR_DF)
		pr_emerg("traps: the #PF frame could not be pushed on the full stack: #DF on IST%u\n",
			 IST_DOUBLE_FAULT);
	return true;
}

/*
 * A fatal exception (Linux: die()).  If another fatal exception arrives
 * while this one is being reported, skip straight to panic with the new
 * frame; panic itself stops a third.
 */
static __noreturn void die(struct trap_frame *tf, uint64_t cr2)
{
	static int dying;
	unsigned v = (unsigned)tf->vector;
	uint64_t lo, hi;

	if (__atomic_fetch_add(&dying, 1, __ATOMIC_SEQ_CST) > 0)
		panic_with_frame(tf, "Fatal exception (vector %u) while reporting another", v);
	report_exception("", tf);
	if (v == VECTOR_PF)
		explain_page_fault(tf, cr2);
	else if (v >= 10 && v <= 13)
		explain_selector_error(tf->error_code);
	else if (v < 32 && has_error_code(v))
		pr_emerg("traps: error 0x%lx\n", tf->error_code);
	if (report_stack_overflow(tf, cr2))
		panic_with_frame(tf, "kernel stack overflow");
	if (v == VECTOR_DF && !kernel_stack_bounds(tf->rsp - 8, &lo, &hi))
		pr_emerg("traps: hint: RSP 0x%016lx is in no kernel stack: overflow or corruption\n",
			 tf->rsp);
	panic_with_frame(tf, "Fatal exception");
}

/*
 * An NMI.  Nothing in this kernel raises one for a reason it could handle
 * (no perf counters, no NMI watchdog, one CPU): it comes from "crash nmi"
 * (an NMI IPI to self), QEMU's monitor command "nmi", or a hardware error
 * line.  Each means "stop here and dump", so it panics with the
 * interrupted frame: Linux's unknown_nmi_error() with unknown_nmi_panic=1.
 * (On SMP, Linux's kdump stops the other CPUs with NMIs; such an NMI has
 * to be told apart here, before this fallback.)
 */
static __noreturn void unknown_nmi(struct trap_frame *tf)
{
	report_exception("", tf);
	pr_emerg("traps: NMI received for unknown reason on CPU %u: not recovering "
		 "(Linux: unknown_nmi_panic)\n", smp_processor_id());
	panic_with_frame(tf, "NMI received: not recovering");
}

/* Another CPU asked where this one is (the buddy watchdog): say it, and
 * whether interrupts were on, then carry on.  Linux: nmi_cpu_backtrace. */
static void nmi_cpu_backtrace(struct trap_frame *tf)
{
	bool irqs_on = tf->rflags & RFLAGS_IF;

	pr_emerg("NMI backtrace for cpu %u (interrupts %s)\n", smp_processor_id(),
		 irqs_on ? "on" : "off");
	if (!irqs_on) {
		show_regs(tf);
		pr_emerg("Call Trace:\n");
		backtrace_print(tf->rip, tf->rbp);
	}
	smp_nmi_backtrace_done(irqs_on);
}

/* int3: show where we are and go on with the next instruction. */
static void breakpoint(struct trap_frame *tf)
{
	report_exception(" (int3): registers and call trace, then continuing", tf);
	show_regs(tf);
	pr_emerg("Call Trace:\n");
	backtrace_print(tf->rip, tf->rbp);
	pr_warn("traps: #BP: continuing at 0x%016lx\n", tf->rip);
}

/*
 * Called by kernel/isr.asm with interrupts off, tf on the stack the CPU
 * chose (IST for #DF, NMI, #MC).  Returns only for IRQs and #BP.
 */
void trap_dispatch(struct trap_frame *tf)
{
	uint64_t cr2 = read_cr2();	/* before anything can fault again */

	if (tf->vector >= FIRST_EXTERNAL_VECTOR) {
		irq_dispatch((unsigned)tf->vector, tf);	/* drivers/irq.c: every vector 32-255 */
		return;
	}
	if (tf->vector == VECTOR_BP) {
		breakpoint(tf);
		return;
	}
	if (tf->vector == VECTOR_NMI) {
		if (smp_nmi_handler(tf))	/* kernel/smp.c: a stop or the shootdown */
			return;
		if (smp_nmi_backtrace_pending()) {
			nmi_cpu_backtrace(tf);
			return;
		}
		unknown_nmi(tf);
	}
	die(tf, cr2);
}
