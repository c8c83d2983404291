/*
 * The `disk` command: the virtio-blk disks and which is the dump disk (only
 * a disk named by its serial is ever written), the dump disk's state, a
 * timed write and read-back test from freshly allocated frames, and a hex
 * dump of sectors.  The test
 * pattern is what tests/scenarios/test_disk.py looks for in the image on
 * the host: the 8-byte word at disk byte offset o holds o ^ DISK_TEST_XOR
 * (little-endian).  Linux has no such command; dd and hexdump on /dev/vda.
 */
#include "boot/addr.h"
#include "drivers/virtio_blk.h"
#include "lib/errno.h"
#include "lib/hexdump.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/time.h"
#include "lib/vsprintf.h"
#include "lib/watchdog.h"
#include "lib/x86.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define DISK_TEST_XOR 0x9e3779b97f4a7c15ULL
#define DISK_TEST_POISON 0xa5a5a5a5a5a5a5a5ULL	/* before reading back */
#define DISK_TEST_SPARE 1024	/* frames left to the rest of the kernel */
#define DISK_READ_MAX 8		/* sectors: one page */

struct test_buf {
	paddr_t *frames;
	size_t npages;
	bool scatter;	/* disk page k uses frame k ^ 1: one descriptor per page */
};

static paddr_t frame_of(const struct test_buf *b, size_t k)
{
	return b->frames[b->scatter ? k ^ 1 : k];
}

static void free_buf(struct test_buf *b)
{
	for (size_t i = 0; i < b->npages; i++)
		if (b->frames[i])
			pmm_free(b->frames[i]);
	kfree(b->frames);
}

static int alloc_buf(struct test_buf *b, uint64_t bytes)
{
	b->npages = bytes / PAGE_SIZE;
	if (b->npages + DISK_TEST_SPARE > pmm_free_frames())
		return shell_error(-E_NOMEM, "%zu frames needed, %zu free", b->npages,
				   pmm_free_frames());
	b->frames = kzalloc(b->npages * sizeof(paddr_t));
	if (!b->frames)
		return shell_error(-E_NOMEM, "no memory for a list of %zu frames", b->npages);
	for (size_t i = 0; i < b->npages; i++) {
		b->frames[i] = pmm_alloc();
		if (!b->frames[i]) {
			free_buf(b);
			return shell_error(-E_NOMEM, "frame %zu of %zu not available", i, b->npages);
		}
	}
	return 0;
}

/* Stream every page of b to or from the disk, from offset 0; ns taken. */
static int transfer(const struct test_buf *b, enum blk_dir dir, uint64_t *ns)
{
	uint64_t t0 = ktime_ns();
	int err = virtio_blk_stream_begin(dir), end;

	if (err)
		return err;
	for (size_t k = 0; k < b->npages && !err; k++)
		err = virtio_blk_stream_extent(k * PAGE_SIZE, frame_of(b, k), PAGE_SIZE);
	end = virtio_blk_stream_end();
	*ns = ktime_ns() - t0;
	return err ? err : end;
}

/* The pattern, or the poison when poison is set, into every page of b.
 * A GiB takes seconds under TCG: each page is progress for the watchdog. */
static void fill(const struct test_buf *b, bool poison)
{
	for (size_t k = 0; k < b->npages; k++) {
		uint64_t *w = phys_to_virt(frame_of(b, k));

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			w[i] = poison ? DISK_TEST_POISON : (k * PAGE_SIZE + i * 8) ^ DISK_TEST_XOR;
		touch_softlockup_watchdog();
	}
}

/* 0, or print the first word that differs and return -E_BADSUM. */
static int check_pattern(const struct test_buf *b)
{
	for (size_t k = 0; k < b->npages; k++) {
		const uint64_t *w = phys_to_virt(frame_of(b, k));

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
			uint64_t off = k * PAGE_SIZE + i * 8;

			if (w[i] != (off ^ DISK_TEST_XOR)) {
				console_printf("disk: write-test FAILED: word at disk offset 0x%llx "
					       "reads 0x%016llx, wrote 0x%016llx\n",
					       (unsigned long long)off, (unsigned long long)w[i],
					       (unsigned long long)(off ^ DISK_TEST_XOR));
				shell_mark_reported();
				return -E_BADSUM;
			}
		}
		touch_softlockup_watchdog();
	}
	return 0;
}

static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t ms = ns / 1000000, rate10 = ns ? bytes * 10000 / ns : 0;	/* MB/s x 10 */

	console_printf("disk: %s %llu MiB in %llu.%03llu s: %llu.%llu MB/s\n", what,
		       (unsigned long long)(bytes / MiB), (unsigned long long)(ms / 1000),
		       (unsigned long long)(ms % 1000), (unsigned long long)(rate10 / 10),
		       (unsigned long long)(rate10 % 10));
}

/* disk write-test [MB] [sg] */
static int write_test(int argc, char **argv)
{
	struct test_buf b = { 0 };
	struct virtio_blk_info info;
	uint64_t mb = 8, bytes, wns, rns;
	int err;

	b.scatter = argc == 4 && strcmp(argv[3], "sg") == 0;
	if (argc > 4 || (argc == 4 && !b.scatter) ||
	    (argc >= 3 && (parse_u64(argv[2], &mb, false) || mb == 0 || mb > 1024 * 1024)))
		return shell_usage();
	bytes = mb * MiB;
	if (virtio_blk_get_info(&info) == 0 && info.read_only)
		return shell_error(-E_PERM, "the disk is read-only");
	if (bytes > virtio_blk_capacity())
		return shell_error(-E_RANGE, "%llu MiB is more than the disk (%llu MiB)",
				   (unsigned long long)mb,
				   (unsigned long long)(virtio_blk_capacity() / MiB));
	err = alloc_buf(&b, bytes);
	if (err)
		return err;
	console_printf("disk: write-test: %llu MiB from %zu frames, %s\n", (unsigned long long)mb,
		       b.npages, b.scatter ? "one descriptor per page (sg)"
					   : "one descriptor per contiguous run");
	fill(&b, false);
	err = transfer(&b, BLK_WRITE, &wns);
	if (err) {
		err = shell_error(err, "writing %llu MiB failed", (unsigned long long)mb);
		goto out;
	}
	print_rate("write", bytes, wns);
	fill(&b, true);
	err = transfer(&b, BLK_READ, &rns);
	if (err) {
		err = shell_error(err, "reading %llu MiB back failed", (unsigned long long)mb);
		goto out;
	}
	print_rate("read", bytes, rns);
	err = check_pattern(&b);
	if (!err)
		console_printf("disk: write-test ok: %llu MiB written, read back and verified\n",
			       (unsigned long long)mb);
out:
	free_buf(&b);
	return err;
}

/*
 * disk stream-test: the stream's packing rules on a 32 KiB region.  Fill
 * it with 0xee, then stream pieces with odd offsets and lengths, small and
 * large gaps, physically adjacent pieces (merged) and 200 tiny scattered
 * ones (more than a request's descriptors); read back.  Expected: every
 * sector a piece touches holds the pieces' bytes and zeros elsewhere,
 * every other sector still 0xee.
 */
#define ST_REGION (32 * KiB)
#define ST_TINY 200

struct piece {
	uint64_t off;
	uint32_t src, len;	/* src: offset in the source page */
};

static const struct piece st_pieces[] = {
	{ 100, 0, 300 }, { 400, 300, 1000 },	/* adjacent twice: one descriptor */
	{ 1500, 2000, 10 },			/* 100-byte gap: zeros in between */
	{ 5000, 100, 3000 },			/* long gap: a new request */
};

static void stream_test_pieces(void (*fn)(uint64_t off, uint32_t src, uint32_t len, void *ctx),
			       void *ctx)
{
	for (unsigned i = 0; i < ARRAY_SIZE(st_pieces); i++)
		fn(st_pieces[i].off, st_pieces[i].src, st_pieces[i].len, ctx);
	for (unsigned i = 0; i < ST_TINY; i++)	/* never physically adjacent */
		fn(9000 + 37 * i, (i % 2) * 2048 + 37 * (i / 2) % 1024, 37, ctx);
	fn(20000, 7, 1, ctx);			/* ends mid-sector: zeros after */
}

struct st_ctx {
	paddr_t src;
	uint8_t *expect;
	int err;
};

/* Expected image, pass 1: the sectors a piece touches become zeros. */
static void expect_zeros(uint64_t off, uint32_t src, uint32_t len, void *ctx)
{
	struct st_ctx *c = ctx;
	uint64_t s = ALIGN_DOWN(off, BLK_SECTOR_SIZE), e = ALIGN_UP(off + len, BLK_SECTOR_SIZE);

	memset(c->expect + s, 0, e - s);
}

/* Pass 2: the piece's bytes. */
static void expect_bytes(uint64_t off, uint32_t src, uint32_t len, void *ctx)
{
	struct st_ctx *c = ctx;

	memcpy(c->expect + off, (uint8_t *)phys_to_virt(c->src) + src, len);
}

static void stream_piece(uint64_t off, uint32_t src, uint32_t len, void *ctx)
{
	struct st_ctx *c = ctx;

	if (!c->err)
		c->err = virtio_blk_stream_extent(off, c->src + src, len);
}

static int stream_test_run(struct st_ctx *c, paddr_t fill, paddr_t back)
{
	int err = virtio_blk_stream_begin(BLK_WRITE), end;

	for (uint64_t off = 0; !err && off < ST_REGION; off += PAGE_SIZE)
		err = virtio_blk_stream_extent(off, fill, PAGE_SIZE);
	end = err ? err : virtio_blk_stream_end();
	if (err || end)
		return shell_error(err ? err : end, "filling the region failed");
	err = virtio_blk_stream_begin(BLK_WRITE);
	if (err)
		return shell_error(err, "stream_begin failed");
	stream_test_pieces(stream_piece, c);
	end = virtio_blk_stream_end();
	if (c->err || end)
		return shell_error(c->err ? c->err : end, "streaming the pieces failed");
	err = virtio_blk_read(0, back, ST_REGION);
	if (err)
		return shell_error(err, "reading the region back failed");
	for (uint64_t o = 0; o < ST_REGION; o++) {
		uint8_t got = ((uint8_t *)phys_to_virt(back))[o];

		if (got != c->expect[o]) {
			console_printf("disk: stream-test FAILED: byte at disk offset %llu reads "
				       "0x%02x, expected 0x%02x\n", (unsigned long long)o, got,
				       c->expect[o]);
			shell_mark_reported();
			return -E_BADSUM;
		}
	}
	console_printf("disk: stream-test ok: %u pieces, gaps and partial sectors as expected\n",
		       (unsigned)(ARRAY_SIZE(st_pieces) + ST_TINY + 1));
	return 0;
}

static int stream_test(int argc, char **argv)
{
	size_t n = ST_REGION / PAGE_SIZE;
	paddr_t src = pmm_alloc(), expect = pmm_alloc_contig(n, PAGE_SIZE, 0);
	paddr_t back = pmm_alloc_contig(n, PAGE_SIZE, 0);
	struct st_ctx c = { src, phys_to_virt(expect), 0 };
	int err;

	if (argc != 2)
		err = shell_usage();
	else if (!src || !expect || !back || ST_REGION > virtio_blk_capacity())
		err = shell_error(-E_NOMEM, "no memory or disk for the test");
	else {
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			((uint8_t *)phys_to_virt(src))[i] = (uint8_t)(i * 13 + 5);
		memset(c.expect, 0xee, ST_REGION);
		memset(phys_to_virt(back), 0xee, PAGE_SIZE);	/* the fill page */
		stream_test_pieces(expect_zeros, &c);
		stream_test_pieces(expect_bytes, &c);
		err = stream_test_run(&c, back, back);
	}
	if (src)
		pmm_free(src);
	if (expect)
		pmm_free_contig(expect, n);
	if (back)
		pmm_free_contig(back, n);
	return err;
}

/* Disk offsets take 12 hex digits: 256 TiB, more than any dump disk. */
static void dump_line(uint64_t off, const uint8_t *p)
{
	char line[HEXDUMP_LINE_MAX];

	hexdump_line(line, sizeof(line), off, 12, p, HEXDUMP_BYTES);
	console_printf("%s\n", line);
}

/* disk read SECTOR [N] */
static int read_sectors(int argc, char **argv)
{
	uint64_t sector, n = 1;
	paddr_t pa;
	int err;

	if (argc < 3 || argc > 4 || parse_u64(argv[2], &sector, false) ||
	    (argc == 4 && (parse_u64(argv[3], &n, false) || n == 0)))
		return shell_usage();
	if (n > DISK_READ_MAX)
		return shell_error(-E_2BIG, "at most %u sectors at a time", DISK_READ_MAX);
	if (sector >= virtio_blk_capacity() / BLK_SECTOR_SIZE ||
	    n > virtio_blk_capacity() / BLK_SECTOR_SIZE - sector)
		return shell_error(-E_RANGE, "sectors [%llu, %llu) are past the end (%llu)",
				   (unsigned long long)sector, (unsigned long long)(sector + n),
				   (unsigned long long)(virtio_blk_capacity() / BLK_SECTOR_SIZE));
	pa = pmm_alloc();
	if (!pa)
		return shell_error(-E_NOMEM, "no free frame");
	err = virtio_blk_read(sector, pa, n * BLK_SECTOR_SIZE);
	if (err)
		err = shell_error(err, "reading sector %llu failed", (unsigned long long)sector);
	for (uint64_t off = 0; !err && off < n * BLK_SECTOR_SIZE; off += HEXDUMP_BYTES)
		dump_line(sector * BLK_SECTOR_SIZE + off, (const uint8_t *)phys_to_virt(pa) + off);
	pmm_free(pa);
	return err;
}

static void print_info(void)
{
	struct virtio_blk_info in;
	char sz[32];

	if (virtio_blk_get_info(&in))
		return;
	format_size(sz, sizeof(sz), virtio_blk_capacity());
	console_printf("disk: virtio-blk %02x:%02x.%u io 0x%x, capacity %llu bytes (%s, %llu "
		       "sectors)\n", in.bus, in.dev, in.fn, in.iobase,
		       (unsigned long long)virtio_blk_capacity(), sz,
		       (unsigned long long)(virtio_blk_capacity() / BLK_SECTOR_SIZE));
	console_printf("disk: queue of %u at 0x%llx, %u requests in flight, up to %u segments "
		       "and %llu KiB each%s\n", in.queue_size, (unsigned long long)in.ring_pa,
		       in.slots, in.seg_max, (unsigned long long)(VIRTIO_BLK_REQ_MAX / KiB),
		       in.indirect ? ", indirect descriptors" : "");
	console_printf("disk: features 0x%08x offered, 0x%08x accepted; %s, %s; %llu requests, "
		       "%llu bytes done\n", in.host_features, in.guest_features,
		       in.flush ? "write cache flushed at the end" : "write-through",
		       in.read_only ? "read-only" : "read-write", (unsigned long long)in.requests,
		       (unsigned long long)in.bytes);
}

/* Every virtio-blk disk, the dump disk marked; nothing is written. */
static void list_disks(void)
{
	const struct virtio_blk_disk *list;
	unsigned n = virtio_blk_disks(&list);
	const char *named = virtio_blk_named();
	char sz[32];

	for (unsigned i = 0; i < n; i++)
		console_printf("disk: %02x:%02x.%u serial '%s', %s%s%s\n", list[i].bus, list[i].dev,
			       list[i].fn, list[i].serial,
			       format_size(sz, sizeof(sz), list[i].capacity),
			       list[i].read_only ? ", read-only" : "",
			       named && strcmp(named, list[i].serial) == 0 ? "  <- the dump disk" : "");
	if (!n)
		console_printf("disk: no virtio-blk disk\n");
	else if (!named)
		console_printf("disk: no dump disk named (vmcore_disk=SERIAL, or disk use SERIAL): "
			       "nothing is written to any disk\n");
}

/* disk use SERIAL: name the dump disk for this boot (like vmcore_disk=). */
static int use_disk(int argc, char **argv)
{
	char why[512];
	int err;

	if (argc != 3)
		return shell_usage();
	if (virtio_blk_name(argv[2]))
		return shell_error(-E_INVAL, "'%s' is not a serial (1-%d bytes, no blanks)", argv[2],
				   VIRTIO_BLK_SERIAL_MAX);
	err = virtio_blk_setup();
	if (err) {
		virtio_blk_why(err, why, sizeof(why));
		return shell_error(err, "%s", why);
	}
	console_printf("disk: the dump disk is now '%s'\n", argv[2]);
	return 0;
}

/* disk [use SERIAL | write-test [MB] [sg] | stream-test | read SECTOR [N]] */
static int cmd_disk(int argc, char **argv)
{
	char why[512];
	int err;

	if (argc >= 2 && strcmp(argv[1], "use") == 0)
		return use_disk(argc, argv);
	if (argc == 1)
		list_disks();
	err = virtio_blk_setup();
	if (err && argc == 1) {
		if (err != -E_PERM) {	/* no name: the list said it */
			virtio_blk_why(err, why, sizeof(why));
			console_printf("disk: %s\n", why);
		}
		return 0;
	}
	if (err) {
		virtio_blk_why(err, why, sizeof(why));
		return shell_error(err, "%s", why);
	}
	if (argc == 1) {
		print_info();
		return 0;
	}
	if (strcmp(argv[1], "write-test") == 0)
		return write_test(argc, argv);
	if (strcmp(argv[1], "read") == 0)
		return read_sectors(argc, argv);
	if (strcmp(argv[1], "stream-test") == 0)
		return stream_test(argc, argv);
	return shell_usage();
}
SHELL_COMMAND(disk, "[use SERIAL | write-test [MB] [sg] | stream-test | read SECTOR [N]]",
	      "virtio-blk disks and the dump disk (named by serial): list, name, "
	      "a timed write/read test, a sector dump",
	      cmd_disk);
