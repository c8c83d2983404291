/*
 * Shell commands that look at physical memory: mem (the numbers), memtest
 * (take every free frame, write, verify, give back) and xd (hex dump
 * through the direct map).  memtest needs no memory of its own: the
 * frames it holds are chained through their own first qwords.  Linux has
 * /proc/meminfo, the memtest= boot option (mm/memtest.c) and /dev/mem.
 */
#include "boot/addr.h"
#include "boot/layout.h"
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
#include "mm/memmap.h"
#include "mm/paging.h"
#include "mm/pmm.h"

#define QWORDS (PAGE_SIZE / 8)
#define XD_MAX (64 * KiB)

static char *sz(char *buf, uint64_t bytes)
{
	return format_size(buf, 32, bytes);
}

/* mem: RAM, frames, heap, kernel image. */
static int cmd_mem(int argc, char **argv)
{
	size_t managed = pmm_total_frames(), nfree = pmm_free_frames();
	size_t used = pmm_allocated_frames(), resv = managed - nfree - used;
	paddr_t k0 = virt_to_phys(_kernel_start), k1 = virt_to_phys(_kernel_end);
	struct heap_stats hs;
	char a[32], b[32], c[32], d[32];

	if (argc != 1)
		return shell_usage();
	heap_get_stats(&hs);
	console_printf("RAM:     %s usable in %u firmware ranges, RAM ends at 0x%llx\n",
		       sz(a, memmap_total(&firmware_memmap, MEMMAP_RAM)), firmware_memmap.count,
		       (unsigned long long)memmap_end(&firmware_memmap, MEMMAP_RAM));
	console_printf("frames:  %zu managed (%s): %zu free (%s), %zu allocated (%s), "
		       "%zu reserved (%s)\n", managed, sz(a, (uint64_t)managed * PAGE_SIZE),
		       nfree, sz(b, (uint64_t)nfree * PAGE_SIZE), used,
		       sz(c, (uint64_t)used * PAGE_SIZE), resv, sz(d, (uint64_t)resv * PAGE_SIZE));
	console_printf("heap:    %zu bytes in %zu allocations, %zu pages (%s)\n",
		       hs.bytes_in_use, hs.allocations, hs.pages,
		       sz(a, (uint64_t)hs.pages * PAGE_SIZE));
	console_printf("kernel:  [0x%016llx, 0x%016llx) %s, phys_base 0x%llx\n",
		       (unsigned long long)k0, (unsigned long long)k1, sz(a, k1 - k0),
		       (unsigned long long)phys_base);
	return 0;
}
SHELL_COMMAND(mem, "", "RAM, free/used frames, heap and kernel image sizes", cmd_mem);

/* The value qword q of the frame at pa must hold. */
static uint64_t pattern(paddr_t pa, unsigned q)
{
	uint64_t x = (pa + q * 8) ^ 0x6d656d7465737421ULL;	/* "memtest!" */

	x *= 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 29);
}

/* Qwords 0 and 1 hold the chain link and its complement; these others
 * carry the pattern in the quick test (the full test fills 2..511). */
static const unsigned samples[] = { 2, 3, 64, 200, 256, 384, 510, QWORDS - 1 };

static void fill(uint64_t *q, paddr_t pa, paddr_t next, bool full)
{
	q[0] = next;
	q[1] = ~next;
	if (full)
		for (unsigned i = 2; i < QWORDS; i++)
			q[i] = pattern(pa, i);
	else
		for (unsigned i = 0; i < ARRAY_SIZE(samples); i++)
			q[samples[i]] = pattern(pa, samples[i]);
}

/* 0, or the first qword that is wrong (and what it read). */
static unsigned check(const uint64_t *q, paddr_t pa, bool full, uint64_t *got)
{
	unsigned n = full ? QWORDS - 2 : ARRAY_SIZE(samples);

	if (q[1] != ~q[0]) {
		*got = q[1];
		return 1;
	}
	for (unsigned k = 0; k < n; k++) {
		unsigned i = full ? k + 2 : samples[k];

		if (q[i] != pattern(pa, i)) {
			*got = q[i];
			return i;
		}
	}
	return 0;
}

/* Called for every frame.  A quarter of 6 GiB takes seconds under TCG on
 * a busy host: each frame is progress for the soft lockup detector. */
static void progress(const char *what, size_t done, size_t total, unsigned *next_quarter)
{
	touch_softlockup_watchdog();
	while (*next_quarter <= 4 && done * 4 >= total * *next_quarter) {
		console_printf("memtest: %s %u%% (%zu of %zu frames)\n", what, *next_quarter * 25,
			       done, total);
		(*next_quarter)++;
	}
}

/* Allocate every free frame, filling each; returns the chain head. */
static paddr_t take_all(size_t total, bool full, size_t *n, size_t *high)
{
	paddr_t head = 0, pa;
	unsigned quarter = 1;

	while ((pa = pmm_alloc()) != 0) {
		fill(phys_to_virt(pa), pa, head, full);
		head = pa;
		*high += pa >= 4 * GiB;
		progress("written", ++*n, total, &quarter);
	}
	return head;
}

struct verdict {
	size_t checked, bad;	/* frames read back, frames found wrong */
	paddr_t first_pa;	/* the first wrong one */
	unsigned first_q;
	uint64_t got, want;
};

/* Verify and free the chain.  0, or -E_IO (reported) if a link is broken:
 * the rest of the chain cannot be found, so it stays allocated. */
static int give_back(paddr_t head, size_t total, bool full, struct verdict *v)
{
	unsigned quarter = 1;

	while (head) {
		uint64_t *q = phys_to_virt(head), got;
		unsigned bad = check(q, head, full, &got);
		paddr_t next = q[0];

		if (bad && !v->bad++) {
			v->first_pa = head;
			v->first_q = bad;
			v->got = got;
			v->want = bad == 1 ? ~q[0] : pattern(head, bad);
		}
		if (bad == 1 || !IS_ALIGNED(next, PAGE_SIZE))
			return shell_error(-E_IO, "chain link broken in frame 0x%llx, "
					   "%zu frames left allocated", (unsigned long long)head,
					   total - v->checked);
		pmm_free(head);
		head = next;
		progress("verified", ++v->checked, total, &quarter);
	}
	return 0;
}

/* Change one pattern qword of the frame in the middle of the chain, to
 * show what a failure looks like (and that the test can fail). */
static void inject_error(paddr_t head, size_t n)
{
	for (size_t i = 0; i < n / 2; i++)
		head = ((uint64_t *)phys_to_virt(head))[0];
	((uint64_t *)phys_to_virt(head))[QWORDS - 1] ^= 1ULL << 17;
	console_printf("memtest: flipped bit 17 of the last qword of frame 0x%llx\n",
		       (unsigned long long)head);
}

/* The verdict as one line: "memtest: ok: ..." (0) or a reported -E_IO. */
static int report(size_t before, size_t n, size_t high, const struct verdict *v)
{
	char a[32];

	if (v->bad)
		return shell_error(-E_IO, "%zu frames wrong, first 0x%llx qword %u reads "
				   "0x%016llx, expected 0x%016llx", v->bad,
				   (unsigned long long)v->first_pa, v->first_q,
				   (unsigned long long)v->got, (unsigned long long)v->want);
	if (v->checked != n || n != before || pmm_free_frames() != before)
		return shell_error(-E_IO, "free count not restored: %zu free before, "
				   "%zu allocated, %zu checked, %zu free after", before, n,
				   v->checked, pmm_free_frames());
	console_printf("memtest: ok: %zu frames (%s) tested, %zu above 4 GiB, free count "
		       "restored (%zu)\n", n, sz(a, (uint64_t)n * PAGE_SIZE), high,
		       pmm_free_frames());
	return 0;
}

/* memtest [full|inject]: every free frame written, read back and freed. */
static int cmd_memtest(int argc, char **argv)
{
	bool full = argc == 2 && strcmp(argv[1], "full") == 0;
	bool inject = argc == 2 && strcmp(argv[1], "inject") == 0;
	size_t before = pmm_free_frames(), n = 0, high = 0;
	struct verdict v = { 0 };
	uint64_t t0 = ktime_ns(), ms;
	paddr_t head;
	char a[32];
	int err;

	if (argc > 2 || (argc == 2 && !full && !inject))
		return shell_usage();
	console_printf("memtest: %zu free frames (%s), %s pattern\n", before,
		       sz(a, (uint64_t)before * PAGE_SIZE), full ? "full-page" : "sampled");
	head = take_all(before, full, &n, &high);
	if (inject && n)
		inject_error(head, n);
	err = give_back(head, n, full, &v);
	ms = (ktime_ns() - t0) / 1000000;
	console_printf("memtest: %zu frames in %llu.%03llu s\n", n,
		       (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	return err ? err : report(before, n, high, &v);
}
SHELL_COMMAND(memtest, "[full|inject]",
	      "write, verify and free every free frame (inject: plant one error)", cmd_memtest);

/* Is every page of [pa, pa + len) in the kernel's direct map? */
static bool direct_mapped(paddr_t pa, uint64_t len)
{
	paddr_t got;

	if (!kernel_pt.pml4_pa || pa + len < pa)
		return false;
	for (paddr_t p = ALIGN_DOWN(pa, PAGE_SIZE); p < pa + len; p += PAGE_SIZE)
		if (pt_translate(&kernel_pt, DIRECT_MAP_BASE + p, &got, NULL) || got != p)
			return false;
	return true;
}

static void dump_line(paddr_t pa, const uint8_t *p, unsigned n)
{
	char line[HEXDUMP_LINE_MAX];

	hexdump_line(line, sizeof(line), pa, 16, p, n);
	console_printf("%s\n", line);
}

/* xd ADDR [LEN]: hex dump of physical memory. */
static int cmd_xd(int argc, char **argv)
{
	uint64_t pa, len = 256;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], &pa, false) ||
	    (argc == 3 && (parse_u64(argv[2], &len, true) || len == 0)))
		return shell_usage();
	if (len > XD_MAX)
		return shell_error(-E_2BIG, "length %llu is more than %llu bytes",
				   (unsigned long long)len, (unsigned long long)XD_MAX);
	if (!direct_mapped(pa, len))
		return shell_error(-E_RANGE, "[0x%016llx, 0x%016llx) not mapped",
				   (unsigned long long)pa, (unsigned long long)(pa + len));
	for (uint64_t off = 0; off < len; off += HEXDUMP_BYTES)
		dump_line(pa + off, (const uint8_t *)phys_to_virt(pa + off),
			  (unsigned)MIN(HEXDUMP_BYTES, len - off));
	return 0;
}
SHELL_COMMAND(xd, "ADDR [LEN]", "hex dump LEN (256) bytes of physical memory at ADDR",
	      cmd_xd);
