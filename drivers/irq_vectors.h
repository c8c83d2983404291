/*
 * The interrupt vector space, by number only (Linux:
 * arch/x86/include/asm/irq_vectors.h): 0-31 the CPU's exceptions, 32-47
 * the 16 legacy IRQ lines whichever controller delivers them, the top
 * vectors the local APIC's own, with Linux's numbers.  A header of its own
 * so the local APIC driver can name its vectors without the dispatcher
 * (drivers/irq.h), which calls into it.
 */
#ifndef DRIVERS_IRQ_VECTORS_H
#define DRIVERS_IRQ_VECTORS_H

#define NR_VECTORS 256
#define FIRST_EXTERNAL_VECTOR 32	/* below: the CPU's exceptions */
#define NR_IRQS 16			/* the legacy lines */
#define ISA_IRQ_VECTOR(irq) (FIRST_EXTERNAL_VECTOR + (irq))

/* The local APIC's vectors: Linux's numbers, highest priority class. */
#define FIRST_SYSTEM_VECTOR 0xec
#define LOCAL_TIMER_VECTOR 0xec		/* each CPU's local APIC timer */
#define REBOOT_VECTOR 0xf8		/* stop this CPU (smp_send_stop) */
#define CALL_FUNCTION_VECTOR 0xfc	/* run a function here (smp_call_function) */
#define RESCHEDULE_VECTOR 0xfd		/* wake up: work was queued for this CPU */
#define ERROR_APIC_VECTOR 0xfe		/* the local APIC found an error */
#define SPURIOUS_APIC_VECTOR 0xff	/* never acknowledged (SDM vol. 3, 11.9) */

#endif
