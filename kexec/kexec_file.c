/*
 * kexec -l and kexec -p: turn a kernel that GRUB handed us as a boot
 * module into a kimage.  The image's format picks its loader (probe, as
 * Linux's kexec_file_ops: a multiboot2 ELF kernel, load_mb2.c, or a Linux
 * bzImage, load_bzimage.c), which adds the kernel and what travels with
 * it; then kdump's segments for a crash load, the boot information (an
 * MBI or boot_params), and the purgatory, relocated and patched with a
 * SHA-256 digest of every other segment.  One struct kexec_load holds a
 * load in the making and is passed to every step; a crash load (kexec -p)
 * goes into the window crash/ registered, which also adds kdump's
 * segments through that same context.  Everything is built aside and only
 * replaces the loaded image once it is complete.  Linux: kexec_file_load()
 * in kernel/kexec_file.c.
 */
#include <stdarg.h>
#include "kexec/kexec_file.h"
#include "boot/addr.h"
#include "kernel/version.h"
#include "kexec/purgatory/purgatory.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/sha256.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/watchdog.h"
#include "lib/x86.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define LOW_LIMIT 0x100000ULL		/* the first 1 MiB stays the firmware's */
#define MB2_LIMIT 0x100000000ULL	/* multiboot2 addresses are 32-bit */

/* The image formats, probed in order (kexec-tools tries its loaders so). */
static const struct kexec_image_ops *const image_loaders[] = {
	&kexec_bzimage_ops, &kexec_mb2_ops,
};

static struct kexec_loaded loaded[2];	/* KEXEC_TYPE_DEFAULT, KEXEC_TYPE_CRASH */

/* Every segment but the purgatory's own gets a digest in its table. */
_Static_assert(PURGATORY_REGIONS_MAX == KEXEC_SEGMENT_MAX, "purgatory_regions[] size");

/* kexec -p: the window and what kdump adds, registered by crash/. */
static struct {
	paddr_t start, end;
	kexec_crash_check_fn check;
	kexec_crash_segments_fn add_segments;
} crash;

#define KEXEC_PROGRESS_MIN_PAGES (16 * MiB / PAGE_SIZE)	/* smaller loads stay quiet */

static paddr_t page_alloc(void *ctx) { return pmm_alloc(); }
static void page_free(void *ctx, paddr_t pa) { pmm_free(pa); }
static void *page_ptr(void *ctx, paddr_t pa) { return phys_to_virt(pa); }

/* Staging is linear in pages, and a 256 MiB module still takes seconds
 * under TCG: say how far it got, and tell the watchdog it is not stuck. */
static void page_progress(void *ctx, size_t done, size_t total)
{
	touch_softlockup_watchdog();
	if (total < KEXEC_PROGRESS_MIN_PAGES)
		return;
	console_printf("\rkexec: staging %3zu%% (%zu of %zu MiB)%s", done * 100 / total,
		       (size_t)(done * PAGE_SIZE / MiB), (size_t)(total * PAGE_SIZE / MiB),
		       done == total ? "\n" : "");
}

static const struct kexec_page_ops kernel_page_ops = {
	.alloc_page = page_alloc, .free_page = page_free, .phys_to_ptr = page_ptr,
	.progress = page_progress,
};

int kexec_error(int err, const char *fmt, ...)
{
	char msg[600];		/* the window check names six sizes */
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("kexec: error: %s (%s)\n", msg, err_name(err));
	return err;
}

void *kexec_own(struct kexec_load *ld, size_t size)
{
	void *p;

	ASSERT(ld->nr_owned < ARRAY_SIZE(ld->owned));
	p = kzalloc(size);

	if (p)
		ld->owned[ld->nr_owned++] = p;
	return p;
}

/* Record a segment: its range is avoided by every later placement. */
int kexec_add_segment(struct kexec_load *ld, const void *buf, size_t bufsz, paddr_t mem,
		      size_t memsz, const char *what)
{
	struct kimage *image = &ld->kl.image;
	unsigned i = (unsigned)image->nr_segments;
	int err = kimage_add_segment(image, buf, bufsz, mem, ALIGN_UP(memsz, PAGE_SIZE));

	if (err)
		return kexec_error(err, "too many segments at %s", what);
	strlcpy(ld->kl.what[i], what, KEXEC_WHAT_MAX);
	ld->placed[ld->nr_placed++] =
		(struct range){ mem, mem + ALIGN_UP(memsz, PAGE_SIZE), ld->kl.what[i] };
	return 0;
}

int kexec_place(struct kexec_load *ld, size_t size, size_t align, paddr_t *pa, const char *what)
{
	char room[32];
	int err = memmap_find_hole(&firmware_memmap, ld->lo, ld->hi, ld->placed,
				   ld->nr_placed, ALIGN_UP(size, PAGE_SIZE),
				   MAX(align, (size_t)PAGE_SIZE), ld->top_down, pa);

	if (err && ld->kl.image.type == KEXEC_TYPE_CRASH)
		return kexec_error(err, "no room for the %s (%s) in what is left of the crash window "
			    "[0x%llx, 0x%llx)", what, format_size(room, sizeof(room), size),
			    (unsigned long long)ld->lo, (unsigned long long)ld->hi);
	return err ? kexec_error(err, "no room below 4 GiB for the %s", what) : 0;
}

int kexec_add_blob(struct kexec_load *ld, const void *buf, size_t size, size_t align,
		   const char *what, paddr_t *pa)
{
	int err = kexec_place(ld, size, align, pa, what);

	return err ? err : kexec_add_segment(ld, buf, size, *pa, size, what);
}

void *kexec_scratch(struct kexec_load *ld, size_t size)
{
	return kexec_own(ld, size);
}

int kexec_reserve_area(struct kexec_load *ld, size_t size, paddr_t *pa, const char *what)
{
	int err = kexec_place(ld, size, PAGE_SIZE, pa, what);

	if (!err)
		ld->placed[ld->nr_placed++] = (struct range){ *pa, *pa + size, what };
	return err;
}

int kexec_cmdline_append(struct kexec_load *ld, const char *text)
{
	size_t len = strlen(ld->cmdline);

	if (len + 1 + strlen(text) >= sizeof(ld->cmdline))
		return kexec_error(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	if (len)
		ld->cmdline[len++] = ' ';
	strlcpy(ld->cmdline + len, text, sizeof(ld->cmdline) - len);
	return 0;
}

const char *kexec_load_cmdline(const struct kexec_load *ld)
{
	return ld->cmdline;
}

const struct bootinfo_module *kexec_find_module(const char *name)
{
	const struct bootinfo_module *m = bootinfo_find_module(&boot_info, name);

	if (!m)
		kexec_error(-E_NOENT, "no boot module named '%s' (see 'modules')", name);
	return m;
}

/* The kernel's format decides its loader; no format, no load. */
static int add_kernel(struct kexec_load *ld, const struct kexec_request *req)
{
	const struct bootinfo_module *m = kexec_find_module(req->kernel);
	const void *file;
	size_t size;

	if (!m)
		return -E_NOENT;
	file = phys_to_virt(m->start);
	size = m->end - m->start;
	for (unsigned i = 0; i < ARRAY_SIZE(image_loaders); i++) {
		if (image_loaders[i]->probe(file, size)) {
			ld->ops = image_loaders[i];
			return ld->ops->load_kernel(ld, req, m);
		}
	}
	return kexec_error(-E_NOEXEC, "'%s' is neither a bzImage (no \"HdrS\" at 0x202) nor an "
			  "ELF file (no \\177ELF magic)", req->kernel);
}

/* SHA-256 of what the segment will hold: buf, then zeros up to memsz.
 * A MiB at a time: a 64 MiB module takes seconds under TCG, and each MiB
 * is progress for the watchdog. */
static void segment_digest(const struct kexec_segment *seg, uint8_t out[SHA256_DIGEST_SIZE])
{
	static const uint8_t zeros[256];
	struct sha256_state st;
	size_t left = seg->memsz - seg->bufsz;

	sha256_init(&st);
	for (size_t done = 0; done < seg->bufsz; done += MIN(seg->bufsz - done, (size_t)MiB)) {
		sha256_update(&st, (const uint8_t *)seg->buf + done, MIN(seg->bufsz - done, (size_t)MiB));
		touch_softlockup_watchdog();
	}
	for (; left; left -= MIN(left, sizeof(zeros)))
		sha256_update(&st, zeros, MIN(left, sizeof(zeros)));
	sha256_final(&st, out);
}

/*
 * The purgatory goes last: its digest table covers every segment before
 * it (Linux: kexec_calculate_store_digests), and it is patched before it
 * becomes a segment itself.
 */
static int add_purgatory(struct kexec_load *ld)
{
	static struct purgatory_region regions[KEXEC_SEGMENT_MAX];
	struct kimage *image = &ld->kl.image;
	uint32_t nr = (uint32_t)image->nr_segments;
	bool linux_boot = ld->kl.linux_boot;
	/* Multiboot2: 32-bit entry, EBX = MBI; Linux: 64-bit entry, RSI = boot_params. */
	uint32_t entry32 = linux_boot ? 0 : (uint32_t)ld->kl.entry_pa;
	uint32_t mbi = linux_boot ? 0 : (uint32_t)ld->kl.info_pa;
	uint64_t entry64 = linux_boot ? ld->kl.entry_pa : 0;
	uint64_t boot_params = linux_boot ? ld->kl.info_pa : 0;
	uint16_t port = PURGATORY_SERIAL_DEFAULT;
	int err = purgatory_parse(&ld->pi, kexec_purgatory, kexec_purgatory_size);

	if (err)
		return kexec_error(err, "the embedded purgatory is not a valid ELF object");
	if (!(ld->purgatory_buf = kexec_own(ld, ld->pi.memsz)))
		return kexec_error(-E_NOMEM, "no memory for the purgatory");
	err = kexec_place(ld, ld->pi.memsz, ld->pi.align, &ld->kl.purgatory_pa, "purgatory");
	if (err)
		return err;
	err = purgatory_relocate(&ld->pi, ld->purgatory_buf, ld->kl.purgatory_pa);
	if (err)
		return kexec_error(err, "cannot relocate the purgatory to 0x%llx",
			    (unsigned long long)ld->kl.purgatory_pa);
	memset(regions, 0, sizeof(regions));
	for (uint32_t i = 0; i < nr; i++) {
		regions[i].start = image->segment[i].mem;
		regions[i].len = image->segment[i].memsz;
		segment_digest(&image->segment[i], regions[i].sha256);
	}
	err = purgatory_set_symbol(&ld->pi, ld->purgatory_buf, "purgatory_regions",
				   regions, sizeof(regions));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf,
					       "purgatory_nr_regions", &nr, sizeof(nr));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf,
					       "purgatory_entry32", &entry32, sizeof(entry32));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf,
					       "purgatory_mbi", &mbi, sizeof(mbi));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf,
					       "purgatory_entry64", &entry64, sizeof(entry64));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf, "purgatory_boot_params",
					       &boot_params, sizeof(boot_params));
	err = err ? err : purgatory_set_symbol(&ld->pi, ld->purgatory_buf,
					       "purgatory_serial_port", &port, sizeof(port));
	err = err ? err : purgatory_symbol_addr(&ld->pi, ld->kl.purgatory_pa,
						"purgatory_start", &image->start);
	if (err)
		return kexec_error(err, "cannot patch the purgatory's symbols");
	ld->kl.purgatory_segment = nr;
	return kexec_add_segment(ld, ld->purgatory_buf, ld->pi.bufsz, ld->kl.purgatory_pa,
			   ld->pi.memsz, "purgatory");
}

static void free_scratch(struct kexec_load *ld)
{
	while (ld->nr_owned)
		kfree(ld->owned[--ld->nr_owned]);
}

/* Every step of a load, in order; the first failure stops it. */
static int build_image(struct kexec_load *ld, const struct kexec_request *req)
{
	struct kimage *image = &ld->kl.image;
	int err;

	err = add_kernel(ld, req);		/* and its modules or initrd */
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = crash.add_segments(ld);	/* kdump's: crash/crash_load.c */
	err = err ? err : ld->ops->load_info(ld, req);	/* the MBI or boot_params */
	err = err ? err : add_purgatory(ld);
	if (err)
		return err;
	err = sanity_check_segment_list(image, ld->why, sizeof(ld->why));
	if (err)
		return kexec_error(err, "%s", ld->why);
	err = machine_kexec_prepare(ld, &ld->kl);	/* logs its own failure */
	if (err)
		return err;
	err = kimage_load_segments(image);
	if (err)
		return kexec_error(err, "out of memory while staging the segments");
	kimage_terminate(image);
	return 0;
}

int kexec_give_ram(struct kexec_load *ld, paddr_t pa, size_t size)
{
	if (ld->mbi_map != &ld->crash_map)
		return -E_INVAL;
	return memmap_add(&ld->crash_map, pa, pa + ALIGN_UP(size, PAGE_SIZE), MEMMAP_RAM);
}

int kexec_mark_reserved(struct kexec_load *ld, paddr_t pa, size_t size)
{
	if (ld->mbi_map != &ld->crash_map)
		return -E_INVAL;
	return memmap_set_type(&ld->crash_map, pa, pa + ALIGN_UP(size, PAGE_SIZE),
			       MEMMAP_RESERVED);
}

uint64_t kexec_load_pages_bytes(const struct kexec_load *ld)
{
	uint64_t bytes = 0;

	for (unsigned i = 0; i < ld->kl.image.nr_segments; i++)
		bytes += ALIGN_UP(ld->kl.image.segment[i].memsz, PAGE_SIZE);
	return bytes;
}

bool kexec_load_takes_low_memory(const struct kexec_load *ld)
{
	return ld->low_memory;
}

bool kexec_load_is_bzimage(const struct kexec_load *ld)
{
	return ld->kl.linux_boot;
}

void kexec_crash_register(paddr_t start, paddr_t end, kexec_crash_check_fn check,
			  kexec_crash_segments_fn add_segments)
{
	crash.start = start;
	crash.end = end;
	crash.check = check;
	crash.add_segments = add_segments;
}

/* Where segments may go and what memory the new kernel is told about. */
static int set_bounds(struct kexec_load *ld, unsigned type)
{
	ld->lo = LOW_LIMIT;
	ld->hi = MB2_LIMIT;
	ld->mbi_map = &firmware_memmap;
	if (type != KEXEC_TYPE_CRASH)
		return 0;
	if (!crash.add_segments || crash.end <= crash.start)
		return kexec_error(-E_NOENT, "no crash kernel window: boot with crashkernel=SIZE");
	ld->lo = crash.start;
	ld->hi = crash.end;
	ld->kl.image.crash_start = crash.start;
	ld->kl.image.crash_end = crash.end;
	/* The capture kernel owns only the window (Linux: memmap=exactmap). */
	memmap_init(&ld->crash_map);
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];

		if (r->type != MEMMAP_RAM && memmap_add(&ld->crash_map, r->start, r->end, r->type))
			return kexec_error(-E_NOSPC, "capture kernel memory map full");
	}
	if (memmap_add(&ld->crash_map, crash.start, crash.end, MEMMAP_RAM))
		return kexec_error(-E_NOSPC, "capture kernel memory map full");
	ld->mbi_map = &ld->crash_map;
	return 0;
}

static void log_loaded(const struct kexec_loaded *kl)
{
	const struct kimage *image = &kl->image;
	char size[32];

	for (unsigned i = 0; i < image->nr_segments; i++) {
		const struct kexec_segment *s = &image->segment[i];

		pr_info("kexec: segment %u [0x%016llx, 0x%016llx) %s %s\n", i,
			(unsigned long long)s->mem, (unsigned long long)(s->mem + s->memsz),
			format_size(size, sizeof(size), s->memsz), kl->what[i]);
	}
	pr_notice("kexec: loaded '%s': %lu segments, entry 0x%llx through purgatory 0x%llx, "
		  "%zu pages staged, %zu swaps\n", kl->kernel, image->nr_segments,
		  (unsigned long long)kl->entry_pa, (unsigned long long)image->start,
		  image->nr_source_pages, image->nr_swaps);
}

int kexec_file_load(const struct kexec_request *req)
{
	struct kexec_loaded *slot = &loaded[req->type == KEXEC_TYPE_CRASH];
	struct kexec_load *ld;
	int err;

	if (req->nr_modules > KEXEC_MAX_MODULES)
		return kexec_error(-E_2BIG, "at most %d --module options", KEXEC_MAX_MODULES);
	if (strlen(req->cmdline) >= KEXEC_CMDLINE_MAX)
		return kexec_error(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	ld = kzalloc(sizeof(*ld));
	if (!ld)
		return kexec_error(-E_NOMEM, "no memory for the load (%zu bytes)", sizeof(*ld));
	strlcpy(ld->kl.kernel, req->kernel, sizeof(ld->kl.kernel));
	strlcpy(ld->cmdline, req->cmdline, sizeof(ld->cmdline));
	ld->kl.generation = kernel_generation() + 1;
	kimage_init(&ld->kl.image, req->type, &kernel_page_ops, &firmware_memmap,
		    memmap_total(&firmware_memmap, MEMMAP_RAM), KEXEC_DESTINATION_MEMORY_LIMIT);
	err = set_bounds(ld, req->type);
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = crash.check(ld->cmdline);	/* kdump's keys, before anything changes */
	/* A crash image is written into the window now: the old one goes first. */
	if (!err && req->type == KEXEC_TYPE_CRASH && slot->loaded)
		kexec_unload(KEXEC_TYPE_CRASH);
	err = err ? err : build_image(ld, req);
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = machine_kexec_arm_crash(&ld->kl);
	free_scratch(ld);	/* on success every byte now lives in staged pages */
	if (err) {
		kimage_free(&ld->kl.image);	/* a default image stays untouched */
		kfree(ld);
		return err;
	}
	strlcpy(ld->kl.cmdline, ld->cmdline, sizeof(ld->kl.cmdline));
	if (slot->loaded)
		kimage_free(&slot->image);
	*slot = ld->kl;		/* the list is terminated: the kimage may move */
	slot->loaded = true;
	kfree(ld);
	log_loaded(slot);
	return 0;
}

int kexec_unload(unsigned type)
{
	struct kexec_loaded *slot = &loaded[type == KEXEC_TYPE_CRASH];

	if (!slot->loaded)
		return -E_NOENT;
	if (type == KEXEC_TYPE_CRASH)
		machine_kexec_disarm_crash(slot);
	kimage_free(&slot->image);
	slot->loaded = false;
	pr_info("kexec: %s image unloaded\n", type == KEXEC_TYPE_CRASH ? "crash" : "kexec");
	return 0;
}

const struct kexec_loaded *kexec_loaded_image(unsigned type)
{
	const struct kexec_loaded *slot = &loaded[type == KEXEC_TYPE_CRASH];

	return slot->loaded ? slot : NULL;
}

/* Find the staged page that will land at dest by walking the IND list. */
struct find_source {
	paddr_t dest;
	paddr_t source;
};

static int match_source(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx)
{
	struct find_source *f = ctx;

	if ((entry & IND_SOURCE) && dest == f->dest) {
		f->source = KIMAGE_ENTRY_ADDR(entry);
		return 1;
	}
	return 0;
}

int kexec_corrupt_byte(unsigned seg, uint64_t offset)
{
	struct find_source f = { 0, 0 };
	uint8_t *p;

	struct kexec_loaded *cur = &loaded[KEXEC_TYPE_DEFAULT];

	if (!cur->loaded)
		return -E_NOENT;
	if (seg >= cur->image.nr_segments || offset >= cur->image.segment[seg].memsz)
		return -E_RANGE;
	f.dest = ALIGN_DOWN(cur->image.segment[seg].mem + offset, PAGE_SIZE);
	kimage_walk(&cur->image, match_source, &f);
	if (!f.source)
		return -E_NOENT;
	p = (uint8_t *)phys_to_virt(f.source) + offset % PAGE_SIZE;
	*p ^= 0xff;
	pr_warn("kexec: corrupted byte %llu of segment %u (%s): staged at 0x%llx, now 0x%02x\n",
		(unsigned long long)offset, seg, cur->what[seg],
		(unsigned long long)(f.source + offset % PAGE_SIZE), *p);
	return 0;
}
