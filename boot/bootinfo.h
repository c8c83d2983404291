/*
 * What the kernel learned from its boot loader, parsed out of the
 * multiboot2 information structure (MBI) into plain fixed-size tables.
 * Everything is copied, so the MBI's memory can be reused later.
 * Linux's counterpart is struct boot_params filled by the setup code.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include "lib/types.h"

#define BOOTINFO_MAX_MMAP 128
#define BOOTINFO_MAX_MODULES 16
#define BOOTINFO_CMDLINE_MAX 2048
#define BOOTINFO_MODULE_CMDLINE_MAX 256
#define BOOTINFO_RSDP_MAX 64

struct bootinfo_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;		/* e820 type, as in the tag */
};

struct bootinfo_module {
	paddr_t start;
	paddr_t end;		/* exclusive */
	char cmdline[BOOTINFO_MODULE_CMDLINE_MAX];	/* first word: its name */
};

struct bootinfo {
	paddr_t mbi_pa;		/* where the MBI itself lies */
	uint32_t mbi_size;
	char cmdline[BOOTINFO_CMDLINE_MAX];
	char loader_name[64];
	bool has_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;
	unsigned mmap_count;
	struct bootinfo_mmap_entry mmap[BOOTINFO_MAX_MMAP];
	unsigned module_count;
	struct bootinfo_module modules[BOOTINFO_MAX_MODULES];
	int acpi_rsdp_version;	/* 0: none, 1: old (v1), 2: new (v2+) */
	uint32_t acpi_rsdp_len;
	uint8_t acpi_rsdp[BOOTINFO_RSDP_MAX];	/* a copy of the RSDP */
	bool has_load_base;
	uint32_t load_base_addr;
	bool has_framebuffer;	/* the loader set a video mode (UEFI: always) */
	uint8_t fb_type;	/* MB2_FRAMEBUFFER_*: only EGA text has 0xb8000 text */
	uint8_t fb_bpp;
	uint32_t fb_width, fb_height;
	uint64_t fb_addr;
	bool mmap_from_efi;	/* no mmap tag: the map came from the EFI map tag */
	bool efi;		/* booted by UEFI firmware (an EFI system table or map tag) */
	uint64_t efi_systab;	/* the EFI64 tag's system table pointer (not called) */
	unsigned tag_count;	/* every tag seen, for the log */
	unsigned unknown_tags;	/* tags we skipped */

	/* Limits met: what did not fit was dropped or cut so the boot goes
	 * on; bootinfo_setup logs each as a warning. */
	unsigned modules_dropped;	/* module tags past BOOTINFO_MAX_MODULES */
	char first_dropped_module[64];	/* the first one's name (cut to fit) */
	unsigned mmap_dropped;		/* memory map entries past BOOTINFO_MAX_MMAP */
	uint64_t mmap_dropped_ram;	/* bytes of usable RAM in them */
	size_t cmdline_full_len;	/* the loader's command line; 0 if not cut */
	unsigned cmdline_words_dropped;	/* words after the cut */
	unsigned names_cut;		/* module names / loader name cut to fit */
};

/*
 * Parse the MBI at mbi (len bytes readable from there; the header's
 * total_size must fit in it).  Fills *bi completely.  Returns 0, or
 * -E_TRUNC for a structure that runs past len or a tag past total_size,
 * -E_INVAL for a malformed tag (bad size, misaligned, no end tag,
 * string not NUL-terminated inside its tag, module end < start, memory
 * map entries not filling their tag, a second memory map tag), -E_2BIG
 * for an RSDP larger than its copy.
 * Limits degrade instead of failing, each recorded in *bi for the log
 * (never silently): modules past BOOTINFO_MAX_MODULES and memory map
 * entries past BOOTINFO_MAX_MMAP are dropped, a command line longer than
 * its field is cut after its last whole word that fits, a module name or
 * loader name is cut to its field.  Without a memory map tag, the EFI
 * memory map tag gives the map (UEFI types turned into e820 types, what
 * is usable once boot services have exited as usable, neighbours of one
 * type merged); a memory map tag, when there is one, always wins.
 * Known tags we do not use are skipped; unknown ones are counted.
 * On error *bi is partly filled and must not be used.
 * Pure: no side effects beyond *bi, used by host tests on captured blobs.
 */
int bootinfo_parse(const void *mbi, size_t len, paddr_t mbi_pa, struct bootinfo *bi);

/* The boot information of this boot. */
extern struct bootinfo boot_info;

/* Parse the MBI at mbi_pa (through the boot direct map) into boot_info,
 * log what was found, and panic if it is unusable. */
void bootinfo_setup(paddr_t mbi_pa);

/* Find a boot module by name (first word of its cmdline); NULL if none. */
const struct bootinfo_module *bootinfo_find_module(const struct bootinfo *bi,
						   const char *name);

#endif
