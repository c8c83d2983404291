/*
 * The pure core of kexec: segments, Linux's sanity checks, and the IND_*
 * list of staged pages.  The one idea: a destination may be memory the
 * running kernel still uses, so every page is staged in a source page that
 * is no other page's destination, and the relocate stub copies them all at
 * the very end.  Linux: kernel/kexec_core.c (same function names).
 * Pure: pages come from image->ops, errors are returned, nothing printed.
 */
#include "kexec/kexec.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"

#define PAGE_OFFSET_MASK ((paddr_t)PAGE_SIZE - 1)

void kimage_init(struct kimage *image, unsigned type, const struct kexec_page_ops *ops,
		 const struct memmap *ram_map, uint64_t total_ram, paddr_t dest_limit)
{
	memset(image, 0, sizeof(*image));
	image->entry = &image->head;
	image->last_entry = &image->head;
	image->type = type;
	image->ops = ops;
	image->ram_map = ram_map;
	image->total_ram = total_ram;
	image->dest_limit = dest_limit;
}

int kimage_add_segment(struct kimage *image, const void *buf, size_t bufsz,
		       paddr_t mem, size_t memsz)
{
	struct kexec_segment *seg;

	if (image->nr_segments >= KEXEC_SEGMENT_MAX)
		return -E_2BIG;
	seg = &image->segment[image->nr_segments++];
	seg->buf = buf;
	seg->bufsz = bufsz;
	seg->mem = mem;
	seg->memsz = memsz;
	return 0;
}

/* ------------------------------------------------------------ sanity checks */

/* Write the reason for a failed rule (if the caller wants one); return err. */
/* Every checking function has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

/* "segment 2 [0x..., 0x...) 8 KiB" into buf, for the reasons below. */
static const char *seg_name(char *buf, size_t len, const struct kimage *image, unsigned i)
{
	const struct kexec_segment *s = &image->segment[i];
	char size[24];

	ksnprintf(buf, len, "segment %u [0x%016llx, 0x%016llx) %s", i,
		  (unsigned long long)s->mem, (unsigned long long)(s->mem + s->memsz),
		  format_size(size, sizeof(size), s->memsz));
	return buf;
}

/* Rules on each segment alone: alignment, then wrap and limit. */
static int check_bounds(const struct kimage *image, unsigned n, char *why, size_t whylen)
{
	char name[96];

	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if ((s->mem & PAGE_OFFSET_MASK) || (s->memsz & PAGE_OFFSET_MASK))
			return FAIL(-E_ALIGN,
				    "segment %u at 0x%016llx size 0x%llx: start and end must be "
				    "page aligned (4096)", i, (unsigned long long)s->mem,
				    (unsigned long long)s->memsz);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (s->mem + s->memsz < s->mem)
			return FAIL(-E_RANGE,
				    "segment %u at 0x%016llx size 0x%llx: wraps past the end of "
				    "the address space", i, (unsigned long long)s->mem,
				    (unsigned long long)s->memsz);
		if (s->mem + s->memsz > image->dest_limit)
			return FAIL(-E_RANGE, "%s: ends above the destination limit 0x%016llx",
				    seg_name(name, sizeof(name), image, i),
				    (unsigned long long)image->dest_limit);
	}
	return 0;
}

/* Rules between segments: no overlap, then bufsz <= memsz, then count. */
static int check_pairs(const struct kimage *image, unsigned n, char *why, size_t whylen)
{
	char a[96], b[96];

	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *si = &image->segment[i];

		for (unsigned j = 0; j < i; j++) {
			const struct kexec_segment *sj = &image->segment[j];

			if (si->mem < sj->mem + sj->memsz && sj->mem < si->mem + si->memsz)
				return FAIL(-E_OVERLAP, "%s: overlaps %s",
					    seg_name(a, sizeof(a), image, i),
					    seg_name(b, sizeof(b), image, j));
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (s->bufsz > s->memsz)
			return FAIL(-E_INVAL, "%s: bufsz 0x%llx is larger than memsz 0x%llx",
				    seg_name(a, sizeof(a), image, i), (unsigned long long)s->bufsz,
				    (unsigned long long)s->memsz);
	}
	if (image->nr_segments > KEXEC_SEGMENT_MAX)
		return FAIL(-E_2BIG, "%lu segments, at most %d allowed", image->nr_segments,
			    KEXEC_SEGMENT_MAX);
	return 0;
}

/* Rules about memory: half of RAM (Linux: totalram_pages() / 2), System
 * RAM only, and the crash window. */
static int check_memory(const struct kimage *image, unsigned n, char *why, size_t whylen)
{
	uint64_t half = image->total_ram / 2, total = 0;
	char name[96], s1[24], s2[24];

	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (s->memsz > half)
			return FAIL(-E_NOMEM, "%s: more than half of RAM (%s)",
				    seg_name(name, sizeof(name), image, i),
				    format_size(s1, sizeof(s1), half));
		total += s->memsz;
	}
	if (total > half)
		return FAIL(-E_NOMEM, "segments together %s: more than half of RAM (%s)",
			    format_size(s1, sizeof(s1), total), format_size(s2, sizeof(s2), half));
	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (s->memsz == 0)
			continue;
		if (!image->ram_map ||
		    !memmap_covers(image->ram_map, s->mem, s->mem + s->memsz, MEMMAP_RAM))
			return FAIL(-E_RANGE, "%s: not all System RAM",
				    seg_name(name, sizeof(name), image, i));
	}
	if (image->type != KEXEC_TYPE_CRASH)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (s->memsz &&
		    (s->mem < image->crash_start || s->mem + s->memsz > image->crash_end))
			return FAIL(-E_RANGE,
				    "%s: outside the crashkernel window [0x%016llx, 0x%016llx) %s",
				    seg_name(name, sizeof(name), image, i),
				    (unsigned long long)image->crash_start,
				    (unsigned long long)image->crash_end,
				    format_size(s1, sizeof(s1),
						image->crash_end - image->crash_start));
	}
	return 0;
}

int sanity_check_segment_list(const struct kimage *image, char *why, size_t whylen)
{
	/* The array holds 16: never read past it, the count rule reports. */
	unsigned n = (unsigned)MIN(image->nr_segments, (unsigned long)KEXEC_SEGMENT_MAX);
	int err;

	if (why && whylen)
		why[0] = '\0';
	err = check_bounds(image, n, why, whylen);
	if (!err)
		err = check_pairs(image, n, why, whylen);
	if (!err)
		err = check_memory(image, n, why, whylen);
	return err;
}

/* ----------------------------------------------------- choosing the pages */

bool kimage_is_destination_range(const struct kimage *image, paddr_t start, paddr_t end)
{
	for (unsigned long i = 0; i < image->nr_segments && i < KEXEC_SEGMENT_MAX; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (start < s->mem + s->memsz && s->mem < end)
			return true;
	}
	return false;
}

/* The slot of the staged source whose destination is page, or NULL.
 * Linux: kimage_dst_used, which walks the list; the map knows. */
static kimage_entry_t *kimage_dst_used(struct kimage *image, paddr_t page)
{
	kimage_entry_t *ptr, entry;
	paddr_t dest = 0;

	if (kimage_dest_map_ready(image)) {
		uintptr_t v = kimage_dest_get(image, page);

		return v && v != KIMAGE_DEST_PARKED ? (kimage_entry_t *)v : NULL;
	}
	for_each_kimage_entry(image, ptr, entry) {
		if (entry & IND_DESTINATION) {
			dest = KIMAGE_ENTRY_ADDR(entry);
		} else if (entry & IND_SOURCE) {
			if (dest == page)
				return ptr;
			dest += PAGE_SIZE;
		}
	}
	return NULL;
}

/* Parked pages are marked in the destination map; before it exists
 * (control pages), linked through their first 8 bytes (no data in them). */
static void park(struct kimage *image, paddr_t pa)
{
	if (kimage_dest_map_ready(image)) {
		kimage_dest_set(image, pa, KIMAGE_DEST_PARKED);
	} else {
		*(paddr_t *)kimage_phys_to_ptr(image, pa) = image->dest_pages;
		image->dest_pages = pa;
	}
	image->nr_dest_pages++;
	image->nr_parked++;
}

/* Take page pa back if it is parked; true if it was. */
static bool unpark(struct kimage *image, paddr_t pa)
{
	paddr_t *link = &image->dest_pages;

	if (kimage_dest_map_ready(image) && kimage_dest_get(image, pa) == KIMAGE_DEST_PARKED) {
		kimage_dest_set(image, pa, 0);
		image->nr_dest_pages--;
		image->nr_unparked++;
		return true;
	}

	while (*link) {
		paddr_t *next = kimage_phys_to_ptr(image, *link);

		if (*link == pa) {
			*link = *next;
			image->nr_dest_pages--;
			image->nr_unparked++;
			return true;
		}
		link = next;
	}
	return false;
}

paddr_t kimage_alloc_page(struct kimage *image, paddr_t destination)
{
	const struct kexec_page_ops *ops = image->ops;
	kimage_entry_t *old;
	paddr_t pa, old_pa;

	if (destination != KIMAGE_NO_DEST && unpark(image, destination))
		return destination;
	for (;;) {
		pa = ops->alloc_page(ops->ctx);
		if (!pa)
			return 0;
		/* Exactly where the data must go: it lands in place. */
		if (pa == destination)
			return pa;
		if (!kimage_is_destination_range(image, pa, pa + PAGE_SIZE))
			return pa;
		/* pa is some page's destination.  If that page is staged
		 * already, move its bytes home now and reuse its old source,
		 * which is no destination (or it would have been used there). */
		old = kimage_dst_used(image, pa);
		if (old) {
			old_pa = KIMAGE_ENTRY_ADDR(*old);
			memcpy(kimage_phys_to_ptr(image, pa), kimage_phys_to_ptr(image, old_pa),
			       PAGE_SIZE);
			*old = pa | (*old & PAGE_OFFSET_MASK);
			image->nr_swaps++;
			return old_pa;
		}
		park(image, pa);
	}
}

int kimage_alloc_control_page(struct kimage *image, paddr_t *pa)
{
	paddr_t page;

	if (image->nr_control_pages >= KIMAGE_CONTROL_PAGES_MAX)
		return -E_NOSPC;
	page = kimage_alloc_page(image, KIMAGE_NO_DEST);
	if (!page)
		return -E_NOMEM;
	image->control_pages[image->nr_control_pages++] = page;
	*pa = page;
	return 0;
}

/* ---------------------------------------------------------- the IND list */

/* Make image->entry a free slot that is not the link slot, starting a new
 * list page (linked from the full one's last slot, or from head) if needed. */
static int prepare_slot(struct kimage *image)
{
	paddr_t pa;
	kimage_entry_t *ind_page;

	if (*image->entry != 0)
		image->entry++;
	if (image->entry != image->last_entry)
		return 0;
	pa = kimage_alloc_page(image, KIMAGE_NO_DEST);
	if (!pa)
		return -E_NOMEM;
	ind_page = kimage_phys_to_ptr(image, pa);
	*image->entry = pa | IND_INDIRECTION;
	image->entry = ind_page;
	image->last_entry = ind_page + IND_PER_PAGE - 1;
	*image->entry = 0;
	image->nr_ind_pages++;
	return 0;
}

int kimage_add_entry(struct kimage *image, kimage_entry_t entry)
{
	int err = prepare_slot(image);

	if (err)
		return err;
	*image->entry = entry;
	image->entry++;
	*image->entry = 0;
	return 0;
}

int kimage_set_destination(struct kimage *image, paddr_t destination)
{
	image->destination = KIMAGE_ENTRY_ADDR(destination);
	return kimage_add_entry(image, image->destination | IND_DESTINATION);
}

int kimage_add_page(struct kimage *image, paddr_t page)
{
	int err = kimage_add_entry(image, KIMAGE_ENTRY_ADDR(page) | IND_SOURCE);

	if (!err) {
		/* The map remembers the slot: kimage_dst_used finds it at once. */
		kimage_dest_set(image, image->destination, (uintptr_t)(image->entry - 1));
		image->nr_source_pages++;
		image->destination += PAGE_SIZE;
	}
	return err;
}

void kimage_terminate(struct kimage *image)
{
	/* The current slot is always there and 0, even the link slot of a
	 * full page: IND_DONE needs no new page. */
	if (*image->entry != 0)
		image->entry++;
	*image->entry = IND_DONE;
}

/* Fill one page: bytes of buf for the first copy bytes at offset, zeros elsewhere. */
static void fill_page(void *page, size_t offset, const void *buf, size_t copy)
{
	memset(page, 0, PAGE_SIZE);
	if (copy)
		memcpy((uint8_t *)page + offset, buf, copy);
}

/* Every KIMAGE_PROGRESS_PAGES pages (and at the end): ops->progress. */
static void progress(struct kimage *image, size_t *done, size_t total)
{
	const struct kexec_page_ops *ops = image->ops;

	++*done;
	if (ops->progress && (*done % KIMAGE_PROGRESS_PAGES == 0 || *done == total))
		ops->progress(ops->ctx, *done, total);
}

static int load_normal_segment(struct kimage *image, const struct kexec_segment *seg,
			       size_t *done, size_t total)
{
	const uint8_t *buf = seg->buf;
	size_t mbytes = seg->memsz, ubytes = seg->bufsz;
	paddr_t maddr = seg->mem;
	int err;

	err = kimage_set_destination(image, maddr);
	while (!err && mbytes) {
		size_t offset = maddr & PAGE_OFFSET_MASK;
		size_t mchunk = MIN(mbytes, PAGE_SIZE - offset);
		size_t uchunk = MIN(ubytes, mchunk);
		paddr_t pa;

		/* List room first: no allocation may happen between choosing
		 * the page and listing it, or a page handed out meanwhile
		 * could be parked for a destination that is already served. */
		err = prepare_slot(image);
		if (err)
			return err;
		pa = kimage_alloc_page(image, maddr - offset);
		if (!pa)
			return -E_NOMEM;
		/* Fill before listing it: the list only points at whole pages. */
		fill_page(kimage_phys_to_ptr(image, pa), offset, buf, uchunk);
		err = kimage_add_page(image, pa);	/* cannot fail: slot ready */
		progress(image, done, total);
		ubytes -= uchunk;
		buf += uchunk;
		maddr += mchunk;
		mbytes -= mchunk;
	}
	return err;
}

/* Crash images: the window is reserved and unused, write straight into it. */
static void load_crash_segment(struct kimage *image, const struct kexec_segment *seg,
			       size_t *done, size_t total)
{
	const uint8_t *buf = seg->buf;
	size_t mbytes = seg->memsz, ubytes = seg->bufsz;
	paddr_t maddr = seg->mem;

	while (mbytes) {
		size_t offset = maddr & PAGE_OFFSET_MASK;
		size_t mchunk = MIN(mbytes, PAGE_SIZE - offset);
		size_t uchunk = MIN(ubytes, mchunk);

		fill_page(kimage_phys_to_ptr(image, maddr - offset), offset, buf, uchunk);
		progress(image, done, total);
		ubytes -= uchunk;
		buf += uchunk;
		maddr += mchunk;
		mbytes -= mchunk;
	}
}

int kimage_load_segments(struct kimage *image)
{
	size_t done = 0, total = 0;
	int err;

	for (unsigned long i = 0; i < image->nr_segments; i++)
		total += (image->segment[i].memsz + PAGE_SIZE - 1) / PAGE_SIZE;
	if (image->type != KEXEC_TYPE_CRASH && (err = kimage_dest_map_init(image)))
		return err;
	for (unsigned long i = 0; i < image->nr_segments; i++) {
		if (image->type == KEXEC_TYPE_CRASH)
			load_crash_segment(image, &image->segment[i], &done, total), err = 0;
		else
			err = load_normal_segment(image, &image->segment[i], &done, total);
		if (err)
			return err;
	}
	kimage_dest_map_free(image);	/* nothing is parked now: only the map goes */
	return 0;
}

void kimage_free(struct kimage *image)
{
	const struct kexec_page_ops *ops = image->ops;
	kimage_entry_t *ptr, entry, ind = 0;

	while (image->dest_pages) {
		paddr_t pa = image->dest_pages;

		image->dest_pages = *(paddr_t *)kimage_phys_to_ptr(image, pa);
		ops->free_page(ops->ctx, pa);
	}
	kimage_dest_map_free(image);	/* the pages parked in it, then the map */
	for_each_kimage_entry(image, ptr, entry) {
		if (entry & IND_INDIRECTION) {
			/* Free the previous list page once we have left it. */
			if (ind & IND_INDIRECTION)
				ops->free_page(ops->ctx, KIMAGE_ENTRY_ADDR(ind));
			ind = entry;
		} else if (entry & IND_SOURCE) {
			ops->free_page(ops->ctx, KIMAGE_ENTRY_ADDR(entry));
		}
	}
	if (ind & IND_INDIRECTION)
		ops->free_page(ops->ctx, KIMAGE_ENTRY_ADDR(ind));
	for (size_t i = 0; i < image->nr_control_pages; i++)
		ops->free_page(ops->ctx, image->control_pages[i]);

	image->head = 0;
	image->entry = image->last_entry = &image->head;
	image->destination = 0;
	image->nr_control_pages = image->nr_dest_pages = 0;
	image->nr_source_pages = image->nr_ind_pages = 0;
	image->nr_swaps = image->nr_parked = image->nr_unparked = 0;
}

/* ------------------------------------------------------ looking at a list */

int kimage_walk(const struct kimage *image, kimage_walk_fn fn, void *ctx)
{
	const kimage_entry_t *ptr = &image->head;
	paddr_t dest = 0;
	size_t index = 0;

	for (;;) {
		kimage_entry_t entry = *ptr;
		int ret;

		/* The flags are tested in the relocate stub's order. */
		if (entry & IND_DESTINATION)
			dest = KIMAGE_ENTRY_ADDR(entry);
		ret = fn(entry, index++, dest, ctx);
		if (ret)
			return ret;
		if (entry & IND_DESTINATION) {
			ptr++;
		} else if (entry & IND_INDIRECTION) {
			ptr = kimage_phys_to_ptr(image, KIMAGE_ENTRY_ADDR(entry));
		} else if (entry == 0 || (entry & IND_DONE)) {
			return 0;	/* 0: a list still being built ends here */
		} else {
			if (entry & IND_SOURCE)
				dest += PAGE_SIZE;
			ptr++;
		}
	}
}

static int count_entry(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx)
{
	struct kimage_summary *sum = ctx;

	if (entry == 0)
		return 0;
	sum->nr_entries++;
	if (entry & IND_DESTINATION) {
		sum->nr_destinations++;
	} else if (entry & IND_INDIRECTION) {
		sum->nr_ind_pages++;
	} else if (entry & IND_DONE) {
		sum->terminated = true;
	} else if (entry & IND_SOURCE) {
		sum->nr_sources++;
		if (KIMAGE_ENTRY_ADDR(entry) == dest)
			sum->nr_in_place++;
	}
	return 0;
}

void kimage_summarize(const struct kimage *image, struct kimage_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	kimage_walk(image, count_entry, sum);
	sum->nr_swaps = image->nr_swaps;
	sum->nr_parked = image->nr_parked;
	sum->nr_unparked = image->nr_unparked;
	sum->nr_dest_pages = image->nr_dest_pages;
	sum->nr_control_pages = image->nr_control_pages;
}
