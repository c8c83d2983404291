/*
 * Private to the virtio-blk driver's two files: the device state, the
 * request slots and the queue primitives virtio_blk_dev.c gives the stream
 * code in virtio_blk_stream.c.  Not an interface for anything else; the
 * public contract is drivers/virtio_blk.h.  Linux keeps the same state in
 * struct virtio_blk and struct vring_virtqueue (drivers/virtio/virtio_ring.c).
 *
 * Memory (one pmm_alloc_contig, below 16 TiB for the 32-bit queue PFN):
 *   ring     legacy split ring for queue_size entries (vring_legacy_size)
 *   control  one page: request headers [0, 512), status bytes [512, 544),
 *            zeros [1024, 4096) for the sector padding of writes
 *   tables   one indirect table of VBLK_TABLE_ENTRIES per slot
 */
#ifndef DRIVERS_VIRTIO_BLK_DEV_H
#define DRIVERS_VIRTIO_BLK_DEV_H

#include "drivers/device.h"
#include "drivers/virtio.h"
#include "drivers/virtio_blk.h"
#include "lib/types.h"
#include "lib/x86.h"

/* Request types and status values (virtio spec 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8	/* the device's serial, 20 bytes, NUL-padded */
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_PCI_DEVICE_BLK 0x1001		/* transitional: legacy BAR0 */
#define VIRTIO_PCI_DEVICE_BLK_MODERN 0x1042	/* virtio 1.0 only */
#define VIRTIO_BLK_S_OK 0

/* The header the device reads first in every request. */
struct vblk_req_hdr {
	uint32_t type;
	uint32_t ioprio;	/* reserved in virtio 1.x */
	uint64_t sector;	/* 512-byte units whatever the block size */
};
_Static_assert(sizeof(struct vblk_req_hdr) == 16, "virtio spec 5.2.6");

#define VBLK_TABLE_ENTRIES 128	/* header, 126 data descriptors, status: 2 KiB */
#define VBLK_TABLE_PAGES (VIRTIO_BLK_SLOTS * VBLK_TABLE_ENTRIES * 16 / PAGE_SIZE)
#define VBLK_CTL_HDR 0
#define VBLK_CTL_STATUS 512
#define VBLK_CTL_ID 576		/* VIRTIO_BLK_T_GET_ID's answer */
#define VBLK_CTL_ZERO 1024
#define VBLK_ZERO_LEN (PAGE_SIZE - VBLK_CTL_ZERO)
_Static_assert(VIRTIO_BLK_SLOTS * sizeof(struct vblk_req_hdr) <= VBLK_CTL_STATUS, "headers");
_Static_assert(VBLK_CTL_STATUS + VIRTIO_BLK_SLOTS <= VBLK_CTL_ID, "status bytes");
_Static_assert(VBLK_CTL_ID + VIRTIO_BLK_ID_BYTES <= VBLK_CTL_ZERO, "serial");
_Static_assert(VIRTIO_BLK_SLOTS <= 64, "free_slots is one 64-bit mask");
_Static_assert(VIRTIO_BLK_REQ_MAX % BLK_SECTOR_SIZE == 0, "requests end on a sector");
_Static_assert(3 + 1 + VBLK_TABLE_PAGES == VIRTIO_BLK_QUEUE_FRAMES,
	       "virtio_blk.h's queue frames: vring_legacy_size(256) is 3 pages");

/* One request: its chain lives at d (an indirect table, or the slot's
 * share of the ring without VIRTIO_RING_F_INDIRECT_DESC). */
struct vblk_slot {
	struct vring_desc *d;	/* [0] header, [1..nseg] data, [nseg + 1] status */
	paddr_t d_pa;
	uint16_t head;		/* the ring descriptor the avail entry names */
	uint16_t nseg;
	uint32_t bytes;		/* data bytes */
	uint32_t type;		/* VIRTIO_BLK_T_* */
	uint64_t sector;
	bool busy;		/* submitted, not yet completed */
};

struct vblk {
	struct device dev;	/* in the device registry once set up */
	bool registered;
	bool ready;
	struct pci_dev *pci;
	uint16_t iobase;
	uint32_t host_features, guest_features;
	bool indirect, flush, read_only;
	uint8_t irq;		/* INTx line completions interrupt on; 0xff: polled */
	uint32_t cfg_seg_max;	/* from config space, 0 if not offered */
	uint32_t seg_len_max;	/* bytes per data descriptor */
	uint64_t capacity;	/* bytes */
	paddr_t mem_pa, ring_pa, ctl_pa, tables_pa;
	size_t mem_pages;
	uint16_t qsize;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;	/* our copy of avail->idx */
	uint16_t used_seen;	/* used->idx as far as we have consumed it */
	struct vblk_req_hdr *hdr;	/* [slot] */
	uint8_t *status;	/* [slot] */
	struct vblk_slot slot[VIRTIO_BLK_SLOTS];
	unsigned nslots, per_slot, seg_max, inflight;
	uint64_t free_slots;	/* bit i: slot i free */
	int io_err;		/* first failed request since the stream began */
	uint64_t requests, bytes;
};
extern struct vblk vblk;

/* Bring PCI function d up as the device vblk drives (one at a time): 0
 * or -E_IO / -E_NOMEM, logged.  Not announced: the caller says why. */
int vblk_start(struct pci_dev *d);

/* Reset the device vblk drives: it forgets its queue, no more DMA. */
void vblk_stop(void);

/* Complete s's chain around its s->nseg data descriptors (s->d[1..nseg],
 * addr/len/flags filled) and hand it to the device. */
void vblk_submit(struct vblk_slot *s);

/* Consume finished requests (failures go to vblk.io_err); if wait, first
 * wait for one while any is in flight.  0, or -E_IO when the device
 * timed out or broke the protocol (it is then reset and not ready). */
int vblk_reap(bool wait);

/* A free slot with nseg = bytes = 0, waiting for one if needed; 0 or
 * vblk_reap's -E_IO. */
int vblk_get_slot(struct vblk_slot **out);

/* Give back a slot that was never submitted. */
void vblk_put_slot(struct vblk_slot *s);

#endif
