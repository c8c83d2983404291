/*
 * The multiboot2 format, once: the header a kernel image carries (what it
 * asks of its loader, spec 3.1) and the information structure (MBI) the
 * loader hands over in EBX (spec 3.6: an 8-byte header {total_size,
 * reserved}, then tags, each 8-byte aligned, ending with a tag of type 0
 * and size 8).  boot/ parses an MBI and carries the header; kexec/ parses
 * images' headers and builds MBIs; the purgatory enters a kernel with the
 * magic.  The #define lines are shared with assembly: the build makes
 * $(BUILD)/inc/multiboot2.inc from them.  Linux's own boot protocol has
 * struct boot_params instead (arch/x86/include/uapi/asm/bootparam.h).
 */
#ifndef LIB_MULTIBOOT2_H
#define LIB_MULTIBOOT2_H

#include "lib/types.h"

/* Magic values (spec 3.1.2, 3.2): in the header, and in EAX at entry. */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* The header: 8-aligned within the first 32768 bytes of the image (3.1.1). */
#define MB2_HEADER_SEARCH 32768
#define MB2_ARCH_I386 0			/* architecture: 32-bit protected mode */

/* Header tag types (spec 3.1.3 to 3.1.13) and their flags. */
#define MB2_HEADER_TAG_END 0
#define MB2_HEADER_TAG_INFO_REQUEST 1
#define MB2_HEADER_TAG_ADDRESS 2
#define MB2_HEADER_TAG_ENTRY_ADDRESS 3
#define MB2_HEADER_TAG_CONSOLE_FLAGS 4
#define MB2_HEADER_TAG_FRAMEBUFFER 5
#define MB2_HEADER_TAG_MODULE_ALIGN 6
#define MB2_HEADER_TAG_EFI_BS 7
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9
#define MB2_HEADER_TAG_RELOCATABLE 10
#define MB2_HEADER_TAG_OPTIONAL 1	/* flags bit 0 */

/* Relocatable tag's load preference. */
#define MB2_LOAD_PREFERENCE_NONE 0
#define MB2_LOAD_PREFERENCE_LOW 1
#define MB2_LOAD_PREFERENCE_HIGH 2

/* Console flags tag: the kernel drives an EGA text console itself. */
#define MB2_CONSOLE_EGA_TEXT 2

/* Information tags: each starts 8-aligned (spec 3.6). */
#define MB2_TAG_ALIGN 8
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOT_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_VBE 7
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE_ADDR 21

/* Memory map entry types (the BIOS e820 types). */
#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_RESERVED 2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS 4
#define MB2_MEMORY_BADRAM 5

/* Framebuffer types (spec 3.6.12): indexed colour, direct RGB, EGA text. */
#define MB2_FRAMEBUFFER_INDEXED 0
#define MB2_FRAMEBUFFER_RGB 1
#define MB2_FRAMEBUFFER_EGA_TEXT 2

/* UEFI memory types (UEFI spec 7.2, EFI_MEMORY_TYPE) in the EFI map tag. */
#define EFI_LOADER_CODE 1
#define EFI_LOADER_DATA 2
#define EFI_BOOT_SERVICES_CODE 3
#define EFI_BOOT_SERVICES_DATA 4
#define EFI_CONVENTIONAL_MEMORY 7
#define EFI_UNUSABLE_MEMORY 8
#define EFI_ACPI_RECLAIM_MEMORY 9
#define EFI_ACPI_MEMORY_NVS 10

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

struct mb2_tag_framebuffer {	/* FRAMEBUFFER: the common part; colour info follows */
	uint32_t type;
	uint32_t size;
	uint64_t addr;
	uint32_t pitch;
	uint32_t width;
	uint32_t height;
	uint8_t bpp;
	uint8_t fb_type;	/* MB2_FRAMEBUFFER_* */
	uint16_t reserved;
};

struct mb2_tag_efi_mmap {	/* EFI_MMAP: the firmware's own map, as GetMemoryMap gave it */
	uint32_t type;
	uint32_t size;
	uint32_t descr_size;	/* bytes from one descriptor to the next */
	uint32_t descr_vers;
	uint8_t descr[];
};

struct efi_memory_descriptor {	/* UEFI spec 7.2 EFI_MEMORY_DESCRIPTOR */
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;	/* 4 KiB pages */
	uint64_t attribute;
};

struct mb2_tag_load_base_addr {
	uint32_t type;
	uint32_t size;
	uint32_t load_base_addr;
};

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "multiboot2 module tag");
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "multiboot2 framebuffer tag");
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "UEFI memory descriptor");

#endif
