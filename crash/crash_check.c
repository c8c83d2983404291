/*
 * What `kexec -p` checks before it loads a capture kernel, so that a kdump
 * set-up that cannot work is refused at load time with its reason, not
 * discovered after the crash: this kernel must not itself be a capture
 * kernel, every kdump key of the capture kernel's command line must pass
 * that kernel's own check, the dump disk it names must be there, and the
 * crash window must hold what the capture kernel will need to save this
 * machine's RAM.  Linux: kexec-tools refuses bad arguments early, and the
 * kdump service (kdumpctl) estimates the crashkernel= a machine needs.
 */
#include "boot/layout.h"
#include "crash/crash.h"
#include "drivers/virtio_blk.h"
#include "kexec/kexec_load.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/frames.h"
#include "mm/memmap.h"

#define LAPIC_DEFAULT_PA 0xfee00000ULL	/* the capture kernel maps it (drivers/apic.c) */
#define MMIO_PT_FRAMES 2		/* the local APIC's PT, and one for ACPI/VGA mappings */
#define HEAP_FRAMES 1			/* the capture kernel's heap while it saves */
#define SLACK_FRAMES 4			/* what the count misses: 1 frame at 6 GiB, 1 since the local APIC code */
#define MAX_REGIONS (2 * MEMMAP_MAX + 4)

static char found[VIRTIO_BLK_MAX_DISKS * 48];

int crash_check_capture(const char *cmdline)
{
	const struct cmdline *cl;
	const char *disk, *autosave;
	const struct virtio_blk_disk *list;
	unsigned n;
	char why[600];
	int err;

	if (is_kdump_kernel())
		return kexec_error(-E_PERM, "this kernel was booted with elfcorehdr= (as a capture "
			      "kernel%s): it cannot load one; reboot without it",
			      vmcore_available() ? "" : ", and that header is unusable: see dmesg");
	err = cmdline_check_capture(cmdline, &cl, why, sizeof(why));
	if (err)
		return kexec_error(err, "the capture kernel would refuse its command line: %s", why);
	disk = cmdline_get(cl, "vmcore_disk");
	autosave = cmdline_get(cl, "vmcore_autosave");
	if (!disk && !autosave)
		return 0;		/* the capture kernel's shell keeps the vmcore */
	virtio_blk_describe(found, sizeof(found));
	if (!disk)
		return kexec_error(-E_INVAL, "vmcore_autosave=%s saves to the disk vmcore_disk=SERIAL "
			      "names, and none is named (disks found: %s)", autosave, found);
	n = virtio_blk_disks(&list);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(list[i].serial, disk) == 0)
			return list[i].read_only ? kexec_error(-E_PERM, "vmcore_disk=%s is read-only",
							  disk) : 0;
	return kexec_error(-E_NOENT, "vmcore_disk=%s: no virtio-blk disk has that serial (disks "
		      "found: %s)", disk, found);
}

/* Add the 2 MiB region holding pa to the set (sorted, no duplicates). */
static void add_region(paddr_t *set, unsigned *n, paddr_t pa)
{
	paddr_t r = ALIGN_DOWN(pa, 2 * MiB);
	unsigned i = 0;

	while (i < *n && set[i] < r)
		i++;
	if ((i < *n && set[i] == r) || *n == MAX_REGIONS)
		return;
	memmove(&set[i + 1], &set[i], (*n - i) * sizeof(*set));
	set[i] = r;
	(*n)++;
}

/*
 * Page-table frames the capture kernel allocates, as mm/vmm.c and
 * crash/vmcore.c map: a PML4 and the direct map's PDPT, a PD per GiB of
 * RAM, a PT per 2 MiB region where RAM (or the window) starts or ends
 * inside it; the kernel image in 4 KiB pages (a PDPT, a PD, a PT per
 * 2 MiB it spans); the local APIC's PT (and PD), and one more PT the
 * other device mappings take (measured: 11 frames at 512 MiB).
 */
static uint64_t table_frames(paddr_t win_start, paddr_t win_end, uint64_t image_bytes)
{
	static paddr_t regions[MAX_REGIONS];
	unsigned nreg = 0;
	uint64_t gib = 0, last_gib = ~0ULL;
	bool apic_gib = false;

	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];

		if (r->type != MEMMAP_RAM)
			continue;
		for (uint64_t g = r->start >> 30; g <= (r->end - 1) >> 30; g++) {
			gib += g != last_gib;
			apic_gib |= g == LAPIC_DEFAULT_PA >> 30;
			last_gib = g;
		}
		if (!IS_ALIGNED(r->start, 2 * MiB))
			add_region(regions, &nreg, r->start);
		if (!IS_ALIGNED(r->end, 2 * MiB))
			add_region(regions, &nreg, r->end);
	}
	if (!IS_ALIGNED(win_start, 2 * MiB))
		add_region(regions, &nreg, win_start);
	if (!IS_ALIGNED(win_end, 2 * MiB))
		add_region(regions, &nreg, win_end);
	return 2 + gib + nreg + 2 + (ALIGN_UP(image_bytes, 2 * MiB) / (2 * MiB)) +
	       MMIO_PT_FRAMES + !apic_gib;
}

int crash_check_window(struct kexec_load *ld, uint64_t still_to_add)
{
	paddr_t start = crashk_res.start, end = crashk_res.end;
	uint64_t image = kexec_load_pages_bytes(ld);
	uint64_t reserved = image + still_to_add;
	uint64_t bitmap = ALIGN_UP(frames_bitmap_bytes(end / PAGE_SIZE), PAGE_SIZE);
	uint64_t tables = table_frames(start, end, image) * PAGE_SIZE;
	uint64_t queue = VIRTIO_BLK_QUEUE_FRAMES * PAGE_SIZE, heap = HEAP_FRAMES * PAGE_SIZE;
	uint64_t need = reserved + bitmap + tables + queue + heap + SLACK_FRAMES * PAGE_SIZE;
	char ram[32];

	format_size(ram, sizeof(ram), memmap_total(&firmware_memmap, MEMMAP_RAM));
	if (need > end - start)
		return kexec_error(-E_NOSPC, "the crash window [0x%llx, 0x%llx) of %llu KiB is too small "
			      "for the capture kernel to save this machine's %s of RAM: it needs "
			      "%llu KiB (image and segments %llu, frame bitmap %llu, page tables "
			      "%llu, dump disk queue %llu, heap and slack %llu); boot with "
			      "crashkernel=%lluK",
			      (unsigned long long)start, (unsigned long long)end,
			      (unsigned long long)((end - start) / KiB), ram,
			      (unsigned long long)(need / KiB), (unsigned long long)(reserved / KiB),
			      (unsigned long long)(bitmap / KiB), (unsigned long long)(tables / KiB),
			      (unsigned long long)(queue / KiB),
			      (unsigned long long)((heap + SLACK_FRAMES * PAGE_SIZE) / KiB),
			      (unsigned long long)(ALIGN_UP(need, 256 * KiB) / KiB));
	pr_notice("kdump: the capture kernel needs %llu KiB of the %llu KiB window to save %s of "
		  "RAM (image and segments %llu, frame bitmap %llu, page tables %llu, dump disk "
		  "queue %llu, heap and slack %llu)\n", (unsigned long long)(need / KiB),
		  (unsigned long long)((end - start) / KiB), ram, (unsigned long long)(reserved / KiB),
		  (unsigned long long)(bitmap / KiB), (unsigned long long)(tables / KiB),
		  (unsigned long long)(queue / KiB),
		  (unsigned long long)((heap + SLACK_FRAMES * PAGE_SIZE) / KiB));
	return 0;
}
