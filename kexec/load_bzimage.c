/*
 * The Linux bzImage loader of kexec -l / -p: the protected-mode kernel
 * (the file after its setup sectors) at a kernel_alignment boundary with
 * init_size bytes of room, the initrd (--initrd, a boot module), and one
 * page of boot_params followed by the command line, all placed top-down
 * as Linux's own loader does; the purgatory enters it through the 64-bit
 * boot protocol at load + 0x200 with RSI = boot_params, on the relocate
 * stub's identity page tables.  For kexec -p, kdump's segments and
 * elfcorehdr= come from crash/ as for any image, and the e820 table Linux
 * gets is the window's.  Linux: arch/x86/kernel/kexec-bzimage64.c.
 */
#include "boot/addr.h"
#include "drivers/acpi.h"
#include "kexec/kexec_file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"

/* Linux's MIN_INITRD_LOAD_ADDR: an initrd no lower than 16 MiB. */
#define MIN_INITRD_ADDR (16 * MiB)
/* The first MiB a Linux capture kernel gets, minus page 0 (Linux keeps it). */
#define LOW_RAM_START 0x1000
#define LOW_RAM_END 0x100000

/*
 * A Linux capture kernel panics without RAM below 1 MiB ("Real mode
 * trampoline was not allocated"): give it the first MiB's RAM, as Linux's
 * crash_setup_memmap_entries does, and have kdump leave that memory out of
 * the dump (kexec_load_takes_low_memory).  Our kernel never allocates
 * there, so nothing of it is lost but the BIOS's own data.
 */
static int give_low_memory(struct kexec_load *ld)
{
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];
		paddr_t s = MAX(r->start, (paddr_t)LOW_RAM_START), e = MIN(r->end, (paddr_t)LOW_RAM_END);

		if (r->type == MEMMAP_RAM && s < e && memmap_add(&ld->crash_map, s, e, MEMMAP_RAM))
			return kexec_error(-E_NOSPC, "capture kernel memory map full");
	}
	ld->low_memory = true;
	return 0;
}

static int add_kernel(struct kexec_load *ld, const struct kexec_request *req,
		      const struct bootinfo_module *m)
{
	struct bzimage *bz = &ld->bz;
	paddr_t pa, lo;
	int err;

	err = bzimage_parse(phys_to_virt(m->start), m->end - m->start, bz, ld->why,
			    sizeof(ld->why));
	if (err)
		return kexec_error(err, "'%s': %s", req->kernel, ld->why);
	/* Below pref_address its decompressor would move itself there
	 * (head_64.S, LOAD_PHYSICAL_ADDR), onto memory it was not given. */
	lo = MAX(ld->lo, ALIGN_UP(bz->pref_address, (paddr_t)bz->alignment));
	err = memmap_find_hole(&firmware_memmap, lo, ld->hi, ld->placed, ld->nr_placed,
			       bz->init_size, bz->alignment, true, &pa);
	if (err)
		return kexec_error(err, "'%s' needs %llu KiB (init_size) at a 0x%x boundary from "
				  "0x%llx in [0x%llx, 0x%llx): no room", req->kernel,
				  (unsigned long long)bz->init_size / KiB, bz->alignment,
				  (unsigned long long)lo, (unsigned long long)ld->lo,
				  (unsigned long long)ld->hi);
	ld->kl.linux_boot = true;
	ld->kl.entry_pa = pa + BOOT_ENTRY64_OFFSET;
	return kexec_add_segment(ld, bz->kernel, bz->kernel_size, pa, bz->init_size, "kernel");
}

static int add_initrd(struct kexec_load *ld, const struct kexec_request *req)
{
	const struct bootinfo_module *m = kexec_find_module(req->initrd);
	uint64_t size;
	paddr_t hi;
	int err;

	if (!m)
		return -E_NOENT;
	size = m->end - m->start;
	hi = MIN(ld->hi, (paddr_t)ld->bz.initrd_addr_max + 1);
	err = memmap_find_hole(&firmware_memmap, MAX(ld->lo, (paddr_t)MIN_INITRD_ADDR), hi,
			       ld->placed, ld->nr_placed, ALIGN_UP(size, PAGE_SIZE), PAGE_SIZE, true,
			       &ld->initrd_pa);
	if (err)
		return kexec_error(err, "no room for the initrd '%s' (%llu KiB) below 0x%llx",
				  req->initrd, (unsigned long long)size / KiB,
				  (unsigned long long)hi);
	ld->initrd_size = size;
	ksnprintf(ld->why, sizeof(ld->why), "initrd '%s'", req->initrd);
	return kexec_add_segment(ld, phys_to_virt(m->start), size, ld->initrd_pa, size, ld->why);
}

static int bz_load_kernel(struct kexec_load *ld, const struct kexec_request *req,
			  const struct bootinfo_module *file)
{
	int err;

	if (req->nr_modules)
		return kexec_error(-E_INVAL, "'%s' is a bzImage: it takes one --initrd, not "
				  "--module", req->kernel);
	ld->top_down = true;
	err = req->type == KEXEC_TYPE_CRASH ? give_low_memory(ld) : 0;
	err = err ? err : add_kernel(ld, req, file);
	if (!err && req->initrd)
		err = add_initrd(ld, req);
	return err;
}

/* boot_params, then the command line right after it: one segment. */
static int bz_load_info(struct kexec_load *ld, const struct kexec_request *req)
{
	size_t len = strlen(ld->cmdline);
	size_t size = sizeof(struct boot_params) + len + 1;
	struct bootparams_info in;
	uint8_t *buf;
	int err;

	if (len > ld->bz.cmdline_size)
		return kexec_error(-E_2BIG, "the command line (%zu bytes) is longer than '%s' takes "
				  "(cmdline_size %u)", len, req->kernel, ld->bz.cmdline_size);
	if (!(buf = kexec_own(ld, size)))
		return kexec_error(-E_NOMEM, "no memory for boot_params");
	err = kexec_place(ld, size, PAGE_SIZE, &ld->kl.info_pa, "boot_params");
	if (err)
		return err;
	in = (struct bootparams_info){
		.memmap = ld->mbi_map,
		.cmdline_pa = ld->kl.info_pa + sizeof(struct boot_params),
		.initrd_pa = ld->initrd_pa,
		.initrd_size = ld->initrd_size,
		.acpi_rsdp_pa = acpi_rsdp_firmware_address(),
	};
	err = bootparams_build(&ld->bz, &in, (struct boot_params *)buf);
	if (err)
		return kexec_error(err, "the memory map has more than %d ranges for boot_params",
				  BP_E820_MAX);
	memcpy(buf + sizeof(struct boot_params), ld->cmdline, len + 1);
	return kexec_add_segment(ld, buf, size, ld->kl.info_pa, size, "boot_params, cmdline");
}

const struct kexec_image_ops kexec_bzimage_ops = {
	.name = "bzImage",
	.probe = bzimage_probe,
	.load_kernel = bz_load_kernel,
	.load_info = bz_load_info,
};
