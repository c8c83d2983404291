/*
 * Virtio, the parts every device shares: the legacy PCI transport (the
 * registers in I/O BAR0 of a "transitional" device) and the split
 * virtqueue, three arrays in guest memory the driver and the device share.
 * Facts from the virtio 1.x spec, 2.7 (split virtqueues) and 4.1.4.8
 * (legacy interfaces).  Linux: include/uapi/linux/virtio_ring.h,
 * virtio_pci.h, virtio_config.h.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include "lib/types.h"

#define VIRTIO_PCI_VENDOR 0x1af4	/* Red Hat, Inc. */

/* Legacy registers, offsets in I/O BAR0 (little-endian, like the guest). */
#define VIRTIO_PCI_HOST_FEATURES 0x00	/* 32 bits, read: device feature bits 0-31 */
#define VIRTIO_PCI_GUEST_FEATURES 0x04	/* 32 bits: the bits the driver accepts */
#define VIRTIO_PCI_QUEUE_PFN 0x08	/* 32 bits: ring address >> 12, 0 = none */
#define VIRTIO_PCI_QUEUE_NUM 0x0c	/* 16 bits, read: entries (fixed by device) */
#define VIRTIO_PCI_QUEUE_SEL 0x0e	/* 16 bits: queue the two above address */
#define VIRTIO_PCI_QUEUE_NOTIFY 0x10	/* 16 bits: write a queue number: "look" */
#define VIRTIO_PCI_STATUS 0x12		/* 8 bits, VIRTIO_STATUS_*; 0 resets */
#define VIRTIO_PCI_ISR 0x13		/* 8 bits, read clears */
#define VIRTIO_PCI_CONFIG 0x14		/* device-specific config (MSI-X off) */
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_PCI_VRING_ALIGN 4096	/* the used ring starts page aligned */

/* Device status: the driver's progress through initialisation (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1	/* we saw the device */
#define VIRTIO_STATUS_DRIVER 2		/* we can drive it */
#define VIRTIO_STATUS_DRIVER_OK 4	/* queues set up: go */
#define VIRTIO_STATUS_FEATURES_OK 8	/* (not in the legacy interface) */
#define VIRTIO_STATUS_NEEDS_RESET 64	/* the device gave up */
#define VIRTIO_STATUS_FAILED 128	/* the driver gave up */

/* Ring feature bits, common to all device types (6.). */
#define VIRTIO_RING_F_INDIRECT_DESC 28	/* a descriptor may point at a table */
#define VIRTIO_RING_F_EVENT_IDX 29	/* (not used: we poll) */

/*
 * A descriptor: one physically contiguous buffer.  Chains link through
 * next while flags has NEXT; WRITE marks a buffer the device writes
 * (device-readable ones come first in a chain); INDIRECT makes addr/len a
 * table of descriptors that together form the chain (2.7.5.3).
 */
struct vring_desc {
	uint64_t addr;		/* guest physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct vring_desc) == 16, "virtio spec 2.7.5");

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

/* Driver -> device: heads of chains ready to process. */
struct vring_avail {
	uint16_t flags;		/* VRING_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;		/* where the driver puts the next entry (mod 2^16) */
	uint16_t ring[];	/* [num], then uint16_t used_event */
};
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_used_elem {
	uint32_t id;		/* head of the finished chain */
	uint32_t len;		/* bytes the device wrote into it */
};

/* Device -> driver: finished chains. */
struct vring_used {
	uint16_t flags;		/* VRING_USED_F_NO_NOTIFY */
	uint16_t idx;		/* where the device puts the next entry */
	struct vring_used_elem ring[];	/* [num], then uint16_t avail_event */
};
#define VRING_USED_F_NO_NOTIFY 1

/* Bytes of the legacy ring layout for num entries: descriptors and avail
 * ring, then the used ring on the next VIRTIO_PCI_VRING_ALIGN boundary. */
static inline size_t vring_legacy_size(unsigned num)
{
	size_t head = 16 * (size_t)num + 2 * (3 + (size_t)num);
	size_t used = 2 * 3 + 8 * (size_t)num;

	return ALIGN_UP(head, VIRTIO_PCI_VRING_ALIGN) + ALIGN_UP(used, VIRTIO_PCI_VRING_ALIGN);
}

/* Offset of the used ring in that layout. */
static inline size_t vring_legacy_used_offset(unsigned num)
{
	return ALIGN_UP(16 * (size_t)num + 2 * (3 + (size_t)num), VIRTIO_PCI_VRING_ALIGN);
}

#endif
