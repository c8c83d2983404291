/*
 * Multiboot2 information parser: one switch over the tag types, one small
 * handler per tag (as HelenOS does), everything checked against the sizes
 * before it is read and copied out into struct bootinfo.  Pure: the host
 * tests feed it MBIs captured from GRUB and every truncation of them.
 * Linux has no multiboot2 parser; the role is that of the x86 setup code
 * copying boot_params out of the real-mode zero page.
 */
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "lib/string.h"
#include "lib/x86.h"

/* Fixed part of a module tag before its cmdline (type, size, start, end). */
#define MODULE_HEAD_SIZE 16u
/* Fixed part of a memory map tag before its entries. */
#define MMAP_HEAD_SIZE 16u
/* RSDP sizes (ACPI spec 5.2.5.3): v1 ends at RsdtAddress, v2 at Reserved. */
#define RSDP_V1_SIZE 20u
#define RSDP_V2_SIZE 36u

/*
 * Copy the NUL-terminated string that fills bytes [0, avail) of a tag
 * into dst.  The terminator must lie inside the tag (-E_INVAL otherwise);
 * a string that does not fit dst is refused (-E_2BIG), never truncated:
 * a cut command line or module name would silently mean something else.
 */
static int copy_string(char *dst, size_t dst_size, const char *src, size_t avail)
{
	size_t len = strnlen(src, avail);

	if (len == avail)
		return -E_INVAL;
	if (len >= dst_size)
		return -E_2BIG;
	memcpy(dst, src, len + 1);
	return 0;
}

/* copy_string, but a string too long for dst is cut to fit (counted). */
static int copy_name(char *dst, size_t dst_size, const char *src, size_t avail,
		     struct bootinfo *bi)
{
	int err = copy_string(dst, dst_size, src, avail);

	if (err != -E_2BIG)
		return err;
	memcpy(dst, src, dst_size - 1);
	dst[dst_size - 1] = '\0';
	bi->names_cut++;
	return 0;
}

/*
 * A command line longer than the field keeps its words that fit whole (a
 * word cut in half would mean something else: panic=30 becoming panic=3);
 * the rest is dropped, and bootinfo_setup says how much.
 */
static int parse_cmdline(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_string *t = (const void *)tag;
	size_t avail = tag->size - sizeof(*t), len, cut;
	int err = copy_string(bi->cmdline, sizeof(bi->cmdline), t->string, avail);

	if (err != -E_2BIG)
		return err;
	len = strnlen(t->string, avail);
	cut = sizeof(bi->cmdline) - 1;
	while (cut > 0 && t->string[cut] != ' ')	/* the word at the limit goes whole */
		cut--;
	while (cut > 0 && t->string[cut - 1] == ' ')
		cut--;
	memcpy(bi->cmdline, t->string, cut);
	bi->cmdline[cut] = '\0';
	bi->cmdline_full_len = len;
	for (size_t i = cut; i < len; i++)
		if (t->string[i] != ' ' && (i == cut || t->string[i - 1] == ' '))
			bi->cmdline_words_dropped++;
	return 0;
}

static int parse_loader_name(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_string *t = (const void *)tag;

	return copy_name(bi->loader_name, sizeof(bi->loader_name), t->string,
			 tag->size - sizeof(*t), bi);
}

static int parse_module(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_module *t = (const void *)tag;
	struct bootinfo_module *mod;
	int err;

	if (tag->size < MODULE_HEAD_SIZE + 1)	/* room for at least the NUL */
		return -E_INVAL;
	if (t->mod_end < t->mod_start)
		return -E_INVAL;
	if (bi->module_count == BOOTINFO_MAX_MODULES) {	/* past the table: dropped */
		char name[sizeof(bi->first_dropped_module)];
		unsigned cut = bi->names_cut;

		err = copy_name(name, sizeof(name), t->cmdline, tag->size - MODULE_HEAD_SIZE, bi);
		bi->names_cut = cut;	/* only the dropped module's name: not worth a line */
		if (!err && bi->modules_dropped++ == 0)
			memcpy(bi->first_dropped_module, name, sizeof(name));
		return err;
	}
	mod = &bi->modules[bi->module_count];
	err = copy_name(mod->cmdline, sizeof(mod->cmdline), t->cmdline,
			tag->size - MODULE_HEAD_SIZE, bi);
	if (err)
		return err;
	mod->start = t->mod_start;
	mod->end = t->mod_end;		/* GRUB: start + size, exclusive */
	bi->module_count++;
	return 0;
}

static int parse_basic_meminfo(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_basic_meminfo *t = (const void *)tag;

	if (tag->size < sizeof(*t))
		return -E_INVAL;
	bi->has_meminfo = true;
	bi->mem_lower_kib = t->mem_lower;
	bi->mem_upper_kib = t->mem_upper;
	return 0;
}

/*
 * Multiboot2 spec 3.6.8: entries are entry_size apart (a multiple of 8,
 * at least 24 so future versions can append fields).  The entries must
 * fill the tag exactly; a range that wraps past 2^64 is malformed.
 */
static int parse_mmap(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_mmap *t = (const void *)tag;
	const uint8_t *entries = (const uint8_t *)tag + MMAP_HEAD_SIZE;
	uint32_t n;

	if (tag->size < MMAP_HEAD_SIZE)
		return -E_INVAL;
	if (t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8 != 0)
		return -E_INVAL;
	if ((tag->size - MMAP_HEAD_SIZE) % t->entry_size != 0)
		return -E_INVAL;
	if (bi->mmap_count != 0 && !bi->mmap_from_efi)	/* a second map: which to trust? */
		return -E_INVAL;
	bi->mmap_count = bi->mmap_dropped = 0;	/* the e820-style map beats the EFI one */
	bi->mmap_dropped_ram = 0;
	bi->mmap_from_efi = false;
	n = (tag->size - MMAP_HEAD_SIZE) / t->entry_size;
	for (uint32_t i = 0; i < n; i++) {
		const struct mb2_mmap_entry *e =
			(const void *)(entries + (size_t)i * t->entry_size);

		if (e->len > UINT64_MAX - e->addr)
			return -E_INVAL;
		if (i >= BOOTINFO_MAX_MMAP) {	/* past the table: dropped, counted */
			bi->mmap_dropped++;
			bi->mmap_dropped_ram += e->type == MB2_MEMORY_AVAILABLE ? e->len : 0;
			continue;
		}
		bi->mmap[i].addr = e->addr;
		bi->mmap[i].len = e->len;
		bi->mmap[i].type = e->type;
	}
	bi->mmap_count = MIN(n, (uint32_t)BOOTINFO_MAX_MMAP);
	return 0;
}

/* A UEFI memory type as the e820 type it has once boot services exited
 * (Linux: do_add_efi_memmap in arch/x86/platform/efi/efi.c). */
static uint32_t efi_to_e820(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE: case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE: case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB2_MEMORY_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY: return MB2_MEMORY_ACPI_RECLAIMABLE;
	case EFI_ACPI_MEMORY_NVS: return MB2_MEMORY_NVS;
	case EFI_UNUSABLE_MEMORY: return MB2_MEMORY_BADRAM;
	default: return MB2_MEMORY_RESERVED;	/* runtime services, MMIO, ... */
	}
}

/* The EFI memory map tag: used only while no memory map tag was seen. */
static int parse_efi_mmap(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_efi_mmap *t = (const void *)tag;
	uint32_t n;

	if (tag->size < sizeof(*t) || t->descr_size < sizeof(struct efi_memory_descriptor) ||
	    t->descr_size % 8 != 0)
		return -E_INVAL;
	if (bi->mmap_count != 0)
		return 0;			/* a memory map tag came first: it wins */
	n = (tag->size - (uint32_t)sizeof(*t)) / t->descr_size;
	bi->mmap_from_efi = true;
	for (uint32_t i = 0; i < n; i++) {
		struct efi_memory_descriptor d;
		struct bootinfo_mmap_entry *last = bi->mmap_count ? &bi->mmap[bi->mmap_count - 1] : NULL;
		uint32_t type;

		memcpy(&d, t->descr + (size_t)i * t->descr_size, sizeof(d));
		if (d.num_pages > (UINT64_MAX - d.phys_start) / PAGE_SIZE)
			return -E_INVAL;
		type = efi_to_e820(d.type);
		if (last && last->type == type && last->addr + last->len == d.phys_start) {
			last->len += d.num_pages * PAGE_SIZE;	/* one range, as e820 has it */
		} else if (bi->mmap_count == BOOTINFO_MAX_MMAP) {
			bi->mmap_dropped++;
			bi->mmap_dropped_ram += type == MB2_MEMORY_AVAILABLE ? d.num_pages * PAGE_SIZE : 0;
		} else {
			bi->mmap[bi->mmap_count++] = (struct bootinfo_mmap_entry){
				d.phys_start, d.num_pages * PAGE_SIZE, type };
		}
	}
	return 0;
}

/* UEFI booted us; the system table is kept only to pass it on (kexec). */
static int parse_efi_systab(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_load_base_addr *t = (const void *)tag;	/* type, size, then it */

	if (tag->size < (tag->type == MB2_TAG_EFI64 ? 16u : 12u))
		return -E_INVAL;
	bi->efi = true;
	if (tag->type == MB2_TAG_EFI64)
		memcpy(&bi->efi_systab, &t->load_base_addr, sizeof(bi->efi_systab));
	else
		bi->efi_systab = t->load_base_addr;
	return 0;
}

static int parse_framebuffer(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_framebuffer *t = (const void *)tag;

	if (tag->size < sizeof(*t))
		return -E_INVAL;
	bi->has_framebuffer = true;
	bi->fb_type = t->fb_type;
	bi->fb_bpp = t->bpp;
	bi->fb_width = t->width;
	bi->fb_height = t->height;
	bi->fb_addr = t->addr;
	return 0;
}

/* Keep the newest RSDP: a v2 copy wins over a v1 copy, whatever the order. */
static int parse_acpi(const struct mb2_tag *tag, struct bootinfo *bi, int version)
{
	const struct mb2_tag_acpi *t = (const void *)tag;
	uint32_t len = tag->size - sizeof(*t);

	if (len < (version == 1 ? RSDP_V1_SIZE : RSDP_V2_SIZE))
		return -E_INVAL;
	if (len > BOOTINFO_RSDP_MAX)
		return -E_2BIG;
	if (bi->acpi_rsdp_version > version)
		return 0;
	memset(bi->acpi_rsdp, 0, sizeof(bi->acpi_rsdp));
	memcpy(bi->acpi_rsdp, t->rsdp, len);
	bi->acpi_rsdp_len = len;
	bi->acpi_rsdp_version = version;
	return 0;
}

static int parse_load_base(const struct mb2_tag *tag, struct bootinfo *bi)
{
	const struct mb2_tag_load_base_addr *t = (const void *)tag;

	if (tag->size < sizeof(*t))
		return -E_INVAL;
	bi->has_load_base = true;
	bi->load_base_addr = t->load_base_addr;
	return 0;
}

/* The one switch over tag types.  Tags we know but do not need are skipped. */
static int parse_tag(const struct mb2_tag *tag, struct bootinfo *bi)
{
	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		return parse_cmdline(tag, bi);
	case MB2_TAG_BOOT_LOADER_NAME:
		return parse_loader_name(tag, bi);
	case MB2_TAG_MODULE:
		return parse_module(tag, bi);
	case MB2_TAG_BASIC_MEMINFO:
		return parse_basic_meminfo(tag, bi);
	case MB2_TAG_MMAP:
		return parse_mmap(tag, bi);
	case MB2_TAG_ACPI_OLD:
		return parse_acpi(tag, bi, 1);
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(tag, bi, 2);
	case MB2_TAG_LOAD_BASE_ADDR:
		return parse_load_base(tag, bi);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(tag, bi);
	case MB2_TAG_EFI_MMAP:
		bi->efi = true;
		return parse_efi_mmap(tag, bi);
	case MB2_TAG_EFI32: case MB2_TAG_EFI64:
		return parse_efi_systab(tag, bi);
	case MB2_TAG_BOOTDEV: case MB2_TAG_VBE:
	case MB2_TAG_ELF_SECTIONS: case MB2_TAG_APM:
	case MB2_TAG_SMBIOS: case MB2_TAG_NETWORK:
	case MB2_TAG_EFI_BS: case MB2_TAG_EFI32_IH:
	case MB2_TAG_EFI64_IH:
		return 0;
	default:
		bi->unknown_tags++;
		return 0;
	}
}

/*
 * kexec-tools' short total_size (see bootinfo.h): it writes its module
 * tags last, so a tag that crosses total_size right after a module tag
 * may run up to 7 bytes per module further, as far as len allows.
 * Returns the new limit, or 0 if none.
 */
static size_t kexec_tools_limit(size_t total, size_t len, const struct bootinfo *bi,
				uint32_t prev_type, size_t limit)
{
	size_t ext = MIN(len, total + 7 * (size_t)bi->module_count);

	return prev_type == MB2_TAG_MODULE && ext > limit ? ext : 0;
}

/* A module tag that lies past total_size was written by kexec-tools, which
 * gives each one exactly its string: any other shape is lost bytes. */
static bool exact_module_string(const struct mb2_tag *tag)
{
	const struct mb2_tag_module *t = (const void *)tag;

	return tag->size > MODULE_HEAD_SIZE &&
	       strnlen(t->cmdline, tag->size - MODULE_HEAD_SIZE) == tag->size - MODULE_HEAD_SIZE - 1;
}

int bootinfo_parse(const void *mbi, size_t len, paddr_t mbi_pa, struct bootinfo *bi)
{
	const uint8_t *base = mbi;
	const struct mb2_info_header *hdr = mbi;
	size_t off = sizeof(*hdr), limit;
	uint32_t prev_type = MB2_TAG_END;	/* the tag before this one */
	bool quirk = false;
	int err;

	memset(bi, 0, sizeof(*bi));
	if (!IS_ALIGNED((uintptr_t)mbi, MB2_TAG_ALIGN))
		return -E_INVAL;		/* spec 3.6.1: the MBI is 8-aligned */
	if (len < sizeof(*hdr))
		return -E_TRUNC;
	if (hdr->total_size > len)
		return -E_TRUNC;
	if (hdr->total_size < sizeof(*hdr) + sizeof(struct mb2_tag))
		return -E_INVAL;		/* not even room for the end tag */
	bi->info_pa = mbi_pa;
	bi->info_size = hdr->total_size;
	bi->info_name = "Multiboot2 info";
	limit = hdr->total_size;

	/* off stays 8-aligned: it starts at 8 and moves by ALIGN_UP(size, 8). */
	for (;;) {
		const struct mb2_tag *tag = (const void *)(base + off);
		uint32_t size;

		if (off + sizeof(*tag) > limit || tag->size > limit - off) {
			size_t ext = quirk ? 0 : kexec_tools_limit(hdr->total_size, len, bi,
								   prev_type, limit);

			if (!ext)	/* at limit: ran out of tags, no end tag */
				return off == limit ? -E_INVAL : -E_TRUNC;
			limit = ext;
			quirk = true;
			if (off + sizeof(*tag) > limit)
				return -E_TRUNC;
		}
		size = tag->size;
		if (quirk && tag->type == MB2_TAG_END && size == 0 && off + 4 >= hdr->total_size)
			size = sizeof(*tag);	/* its size field was never loaded */
		if (size < sizeof(*tag))
			return -E_INVAL;
		if (size > limit - off)
			return -E_TRUNC;
		if (off + size > hdr->total_size && tag->type == MB2_TAG_MODULE &&
		    !exact_module_string(tag))
			return -E_TRUNC;
		bi->tag_count++;
		if (tag->type == MB2_TAG_END) {
			/* Spec 3.6.1: the end tag is 8 bytes and total_size ends with it. */
			if (size != sizeof(struct mb2_tag))
				return -E_INVAL;
			if (!quirk)
				return off + size == hdr->total_size ? 0 : -E_INVAL;
			bi->mbi_short_by = (uint32_t)(off + size - hdr->total_size);
			bi->info_size = (uint32_t)(off + size);
			return 0;
		}
		err = parse_tag(tag, bi);
		if (err)
			return err;
		prev_type = tag->type;
		off += ALIGN_UP((size_t)size, MB2_TAG_ALIGN);
	}
}

/* The first word of a module's cmdline is its name (GRUB passes the words
 * after the file name on the module2 line; iso/grub.cfg repeats the path). */
static bool module_name_is(const struct bootinfo_module *mod, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strncmp(mod->cmdline, name, n) != 0)
		return false;
	return mod->cmdline[n] == '\0' || mod->cmdline[n] == ' ';
}

const struct bootinfo_module *bootinfo_find_module(const struct bootinfo *bi,
						   const char *name)
{
	for (unsigned i = 0; i < bi->module_count; i++)
		if (module_name_is(&bi->modules[i], name))
			return &bi->modules[i];
	return NULL;
}
