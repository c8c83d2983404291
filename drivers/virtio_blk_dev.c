/*
 * virtio-blk, the device side: bring a PCI function up through the
 * legacy I/O interface, own its one virtqueue, and move requests through
 * it (which function is the dump disk: drivers/virtio_blk_select.c).  A
 * request is a chain: a 16-byte header (type, sector) the device reads,
 * the data buffers, and one status byte the device writes.  With
 * VIRTIO_RING_F_INDIRECT_DESC each chain lives in its own table and
 * takes one ring descriptor, so the ring never limits how many are in
 * flight.
 * Completions are read from the used ring; a waiter halts until the
 * device's INTx interrupt says there is one, so that under QEMU (TCG) the
 * vCPU gives the host CPU to the I/O thread instead of spinning: a full
 * dump went from half of `dd` to its speed that way (tools/bench_kdump.py).
 * Without an IRQ line, or with interrupts off, the waiter polls.  The
 * stream that cuts a file into requests is drivers/virtio_blk_stream.c.
 * Linux: drivers/block/virtio_blk.c (virtblk_done),
 * drivers/virtio/virtio_pci_legacy.c (setup_vq, vp_interrupt).
 */
#include "drivers/virtio_blk_dev.h"
#include "boot/addr.h"
#include "drivers/irq.h"
#include "drivers/pci.h"
#include "drivers/timer.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/watchdog.h"
#include "lib/x86.h"
#include "mm/pmm.h"

/* virtio-blk feature bits (spec 5.2.3) and config offsets (5.2.4). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9	/* legacy name: WCE; without it QEMU writes through */
#define VBLK_CFG_CAPACITY 0	/* u64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 8	/* u32 */
#define VBLK_CFG_SEG_MAX 12	/* u32 */

#define VBLK_ACCEPTED (1u << VIRTIO_BLK_F_SIZE_MAX | 1u << VIRTIO_BLK_F_SEG_MAX | \
		       1u << VIRTIO_BLK_F_RO | 1u << VIRTIO_BLK_F_FLUSH |      \
		       1u << VIRTIO_RING_F_INDIRECT_DESC)
#define VBLK_QUEUE_LIMIT (1ULL << (32 + VIRTIO_PCI_QUEUE_ADDR_SHIFT))	/* 32-bit PFN */
#define VBLK_TIMEOUT_S 30	/* no completion for this long: the device is gone */

static void virtio_blk_shutdown(struct device *dev);

struct vblk vblk = {
	.dev = { .name = "virtio_blk", .shutdown = virtio_blk_shutdown },
};

static void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");	/* x86 keeps stores in order */
}

static void full_barrier(void)
{
	__asm__ volatile("lock; addl $0, (%%rsp)" : : : "memory", "cc");
}

static uint32_t cfg_read32(unsigned off)
{
	return inl((uint16_t)(vblk.iobase + VIRTIO_PCI_CONFIG + off));
}

static void set_status(uint8_t s)
{
	outb((uint16_t)(vblk.iobase + VIRTIO_PCI_STATUS), s);
}

/* Take memory for the ring, the control page and the indirect tables
 * once; a later setup of the same queue size reuses it. */
static int alloc_queue_memory(unsigned qsize)
{
	size_t ring = vring_legacy_size(qsize) / PAGE_SIZE;
	size_t npages = ring + 1 + VBLK_TABLE_PAGES;
	paddr_t pa;

	if (vblk.mem_pa && vblk.qsize == qsize)
		return 0;
	if (vblk.mem_pa)
		pmm_free_contig(vblk.mem_pa, vblk.mem_pages);
	pa = pmm_alloc_contig(npages, PAGE_SIZE, VBLK_QUEUE_LIMIT);
	if (!pa) {
		vblk.mem_pa = 0;
		pr_err("virtio_blk: error: no %zu contiguous frames for the queue (E_NOMEM)\n",
		       npages);
		return -E_NOMEM;
	}
	vblk.mem_pa = pa;
	vblk.mem_pages = npages;
	vblk.ring_pa = pa;
	vblk.ctl_pa = pa + ring * PAGE_SIZE;
	vblk.tables_pa = vblk.ctl_pa + PAGE_SIZE;
	return 0;
}

/* Point the ring and slot pointers at the memory and clear it. */
static void layout_queue(unsigned qsize)
{
	uint8_t *ring = phys_to_virt(vblk.ring_pa);

	memset(phys_to_virt(vblk.mem_pa), 0, vblk.mem_pages * PAGE_SIZE);
	vblk.qsize = (uint16_t)qsize;
	vblk.desc = (struct vring_desc *)ring;
	vblk.avail = (struct vring_avail *)(ring + 16 * (size_t)qsize);
	vblk.used = (struct vring_used *)(ring + vring_legacy_used_offset(qsize));
	vblk.avail->flags = vblk.irq < NR_IRQS ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
	vblk.avail_idx = vblk.used_seen = 0;
	vblk.hdr = phys_to_virt(vblk.ctl_pa + VBLK_CTL_HDR);
	vblk.status = phys_to_virt(vblk.ctl_pa + VBLK_CTL_STATUS);
	vblk.nslots = vblk.indirect ? MIN(VIRTIO_BLK_SLOTS, qsize) : MIN(VIRTIO_BLK_SLOTS, qsize / 4);
	vblk.per_slot = vblk.indirect ? VBLK_TABLE_ENTRIES : qsize / vblk.nslots;
	vblk.seg_max = vblk.per_slot - 2;	/* minus header and status */
	if (vblk.cfg_seg_max && vblk.cfg_seg_max < vblk.seg_max)
		vblk.seg_max = vblk.cfg_seg_max;
	vblk.free_slots = vblk.nslots == 64 ? ~0ULL : (1ULL << vblk.nslots) - 1;
	vblk.inflight = 0;
	for (unsigned i = 0; i < vblk.nslots; i++) {
		struct vblk_slot *s = &vblk.slot[i];

		*s = (struct vblk_slot){ 0 };
		if (vblk.indirect) {
			s->d_pa = vblk.tables_pa + (paddr_t)i * VBLK_TABLE_ENTRIES * 16;
			s->head = (uint16_t)i;
		} else {
			s->head = (uint16_t)(i * vblk.per_slot);
			s->d_pa = vblk.ring_pa + (paddr_t)s->head * 16;
		}
		s->d = phys_to_virt(s->d_pa);
	}
}

/* Features: take what we use of what the device offers; read config. */
static void negotiate(void)
{
	uint32_t sz;

	vblk.host_features = inl((uint16_t)(vblk.iobase + VIRTIO_PCI_HOST_FEATURES));
	vblk.guest_features = vblk.host_features & VBLK_ACCEPTED;
	outl((uint16_t)(vblk.iobase + VIRTIO_PCI_GUEST_FEATURES), vblk.guest_features);
	vblk.indirect = vblk.guest_features & (1u << VIRTIO_RING_F_INDIRECT_DESC);
	vblk.flush = vblk.guest_features & (1u << VIRTIO_BLK_F_FLUSH);
	vblk.read_only = vblk.guest_features & (1u << VIRTIO_BLK_F_RO);
	vblk.cfg_seg_max = (vblk.guest_features & (1u << VIRTIO_BLK_F_SEG_MAX))
				   ? cfg_read32(VBLK_CFG_SEG_MAX) : 0;
	sz = (vblk.guest_features & (1u << VIRTIO_BLK_F_SIZE_MAX))
		     ? cfg_read32(VBLK_CFG_SIZE_MAX) : 0;
	vblk.seg_len_max = sz && sz < VIRTIO_BLK_REQ_MAX ? sz : VIRTIO_BLK_REQ_MAX;
	vblk.capacity = ((uint64_t)cfg_read32(VBLK_CFG_CAPACITY + 4) << 32 |
			 cfg_read32(VBLK_CFG_CAPACITY)) * BLK_SECTOR_SIZE;
	pr_debug("virtio_blk: features 0x%08x offered, 0x%08x accepted, seg_max %u, size_max %u\n",
		 vblk.host_features, vblk.guest_features, vblk.cfg_seg_max, sz);
}

/* Device bring-up in the order of spec 3.1.2 (legacy: no FEATURES_OK). */
static int init_device(void)
{
	uint16_t qsize;
	int err;

	set_status(0);		/* reset: forget any queue a previous kernel set up */
	if (inb((uint16_t)(vblk.iobase + VIRTIO_PCI_STATUS)) != 0)
		return -E_IO;
	set_status(VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	negotiate();
	outw((uint16_t)(vblk.iobase + VIRTIO_PCI_QUEUE_SEL), 0);
	qsize = inw((uint16_t)(vblk.iobase + VIRTIO_PCI_QUEUE_NUM));
	if (qsize < 4 || (qsize & (qsize - 1)))
		return -E_IO;	/* legacy rings are a power of two */
	err = alloc_queue_memory(qsize);
	if (err)
		return err;
	layout_queue(qsize);
	outl((uint16_t)(vblk.iobase + VIRTIO_PCI_QUEUE_PFN),
	     (uint32_t)(vblk.ring_pa >> VIRTIO_PCI_QUEUE_ADDR_SHIFT));
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	if (inb((uint16_t)(vblk.iobase + VIRTIO_PCI_STATUS)) &
	    (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET))
		return -E_IO;
	return 0;
}

static void vblk_interrupt(unsigned irq, struct trap_frame *tf);

int vblk_start(struct pci_dev *d)
{
	int err;

	if (d->bar[0].kind != PCI_BAR_IO || d->bar[0].size < VIRTIO_PCI_CONFIG + 16) {
		pr_err("virtio_blk: error: %02x:%02x.%u has no legacy I/O BAR0 (E_IO)\n",
		       d->bus, d->dev, d->fn);
		return -E_IO;
	}
	if (!vblk.registered)
		device_register(&vblk.dev);	/* kexec resets it before the jump */
	vblk.registered = true;
	vblk.pci = d;
	vblk.iobase = (uint16_t)d->bar[0].base;
	/* A Linux that crashed (or kexec'd us) leaves MSI-X on; with it on the
	 * legacy device config moves 4 bytes up (virtio spec 4.1.4.8), and the
	 * capacity would read as garbage. */
	if (pci_msix_disable(d))
		pr_info("virtio_blk: %02x:%02x.%u: MSI-X left on by the previous kernel: turned off\n",
			d->bus, d->dev, d->fn);
	/* Port decoding and DMA on; INTx on if the firmware gave a line. */
	vblk.irq = d->irq_line < NR_IRQS ? d->irq_line : 0xff;
	pci_set_command(d, PCI_COMMAND_IO | PCI_COMMAND_MASTER |
			   (vblk.irq < NR_IRQS ? 0 : PCI_COMMAND_INTX_DISABLE),
			vblk.irq < NR_IRQS ? PCI_COMMAND_INTX_DISABLE : 0);
	if (vblk.irq < NR_IRQS) {
		irq_register(vblk.irq, vblk_interrupt);
		irq_unmask(vblk.irq);
	}
	err = init_device();
	if (err) {
		set_status(VIRTIO_STATUS_FAILED);
		if (err == -E_IO)
			pr_err("virtio_blk: error: %02x:%02x.%u refused to start, status 0x%x "
			       "(E_IO)\n", d->bus, d->dev, d->fn,
			       inb((uint16_t)(vblk.iobase + VIRTIO_PCI_STATUS)));
		return err;
	}
	vblk.requests = vblk.bytes = 0;
	vblk.io_err = 0;
	vblk.ready = true;
	return 0;
}

void vblk_stop(void)
{
	virtio_blk_shutdown(&vblk.dev);
}

/*
 * Quiesce for kexec (Linux: device_shutdown -> virtio reset, bus mastering
 * off): reset the device so it forgets its queue and does no more DMA.
 * Called through the device registry (drivers/device.h), never while a
 * stream is open.  virtio_blk_setup starts over afterwards.
 */
static void virtio_blk_shutdown(struct device *dev)
{
	if (!vblk.pci)
		return;
	set_status(0);	/* reset: the device drops the queue's address */
	pci_set_command(vblk.pci, PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_MASTER);
	if (vblk.irq < NR_IRQS)
		irq_mask(vblk.irq);
	vblk.ready = false;
	vblk.inflight = 0;
}

uint64_t virtio_blk_capacity(void)
{
	return vblk.ready ? vblk.capacity : 0;
}

int virtio_blk_get_info(struct virtio_blk_info *info)
{
	if (!vblk.ready)
		return -E_NOENT;
	*info = (struct virtio_blk_info){
		.bus = vblk.pci->bus, .dev = vblk.pci->dev, .fn = vblk.pci->fn,
		.iobase = vblk.iobase, .queue_size = vblk.qsize, .slots = vblk.nslots,
		.seg_max = vblk.seg_max, .host_features = vblk.host_features,
		.guest_features = vblk.guest_features, .indirect = vblk.indirect,
		.flush = vblk.flush, .read_only = vblk.read_only, .ring_pa = vblk.ring_pa,
		.requests = vblk.requests, .bytes = vblk.bytes,
	};
	return 0;
}

/* Finish slot s's chain (header, its nseg data descriptors, status) and
 * make it available; notify unless the device said it is looking. */
void vblk_submit(struct vblk_slot *s)
{
	unsigned i = (unsigned)(s - vblk.slot), n = s->nseg;
	uint16_t base = vblk.indirect ? 0 : s->head;	/* next is a table index */

	vblk.hdr[i] = (struct vblk_req_hdr){ s->type, 0, s->sector };
	vblk.status[i] = 0xff;	/* not a status the device writes */
	s->d[0] = (struct vring_desc){ vblk.ctl_pa + VBLK_CTL_HDR + i * sizeof(struct vblk_req_hdr),
				       sizeof(struct vblk_req_hdr), VRING_DESC_F_NEXT,
				       (uint16_t)(base + 1) };
	for (unsigned j = 1; j <= n; j++) {
		s->d[j].flags |= VRING_DESC_F_NEXT;
		s->d[j].next = (uint16_t)(base + j + 1);
	}
	s->d[n + 1] = (struct vring_desc){ vblk.ctl_pa + VBLK_CTL_STATUS + i, 1,
					   VRING_DESC_F_WRITE, 0 };
	if (vblk.indirect)
		vblk.desc[s->head] = (struct vring_desc){ s->d_pa, (n + 2) * 16,
							  VRING_DESC_F_INDIRECT, 0 };
	vblk.avail->ring[vblk.avail_idx % vblk.qsize] = s->head;
	compiler_barrier();		/* the entry before the index that publishes it */
	*(volatile uint16_t *)&vblk.avail->idx = ++vblk.avail_idx;
	full_barrier();		/* publish the index before reading the device's flag */
	if (!(*(volatile uint16_t *)&vblk.used->flags & VRING_USED_F_NO_NOTIFY))
		outw((uint16_t)(vblk.iobase + VIRTIO_PCI_QUEUE_NOTIFY), 0);
	s->busy = true;
	vblk.inflight++;
}

/* One used-ring entry: find its slot, check the status byte, free it.
 * A failed request is logged and remembered in vblk.io_err (the first
 * one only, so a full disk does not flood the log).  Returns -E_IO only
 * when the entry names no request of ours. */
static int complete_one(const struct vring_used_elem *e)
{
	unsigned i = vblk.indirect ? e->id : e->id / vblk.per_slot;
	struct vblk_slot *s = &vblk.slot[i];
	uint8_t st;

	if (i >= vblk.nslots || !s->busy || s->head != e->id) {
		pr_err("virtio_blk: error: device completed unknown descriptor %u (E_IO)\n", e->id);
		return -E_IO;
	}
	st = *(volatile uint8_t *)&vblk.status[i];
	s->busy = false;
	vblk.inflight--;
	vblk_put_slot(s);
	if (st == VIRTIO_BLK_S_OK) {
		vblk.requests++;
		vblk.bytes += s->bytes;
		return 0;
	}
	if (!vblk.io_err)
		pr_err("virtio_blk: error: %s of %u bytes at sector %llu failed, status %u "
		       "(E_IO)\n", s->type == VIRTIO_BLK_T_OUT ? "write" :
		       s->type == VIRTIO_BLK_T_IN ? "read" :
		       s->type == VIRTIO_BLK_T_GET_ID ? "serial read" : "flush", s->bytes,
		       (unsigned long long)s->sector, st);
	vblk.io_err = -E_IO;
	return 0;
}

/* The device stopped answering (timeout) or broke the protocol: reset it,
 * so that it touches no memory of ours again; the next setup starts over. */
static int give_up(bool timeout)
{
	if (timeout)
		pr_err("virtio_blk: error: no completion in %u s, %u requests in flight; "
		       "device reset (E_IO)\n", VBLK_TIMEOUT_S, vblk.inflight);
	else
		pr_err("virtio_blk: error: bad used ring entry, %u requests in flight; "
		       "device reset (E_IO)\n", vblk.inflight);
	set_status(0);
	vblk.ready = false;
	vblk.inflight = 0;
	vblk.io_err = -E_IO;
	return -E_IO;
}

/* INTx: reading the ISR register acknowledges it (the line drops); the
 * waiter in vblk_reap reads the used ring itself. */
static void vblk_interrupt(unsigned irq, struct trap_frame *tf)
{
	(void)inb((uint16_t)(vblk.iobase + VIRTIO_PCI_ISR));
}

/* Until the device may have completed something: halt for its interrupt
 * (sti; hlt cannot miss one that comes in between), or spin once. */
static void wait_for_device(void)
{
	uint64_t flags;

	if (vblk.irq >= NR_IRQS) {
		cpu_relax();
		return;
	}
	flags = irq_save();
	if ((flags & RFLAGS_IF) && *(volatile uint16_t *)&vblk.used->idx == vblk.used_seen)
		__asm__ volatile("sti; hlt" : : : "memory");
	else if (!(flags & RFLAGS_IF))
		cpu_relax();		/* interrupts off (a caller's choice): poll */
	irq_restore(flags);
}

int vblk_reap(bool wait)
{
	uint64_t khz = tsc_khz() ? tsc_khz() : 4000000, deadline = 0;

	if (!vblk.ready)
		return -E_IO;
	for (;;) {
		uint16_t used = *(volatile uint16_t *)&vblk.used->idx;

		if (used != vblk.used_seen) {
			touch_softlockup_watchdog();	/* completions are progress */
			__asm__ volatile("" : : : "memory");	/* index before entries */
			for (; vblk.used_seen != used; vblk.used_seen++) {
				struct vring_used_elem e = vblk.used->ring[vblk.used_seen % vblk.qsize];

				if (complete_one(&e))
					return give_up(false);
			}
			return 0;
		}
		if (!wait || !vblk.inflight)
			return 0;
		touch_softlockup_watchdog();	/* waiting on the device, bounded below */
		if (!deadline)
			deadline = rdtsc() + khz * 1000 * VBLK_TIMEOUT_S;
		else if (rdtsc() > deadline)
			return give_up(true);
		wait_for_device();
	}
}

int vblk_get_slot(struct vblk_slot **out)
{
	while (!vblk.free_slots) {
		int err = vblk_reap(true);

		if (err)
			return err;
	}
	*out = &vblk.slot[__builtin_ctzll(vblk.free_slots)];
	vblk.free_slots &= vblk.free_slots - 1;
	(*out)->nseg = 0;
	(*out)->bytes = 0;
	return 0;
}

void vblk_put_slot(struct vblk_slot *s)
{
	vblk.free_slots |= 1ULL << (s - vblk.slot);
}
