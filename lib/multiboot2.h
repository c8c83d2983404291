/*
 * Multiboot2 information structure, as the boot loader hands it to us and
 * as our kexec loader will build it for the next kernel.  Layouts from the
 * Multiboot2 specification, section 3.6 ("Boot information format"): an
 * 8-byte header {total_size, reserved}, then tags, each 8-byte aligned,
 * ending with a tag of type 0 and size 8.  Linux's own boot protocol has
 * struct boot_params instead (arch/x86/include/uapi/asm/bootparam.h).
 */
#ifndef LIB_MULTIBOOT2_H
#define LIB_MULTIBOOT2_H

#include "lib/types.h"

#define MB2_TAG_ALIGN 8

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_BOOT_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE_ADDR = 21,
};

/* Memory map entry types (the BIOS e820 types). */
enum mb2_memory_type {
	MB2_MEMORY_AVAILABLE = 1,
	MB2_MEMORY_RESERVED = 2,
	MB2_MEMORY_ACPI_RECLAIMABLE = 3,
	MB2_MEMORY_NVS = 4,
	MB2_MEMORY_BADRAM = 5,
};

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;		/* including this header, excluding padding */
};

struct mb2_tag_string {		/* CMDLINE, BOOT_LOADER_NAME */
	uint32_t type;
	uint32_t size;
	char string[];		/* NUL-terminated */
};

struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end;	/* exclusive */
	char cmdline[];
};

struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB above 1 MiB, up to the first hole */
};

struct mb2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
};

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;	/* entries are entry_size apart (>= 24) */
	uint32_t entry_version;	/* 0 */
	struct mb2_mmap_entry entries[];
};

struct mb2_tag_acpi {		/* ACPI_OLD (RSDP v1), ACPI_NEW (RSDP v2+) */
	uint32_t type;
	uint32_t size;
	uint8_t rsdp[];		/* a copy of the RSDP */
};

struct mb2_tag_load_base_addr {
	uint32_t type;
	uint32_t size;
	uint32_t load_base_addr;
};

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "multiboot2 module tag");

#endif
