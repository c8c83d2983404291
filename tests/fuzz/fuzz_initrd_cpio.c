/*
 * Fuzz target: a cpio "newc" initrd split into boot modules
 * (boot/initrd_cpio.c).  The first input byte says how many module slots
 * a loader already filled (0-16); the rest is the archive, read at
 * ARCHIVE_PA through a read function that refuses what lies past it.  An
 * accepted archive adds exactly its regular files, each inside the archive
 * and named by an absolute path the archive spells; a refused one adds
 * nothing.  Seeds: corpus/initrd_cpio/ (make_synthetic_seeds.py).
 */
#define _GNU_SOURCE		/* memmem */
#include <stdlib.h>
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "tests/fuzz/fuzz.h"

#define ARCHIVE_PA 0x4000000ULL

struct archive {
	const uint8_t *data;
	size_t size;
};

static int read_archive(void *ctx, paddr_t pa, void *buf, size_t len)
{
	const struct archive *a = ctx;

	if (pa < ARCHIVE_PA || pa - ARCHIVE_PA > a->size || len > a->size - (pa - ARCHIVE_PA))
		return -E_RANGE;
	memcpy(buf, a->data + (pa - ARCHIVE_PA), len);
	return 0;
}

/* The files added: inside the archive, after a header naming them. */
static void check_files(const struct archive *a, const struct bootinfo *bi, unsigned before)
{
	for (unsigned i = before; i < bi->module_count; i++) {
		const struct bootinfo_module *m = &bi->modules[i];
		const char *name = m->cmdline;
		size_t len = strnlen(name, sizeof(m->cmdline));

		if (m->start < ARCHIVE_PA + 110 || m->end < m->start ||
		    m->end > ARCHIVE_PA + a->size || name[0] != '/' || len == sizeof(m->cmdline))
			abort();
		/* The archive's name is relative ("boot/x") or already absolute. */
		if (!memmem(a->data, m->start - ARCHIVE_PA, name + 1, len) &&
		    !memmem(a->data, m->start - ARCHIVE_PA, name, len + 1))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi, saved;
	struct fuzz_input in = { data, size };
	unsigned before = fuzz_take(&in, 1) % (BOOTINFO_MAX_MODULES + 1);
	uint8_t *copy = fuzz_dup(in.data, in.size);
	struct archive a = { copy, in.size };
	int n;

	if (!copy)
		return 0;
	memset(&bi, 0, sizeof(bi));
	for (unsigned i = 0; i < before; i++)
		bi.modules[i] = (struct bootinfo_module){ 0x1000 * i, 0x1000 * i + 1, "loader" };
	bi.module_count = before;
	memcpy(&saved, &bi, sizeof(bi));
	n = initrd_cpio_modules(read_archive, &a, ARCHIVE_PA, a.size, &bi);
	if (n >= 0) {
		if (bi.module_count != before + (unsigned)n || bi.initrd_files != (unsigned)n ||
		    memcmp(bi.modules, saved.modules, before * sizeof(bi.modules[0])) != 0)
			abort();
		check_files(&a, &bi, before);
	} else {
		/* Nothing added on error; -E_2BIG says how many files there were.
		 * Every read lies inside the archive: never -E_RANGE. */
		if (n != -E_INVAL && n != -E_TRUNC && n != -E_2BIG)
			abort();
		if (n == -E_2BIG ? bi.initrd_files <= BOOTINFO_MAX_MODULES - before
				 : bi.initrd_files != 0)
			abort();
		bi.initrd_files = 0;
		if (memcmp(&bi, &saved, sizeof(bi)) != 0)
			abort();
	}
	free(copy);
	return 0;
}
