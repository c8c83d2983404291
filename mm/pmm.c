/*
 * The kernel's frame allocator: one struct frames (mm/frames.c) over all
 * RAM of the firmware map.  pmm_setup places the bitmap itself in free RAM
 * the way memblock places early allocations (top-down, below the boot
 * direct map's 4 GiB, clear of the boot reservations), frees every RAM
 * frame, then reserves what must never be handed out.  Linux: memblock
 * (mm/memblock.c) and memblock_free_all() handing pages to the buddy.
 */
#include "mm/pmm.h"
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "boot/layout.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/frames.h"
#include "mm/memmap.h"

#define MAX_BOOT_RESERVATIONS (4 + BOOTINFO_MAX_MODULES)

static struct frames pmm;
static size_t managed_frames;	/* RAM frames, boot reservations included */
static paddr_t low_page;	/* a RAM page below 1 MiB nothing else uses, or 0 */
/* The boot reservations, and each one's name (a module's command line) or NULL. */
static struct range resv[MAX_BOOT_RESERVATIONS];
static const char *resv_name[MAX_BOOT_RESERVATIONS];
static unsigned nresv;

static void add_reservation(paddr_t start, paddr_t end, const char *what, const char *name)
{
	if (end <= start)
		return;
	if (nresv == MAX_BOOT_RESERVATIONS)
		panic("pmm: too many boot reservations");
	resv_name[nresv] = name;
	resv[nresv++] = (struct range){ start, end, what };
}

/* Everything that must survive until we are done with it, known from
 * the boot information and the linker. */
static void collect_reservations(void)
{
	add_reservation(0, LOW_MEMORY_END, "low memory (BIOS, EBDA, VGA)", NULL);
	add_reservation(virt_to_phys(_kernel_start), virt_to_phys(_kernel_end), "kernel image",
			NULL);
	add_reservation(boot_info.info_pa, boot_info.info_pa + boot_info.info_size,
			boot_info.info_name, NULL);
	for (unsigned i = 0; i < boot_info.module_count; i++)
		add_reservation(boot_info.modules[i].start, boot_info.modules[i].end,
				"boot module", boot_info.modules[i].cmdline);
}

/* Reserve [start, end) rounded out to frames; the part past the bitmap
 * (above the end of RAM) is not RAM and so is reserved already. */
static int reserve_frames(paddr_t start, paddr_t end)
{
	size_t first = start / PAGE_SIZE;
	size_t last = MIN(ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE, pmm.nframes);

	if (first >= last)
		return 0;
	return frames_mark_reserved(&pmm, first, last - first);
}

static void free_ram_frames(void)
{
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];
		size_t first = ALIGN_UP(r->start, PAGE_SIZE) / PAGE_SIZE;
		size_t last = ALIGN_DOWN(r->end, PAGE_SIZE) / PAGE_SIZE;

		if (r->type != MEMMAP_RAM || last <= first)
			continue;
		if (frames_mark_free(&pmm, first, last - first) == 0)
			managed_frames += last - first;
	}
}

/*
 * A real-mode trampoline (starting other CPUs: the SIPI vector is a page
 * number below 1 MiB) needs a RAM page there that no module or MBI sits
 * on; under UEFI, GRUB puts modules below 1 MiB.  Keep the highest such
 * page (the whole low MiB is reserved, so the allocator never hands it
 * out).  Linux: reserve_real_mode() in arch/x86/realmode/init.c.
 */
static void find_low_page(void)
{
	/* resv[0] is the low MiB itself: avoid only what lies in it. */
	if (memmap_find_hole(&firmware_memmap, PAGE_SIZE, LOW_MEMORY_END, resv + 1, nresv - 1,
			     PAGE_SIZE, PAGE_SIZE, true, &low_page)) {
		low_page = 0;
		pr_warn("pmm: warning: no free RAM page below 1 MiB: no trampoline for other CPUs\n");
		return;
	}
	pr_info("pmm: [0x%016llx, 0x%016llx) 4 KiB below 1 MiB kept for a real-mode trampoline\n",
		(unsigned long long)low_page, (unsigned long long)(low_page + PAGE_SIZE));
}

paddr_t pmm_low_page(void)
{
	return low_page;
}

void pmm_setup(void)
{
	paddr_t ram_end = ALIGN_DOWN(memmap_end(&firmware_memmap, MEMMAP_RAM), PAGE_SIZE);
	size_t nframes = ram_end / PAGE_SIZE;
	uint64_t bitmap_size = ALIGN_UP(frames_bitmap_bytes(nframes), PAGE_SIZE);
	paddr_t bitmap_pa;
	char size[32];

	collect_reservations();
	find_low_page();
	/* The bitmap is written through the boot direct map: below 4 GiB.
	 * The highest fit, as memblock_alloc searches top-down. */
	if (memmap_find_hole(&firmware_memmap, 0, BOOT_MAP_SIZE, resv, nresv, bitmap_size,
			     PAGE_SIZE, true, &bitmap_pa))
		panic("pmm: no room for the frame bitmap (%llu bytes)",
		      (unsigned long long)bitmap_size);
	add_reservation(bitmap_pa, bitmap_pa + bitmap_size, "frame bitmap", NULL);
	frames_init(&pmm, phys_to_virt(bitmap_pa), nframes);
	free_ram_frames();
	for (unsigned i = 0; i < nresv; i++) {
		int err = reserve_frames(resv[i].start, resv[i].end);

		if (err)
			panic("pmm: cannot reserve %s (%s)", resv[i].what, err_name(err));
		pr_info("pmm: reserved [0x%016llx, 0x%016llx) %s %s%s%s%s\n",
			(unsigned long long)resv[i].start, (unsigned long long)resv[i].end,
			format_size(size, sizeof(size), resv[i].end - resv[i].start),
			resv[i].what, resv_name[i] ? " '" : "", resv_name[i] ? resv_name[i] : "",
			resv_name[i] ? "'" : "");
	}
	pr_info("pmm: %zu frames free (%s) of %zu managed\n", pmm.free_count,
		format_size(size, sizeof(size), (uint64_t)pmm.free_count * PAGE_SIZE),
		managed_frames);
}

paddr_t pmm_alloc(void)
{
	uint64_t flags = irq_save();
	size_t pfn;
	int err = frames_alloc(&pmm, &pfn);

	irq_restore(flags);
	return err ? 0 : (paddr_t)pfn * PAGE_SIZE;
}

paddr_t pmm_alloc_contig(size_t npages, size_t align, paddr_t limit)
{
	uint64_t flags;
	size_t pfn;
	int err;

	if (align < PAGE_SIZE || (align & (align - 1)) || (limit && limit < PAGE_SIZE))
		return 0;
	flags = irq_save();
	err = frames_alloc_contig(&pmm, npages, align / PAGE_SIZE, limit / PAGE_SIZE, &pfn);
	irq_restore(flags);
	return err ? 0 : (paddr_t)pfn * PAGE_SIZE;
}

static const char *free_error(int err)
{
	switch (err) {
	case -E_NOENT:
		return "frame is already free (double free)";
	case -E_PERM:
		return "frame is reserved or not RAM, never allocated";
	case -E_RANGE:
		return "frame is past the end of RAM";
	default:
		return "address not frame aligned";
	}
}

void pmm_free_contig(paddr_t pa, size_t npages)
{
	uint64_t flags = irq_save();
	int err = IS_ALIGNED(pa, PAGE_SIZE) ? frames_free(&pmm, pa / PAGE_SIZE, npages)
					    : -E_ALIGN;

	irq_restore(flags);
	if (err)
		panic("pmm: bad free of [0x%016llx, 0x%016llx): %s (%s)",
		      (unsigned long long)pa, (unsigned long long)(pa + npages * PAGE_SIZE),
		      free_error(err), err_name(err));
}

void pmm_free(paddr_t pa)
{
	pmm_free_contig(pa, 1);
}

int pmm_reserve(paddr_t start, paddr_t end)
{
	uint64_t flags;
	int err;

	if (end <= start)
		return -E_INVAL;
	if (pmm.nframes == 0)
		return -E_PERM;		/* before pmm_setup */
	/* Reserved over reserved would pass the bitmap check; but handing
	 * the kernel's or the bitmap's frames to someone else must not. */
	if (range_find_overlap(resv, nresv, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE)))
		return -E_BUSY;
	flags = irq_save();
	err = reserve_frames(start, end);
	irq_restore(flags);
	return err;
}

bool pmm_boot_reservation(unsigned i, struct range *r)
{
	if (i >= nresv)
		return false;
	*r = resv[i];
	return true;
}

const struct frames *pmm_frames(void)
{
	return &pmm;
}

size_t pmm_free_frames(void)
{
	return pmm.free_count;
}

size_t pmm_total_frames(void)
{
	return managed_frames;
}

size_t pmm_allocated_frames(void)
{
	return frames_allocated_count(&pmm);
}
