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
 *   virtio_blk_name(serial);                  which disk: never a guess
 *   virtio_blk_setup();                       once; 0, -E_PERM, -E_NOENT
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

#define VIRTIO_BLK_SERIAL_MAX 20	/* bytes of a serial (virtio spec: VIRTIO_BLK_ID_BYTES) */
#define VIRTIO_BLK_MAX_DISKS 8		/* functions looked at */
/* Contiguous frames the driver takes for QEMU's queue of 256 entries
 * (ring 3, control page 1, indirect tables 16): what a capture kernel
 * must still have free to save (crash/crash_check.c). */
#define VIRTIO_BLK_QUEUE_FRAMES 20

/* One virtio-blk function as the probe found it. */
struct virtio_blk_disk {
	uint8_t bus, dev, fn;
	char serial[VIRTIO_BLK_SERIAL_MAX + 1];	/* "" if it has none */
	uint64_t capacity;		/* bytes */
	bool read_only;
	int err;			/* 0, or why it could not be brought up */
};

/*
 * Name the dump disk by its serial (QEMU: -device virtio-blk-pci,serial=S;
 * the kernel's vmcore_disk=S and `disk use S`).  Only a disk named so is
 * ever written.  Naming another disk stops the one in use.  Returns 0 or
 * -E_INVAL (empty, longer than VIRTIO_BLK_SERIAL_MAX, a blank or a
 * control byte in it).
 */
int virtio_blk_name(const char *serial);

/* The serial named, or NULL if none has been. */
const char *virtio_blk_named(void);

/*
 * Every virtio-blk function, each brought up once to read its serial and
 * size, then reset (the first call does this; later calls return the same
 * list).  Sets *list; returns how many.  Writes nothing to any disk.
 */
unsigned virtio_blk_disks(const struct virtio_blk_disk **list);

/* "00:04.0 'data' 64 MiB, 00:05.0 'dump' 576 MiB", or "none": for
 * refusals that name the disks found. */
void virtio_blk_describe(char *buf, size_t size);

/*
 * Start the named disk: reset it, negotiate features, set up queue 0 and
 * go (DRIVER_OK).  Logs one info line with its serial.  The device is
 * registered with drivers/device.h, which resets it before a kexec.  A
 * second call returns 0 at once (after a timeout it starts over).
 * Returns 0, -E_PERM (no disk named: nothing is started), -E_NOENT (no
 * disk has that serial), -E_IO (the device refused: no queue,
 * FAILED/NEEDS_RESET status), -E_NOMEM (ring memory).
 */
int virtio_blk_setup(void);

/* Why virtio_blk_setup returned err, for a refusal: "no dump disk named
 * (vmcore_disk=SERIAL); disks found: ...", "no disk has serial 'x'; disks
 * found: ...", or "see dmesg". */
void virtio_blk_why(int err, char *buf, size_t size);

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
