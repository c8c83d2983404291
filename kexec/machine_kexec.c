/*
 * The architecture half of kexec: prepare the control page and the
 * identity page tables at load time, and at kexec -e quiesce the machine,
 * copy the relocate stub into the control page and jump to it.  Nothing on
 * the way can fail once the machine is quiesced: every page was found at
 * load time.  Linux: machine_kexec_prepare() and machine_kexec() in
 * arch/x86/kernel/machine_kexec_64.c.
 */
#include "kexec/kexec_load.h"
#include "boot/addr.h"
#include "drivers/apic.h"
#include "drivers/device.h"
#include "drivers/ioapic.h"
#include "drivers/irq_vectors.h"
#include "drivers/pic.h"
#include "drivers/timer.h"
#include "kernel/smp.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "mm/memmap.h"
#include "mm/paging.h"

extern const char relocate_kernel[];		/* kexec/relocate_kernel.asm */
extern const uint64_t relocate_kernel_size;

typedef void (*relocate_kernel_fn)(kimage_entry_t head, paddr_t control_pa,
				   paddr_t start, paddr_t pgd_pa);

_Static_assert(KEXEC_CONTROL_CODE_MAX < KEXEC_CONTROL_PAGE_SIZE,
	       "the relocate stub's stack lives above its code in the control page");

/*
 * Control and page-table pages are never destinations: for a default image
 * kimage_alloc_control_page guarantees it; a crash image takes them from an
 * area of the window that the loader kept clear of every segment.
 */
static paddr_t control_alloc(struct kexec_loaded *kl)
{
	paddr_t pa;

	if (kl->image.type == KEXEC_TYPE_CRASH) {
		if (kl->ctl_used == kl->ctl_pages)
			return 0;
		pa = kl->ctl_area + kl->ctl_used++ * PAGE_SIZE;
	} else if (kimage_alloc_control_page(&kl->image, &pa)) {
		return 0;
	}
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static paddr_t pgt_alloc(void *ctx)
{
	struct kexec_loaded *kl = ctx;
	paddr_t pa = control_alloc(kl);

	if (pa)
		kl->nr_pgt_pages++;
	return pa;
}

static void *pgt_ptr(void *ctx, paddr_t pa)
{
	return phys_to_virt(pa);
}

int machine_kexec_prepare(struct kexec_load *ld, struct kexec_loaded *kl)
{
	const struct pt_source src = { pgt_alloc, pgt_ptr, kl, true };
	struct pt_root root;
	bool reported = false;
	int err = 0;

	if (kl->image.type == KEXEC_TYPE_CRASH) {
		kl->ctl_pages = KEXEC_CRASH_CONTROL_PAGES;
		err = kexec_reserve_area(ld, kl->ctl_pages * PAGE_SIZE, &kl->ctl_area,
					 "control pages");
		reported = err != 0;	/* the loader's placement said why */
	}
	if (!err && !(kl->control_pa = control_alloc(kl)))
		err = -E_NOMEM;
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
	else if (!reported)
		pr_err("kexec: error: no pages for the control page and identity page tables "
		       "(%s)\n", err_name(err));
	return err;
}

/* Stop everything that could interrupt the copy (Linux: machine_shutdown). */
static void quiesce(void)
{
	irq_disable();
	timer_stop();
	apic_timer_stop();	/* this CPU's tick (Linux: lapic_shutdown) */
	apic_eoi_all();		/* no handler returns: retire what is in service */
	pic_mask_all();
	ioapic_shutdown();
}

/* The jump itself, on the CPU that will start the next kernel. */
static int machine_kexec(const struct kexec_loaded *kl, unsigned flags)
{
	relocate_kernel_fn relocate;
	int err;

	/* The stub runs at the control page's physical address: map it there. */
	err = paging_map(kl->control_pa, kl->control_pa, PAGE_SIZE, PTE_WRITE);
	if (err) {
		pr_err("kexec: error: cannot map the control page (%s)\n", err_name(err));
		return err;
	}
	memcpy(phys_to_virt(kl->control_pa), relocate_kernel, relocate_kernel_size);
	pr_notice("kexec: starting generation %u: relocate stub at 0x%llx, purgatory 0x%llx, "
		  "kernel entry 0x%llx\n", kl->generation, (unsigned long long)kl->control_pa,
		  (unsigned long long)kl->image.start, (unsigned long long)kl->entry_pa);

	/* Point of no return: from here on there is no error path. */
	device_shutdown();	/* no DMA may land in memory the next kernel owns */
	smp_send_stop(true);	/* every other CPU halted (Linux: machine_shutdown) */
	smp_park_other_cpus();	/* ... and in INIT, where no NMI can wake it */
	quiesce();
	if (flags & KEXEC_LEAVE_APIC_TIMER)	/* as Linux leaves its tick, on 0xec */
		apic_timer_start(LOCAL_TIMER_VECTOR, 100);
	relocate = (relocate_kernel_fn)(uintptr_t)kl->control_pa;
	relocate(kl->image.head, kl->control_pa, kl->image.start, kl->pgd_pa);
	__builtin_unreachable();
}

/* A jump handed to the bootstrap processor: the request and its outcome. */
struct bsp_jump {
	const struct kexec_loaded *kl;
	unsigned flags;
	volatile int err;
	volatile bool done;
};

static void jump_on_bsp(void *arg)
{
	struct bsp_jump *j = arg;

	j->err = machine_kexec(j->kl, j->flags);	/* returns only on failure */
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
}

/*
 * The next kernel brings every CPU up with INIT-SIPI-SIPI, but INIT sends
 * the bootstrap processor to the firmware: so the BSP must be the CPU that
 * jumps, and a command run elsewhere (on 3 kexec -e) hands the jump to it
 * and waits to be stopped.  Linux: migrate_to_reboot_cpu() in
 * kernel_kexec().  Without an online BSP (a capture kernel), the calling
 * CPU jumps, and the next kernel never sends the BSP an INIT.
 */
int kernel_kexec(unsigned flags)
{
	const struct kexec_loaded *kl = kexec_loaded_image(KEXEC_TYPE_DEFAULT);
	struct bsp_jump j = { kl, flags, 0, false };
	int bsp = smp_bsp_cpu();
	int err;

	if (!kl)
		return -E_NOENT;
	if (bsp < 0 || (unsigned)bsp == smp_processor_id())
		return machine_kexec(kl, flags);
	pr_notice("kexec: CPU %u hands the jump to CPU %d, the bootstrap processor, which alone "
		  "can start the next kernel with every CPU (Linux: migrate_to_reboot_cpu)\n",
		  smp_processor_id(), bsp);
	err = smp_call_function_single((unsigned)bsp, jump_on_bsp, &j, false);
	while (!err && !__atomic_load_n(&j.done, __ATOMIC_ACQUIRE))
		default_idle();		/* until the BSP stops this CPU, or fails */
	return err ? err : j.err;
}

static int protect_window(const struct kexec_loaded *kl, uint64_t flags)
{
	paddr_t start = kl->image.crash_start, end = kl->image.crash_end;

	return paging_map(DIRECT_MAP_BASE + start, start, end - start, flags | pte_nx());
}

int machine_kexec_arm_crash(struct kexec_loaded *kl)
{
	int err;

	memcpy(phys_to_virt(kl->control_pa), relocate_kernel, relocate_kernel_size);
	err = paging_map(kl->control_pa, kl->control_pa, PAGE_SIZE, PTE_WRITE);
	if (err)
		pr_err("kexec: error: cannot map the control page (%s)\n", err_name(err));
	else if ((err = protect_window(kl, 0)))
		pr_err("kexec: error: cannot write-protect the crash window (%s)\n", err_name(err));
	return err;
}

void machine_kexec_disarm_crash(struct kexec_loaded *kl)
{
	int err = protect_window(kl, PTE_WRITE);

	if (err)
		pr_err("kexec: error: cannot unprotect the crash window (%s)\n", err_name(err));
}

void machine_crash_kexec(const struct kexec_loaded *kl)
{
	relocate_kernel_fn relocate = (relocate_kernel_fn)(uintptr_t)kl->control_pa;

	quiesce();
	/* The list is only IND_DONE: everything is already in the window. */
	relocate(kl->image.head, kl->control_pa, kl->image.start, kl->pgd_pa);
	__builtin_unreachable();
}
