/*
 * The multiboot2 header of a kernel image (Multiboot2 spec 3.1): what the
 * kernel asks of its boot loader, parsed the way GRUB reads it, so kexec
 * honours the same requests (relocatable, entry address, information).
 * The header's layout is lib/multiboot2.h's.  Linux has no counterpart;
 * bzImage's setup header plays this role.
 */
#ifndef KEXEC_MB2_HEADER_H
#define KEXEC_MB2_HEADER_H

#include "lib/multiboot2.h"
#include "lib/types.h"

#define MB2_HEADER_MAX_REQUESTS 32	/* information request types kept */

/* What the multiboot2 header asks of the loader. */
struct mb2_header_info {
	uint32_t offset;		/* of the header in the file (8-aligned) */
	uint32_t length;		/* header_length */
	unsigned nr_requests;		/* information request tag: MBI tag types */
	uint32_t requests[MB2_HEADER_MAX_REQUESTS];
	bool requests_optional;		/* its optional flag: missing tags are fine */
	bool has_entry;			/* entry address tag (3) */
	uint32_t entry_addr;		/*   physical entry, 32-bit mode */
	bool has_console_flags;		/* console flags tag (4) */
	uint32_t console_flags;
	bool module_align;		/* module align tag (6): page-align modules */
	bool relocatable;		/* relocatable tag (10) */
	uint32_t min_addr, max_addr;	/*   image must lie in [min_addr, max_addr) */
	uint32_t align;			/*   load base alignment (0 means 1) */
	uint32_t preference;		/*   MB2_LOAD_PREFERENCE_* */
	unsigned nr_ignored;		/* framebuffer and optional EFI/unknown tags */
};

/*
 * Find and parse the header in the first 32768 bytes of file (size bytes):
 * the first 8-aligned magic 0xe85250d6 whose checksum holds and whose
 * architecture is 0 (i386), lying wholly in the file and those 32768
 * bytes, then its tags up to the end tag.  Fills *h.  Returns 0 or, with
 * a reason in why: -E_NOEXEC no header; -E_BADSUM only a bad checksum;
 * -E_NOTSUP another architecture, the address tag (a.out kludge), a
 * required EFI or unknown tag, or a required information request for a
 * tag kexec does not build (each named); -E_TRUNC header or tag past its
 * bounds; -E_INVAL a malformed tag or no end tag.  Ignored: framebuffer,
 * optional EFI and unknown tags (counted in nr_ignored).
 */
int mb2_header_parse(const void *file, size_t size, struct mb2_header_info *h,
		     char *why, size_t whylen);

#endif
