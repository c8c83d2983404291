/*
 * The synthetic kernels of fake_elf.h.
 */
#include "lib/errno.h"
#include "lib/multiboot2.h"
#include "tests/unit/fake_elf.h"
#include "tests/unit/test.h"

void fake_tag(struct fake *fk, uint16_t type, uint16_t flags, int n, const uint32_t *words)
{
	uint8_t *t = fk->tags + fk->tags_len;
	uint32_t size = 8 + 4 * (uint32_t)n;

	put16(t, type);
	put16(t + 2, flags);
	put32(t + 4, size);
	for (int i = 0; i < n; i++)
		put32(t + 8 + 4 * i, words[i]);
	fk->tags_len += ALIGN_UP(size, 8);
}

void fake_default(struct fake *fk, int cls)
{
	static const uint32_t req[] = { 1, 6 };
	uint64_t vbase = cls == 64 ? 0xffffffff80000000ULL : 0xc0000000ULL;

	memset(fk, 0, sizeof(*fk));
	fk->cls = cls;
	fk->size = FAKE_SIZE;
	fk->nr_loads = 2;
	fk->load[0] = (struct fake_load){ 0x1000, vbase + 0x100000, 0x100000, 0x1000, 0x1000 };
	fk->load[1] = (struct fake_load){ 0x2000, vbase + 0x101000, 0x101000, 0x800, 0x3000 };
	fk->entry = vbase + 0x100040;
	fk->mb2_off = 0x1000;
	fake_tag(fk, 1, 0, 2, req);
}

size_t fake_make(uint8_t *f, size_t cap, struct fake *fk)
{
	bool is64 = fk->cls == 64;
	size_t phoff = is64 ? 64 : 52, phsz = is64 ? 56 : 32;

	memset(f, 0, cap);
	for (size_t i = 0x1000; i < cap; i++)
		f[i] = (uint8_t)(i * 7 + 3);		/* recognisable file bytes */
	memcpy(f, "\177ELF", 4);
	f[4] = is64 ? 2 : 1;
	f[5] = 1;
	f[6] = 1;
	put16(f + 16, 2);
	put16(f + 18, is64 ? 62 : 3);
	put32(f + 20, 1);
	if (is64) {
		put64(f + 24, fk->entry);
		put64(f + 32, phoff);
		put16(f + 52, 64);
		put16(f + 54, 56);
		put16(f + 56, (uint16_t)fk->nr_loads);
	} else {
		put32(f + 24, (uint32_t)fk->entry);
		put32(f + 28, (uint32_t)phoff);
		put16(f + 40, 52);
		put16(f + 42, 32);
		put16(f + 44, (uint16_t)fk->nr_loads);
	}
	for (unsigned i = 0; i < fk->nr_loads; i++) {
		uint8_t *p = f + phoff + i * phsz;
		const struct fake_load *l = &fk->load[i];

		put32(p, fk->load_type[i] ? fk->load_type[i] : 1);	/* PT_LOAD */
		if (is64) {
			put64(p + 8, l->off);
			put64(p + 16, l->vaddr);
			put64(p + 24, l->paddr);
			put64(p + 32, l->filesz);
			put64(p + 40, l->memsz);
		} else {
			put32(p + 4, (uint32_t)l->off);
			put32(p + 8, (uint32_t)l->vaddr);
			put32(p + 12, (uint32_t)l->paddr);
			put32(p + 16, (uint32_t)l->filesz);
			put32(p + 20, (uint32_t)l->memsz);
		}
	}
	if (fk->mb2_off) {
		uint8_t *h = f + fk->mb2_off;
		uint32_t len = 16 + (uint32_t)fk->tags_len + (fk->no_end ? 0 : 8);

		memset(h + 16 + fk->tags_len, 0, 8);
		if (!fk->no_end)
			put32(h + 16 + fk->tags_len + 4, 8);	/* type 0, size 8 */
		put32(h, MB2_HEADER_MAGIC);
		put32(h + 4, fk->arch);
		put32(h + 8, len);
		put32(h + 12, -(MB2_HEADER_MAGIC + fk->arch + len) + (uint32_t)fk->sum_error);
		memcpy(h + 16, fk->tags, fk->tags_len);
	}
	return fk->size;
}

uint8_t fake_buf[FAKE_BUF_SIZE];

int fake_parse(struct fake *fk, struct elf_image *img, char *why, size_t whylen)
{
	size_t size = fake_make(fake_buf, sizeof(fake_buf), fk);

	return elf_image_parse(fake_buf, size, img, why, whylen);
}

bool fake_run_bad_cases(const struct bad_case *cases, size_t n)
{
	static struct elf_image img;

	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &cases[i];
		struct fake fk;
		char why[256];
		int err;

		fake_default(&fk, 64);
		c->mutate(&fk);
		fake_make(fake_buf, sizeof(fake_buf), &fk);
		if (c->patch)
			c->patch(fake_buf);
		err = elf_image_parse(fake_buf, fk.size, &img, why, sizeof(why));
		if (err != c->err || !strstr(why, c->why)) {
			test_fail(__FILE__, __LINE__, "case '%s': got %s \"%s\", want %s \"%s\"",
				  c->name, err_name(err), why, err_name(c->err), c->why);
			return false;
		}
	}
	return true;
}
