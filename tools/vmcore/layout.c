/*
 * Reading the crashed kernel's view of physical memory out of the dump:
 * its firmware map (struct memmap firmware_memmap), its iomem tree
 * (struct resource iomem_resource: child/sibling pointers, names are
 * kernel char *), the crash window (crashk_res), the crash image's
 * segments (KEXEC_SEGMENT lines) and what the vmcore holds (PT_LOADs),
 * all located through VMCOREINFO.  Linux prints the same tree as /proc/iomem
 * (kernel/resource.c) and the same map as the e820 table (arch/x86/kernel/e820.c).
 */
#include "layout.h"
#include "dumpinfo.h"
#include "util.h"
#include "vmcoreinfo.h"
#include "xlate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IOMEM_MAX_NODES 4096	/* more is a cycle or garbage */
#define IOMEM_MAX_DEPTH 16
#define IOMEM_LANES 3		/* depth 0, depth 1, deeper */
#define STRUCT_MAX 65536

static void add(struct layout *lo, uint64_t start, uint64_t end, enum region_kind kind,
		unsigned lane, const char *name)
{
	struct region *r;

	if (end <= start)
		return;
	lo->regions = xrealloc(lo->regions, lo->nr + 1, sizeof(*lo->regions));
	r = &lo->regions[lo->nr++];
	*r = (struct region){ .start = start, .end = end, .kind = kind, .lane = lane };
	/* Names come from the dump: keep them printable for text and XML. */
	snprintf(r->name, sizeof(r->name), "%s", name);
	for (char *c = r->name; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
}

static unsigned new_lane(struct layout *lo, const char *title)
{
	if (lo->nr_lanes == LAYOUT_MAX_LANES)
		die("memmap: more than %d lanes", LAYOUT_MAX_LANES);
	snprintf(lo->lane_title[lo->nr_lanes], sizeof(lo->lane_title[0]), "%s", title);
	return lo->nr_lanes++;
}

static uint64_t get(const uint8_t *p, uint64_t off, unsigned width)
{
	uint64_t v = 0;

	memcpy(&v, p + off, width);	/* little-endian on both sides */
	return v;
}

/* e820 type numbers (mm/memmap.h) and their names, as the kernel logs them. */
static void add_e820(struct layout *lo, unsigned lane, uint64_t s, uint64_t e, uint32_t type)
{
	static const struct { const char *name; enum region_kind kind; } t[] = {
		[1] = { "usable", RK_RAM }, [2] = { "reserved", RK_RESERVED },
		[3] = { "ACPI data", RK_ACPI }, [4] = { "ACPI NVS", RK_NVS },
		[5] = { "unusable", RK_UNUSABLE },
	};
	char name[32];

	if (type >= 1 && type <= 5) {
		add(lo, s, e, t[type].kind, lane, t[type].name);
		return;
	}
	snprintf(name, sizeof(name), "type %u", type);
	add(lo, s, e, RK_RESERVED, lane, name);
}

static void collect_firmware_map(const struct vmcore *vc, struct layout *lo)
{
	const char *why = "the firmware map";
	uint64_t va = vmcoreinfo_symbol(vc, "firmware_memmap", why);
	uint64_t size = vmcoreinfo_size(vc, "memmap", why);
	uint64_t off_count = vmcoreinfo_offset(vc, "memmap.count", why);
	uint64_t off_range = vmcoreinfo_offset(vc, "memmap.range", why);
	uint64_t rsize = vmcoreinfo_size(vc, "memmap_range", why);
	uint64_t off_start = vmcoreinfo_offset(vc, "memmap_range.start", why);
	uint64_t off_end = vmcoreinfo_offset(vc, "memmap_range.end", why);
	uint64_t off_type = vmcoreinfo_offset(vc, "memmap_range.type", why);
	unsigned lane = new_lane(lo, "firmware map (e820)");
	uint64_t count;
	uint8_t *m;

	if (size > STRUCT_MAX || off_count + 4 > size || off_range > size || rsize == 0 ||
	    off_start + 8 > rsize || off_end + 8 > rsize || off_type + 4 > rsize)
		die("VMCOREINFO's struct memmap layout does not fit SIZE(memmap)=%llu",
		    (unsigned long long)size);
	m = xmalloc(size);
	vmcore_read_virt(vc, va, m, size, "struct memmap firmware_memmap");
	count = get(m, off_count, 4);
	if (count > (size - off_range) / rsize)
		die("firmware_memmap is corrupt: %llu ranges, room for %llu",
		    (unsigned long long)count, (unsigned long long)((size - off_range) / rsize));
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *r = m + off_range + i * rsize;

		add_e820(lo, lane, get(r, off_start, 8), get(r, off_end, 8),
			 (uint32_t)get(r, off_type, 4));
	}
	free(m);
}

static enum region_kind iomem_kind(const char *name)
{
	if (strcmp(name, "System RAM") == 0)
		return RK_RAM;
	if (strcmp(name, "Reserved") == 0)
		return RK_RESERVED;
	if (strcmp(name, "ACPI Non-volatile Storage") == 0)
		return RK_NVS;
	if (strncmp(name, "ACPI", 4) == 0)
		return RK_ACPI;
	if (strcmp(name, "Unusable memory") == 0)
		return RK_UNUSABLE;
	if (strncmp(name, "Kernel ", 7) == 0)
		return RK_KERNEL;
	if (strcmp(name, "Multiboot2 info") == 0 || strcmp(name, "boot_params") == 0)
		return RK_MBI;
	if (strcmp(name, "Crash kernel") == 0)
		return RK_CRASH;
	if (name[0] == '/' || strcmp(name, "boot module") == 0 || strcmp(name, "initrd") == 0)
		return RK_MODULE;
	return RK_OTHER;
}

struct res_layout {
	uint64_t size, start, end, name, sibling, child;
};

static void read_resource(const struct vmcore *vc, const struct res_layout *rl, uint64_t va,
			  uint64_t out[6])
{
	uint8_t raw[STRUCT_MAX];

	vmcore_read_virt(vc, va, raw, rl->size, "a struct resource of the iomem tree");
	out[0] = get(raw, rl->start, 8);
	out[1] = get(raw, rl->end, 8);
	out[2] = get(raw, rl->name, 8);
	out[3] = get(raw, rl->sibling, 8);
	out[4] = get(raw, rl->child, 8);
}

/* Depth-first, parents before children, without recursion; the stack holds
 * the sibling to resume at after a node's children. */
static void collect_iomem(const struct vmcore *vc, struct layout *lo)
{
	const char *why = "the iomem tree";
	struct res_layout rl = {
		.size = vmcoreinfo_size(vc, "resource", why),
		.start = vmcoreinfo_offset(vc, "resource.start", why),
		.end = vmcoreinfo_offset(vc, "resource.end", why),
		.name = vmcoreinfo_offset(vc, "resource.name", why),
		.sibling = vmcoreinfo_offset(vc, "resource.sibling", why),
		.child = vmcoreinfo_offset(vc, "resource.child", why),
	};
	uint64_t root = vmcoreinfo_symbol(vc, "iomem_resource", why), f[6];
	uint64_t resume[IOMEM_MAX_DEPTH], node;
	unsigned depth = 0, visited = 0, first_lane = lo->nr_lanes, deepest = 0;
	static const char *const titles[IOMEM_LANES] = {
		"iomem: top level", "iomem: inside those", "iomem: deeper" };

	if (rl.size > STRUCT_MAX || rl.start + 8 > rl.size || rl.end + 8 > rl.size ||
	    rl.name + 8 > rl.size || rl.sibling + 8 > rl.size || rl.child + 8 > rl.size)
		die("VMCOREINFO's struct resource layout does not fit SIZE(resource)=%llu",
		    (unsigned long long)rl.size);
	read_resource(vc, &rl, root, f);
	node = f[4];
	while (node) {
		char name[72];

		if (++visited > IOMEM_MAX_NODES)
			die("the iomem tree has more than %d nodes: a cycle, or corrupt pointers",
			    IOMEM_MAX_NODES);
		read_resource(vc, &rl, node, f);
		if (f[2])
			vmcore_read_string(vc, f[2], name, sizeof(name), "an iomem resource's name");
		else
			snprintf(name, sizeof(name), "(no name)");
		add(lo, f[0], f[1], iomem_kind(name), first_lane + (depth < IOMEM_LANES ? depth :
			IOMEM_LANES - 1), name);
		deepest = depth > deepest ? depth : deepest;
		if (f[4]) {
			if (depth + 1 == IOMEM_MAX_DEPTH)
				die("the iomem tree is deeper than %d levels: corrupt pointers",
				    IOMEM_MAX_DEPTH);
			resume[depth++] = f[3];
			node = f[4];
			continue;
		}
		node = f[3];
		while (!node && depth > 0)
			node = resume[--depth];
	}
	for (unsigned d = 0; d <= deepest && d < IOMEM_LANES; d++)
		new_lane(lo, titles[d]);
}

static void collect_crash_window(const struct vmcore *vc, struct layout *lo)
{
	uint64_t va, off_start, off_end, start = 0, end = 0;

	if (!vmcoreinfo_number_opt(vc, "SYMBOL(crashk_res)", &va))
		return;
	off_start = vmcoreinfo_offset(vc, "resource.start", "the crash window");
	off_end = vmcoreinfo_offset(vc, "resource.end", "the crash window");
	vmcore_read_virt(vc, va + off_start, &start, 8, "crashk_res.start");
	vmcore_read_virt(vc, va + off_end, &end, 8, "crashk_res.end");
	if (end > start)
		lo->window_start = start, lo->window_end = end;
}

/* KEXEC_SEGMENT(N)=0xSTART-0xEND what */
static void collect_segments(const struct vmcore *vc, struct layout *lo)
{
	const char *key, *val;
	size_t pos = 0, klen, vlen;
	unsigned lane = 0;
	bool any = false;

	while (vmcoreinfo_next(vc, &pos, &key, &klen, &val, &vlen)) {
		char text[160], name[96], *dash, *space, *end;
		unsigned long long start, stop;

		if (klen < 14 || memcmp(key, "KEXEC_SEGMENT(", 14) != 0)
			continue;
		if (!any)
			lane = new_lane(lo, "crash image segments (kexec -p)"), any = true;
		snprintf(text, sizeof(text), "%.*s", (int)vlen, val);
		dash = strchr(text, '-');
		space = dash ? strchr(dash, ' ') : NULL;
		if (!dash || !space)
			die("VMCOREINFO %.*s=%s: not START-END WHAT", (int)klen, key, text);
		*dash = *space = '\0';
		start = strtoull(text, &end, 0);
		if (*end)
			die("VMCOREINFO %.*s: '%s' is not an address", (int)klen, key, text);
		stop = strtoull(dash + 1, &end, 0);
		if (*end || stop <= start)
			die("VMCOREINFO %.*s: bad end '%s'", (int)klen, key, dash + 1);
		snprintf(name, sizeof(name), "seg %.*s: %s", (int)(klen - 15), key + 14, space + 1);
		add(lo, start, stop, RK_SEGMENT, lane, name);
	}
}

static int by_paddr(const void *a, const void *b)
{
	const struct vmcore_load *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* RAM the PT_LOADs leave out: the window's part named so, the rest by the
 * dump level that left it out (a filtered dump) or as "not dumped". */
static void add_excluded(struct layout *lo, unsigned lane, uint64_t start, uint64_t end,
			 const char *other)
{
	uint64_t ws = lo->window_start, we = lo->window_end;

	if (end <= ws || start >= we || we <= ws) {
		add(lo, start, end, RK_EXCLUDED, lane, other);
		return;
	}
	if (start < ws)
		add(lo, start, ws, RK_EXCLUDED, lane, other);
	add(lo, start > ws ? start : ws, end < we ? end : we, RK_EXCLUDED, lane,
	    "excluded: crash window");
	if (end > we)
		add(lo, we, end, RK_EXCLUDED, lane, other);
}

/* The RAM PT_LOADs, and the firmware's RAM they leave out (the window). */
static void collect_dump(const struct vmcore *vc, struct layout *lo, unsigned ram_lane)
{
	uint64_t image_va = 0;
	struct vmcore_load *l = xcalloc(vc->nr_loads, sizeof(*l));
	unsigned n = 0, dump = new_lane(lo, "in the vmcore (RAM PT_LOADs)"), image = 0;
	unsigned nr_firmware = lo->nr;
	char name[72], level[120], other[136] = "excluded: not dumped";

	vmcoreinfo_number_opt(vc, "NUMBER(kernel_virt_start)", &image_va);
	for (unsigned i = 0; i < vc->nr_loads; i++) {
		if (image_va && vc->loads[i].vaddr == image_va) {
			if (!image)
				image = new_lane(lo, "kernel image PT_LOAD");
			snprintf(name, sizeof(name), "PT_LOAD %u: image at 0x%llx", vc->loads[i].phdr,
				 (unsigned long long)image_va);
			add(lo, vc->loads[i].paddr, vc->loads[i].paddr + vc->loads[i].size, RK_IMAGE,
			    image, name);
		} else {
			l[n++] = vc->loads[i];
			snprintf(name, sizeof(name), "PT_LOAD %u: in the dump", vc->loads[i].phdr);
			add(lo, vc->loads[i].paddr, vc->loads[i].paddr + vc->loads[i].size, RK_DUMPED,
			    dump, name);
		}
	}
	if (vc->dumpinfo)
		snprintf(other, sizeof(other), "excluded: %s",
			 dumpinfo_level(vc, level, sizeof(level)));
	qsort(l, n, sizeof(*l), by_paddr);
	for (unsigned i = 0; i < nr_firmware; i++) {
		const struct region r = lo->regions[i];
		uint64_t cur = r.start;

		if (r.lane != ram_lane || r.kind != RK_RAM)
			continue;
		for (unsigned j = 0; j < n && cur < r.end; j++) {
			if (l[j].paddr + l[j].size <= cur)
				continue;
			if (l[j].paddr >= r.end)
				break;
			if (l[j].paddr > cur)
				add_excluded(lo, dump, cur, l[j].paddr, other);
			cur = l[j].paddr + l[j].size;
		}
		if (cur < r.end)
			add_excluded(lo, dump, cur, r.end, other);
	}
	free(l);
}

void layout_collect(const struct vmcore *vc, struct layout *lo)
{
	char release[48] = "?", id[64] = "?", when[48] = "unknown";
	uint64_t secs;

	memset(lo, 0, sizeof(*lo));
	collect_firmware_map(vc, lo);
	collect_crash_window(vc, lo);
	collect_iomem(vc, lo);
	collect_segments(vc, lo);
	collect_dump(vc, lo, 0);
	vmcoreinfo_value(vc, "OSRELEASE", release, sizeof(release));
	vmcoreinfo_value(vc, "BUILD-ID", id, sizeof(id));
	if (vmcoreinfo_number_opt(vc, "CRASHTIME", &secs)) {
		time_t t = (time_t)secs;
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	snprintf(lo->title, sizeof(lo->title), "kernel %s, build id %.16s..., crashed %s",
		 release, id, when);
}

void layout_free(struct layout *lo)
{
	free(lo->regions);
	memset(lo, 0, sizeof(*lo));
}

void layout_print(const struct layout *lo, FILE *out)
{
	for (unsigned lane = 0; lane < lo->nr_lanes; lane++) {
		fprintf(out, "%s:\n", lo->lane_title[lane]);
		for (unsigned i = 0; i < lo->nr; i++) {
			const struct region *r = &lo->regions[i];
			char size[32];

			if (r->lane == lane)
				fprintf(out, "  [0x%016llx, 0x%016llx) %-10s  %s\n",
					(unsigned long long)r->start, (unsigned long long)r->end,
					format_size(size, sizeof(size), r->end - r->start), r->name);
		}
	}
}
