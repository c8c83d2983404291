/*
 * Kernel side of the boot information: read what the loader left in
 * memory, the multiboot2 information (MBI: GRUB, our own kexec,
 * kexec-tools) or Linux's boot_params (QEMU -kernel, GRUB `linux`, Linux's
 * kexec), parse it into boot_info (bootinfo_parse.c, bootparams_parse.c),
 * and log what the loader told us, quirks included.  The "modules" shell
 * command lists the boot modules.  Linux's nearest counterpart is
 * copy_bootdata() plus the boot_params it leaves behind.
 */
#include "boot/bootinfo.h"
#include "boot/addr.h"
#include "boot/layout.h"
#include "lib/bootparam.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

struct bootinfo boot_info;

/* kexec-tools' short total_size may hide this much past it (bootinfo.h). */
#define MBI_SLACK (7 * BOOTINFO_MAX_MODULES)

/*
 * The boot page tables map [0, BOOT_MAP_SIZE) at DIRECT_MAP_BASE, so the
 * MBI is readable there as long as it lies wholly below that limit.
 * Returns the bytes the parser may read (total_size, and kexec-tools'
 * slack where mapped), or panics.
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
	return (uint32_t)MIN((uint64_t)hdr->total_size + MBI_SLACK, BOOT_MAP_SIZE - mbi_pa);
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

/*
 * kexec-tools' multiboot2 loader has no kdump support: with `kexec -p` it
 * relocates us into the crash window but passes no elfcorehdr= and calls
 * all of RAM free, the crashed kernel's included.  With `kexec -l` it
 * loads us at our link address whenever that is RAM; so kexec-tools as
 * the loader, away from the link address and without elfcorehdr=, is its
 * crash load.  Booting on would write over the dump: stop here instead.
 */
static void refuse_kexec_tools_crash_load(void)
{
	if (strncmp(boot_info.loader_name, "kexec ", 6) != 0 || phys_base == 0 ||
	    cmdline_has_word(boot_info.cmdline, "elfcorehdr="))
		return;
	pr_err("boot: error: started by kexec-tools' multiboot2 loader at 0x%llx, not at our "
	       "link address: that is `kexec -p`, which passes no elfcorehdr= and gives all of "
	       "RAM, the crashed kernel's too; halting rather than overwrite the dump (load the "
	       "bzImage with kexec -p instead) (E_NOTSUP)\n",
	       (unsigned long long)(KERNEL_LINK_PHYS + phys_base));
	halt_forever();
}

static void setup_mbi(paddr_t mbi_pa)
{
	uint32_t len = mbi_size_checked(mbi_pa);
	char size[32];
	int err;

	err = bootinfo_parse(phys_to_virt(mbi_pa), len, mbi_pa, &boot_info);
	if (err) {
		pr_err("boot: error: multiboot2 info at 0x%llx (%u bytes) is malformed (%s)\n",
		       (unsigned long long)mbi_pa,
		       ((const struct mb2_info_header *)phys_to_virt(mbi_pa))->total_size,
		       err_name(err));
		panic("boot: cannot parse the multiboot2 information");
	}
	pr_info("boot: multiboot2 info [0x%016llx, 0x%016llx) %s, %u tags (%u unknown)\n",
		(unsigned long long)mbi_pa, (unsigned long long)(mbi_pa + boot_info.info_size),
		format_size(size, sizeof(size), boot_info.info_size), boot_info.tag_count,
		boot_info.unknown_tags);
	if (boot_info.mbi_short_by)
		pr_warn("boot: multiboot2 info: total_size stops %u bytes before the end tag: "
			"module strings counted unpadded (kexec-tools 2.0.25); accepted\n",
			boot_info.mbi_short_by);
	if (boot_info.has_load_base &&
	    boot_info.load_base_addr != KERNEL_LINK_PHYS + phys_base)
		pr_info("boot: the load base address tag says 0x%x, we run at 0x%llx: ignored "
			"(kexec-tools puts its purgatory's address there)\n",
			boot_info.load_base_addr, (unsigned long long)(KERNEL_LINK_PHYS + phys_base));
	refuse_kexec_tools_crash_load();
}

/* boot_params' pointers, read through the boot direct map. */
static int read_boot_map(void *ctx, paddr_t pa, void *buf, size_t len)
{
	if (pa >= BOOT_MAP_SIZE || len > BOOT_MAP_SIZE - pa)
		return -E_RANGE;
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

static void setup_boot_params(paddr_t bp_pa)
{
	int err;

	if (bp_pa == 0 || bp_pa > BOOT_MAP_SIZE - BP_SIZE) {
		pr_err("boot: error: boot_params address 0x%llx unusable (E_RANGE)\n",
		       (unsigned long long)bp_pa);
		panic("boot: no usable boot_params");
	}
	err = bootparams_parse(phys_to_virt(bp_pa), bp_pa, read_boot_map, NULL, &boot_info);
	if (err) {
		pr_err("boot: error: boot_params at 0x%llx is unusable (%s)\n",
		       (unsigned long long)bp_pa, err_name(err));
		panic("boot: cannot parse boot_params");
	}
	pr_info("boot: boot_params [0x%016llx, 0x%016llx), %u e820 entries, %u setup_data nodes\n",
		(unsigned long long)bp_pa, (unsigned long long)(bp_pa + BP_SIZE),
		boot_info.mmap_count, boot_info.setup_data_count);
	if (boot_info.initrd_cpio > 0)
		pr_info("boot: initrd: a cpio archive; its files are boot modules too (%d)\n",
			boot_info.initrd_cpio);
	else if (boot_info.initrd_cpio == -E_2BIG)
		pr_info("boot: initrd: a cpio archive of %u files, more than the modules we keep: "
			"kept whole as 'initrd'\n", boot_info.initrd_files);
	else if (boot_info.module_count && boot_info.initrd_cpio < 0)
		pr_info("boot: initrd: not an uncompressed cpio \"newc\" archive (%s): kept whole "
			"as 'initrd'\n", err_name(boot_info.initrd_cpio));
	if (boot_info.bp_sentinel)
		pr_warn("boot: boot_params sentinel set: the loader copied a whole sector; "
			"its ext_* fields and acpi_rsdp_addr are ignored (Linux: "
			"sanitize_boot_params)\n");
}

void bootinfo_setup(uint32_t magic, paddr_t info_pa)
{
	const char *what = magic == BOOT_HDRS_MAGIC ? "boot_params" : "MBI";

	pr_info("boot: loaded at physical 0x%016llx (link 0x%x, phys_base 0x%llx), %s at 0x%llx\n",
		(unsigned long long)(KERNEL_LINK_PHYS + phys_base), KERNEL_LINK_PHYS,
		(unsigned long long)phys_base, what, (unsigned long long)info_pa);
	if (magic == MB2_BOOTLOADER_MAGIC)
		setup_mbi(info_pa);
	else if (magic == BOOT_HDRS_MAGIC)
		setup_boot_params(info_pa);
	else
		panic("boot: bad boot magic 0x%x (neither multiboot2 nor the Linux boot protocol)",
		      magic);
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
