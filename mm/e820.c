/*
 * The firmware memory map: the e820 ranges the BIOS gave the boot loader,
 * passed on in the multiboot2 memory map tag or boot_params.  Printed
 * exactly as the loader listed them (in order, unmerged, so they can be
 * compared with the BIOS's own dump); kept sanitized in firmware_memmap
 * for everyone else.  memmap= options change it (memmap=exactmap replaces
 * it: how kexec-tools' --pass-memmap-cmdline tells a capture kernel its
 * window).  The "memmap" shell command prints the same lines.
 * Linux: e820__memory_setup(), e820__print_table() ("BIOS-e820: ..."),
 * parse_memmap_opt().
 */
#include "boot/bootinfo.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "mm/memmap.h"

struct memmap firmware_memmap;

/* The memmap= options of the command line, applied by memmap_setup. */
#define MEMMAP_OPTIONS_MAX 32
static struct {
	bool exactmap;
	unsigned count;
	struct memmap_range range[MEMMAP_OPTIONS_MAX];
} options;

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

/*
 * memmap=... options: exactmap drops the loader's RAM ranges; the rest are
 * added.  Unlike Linux, which maps its ACPI tables with ioremap whatever
 * the map says, we keep the loader's reserved and ACPI ranges: our direct
 * map covers what the map lists, and the ACPI tables must be in it.
 */
static void apply_options(void)
{
	char line[128];

	if (options.exactmap) {
		static struct memmap given;

		given = firmware_memmap;

		memmap_init(&firmware_memmap);
		for (unsigned i = 0; i < given.count; i++)
			if (given.range[i].type != MEMMAP_RAM)
				memmap_add(&firmware_memmap, given.range[i].start, given.range[i].end,
					   given.range[i].type);
		pr_info("e820: memmap=exactmap: the command line's %u ranges replace the loader's RAM "
			"(its reserved and ACPI ranges stay)\n", options.count);
	}
	for (unsigned i = 0; i < options.count; i++) {
		const struct memmap_range *r = &options.range[i];
		struct bootinfo_mmap_entry e = { r->start, r->end - r->start, r->type };
		int err = memmap_add(&firmware_memmap, r->start, r->end, r->type);

		format_entry(line, sizeof(line), &e);
		if (err)
			pr_err("e820: error: memmap= range not added to the map (%s)\n", err_name(err));
		else
			pr_info("%s from memmap=\n", line);
	}
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
	apply_options();
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

/* Each memmap= word, as the command line is read (Linux: parse_memmap_opt). */
static int apply_memmap(const struct cmdline_param *p)
{
	struct memmap_range r;
	int err = memmap_parse_option(p->value, &r, &options.exactmap);

	if (err || strcmp(p->value, "exactmap") == 0)
		return err;
	if (options.count == MEMMAP_OPTIONS_MAX)
		return -E_2BIG;
	options.range[options.count++] = r;
	return 0;
}
CMDLINE_KEY(memmap, "memmap=exactmap|SIZE@START|SIZE#START|SIZE$START|SIZE!START",
	    "change the memory map: exactmap drops the loader's; @ RAM, # ACPI, $ reserved", apply_memmap);
