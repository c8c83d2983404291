/*
 * The architecture half of kexec: prepare the control page and the
 * identity page tables at load time, and at kexec -e quiesce the machine,
 * copy the relocate stub into the control page and jump to it.  Nothing on
 * the way can fail once the machine is quiesced: every page was found at
 * load time.  Linux: machine_kexec_prepare() and machine_kexec() in
 * arch/x86/kernel/machine_kexec_64.c.
 */
#include "kexec/kexec_load.h"
#include "drivers/pic.h"
#include "drivers/timer.h"
#include "kernel/errno.h"
#include "kernel/io.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "mm/addr.h"
#include "mm/memmap.h"
#include "mm/paging.h"

extern const char relocate_kernel[];		/* kexec/relocate_kernel.asm */
extern const uint64_t relocate_kernel_size;

typedef void (*relocate_kernel_fn)(kimage_entry_t head, paddr_t control_pa,
				   paddr_t start, paddr_t pgd_pa);

_Static_assert(KEXEC_CONTROL_CODE_MAX < KEXEC_CONTROL_PAGE_SIZE,
	       "the relocate stub's stack lives above its code in the control page");

/* Page-table pages come from the image's control pages: never destinations. */
static paddr_t pgt_alloc(void *ctx)
{
	struct kexec_loaded *kl = ctx;
	paddr_t pa;

	if (kimage_alloc_control_page(&kl->image, &pa))
		return 0;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	kl->nr_pgt_pages++;
	return pa;
}

static void *pgt_ptr(void *ctx, paddr_t pa)
{
	return phys_to_virt(pa);
}

int machine_kexec_prepare(struct kexec_loaded *kl)
{
	const struct pt_source src = { pgt_alloc, pgt_ptr, kl, true };
	struct pt_root root;
	int err = kimage_alloc_control_page(&kl->image, &kl->control_pa);

	err = err ? err : pt_create(&root, &src);
	/*
	 * The stub reads source and list pages and writes destinations
	 * anywhere in RAM, and the purgatory runs from RAM: map all of it 1:1
	 * (Linux: init_pgtable).  Writable and executable, nothing else.
	 */
	for (unsigned i = 0; !err && i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];
		paddr_t s = ALIGN_DOWN(r->start, PAGE_SIZE), e = ALIGN_UP(r->end, PAGE_SIZE);

		if (r->type == MEMMAP_RAM || r->type == MEMMAP_ACPI || r->type == MEMMAP_NVS)
			err = pt_map(&root, s, s, e - s, PTE_WRITE);
	}
	if (!err)
		kl->pgd_pa = root.pml4_pa;
	return err;
}

/* Stop everything that could interrupt the copy (Linux: machine_shutdown). */
static void quiesce(void)
{
	irq_disable();
	timer_stop();
	pic_mask_all();
}

int kernel_kexec(void)
{
	const struct kexec_loaded *kl = kexec_loaded_image();
	relocate_kernel_fn relocate;
	int err;

	if (!kl)
		return -E_NOENT;
	/* The stub runs at the control page's physical address: map it there. */
	err = paging_map(kl->control_pa, kl->control_pa, PAGE_SIZE, PTE_WRITE);
	if (err) {
		pr_err("kexec: error: cannot map the control page (%s)\n", err_name(err));
		return err;
	}
	memcpy(phys_to_virt(kl->control_pa), relocate_kernel, relocate_kernel_size);
	pr_notice("kexec: starting generation %u: relocate stub at 0x%llx, purgatory 0x%llx, "
		  "kernel entry 0x%llx\n", kl->generation, (unsigned long long)kl->control_pa,
		  (unsigned long long)kl->image.start, (unsigned long long)kl->entry32);

	/* Point of no return: from here on there is no error path. */
	quiesce();
	relocate = (relocate_kernel_fn)(uintptr_t)kl->control_pa;
	relocate(kl->image.head, kl->control_pa, kl->image.start, kl->pgd_pa);
	__builtin_unreachable();
}
