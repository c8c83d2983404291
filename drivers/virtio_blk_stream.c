/*
 * Streaming a file to the dump disk: the caller hands over pieces (disk
 * offset, physical address, length) in increasing disk order; we pack
 * disk-contiguous pieces into requests of up to VIRTIO_BLK_REQ_MAX bytes,
 * one data descriptor per physically contiguous run, and keep up to
 * VIRTIO_BLK_SLOTS requests in flight.  Nothing is copied: the device
 * reads the pieces where they are.  Sectors only partly covered are filled
 * with zeros from the driver's zero area.  Linux has no single match: the
 * block layer's bio merging plus virtio_queue_rq (drivers/block/virtio_blk.c).
 *
 *   disk:   |hdr+notes |0000|  PT_LOAD 1 .......... |   PT_LOAD 2 ...
 *   pieces:  buffer    (gap)  [pa, pa+len) old RAM    [pa', ...)
 *   requests: [ 1 MiB: hdr, zeros, RAM ][ 1 MiB RAM ][ 1 MiB RAM ]...
 */
#include "drivers/virtio_blk_dev.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/time.h"

static struct {
	bool open;
	enum blk_dir dir;
	int err;		/* first error of this stream (sticky) */
	struct vblk_slot *cur;	/* the request being filled, or NULL */
	uint64_t end;		/* disk offset just past the last byte added */
} st;

static paddr_t zero_pa(void)
{
	return vblk.ctl_pa + VBLK_CTL_ZERO;
}

/* Append up to len bytes at pa to the current request: grow its last
 * descriptor if pa continues it, else take a new one.  Returns the bytes
 * taken; 0 when the request is full (bytes or descriptors). */
static uint32_t add_piece(paddr_t pa, uint64_t len)
{
	struct vblk_slot *s = st.cur;
	uint64_t room = VIRTIO_BLK_REQ_MAX - s->bytes;
	struct vring_desc *last = &s->d[s->nseg];	/* d[0] is the header */
	uint32_t n;

	if (!room)
		return 0;
	if (s->nseg && last->addr + last->len == pa && last->len < vblk.seg_len_max) {
		n = (uint32_t)MIN(MIN(len, room), vblk.seg_len_max - last->len);
		last->len += n;
	} else {
		if (s->nseg == vblk.seg_max)
			return 0;
		n = (uint32_t)MIN(MIN(len, room), vblk.seg_len_max);
		s->d[++s->nseg] = (struct vring_desc){
			pa, n, st.dir == BLK_READ ? VRING_DESC_F_WRITE : 0, 0
		};
	}
	s->bytes += n;
	st.end += n;
	return n;
}

/* Start a request at disk offset off (a sector boundary). */
static int open_request(uint64_t off)
{
	int err = vblk_get_slot(&st.cur);

	if (err) {
		st.cur = NULL;
		return err;
	}
	st.cur->type = st.dir == BLK_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	st.cur->sector = off / BLK_SECTOR_SIZE;
	st.end = off;
	return 0;
}

/* Hand the current request to the device (an empty one is dropped). */
static void submit_current(void)
{
	if (st.cur && st.cur->bytes && vblk.ready)
		vblk_submit(st.cur);
	else if (st.cur)
		vblk_put_slot(st.cur);
	st.cur = NULL;
}

/*
 * The current request is full.  A request must end on a sector boundary:
 * if it does not (its descriptors ran out first), the pieces of its last,
 * partial sector move to the next request.  -E_2BIG if that sector alone
 * was pieced from a whole request's worth of descriptors.
 */
static int next_request(void)
{
	static struct vring_desc carry[VBLK_TABLE_ENTRIES];
	struct vblk_slot *s = st.cur;
	uint32_t tail = s->bytes % BLK_SECTOR_SIZE, left = tail;
	uint64_t end = st.end;
	unsigned first = s->nseg, nc = 0;
	int err;

	if (tail) {
		while (s->d[first].len < left)	/* d[1..nseg] hold bytes >= tail */
			left -= s->d[first--].len;
		if (s->nseg - first + 1 >= vblk.seg_max)
			return -E_2BIG;
		s->d[first].len -= left;
		carry[nc++] = (struct vring_desc){ s->d[first].addr + s->d[first].len, left, 0, 0 };
		for (unsigned j = first + 1; j <= s->nseg; j++)
			carry[nc++] = s->d[j];
		s->nseg = (uint16_t)(s->d[first].len ? first : first - 1);
		s->bytes -= tail;
	}
	submit_current();
	err = open_request(end - tail);
	for (unsigned i = 0; !err && i < nc; i++)
		add_piece(carry[i].addr, carry[i].len);
	return err;
}

static int add_range(paddr_t pa, uint64_t len)
{
	while (len) {
		uint32_t n = add_piece(pa, len);
		int err;

		if (!n) {
			err = next_request();
			if (err)
				return err;
			continue;
		}
		pa += n;
		len -= n;
	}
	return 0;
}

/* Zeros up to the next sector boundary (writes), then submit. */
static int pad_and_submit(void)
{
	int err = add_range(zero_pa(), ALIGN_UP(st.end, BLK_SECTOR_SIZE) - st.end);

	if (!err)
		submit_current();
	return err;
}

/*
 * Position the stream at disk offset off.  A gap that stays within the
 * current sector or the next one is filled with zeros (under 1 KiB, the
 * zero area holds 3); a longer one ends the request (padded to a sector)
 * and starts another at off's sector, zeros up to off.
 */
static int move_to(uint64_t off)
{
	int err;

	if (st.cur && off == st.end)
		return 0;
	if (st.cur && st.dir == BLK_WRITE &&
	    ALIGN_DOWN(off, BLK_SECTOR_SIZE) <= ALIGN_UP(st.end, BLK_SECTOR_SIZE))
		return add_range(zero_pa(), off - st.end);
	if (st.cur) {
		err = pad_and_submit();
		if (err)
			return err;
	}
	err = open_request(ALIGN_DOWN(off, BLK_SECTOR_SIZE));
	if (err)
		return err;
	return add_range(zero_pa(), off - st.end);
}

int virtio_blk_stream_begin(enum blk_dir dir)
{
	if (!vblk.ready)
		return -E_NOENT;
	if (st.open)
		return -E_BUSY;
	if (dir == BLK_WRITE && vblk.read_only)
		return -E_PERM;
	st.open = true;
	st.dir = dir;
	st.err = 0;
	st.cur = NULL;
	st.end = 0;
	vblk.io_err = 0;
	return 0;
}

int virtio_blk_stream_extent(uint64_t disk_off, paddr_t pa, uint64_t len)
{
	int err;

	if (!st.open || !len || pa + len < pa || disk_off + len < disk_off ||
	    (st.cur && disk_off < st.end))
		return -E_INVAL;
	if (disk_off + len > vblk.capacity)
		return -E_RANGE;
	if (st.dir == BLK_READ && (disk_off % BLK_SECTOR_SIZE || len % BLK_SECTOR_SIZE))
		return -E_ALIGN;
	if (!st.err)
		st.err = vblk_reap(false);	/* free slots early, see failures */
	if (!st.err)
		st.err = vblk.io_err;
	if (st.err)
		return st.err;
	err = move_to(disk_off);
	if (!err)
		err = add_range(pa, len);
	st.err = err;
	return err;
}

/* Wait until nothing is in flight; 0 or vblk_reap's -E_IO. */
static int drain(void)
{
	while (vblk.inflight) {
		int err = vblk_reap(true);

		if (err)
			return err;
	}
	return 0;
}

/* Ask the device to put its write cache on the medium (the host file). */
static int flush(void)
{
	struct vblk_slot *s;
	int err = vblk_get_slot(&s);

	if (err)
		return err;
	s->type = VIRTIO_BLK_T_FLUSH;
	s->sector = 0;
	vblk_submit(s);
	return drain();
}

int virtio_blk_stream_end(void)
{
	int err;

	if (!st.open)
		return -E_INVAL;
	err = st.err;
	if (!err && st.cur)
		err = pad_and_submit();
	if (st.cur)
		vblk_put_slot(st.cur);	/* not submitted after an error */
	st.cur = NULL;
	if (vblk.ready) {
		int r = drain();

		err = err ? err : r;
	}
	err = err ? err : vblk.io_err;
	if (!err && st.dir == BLK_WRITE && vblk.flush) {
		uint64_t t0 = ktime_ns();

		err = flush();
		pr_debug("virtio_blk: flush took %llu ms\n",
			 (unsigned long long)((ktime_ns() - t0) / 1000000));
	}
	err = err ? err : vblk.io_err;
	st.open = false;
	return err;
}

int virtio_blk_write_sg(uint64_t sector, const struct blk_extent *ext, unsigned n)
{
	uint64_t off = sector * BLK_SECTOR_SIZE;
	int err, end;

	if (sector > UINT64_MAX / BLK_SECTOR_SIZE)
		return -E_RANGE;
	err = virtio_blk_stream_begin(BLK_WRITE);
	if (err)
		return err;
	for (unsigned i = 0; i < n && !err; i++) {
		err = virtio_blk_stream_extent(off, ext[i].pa, ext[i].len);
		off += ext[i].len;
	}
	end = virtio_blk_stream_end();
	return err ? err : end;
}

int virtio_blk_read(uint64_t sector, paddr_t pa, uint64_t len)
{
	int err, end;

	if (sector > UINT64_MAX / BLK_SECTOR_SIZE)
		return -E_RANGE;
	err = virtio_blk_stream_begin(BLK_READ);
	if (err)
		return err;
	err = virtio_blk_stream_extent(sector * BLK_SECTOR_SIZE, pa, len);
	end = virtio_blk_stream_end();
	return err ? err : end;
}
