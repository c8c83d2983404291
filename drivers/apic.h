/*
 * The local APIC (xAPIC, memory-mapped), as much of it as the kernel uses
 * today: find and map the calling CPU's, and send it an NMI (`crash nmi`).
 * SMP bring-up grows this file: APIC IDs, IPIs to other CPUs (INIT, SIPI,
 * NMI shootdown), x2APIC.  Intel SDM vol. 3, chapter 11.  Linux:
 * arch/x86/kernel/apic/apic.c, arch/x86/include/asm/apicdef.h.
 */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H

#include "lib/types.h"

/* Registers, as byte offsets from the base (SDM vol. 3, table 11-1). */
#define APIC_REG_ID 0x20
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
/* IA32_APIC_BASE MSR (lib/x86.h MSR_APIC_BASE) fields. */
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_MASK 0xffffff000ULL
/* Interrupt command register (SDM vol. 3, 11.6.1). */
#define APIC_ICR_NMI (4u << 8)		/* delivery mode NMI, vector ignored */
#define APIC_ICR_ASSERT (1u << 14)

/*
 * The calling CPU's local APIC registers, mapped uncached: 0 and *regs;
 * -E_NOTSUP when CPUID has no APIC or the APIC is disabled in its base
 * MSR; -E_NOMEM when the page cannot be mapped (*base_pa says where it
 * is, for the message).  Nothing is printed.
 */
int lapic_map(volatile uint32_t **regs, paddr_t *base_pa);

/*
 * Send an NMI to this CPU's own APIC ID (delivery mode NMI, level assert;
 * the "self" shorthand only exists for fixed vectors).  The CPU takes it
 * at the next instruction boundary, on its IST2 stack.  Inline, so the
 * NMI arrives in the caller (crash_nmi names itself in the trace).
 */
static inline void lapic_send_nmi_self(volatile uint32_t *regs)
{
	regs[APIC_REG_ICR_HIGH / 4] = regs[APIC_REG_ID / 4] & 0xff000000;	/* ID in 31:24 */
	regs[APIC_REG_ICR_LOW / 4] = APIC_ICR_NMI | APIC_ICR_ASSERT;		/* sends it */
}

#endif
