/*
 * The `apic` command: the calling CPU's local APIC as a learner would want
 * to see it (mode, timer, LVT entries, vectors in service and pending,
 * interrupts that arrived without a handler), and two experiments: send
 * this CPU an interrupt on any vector, or start its timer on one, and
 * watch what the kernel does with a vector nobody asked for.  Linux has
 * no such command; its nearest are /proc/interrupts and the "apic=debug"
 * register dump (print_local_APIC).
 */
#include "drivers/apic.h"
#include "drivers/irq.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"

static const char *delivery_name(uint32_t lvt)
{
	static const char *const names[8] = { "fixed", "lowest", "SMI", "?", "NMI", "INIT",
					      "?", "ExtINT" };

	return names[(lvt & APIC_DM_MASK) >> 8];
}

static void show_lvt(const char *name, unsigned reg)
{
	uint32_t v = apic_read(reg);

	console_printf("  %-8s %s, %s", name, v & APIC_LVT_MASKED ? "masked" : "enabled",
		       delivery_name(v));
	if ((v & APIC_DM_MASK) == APIC_DM_FIXED)
		console_printf(" vector 0x%02x", v & APIC_VECTOR_MASK);
	console_printf("\n");
}

static void show_vectors(const char *what, unsigned base)
{
	unsigned n = 0;

	console_printf("  %-11s", what);
	for (unsigned v = 0; v < 256; v++)
		if ((apic_read(base + (v / 32) * 0x10) >> (v % 32)) & 1) {
			console_printf(" 0x%02x", v);
			n++;
		}
	console_printf("%s\n", n ? "" : " none");
}

static void show(void)
{
	uint32_t timer = apic_read(APIC_REG_LVT_TIMER);
	unsigned n = 0;

	console_printf("APIC id %u, %s, version 0x%02x, %s, spurious vector 0x%02x\n",
		       apic_read_id(), apic_x2apic ? "x2APIC mode" : "xAPIC mode",
		       apic_read(APIC_REG_VERSION) & 0xff,
		       apic_read(APIC_REG_SVR) & APIC_SVR_ENABLE ? "enabled" : "disabled",
		       apic_read(APIC_REG_SVR) & APIC_VECTOR_MASK);
	console_printf("  timer    %s, vector 0x%02x, %s, initial count %u, current %u\n",
		       timer & APIC_LVT_MASKED ? "masked" : "running",
		       timer & APIC_VECTOR_MASK,
		       timer & APIC_TIMER_PERIODIC ? "periodic" : "one-shot",
		       apic_read(APIC_REG_TIMER_INITIAL), apic_read(APIC_REG_TIMER_CURRENT));
	show_lvt("LINT0", APIC_REG_LVT_LINT0);
	show_lvt("LINT1", APIC_REG_LVT_LINT1);
	show_lvt("error", APIC_REG_LVT_ERROR);
	show_vectors("in service:", APIC_REG_ISR);
	show_vectors("pending:", APIC_REG_IRR);
	console_printf("  no handler:");
	for (unsigned v = 0; v < NR_VECTORS; v++)
		if (irq_unexpected(v)) {
			console_printf(" 0x%02x x%llu", v, (unsigned long long)irq_count(v));
			n++;
		}
	console_printf("%s\n", n ? "" : " none");
	console_printf("  spurious: %llu\n", (unsigned long long)irq_count(SPURIOUS_APIC_VECTOR));
}

/* A vector the experiments may use: not an exception, not the kernel's. */
static int parse_vector(const char *s, unsigned *vector)
{
	uint64_t v;

	if (parse_u64(s, &v, false) || v > 255)
		return shell_error(-E_INVAL, "'%s' is not a vector (0-255)", s);
	if (v < FIRST_EXTERNAL_VECTOR)
		return shell_error(-E_RANGE, "vectors 0-31 are the CPU's exceptions");
	if (v >= FIRST_SYSTEM_VECTOR)
		return shell_error(-E_BUSY, "vectors 0x%02x-0xff are the local APIC's own", FIRST_SYSTEM_VECTOR);
	*vector = (unsigned)v;
	return 0;
}

static int cmd_apic(int argc, char **argv)
{
	unsigned vector;
	uint64_t hz;
	int err;

	if (!apic_present())
		return shell_error(-E_NOTSUP, "no local APIC");
	if (argc == 1) {
		show();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "send") == 0) {
		if ((err = parse_vector(argv[2], &vector)))
			return err;
		/* Fixed delivery to this CPU: the "self" shorthand. */
		return apic_send_ipi(0, APIC_DEST_SELF | APIC_ICR_ASSERT | vector);
	}
	if (argc == 3 && strcmp(argv[1], "timer") == 0 && strcmp(argv[2], "off") == 0) {
		apic_timer_stop();
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "timer") == 0) {
		if ((err = parse_vector(argv[2], &vector)))
			return err;
		if (parse_u64(argv[3], &hz, false) || hz == 0 || hz > 10000)
			return shell_error(-E_RANGE, "HZ must be 1-10000");
		err = apic_timer_start(vector, (unsigned)hz);
		return err ? shell_error(err, "cannot start the local APIC timer") : 0;
	}
	return shell_usage();
}
SHELL_COMMAND(apic, "[send VECTOR | timer VECTOR HZ | timer off]",
	      "this CPU's local APIC; send it an interrupt, or run its timer, on any vector",
	      cmd_apic);
