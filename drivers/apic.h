/*
 * The local APIC: each CPU's own interrupt controller.  It takes
 * interrupts from the I/O APIC, the 8259 PIC (LINT0 as ExtINT) and other
 * CPUs (IPIs), has a timer, and sends IPIs: fixed vectors, NMI, INIT and
 * STARTUP.  Two ways in: xAPIC, registers in a 4 KiB MMIO page, and
 * x2APIC, the same registers as MSRs 0x800 + offset / 16 with 32-bit
 * APIC ids (SDM vol. 3, chapter 11; 11.12 for x2APIC).  Whatever an
 * earlier kernel left (a running timer, vectors in service) is cleaned
 * up, and logged, before interrupts are enabled.  Linux:
 * arch/x86/kernel/apic/apic.c (setup_local_APIC, apic_pending_intr_clear,
 * lapic_shutdown), x2apic_phys.c, arch/x86/include/asm/apicdef.h.
 */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H

#include "lib/types.h"

/* Registers, as byte offsets from the xAPIC base (SDM vol. 3, table 11-1). */
#define APIC_REG_ID 0x20
#define APIC_REG_VERSION 0x30
#define APIC_REG_TPR 0x80
#define APIC_REG_EOI 0xb0
#define APIC_REG_SVR 0xf0
#define APIC_REG_ISR 0x100		/* 8 registers, 0x10 apart, 32 vectors each */
#define APIC_REG_IRR 0x200
#define APIC_REG_ESR 0x280
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_THERMAL 0x330
#define APIC_REG_LVT_PERF 0x340
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_INITIAL 0x380
#define APIC_REG_TIMER_CURRENT 0x390
#define APIC_REG_TIMER_DIVIDE 0x3e0
/* x2APIC: register r is MSR X2APIC_MSR_BASE + r / 16; the ICR one 64-bit MSR. */
#define X2APIC_MSR_BASE 0x800
/* IA32_APIC_BASE MSR (lib/x86.h MSR_APIC_BASE) fields. */
#define APIC_BASE_BSP (1ULL << 8)	/* this CPU is the bootstrap processor */
#define APIC_BASE_EXTD (1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_MASK 0xffffff000ULL
/* Spurious-interrupt vector register. */
#define APIC_SVR_ENABLE (1u << 8)	/* software enable */
/* LVT entries and the ICR share these fields (SDM vol. 3, 11.5.1, 11.6.1). */
#define APIC_VECTOR_MASK 0xffu
#define APIC_DM_FIXED (0u << 8)
#define APIC_DM_NMI (4u << 8)
#define APIC_DM_INIT (5u << 8)
#define APIC_DM_STARTUP (6u << 8)
#define APIC_DM_EXTINT (7u << 8)
#define APIC_DM_MASK (7u << 8)
#define APIC_ICR_BUSY (1u << 12)	/* xAPIC: send pending */
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_ICR_LEVEL (1u << 15)	/* level-triggered (INIT de-assert) */
#define APIC_DEST_SELF (1u << 18)	/* shorthands, bits 19:18 */
#define APIC_DEST_ALLBUT (3u << 18)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_DIVIDE_16 0x3	/* divide configuration register value */
/* CPUID leaf 1 ECX: x2APIC supported. */
#define CPUID_1_ECX_X2APIC (1u << 21)

/*
 * Set up the boot CPU's local APIC, before interrupts are enabled: enable
 * it (x2APIC if the CPU has it and the command line has no "nox2apic",
 * or if an earlier kernel left it on), stop a timer an earlier kernel
 * left running, acknowledge vectors left in service, program the
 * spurious vector and the LVT entries (LINT0 as ExtINT for the 8259 PIC,
 * LINT1 NMI, the error vector), log what it found.  Without a local APIC
 * (CPUID) it logs that and the PIC works as before.
 */
void apic_setup(void);

/* The same on an AP coming up (kernel/smpboot.c), in the boot CPU's mode;
 * LINT0 and LINT1 stay masked there, as in Linux. */
void apic_setup_ap(void);

/* Is the calling CPU the bootstrap processor (IA32_APIC_BASE.BSP)? */
bool apic_is_bsp(void);

/* The local APIC is set up and usable (apic_setup found one). */
bool apic_present(void);

/* Read / write a register (byte offset as above) of the calling CPU's
 * local APIC, by MMIO or MSR as its mode wants.  Reads 0, writes nothing,
 * when there is no local APIC. */
uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t v);

/* The calling CPU's APIC id: from the local APIC, or CPUID's initial
 * APIC id before apic_setup. */
uint32_t apic_read_id(void);

/* ERROR_APIC_VECTOR arrived: log the error status (drivers/irq.c calls it). */
void apic_error_interrupt(void);

/* End of interrupt for the highest vector in service. */
void apic_eoi(void);

/* Retire every vector in service (kexec's jump leaves this kernel from
 * inside an interrupt handler, the hand-off to the BSP's). */
void apic_eoi_all(void);

/* Is vector in service (ISR bit set) at the calling CPU's local APIC? */
bool apic_in_service(unsigned vector);

/*
 * Send an IPI: ICR low word icr (delivery mode, vector, shorthand) to the
 * CPU with APIC id dest (ignored with a shorthand).  Waits, bounded, for
 * an xAPIC to accept it.  0, -E_IO if it never did, -E_NOTSUP without a
 * local APIC.
 */
int apic_send_ipi(uint32_t dest, uint32_t icr);

/*
 * The local APIC timer's rate: counts per second at divide-by-16,
 * measured once against the TSC (Linux: calibrate_APIC_clock).  0 if it
 * cannot be measured.
 */
uint64_t apic_timer_rate(void);

/* Start this CPU's local APIC timer: periodic, hz times a second, on
 * vector.  0, -E_RANGE (hz), -E_NOTSUP (no APIC or no rate). */
int apic_timer_start(unsigned vector, unsigned hz);

/* Stop (mask) this CPU's local APIC timer. */
void apic_timer_stop(void);

/* The mode and the xAPIC page, for the inline send below. */
extern bool apic_x2apic;
extern volatile uint32_t *apic_mmio;

/*
 * Send an NMI to this CPU's own APIC id (delivery mode NMI, level assert;
 * the "self" shorthand only exists for fixed vectors).  The CPU takes it
 * at the next instruction boundary, on its IST2 stack.  Inline, so the
 * NMI arrives in the caller (crash_nmi names itself in the trace).
 * Returns false when there is no local APIC.
 */
static inline bool apic_send_nmi_self(void)
{
	uint32_t lo = APIC_DM_NMI | APIC_ICR_ASSERT;

	if (apic_x2apic) {
		uint32_t id, hi;

		__asm__ volatile("rdmsr" : "=a"(id), "=d"(hi) : "c"(X2APIC_MSR_BASE + APIC_REG_ID / 16));
		__asm__ volatile("wrmsr" : : "c"(X2APIC_MSR_BASE + APIC_REG_ICR_LOW / 16), "a"(lo),
				 "d"(id));
		return true;
	}
	if (!apic_mmio)
		return false;
	apic_mmio[APIC_REG_ICR_HIGH / 4] = apic_mmio[APIC_REG_ID / 4] & 0xff000000;	/* ID in 31:24 */
	apic_mmio[APIC_REG_ICR_LOW / 4] = lo;						/* sends it */
	return true;
}

#endif
