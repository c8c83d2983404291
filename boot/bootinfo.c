/*
 * Kernel side of the boot information: read the multiboot2 information
 * structure (MBI) that GRUB, or our own kexec, left in memory, parse it
 * into boot_info (boot/bootinfo_parse.c), and log what the loader told us.
 * The "modules" shell command lists the boot modules.  Linux's nearest
 * counterpart is copy_bootdata() plus the boot_params it leaves behind.
 */
#include "boot/bootinfo.h"
#include "boot/addr.h"
#include "boot/layout.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

struct bootinfo boot_info;

/*
 * The boot page tables map [0, BOOT_MAP_SIZE) at DIRECT_MAP_BASE, so the
 * MBI is readable there as long as it lies wholly below that limit.
 * Returns its total_size, or panics.
 */
static uint32_t mbi_size_checked(paddr_t mbi_pa)
{
	const struct mb2_info_header *hdr;

	if (mbi_pa == 0 || !IS_ALIGNED(mbi_pa, MB2_TAG_ALIGN) ||
	    mbi_pa > BOOT_MAP_SIZE - sizeof(*hdr)) {
		pr_err("boot: error: multiboot2 info address 0x%llx unusable (E_RANGE)\n",
		       (unsigned long long)mbi_pa);
		panic("boot: no usable multiboot2 information");
	}
	hdr = phys_to_virt(mbi_pa);
	if (hdr->total_size > BOOT_MAP_SIZE - mbi_pa) {
		pr_err("boot: error: multiboot2 info at 0x%llx claims %u bytes, past the boot map (E_RANGE)\n",
		       (unsigned long long)mbi_pa, hdr->total_size);
		panic("boot: no usable multiboot2 information");
	}
	return hdr->total_size;
}

static void log_modules(void)
{
	char size[32];

	for (unsigned i = 0; i < boot_info.module_count; i++) {
		const struct bootinfo_module *m = &boot_info.modules[i];

		pr_info("boot: module [0x%016llx, 0x%016llx) %s '%s'\n",
			(unsigned long long)m->start, (unsigned long long)m->end,
			format_size(size, sizeof(size), m->end - m->start), m->cmdline);
	}
}

/* What bootinfo_parse dropped or cut to fit its tables: said, never silent. */
static void log_limits(void)
{
	const struct bootinfo *bi = &boot_info;
	char size[32];

	if (bi->cmdline_full_len)
		pr_warn("boot: warning: the command line has %zu bytes, more than the %d kept: cut "
			"after %zu bytes, %u word%s dropped\n", bi->cmdline_full_len,
			BOOTINFO_CMDLINE_MAX - 1, strlen(bi->cmdline), bi->cmdline_words_dropped,
			bi->cmdline_words_dropped == 1 ? "" : "s");
	if (bi->modules_dropped)
		pr_warn("boot: warning: %u boot module%s past the first %d dropped, from '%s' on: "
			"not reserved, not loadable by kexec\n", bi->modules_dropped,
			bi->modules_dropped == 1 ? "" : "s", BOOTINFO_MAX_MODULES,
			bi->first_dropped_module);
	if (bi->mmap_dropped)
		pr_warn("boot: warning: %u memory map entries past the first %d dropped (%s of "
			"usable RAM in them, not used)\n", bi->mmap_dropped, BOOTINFO_MAX_MMAP,
			format_size(size, sizeof(size), bi->mmap_dropped_ram));
	if (bi->names_cut)
		pr_warn("boot: warning: %u module or loader name%s cut to fit (%d bytes)\n",
			bi->names_cut, bi->names_cut == 1 ? "" : "s",
			BOOTINFO_MODULE_CMDLINE_MAX - 1);
}

void bootinfo_setup(paddr_t mbi_pa)
{
	uint32_t len = mbi_size_checked(mbi_pa);
	char size[32];
	int err;

	err = bootinfo_parse(phys_to_virt(mbi_pa), len, mbi_pa, &boot_info);
	if (err) {
		pr_err("boot: error: multiboot2 info at 0x%llx (%u bytes) is malformed (%s)\n",
		       (unsigned long long)mbi_pa, len, err_name(err));
		panic("boot: cannot parse the multiboot2 information");
	}
	pr_info("boot: multiboot2 info [0x%016llx, 0x%016llx) %s, %u tags (%u unknown)\n",
		(unsigned long long)mbi_pa, (unsigned long long)(mbi_pa + len),
		format_size(size, sizeof(size), len), boot_info.tag_count,
		boot_info.unknown_tags);
	pr_info("boot: loader '%s'\n", boot_info.loader_name);
	pr_info("boot: cmdline '%s'\n", boot_info.cmdline);
	log_modules();
	log_limits();
	if (boot_info.has_framebuffer)
		pr_debug("boot: framebuffer type %u, %ux%u %u-bit at 0x%llx\n", boot_info.fb_type,
			 boot_info.fb_width, boot_info.fb_height, boot_info.fb_bpp,
			 (unsigned long long)boot_info.fb_addr);
	if (boot_info.mmap_from_efi)
		pr_info("boot: memory map from the EFI memory map tag (the loader gave no memory "
			"map tag): %u ranges\n", boot_info.mmap_count);
	pr_debug("boot: %u memory map entries, ACPI RSDP copy v%d (%u bytes), meminfo %u/%u KiB\n",
		 boot_info.mmap_count, boot_info.acpi_rsdp_version, boot_info.acpi_rsdp_len,
		 boot_info.mem_lower_kib, boot_info.mem_upper_kib);
	if (boot_info.mmap_count == 0) {
		pr_err("boot: error: the boot loader gave no memory map (E_NOENT)\n");
		panic("boot: no memory map");
	}
}

/* modules: the boot modules, as the loader placed them. */
static int cmd_modules(int argc, char **argv)
{
	char size[32];

	if (argc != 1)
		return shell_usage();
	if (boot_info.module_count == 0)
		console_printf("modules: none\n");
	for (unsigned i = 0; i < boot_info.module_count; i++) {
		const struct bootinfo_module *m = &boot_info.modules[i];

		console_printf("%u: [0x%016llx, 0x%016llx) %s '%s'\n", i,
			       (unsigned long long)m->start, (unsigned long long)m->end,
			       format_size(size, sizeof(size), m->end - m->start),
			       m->cmdline);
	}
	return 0;
}
SHELL_COMMAND(modules, "", "list the boot modules (index, range, size, name)", cmd_modules);
