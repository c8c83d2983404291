/*
 * kexec -l and kexec -p: turn a multiboot2 kernel that GRUB handed us as a
 * boot module into a kimage.  The segments are the kernel's PT_LOADs,
 * copies of the boot modules passed on, a new multiboot2 information
 * structure, and the purgatory, relocated and patched with a SHA-256
 * digest of every other segment.  One struct kexec_load holds a load in
 * the making and is passed to every step; a crash load (kexec -p) goes
 * into the window crash/ registered, which also adds kdump's segments
 * through that same context.  Everything is built aside and only replaces
 * the loaded image once it is complete.  Linux: kexec_file_load() in
 * kernel/kexec_file.c, with the multiboot2 loader of kexec-tools.
 */
#include <stdarg.h>
#include "kexec/kexec_load.h"
#include "boot/addr.h"
#include "boot/bootinfo.h"
#include "kernel/version.h"
#include "kexec/elf_image.h"
#include "kexec/mb2_build.h"
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_reloc.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/sha256.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/heap.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

#define LOW_LIMIT 0x100000ULL		/* the first 1 MiB stays the firmware's */
#define MB2_LIMIT 0x100000000ULL	/* multiboot2 addresses are 32-bit */
#define MBI_MAX (64 * 1024)

/*
 * Everything one load builds, handed to every step (and to crash/ for
 * kexec -p) explicitly, as Linux hands the kimage around; allocated for
 * the load and freed at its end, except the staged pages and what is
 * copied into the loaded image.
 */
struct kexec_load {
	struct kexec_loaded kl;
	struct elf_image img;
	paddr_t lo, hi;				/* every segment goes in [lo, hi) */
	const struct memmap *mbi_map;		/* the memory the new kernel may use */
	char cmdline[KEXEC_CMDLINE_MAX];	/* request's cmdline + additions */
	struct range placed[KEXEC_SEGMENT_MAX + 1];	/* + control area */
	unsigned nr_placed;
	void *owned[ELF_IMAGE_MAX_LOADS + 2];	/* kernel copies, MBI, purgatory */
	unsigned nr_owned;
	struct mb2_build_module mods[KEXEC_MAX_MODULES];
	char mod_cmdline[KEXEC_MAX_MODULES][BOOTINFO_MODULE_CMDLINE_MAX];
	struct purgatory_info pi;
	void *purgatory_buf;
	char loader_name[96];
	char why[192];
	struct memmap crash_map;		/* a crash load's: the window as RAM */
};

static struct kexec_loaded loaded[2];	/* KEXEC_TYPE_DEFAULT, KEXEC_TYPE_CRASH */

/* Every segment but the purgatory's own gets a digest in its table. */
_Static_assert(PURGATORY_REGIONS_MAX == KEXEC_SEGMENT_MAX, "purgatory_regions[] size");

/* kexec -p: the window and what kdump adds, registered by crash/. */
static struct {
	paddr_t start, end;
	kexec_crash_segments_fn add_segments;
} crash;

static paddr_t page_alloc(void *ctx) { return pmm_alloc(); }
static void page_free(void *ctx, paddr_t pa) { pmm_free(pa); }
static void *page_ptr(void *ctx, paddr_t pa) { return phys_to_virt(pa); }

static const struct kexec_page_ops kernel_page_ops = {
	.alloc_page = page_alloc, .free_page = page_free, .phys_to_ptr = page_ptr,
};

static int fail(int err, const char *fmt, ...) __printf(2, 3);
static int fail(int err, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("kexec: error: %s (%s)\n", msg, err_name(err));
	return err;
}

static void *own(struct kexec_load *ld, size_t size)
{
	void *p;

	ASSERT(ld->nr_owned < ARRAY_SIZE(ld->owned));
	p = kzalloc(size);

	if (p)
		ld->owned[ld->nr_owned++] = p;
	return p;
}

/* Record a segment: its range is avoided by every later placement. */
static int add_segment(struct kexec_load *ld, const void *buf, size_t bufsz, paddr_t mem,
		       size_t memsz, const char *what)
{
	struct kimage *image = &ld->kl.image;
	unsigned i = (unsigned)image->nr_segments;
	int err = kimage_add_segment(image, buf, bufsz, mem, ALIGN_UP(memsz, PAGE_SIZE));

	if (err)
		return fail(err, "too many segments at %s", what);
	strlcpy(ld->kl.what[i], what, KEXEC_WHAT_MAX);
	ld->placed[ld->nr_placed++] =
		(struct range){ mem, mem + ALIGN_UP(memsz, PAGE_SIZE), ld->kl.what[i] };
	return 0;
}

static int place(struct kexec_load *ld, size_t size, size_t align, paddr_t *pa, const char *what)
{
	char room[32];
	int err = memmap_find_hole(&firmware_memmap, ld->lo, ld->hi, ld->placed,
				   ld->nr_placed, ALIGN_UP(size, PAGE_SIZE),
				   MAX(align, (size_t)PAGE_SIZE), false, pa);

	if (err && ld->kl.image.type == KEXEC_TYPE_CRASH)
		return fail(err, "no room for the %s (%s) in what is left of the crash window "
			    "[0x%llx, 0x%llx)", what, format_size(room, sizeof(room), size),
			    (unsigned long long)ld->lo, (unsigned long long)ld->hi);
	return err ? fail(err, "no room below 4 GiB for the %s", what) : 0;
}

int kexec_add_blob(struct kexec_load *ld, const void *buf, size_t size, size_t align,
		   const char *what, paddr_t *pa)
{
	int err = place(ld, size, align, pa, what);

	return err ? err : add_segment(ld, buf, size, *pa, size, what);
}

void *kexec_scratch(struct kexec_load *ld, size_t size)
{
	return own(ld, size);
}

int kexec_reserve_area(struct kexec_load *ld, size_t size, paddr_t *pa, const char *what)
{
	int err = place(ld, size, PAGE_SIZE, pa, what);

	if (!err)
		ld->placed[ld->nr_placed++] = (struct range){ *pa, *pa + size, what };
	return err;
}

int kexec_cmdline_append(struct kexec_load *ld, const char *text)
{
	size_t len = strlen(ld->cmdline);

	if (len + 1 + strlen(text) >= sizeof(ld->cmdline))
		return fail(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	if (len)
		ld->cmdline[len++] = ' ';
	strlcpy(ld->cmdline + len, text, sizeof(ld->cmdline) - len);
	return 0;
}

const char *kexec_load_cmdline(const struct kexec_load *ld)
{
	return ld->cmdline;
}

static int add_kernel(struct kexec_load *ld, const struct kexec_request *req)
{
	const struct bootinfo_module *m = bootinfo_find_module(&boot_info, req->kernel);
	paddr_t base;
	int err;

	if (!m)
		return fail(-E_NOENT, "no boot module named '%s' (see 'modules')", req->kernel);
	err = elf_image_parse(phys_to_virt(m->start), m->end - m->start, &ld->img,
			      ld->why, sizeof(ld->why));
	if (err)
		return fail(err, "%s", ld->why);
	err = elf_image_choose_base(&ld->img, &firmware_memmap, ld->lo, ld->hi,
				    NULL, 0, &base);
	if (err && req->type == KEXEC_TYPE_CRASH)
		return fail(err, "'%s' needs %llu KiB at a 2 MiB boundary: the crash window "
			    "[0x%llx, 0x%llx) is too small", req->kernel,
			    (unsigned long long)(ld->img.link_end - ld->img.link_base) / 1024,
			    (unsigned long long)ld->lo, (unsigned long long)ld->hi);
	if (err)
		return fail(err, "no place in RAM for '%s'", req->kernel);
	err = elf_image_relocate(&ld->img, base, ld->why, sizeof(ld->why));
	if (err)
		return fail(err, "%s", ld->why);
	for (unsigned i = 0; i < ld->img.nr_segments; i++) {
		const struct elf_image_segment *s = &ld->img.segment[i];
		const void *buf = elf_image_segment_buf(&ld->img, i);

		if (!buf) {
			void *copy = own(ld, s->bufsz ? s->bufsz : 1);

			if (!copy)
				return fail(-E_NOMEM, "no memory to stage %s", req->kernel);
			elf_image_stage_segment(&ld->img, i, copy, s->bufsz);
			buf = copy;
		}
		err = add_segment(ld, buf, s->bufsz, s->mem, s->memsz, "kernel");
		if (err)
			return err;
	}
	ld->kl.entry32 = ld->img.entry_pa;
	return 0;
}

/* "NAME args": the boot module NAME, passed on with cmdline "NAME args". */
static int add_module(struct kexec_load *ld, unsigned i, const char *spec)
{
	char name[BOOTINFO_MODULE_CMDLINE_MAX];
	const struct bootinfo_module *m;
	paddr_t pa;
	size_t n = 0;
	int err;

	/* The spec becomes the module's cmdline: refuse what would not fit. */
	if (strlen(spec) >= BOOTINFO_MODULE_CMDLINE_MAX)
		return fail(-E_2BIG, "--module \"%.24s...\" is longer than %d bytes", spec,
			    BOOTINFO_MODULE_CMDLINE_MAX - 1);
	while (spec[n] && spec[n] != ' ')
		name[n] = spec[n], n++;
	name[n] = '\0';
	m = bootinfo_find_module(&boot_info, name);
	if (!m)
		return fail(-E_NOENT, "no boot module named '%s' (see 'modules')", name);
	err = place(ld, m->end - m->start, PAGE_SIZE, &pa, "module");
	if (err)
		return err;
	strlcpy(ld->mod_cmdline[i], spec, BOOTINFO_MODULE_CMDLINE_MAX);
	ld->mods[i] = (struct mb2_build_module){ pa, pa + (m->end - m->start),
						  ld->mod_cmdline[i] };
	ksnprintf(ld->why, sizeof(ld->why), "module '%s'", name);
	return add_segment(ld, phys_to_virt(m->start), m->end - m->start, pa,
			   m->end - m->start, ld->why);
}

static int add_mbi(struct kexec_load *ld, const struct kexec_request *req)
{
	struct mb2_build_info info = {
		.cmdline = ld->cmdline,
		.loader_name = ld->loader_name,
		.modules = ld->mods,
		.nr_modules = req->nr_modules,
		.memmap = ld->mbi_map,
		.has_load_base = true,
		.load_base_addr = (uint32_t)ld->img.load_base,
	};
	size_t size;
	void *buf;
	int err;

	if (boot_info.acpi_rsdp_version == 1)
		info.acpi_old = boot_info.acpi_rsdp, info.acpi_old_len = boot_info.acpi_rsdp_len;
	else if (boot_info.acpi_rsdp_version == 2)
		info.acpi_new = boot_info.acpi_rsdp, info.acpi_new_len = boot_info.acpi_rsdp_len;
	ksnprintf(ld->loader_name, sizeof(ld->loader_name), "%s %s kexec, generation %u",
		  KERNEL_NAME, KERNEL_RELEASE, kernel_generation() + 1);
	err = mb2_build(&info, NULL, 0, &size);
	if (!err && size > MBI_MAX)
		err = -E_2BIG;
	if (err)
		return fail(err, "cannot build the multiboot2 information");
	if (!(buf = own(ld, size)))
		return fail(-E_NOMEM, "no memory for the multiboot2 information");
	err = place(ld, size, 8, &ld->kl.mbi_pa, "multiboot2 information");
	if (err)
		return err;
	err = mb2_build(&info, buf, size, &size);
	if (err)
		return fail(err, "cannot build the multiboot2 information");
	return add_segment(ld, buf, size, ld->kl.mbi_pa, size, "multiboot2 info");
}

/* SHA-256 of what the segment will hold: buf, then zeros up to memsz. */
static void segment_digest(const struct kexec_segment *seg, uint8_t out[SHA256_DIGEST_SIZE])
{
	static const uint8_t zeros[256];
	struct sha256_state st;
	size_t left = seg->memsz - seg->bufsz;

	sha256_init(&st);
	sha256_update(&st, seg->buf, seg->bufsz);
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
	uint32_t entry32 = (uint32_t)ld->kl.entry32, mbi = (uint32_t)ld->kl.mbi_pa;
	uint16_t port = PURGATORY_SERIAL_DEFAULT;
	int err = purgatory_parse(&ld->pi, kexec_purgatory, kexec_purgatory_size);

	if (err)
		return fail(err, "the embedded purgatory is not a valid ELF object");
	if (!(ld->purgatory_buf = own(ld, ld->pi.memsz)))
		return fail(-E_NOMEM, "no memory for the purgatory");
	err = place(ld, ld->pi.memsz, ld->pi.align, &ld->kl.purgatory_pa, "purgatory");
	if (err)
		return err;
	err = purgatory_relocate(&ld->pi, ld->purgatory_buf, ld->kl.purgatory_pa);
	if (err)
		return fail(err, "cannot relocate the purgatory to 0x%llx",
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
					       "purgatory_serial_port", &port, sizeof(port));
	err = err ? err : purgatory_symbol_addr(&ld->pi, ld->kl.purgatory_pa,
						"purgatory_start", &image->start);
	if (err)
		return fail(err, "cannot patch the purgatory's symbols");
	ld->kl.purgatory_segment = nr;
	return add_segment(ld, ld->purgatory_buf, ld->pi.bufsz, ld->kl.purgatory_pa,
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

	err = add_kernel(ld, req);
	for (unsigned i = 0; !err && i < req->nr_modules; i++)
		err = add_module(ld, i, req->module[i]);
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = crash.add_segments(ld);	/* kdump's: crash/crash_load.c */
	err = err ? err : add_mbi(ld, req);
	err = err ? err : add_purgatory(ld);
	if (err)
		return err;
	err = sanity_check_segment_list(image, ld->why, sizeof(ld->why));
	if (err)
		return fail(err, "%s", ld->why);
	err = machine_kexec_prepare(ld, &ld->kl);	/* logs its own failure */
	if (err)
		return err;
	err = kimage_load_segments(image);
	if (err)
		return fail(err, "out of memory while staging the segments");
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

void kexec_crash_register(paddr_t start, paddr_t end, kexec_crash_segments_fn add_segments)
{
	crash.start = start;
	crash.end = end;
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
		return fail(-E_NOENT, "no crash kernel window: boot with crashkernel=SIZE");
	ld->lo = crash.start;
	ld->hi = crash.end;
	ld->kl.image.crash_start = crash.start;
	ld->kl.image.crash_end = crash.end;
	/* The capture kernel owns only the window (Linux: memmap=exactmap). */
	memmap_init(&ld->crash_map);
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];

		if (r->type != MEMMAP_RAM && memmap_add(&ld->crash_map, r->start, r->end, r->type))
			return fail(-E_NOSPC, "capture kernel memory map full");
	}
	if (memmap_add(&ld->crash_map, crash.start, crash.end, MEMMAP_RAM))
		return fail(-E_NOSPC, "capture kernel memory map full");
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
		  (unsigned long long)kl->entry32, (unsigned long long)image->start,
		  image->nr_source_pages, image->nr_swaps);
}

int kexec_file_load(const struct kexec_request *req)
{
	struct kexec_loaded *slot = &loaded[req->type == KEXEC_TYPE_CRASH];
	struct kexec_load *ld;
	int err;

	if (req->nr_modules > KEXEC_MAX_MODULES)
		return fail(-E_2BIG, "at most %d --module options", KEXEC_MAX_MODULES);
	if (strlen(req->cmdline) >= KEXEC_CMDLINE_MAX)
		return fail(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	ld = kzalloc(sizeof(*ld));
	if (!ld)
		return fail(-E_NOMEM, "no memory for the load (%zu bytes)", sizeof(*ld));
	strlcpy(ld->kl.kernel, req->kernel, sizeof(ld->kl.kernel));
	strlcpy(ld->cmdline, req->cmdline, sizeof(ld->cmdline));
	ld->kl.generation = kernel_generation() + 1;
	kimage_init(&ld->kl.image, req->type, &kernel_page_ops, &firmware_memmap,
		    memmap_total(&firmware_memmap, MEMMAP_RAM), KEXEC_DESTINATION_MEMORY_LIMIT);
	err = set_bounds(ld, req->type);
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
