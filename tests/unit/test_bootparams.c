/*
 * Tests of the Linux boot protocol's way in (boot/bootparams_parse.c,
 * boot/initrd_cpio.c): a boot_params as QEMU, kexec-tools and Linux's
 * kexec_file leave it, every pointer read through a fake physical memory
 * that refuses what lies outside it; the sentinel, setup_data chains
 * (SETUP_E820_EXT, a loop), the command-line limit, the RSDP copy; cpio
 * initrds split into modules, or kept whole with a reason.  The other
 * direction (building one) is test_bzimage.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/bootinfo.h"
#include "lib/bootparam.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

/* Physical memory [MEM_PA, MEM_PA + 1 MiB): boot_params at its start. */
#define MEM_PA 0x10000ULL
#define MEM_SIZE (1 << 20)
static uint8_t *mem;

static int read_mem(void *ctx, paddr_t pa, void *buf, size_t len)
{
	if (pa < MEM_PA || pa > MEM_PA + MEM_SIZE || len > MEM_PA + MEM_SIZE - pa)
		return -E_RANGE;
	memcpy(buf, mem + (pa - MEM_PA), len);
	return 0;
}

static struct boot_params *bp_at(void)
{
	return (struct boot_params *)mem;
}

/* What our setup code leaves for QEMU -kernel: the header, 3 e820 entries,
 * a command line at +0x10000, no initrd. */
static void qemu_like(void)
{
	struct boot_params *bp;

	if (!mem)
		mem = malloc(MEM_SIZE);
	memset(mem, 0, MEM_SIZE);
	bp = bp_at();
	bp->hdr.header = BOOT_HDRS_MAGIC;
	bp->hdr.version = 0x020c;
	bp->hdr.type_of_loader = 0xb0;
	bp->hdr.cmd_line_ptr = MEM_PA + 0x10000;
	strcpy((char *)mem + 0x10000, "loglevel=7 hello=\"a b\"");
	bp->e820_entries = 3;
	bp->e820_table[0] = (struct boot_e820_entry){ 0, 0x9fc00, 1 };
	bp->e820_table[1] = (struct boot_e820_entry){ 0xf0000, 0x10000, 2 };
	bp->e820_table[2] = (struct boot_e820_entry){ 0x100000, 0x1fee0000, 1 };
}

static int parse(struct bootinfo *bi)
{
	return bootparams_parse(mem, MEM_PA, read_mem, NULL, bi);
}

TEST(bootparams_qemu_like)
{
	static struct bootinfo bi;

	qemu_like();
	CHECK_EQ(parse(&bi), 0);
	CHECK_STR(bi.cmdline, "loglevel=7 hello=\"a b\"");
	CHECK_STR(bi.loader_name, "QEMU (Linux boot protocol, type_of_loader 0xb0)");
	CHECK_STR(bi.info_name, "boot_params");
	CHECK_EQ(bi.info_pa, MEM_PA);
	CHECK_EQ(bi.info_size, 4096);
	CHECK_EQ(bi.mmap_count, 3);
	CHECK_EQ(bi.mmap[2].addr, 0x100000);
	CHECK_EQ(bi.mmap[2].len, 0x1fee0000);
	CHECK_EQ(bi.mmap[1].type, 2);
	CHECK_EQ(bi.module_count, 0);
	CHECK_EQ(bi.acpi_rsdp_version, 0);
	CHECK(!bi.bp_sentinel);
	/* Loader names from type_of_loader's high nibble; 0xe: extended. */
	bp_at()->hdr.type_of_loader = 0x72;
	CHECK_EQ(parse(&bi), 0);
	CHECK_STR(bi.loader_name, "GRUB (Linux boot protocol, type_of_loader 0x72)");
	bp_at()->hdr.type_of_loader = 0xe0;
	bp_at()->hdr.ext_loader_type = 0x2;
	CHECK_EQ(parse(&bi), 0);
	CHECK_STR(bi.loader_name, "unknown loader (Linux boot protocol, type_of_loader 0xe0)");
	/* No command line at all is an empty one. */
	bp_at()->hdr.cmd_line_ptr = 0;
	CHECK_EQ(parse(&bi), 0);
	CHECK_STR(bi.cmdline, "");
}

TEST(bootparams_refusals)
{
	static struct bootinfo bi;

	qemu_like();
	bp_at()->hdr.header = 0;
	CHECK_EQ(parse(&bi), -E_INVAL);			/* not a boot_params */
	qemu_like();
	bp_at()->e820_entries = BP_E820_MAX + 1;
	CHECK_EQ(parse(&bi), -E_2BIG);
	qemu_like();
	bp_at()->e820_table[1].addr = UINT64_MAX - 0x100;
	CHECK_EQ(parse(&bi), -E_INVAL);			/* a range that wraps */
	qemu_like();
	memset(mem + 0x10000, 'x', 4096);		/* no NUL in 2048 bytes */
	CHECK_EQ(parse(&bi), -E_2BIG);
	qemu_like();
	memset(mem + 0x10000, 'x', 2047);		/* 2047 characters fit */
	mem[0x10000 + 2047] = 0;
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(strlen(bi.cmdline), 2047);
	qemu_like();
	bp_at()->hdr.cmd_line_ptr = 0x20000000;		/* outside memory */
	CHECK_EQ(parse(&bi), -E_RANGE);
	qemu_like();
	bp_at()->hdr.ramdisk_image = 0xfffff000;
	bp_at()->ext_ramdisk_image = 0xffffffff;
	bp_at()->hdr.ramdisk_size = 0x2000;
	CHECK_EQ(parse(&bi), -E_INVAL);			/* an initrd that wraps */
}

/* A command line that ends right at the end of what can be read is whole:
 * the parser reads up to its NUL and not a byte past (found by fuzz_bzimage's
 * round trip: it read 64-byte chunks and refused such a line with E_RANGE). */
TEST(bootparams_cmdline_at_end_of_memory)
{
	static struct bootinfo bi;
	static const char line[] = "console=ttyS0 loglevel=7";

	qemu_like();
	memcpy(mem + MEM_SIZE - sizeof(line), line, sizeof(line));
	bp_at()->hdr.cmd_line_ptr = MEM_PA + MEM_SIZE - sizeof(line);
	CHECK_EQ(parse(&bi), 0);
	CHECK_STR(bi.cmdline, line);
	mem[MEM_SIZE - 1] = 'x';			/* no NUL before the end */
	CHECK_EQ(parse(&bi), -E_RANGE);
}

/* A loader that copied the whole first sector: Linux's sanitize_boot_params. */
TEST(bootparams_sentinel_drops_the_fields_linux_drops)
{
	static struct bootinfo bi;
	struct boot_params *bp;

	qemu_like();
	bp = bp_at();
	bp->sentinel = 0xff;
	bp->ext_cmd_line_ptr = 7;			/* stale: would point above 4 GiB */
	bp->acpi_rsdp_addr = 0x123456;
	CHECK_EQ(parse(&bi), 0);
	CHECK(bi.bp_sentinel);
	CHECK_STR(bi.cmdline, "loglevel=7 hello=\"a b\"");
	CHECK_EQ(bi.acpi_rsdp_version, 0);
	bp->sentinel = 0;
	CHECK_EQ(parse(&bi), -E_RANGE);			/* now they count */
}

TEST(bootparams_setup_data_e820_ext)
{
	static struct bootinfo bi;
	struct setup_data *sd = (struct setup_data *)(mem + 0x20000);
	struct setup_data *other = (struct setup_data *)(mem + 0x21000);
	struct boot_e820_entry *e = (struct boot_e820_entry *)sd->data;

	qemu_like();
	/* An unknown node (RNG seed, 8), then SETUP_E820_EXT with two entries. */
	bp_at()->hdr.setup_data = MEM_PA + 0x21000;
	*other = (struct setup_data){ MEM_PA + 0x20000, 9, 32 };
	*sd = (struct setup_data){ 0, SETUP_E820_EXT, 2 * sizeof(*e) };
	e[0] = (struct boot_e820_entry){ 0x100000000ULL, 0x40000000, 1 };
	e[1] = (struct boot_e820_entry){ 0xfd00000000ULL, 0x300000000ULL, 2 };
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.setup_data_count, 2);
	CHECK_EQ(bi.mmap_count, 5);
	CHECK_EQ(bi.mmap[3].addr, 0x100000000ULL);
	CHECK_EQ(bi.mmap[4].type, 2);
	/* An entry cut in half, a chain that loops, a node out of reach. */
	sd->len = sizeof(*e) + 4;
	CHECK_EQ(parse(&bi), -E_TRUNC);
	sd->len = 2 * sizeof(*e);
	sd->next = MEM_PA + 0x21000;
	CHECK_EQ(parse(&bi), -E_2BIG);
	sd->next = 0x40000000;
	CHECK_EQ(parse(&bi), -E_RANGE);
}

TEST(bootparams_rsdp_copy)
{
	static struct bootinfo bi;
	uint8_t *r = mem + 0x30000;
	uint32_t len = 36;

	qemu_like();
	bp_at()->acpi_rsdp_addr = MEM_PA + 0x30000;
	memcpy(r, "RSD PTR ", 8);
	r[15] = 0;					/* ACPI 1.0: 20 bytes */
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.acpi_rsdp_version, 1);
	CHECK_EQ(bi.acpi_rsdp_len, 20);
	CHECK_EQ(bi.acpi_rsdp_pa, MEM_PA + 0x30000);
	CHECK(memcmp(bi.acpi_rsdp, "RSD PTR ", 8) == 0);
	r[15] = 2;					/* ACPI 2.0: its length */
	memcpy(r + 20, &len, 4);
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.acpi_rsdp_version, 2);
	CHECK_EQ(bi.acpi_rsdp_len, 36);
	len = 1000;
	memcpy(r + 20, &len, 4);
	CHECK_EQ(parse(&bi), -E_INVAL);
	r[0] = 'X';
	CHECK_EQ(parse(&bi), -E_INVAL);
}

/* A newc member: header, name, data, each padded to 4 bytes. */
static size_t cpio_add(uint8_t *at, size_t off, const char *name, unsigned mode, const void *data,
		       size_t size)
{
	char h[160];
	size_t nlen = strlen(name) + 1;

	snprintf(h, sizeof(h), "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 1u, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)nlen, 0u);
	memcpy(at + off, h, 110);
	memcpy(at + off + 110, name, nlen);
	off = (off + 110 + nlen + 3) & ~(size_t)3;
	memcpy(at + off, data, size);
	return (off + size + 3) & ~(size_t)3;
}

#define INITRD_OFF 0x40000

static size_t make_cpio(unsigned nfiles)
{
	uint8_t *a = mem + INITRD_OFF;
	size_t off = 0;
	char name[32];

	off = cpio_add(a, off, "boot", 040755, "", 0);
	for (unsigned i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "boot/file%u", i);
		off = cpio_add(a, off, name, 0100644, name, strlen(name));
	}
	return cpio_add(a, off, "TRAILER!!!", 0, "", 0);
}

static void set_initrd(size_t size)
{
	bp_at()->hdr.ramdisk_image = MEM_PA + INITRD_OFF;
	bp_at()->hdr.ramdisk_size = (uint32_t)size;
}

TEST(bootparams_cpio_initrd_files_become_modules)
{
	static struct bootinfo bi;
	size_t size;

	qemu_like();
	size = make_cpio(2);
	set_initrd(size);
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.initrd_cpio, 2);
	CHECK_EQ(bi.module_count, 3);
	CHECK_STR(bi.modules[0].cmdline, "initrd");
	CHECK_EQ(bi.modules[0].end - bi.modules[0].start, size);
	CHECK_STR(bi.modules[1].cmdline, "/boot/file0");
	CHECK_STR(bi.modules[2].cmdline, "/boot/file1");
	CHECK_EQ(bi.modules[2].end - bi.modules[2].start, strlen("boot/file1"));
	CHECK(memcmp(mem + (bi.modules[2].start - MEM_PA), "boot/file1", 10) == 0);
	CHECK(bootinfo_find_module(&bi, "/boot/file1") == &bi.modules[2]);

	/* All the slots but one: fits; one more file: kept whole. */
	qemu_like();
	set_initrd(make_cpio(BOOTINFO_MAX_MODULES - 1));
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.module_count, BOOTINFO_MAX_MODULES);
	qemu_like();
	set_initrd(make_cpio(BOOTINFO_MAX_MODULES));
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.initrd_cpio, -E_2BIG);
	CHECK_EQ(bi.initrd_files, BOOTINFO_MAX_MODULES);
	CHECK_EQ(bi.module_count, 1);

	/* Not cpio (a gzip header): one module, said why. */
	qemu_like();
	memcpy(mem + INITRD_OFF, "\x1f\x8b\x08\x00", 4);
	set_initrd(4096);
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.initrd_cpio, -E_INVAL);
	CHECK_EQ(bi.module_count, 1);
}

/* Every prefix of an archive: refused (no trailer), never read past, no
 * module added; a bad hex digit or a name without its NUL: refused. */
TEST(bootparams_cpio_truncated_or_corrupt)
{
	static struct bootinfo bi;
	size_t size;

	qemu_like();
	size = make_cpio(3);
	for (size_t cut = 1; cut < size; cut++) {
		set_initrd(cut);
		CHECK_EQ(parse(&bi), 0);
		if (bi.initrd_cpio >= 0 || bi.module_count != 1) {
			test_fail(__FILE__, __LINE__, "cut at %zu: %d, %u modules", cut,
				  bi.initrd_cpio, bi.module_count);
			return;
		}
	}
	set_initrd(size);
	mem[INITRD_OFF + 6 + 8 * 6 + 3] = 'g';		/* filesize of the first member */
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.initrd_cpio, -E_INVAL);
	qemu_like();
	size = make_cpio(1);
	set_initrd(size);
	mem[INITRD_OFF + 110 + 4] = 'x';		/* "boot" loses its NUL */
	CHECK_EQ(parse(&bi), 0);
	CHECK_EQ(bi.initrd_cpio, -E_INVAL);
}
