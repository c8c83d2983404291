/*
 * The dump disk: a virtio-blk device (QEMU -device virtio-blk-pci, PCI
 * 1af4:1001) driven through its legacy I/O interface, one virtqueue,
 * polled (no interrupt), many requests in flight.  Data descriptors point
 * straight at the caller's physical pages: the capture kernel writes the
 * old kernel's memory without copying it.  Linux: drivers/block/
 * virtio_blk.c on drivers/virtio/virtio_pci_legacy.c and virtio_ring.c.
 *
 * Streaming contract (how the vmcore writer uses it):
 *
 *   virtio_blk_setup();                       once; 0 or -E_NOENT
 *   virtio_blk_stream_begin(BLK_WRITE);
 *   for each piece of the file, in increasing disk order:
 *       virtio_blk_stream_extent(file_off, pa, len);   any pa, any len
 *   virtio_blk_stream_end();                  waits for all, flushes; 0 / -E_IO
 *
 * Disk-contiguous pieces join one request of up to VIRTIO_BLK_REQ_MAX bytes
 * (physically adjacent ones share a descriptor); a request goes to the
 * device when it is full or the next piece is not disk-contiguous, and up
 * to VIRTIO_BLK_SLOTS requests are in flight.  Every 512-byte sector the
 * stream touches is written whole: bytes of it no piece covers (a gap of
 * less than a sector between pieces, before the first piece, after the
 * last) are written as zeros.  The caller's pages must stay unchanged
 * until stream_end returns.  Interrupts may be on or off; nothing here
 * allocates after virtio_blk_setup.
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include "lib/types.h"

#define BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_SLOTS 32		/* requests in flight at most */
#define VIRTIO_BLK_REQ_MAX (1 * MiB)	/* bytes of data per request at most */

/* One physically contiguous piece of a scatter-gather list. */
struct blk_extent {
	paddr_t pa;
	uint32_t len;
};

enum blk_dir { BLK_WRITE, BLK_READ };

/*
 * Find the first virtio-blk PCI function, reset it, negotiate features,
 * set up queue 0 and go (DRIVER_OK).  Logs one info line.  The device is
 * registered with drivers/device.h, which resets it before a kexec.  A second call
 * returns 0 at once (after a timeout it starts over).  Returns 0,
 * -E_NOENT (no device; nothing logged), -E_IO (the device refused:
 * no queue, FAILED/NEEDS_RESET status), -E_NOMEM (ring memory).
 */
int virtio_blk_setup(void);

/* Size of the disk in bytes; 0 before a successful setup. */
uint64_t virtio_blk_capacity(void);

/* What `disk` prints. */
struct virtio_blk_info {
	uint8_t bus, dev, fn;
	uint16_t iobase;
	uint16_t queue_size;		/* ring entries, fixed by the device */
	unsigned slots;			/* requests in flight at most */
	unsigned seg_max;		/* data descriptors per request */
	uint32_t host_features, guest_features;
	bool indirect, flush, read_only;
	paddr_t ring_pa;
	uint64_t requests, bytes;	/* completed since setup */
};
/* 0 and *info, or -E_NOENT before a successful setup. */
int virtio_blk_get_info(struct virtio_blk_info *info);

/*
 * Start a stream of writes (or reads).  Returns 0, -E_NOENT (no setup),
 * -E_BUSY (a stream is open), -E_PERM (write to a read-only disk).
 */
int virtio_blk_stream_begin(enum blk_dir dir);

/*
 * Add [pa, pa + len) at disk byte offset disk_off (>= the end of the
 * previous piece).  May submit requests and wait for free slots.  For
 * reads disk_off, len and the pieces of each request must be whole
 * sectors (-E_ALIGN).  Returns 0, -E_INVAL (no stream, len 0, offset going
 * back, pa range wrapping), -E_RANGE (past the end of the disk), -E_2BIG
 * (a sector pieced from more extents than a request holds), -E_IO (a
 * request failed or timed out: later calls return it too).
 */
int virtio_blk_stream_extent(uint64_t disk_off, paddr_t pa, uint64_t len);

/*
 * Submit what is pending, wait for every request, then (writes, if the
 * device has a write cache) flush.  Closes the stream whatever happens.
 * Returns 0, -E_IO (the first failed request's error), -E_INVAL (no
 * stream).
 */
int virtio_blk_stream_end(void);

/* The extents written one after another from sector on: one stream. */
int virtio_blk_write_sg(uint64_t sector, const struct blk_extent *ext, unsigned n);

/* Read len bytes (whole sectors) from sector on into [pa, pa + len). */
int virtio_blk_read(uint64_t sector, paddr_t pa, uint64_t len);

#endif
