/*
 * The C half of the purgatory: the code that runs between the old kernel
 * and the new one, when the old kernel's memory may already be overwritten.
 * It owns nothing but its own blob: the patched globals below, a UART it
 * drives by port I/O, and the memcpy/memset the compiler may call.
 * It verifies every segment's SHA-256 (verify.c) and either returns to
 * entry.asm or halts for good.
 * Linux: arch/x86/purgatory/purgatory.c purgatory().
 */
#include "kexec/purgatory/purgatory.h"
#include "lib/cpu.h"

/*
 * The loader patches these after relocation.  Zero-initialised globals
 * would go to .bss, which is not in the blob's file image (and not in the
 * segment's bufsz), so each is placed in .data explicitly.
 */
#define PATCHED __attribute__((section(".data")))

struct purgatory_region purgatory_regions[PURGATORY_REGIONS_MAX] PATCHED;
uint32_t purgatory_nr_regions PATCHED;
uint32_t purgatory_entry32 PATCHED;
uint32_t purgatory_mbi PATCHED;
uint64_t purgatory_entry64 PATCHED;
uint64_t purgatory_boot_params PATCHED;
uint16_t purgatory_serial_port PATCHED = PURGATORY_SERIAL_DEFAULT;

/* GCC may emit calls to these even in freestanding code (struct copies),
 * and sha256.c uses them.  Plain loops; the build forbids turning them
 * back into calls (-fno-tree-loop-distribute-patterns). */
void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}


/* 16550: wait for the transmit holding register (LSR bit 5), bounded so a
 * missing UART costs time, not a hang.  The old kernel set the baud rate. */
static void serial_putc(uint16_t port, char c)
{
	for (int spin = 0; spin < 100000; spin++)
		if (inb((uint16_t)(port + 5)) & 0x20)
			break;
	outb(port, (uint8_t)c);
}

static void serial_report(void *ctx, const char *line)
{
	uint16_t port = purgatory_serial_port;

	if (!port)
		return;
	for (; *line; line++) {
		if (*line == '\n')
			serial_putc(port, '\r');
		serial_putc(port, *line);
	}
}

/* Past the point of no return there is no caller to report to. */
static __noreturn void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void purgatory(void)
{
	if (!purgatory_entry32 && !purgatory_entry64) {
		serial_report(NULL, "purgatory: error: no entry point was set by the loader\n");
		halt_forever();
	}
	if (purgatory_verify(purgatory_regions, purgatory_nr_regions,
			     serial_report, NULL) != 0)
		halt_forever();
}
