/*
 * The local APIC (drivers/apic.h): check CPUID and the IA32_APIC_BASE MSR,
 * map the register page uncached into the direct map.  Used today by
 * `crash nmi`; the home of the SMP work's APIC code.  Linux:
 * arch/x86/kernel/apic/apic.c (register_lapic_address, lapic_get_maxlvt).
 */
#include "drivers/apic.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/x86.h"
#include "mm/paging.h"

int lapic_map(volatile uint32_t **regs, paddr_t *base_pa)
{
	uint32_t a, b, c, d;
	uint64_t base;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC))
		return -E_NOTSUP;
	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE))
		return -E_NOTSUP;
	*base_pa = base & APIC_BASE_MASK;
	*regs = ioremap(*base_pa, PAGE_SIZE);
	return *regs ? 0 : -E_NOMEM;
}
