/*
 * Build a multiboot2 information structure (spec 3.6) for the next kernel.
 * The one idea: the same writer runs twice, first without a buffer to
 * check everything and measure, then for real, so a buffer that is too
 * small or an unrepresentable value leaves nothing half written.
 * Linux's counterpart: the kexec_file loader filling boot_params.
 */
#include "kexec/mb2_build.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "lib/string.h"
#include "mm/memmap.h"

/* Spec 3.6.4: mem_lower counts at most the 640 KiB of low memory. */
#define LOWER_MEMORY_END (640 * KiB)
#define UPPER_MEMORY_START (1 * MiB)
#define MMAP_ENTRY_VERSION 0

/* Appends bytes at off; stores them only when buf is set (the real pass). */
struct writer {
	uint8_t *buf;
	size_t off;
	size_t tag_start;
};

static void put(struct writer *w, const void *data, size_t len)
{
	if (w->buf)
		memcpy(w->buf + w->off, data, len);
	w->off += len;
}

static void put_u32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void put_string(struct writer *w, const char *s)
{
	put(w, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void begin_tag(struct writer *w, uint32_t type)
{
	w->tag_start = w->off;
	put_u32(w, type);
	put_u32(w, 0);			/* size, known at end_tag */
}

/* Patch the size (without padding, spec 3.6.1), then pad to 8 with zeros. */
static void end_tag(struct writer *w)
{
	uint32_t size = (uint32_t)(w->off - w->tag_start);
	static const uint8_t zeros[MB2_TAG_ALIGN];

	if (w->buf)
		memcpy(w->buf + w->tag_start + 4, &size, sizeof(size));
	put(w, zeros, ALIGN_UP(w->off, (size_t)MB2_TAG_ALIGN) - w->off);
}

/* End of the run of RAM ranges that contains pos (pos itself if none). */
static paddr_t ram_run_end(const struct memmap *m, paddr_t pos)
{
	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->range[i];

		if (r->type == MEMMAP_RAM && r->start <= pos && pos < r->end)
			pos = r->end;	/* ranges are sorted: the next may continue it */
	}
	return pos;
}

int mb2_basic_meminfo(const struct memmap *m, uint32_t *lower_kib, uint32_t *upper_kib)
{
	paddr_t lower_end = MIN(ram_run_end(m, 0), (paddr_t)LOWER_MEMORY_END);
	uint64_t upper = (ram_run_end(m, UPPER_MEMORY_START) - UPPER_MEMORY_START) / KiB;

	if (upper > UINT32_MAX)
		return -E_RANGE;
	*lower_kib = (uint32_t)(lower_end / KiB);
	*upper_kib = (uint32_t)upper;
	return 0;
}

static int put_modules(struct writer *w, const struct mb2_build_info *info)
{
	for (unsigned i = 0; i < info->nr_modules; i++) {
		const struct mb2_build_module *mod = &info->modules[i];

		if (mod->end < mod->start)
			return -E_INVAL;
		if (mod->end > 0x100000000ULL)
			return -E_RANGE;	/* mod_start/mod_end are 32 bits */
		begin_tag(w, MB2_TAG_MODULE);
		put_u32(w, (uint32_t)mod->start);
		put_u32(w, (uint32_t)mod->end);
		put_string(w, mod->cmdline);
		end_tag(w);
	}
	return 0;
}

static int put_memory(struct writer *w, const struct memmap *m)
{
	uint32_t lower, upper;
	int err = mb2_basic_meminfo(m, &lower, &upper);

	if (err)
		return err;
	begin_tag(w, MB2_TAG_BASIC_MEMINFO);
	put_u32(w, lower);
	put_u32(w, upper);
	end_tag(w);

	/* Spec 3.6.8: entry_size, entry_version, then {addr, len, type, zero}. */
	begin_tag(w, MB2_TAG_MMAP);
	put_u32(w, sizeof(struct mb2_mmap_entry));
	put_u32(w, MMAP_ENTRY_VERSION);
	for (unsigned i = 0; i < m->count; i++) {
		put_u64(w, m->range[i].start);
		put_u64(w, m->range[i].end - m->range[i].start);
		put_u32(w, m->range[i].type);
		put_u32(w, 0);
	}
	end_tag(w);
	return 0;
}

static void put_blob_tag(struct writer *w, uint32_t type, const void *data, size_t len)
{
	begin_tag(w, type);
	put(w, data, len);
	end_tag(w);
}

/* One pass over everything; w->buf NULL only measures and checks. */
static int write_mbi(struct writer *w, const struct mb2_build_info *info)
{
	int err;

	put_u32(w, 0);			/* total_size, patched by the caller */
	put_u32(w, 0);			/* reserved */
	if (info->cmdline) {
		begin_tag(w, MB2_TAG_CMDLINE);
		put_string(w, info->cmdline);
		end_tag(w);
	}
	if (info->loader_name) {
		begin_tag(w, MB2_TAG_BOOT_LOADER_NAME);
		put_string(w, info->loader_name);
		end_tag(w);
	}
	err = put_modules(w, info);
	if (!err && info->memmap)
		err = put_memory(w, info->memmap);
	if (err)
		return err;
	if (info->acpi_old)
		put_blob_tag(w, MB2_TAG_ACPI_OLD, info->acpi_old, info->acpi_old_len);
	if (info->acpi_new)
		put_blob_tag(w, MB2_TAG_ACPI_NEW, info->acpi_new, info->acpi_new_len);
	if (info->has_load_base) {
		begin_tag(w, MB2_TAG_LOAD_BASE_ADDR);
		put_u32(w, info->load_base_addr);
		end_tag(w);
	}
	if (info->efi) {
		begin_tag(w, MB2_TAG_EFI64);
		put_u64(w, info->efi_systab);
		end_tag(w);
	}
	begin_tag(w, MB2_TAG_END);
	end_tag(w);
	return 0;
}

int mb2_build(const struct mb2_build_info *info, void *buf, size_t bufsz, size_t *size)
{
	struct writer w = { 0 };
	uint32_t total;
	int err;

	*size = 0;
	err = write_mbi(&w, info);
	if (err)
		return err;
	*size = w.off;
	if (w.off > UINT32_MAX)
		return -E_RANGE;
	if (!buf)
		return 0;
	if (!IS_ALIGNED((uintptr_t)buf, MB2_TAG_ALIGN))
		return -E_ALIGN;
	if (bufsz < w.off)
		return -E_NOSPC;

	w = (struct writer){ .buf = buf };
	write_mbi(&w, info);		/* same input: cannot fail now */
	total = (uint32_t)w.off;
	memcpy(buf, &total, sizeof(total));
	return 0;
}
