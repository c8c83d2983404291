/*
 * The crash kernel window of this boot: read crashkernel= once, right
 * after the frame allocator exists and before anything allocates, place
 * the window clear of the boot reservations, take it out of the allocator
 * for good, publish it as crashk_res ("Crash kernel" in iomem, nested in
 * its System RAM) and register it with kexec for kexec -p.  A request that cannot be met is logged and kdump
 * stays off; the boot never stops for it.  Linux: reserve_crashkernel()
 * in arch/x86/kernel/setup.c with kernel/crash_reserve.c.
 */
#include "crash/crash.h"
#include "crash/crashkernel_parse.h"
#include "kexec/kexec_load.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "mm/memmap.h"
#include "mm/pmm.h"
#include "mm/resource.h"

struct resource crashk_res = { .name = "Crash kernel" };

/* What happened at boot, for the crashkernel command. */
static struct {
	const char *value;		/* the crashkernel= value; NULL if absent */
	struct crashkernel_request req;
	int err;			/* 0, or why there is no window */
	char why[192];
} ck;

/* The boot reservations the window must keep clear of. */
static unsigned collect_avoid(struct range *avoid, unsigned max)
{
	unsigned n = 0;

	while (n < max && pmm_boot_reservation(n, &avoid[n]))
		n++;
	return n;
}

/* Parse and place; 0 and *base, or -E_* with ck.why filled. */
static int choose_window(paddr_t *base)
{
	struct range avoid[CRASHKERNEL_AVOID_MAX];
	unsigned n = collect_avoid(avoid, CRASHKERNEL_AVOID_MAX);
	int err;

	err = crashkernel_parse(ck.value, memmap_total(&firmware_memmap, MEMMAP_RAM), &ck.req,
				ck.why, sizeof(ck.why));
	if (err || ck.req.size == 0)
		return err;
	err = crashkernel_place(&firmware_memmap, avoid, n, ck.req.size, ck.req.offset, base,
				ck.why, sizeof(ck.why));
	if (err)
		return err;
	err = pmm_reserve(*base, *base + ck.req.size);
	if (err)
		ksnprintf(ck.why, sizeof(ck.why), "the frame allocator refused "
			  "[0x%016llx, 0x%016llx)", (unsigned long long)*base,
			  (unsigned long long)(*base + ck.req.size));
	return err;
}

void crashkernel_setup(void)
{
	paddr_t base = 0;
	char size[32];
	int err;

	ck.value = cmdline_get(&kernel_cmdline, "crashkernel");
	if (!ck.value)
		return;
	ck.err = choose_window(&base);
	if (ck.err) {
		pr_err("crashkernel: error: %s (%s); kdump is off\n", ck.why, err_name(ck.err));
		return;
	}
	if (ck.req.size == 0) {
		pr_notice("crashkernel: no window: %s; kdump is off\n", ck.why);
		return;
	}
	crashk_res.start = base;
	crashk_res.end = base + ck.req.size;
	/* In the iomem tree now; its System RAM, inserted by iomem_setup
	 * later, adopts it (Linux: insert_resource(&iomem_resource, &crashk_res)). */
	err = resource_insert(&iomem_resource, &crashk_res);
	if (err)
		pr_err("iomem: error: 'Crash kernel' not added (%s)\n", err_name(err));
	/* kexec -p may load into it from now on, with kdump's segments. */
	kexec_crash_register(crashk_res.start, crashk_res.end, crash_check_capture,
			     crash_load_segments);
	pr_info("crashkernel: reserved [0x%016llx, 0x%016llx) %s for the capture kernel\n",
		(unsigned long long)crashk_res.start, (unsigned long long)crashk_res.end,
		format_size(size, sizeof(size), ck.req.size));
}

/* How the value was read: the syntax, and for ranges which one matched. */
static void show_request(void)
{
	const struct crashkernel_request *r = &ck.req;
	char a[32];

	console_printf("request: crashkernel=%s\n", ck.value);
	if (r->ranges && r->range_index)
		console_printf("ranges:  %u; range %u matches %s of RAM (System RAM rounded up "
			       "to 128 MiB)\n", r->nr_ranges, r->range_index,
			       format_size(a, sizeof(a), r->ram_compared));
	if (r->offset)
		console_printf("offset:  0x%llx (fixed)\n", (unsigned long long)r->offset);
}

/* crashkernel: the request, the window chosen, or why there is none. */
static int cmd_crashkernel(int argc, char **argv)
{
	char a[32];

	if (argc != 1)
		return shell_usage();
	if (!ck.value) {
		console_printf("no crashkernel= on the command line: kdump is off\n");
		return 0;
	}
	show_request();
	if (crashk_res.end > crashk_res.start)
		console_printf("window:  [0x%016llx, 0x%016llx) %s, %s\n",
			       (unsigned long long)crashk_res.start,
			       (unsigned long long)crashk_res.end,
			       format_size(a, sizeof(a), crashk_res.end - crashk_res.start),
			       ck.req.offset ? "at the offset asked for"
					     : "highest 2 MiB-aligned place below 4 GiB");
	else if (ck.err)
		console_printf("window:  none: %s (%s)\n", ck.why, err_name(ck.err));
	else
		console_printf("window:  none: %s\n", ck.why);
	return 0;
}
SHELL_COMMAND(crashkernel, "", "the crash kernel window: request, place, or why none",
	      cmd_crashkernel);

/* Read by crashkernel_setup itself, once the frame allocator exists. */
CMDLINE_KEY(crashkernel, "crashkernel=SIZE[@OFFSET]",
	    "kdump window; also START-[END]:SIZE,...[@OFFSET] chosen by RAM size", NULL);
