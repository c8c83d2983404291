/*
 * The file the capture kernel saves, at a dump level: the vmcore_setup
 * layout with the excluded pages' runs taken out of its PT_LOADs and a
 * DUMPINFO note saying what went, by class.  Only which pages; where
 * they go (the disk) is vmcore.c's.  The dead kernel's frame bitmap is
 * believed only if it validates (crash/dead_frames.c); otherwise free
 * frames are kept and the log says why.  A foreign (Linux) dump has no
 * bitmap to believe: the free class then keeps everything.  Linux:
 * makedumpfile -d in the kdump service, writing ELF with -E.
 */
#include "boot/addr.h"
#include "boot/layout.h"
#include "crash/dead_frames.h"
#include "crash/dump_level.h"
#include "crash/vmcore_dump.h"
#include "crash/vmcore_filter.h"
#include "kernel/version.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/heap.h"

#define RUNS_MAX 8192		/* PT_LOADs a filtered file may get; halved if the heap is short */
#define RUNS_MIN 64
#define DUMPINFO_MAX 512	/* bytes of the DUMPINFO text */

/* What the last filtered layout was built in (freed by the next). */
static struct {
	struct vmcore_layout layout;
	struct vmcore_run *runs;
	void *hdr, *notes;
} dump;

static int read_old(void *ctx, paddr_t pa, void *buf, size_t len)
{
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

/* vmcore_setup mapped every PT_LOAD of old memory read-only: point at it. */
static const void *map_old(void *ctx, paddr_t pa, size_t len)
{
	return phys_to_virt(pa);
}

/* One read of the page, 64 bytes at a time, out at the first non-zero one:
 * the bytes the dump would save (src_pa), not the page at p_paddr. */
static bool page_is_zero(void *ctx, paddr_t src_pa)
{
	const uint64_t *q = phys_to_virt(src_pa);

	for (unsigned i = 0; i < PAGE_SIZE / 8; i += 8)
		if (q[i] | q[i + 1] | q[i + 2] | q[i + 3] | q[i + 4] | q[i + 5] | q[i + 6] | q[i + 7])
			return false;
	return true;
}

static void release(void)
{
	kfree(dump.runs);
	kfree(dump.hdr);
	kfree(dump.notes);
	memset(&dump, 0, sizeof(dump));
}

/* The dead allocator, or NULL with the reason logged: free frames stay. */
static const struct dead_frames *find_frames(const struct vmcore_layout *src,
					     struct dead_frames *df)
{
	static const struct dead_mem mem = { read_old, map_old, NULL };
	const char *text;
	size_t len;
	char why[160];
	int err = vmcore_get_vmcoreinfo(src, &text, &len);

	if (err)
		ksnprintf(why, sizeof(why), "the dump has no VMCOREINFO note");
	else
		err = dead_frames_find(df, text, len, &src->phdr[1], src->nr_loads, &mem, why,
				       sizeof(why));
	if (!err)
		return df;
	if (err == -E_NOENT)
		pr_warn("vmcore: free frames kept: %s\n", why);
	else
		pr_warn("vmcore: warning: the dead kernel's frame bitmap does not validate: %s "
			"(%s); free frames kept\n", why, err_name(err));
	return NULL;
}

/* Room for the runs: as many as the heap gives, down to RUNS_MIN. */
static unsigned alloc_runs(unsigned nloads)
{
	unsigned n = RUNS_MAX;

	while (n >= RUNS_MIN && n >= 2 * nloads && !(dump.runs = kmalloc(n * sizeof(*dump.runs))))
		n /= 2;
	return dump.runs ? n : 0;
}

/* src's notes, then a DUMPINFO note: what this file left out, by class. */
static int add_dumpinfo(const struct vmcore_layout *src, const struct vmcore_filter *f,
			const char *frames_why, uint64_t *size)
{
	char text[DUMPINFO_MAX];
	size_t pos = src->notes_size;
	int n;

	n = ksnprintf(text, sizeof(text),
		      "DUMP_LEVEL=%u\nPAGESIZE=%d\nEXCLUDED(zero)=%llu\nEXCLUDED(free)=%llu\n"
		      "KEPT=%llu\nMERGED=%llu\nFREE_FRAMES=%s\nSAVED_BY=kexec-kernel %s %s\n",
		      f->level, PAGE_SIZE, (unsigned long long)f->pages_zero,
		      (unsigned long long)f->pages_free, (unsigned long long)f->pages_kept,
		      (unsigned long long)f->pages_merged, frames_why, KERNEL_RELEASE,
		      kernel_build_id());
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E_NOSPC;
	*size = pos + ELFCORE_NOTE_SIZE(sizeof(DUMPINFO_NOTE_NAME) - 1, (size_t)n);
	dump.notes = kmalloc(*size);
	if (!dump.notes)
		return -E_NOMEM;
	memcpy(dump.notes, src->notes, src->notes_size);
	return elfcore_append_note(dump.notes, *size, &pos, DUMPINFO_NOTE_NAME, 0, text,
				   (size_t)n);
}

static void log_result(const struct vmcore_filter *f)
{
	char level[160], a[32], b[32], c[32];

	pr_notice("vmcore: dump level %u (%s): %llu free frames (%s) and %llu zero pages (%s) "
		  "left out; %s kept in %u PT_LOADs\n", f->level,
		  dump_level_describe(f->level, level, sizeof(level)),
		  (unsigned long long)f->pages_free,
		  format_size(a, sizeof(a), f->pages_free * PAGE_SIZE),
		  (unsigned long long)f->pages_zero,
		  format_size(b, sizeof(b), f->pages_zero * PAGE_SIZE),
		  format_size(c, sizeof(c), f->bytes_kept), f->nr_runs);
	if (f->pages_merged)
		pr_notice("vmcore: %llu pages that could go are kept: more runs than the %u "
			  "PT_LOADs there is room for\n", (unsigned long long)f->pages_merged,
			  f->max_runs);
}

const struct vmcore_layout *vmcore_dump_layout(const struct vmcore_layout *src, unsigned level)
{
	struct dead_frames df;
	struct vmcore_filter f = {
		.level = level, .keep_whole_from = KERNEL_VIRT_BASE, .page_is_zero = page_is_zero,
	};
	uint64_t notes_size = 0;
	size_t hdr_size;
	int err;

	release();
	if (level == 0)
		return src;		/* every page: the file vmcore_setup described */
	if (level & DUMP_EXCLUDE_FREE)
		f.frames = find_frames(src, &df);
	f.src = &src->src[1];
	f.max_runs = alloc_runs(src->nr_loads);
	f.runs = dump.runs;
	err = f.max_runs ? vmcore_filter_run(&f, &src->phdr[1], src->nr_loads) : -E_NOMEM;
	if (!err && f.pages_free + f.pages_zero == 0) {
		/* Nothing to leave out: the whole file, byte for byte (for a
		 * foreign dump, Linux's own /proc/vmcore). */
		pr_notice("vmcore: dump level %u leaves nothing out: saving every page\n", level);
		release();
		return src;
	}
	err = err ? err : add_dumpinfo(src, &f, !(level & DUMP_EXCLUDE_FREE) ? "not-asked"
						: f.frames ? "checked" : "kept", &notes_size);
	hdr_size = VMCORE_FILTERED_HDR_SIZE(f.nr_runs);
	if (!err && !(dump.hdr = kmalloc(hdr_size)))
		err = -E_NOMEM;
	err = err ? err : vmcore_layout_filter(&dump.layout, src, dump.runs, f.nr_runs,
					       dump.notes, notes_size, dump.hdr, hdr_size);
	if (err) {
		pr_err("vmcore: error: cannot filter at dump level %u (%s); saving every page\n",
		       level, err_name(err));
		release();
		return src;
	}
	log_result(&f);
	return &dump.layout;
}

int vmcore_dump_level(unsigned *level)
{
	const char *arg = cmdline_get(&kernel_cmdline, "vmcore_dump_level");
	char why[80];

	*level = DUMP_LEVEL_DEFAULT;
	if (!arg)
		return 0;
	return dump_level_parse(arg, level, why, sizeof(why));
}

/* A bad value is reported at boot (kernel/cmdline.c) and refused by
 * kexec -p for the capture kernel's command line, not found after a crash. */
static int check_dump_level(const struct cmdline_param *p)
{
	unsigned level;

	return p->has_value ? dump_level_parse(p->value, &level, NULL, 0) : -E_INVAL;
}
CMDLINE_CAPTURE_KEY(vmcore_dump_level, "vmcore_dump_level=0..31",
		    "capture kernel: what vmcore_autosave leaves out (bits: 1 zero pages, 16 free "
		    "frames; default 16)", check_dump_level);
