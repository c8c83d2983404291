/*
 * The banner and the boot milestones.  The build id comes from the
 * linker's .note.gnu.build-id, the same id gdb and VMCOREINFO (BUILD-ID=)
 * use to tie a vmcore to the kernel.elf that produced it.  Linux: init/version.c
 * (linux_banner) and lib/buildid.c.
 */
#include "kernel/version.h"
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "boot/layout.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/time.h"

extern const char _build_id_note[];

const char *kernel_build_id(void)
{
	static char hex[2 * 20 + 1];
	const uint32_t *note = (const uint32_t *)_build_id_note;
	uint32_t namesz = note[0], descsz = note[1];
	const uint8_t *desc = (const uint8_t *)(note + 3) + ALIGN_UP(namesz, 4u);

	if (hex[0])
		return hex;
	if (descsz > 20)
		descsz = 20;
	for (uint32_t i = 0; i < descsz; i++) {
		hex[2 * i] = "0123456789abcdef"[desc[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[desc[i] & 15];
	}
	return hex;
}

void kernel_banner(void)
{
	pr_notice("%s %s (build id %s)\n", KERNEL_NAME, KERNEL_RELEASE, kernel_build_id());
}

unsigned kernel_generation(void)
{
	static const char marker[] = "generation ";
	const char *name = boot_info.loader_name;
	const char *g;
	uint64_t n;
	char digits[12];
	size_t i = 0;

	if (strncmp(name, KERNEL_NAME " ", sizeof(KERNEL_NAME)) != 0)
		return 1;
	g = name;
	while ((g = strchr(g, 'g')) && strncmp(g, marker, sizeof(marker) - 1) != 0)
		g++;
	if (!g)
		return 1;
	for (g += sizeof(marker) - 1; g[i] >= '0' && g[i] <= '9' && i + 1 < sizeof(digits); i++)
		digits[i] = g[i];
	digits[i] = '\0';
	if (parse_u64(digits, &n, false) || n < 2 || n > 1000000)
		return 1;
	return (unsigned)n;
}

void boot_identify(void)
{
	unsigned gen = kernel_generation();

	if (gen > 1)
		pr_notice("boot: generation %u, started by kexec from generation %u\n", gen, gen - 1);
	else
		pr_notice("boot: generation 1, started by '%s'\n", boot_info.loader_name);
}

void boot_complete(void)
{
	uint64_t ns = ktime_ns();

	pr_notice("boot: ready in %llu.%03llu s\n", (unsigned long long)(ns / 1000000000ULL),
		  (unsigned long long)(ns / 1000000ULL % 1000));
}
