/*
 * Tests of the multiboot2 header parser (kexec/mb2_header.c) on synthetic
 * kernels (fake_elf.h): every malformed header or tag refused with its
 * named error and reason, what may be ignored is, and a bad candidate
 * before the real header does not hide it.
 */
#include <string.h>
#include "kexec/elf_image.h"
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "tests/unit/fake_elf.h"
#include "tests/unit/test.h"

static void m_nothing(struct fake *fk) { }
static void m_no_header(struct fake *fk) { fk->mb2_off = 0; }
static void m_bad_checksum(struct fake *fk) { fk->sum_error = 1; }
static void m_arch_mips(struct fake *fk) { fk->arch = 4; }
static void m_header_too_far(struct fake *fk) { fk->size = 0x9000; fk->mb2_off = 0x8000; }
static void m_header_straddles(struct fake *fk) { fk->size = 0x9000; fk->mb2_off = 0x7ff0; }
static void m_header_past_file(struct fake *fk) { fk->mb2_off = 0x2ff0; }

static void m_address_tag(struct fake *fk)
{
	const uint32_t w[] = { 0x100000, 0x100000, 0, 0 };

	fake_tag(fk, 2, 0, 4, w);
}

static void m_unknown_required(struct fake *fk) { fake_tag(fk, 42, 0, 0, NULL); }
static void m_efi_required(struct fake *fk) { const uint32_t w[] = { 0x100000 }; fake_tag(fk, 8, 0, 1, w); }

static void m_request_framebuffer(struct fake *fk)
{
	const uint32_t w[] = { 8 };

	fake_tag(fk, 1, 0, 1, w);
}

static void m_tag_too_small(struct fake *fk)
{
	fake_tag(fk, 4, 0, 1, (const uint32_t[]){ 2 });
	put32(fk->tags + fk->tags_len - 16 + 4, 4);
}

static void m_tag_past_header(struct fake *fk)
{
	fake_tag(fk, 4, 0, 1, (const uint32_t[]){ 2 });
	put32(fk->tags + fk->tags_len - 16 + 4, 400);
}

static void m_no_end_tag(struct fake *fk) { fk->no_end = true; }

static void m_reloc_preference(struct fake *fk)
{
	fake_tag(fk, 10, 0, 4, (const uint32_t[]){ 0x100000, 0x1000000, 0x1000, 3 });
}

static void m_reloc_align(struct fake *fk)
{
	fake_tag(fk, 10, 0, 4, (const uint32_t[]){ 0x100000, 0x1000000, 0x3000, 1 });
}

static void m_reloc_min_max(struct fake *fk)
{
	fake_tag(fk, 10, 0, 4, (const uint32_t[]){ 0x1000000, 0x100000, 0x1000, 1 });
}

static const struct bad_case header_cases[] = {
	{ "no multiboot2 header", m_no_header, -E_NOEXEC, "no multiboot2 header (magic 0xe85250d6)", NULL },
	{ "bad checksum", m_bad_checksum, -E_BADSUM, "offset 0x1000: bad checksum", NULL },
	{ "architecture MIPS", m_arch_mips, -E_NOTSUP, "architecture 4", NULL },
	{ "header past the first 32 KiB", m_header_too_far, -E_NOEXEC, "no multiboot2 header", NULL },
	{ "header straddles 32 KiB", m_header_straddles, -E_TRUNC, "[0x7ff0, 0x8018) runs past the first 32768 bytes", NULL },
	{ "header past the file", m_header_past_file, -E_TRUNC, "runs past the end of the file (12288 bytes)", NULL },
	{ "address tag (a.out kludge)", m_address_tag, -E_NOTSUP, "a.out kludge", NULL },
	{ "unknown required tag", m_unknown_required, -E_NOTSUP, "tag 42 (unknown)", NULL },
	{ "EFI entry tag required", m_efi_required, -E_NOTSUP, "tag 8 (EFI)", NULL },
	{ "required info we do not build", m_request_framebuffer, -E_NOTSUP, "information tag 8", NULL },
	{ "tag size < 8", m_tag_too_small, -E_INVAL, "size 4 < 8", NULL },
	{ "tag past header_length", m_tag_past_header, -E_TRUNC, "runs past header_length", NULL },
	{ "no end tag", m_no_end_tag, -E_INVAL, "no end tag", NULL },
	{ "relocatable: preference 3", m_reloc_preference, -E_INVAL, "preference 3", NULL },
	{ "relocatable: align 0x3000", m_reloc_align, -E_INVAL, "not a power of two", NULL },
	{ "relocatable: min >= max", m_reloc_min_max, -E_INVAL, "min_addr 0x1000000 >= max_addr", NULL },
	{ "control: the default header parses", m_nothing, 0, "", NULL },
};

TEST(mb2_header_malformed_table)
{
	fake_run_bad_cases(header_cases, ARRAY_SIZE(header_cases));
}

TEST(mb2_header_ignores_what_it_may)
{
	static struct elf_image img;
	struct fake fk;
	char why[256];

	fake_default(&fk, 32);
	fake_tag(&fk, 5, 0, 3, (const uint32_t[]){ 1024, 768, 32 });	/* framebuffer: ignored */
	fake_tag(&fk, 8, 1, 1, (const uint32_t[]){ 0x100000 });		/* optional EFI */
	fake_tag(&fk, 42, 1, 0, NULL);					/* optional unknown */
	fake_tag(&fk, 1, 1, 1, (const uint32_t[]){ 8 });			/* optional request */
	fake_tag(&fk, 4, 0, 1, (const uint32_t[]){ 3 });
	CHECK_EQ(fake_parse(&fk, &img, why, sizeof(why)), 0);
	CHECK_EQ(img.mb2.nr_ignored, 3);
	CHECK(img.mb2.requests_optional);
	CHECK_EQ(img.mb2.console_flags, 3);
	CHECK_EQ(img.mb2.nr_requests, 3);	/* 1, 6, then 8 */
}

/* A bad candidate before the real header does not hide it. */
TEST(mb2_header_skips_a_bad_candidate)
{
	static struct elf_image img;
	struct fake fk;
	char why[256];

	fake_default(&fk, 64);
	fk.mb2_off = 0x1100;
	fake_make(fake_buf, sizeof(fake_buf), &fk);
	put32(fake_buf + 0x1000, MB2_HEADER_MAGIC);	/* magic, checksum wrong */
	CHECK_EQ(elf_image_parse(fake_buf, fk.size, &img, why, sizeof(why)), 0);
	CHECK_EQ(img.mb2.offset, 0x1100);
	CHECK_STR(why, "");
}
