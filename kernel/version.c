/*
 * The banner and the boot milestones.  The build id comes from the
 * linker's .note.gnu.build-id, the same id gdb and (later) VMCOREINFO use
 * to tie a vmcore to the kernel.elf that produced it.
 */
#include "kernel/version.h"
#include "boot/layout.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "mm/addr.h"

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

void kernel_banner(uint32_t magic, paddr_t mbi_pa)
{
	paddr_t load = KERNEL_LINK_PHYS + phys_base;

	pr_notice("%s %s (build id %s)\n", KERNEL_NAME, KERNEL_RELEASE, kernel_build_id());
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("boot: bad multiboot2 magic 0x%x", magic);
	pr_info("boot: loaded at physical 0x%016llx (link 0x%x, phys_base 0x%llx), MBI at 0x%llx\n",
		(unsigned long long)load, KERNEL_LINK_PHYS,
		(unsigned long long)phys_base, (unsigned long long)mbi_pa);
}

void boot_complete(void)
{
	uint64_t ns = ktime_ns();

	pr_notice("boot: ready in %llu.%03llu s\n", (unsigned long long)(ns / 1000000000ULL),
		  (unsigned long long)(ns / 1000000ULL % 1000));
}
