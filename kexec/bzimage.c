/*
 * kexec of a Linux bzImage, the pure half: its setup header checked field
 * by field, each refusal named (the rules of Linux's kexec_file and of
 * kexec-tools, which agree), and the boot_params built from our state.
 * The one idea: only the setup header is copied from the file, never the
 * rest of its first sector, so the sentinel at 0x1ef stays 0 and Linux
 * trusts every field we fill.  Linux: arch/x86/kernel/kexec-bzimage64.c.
 */
#include "kexec/bzimage.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"

/* Every checking function has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

bool bzimage_probe(const void *file, size_t size)
{
	return size >= SH_HEADER + 4 &&
	       get_unaligned_le32((const uint8_t *)file + SH_HEADER) == BOOT_HDRS_MAGIC;
}

/* The header fields that say what kind of image this is. */
static int check_kind(const uint8_t *f, size_t size, struct bzimage *bz, char *why,
		      size_t whylen)
{
	if (size < 2 * BOOT_SECTOR_SIZE)
		return FAIL(-E_TRUNC, "%zu bytes: a bzImage has at least two sectors", size);
	if (get_unaligned_le32(f + SH_HEADER) != BOOT_HDRS_MAGIC)
		return FAIL(-E_NOEXEC, "no \"HdrS\" at 0x202: not a bzImage");
	if (rd16(f + SH_BOOT_FLAG) != BOOT_FLAG_MAGIC)
		return FAIL(-E_NOEXEC, "boot flag 0x%04x at 0x1fe, not 0xaa55", rd16(f + SH_BOOT_FLAG));
	bz->version = rd16(f + SH_VERSION);
	if (bz->version < BOOT_PROTOCOL_MIN_64)
		return FAIL(-E_NOTSUP, "boot protocol %u.%02u: the 64-bit entry needs 2.12 or "
			    "later", bz->version >> 8, bz->version & 0xff);
	if (!(f[SH_LOADFLAGS] & LOADED_HIGH))
		return FAIL(-E_NOEXEC, "loadflags 0x%02x without LOADED_HIGH: a zImage, not a "
			    "bzImage", f[SH_LOADFLAGS]);
	bz->xloadflags = rd16(f + SH_XLOADFLAGS);
	if (!(bz->xloadflags & XLF_KERNEL_64))
		return FAIL(-E_NOTSUP, "xloadflags 0x%x without XLF_KERNEL_64: no 64-bit entry",
			    bz->xloadflags);
	if (!(bz->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		return FAIL(-E_NOTSUP, "xloadflags 0x%x without XLF_CAN_BE_LOADED_ABOVE_4G",
			    bz->xloadflags);
	if (!f[SH_RELOCATABLE])
		return FAIL(-E_NOTSUP, "relocatable_kernel is 0: it runs only at 0x%llx",
			    (unsigned long long)get_unaligned_le64(f + SH_PREF_ADDRESS));
	return 0;
}

/* The sizes and addresses the loader places it by. */
static int check_layout(const uint8_t *f, size_t size, struct bzimage *bz, char *why,
			size_t whylen)
{
	unsigned sects = f[SH_SETUP_SECTS] ? f[SH_SETUP_SECTS] : BOOT_SETUP_SECTS_DEFAULT;
	uint32_t init_size = get_unaligned_le32(f + SH_INIT_SIZE);

	bz->header_end = SH_HEADER + f[SH_JUMP + 1];
	if (bz->header_end < SH_END_2_12 || bz->header_end > BP_HDR_MAX_END)
		return FAIL(-E_INVAL, "the setup header ends at 0x%zx (jump byte 0x%02x), outside "
			    "[0x%x, 0x%x]", bz->header_end, f[SH_JUMP + 1], SH_END_2_12,
			    BP_HDR_MAX_END);
	bz->setup_size = ((size_t)sects + 1) * BOOT_SECTOR_SIZE;
	if (size <= bz->setup_size || bz->header_end > bz->setup_size)
		return FAIL(-E_TRUNC, "%zu bytes: the %u setup sectors leave no kernel", size,
			    sects + 1);
	bz->kernel = f + bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	bz->alignment = get_unaligned_le32(f + SH_KERNEL_ALIGNMENT);
	if (bz->alignment < PAGE_SIZE || (bz->alignment & (bz->alignment - 1)))
		return FAIL(-E_INVAL, "kernel_alignment 0x%x is not a power of two >= 4 KiB",
			    bz->alignment);
	if (init_size < bz->kernel_size)
		return FAIL(-E_INVAL, "init_size 0x%x is smaller than the %zu-byte kernel",
			    init_size, bz->kernel_size);
	bz->init_size = ALIGN_UP((uint64_t)init_size, PAGE_SIZE);
	bz->pref_address = get_unaligned_le64(f + SH_PREF_ADDRESS);
	bz->cmdline_size = get_unaligned_le32(f + SH_CMDLINE_SIZE);
	bz->initrd_addr_max = get_unaligned_le32(f + SH_INITRD_ADDR_MAX);
	return 0;
}

int bzimage_parse(const void *file, size_t size, struct bzimage *bz, char *why, size_t whylen)
{
	int err;

	memset(bz, 0, sizeof(*bz));
	bz->file = file;
	bz->file_size = size;
	err = check_kind(file, size, bz, why, whylen);
	err = err ? err : check_layout(file, size, bz, why, whylen);
	if (!err && why && whylen)
		why[0] = '\0';
	return err;
}

/* Linux's setup_boot_parameters: KiB of RAM from 1 MiB in the range that holds it. */
static void set_mem_k(struct boot_params *bp)
{
	for (unsigned i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];
		uint64_t end = e->addr + e->size - 1, mem_k;

		if (e->type != MEMMAP_RAM || e->addr > 0x100000 || end <= 0x100000)
			continue;
		mem_k = (end >> 10) - (0x100000 >> 10);
		bp->ext_mem_k = (uint16_t)MIN(mem_k, (uint64_t)0xfc00);
		bp->alt_mem_k = (uint32_t)MIN(mem_k, (uint64_t)0xffffffff);
	}
}

int bootparams_build(const struct bzimage *bz, const struct bootparams_info *in,
		     struct boot_params *bp)
{
	const struct memmap *m = in->memmap;

	if (m->count > BP_E820_MAX)
		return -E_2BIG;
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + SH_SETUP_SECTS, bz->file + SH_SETUP_SECTS,
	       bz->header_end - SH_SETUP_SECTS);
	bp->hdr.type_of_loader = LOADER_TYPE_KEXEC << 4;
	bp->hdr.loadflags = 0;
	/* boot.rst: setup_data is the loader's to write; a file's own value
	 * would send the new kernel down a chain nobody built. */
	bp->hdr.setup_data = 0;
	bp->hdr.cmd_line_ptr = (uint32_t)in->cmdline_pa;
	bp->ext_cmd_line_ptr = (uint32_t)(in->cmdline_pa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)in->initrd_pa;
	bp->ext_ramdisk_image = (uint32_t)(in->initrd_pa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)in->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(in->initrd_size >> 32);
	bp->acpi_rsdp_addr = in->acpi_rsdp_pa;
	bp->e820_entries = (uint8_t)m->count;
	for (unsigned i = 0; i < m->count; i++)
		bp->e820_table[i] = (struct boot_e820_entry){
			m->range[i].start, m->range[i].end - m->range[i].start, m->range[i].type };
	set_mem_k(bp);
	return 0;
}
