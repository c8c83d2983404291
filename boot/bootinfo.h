/*
 * What the kernel learned from its boot loader, whichever protocol brought
 * it up: parsed out of the multiboot2 information structure (MBI) or out
 * of Linux's boot_params into plain fixed-size tables.  Everything is
 * copied, so the loader's memory can be reused later; nothing past boot/
 * knows which protocol it was.  Linux's counterpart is struct boot_params
 * as the setup code leaves it (copy_boot_params, e820__memory_setup).
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
	paddr_t info_pa;	/* where the MBI or boot_params itself lies */
	uint32_t info_size;
	const char *info_name;	/* "Multiboot2 info" or "boot_params" (iomem) */
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
	paddr_t acpi_rsdp_pa;	/* where it lies, when the loader said (else 0) */
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
	/* Quirks of loaders we do not control, tolerated and logged. */
	uint32_t mbi_short_by;	/* kexec-tools: total_size this short of the end tag */
	bool bp_sentinel;	/* boot_params sentinel set: a loader copied a whole sector */
	unsigned setup_data_count;	/* boot_params: setup_data nodes walked */
	int initrd_cpio;		/* boot_params: files of a cpio initrd made modules,
					 * or why not (-E_INVAL: not cpio, -E_2BIG: too many) */
	unsigned initrd_files;		/* regular files in a cpio initrd */
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
 * One loader quirk is tolerated: kexec-tools 2.0.25 counts module strings
 * unpadded in total_size, so total_size stops short of the end tag by up
 * to 7 bytes per module tag (and only total_size bytes were loaded: the
 * end tag's size reads as 0).  When len allows, the walk goes on that far,
 * a module tag past total_size must hold exactly its string, and
 * mbi_short_by says by how much; info_size is then the real end.
 * On error *bi is partly filled and must not be used.
 * Pure: no side effects beyond *bi, used by host tests on captured blobs.
 */
int bootinfo_parse(const void *mbi, size_t len, paddr_t mbi_pa, struct bootinfo *bi);

/* Reads len bytes of physical memory at pa into buf: 0, or -E_RANGE when
 * [pa, pa + len) cannot be reached. */
typedef int (*bootinfo_read_fn)(void *ctx, paddr_t pa, void *buf, size_t len);

/*
 * Parse Linux's boot_params (the zero page, BP_SIZE bytes at bp, found at
 * physical bp_pa) into *bi, reading what it points to through read: the
 * command line (cmd_line_ptr, ext_cmd_line_ptr), the initrd (ramdisk_*,
 * ext_ramdisk_*; it becomes the boot module "initrd", and the files of a
 * cpio initrd modules of their own, see below), the e820 table and
 * the SETUP_E820_EXT nodes of the setup_data chain, the ACPI RSDP
 * (acpi_rsdp_addr: a copy and its address).  A set sentinel (0x1ef) means
 * a loader copied a whole sector: the fields Linux's sanitize_boot_params
 * clears then are ignored (bp_sentinel).  Returns 0, or -E_INVAL (no
 * "HdrS" in the header, a bad RSDP or e820 entry), -E_2BIG (more e820
 * entries or setup_data nodes than we hold, a command line longer than
 * BOOTINFO_CMDLINE_MAX - 1), -E_RANGE (read refused an address),
 * -E_TRUNC (a setup_data node shorter than its entries).  Pure.
 */
int bootparams_parse(const void *bp, paddr_t bp_pa, bootinfo_read_fn read, void *ctx,
		     struct bootinfo *bi);

/*
 * The regular files of a cpio "newc" initrd at [pa, pa + size) become
 * boot modules too, named "/" + their path, their bytes left in place.
 * Only an archive whose files all fit is split.  Returns the number of
 * files added, -E_INVAL (not a newc archive, or a malformed header),
 * -E_TRUNC (cut short), -E_2BIG (more files than free module slots;
 * initrd_files says how many), or read's error; nothing is added on error.
 * Pure.
 */
int initrd_cpio_modules(bootinfo_read_fn read, void *ctx, paddr_t pa, uint64_t size,
			struct bootinfo *bi);

/* The boot information of this boot. */
extern struct bootinfo boot_info;

/*
 * Parse this boot's information into boot_info: the MBI (magic
 * MB2_BOOTLOADER_MAGIC) or Linux's boot_params (BOOT_HDRS_MAGIC, from
 * boot/entry_linux.asm) at info_pa, through the boot direct map; log
 * where we run and what the loader said; panic if it is unusable.
 */
void bootinfo_setup(uint32_t magic, paddr_t info_pa);

/* Find a boot module by name (first word of its cmdline); NULL if none. */
const struct bootinfo_module *bootinfo_find_module(const struct bootinfo *bi,
						   const char *name);

#endif
