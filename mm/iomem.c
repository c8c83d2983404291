/*
 * The iomem tree of this kernel: one node per firmware memory range, and
 * inside System RAM the kernel image's sections, the multiboot2 info and
 * the boot modules.  Nodes come from a static pool (iomem_setup runs
 * before anything may allocate for it).  Others insert their own nodes
 * (the crash window, crash/crashkernel.c), earlier or later: a range
 * inserted later that covers one already there adopts it.  The "iomem" command prints it
 * like Linux's /proc/iomem, but half-open and with sizes.
 * Linux: kernel/resource.c (iomem_resource) and e820__reserve_resources().
 */
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/vsprintf.h"
#include "mm/memmap.h"
#include "mm/resource.h"

#define IOMEM_POOL_SIZE 256
/* x86-64 physical addresses have at most 52 bits. */
#define IOMEM_END (1ULL << 52)

struct resource iomem_resource = {
	.start = 0,
	.end = IOMEM_END,
	.name = "iomem",
};

static struct resource pool[IOMEM_POOL_SIZE];
static unsigned pool_used;

struct resource *iomem_add(paddr_t start, paddr_t end, const char *name)
{
	struct resource *res;
	int err;

	if (pool_used == IOMEM_POOL_SIZE) {
		pr_err("iomem: error: pool of %u nodes full, '%s' not added (E_NOSPC)\n",
		       IOMEM_POOL_SIZE, name);
		return NULL;
	}
	res = &pool[pool_used];
	*res = (struct resource){ .start = start, .end = end, .name = name };
	err = resource_insert(&iomem_resource, res);
	if (err) {
		char size[32];

		pr_err("iomem: error: [0x%016llx, 0x%016llx) %s '%s' not added (%s)\n",
		       (unsigned long long)start, (unsigned long long)end,
		       format_size(size, sizeof(size), end - start), name, err_name(err));
		*res = (struct resource){ 0 };
		return NULL;
	}
	pool_used++;
	return res;
}

/* "  [0x..., 0x...) 1.9 MiB  Kernel code", indented 2 spaces per depth. */
static void print_node(const struct resource *res, int depth, void *ctx)
{
	bool to_log = *(const bool *)ctx;
	char size[32], line[192];

	ksnprintf(line, sizeof(line), "%*s[0x%016llx, 0x%016llx) %s  %s", 2 * depth, "",
		  (unsigned long long)res->start, (unsigned long long)res->end,
		  format_size(size, sizeof(size), res->end - res->start), res->name);
	if (to_log)
		pr_debug("iomem: %s\n", line);
	else
		console_printf("%s\n", line);
}

static void print_tree(bool to_log)
{
	resource_walk(&iomem_resource, print_node, &to_log);
}

void iomem_print(void)
{
	print_tree(false);
}

/* One section of the image, by its linker symbols; skipped if empty. */
static void add_kernel_section(const char *name, const char *start, const char *end)
{
	if (end > start)
		iomem_add(virt_to_phys(start), virt_to_phys(end), name);
}

void iomem_setup(void)
{
	/* Firmware ranges first: later nodes sink into "System RAM". */
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];

		iomem_add(r->start, r->end, memmap_iomem_name(r->type));
	}
	add_kernel_section("Kernel code", _text_start, _text_end);
	add_kernel_section("Kernel rodata", _rodata_start, _rodata_end);
	add_kernel_section("Kernel data", _data_start, _data_end);
	add_kernel_section("Kernel bss", _bss_start, _bss_end);
	iomem_add(boot_info.info_pa, boot_info.info_pa + boot_info.info_size, boot_info.info_name);
	for (unsigned i = 0; i < boot_info.module_count; i++) {
		const struct bootinfo_module *m = &boot_info.modules[i];

		/* An empty module has no range to own. */
		if (m->end > m->start)
			iomem_add(m->start, m->end, m->cmdline[0] ? m->cmdline : "boot module");
	}
	pr_info("iomem: %u resources (pool of %u)\n", pool_used, IOMEM_POOL_SIZE);
	print_tree(true);		/* the same tree, at debug level */
}

/* iomem: the resource tree. */
static int cmd_iomem(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	iomem_print();
	return 0;
}
SHELL_COMMAND(iomem, "", "physical address ownership, like /proc/iomem", cmd_iomem);
