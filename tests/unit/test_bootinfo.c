/*
 * Tests of the multiboot2 parser (boot/bootinfo_parse.c).  Real MBIs that
 * GRUB built under QEMU at 128M, 512M and 6G (tools/capture-mbi.py) must
 * parse to the memory map SeaBIOS itself printed; every truncation and
 * corruption of them must fail cleanly (ASan watches); hand-built MBIs
 * cover each validation rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "tests/unit/test.h"

static const char *const captures[] = { "128m", "512m", "6g" };

/* A copy of n bytes in a buffer of exactly n bytes, so ASan sees any
 * read past the end.  malloc's alignment (16) satisfies the MBI's (8). */
static void *exact_copy(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);

	memcpy(p, src, n);
	return p;
}

static int parse_copy(const void *blob, size_t n, struct bootinfo *bi)
{
	void *p = exact_copy(blob, n);
	int err = bootinfo_parse(p, n, 0x11e2e0, bi);

	free(p);
	return err;
}

/* "  3: 0000000000100000 - 000000001ffe0000 = 1 RAM" lines of SeaBIOS. */
static unsigned read_e820(const char *mem, struct bootinfo_mmap_entry *out, unsigned max)
{
	char name[32];
	size_t len;
	char *text, *line, *save;
	unsigned n = 0;

	snprintf(name, sizeof(name), "e820-%s.txt", mem);
	text = test_read_file(name, &len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned idx, type;
		unsigned long long start, end;

		if (sscanf(line, " %u: %llx - %llx = %u", &idx, &start, &end, &type) != 4)
			continue;
		if (n < max)
			out[n] = (struct bootinfo_mmap_entry){ start, end - start, type };
		n++;
	}
	free(text);
	return n;
}

TEST(bootinfo_grub_captures_match_seabios)
{
	for (size_t c = 0; c < sizeof(captures) / sizeof(captures[0]); c++) {
		struct bootinfo_mmap_entry want[BOOTINFO_MAX_MMAP];
		static struct bootinfo bi;
		char name[32];
		size_t len;
		void *blob;
		unsigned nwant = read_e820(captures[c], want, BOOTINFO_MAX_MMAP);
		const struct bootinfo_module *mod;

		snprintf(name, sizeof(name), "mbi-%s.bin", captures[c]);
		blob = test_read_file(name, &len);
		CHECK(nwant >= 5);
		CHECK_EQ(bootinfo_parse(blob, len, 0x11e2e0, &bi), 0);
		CHECK_EQ(bi.info_size, len);
		CHECK_EQ(bi.info_pa, 0x11e2e0);
		CHECK_EQ(bi.mmap_count, nwant);
		for (unsigned i = 0; i < nwant; i++) {
			CHECK_EQ(bi.mmap[i].addr, want[i].addr);
			CHECK_EQ(bi.mmap[i].len, want[i].len);
			CHECK_EQ(bi.mmap[i].type, want[i].type);
		}
		CHECK(strncmp(bi.loader_name, "GRUB", 4) == 0);
		CHECK_STR(bi.cmdline, "");		/* the ISO was built without CMDLINE */
		CHECK_EQ(bi.module_count, 1);
		CHECK_STR(bi.modules[0].cmdline, "/boot/kernel.elf");
		CHECK(bi.modules[0].end > bi.modules[0].start);
		mod = bootinfo_find_module(&bi, "/boot/kernel.elf");
		CHECK(mod == &bi.modules[0]);
		CHECK(bootinfo_find_module(&bi, "/boot/kernel") == NULL);
		CHECK_EQ(bi.acpi_rsdp_version, 1);	/* SeaBIOS: revision 0 RSDP */
		CHECK_EQ(bi.acpi_rsdp_len, 20);
		CHECK(memcmp(bi.acpi_rsdp, "RSD PTR ", 8) == 0);
		CHECK(bi.has_load_base);
		CHECK_EQ(bi.load_base_addr, 0x200000);
		CHECK(bi.has_meminfo);
		CHECK_EQ(bi.mem_lower_kib, 639);
		CHECK_EQ(bi.unknown_tags, 0);
		CHECK(bi.tag_count >= 8);
		free(blob);
	}
}

/* Every prefix of a real MBI fails, both as a short buffer (len < total_size)
 * and with total_size patched to the prefix length (the walk itself must
 * notice the missing end tag or the cut tag). */
TEST(bootinfo_every_truncation_fails)
{
	static struct bootinfo bi;

	for (size_t c = 0; c < sizeof(captures) / sizeof(captures[0]); c++) {
		char name[32];
		size_t len;
		uint8_t *blob;

		snprintf(name, sizeof(name), "mbi-%s.bin", captures[c]);
		blob = test_read_file(name, &len);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *p = exact_copy(blob, cut);
			uint32_t total = (uint32_t)cut;
			int err;

			CHECK(bootinfo_parse(p, cut, 0, &bi) < 0);
			if (cut >= 8) {
				memcpy(p, &total, 4);
				err = bootinfo_parse(p, cut, 0, &bi);
				if (err != -E_TRUNC && err != -E_INVAL) {
					test_fail(__FILE__, __LINE__, "%s cut at %zu: %d", name, cut, err);
					free(p);
					return;
				}
			}
			free(p);
		}
		free(blob);
	}
}

/* Offsets of every tag of a blob, end tag included. */
static unsigned tag_offsets(const uint8_t *blob, size_t *offs, unsigned max)
{
	uint32_t total, size, type;
	size_t off = 8;
	unsigned n = 0;

	memcpy(&total, blob, 4);
	while (off + 8 <= total && n < max) {
		memcpy(&type, blob + off, 4);
		memcpy(&size, blob + off + 4, 4);
		offs[n++] = off;
		if (type == 0)
			break;
		off += (size + 7) & ~7u;
	}
	return n;
}

/* Tag sizes that can never be right must be refused; any other size may
 * parse or not, but must never make the parser read outside the blob. */
TEST(bootinfo_corrupt_tag_sizes)
{
	static struct bootinfo bi;
	size_t len, offs[64];
	uint8_t *blob = test_read_file("mbi-6g.bin", &len);
	unsigned ntags = tag_offsets(blob, offs, 64);
	uint32_t total = (uint32_t)len;

	CHECK(ntags >= 8);
	for (unsigned t = 0; t < ntags; t++) {
		uint32_t room = total - (uint32_t)offs[t], orig;
		const uint32_t must_fail[] = { 0, 1, 4, 7, room + 1, room + 8, total,
					       0x80000000u, 0xffffffffu };
		const uint32_t may_pass[] = { 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 64,
					      room - 1, room };

		memcpy(&orig, blob + offs[t] + 4, 4);
		for (size_t i = 0; i < sizeof(must_fail) / sizeof(must_fail[0]); i++) {
			memcpy(blob + offs[t] + 4, &must_fail[i], 4);
			if (parse_copy(blob, len, &bi) >= 0) {
				test_fail(__FILE__, __LINE__, "tag %u size %u parsed", t, must_fail[i]);
				return;
			}
		}
		for (size_t i = 0; i < sizeof(may_pass) / sizeof(may_pass[0]); i++) {
			memcpy(blob + offs[t] + 4, &may_pass[i], 4);
			(void)parse_copy(blob, len, &bi);
		}
		memcpy(blob + offs[t] + 4, &orig, 4);
	}
	/* The header's total_size, too. */
	for (uint32_t ts = 0; ts < total + 16; ts++) {
		memcpy(blob, &ts, 4);
		if (ts != total)
			CHECK(parse_copy(blob, len, &bi) < 0);
	}
	memcpy(blob, &total, 4);
	CHECK_EQ(parse_copy(blob, len, &bi), 0);
	free(blob);
}

/* Random byte flips anywhere: only "no crash, and a success is sane". */
TEST(bootinfo_random_corruption_is_safe)
{
	static struct bootinfo bi;
	uint32_t seed = 99;
	size_t len;
	uint8_t *blob = test_read_file("mbi-512m.bin", &len);

	for (int round = 0; round < 20000; round++) {
		uint8_t *p = exact_copy(blob, len);

		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			p[8 + (seed >> 8) % (len - 8)] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		}
		if (bootinfo_parse(p, len, 0, &bi) == 0) {
			CHECK(bi.mmap_count <= BOOTINFO_MAX_MMAP);
			CHECK(bi.module_count <= BOOTINFO_MAX_MODULES);
			CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
			CHECK(memchr(bi.loader_name, 0, sizeof(bi.loader_name)) != NULL);
			for (unsigned i = 0; i < bi.module_count; i++)
				CHECK(bi.modules[i].end >= bi.modules[i].start);
		}
		free(p);
	}
	free(blob);
}

/* ------------------------------------------------ hand-built MBIs */

struct mb {
	uint8_t buf[8192] __attribute__((aligned(8)));
	size_t len;
};

static void mb_begin(struct mb *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

static void *mb_tag(struct mb *b, uint32_t type, uint32_t size)
{
	struct mb2_tag *t = (void *)(b->buf + b->len);

	t->type = type;
	t->size = size;
	b->len += (size + 7) & ~7u;
	return t;
}

static void mb_string(struct mb *b, uint32_t type, const char *s)
{
	struct mb2_tag_string *t = mb_tag(b, type, 8 + (uint32_t)strlen(s) + 1);

	memcpy(t->string, s, strlen(s) + 1);
}

static void mb_module(struct mb *b, uint32_t start, uint32_t end, const char *s)
{
	struct mb2_tag_module *t = mb_tag(b, MB2_TAG_MODULE, 16 + (uint32_t)strlen(s) + 1);

	t->mod_start = start;
	t->mod_end = end;
	memcpy(t->cmdline, s, strlen(s) + 1);
}

/* n entries, entry_size apart, [i * 1 MiB, +1 MiB) of type 1. */
static void mb_mmap(struct mb *b, unsigned n, uint32_t entry_size)
{
	struct mb2_tag_mmap *t = mb_tag(b, MB2_TAG_MMAP, 16 + n * entry_size);

	t->entry_size = entry_size;
	for (unsigned i = 0; i < n; i++) {
		/* memcpy: a deliberately bad entry_size leaves entries misaligned. */
		struct mb2_mmap_entry e = { i * 0x100000ULL, 0x100000, 1, 0 };

		memcpy((uint8_t *)t + 16 + i * entry_size, &e, sizeof(e));
	}
}

static void mb_acpi(struct mb *b, uint32_t type, uint32_t rsdp_len, uint8_t fill)
{
	struct mb2_tag_acpi *t = mb_tag(b, type, 8 + rsdp_len);

	memset(t->rsdp, fill, rsdp_len);
}

static int mb_end(struct mb *b, struct bootinfo *bi)
{
	uint32_t total;

	mb_tag(b, MB2_TAG_END, 8);
	total = (uint32_t)b->len;
	memcpy(b->buf, &total, 4);
	return bootinfo_parse(b->buf, b->len, 0x1000, bi);
}

TEST(bootinfo_minimal_and_unknown_tags)
{
	static struct mb b;
	static struct bootinfo bi;

	mb_begin(&b);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.tag_count, 1);
	mb_begin(&b);
	mb_tag(&b, 99, 12);
	mb_tag(&b, MB2_TAG_FRAMEBUFFER, 32);	/* known, not used: not "unknown" */
	mb_string(&b, MB2_TAG_CMDLINE, "loglevel=7 \"foo=a b\"");
	mb_string(&b, MB2_TAG_BOOT_LOADER_NAME, "kexec-kernel 0.1.0");
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.unknown_tags, 1);
	CHECK_EQ(bi.tag_count, 5);
	CHECK_STR(bi.cmdline, "loglevel=7 \"foo=a b\"");
	CHECK_STR(bi.loader_name, "kexec-kernel 0.1.0");
	CHECK_EQ(bi.info_pa, 0x1000);
}

TEST(bootinfo_structure_errors)
{
	static struct mb b;
	static struct bootinfo bi;
	uint32_t v;

	/* No end tag: total_size ends right after the last tag. */
	mb_begin(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "x");
	v = (uint32_t)b.len;
	memcpy(b.buf, &v, 4);
	CHECK_EQ(bootinfo_parse(b.buf, b.len, 0, &bi), -E_INVAL);
	/* End tag of the wrong size. */
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_END, 16);
	v = (uint32_t)b.len;
	memcpy(b.buf, &v, 4);
	CHECK_EQ(bootinfo_parse(b.buf, b.len, 0, &bi), -E_INVAL);
	/* Bytes after the end tag but inside total_size. */
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_END, 8);
	v = (uint32_t)b.len + 8;
	memcpy(b.buf, &v, 4);
	CHECK_EQ(bootinfo_parse(b.buf, v, 0, &bi), -E_INVAL);
	/* total_size past the buffer; header too short; MBI misaligned. */
	mb_begin(&b);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bootinfo_parse(b.buf, b.len - 1, 0, &bi), -E_TRUNC);
	CHECK_EQ(bootinfo_parse(b.buf, 7, 0, &bi), -E_TRUNC);
	CHECK_EQ(bootinfo_parse(b.buf + 4, b.len, 0, &bi), -E_INVAL);
}

TEST(bootinfo_string_rules)
{
	static struct mb b;
	static struct bootinfo bi;
	static char big[4096];
	struct mb2_tag_string *t;

	/* A string with no NUL inside its tag. */
	mb_begin(&b);
	t = mb_tag(&b, MB2_TAG_CMDLINE, 8 + 4);
	memcpy(t->string, "abcd", 4);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* An empty tag has no room even for the NUL. */
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_BOOT_LOADER_NAME, 8);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* Longest cmdline that fits whole. */
	memset(big, 'a', BOOTINFO_CMDLINE_MAX - 1);
	big[BOOTINFO_CMDLINE_MAX - 1] = '\0';
	mb_begin(&b);
	mb_string(&b, MB2_TAG_CMDLINE, big);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
	CHECK_EQ(bi.cmdline_full_len, 0);
	/* 4 KiB of "panic=30 ": the words that fit stay whole, the word
	 * across the limit goes with the rest, and the cut is recorded. */
	for (size_t i = 0; i + 9 < sizeof(big); i += 9)
		memcpy(big + i, "panic=30 ", 9);
	big[sizeof(big) - 1] = '\0';
	mb_begin(&b);
	mb_string(&b, MB2_TAG_CMDLINE, big);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.cmdline_full_len, strlen(big));
	CHECK(strlen(bi.cmdline) <= BOOTINFO_CMDLINE_MAX - 1);
	CHECK_EQ(strlen(bi.cmdline) % 9, 8);		/* ends with a whole "panic=30" */
	CHECK_EQ(strncmp(bi.cmdline + strlen(bi.cmdline) - 8, "panic=30", 8), 0);
	CHECK_EQ(bi.cmdline_words_dropped, 455 - (strlen(bi.cmdline) + 1) / 9);
	/* One long word: nothing of it is kept. */
	memset(big, 'w', sizeof(big) - 1);
	mb_begin(&b);
	mb_string(&b, MB2_TAG_CMDLINE, big);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_STR(bi.cmdline, "");
	CHECK_EQ(bi.cmdline_words_dropped, 1);
	/* Loader name of 64 characters is cut to its 64-byte field, counted. */
	memset(big, 'n', 64);
	big[64] = '\0';
	mb_begin(&b);
	mb_string(&b, MB2_TAG_BOOT_LOADER_NAME, big);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(strlen(bi.loader_name), 63);
	CHECK_EQ(bi.names_cut, 1);
}

TEST(bootinfo_module_rules)
{
	static struct mb b;
	static struct bootinfo bi;
	static char big[BOOTINFO_MODULE_CMDLINE_MAX + 1];
	struct mb2_tag_module *t;

	mb_begin(&b);
	mb_module(&b, 0x10c000, 0x11e2d8, "/boot/kernel.elf");
	mb_module(&b, 0x200000, 0x200000, "empty arg=1");	/* empty is allowed */
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.module_count, 2);
	CHECK_EQ(bi.modules[0].start, 0x10c000);
	CHECK_EQ(bi.modules[0].end, 0x11e2d8);
	CHECK(bootinfo_find_module(&bi, "empty") == &bi.modules[1]);
	CHECK(bootinfo_find_module(&bi, "empty arg=1") == &bi.modules[1]);
	CHECK(bootinfo_find_module(&bi, "emp") == NULL);
	CHECK(bootinfo_find_module(&bi, "") == NULL);
	/* End before start. */
	mb_begin(&b);
	mb_module(&b, 0x200000, 0x1fffff, "m");
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* Tag too small for its fixed part. */
	mb_begin(&b);
	t = mb_tag(&b, MB2_TAG_MODULE, 16);
	t->mod_start = t->mod_end = 0;
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* cmdline one byte too long for its field: cut, counted. */
	memset(big, 'm', BOOTINFO_MODULE_CMDLINE_MAX);
	big[BOOTINFO_MODULE_CMDLINE_MAX] = '\0';
	mb_begin(&b);
	mb_module(&b, 0, 1, big);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(strlen(bi.modules[0].cmdline), BOOTINFO_MODULE_CMDLINE_MAX - 1);
	CHECK_EQ(bi.names_cut, 1);
	/* Four modules more than the table holds: kept 16, dropped 4, the
	 * first dropped named; a dropped module's tag is still checked. */
	mb_begin(&b);
	for (unsigned i = 0; i < BOOTINFO_MAX_MODULES + 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mod%u", i);
		mb_module(&b, i * 4096, i * 4096 + 4096, name);
	}
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.module_count, BOOTINFO_MAX_MODULES);
	CHECK_EQ(bi.modules_dropped, 4);
	CHECK_STR(bi.first_dropped_module, "mod16");
	CHECK_STR(bi.modules[15].cmdline, "mod15");
	mb_begin(&b);
	for (unsigned i = 0; i <= BOOTINFO_MAX_MODULES; i++)
		mb_module(&b, i * 4096, i * 4096 + 4096, "m");
	t = (void *)(b.buf + b.len - 24);	/* the last module: end before start */
	t->mod_end = t->mod_start - 1;
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
}

TEST(bootinfo_mmap_rules)
{
	static struct mb b;
	static struct bootinfo bi;
	struct mb2_tag_mmap *t;

	/* A future, larger entry_size is fine: entries are entry_size apart. */
	mb_begin(&b);
	mb_mmap(&b, 3, 32);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.mmap_count, 3);
	CHECK_EQ(bi.mmap[2].addr, 0x200000);
	CHECK_EQ(bi.mmap[2].len, 0x100000);
	CHECK_EQ(bi.mmap[2].type, 1);
	/* Entry size too small, or not a multiple of 8. */
	mb_begin(&b);
	mb_mmap(&b, 2, 16);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	mb_begin(&b);
	mb_mmap(&b, 2, 28);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* A partial entry at the end of the tag. */
	mb_begin(&b);
	t = mb_tag(&b, MB2_TAG_MMAP, 16 + 24 + 8);
	t->entry_size = 24;
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* A range wrapping past 2^64. */
	mb_begin(&b);
	mb_mmap(&b, 1, 24);
	t = (void *)(b.buf + 8);
	t->entries[0].addr = 0xfffffffffffff000ULL;
	t->entries[0].len = 0x2000;
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	/* Past the table: the first BOOTINFO_MAX_MMAP kept, the rest counted. */
	mb_begin(&b);
	mb_mmap(&b, BOOTINFO_MAX_MMAP + 3, 24);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.mmap_count, BOOTINFO_MAX_MMAP);
	CHECK_EQ(bi.mmap_dropped, 3);
	CHECK_EQ(bi.mmap_dropped_ram, 3 * 0x100000ULL);
	mb_begin(&b);
	mb_mmap(&b, BOOTINFO_MAX_MMAP, 24);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.mmap_count, BOOTINFO_MAX_MMAP);
	/* Two memory maps. */
	mb_begin(&b);
	mb_mmap(&b, 1, 24);
	mb_mmap(&b, 1, 24);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
}

TEST(bootinfo_acpi_newest_rsdp_wins)
{
	static struct mb b;
	static struct bootinfo bi;

	mb_begin(&b);
	mb_acpi(&b, MB2_TAG_ACPI_NEW, 36, 0x22);
	mb_acpi(&b, MB2_TAG_ACPI_OLD, 20, 0x11);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.acpi_rsdp_version, 2);
	CHECK_EQ(bi.acpi_rsdp_len, 36);
	CHECK_EQ(bi.acpi_rsdp[35], 0x22);
	mb_begin(&b);
	mb_acpi(&b, MB2_TAG_ACPI_OLD, 20, 0x11);
	mb_acpi(&b, MB2_TAG_ACPI_NEW, 36, 0x22);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK_EQ(bi.acpi_rsdp_version, 2);
	CHECK_EQ(bi.acpi_rsdp[0], 0x22);
	/* Too short for its revision, or longer than the copy holds. */
	mb_begin(&b);
	mb_acpi(&b, MB2_TAG_ACPI_OLD, 19, 0);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	mb_begin(&b);
	mb_acpi(&b, MB2_TAG_ACPI_NEW, 20, 0);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	mb_begin(&b);
	mb_acpi(&b, MB2_TAG_ACPI_NEW, BOOTINFO_RSDP_MAX + 1, 0);
	CHECK_EQ(mb_end(&b, &bi), -E_2BIG);
}

TEST(bootinfo_small_fixed_tags)
{
	static struct mb b;
	static struct bootinfo bi;
	struct mb2_tag_basic_meminfo *mi;
	struct mb2_tag_load_base_addr *lb;

	mb_begin(&b);
	mi = mb_tag(&b, MB2_TAG_BASIC_MEMINFO, 16);
	mi->mem_lower = 639;
	mi->mem_upper = 523136;
	lb = mb_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 12);
	lb->load_base_addr = 0x400000;
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(bi.has_meminfo && bi.has_load_base);
	CHECK_EQ(bi.mem_upper_kib, 523136);
	CHECK_EQ(bi.load_base_addr, 0x400000);
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_BASIC_MEMINFO, 12);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_LOAD_BASE_ADDR, 8);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
}

/* An EFI memory map tag with n descriptors (40 bytes apart, 48 if wide). */
static struct mb2_tag_efi_mmap *mb_efi_mmap(struct mb *b, const struct efi_memory_descriptor *d,
					    unsigned n, uint32_t descr_size)
{
	struct mb2_tag_efi_mmap *t = mb_tag(b, MB2_TAG_EFI_MMAP, 16 + n * descr_size);

	t->descr_size = descr_size;
	t->descr_vers = 1;
	for (unsigned i = 0; i < n; i++)
		memcpy(t->descr + i * descr_size, &d[i], sizeof(d[i]));
	return t;
}

/* Without a memory map tag the EFI map gives the map: boot services and
 * loader memory are usable after ExitBootServices, runtime and MMIO are
 * reserved, neighbours of one type merge; a memory map tag wins in either
 * order; a framebuffer tag is read (UEFI has no VGA text mode). */
TEST(bootinfo_efi_memory_map_and_framebuffer)
{
	static const struct efi_memory_descriptor d[] = {
		{ EFI_CONVENTIONAL_MEMORY, 0, 0x0, 0, 0xa0, 0 },
		{ EFI_BOOT_SERVICES_DATA, 0, 0x100000, 0, 0x100, 0 },
		{ EFI_LOADER_CODE, 0, 0x200000, 0, 0x200, 0 },	/* merges with the one before */
		{ EFI_ACPI_MEMORY_NVS, 0, 0x400000, 0, 0x10, 0 },
		{ 5 /* runtime services code */, 0, 0x410000, 0, 0x10, 0 },
		{ EFI_ACPI_RECLAIM_MEMORY, 0, 0x420000, 0, 0x1, 0 },
	};
	static struct mb b;
	static struct bootinfo bi;
	struct mb2_tag_framebuffer *fb;

	mb_begin(&b);
	mb_efi_mmap(&b, d, 6, 48);
	fb = mb_tag(&b, MB2_TAG_FRAMEBUFFER, sizeof(*fb) + 8);
	fb->addr = 0x80000000;
	fb->width = 1280, fb->height = 800, fb->bpp = 32, fb->fb_type = MB2_FRAMEBUFFER_RGB;
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(bi.mmap_from_efi);
	CHECK_EQ(bi.mmap_count, 5);
	CHECK_EQ(bi.mmap[1].addr, 0x100000);
	CHECK_EQ(bi.mmap[1].len, 0x300000);
	CHECK_EQ(bi.mmap[1].type, MB2_MEMORY_AVAILABLE);
	CHECK_EQ(bi.mmap[2].type, MB2_MEMORY_NVS);
	CHECK_EQ(bi.mmap[3].type, MB2_MEMORY_RESERVED);
	CHECK_EQ(bi.mmap[4].type, MB2_MEMORY_ACPI_RECLAIMABLE);
	CHECK(bi.has_framebuffer);
	CHECK_EQ(bi.fb_type, MB2_FRAMEBUFFER_RGB);
	CHECK_EQ(bi.fb_width, 1280);
	/* A memory map tag after it replaces it... */
	mb_begin(&b);
	mb_efi_mmap(&b, d, 6, 40);
	mb_mmap(&b, 3, 24);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(!bi.mmap_from_efi);
	CHECK_EQ(bi.mmap_count, 3);
	/* ...and before it, the EFI map is ignored. */
	mb_begin(&b);
	mb_mmap(&b, 3, 24);
	mb_efi_mmap(&b, d, 6, 40);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(!bi.mmap_from_efi);
	CHECK_EQ(bi.mmap_count, 3);
	/* Descriptors smaller than the UEFI structure, and a range that wraps. */
	mb_begin(&b);
	mb_efi_mmap(&b, d, 1, 32);
	CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	{
		struct efi_memory_descriptor w = { EFI_CONVENTIONAL_MEMORY, 0, 0xfffffffffff00000ULL,
						   0, 0x1000, 0 };

		mb_begin(&b);
		mb_efi_mmap(&b, &w, 1, 40);
		CHECK_EQ(mb_end(&b, &bi), -E_INVAL);
	}
}

/* The EFI system table tag says UEFI booted us (no VGA text mode); the
 * BIOS captures have none. */
TEST(bootinfo_efi_system_table_marks_uefi)
{
	static struct mb b;
	static struct bootinfo bi;

	mb_begin(&b);
	mb_tag(&b, MB2_TAG_EFI64, 16);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(bi.efi);
	CHECK(!bi.has_framebuffer);
	mb_begin(&b);
	mb_mmap(&b, 2, 24);
	CHECK_EQ(mb_end(&b, &bi), 0);
	CHECK(!bi.efi);
}

/*
 * kexec-tools 2.0.25's MBI: basic meminfo, memory map, load base, cmdline,
 * loader name, then its modules and the end tag; total_size counts each
 * module string unpadded, and only total_size bytes reach memory, so what
 * follows reads as zeros.  short_by says how many bytes the writer's
 * padding added (its miscount); the bytes past total_size are zeroed.
 */
static size_t kexec_tools_mbi(struct mb *b, const char *const *mods, unsigned n, size_t *real)
{
	size_t total;
	uint32_t t32;

	mb_begin(b);
	mb_tag(b, MB2_TAG_BASIC_MEMINFO, 16);
	mb_mmap(b, 3, 24);
	mb_tag(b, MB2_TAG_LOAD_BASE_ADDR, 12);
	mb_string(b, MB2_TAG_CMDLINE, "/boot/kernel.elf loglevel=7");
	mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "kexec 2.0.25");
	total = b->len + 8;				/* its count of the end tag */
	for (unsigned i = 0; i < n; i++) {
		mb_module(b, 0x100000, 0x200000, mods[i]);
		total += 16 + strlen(mods[i]) + 1;	/* unpadded */
	}
	mb_tag(b, MB2_TAG_END, 8);
	*real = b->len;
	t32 = (uint32_t)total;
	memcpy(b->buf, &t32, 4);
	memset(b->buf + total, 0, sizeof(b->buf) - total);	/* never loaded */
	return total;
}

TEST(bootinfo_kexec_tools_short_total_size_is_tolerated)
{
	static struct mb b;
	static struct bootinfo bi;
	const char *one[] = { "/boot/kernel.elf" };	/* 17 bytes: 7 of padding */
	const char *three[] = { "/boot/kernel.elf", "/boot/x", "/boot/mini32.elf" };
	size_t total, real;

	/* One module: the end tag's size is lost (reads 0). */
	total = kexec_tools_mbi(&b, one, 1, &real);
	CHECK_EQ(real - total, 7);
	CHECK_EQ(bootinfo_parse(b.buf, sizeof(b.buf), 0xa000, &bi), 0);
	CHECK_EQ(bi.mbi_short_by, 7);
	CHECK_EQ(bi.info_size, real);
	CHECK_EQ(bi.module_count, 1);
	CHECK_STR(bi.modules[0].cmdline, "/boot/kernel.elf");
	CHECK_STR(bi.loader_name, "kexec 2.0.25");
	/* Nothing readable past total_size: as before, refused. */
	CHECK_EQ(bootinfo_parse(b.buf, total, 0xa000, &bi), -E_TRUNC);

	/* Three modules: 7 + 0 + 7 bytes short; every string still whole. */
	total = kexec_tools_mbi(&b, three, 3, &real);
	CHECK_EQ(real - total, 14);
	CHECK_EQ(bootinfo_parse(b.buf, sizeof(b.buf), 0xa000, &bi), 0);
	CHECK_EQ(bi.mbi_short_by, 14);
	CHECK_EQ(bi.module_count, 3);
	CHECK_STR(bi.modules[2].cmdline, "/boot/mini32.elf");

	/* Had the last string lost bytes (a shorter total_size), refuse. */
	total = kexec_tools_mbi(&b, three, 3, &real);
	memcpy(b.buf, &(uint32_t){ (uint32_t)total - 9 }, 4);
	memset(b.buf + total - 9, 0, 9);
	CHECK_EQ(bootinfo_parse(b.buf, sizeof(b.buf), 0xa000, &bi), -E_TRUNC);

	/* Short by more than 7 bytes a module: not this quirk. */
	total = kexec_tools_mbi(&b, one, 1, &real);
	memcpy(b.buf, &(uint32_t){ (uint32_t)total - 8 }, 4);
	CHECK(bootinfo_parse(b.buf, sizeof(b.buf), 0xa000, &bi) < 0);

	/* The same shortfall after a tag that is no module: not this quirk. */
	mb_begin(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "x");
	mb_tag(&b, MB2_TAG_END, 8);
	memcpy(b.buf, &(uint32_t){ (uint32_t)b.len - 6 }, 4);
	CHECK_EQ(bootinfo_parse(b.buf, sizeof(b.buf), 0xa000, &bi), -E_TRUNC);
}
