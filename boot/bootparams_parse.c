/*
 * Linux's boot_params into struct bootinfo: the other way in.  A bzImage
 * of ours is started with a boot_params (the "zero page") by QEMU -kernel
 * (through our setup code), GRUB's `linux`, kexec-tools and Linux's
 * kexec_file_load; this reads it into the same description the multiboot2
 * parser fills, so nothing past boot/ can tell the two apart.  The one
 * idea: the zero page is a copy we can read whole, but the command line,
 * the setup_data chain and the RSDP are pointers to memory reached only
 * through the caller's read function, every one checked.  Pure.
 * Linux: arch/x86/kernel/head64.c copy_bootdata, e820.c (e820__memory_setup
 * and parse_setup_data), bootparam_utils.h sanitize_boot_params.
 */
#include "boot/bootinfo.h"
#include "lib/bootparam.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

/* setup_data nodes we follow at most: a loop in the chain ends here. */
#define SETUP_DATA_MAX 64
#define RSDP_V1_SIZE 20u
#define RSDP_V2_SIZE 36u
/* The RSDP's revision and (v2) length fields (ACPI 6.5, 5.2.5.3). */
#define RSDP_REVISION 15
#define RSDP_LENGTH 20

static const struct {
	uint8_t id;
	const char *name;
} loaders[] = {
	{ LOADER_TYPE_GRUB, "GRUB" },
	{ LOADER_TYPE_QEMU, "QEMU" },
	{ LOADER_TYPE_KEXEC, "kexec" },
};

/* boot.rst: type_of_loader's high nibble is the loader (0xe: extended). */
static void name_loader(const struct setup_header *h, struct bootinfo *bi)
{
	const char *name = "unknown loader";
	unsigned id = h->type_of_loader >> 4;

	if (id == 0xe)
		id = 0x10 + h->ext_loader_type;
	for (unsigned i = 0; i < ARRAY_SIZE(loaders); i++)
		if (loaders[i].id == id)
			name = loaders[i].name;
	ksnprintf(bi->loader_name, sizeof(bi->loader_name),
		  "%s (Linux boot protocol, type_of_loader 0x%02x)", name, h->type_of_loader);
}

/* The command line: a NUL-terminated string at a physical address; one
 * longer than our buffer is refused, never cut (as for multiboot2).  It is
 * read a byte at a time, never past its NUL: a line that ends just before
 * the end of what read reaches is a good one. */
static int read_cmdline(paddr_t pa, bootinfo_read_fn read, void *ctx, struct bootinfo *bi)
{
	if (pa == 0)
		return 0;			/* boot.rst: no command line */
	for (size_t got = 0; got < sizeof(bi->cmdline); got++) {
		int err = read(ctx, pa + got, bi->cmdline + got, 1);

		if (err)
			return err;
		if (bi->cmdline[got] == '\0')
			return 0;
	}
	bi->cmdline[0] = '\0';
	return -E_2BIG;
}

static int add_e820(struct bootinfo *bi, const struct boot_e820_entry *e)
{
	if (bi->mmap_count == BOOTINFO_MAX_MMAP)
		return -E_2BIG;
	if (e->size > UINT64_MAX - e->addr)
		return -E_INVAL;
	bi->mmap[bi->mmap_count++] = (struct bootinfo_mmap_entry){ e->addr, e->size, e->type };
	return 0;
}

/* SETUP_E820_EXT: the e820 entries that did not fit in the zero page
 * (kexec-tools puts them there).  Other node types are skipped. */
static int walk_setup_data(paddr_t pa, bootinfo_read_fn read, void *ctx, struct bootinfo *bi)
{
	while (pa) {
		struct setup_data sd;
		int err;

		if (bi->setup_data_count++ == SETUP_DATA_MAX)
			return -E_2BIG;
		err = read(ctx, pa, &sd, sizeof(sd));
		if (err)
			return err;
		if (sd.type == SETUP_E820_EXT) {
			if (sd.len % sizeof(struct boot_e820_entry))
				return -E_TRUNC;
			for (uint32_t off = 0; off < sd.len; off += sizeof(struct boot_e820_entry)) {
				struct boot_e820_entry e;

				err = read(ctx, pa + sizeof(sd) + off, &e, sizeof(e));
				err = err ? err : add_e820(bi, &e);
				if (err)
					return err;
			}
		}
		pa = sd.next;
	}
	return 0;
}

/* A copy of the RSDP the loader found (v1: 20 bytes, v2+: its length). */
static int read_rsdp(paddr_t pa, bootinfo_read_fn read, void *ctx, struct bootinfo *bi)
{
	uint32_t len = RSDP_V1_SIZE;
	int err;

	if (pa == 0)
		return 0;			/* the kernel will scan the BIOS areas */
	err = read(ctx, pa, bi->acpi_rsdp, RSDP_V1_SIZE);
	if (err)
		return err;
	if (memcmp(bi->acpi_rsdp, "RSD PTR ", 8) != 0)
		return -E_INVAL;
	if (bi->acpi_rsdp[RSDP_REVISION] >= 2) {
		err = read(ctx, pa, bi->acpi_rsdp, RSDP_V2_SIZE);
		if (err)
			return err;
		memcpy(&len, bi->acpi_rsdp + RSDP_LENGTH, sizeof(len));
		if (len < RSDP_V2_SIZE || len > BOOTINFO_RSDP_MAX)
			return -E_INVAL;
		err = read(ctx, pa, bi->acpi_rsdp, len);
		if (err)
			return err;
	}
	bi->acpi_rsdp_version = bi->acpi_rsdp[RSDP_REVISION] >= 2 ? 2 : 1;
	bi->acpi_rsdp_len = len;
	bi->acpi_rsdp_pa = pa;
	return 0;
}

int bootparams_parse(const void *bp_buf, paddr_t bp_pa, bootinfo_read_fn read, void *ctx,
		     struct bootinfo *bi)
{
	struct boot_params bp;
	const struct setup_header *h = &bp.hdr;
	paddr_t cmdline, initrd, rsdp;
	uint64_t initrd_size;
	int err;

	memset(bi, 0, sizeof(*bi));
	memcpy(&bp, bp_buf, sizeof(bp));
	if (h->header != BOOT_HDRS_MAGIC)
		return -E_INVAL;
	bi->info_pa = bp_pa;
	bi->info_size = BP_SIZE;
	bi->info_name = "boot_params";
	bi->bp_sentinel = bp.sentinel != 0;
	if (bi->bp_sentinel)		/* sanitize_boot_params: these are not trusted */
		bp.ext_ramdisk_image = bp.ext_ramdisk_size = bp.ext_cmd_line_ptr = 0,
		bp.acpi_rsdp_addr = 0;
	name_loader(h, bi);
	cmdline = h->cmd_line_ptr | (paddr_t)bp.ext_cmd_line_ptr << 32;
	initrd = h->ramdisk_image | (paddr_t)bp.ext_ramdisk_image << 32;
	initrd_size = h->ramdisk_size | (uint64_t)bp.ext_ramdisk_size << 32;
	rsdp = bp.acpi_rsdp_addr;
	if (bp.e820_entries > BP_E820_MAX)
		return -E_2BIG;
	for (unsigned i = 0; i < bp.e820_entries; i++) {
		err = add_e820(bi, &bp.e820_table[i]);
		if (err)
			return err;
	}
	err = walk_setup_data(h->setup_data, read, ctx, bi);
	err = err ? err : read_cmdline(cmdline, read, ctx, bi);
	err = err ? err : read_rsdp(rsdp, read, ctx, bi);
	if (err)
		return err;
	if (initrd_size) {
		if (initrd + initrd_size < initrd)
			return -E_INVAL;
		bi->modules[0] = (struct bootinfo_module){ initrd, initrd + initrd_size, "initrd" };
		bi->module_count = 1;
		bi->initrd_cpio = initrd_cpio_modules(read, ctx, initrd, initrd_size, bi);
	}
	return 0;
}
