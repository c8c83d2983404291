/*
 * Finding and checking the dead kernel's frame bitmap (crash/dead_frames.h).
 * The one idea: a bitmap that claims a frame free makes the dump drop it,
 * so a damaged bitmap would lose data without a trace.  Every fact it
 * states is checked against what the capture kernel knows independently
 * (the ELF core header's RAM and kernel image, the allocator's own
 * counters) before one frame is left out.  Linux: makedumpfile trusts
 * mem_map's PG_buddy flags after checking VMCOREINFO's sizes.
 */
#include "crash/dead_frames.h"
#include "crash/elfcore.h"
#include "lib/bits.h"
#include "lib/errno.h"
#include "lib/string.h"

#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)
#define PAGE 4096ULL

/* What VMCOREINFO says about struct frames (mm/frames.h). */
struct frames_keys {
	uint64_t va, size;
	uint64_t used, reserved, nframes, nwords, free_count, reserved_count;
};

static int key_number(const char *text, size_t len, const char *key, uint64_t *out, char *why,
		      size_t whylen)
{
	char val[32];

	if (vmcoreinfo_get(text, len, key, val, sizeof(val)) || parse_u64(val, out, false))
		return FAIL(-E_NOENT, "VMCOREINFO has no number %s", key);
	return 0;
}

static int read_keys(struct frames_keys *k, const char *text, size_t len, char *why,
		     size_t whylen)
{
	static const char *const off_keys[] = {
		"OFFSET(frames.used)", "OFFSET(frames.reserved)", "OFFSET(frames.nframes)",
		"OFFSET(frames.nwords)", "OFFSET(frames.free_count)",
		"OFFSET(frames.reserved_count)",
	};
	uint64_t *offs[] = { &k->used, &k->reserved, &k->nframes, &k->nwords, &k->free_count,
			     &k->reserved_count };
	int err;

	if (key_number(text, len, "SYMBOL(pmm)", &k->va, why, whylen))
		return FAIL(-E_NOENT, "VMCOREINFO names no frame allocator (no SYMBOL(pmm)): "
			    "not this kernel's dump");
	err = key_number(text, len, "SIZE(frames)", &k->size, why, whylen);
	if (err)
		return err;
	if (k->size == 0 || k->size > DEAD_FRAMES_STRUCT_MAX)
		return FAIL(-E_RANGE, "SIZE(frames)=%llu is not in (0, %u]",
			    (unsigned long long)k->size, DEAD_FRAMES_STRUCT_MAX);
	for (unsigned i = 0; i < ARRAY_SIZE(off_keys); i++) {
		err = key_number(text, len, off_keys[i], offs[i], why, whylen);
		if (err)
			return err;
		if (*offs[i] > k->size - 8 || *offs[i] % 8)
			return FAIL(-E_RANGE, "%s=%llu does not fit SIZE(frames)=%llu", off_keys[i],
				    (unsigned long long)*offs[i], (unsigned long long)k->size);
	}
	return 0;
}

/* The PT_LOAD holding virtual [va, va + len), and the physical address. */
static int virt_to_phys_load(const Elf64_Phdr *loads, unsigned n, uint64_t va, uint64_t len,
			     paddr_t *pa)
{
	for (unsigned i = 0; i < n; i++) {
		const Elf64_Phdr *ph = &loads[i];

		if (va >= ph->p_vaddr && len <= ph->p_memsz && va - ph->p_vaddr <= ph->p_memsz - len) {
			*pa = ph->p_paddr + (va - ph->p_vaddr);
			return (int)i;
		}
	}
	return -1;
}

/* Are all frames [first, end) marked used (never handed out)? */
static bool all_used(const struct dead_frames *df, uint64_t first, uint64_t end)
{
	end = MIN(end, df->nframes);
	while (first < end) {
		uint64_t w = df->used[first / 64], bit = first % 64;
		uint64_t n = MIN(64 - bit, end - first);
		uint64_t mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << bit;

		if ((w & mask) != mask)
			return false;
		first += n;
	}
	return true;
}

/* The RAM PT_LOAD (not the image's) holding frame pfn wholly, or -1. */
static int frame_load(const Elf64_Phdr *loads, unsigned n, int image, uint64_t pfn)
{
	for (unsigned i = 0; i < n; i++)
		if ((int)i != image && pfn * PAGE >= loads[i].p_paddr &&
		    (pfn + 1) * PAGE <= loads[i].p_paddr + loads[i].p_memsz)
			return (int)i;
	return -1;
}

static int check_words(const struct dead_frames *df, uint64_t nwords, const uint8_t *st,
		       const struct frames_keys *k, char *why, size_t whylen)
{
	uint64_t nfree = 0, nresv = 0, free_count, reserved_count, tail;

	memcpy(&free_count, st + k->free_count, 8);
	memcpy(&reserved_count, st + k->reserved_count, 8);
	for (uint64_t w = 0; w < nwords; w++) {
		if (df->reserved[w] & ~df->used[w])
			return FAIL(-E_INVAL, "word %llu: frames reserved but not used (0x%llx)",
				    (unsigned long long)w,
				    (unsigned long long)(df->reserved[w] & ~df->used[w]));
		nfree += popcount64(~df->used[w]);
		nresv += popcount64(df->reserved[w]);
	}
	tail = df->nframes % 64 ? ~0ULL << (df->nframes % 64) : 0;
	if ((df->used[nwords - 1] & tail) != tail || (df->reserved[nwords - 1] & tail) != tail)
		return FAIL(-E_INVAL, "the bits past frame %llu are not all set",
			    (unsigned long long)df->nframes);
	if (nfree != free_count || nresv - popcount64(tail) != reserved_count)
		return FAIL(-E_INVAL, "the bitmap holds %llu free and %llu reserved frames, the "
			    "allocator counted %llu and %llu", (unsigned long long)nfree,
			    (unsigned long long)(nresv - popcount64(tail)),
			    (unsigned long long)free_count, (unsigned long long)reserved_count);
	return 0;
}

/* No free frame outside RAM, in the image or in the bitmap itself. */
static int check_free_frames(const struct dead_frames *df, const Elf64_Phdr *loads,
			     unsigned n, int image, char *why, size_t whylen)
{
	const Elf64_Phdr *img = &loads[image];

	for (uint64_t w = 0; w < (df->nframes + 63) / 64; w++) {
		uint64_t free = ~df->used[w];
		int first;

		if (w == (df->nframes - 1) / 64 && df->nframes % 64)
			free &= (1ULL << (df->nframes % 64)) - 1;
		/* Most words lie inside one RAM range: one test for 64 frames. */
		first = free ? frame_load(loads, n, image, w * 64) : -1;
		if (!free || (first >= 0 && first == frame_load(loads, n, image, w * 64 + 63)))
			continue;
		for (unsigned b = 0; b < 64; b++)
			if ((free >> b & 1) && frame_load(loads, n, image, w * 64 + b) < 0)
				return FAIL(-E_INVAL, "frame 0x%llx is marked free but is not RAM of "
					    "the ELF core header (a hole, or the crash window)",
					    (unsigned long long)(w * 64 + b));
	}
	if (!all_used(df, img->p_paddr / PAGE, (img->p_paddr + img->p_memsz + PAGE - 1) / PAGE))
		return FAIL(-E_INVAL, "the kernel image [0x%llx, +0x%llx) has frames marked free",
			    (unsigned long long)img->p_paddr, (unsigned long long)img->p_memsz);
	if (!all_used(df, df->bitmap_pa / PAGE,
		      (df->bitmap_pa + df->bitmap_size + PAGE - 1) / PAGE))
		return FAIL(-E_INVAL, "the bitmap's own frames are marked free");
	return 0;
}

int dead_frames_find(struct dead_frames *df, const char *vmcoreinfo, size_t len,
		     const Elf64_Phdr *loads, unsigned nloads, const struct dead_mem *mem,
		     char *why, size_t whylen)
{
	uint8_t st[DEAD_FRAMES_STRUCT_MAX];
	uint64_t used_va, resv_va, nwords, ram_end = 0;
	struct frames_keys k;
	paddr_t pa, resv_pa = 0;
	int image, load, err;

	memset(df, 0, sizeof(*df));
	err = read_keys(&k, vmcoreinfo, len, why, whylen);
	if (err)
		return err;
	image = virt_to_phys_load(loads, nloads, k.va, k.size, &pa);
	if (image < 0)
		return FAIL(-E_RANGE, "SYMBOL(pmm)=0x%llx is in no PT_LOAD", (unsigned long long)k.va);
	err = mem->read_phys(mem->ctx, pa, st, k.size);
	if (err)
		return FAIL(err < 0 ? err : -E_IO, "cannot read the allocator at 0x%llx",
			    (unsigned long long)pa);
	memcpy(&used_va, st + k.used, 8);
	memcpy(&resv_va, st + k.reserved, 8);
	memcpy(&df->nframes, st + k.nframes, 8);
	memcpy(&nwords, st + k.nwords, 8);
	memcpy(&df->free_count, st + k.free_count, 8);
	if (df->nframes == 0 || df->nframes > VMCORE_PHYS_LIMIT / PAGE ||
	    nwords != (df->nframes + 63) / 64)
		return FAIL(-E_RANGE, "nframes %llu with %llu words is not a bitmap",
			    (unsigned long long)df->nframes, (unsigned long long)nwords);
	for (unsigned i = 0; i < nloads; i++)
		if ((int)i != image)
			ram_end = MAX(ram_end, loads[i].p_paddr + loads[i].p_memsz);
	if (ram_end > df->nframes * PAGE)
		return FAIL(-E_RANGE, "the bitmap covers [0, 0x%llx), the ELF core header has RAM "
			    "up to 0x%llx", (unsigned long long)(df->nframes * PAGE),
			    (unsigned long long)ram_end);
	df->bitmap_size = 2 * nwords * 8;
	load = virt_to_phys_load(loads, nloads, used_va, df->bitmap_size, &df->bitmap_pa);
	if (load < 0 || load == image || used_va % 8)
		return FAIL(-E_RANGE, "the bitmap [0x%llx, +0x%llx) is not in one RAM PT_LOAD",
			    (unsigned long long)used_va, (unsigned long long)df->bitmap_size);
	if (virt_to_phys_load(loads, nloads, resv_va, 8, &resv_pa) != load ||
	    resv_pa != df->bitmap_pa + nwords * 8)
		return FAIL(-E_RANGE, "the reserved bitmap 0x%llx does not follow the used one "
			    "0x%llx", (unsigned long long)resv_va, (unsigned long long)used_va);
	df->used = mem->map_phys(mem->ctx, df->bitmap_pa, df->bitmap_size);
	if (!df->used)
		return FAIL(-E_NOMEM, "cannot map the bitmap at 0x%llx",
			    (unsigned long long)df->bitmap_pa);
	df->reserved = df->used + nwords;
	err = check_words(df, nwords, st, &k, why, whylen);
	return err ? err : check_free_frames(df, loads, nloads, image, why, whylen);
}
