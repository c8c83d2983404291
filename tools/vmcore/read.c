/*
 * "read VMCORE [-v] ADDR LEN": the dead kernel's bytes as a hex dump, in
 * the kernel's own xd format so the two can be compared line by line.
 * ADDR is physical (found in the PT_LOAD that holds it), or with -v
 * virtual, translated through the crashed kernel's page tables; either way
 * the output first says which translation was used.  crash's "rd -p" and
 * "rd" are the same two reads.
 */
#include "lib/hexdump.h"

#include "commands.h"
#include "dumpinfo.h"
#include "util.h"
#include "vmcore.h"
#include "vmcoreinfo.h"
#include "xlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_MAX (1u << 20)	/* the most one read dumps */
#define PAGE 4096ULL

/* The kernel's own hex dump lines (lib/hexdump.c), as xd prints them. */
static void hexdump(uint64_t addr, const uint8_t *p, size_t len)
{
	char line[HEXDUMP_LINE_MAX];

	for (size_t off = 0; off < len; off += HEXDUMP_BYTES) {
		size_t n = len - off < HEXDUMP_BYTES ? len - off : HEXDUMP_BYTES;

		hexdump_line(line, sizeof(line), addr + off, 16, p + off, (unsigned)n);
		printf("%s\n", line);
	}
}

/* Why pa is missing: the crash window is the usual answer (crashk_res). */
static void explain_missing(const struct vmcore *vc, uint64_t pa, uint64_t len)
{
	uint64_t res, start = 0, end = 0;
	uint64_t off_start, off_end;
	const char *why = "the crash window";

	if (vmcoreinfo_number_opt(vc, "SYMBOL(crashk_res)", &res) &&
	    vmcoreinfo_number_opt(vc, "OFFSET(resource.start)", &off_start) &&
	    vmcoreinfo_number_opt(vc, "OFFSET(resource.end)", &off_end)) {
		uint64_t pa_res;

		/* crashk_res is in the kernel image: its PT_LOAD maps it. */
		if (xlate_by_load(vc, res, &pa_res) &&
		    vmcore_read_phys(vc, pa_res + off_start, &start, 8) &&
		    vmcore_read_phys(vc, pa_res + off_end, &end, 8) && pa < end && pa + len > start)
			die("physical [0x%llx, 0x%llx) is not in the dump: it overlaps %s "
			    "[0x%llx, 0x%llx), which kdump leaves out", (unsigned long long)pa,
			    (unsigned long long)(pa + len), why, (unsigned long long)start,
			    (unsigned long long)end);
	}
	if (vc->dumpinfo) {
		char level[160];

		die("physical [0x%llx, 0x%llx) is not in the dump: the capture kernel left it "
		    "out at %s (see `vmcore-inspect info`)", (unsigned long long)pa,
		    (unsigned long long)(pa + len), dumpinfo_level(vc, level, sizeof(level)));
	}
	die("physical [0x%llx, 0x%llx) is not in the dump: no PT_LOAD holds it "
	    "(see the PT_LOADs with `vmcore-inspect info`)", (unsigned long long)pa,
	    (unsigned long long)(pa + len));
}

static void read_physical(const struct vmcore *vc, uint64_t pa, uint64_t len, uint8_t *buf)
{
	const struct vmcore_load *l = vmcore_find_phys(vc, pa);

	if (!l || !vmcore_read_phys(vc, pa, buf, len))
		explain_missing(vc, pa, len);
	printf("read: physical 0x%016llx, %llu bytes, from PT_LOAD %u [0x%llx, 0x%llx) at file "
	       "offset 0x%llx\n", (unsigned long long)pa, (unsigned long long)len, l->phdr,
	       (unsigned long long)l->paddr, (unsigned long long)(l->paddr + l->size),
	       (unsigned long long)(l->offset + (pa - l->paddr)));
	hexdump(pa, buf, len);
}

static const char *page_name(uint64_t size)
{
	return size == (1ULL << 30) ? "1 GiB page" : size == (1ULL << 21) ? "2 MiB page" : "4 KiB page";
}

/* Print the walk of the first page in full, later pages in one line. */
static void print_walk(const struct vmcore *vc, const struct xlate *x, bool first)
{
	uint64_t pa_load;
	const struct vmcore_load *l;

	if (!first) {
		printf("  page 0x%016llx -> physical 0x%016llx (%s)\n", (unsigned long long)x->va,
		       (unsigned long long)x->pa, page_name(x->page_size));
		return;
	}
	for (unsigned i = 0; i < x->nr_steps; i++) {
		const struct xlate_step *s = &x->step[i];

		printf("  %-4s[%3u] at 0x%llx = 0x%016llx\n", s->level, s->index,
		       (unsigned long long)(s->table_pa + 8 * s->index), (unsigned long long)s->entry);
	}
	printf("  -> physical 0x%016llx (%s)", (unsigned long long)x->pa, page_name(x->page_size));
	l = xlate_by_load(vc, x->va, &pa_load);
	if (l)
		printf(", %s PT_LOAD %u (virtual 0x%llx -> physical 0x%llx)",
		       pa_load == x->pa ? "agrees with" : "DISAGREES with", l->phdr,
		       (unsigned long long)l->vaddr, (unsigned long long)l->paddr);
	printf("\n");
}

static void read_virtual(const struct vmcore *vc, uint64_t va, uint64_t len, uint8_t *buf)
{
	uint64_t root = xlate_root(vc);

	printf("read: virtual 0x%016llx, %llu bytes, through the page tables at physical "
	       "0x%llx (NUMBER(pgtable_root), the crashed kernel's CR3):\n",
	       (unsigned long long)va, (unsigned long long)len, (unsigned long long)root);
	for (uint64_t done = 0; done < len;) {
		uint64_t at = va + done, in_page = PAGE - (at & (PAGE - 1));
		uint64_t chunk = len - done < in_page ? len - done : in_page;
		struct xlate x;

		if (!xlate_walk(vc, root, at, &x))
			die("virtual 0x%llx: %s", (unsigned long long)at, x.why);
		print_walk(vc, &x, done == 0);
		if (!vmcore_read_phys(vc, x.pa, buf + done, chunk))
			explain_missing(vc, x.pa, chunk);
		done += chunk;
	}
	hexdump(va, buf, len);
}

int cmd_read(int argc, char **argv)
{
	const char *pos[3];
	unsigned npos = 0;
	bool virt = false;
	uint64_t addr, len;
	struct vmcore vc;
	uint8_t *buf;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--virtual") == 0)
			virt = true;
		else if (strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--physical") == 0)
			virt = false;
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			usage_of("read");
	}
	if (npos != 3)
		usage_of("read");
	if (!parse_u64(pos[1], &addr))
		die("read: '%s' is not an address (0x... or decimal)", pos[1]);
	if (!parse_u64(pos[2], &len) || len == 0)
		die("read: '%s' is not a length (1 to %u bytes)", pos[2], READ_MAX);
	if (len > READ_MAX)
		die("read: %llu bytes is more than one read dumps (%u)", (unsigned long long)len,
		    READ_MAX);
	if (addr + len < addr)
		die("read: [0x%llx, +%llu) wraps around", (unsigned long long)addr,
		    (unsigned long long)len);
	vmcore_open(&vc, pos[0]);
	buf = xmalloc(len);
	if (virt)
		read_virtual(&vc, addr, len, buf);
	else
		read_physical(&vc, addr, len, buf);
	free(buf);
	vmcore_close(&vc);
	return 0;
}
