/*
 * The Linux x86 boot protocol, once: the setup header a bzImage carries
 * at file offset 0x1f1 and struct boot_params (the "zero page") a loader
 * builds from it, the e820 entries inside it and the setup_data chain
 * hanging off it.  boot/ reads a boot_params and carries our own setup
 * header; kexec/ checks a bzImage's header and builds a boot_params for
 * it.  The BP_* and SH_* #define lines are shared with assembly (the build
 * makes $(BUILD)/inc/bootparam.inc from them).  Linux:
 * arch/x86/include/uapi/asm/bootparam.h, Documentation/arch/x86/boot.rst.
 */
#ifndef LIB_BOOTPARAM_H
#define LIB_BOOTPARAM_H

#include "lib/types.h"

/* The setup header's magic ("HdrS" at 0x202) and boot flag (at 0x1fe). */
#define BOOT_HDRS_MAGIC 0x53726448
#define BOOT_FLAG_MAGIC 0xaa55
/* The protocol version our bzImage announces, and the oldest a 64-bit
 * entry may have (2.12: xloadflags; both Linux and kexec-tools ask it). */
#define BOOT_PROTOCOL_OURS 0x020c
#define BOOT_PROTOCOL_MIN_64 0x020c
/* setup_sects == 0 means 4 (boot.rst, "setup_sects"). */
#define BOOT_SETUP_SECTS_DEFAULT 4
#define BOOT_SECTOR_SIZE 512
/* The 64-bit entry is this far into the protected-mode kernel. */
#define BOOT_ENTRY64_OFFSET 0x200
/* Where a 16-bit loader such as QEMU puts the protected-mode kernel. */
#define BOOT_CODE32_DEFAULT 0x100000

/* Offsets of setup header fields, from the start of the file (or of
 * boot_params: the header sits at the same offset in both). */
#define SH_SETUP_SECTS 0x1f1
#define SH_SYSSIZE 0x1f4
#define SH_BOOT_FLAG 0x1fe
#define SH_JUMP 0x200
#define SH_HEADER 0x202
#define SH_VERSION 0x206
#define SH_TYPE_OF_LOADER 0x210
#define SH_LOADFLAGS 0x211
#define SH_CODE32_START 0x214
#define SH_RAMDISK_IMAGE 0x218
#define SH_RAMDISK_SIZE 0x21c
#define SH_HEAP_END_PTR 0x224
#define SH_CMD_LINE_PTR 0x228
#define SH_INITRD_ADDR_MAX 0x22c
#define SH_KERNEL_ALIGNMENT 0x230
#define SH_RELOCATABLE 0x234
#define SH_MIN_ALIGNMENT 0x235
#define SH_XLOADFLAGS 0x236
#define SH_CMDLINE_SIZE 0x238
#define SH_HARDWARE_SUBARCH 0x23c
#define SH_SETUP_DATA 0x250
#define SH_PREF_ADDRESS 0x258
#define SH_INIT_SIZE 0x260
#define SH_END_2_12 0x268	/* the header of protocol 2.12 ends here */

/* loadflags */
#define LOADED_HIGH 0x01	/* protected-mode kernel at 0x100000 or above */
#define KASLR_FLAG 0x02
#define KEEP_SEGMENTS 0x40
#define CAN_USE_HEAP 0x80
/* xloadflags */
#define XLF_KERNEL_64 0x01			/* has the 64-bit entry at +0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x02
#define XLF_EFI_HANDOVER_32 0x04
#define XLF_EFI_HANDOVER_64 0x08
#define XLF_EFI_KEXEC 0x10
#define XLF_5LEVEL 0x20

/* boot_params fields outside the header (offsets in the zero page). */
#define BP_EXT_MEM_K 0x002	/* screen_info.ext_mem_k: KiB above 1 MiB, at most 0xfc00 */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_ALT_MEM_K 0x1e0
#define BP_SCRATCH 0x1e4	/* 4 bytes a loader leaves free: an early stack slot */
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_HDR_MAX_END 0x290	/* a setup header ends before edd_mbr_sig_buffer */
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128		/* entries in the zero page (E820_MAX_ENTRIES_ZEROPAGE) */
#define BP_E820_ENTRY_SIZE 20
#define BP_SIZE 0x1000

/* type_of_loader: the loader's ID in the high nibble (boot.rst table). */
#define LOADER_TYPE_GRUB 0x7
#define LOADER_TYPE_QEMU 0xb
#define LOADER_TYPE_KEXEC 0xd

/* setup_data types; SETUP_E820_EXT continues the e820 table. */
#define SETUP_E820_EXT 1

struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

struct setup_data {
	uint64_t next;		/* physical address of the next one, 0 = last */
	uint32_t type;
	uint32_t len;		/* bytes of data[] */
	uint8_t data[];
};

/* The setup header (boot.rst "The real-mode kernel header"), protocol 2.12. */
struct setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
} __attribute__((packed));

/*
 * The zero page.  Only the fields this kernel reads or writes are named;
 * the rest (screen_info, APM, EDD, EFI...) is padding we leave zero.
 */
struct boot_params {
	uint8_t _pad0[BP_EXT_MEM_K];
	uint16_t ext_mem_k;
	uint8_t _pad0a[BP_ACPI_RSDP_ADDR - BP_EXT_MEM_K - 2];
	uint64_t acpi_rsdp_addr;
	uint8_t _pad1[BP_EXT_RAMDISK_IMAGE - BP_ACPI_RSDP_ADDR - 8];
	uint32_t ext_ramdisk_image;
	uint32_t ext_ramdisk_size;
	uint32_t ext_cmd_line_ptr;
	uint8_t _pad2[BP_ALT_MEM_K - BP_EXT_CMD_LINE_PTR - 4];
	uint32_t alt_mem_k;
	uint32_t scratch;
	uint8_t e820_entries;
	uint8_t _pad3[BP_SENTINEL - BP_E820_ENTRIES - 1];
	uint8_t sentinel;
	uint8_t _pad4[1];
	struct setup_header hdr;
	uint8_t _pad5[BP_E820_TABLE - SH_SETUP_SECTS - sizeof(struct setup_header)];
	struct boot_e820_entry e820_table[BP_E820_MAX];
	uint8_t _pad6[BP_SIZE - BP_E820_TABLE - BP_E820_MAX * BP_E820_ENTRY_SIZE];
} __attribute__((packed));

_Static_assert(sizeof(struct boot_e820_entry) == BP_E820_ENTRY_SIZE, "e820 entry");
_Static_assert(sizeof(struct setup_header) == SH_END_2_12 - SH_SETUP_SECTS, "setup header");
_Static_assert(sizeof(struct boot_params) == BP_SIZE, "boot_params is one page");
_Static_assert(offsetof(struct boot_params, ext_mem_k) == BP_EXT_MEM_K, "ext_mem_k");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == BP_ACPI_RSDP_ADDR, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == BP_EXT_CMD_LINE_PTR, "ext_cmd");
_Static_assert(offsetof(struct boot_params, alt_mem_k) == BP_ALT_MEM_K, "alt_mem_k");
_Static_assert(offsetof(struct boot_params, scratch) == BP_SCRATCH, "scratch");
_Static_assert(offsetof(struct boot_params, e820_entries) == BP_E820_ENTRIES, "e820_entries");
_Static_assert(offsetof(struct boot_params, sentinel) == BP_SENTINEL, "sentinel");
_Static_assert(offsetof(struct boot_params, hdr) == SH_SETUP_SECTS, "hdr");
_Static_assert(offsetof(struct boot_params, hdr.header) == SH_HEADER, "hdr.header");
_Static_assert(offsetof(struct boot_params, hdr.cmd_line_ptr) == SH_CMD_LINE_PTR, "cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, hdr.kernel_alignment) == SH_KERNEL_ALIGNMENT,
	       "kernel_alignment");
_Static_assert(offsetof(struct boot_params, hdr.xloadflags) == SH_XLOADFLAGS, "xloadflags");
_Static_assert(offsetof(struct boot_params, hdr.setup_data) == SH_SETUP_DATA, "setup_data");
_Static_assert(offsetof(struct boot_params, hdr.init_size) == SH_INIT_SIZE, "init_size");
_Static_assert(offsetof(struct boot_params, e820_table) == BP_E820_TABLE, "e820_table");

#endif
