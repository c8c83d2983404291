/*
 * kexec -l: turn a multiboot2 kernel that GRUB handed us as a boot module
 * into a kimage.  The segments are the kernel's PT_LOADs, copies of the
 * boot modules passed on, a new multiboot2 information structure, and the
 * purgatory, relocated and patched with a SHA-256 digest of every other
 * segment.  Everything is built in scratch storage and only replaces the
 * loaded image once it is complete.  Linux: kexec_file_load() in
 * kernel/kexec_file.c, with the multiboot2 loader of kexec-tools.
 */
#include <stdarg.h>
#include "kexec/kexec_load.h"
#include "boot/bootinfo.h"
#include "crash/crash.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "kernel/version.h"
#include "lib/vsprintf.h"
#include "kexec/elf_image.h"
#include "kexec/mb2_build.h"
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_reloc.h"
#include "lib/sha256.h"
#include "lib/x86.h"
#include "mm/addr.h"
#include "mm/heap.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

#define LOW_LIMIT 0x100000ULL		/* the first 1 MiB stays the firmware's */
#define MB2_LIMIT 0x100000000ULL	/* multiboot2 addresses are 32-bit */
#define MBI_MAX (64 * 1024)

/* Everything one load builds; freed (except the staged pages) at the end. */
struct load_plan {
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
};

static struct load_plan plan;
static struct kexec_loaded loaded[2];	/* KEXEC_TYPE_DEFAULT, KEXEC_TYPE_CRASH */

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

static void *own(size_t size)
{
	void *p;

	ASSERT(plan.nr_owned < ARRAY_SIZE(plan.owned));
	p = kzalloc(size);

	if (p)
		plan.owned[plan.nr_owned++] = p;
	return p;
}

/* Record a segment: its range is avoided by every later placement. */
static int add_segment(const void *buf, size_t bufsz, paddr_t mem, size_t memsz,
		       const char *what)
{
	struct kimage *image = &plan.kl.image;
	unsigned i = (unsigned)image->nr_segments;
	int err = kimage_add_segment(image, buf, bufsz, mem, ALIGN_UP(memsz, PAGE_SIZE));

	if (err)
		return fail(err, "too many segments at %s", what);
	strlcpy(plan.kl.what[i], what, KEXEC_WHAT_MAX);
	plan.placed[plan.nr_placed++] =
		(struct range){ mem, mem + ALIGN_UP(memsz, PAGE_SIZE), plan.kl.what[i] };
	return 0;
}

static int place(size_t size, size_t align, paddr_t *pa, const char *what)
{
	char room[32];
	int err = memmap_find_hole(&firmware_memmap, plan.lo, plan.hi, plan.placed,
				   plan.nr_placed, ALIGN_UP(size, PAGE_SIZE),
				   MAX(align, (size_t)PAGE_SIZE), false, pa);

	if (err && plan.kl.image.type == KEXEC_TYPE_CRASH)
		return fail(err, "no room for the %s (%s) in what is left of the crash window "
			    "[0x%llx, 0x%llx)", what, format_size(room, sizeof(room), size),
			    (unsigned long long)plan.lo, (unsigned long long)plan.hi);
	return err ? fail(err, "no room below 4 GiB for the %s", what) : 0;
}

int kexec_add_blob(const void *buf, size_t size, size_t align, const char *what, paddr_t *pa)
{
	int err = place(size, align, pa, what);

	return err ? err : add_segment(buf, size, *pa, size, what);
}

void *kexec_scratch(size_t size)
{
	return own(size);
}

int kexec_reserve_area(size_t size, paddr_t *pa, const char *what)
{
	int err = place(size, PAGE_SIZE, pa, what);

	if (!err)
		plan.placed[plan.nr_placed++] = (struct range){ *pa, *pa + size, what };
	return err;
}

int kexec_cmdline_append(const char *text)
{
	size_t len = strlen(plan.cmdline);

	if (len + 1 + strlen(text) >= sizeof(plan.cmdline))
		return fail(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	if (len)
		plan.cmdline[len++] = ' ';
	strlcpy(plan.cmdline + len, text, sizeof(plan.cmdline) - len);
	return 0;
}

static int add_kernel(const struct kexec_request *req)
{
	const struct bootinfo_module *m = bootinfo_find_module(&boot_info, req->kernel);
	paddr_t base;
	int err;

	if (!m)
		return fail(-E_NOENT, "no boot module named '%s' (see 'modules')", req->kernel);
	err = elf_image_parse(phys_to_virt(m->start), m->end - m->start, &plan.img,
			      plan.why, sizeof(plan.why));
	if (err)
		return fail(err, "%s", plan.why);
	err = elf_image_choose_base(&plan.img, &firmware_memmap, plan.lo, plan.hi,
				    NULL, 0, &base);
	if (err && req->type == KEXEC_TYPE_CRASH)
		return fail(err, "'%s' needs %llu KiB at a 2 MiB boundary: the crash window "
			    "[0x%llx, 0x%llx) is too small", req->kernel,
			    (unsigned long long)(plan.img.link_end - plan.img.link_base) / 1024,
			    (unsigned long long)plan.lo, (unsigned long long)plan.hi);
	if (err)
		return fail(err, "no place in RAM for '%s'", req->kernel);
	err = elf_image_relocate(&plan.img, base, plan.why, sizeof(plan.why));
	if (err)
		return fail(err, "%s", plan.why);
	for (unsigned i = 0; i < plan.img.nr_segments; i++) {
		const struct elf_image_segment *s = &plan.img.segment[i];
		const void *buf = elf_image_segment_buf(&plan.img, i);

		if (!buf) {
			void *copy = own(s->bufsz ? s->bufsz : 1);

			if (!copy)
				return fail(-E_NOMEM, "no memory to stage %s", req->kernel);
			elf_image_stage_segment(&plan.img, i, copy, s->bufsz);
			buf = copy;
		}
		err = add_segment(buf, s->bufsz, s->mem, s->memsz, "kernel");
		if (err)
			return err;
	}
	plan.kl.entry32 = plan.img.entry_pa;
	return 0;
}

/* "NAME args": the boot module NAME, passed on with cmdline "NAME args". */
static int add_module(unsigned i, const char *spec)
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
	err = place(m->end - m->start, PAGE_SIZE, &pa, "module");
	if (err)
		return err;
	strlcpy(plan.mod_cmdline[i], spec, BOOTINFO_MODULE_CMDLINE_MAX);
	plan.mods[i] = (struct mb2_build_module){ pa, pa + (m->end - m->start),
						  plan.mod_cmdline[i] };
	ksnprintf(plan.why, sizeof(plan.why), "module '%s'", name);
	return add_segment(phys_to_virt(m->start), m->end - m->start, pa,
			   m->end - m->start, plan.why);
}

static int add_mbi(const struct kexec_request *req)
{
	struct mb2_build_info info = {
		.cmdline = plan.cmdline,
		.loader_name = plan.loader_name,
		.modules = plan.mods,
		.nr_modules = req->nr_modules,
		.memmap = plan.mbi_map,
		.has_load_base = true,
		.load_base_addr = (uint32_t)plan.img.load_base,
	};
	size_t size;
	void *buf;
	int err;

	if (boot_info.acpi_rsdp_version == 1)
		info.acpi_old = boot_info.acpi_rsdp, info.acpi_old_len = boot_info.acpi_rsdp_len;
	else if (boot_info.acpi_rsdp_version == 2)
		info.acpi_new = boot_info.acpi_rsdp, info.acpi_new_len = boot_info.acpi_rsdp_len;
	ksnprintf(plan.loader_name, sizeof(plan.loader_name), "%s %s kexec, generation %u",
		  KERNEL_NAME, KERNEL_RELEASE, kernel_generation() + 1);
	err = mb2_build(&info, NULL, 0, &size);
	if (!err && size > MBI_MAX)
		err = -E_2BIG;
	if (err)
		return fail(err, "cannot build the multiboot2 information");
	if (!(buf = own(size)))
		return fail(-E_NOMEM, "no memory for the multiboot2 information");
	err = place(size, 8, &plan.kl.mbi_pa, "multiboot2 information");
	if (err)
		return err;
	err = mb2_build(&info, buf, size, &size);
	if (err)
		return fail(err, "cannot build the multiboot2 information");
	return add_segment(buf, size, plan.kl.mbi_pa, size, "multiboot2 info");
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
static int add_purgatory(void)
{
	static struct purgatory_region regions[KEXEC_SEGMENT_MAX];
	struct kimage *image = &plan.kl.image;
	uint32_t nr = (uint32_t)image->nr_segments;
	uint32_t entry32 = (uint32_t)plan.kl.entry32, mbi = (uint32_t)plan.kl.mbi_pa;
	uint16_t port = PURGATORY_SERIAL_DEFAULT;
	int err = purgatory_parse(&plan.pi, kexec_purgatory, kexec_purgatory_size);

	if (err)
		return fail(err, "the embedded purgatory is not a valid ELF object");
	if (!(plan.purgatory_buf = own(plan.pi.memsz)))
		return fail(-E_NOMEM, "no memory for the purgatory");
	err = place(plan.pi.memsz, plan.pi.align, &plan.kl.purgatory_pa, "purgatory");
	if (err)
		return err;
	err = purgatory_relocate(&plan.pi, plan.purgatory_buf, plan.kl.purgatory_pa);
	if (err)
		return fail(err, "cannot relocate the purgatory to 0x%llx",
			    (unsigned long long)plan.kl.purgatory_pa);
	memset(regions, 0, sizeof(regions));
	for (uint32_t i = 0; i < nr; i++) {
		regions[i].start = image->segment[i].mem;
		regions[i].len = image->segment[i].memsz;
		segment_digest(&image->segment[i], regions[i].sha256);
	}
	err = purgatory_set_symbol(&plan.pi, plan.purgatory_buf, "purgatory_regions",
				   regions, sizeof(regions));
	err = err ? err : purgatory_set_symbol(&plan.pi, plan.purgatory_buf,
					       "purgatory_nr_regions", &nr, sizeof(nr));
	err = err ? err : purgatory_set_symbol(&plan.pi, plan.purgatory_buf,
					       "purgatory_entry32", &entry32, sizeof(entry32));
	err = err ? err : purgatory_set_symbol(&plan.pi, plan.purgatory_buf,
					       "purgatory_mbi", &mbi, sizeof(mbi));
	err = err ? err : purgatory_set_symbol(&plan.pi, plan.purgatory_buf,
					       "purgatory_serial_port", &port, sizeof(port));
	err = err ? err : purgatory_symbol_addr(&plan.pi, plan.kl.purgatory_pa,
						"purgatory_start", &image->start);
	if (err)
		return fail(err, "cannot patch the purgatory's symbols");
	plan.kl.purgatory_segment = nr;
	return add_segment(plan.purgatory_buf, plan.pi.bufsz, plan.kl.purgatory_pa,
			   plan.pi.memsz, "purgatory");
}

static void free_scratch(void)
{
	while (plan.nr_owned)
		kfree(plan.owned[--plan.nr_owned]);
}

/* Every step of a load, in order; the first failure stops it. */
static int build_image(const struct kexec_request *req)
{
	struct kimage *image = &plan.kl.image;
	int err;

	err = add_kernel(req);
	for (unsigned i = 0; !err && i < req->nr_modules; i++)
		err = add_module(i, req->module[i]);
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = crash_prepare_segments();	/* crash/elfcorehdr.c */
	err = err ? err : add_mbi(req);
	err = err ? err : add_purgatory();
	if (err)
		return err;
	err = sanity_check_segment_list(image, plan.why, sizeof(plan.why));
	if (err)
		return fail(err, "%s", plan.why);
	err = machine_kexec_prepare(&plan.kl);	/* logs its own failure */
	if (err)
		return err;
	err = kimage_load_segments(image);
	if (err)
		return fail(err, "out of memory while staging the segments");
	kimage_terminate(image);
	return 0;
}

static struct memmap crash_map;

int kexec_mark_reserved(paddr_t pa, size_t size)
{
	if (plan.mbi_map != &crash_map)
		return -E_INVAL;
	return memmap_set_type(&crash_map, pa, pa + ALIGN_UP(size, PAGE_SIZE), MEMMAP_RESERVED);
}

/* Where segments may go and what memory the new kernel is told about. */
static int set_bounds(unsigned type)
{
	plan.lo = LOW_LIMIT;
	plan.hi = MB2_LIMIT;
	plan.mbi_map = &firmware_memmap;
	if (type != KEXEC_TYPE_CRASH)
		return 0;
	if (crashk_res.end <= crashk_res.start)
		return fail(-E_NOENT, "no crash kernel window: boot with crashkernel=SIZE");
	plan.lo = crashk_res.start;
	plan.hi = crashk_res.end;
	plan.kl.image.crash_start = crashk_res.start;
	plan.kl.image.crash_end = crashk_res.end;
	/* The capture kernel owns only the window (Linux: memmap=exactmap). */
	memmap_init(&crash_map);
	for (unsigned i = 0; i < firmware_memmap.count; i++) {
		const struct memmap_range *r = &firmware_memmap.range[i];

		if (r->type != MEMMAP_RAM && memmap_add(&crash_map, r->start, r->end, r->type))
			return fail(-E_NOSPC, "capture kernel memory map full");
	}
	if (memmap_add(&crash_map, crashk_res.start, crashk_res.end, MEMMAP_RAM))
		return fail(-E_NOSPC, "capture kernel memory map full");
	plan.mbi_map = &crash_map;
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
	int err;

	if (req->nr_modules > KEXEC_MAX_MODULES)
		return fail(-E_2BIG, "at most %d --module options", KEXEC_MAX_MODULES);
	if (strlen(req->cmdline) >= KEXEC_CMDLINE_MAX)
		return fail(-E_2BIG, "command line longer than %d bytes", KEXEC_CMDLINE_MAX - 1);
	memset(&plan, 0, sizeof(plan));
	strlcpy(plan.kl.kernel, req->kernel, sizeof(plan.kl.kernel));
	strlcpy(plan.cmdline, req->cmdline, sizeof(plan.cmdline));
	plan.kl.generation = kernel_generation() + 1;
	kimage_init(&plan.kl.image, req->type, &kernel_page_ops, &firmware_memmap,
		    memmap_total(&firmware_memmap, MEMMAP_RAM), KEXEC_DESTINATION_MEMORY_LIMIT);
	err = set_bounds(req->type);
	/* A crash image is written into the window now: the old one goes first. */
	if (!err && req->type == KEXEC_TYPE_CRASH && slot->loaded)
		kexec_unload(KEXEC_TYPE_CRASH);
	err = err ? err : build_image(req);
	if (!err && req->type == KEXEC_TYPE_CRASH)
		err = machine_kexec_arm_crash(&plan.kl);
	if (err) {
		kimage_free(&plan.kl.image);	/* a default image stays untouched */
		free_scratch();
		return err;
	}
	free_scratch();		/* every byte now lives in staged pages */
	strlcpy(plan.kl.cmdline, plan.cmdline, sizeof(plan.kl.cmdline));
	if (slot->loaded)
		kimage_free(&slot->image);
	*slot = plan.kl;
	slot->loaded = true;
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
