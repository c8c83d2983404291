/*
 * Parse a kernel's multiboot2 header (spec 3.1) as GRUB does: scan for
 * the magic, check the checksum, then one switch over the tags with one
 * small handler each.  Every tag is bounds-checked before it is read.
 * What we cannot honour is refused by name, never silently skipped,
 * unless the kernel marked the tag optional.  GRUB: grub-core/loader/
 * multiboot_mbi2.c; kexec-tools: kexec/arch/i386/kexec-mb2-x86.c.
 */
#include "kexec/mb2_header.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "lib/string.h"
#include "lib/unaligned.h"
#include "lib/vsprintf.h"

#define MB2_HEADER_FIXED 16		/* magic, architecture, length, checksum */

/* The file is not necessarily aligned for these types: copy, don't cast. */
static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Every checking function has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

/* Spec 3.1.2: the first 8-aligned magic whose checksum and architecture
 * hold, inside the first 32768 bytes; else the first bad one, named. */
static int find_header(const uint8_t *file, size_t size, struct mb2_header_info *h,
		       char *why, size_t whylen)
{
	size_t limit = MIN(size, (size_t)MB2_HEADER_SEARCH);
	int first_err = 0;

	for (size_t off = 0; off + MB2_HEADER_FIXED <= limit; off += 8) {
		const uint8_t *p = file + off;
		uint32_t arch = get_unaligned_le32(p + 4), len = get_unaligned_le32(p + 8), sum = get_unaligned_le32(p + 12);

		if (get_unaligned_le32(p) != MB2_HEADER_MAGIC)
			continue;
		if ((uint32_t)(MB2_HEADER_MAGIC + arch + len + sum) != 0) {
			if (!first_err)
				first_err = FAIL(-E_BADSUM,
						 "multiboot2 header at offset 0x%zx: bad checksum "
						 "0x%08x", off, sum);
			continue;
		}
		if (arch != MB2_ARCH_I386) {
			if (!first_err)
				first_err = FAIL(-E_NOTSUP,
						 "multiboot2 header at offset 0x%zx: architecture "
						 "%u, not i386 (0)", off, arch);
			continue;
		}
		h->offset = (uint32_t)off;
		h->length = len;
		if (len < MB2_HEADER_FIXED + 8)
			return FAIL(-E_INVAL, "multiboot2 header_length %u is too small", len);
		if (len > size - off)
			return FAIL(-E_TRUNC,
				    "multiboot2 header [0x%zx, 0x%zx) runs past the end of the "
				    "file (%zu bytes)", off, off + len, size);
		if (off + len > MB2_HEADER_SEARCH)
			return FAIL(-E_TRUNC,
				    "multiboot2 header [0x%zx, 0x%zx) runs past the first %d bytes",
				    off, off + len, MB2_HEADER_SEARCH);
		return 0;
	}
	if (first_err)
		return first_err;
	return FAIL(-E_NOEXEC, "no multiboot2 header (magic 0x%08x) in the first %d bytes",
		    MB2_HEADER_MAGIC, MB2_HEADER_SEARCH);
}

/* The MBI tags mb2_build can produce (the information request must be
 * satisfiable unless marked optional). */
static bool mbi_tag_provided(uint32_t type)
{
	switch (type) {
	case MB2_TAG_CMDLINE: case MB2_TAG_BOOT_LOADER_NAME: case MB2_TAG_MODULE:
	case MB2_TAG_BASIC_MEMINFO: case MB2_TAG_MMAP: case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: case MB2_TAG_LOAD_BASE_ADDR:
		return true;
	default:
		return false;
	}
}

static int info_request(struct mb2_header_info *h, const uint8_t *tag, bool optional,
			uint32_t size, char *why, size_t whylen)
{
	uint32_t n = (size - 8) / 4;

	if ((size - 8) % 4)
		return FAIL(-E_INVAL, "information request tag size %u is not 8 + 4n", size);
	h->requests_optional = optional;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t type = get_unaligned_le32(tag + 8 + 4 * i);

		if (!optional && !mbi_tag_provided(type))
			return FAIL(-E_NOTSUP,
				    "the kernel requires information tag %u, which kexec does not "
				    "provide", type);
		if (h->nr_requests < MB2_HEADER_MAX_REQUESTS)
			h->requests[h->nr_requests++] = type;
	}
	return 0;
}

static int relocatable_tag(struct mb2_header_info *h, const uint8_t *tag, uint32_t size,
			   char *why, size_t whylen)
{

	if (size < 24)
		return FAIL(-E_INVAL, "relocatable tag size %u < 24", size);
	h->relocatable = true;
	h->min_addr = get_unaligned_le32(tag + 8);
	h->max_addr = get_unaligned_le32(tag + 12);
	h->align = get_unaligned_le32(tag + 16);
	h->preference = get_unaligned_le32(tag + 20);
	if (h->preference > MB2_LOAD_PREFERENCE_HIGH)
		return FAIL(-E_INVAL, "relocatable tag: preference %u", h->preference);
	if (h->align & (h->align - 1))
		return FAIL(-E_INVAL, "relocatable tag: align 0x%x not a power of two", h->align);
	if (h->min_addr >= h->max_addr)
		return FAIL(-E_INVAL, "relocatable tag: min_addr 0x%x >= max_addr 0x%x",
			    h->min_addr, h->max_addr);
	return 0;
}

/* One header tag (spec 3.1.3-3.1.13); size already checked >= 8 and in bounds. */
static int header_tag(struct mb2_header_info *h, const uint8_t *tag, char *why, size_t whylen)
{
	uint16_t type = rd16(tag), flags = rd16(tag + 2);
	uint32_t size = get_unaligned_le32(tag + 4);
	bool optional = flags & MB2_HEADER_TAG_OPTIONAL;

	switch (type) {
	case MB2_HEADER_TAG_INFO_REQUEST:
		return info_request(h, tag, optional, size, why, whylen);
	case MB2_HEADER_TAG_ADDRESS:
		return FAIL(-E_NOTSUP,
			    "multiboot2 address tag (the a.out kludge) is not supported: kexec "
			    "loads ELF images only");
	case MB2_HEADER_TAG_ENTRY_ADDRESS:
	case MB2_HEADER_TAG_CONSOLE_FLAGS:
		if (size < 12)
			return FAIL(-E_INVAL, "header tag %u size %u < 12", type, size);
		if (type == MB2_HEADER_TAG_ENTRY_ADDRESS) {
			h->has_entry = true;
			h->entry_addr = get_unaligned_le32(tag + 8);
		} else {
			h->has_console_flags = true;
			h->console_flags = get_unaligned_le32(tag + 8);
		}
		return 0;
	case MB2_HEADER_TAG_FRAMEBUFFER:	/* we leave the console as it is */
		h->nr_ignored++;
		return 0;
	case MB2_HEADER_TAG_MODULE_ALIGN:
		h->module_align = true;
		return 0;
	case MB2_HEADER_TAG_RELOCATABLE:
		return relocatable_tag(h, tag, size, why, whylen);
	case MB2_HEADER_TAG_EFI_BS:
	case MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32:
	case MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64:
	default:
		if (!optional)
			return FAIL(-E_NOTSUP,
				    "required multiboot2 header tag %u (%s) is not supported", type,
				    type <= MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 ? "EFI" : "unknown");
		h->nr_ignored++;
		return 0;
	}
}

static int parse_tags(const uint8_t *file, struct mb2_header_info *h, char *why, size_t whylen)
{
	const uint8_t *hdr = file + h->offset;
	size_t len = h->length;

	for (size_t pos = MB2_HEADER_FIXED; pos + 8 <= len;) {
		uint32_t size = get_unaligned_le32(hdr + pos + 4);
		int err;

		if (size < 8)
			return FAIL(-E_INVAL, "multiboot2 header tag at +0x%zx: size %u < 8", pos,
				    size);
		if (size > len - pos)
			return FAIL(-E_TRUNC,
				    "multiboot2 header tag at +0x%zx (size %u) runs past "
				    "header_length %zu", pos, size, len);
		if (rd16(hdr + pos) == MB2_HEADER_TAG_END)
			return 0;
		err = header_tag(h, hdr + pos, why, whylen);
		if (err)
			return err;
		pos += ALIGN_UP((size_t)size, (size_t)8);
	}
	return FAIL(-E_INVAL, "multiboot2 header has no end tag");
}

int mb2_header_parse(const void *file, size_t size, struct mb2_header_info *h,
		     char *why, size_t whylen)
{
	int err;

	memset(h, 0, sizeof(*h));
	err = find_header(file, size, h, why, whylen);
	if (!err)
		err = parse_tags(file, h, why, whylen);
	if (!err && why && whylen)
		why[0] = '\0';	/* a bad candidate before the good header left text */
	return err;
}
