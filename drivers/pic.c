/*
 * The two cascaded 8259A PICs.  At reset they deliver IRQs on vectors
 * 8-15, which collide with CPU exceptions, so we re-initialise them to
 * vectors 32-47 with every line masked; drivers unmask their own line.
 * A line that drops before the CPU acknowledges it shows up as a
 * "spurious" IRQ 7 or 15 with no bit set in the in-service register.
 * Linux: arch/x86/kernel/i8259.c (init_8259A, mask_8259A_irq, i8259A_irq_pending).
 */
#include "drivers/pic.h"
#include "lib/cpu.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT 0x10		/* start initialisation */
#define ICW1_ICW4 0x01		/* an ICW4 follows */
#define ICW4_8086 0x01		/* 8086 mode (not MCS-80) */
#define OCW2_EOI 0x20		/* non-specific end of interrupt */
#define OCW3_READ_ISR 0x0b	/* next read of the command port gives the ISR */
#define CASCADE_IRQ 2		/* the slave is wired to master input 2 */

/* Mask bits, master in the low byte; the PIC's own copy is write-mostly. */
static uint16_t irq_mask = 0xffff;

static void write_masks(void)
{
	outb(PIC1_DATA, (uint8_t)irq_mask);
	outb(PIC2_DATA, (uint8_t)(irq_mask >> 8));
}

/*
 * Remap the PICs to PIC_VECTOR_BASE..+15 and mask every line.  The ICW
 * sequence is fixed by the 8259A datasheet: ICW1 on the command port,
 * then ICW2 (vector base), ICW3 (cascade wiring), ICW4 on the data port.
 */
void pic_setup(void)
{
	uint64_t flags = irq_save();

	outb(PIC1_DATA, 0xff);			/* quiet while we reprogram */
	outb(PIC2_DATA, 0xff);
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC1_DATA, PIC_VECTOR_BASE);	/* ICW2: master at 32 */
	io_wait();
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);	/* ICW2: slave at 40 */
	io_wait();
	outb(PIC1_DATA, 1 << CASCADE_IRQ);	/* ICW3: slave on input 2 */
	io_wait();
	outb(PIC2_DATA, CASCADE_IRQ);		/* ICW3: slave's cascade id */
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	irq_mask = 0xffff;
	write_masks();
	irq_restore(flags);
}

/* Let IRQ line irq (0-15) through; a slave line also opens the cascade. */
void pic_unmask(unsigned irq)
{
	uint64_t flags;

	if (irq > 15)
		return;
	flags = irq_save();
	irq_mask &= (uint16_t)~(1u << irq);
	if (irq >= 8)
		irq_mask &= (uint16_t)~(1u << CASCADE_IRQ);
	write_masks();
	irq_restore(flags);
}

/* Block IRQ line irq (0-15).  The cascade stays as it is. */
void pic_mask(unsigned irq)
{
	uint64_t flags;

	if (irq > 15)
		return;
	flags = irq_save();
	irq_mask |= (uint16_t)(1u << irq);
	write_masks();
	irq_restore(flags);
}

/* Block every line (kexec and panic quiesce the machine with this). */
void pic_mask_all(void)
{
	uint64_t flags = irq_save();

	irq_mask = 0xffff;
	write_masks();
	irq_restore(flags);
}

/* End of interrupt for irq: the slave first (if it was a slave line),
 * then the master, which saw the slave's request on its cascade input. */
void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static uint8_t read_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

/*
 * A spurious IRQ 7 (master) or 15 (slave) is delivered with its ISR bit
 * clear.  It must not be EOI'd on its own PIC (that would retire some other
 * real interrupt); for a spurious 15 the master did see a genuine request
 * on its cascade input and still needs its EOI, which we send here.
 */
bool pic_is_spurious(unsigned irq)
{
	if (irq == 7)
		return !(read_isr(PIC1_CMD) & 0x80);
	if (irq == 15 && !(read_isr(PIC2_CMD) & 0x80)) {
		outb(PIC1_CMD, OCW2_EOI);
		return true;
	}
	return false;
}

