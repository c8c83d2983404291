/*
 * The firmware memory map: the e820 ranges the BIOS gave the boot loader,
 * passed on in the multiboot2 memory map tag.  Printed exactly as the
 * firmware listed them (in order, unmerged, so they can be compared with
 * the BIOS's own dump); kept sanitized in firmware_memmap for everyone
 * else.  The "memmap" shell command prints the same lines.
 * Linux: e820__memory_setup() and e820__print_table() ("BIOS-e820: ...").
 */
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "mm/memmap.h"

struct memmap firmware_memmap;

/* "e820: [0x..., 0x...) usable (639 KiB)" for one firmware entry. */
static void format_entry(char *buf, size_t size, const struct bootinfo_mmap_entry *e)
{
	char human[32];

	ksnprintf(buf, size, "e820: [0x%016llx, 0x%016llx) %s (%s)",
		  (unsigned long long)e->addr, (unsigned long long)(e->addr + e->len),
		  memmap_type_name(e->type), format_size(human, sizeof(human), e->len));
}

/* "e820: 7 ranges, 511.6 MiB usable, RAM ends at 0x1ffe0000" */
static void format_summary(char *buf, size_t size)
{
	char human[32];

	ksnprintf(buf, size, "e820: %u ranges, %s usable, RAM ends at 0x%llx",
		  boot_info.mmap_count,
		  format_size(human, sizeof(human), memmap_total(&firmware_memmap, MEMMAP_RAM)),
		  (unsigned long long)memmap_end(&firmware_memmap, MEMMAP_RAM));
}

void memmap_setup(void)
{
	char line[128];

	memmap_init(&firmware_memmap);
	for (unsigned i = 0; i < boot_info.mmap_count; i++) {
		const struct bootinfo_mmap_entry *e = &boot_info.mmap[i];
		int err;

		format_entry(line, sizeof(line), e);
		pr_info("%s\n", line);
		if (e->len == 0)
			continue;		/* Linux drops empty entries too */
		err = memmap_add(&firmware_memmap, e->addr, e->addr + e->len, e->type);
		if (err)
			pr_err("e820: error: entry %u not added to the map (%s)\n", i,
			       err_name(err));
	}
	format_summary(line, sizeof(line));
	pr_info("%s\n", line);
	if (firmware_memmap.count != boot_info.mmap_count)
		pr_info("e820: %u ranges after sanitizing (sorted, overlaps resolved, merged)\n",
			firmware_memmap.count);
	if (memmap_total(&firmware_memmap, MEMMAP_RAM) == 0)
		panic("e820: the firmware memory map has no usable RAM");
}

/* memmap: the firmware map as printed at boot. */
static int cmd_memmap(int argc, char **argv)
{
	char line[128];

	if (argc != 1)
		return shell_usage();
	for (unsigned i = 0; i < boot_info.mmap_count; i++) {
		format_entry(line, sizeof(line), &boot_info.mmap[i]);
		console_printf("%s\n", line);
	}
	format_summary(line, sizeof(line));
	console_printf("%s\n", line);
	return 0;
}
SHELL_COMMAND(memmap, "", "the firmware (e820) memory map, as given at boot", cmd_memmap);
