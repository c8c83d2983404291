/*
 * Synthetic multiboot2 kernels for the loader tests: a small ELF64 or
 * ELF32 image described by struct fake (PT_LOADs, entry, multiboot2 header
 * and its tags), laid out in memory by fake_make, so each test can break
 * exactly one thing.  Used by test_elf_image.c and test_mb2_header.c.
 */
#ifndef TESTS_UNIT_FAKE_ELF_H
#define TESTS_UNIT_FAKE_ELF_H

#include <string.h>
#include "kexec/elf_image.h"

#define FAKE_SIZE 0x3000		/* file size of the default image */
#define FAKE_BUF_SIZE 0x9000	/* fake_buf: room for a header past 32 KiB */

struct fake_load { uint64_t off, vaddr, paddr, filesz, memsz; };

struct fake {
	int cls;			/* 32 or 64 */
	uint64_t entry;
	unsigned nr_loads;
	struct fake_load load[18];
	uint32_t load_type[18];		/* p_type; 0 means PT_LOAD */
	size_t mb2_off;			/* where the multiboot2 header goes; 0: none */
	uint32_t arch;
	int32_t sum_error;		/* added to the right checksum */
	uint8_t tags[256];		/* after the 16-byte header */
	size_t tags_len;
	bool no_end;			/* leave the end tag out */
	size_t size;			/* file size */
};

static inline void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Append a header tag: type, flags, then n 32-bit words; padded to 8. */
void fake_tag(struct fake *fk, uint16_t type, uint16_t flags, int n, const uint32_t *words);

/* ELF64 or ELF32 (cls), two PT_LOADs at 1 MiB (text, then data + bss), a
 * multiboot2 header at the start of the text asking for cmdline and mmap. */
void fake_default(struct fake *fk, int cls);

/* Lay the image out in f (cap bytes, zeroed first; the end tag is added
 * unless no_end); returns fk->size. */
size_t fake_make(uint8_t *f, size_t cap, struct fake *fk);

/* The buffer the tests lay images out in. */
extern uint8_t fake_buf[FAKE_BUF_SIZE];

/* fake_make into fake_buf, then elf_image_parse; the reason goes to why. */
int fake_parse(struct fake *fk, struct elf_image *img, char *why, size_t whylen);

/* One malformed image: how to break the default one, and what must come out. */
struct bad_case {
	const char *name;
	void (*mutate)(struct fake *fk);	/* before it is laid out */
	int err;
	const char *why;			/* a substring of the reason */
	void (*patch)(uint8_t *f);		/* after, on the bytes (may be NULL) */
};

/* Run each case on the default ELF64 image; fail the test on the first
 * that does not give its error and reason.  Returns false then. */
bool fake_run_bad_cases(const struct bad_case *cases, size_t n);

#endif
