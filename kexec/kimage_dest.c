/*
 * The destination map: for every page some segment will land on, is it
 * parked here (a page the allocator gave us that is exactly that
 * destination, kept for when its turn comes) or which IND slot holds the
 * source staged for it.  Linux answers both questions by walking lists,
 * dest_pages in kimage_alloc_page and the whole IND list in
 * kimage_dst_used, once per page allocated: quadratic, 89 s for two
 * 64 MiB modules under TCG.  The map answers them in constant time, so
 * staging is linear in pages.  Pure: its pages come from image->ops.
 */
#include "kexec/kexec.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/x86.h"

#define PER_PAGE KIMAGE_DEST_MAP_ENTRIES

/* Destination pages of every segment, in segment order. */
static size_t total_pages(const struct kimage *image)
{
	size_t n = 0;

	for (unsigned long i = 0; i < image->nr_segments; i++)
		n += ALIGN_UP(image->segment[i].memsz, PAGE_SIZE) / PAGE_SIZE;
	return n;
}

/* Index of destination page dest among all segments' pages; false if no
 * segment covers it. */
static bool dest_index(const struct kimage *image, paddr_t dest, size_t *idx)
{
	size_t base = 0;

	for (unsigned long i = 0; i < image->nr_segments; i++) {
		const struct kexec_segment *s = &image->segment[i];

		if (dest >= s->mem && dest < s->mem + s->memsz) {
			*idx = base + (dest - s->mem) / PAGE_SIZE;
			return true;
		}
		base += ALIGN_UP(s->memsz, PAGE_SIZE) / PAGE_SIZE;
	}
	return false;
}

/* The map word for idx (its map page exists once the map is built). */
static uintptr_t *slot_of(const struct kimage *image, size_t idx)
{
	const paddr_t *dir = kimage_phys_to_ptr(image, image->dest_map_dir[idx / PER_PAGE / PER_PAGE]);
	uintptr_t *map = kimage_phys_to_ptr(image, dir[idx / PER_PAGE % PER_PAGE]);

	return &map[idx % PER_PAGE];
}

/* A zeroed page that is no segment's destination; pages that are go on
 * *aside (linked through themselves) for the caller to park. */
static paddr_t map_page(struct kimage *image, paddr_t *aside)
{
	const struct kexec_page_ops *ops = image->ops;

	for (;;) {
		paddr_t pa = ops->alloc_page(ops->ctx);

		if (!pa)
			return 0;
		if (!kimage_is_destination_range(image, pa, pa + PAGE_SIZE)) {
			memset(kimage_phys_to_ptr(image, pa), 0, PAGE_SIZE);
			image->dest_map_pages++;
			return pa;
		}
		*(paddr_t *)kimage_phys_to_ptr(image, pa) = *aside;
		*aside = pa;
	}
}

int kimage_dest_map_init(struct kimage *image)
{
	size_t n = total_pages(image), nmaps = (n + PER_PAGE - 1) / PER_PAGE;
	paddr_t aside = 0, *dir = NULL;
	int err = 0;

	if (image->dest_map_pages)
		return 0;
	if (nmaps > (size_t)KIMAGE_DEST_MAP_DIRS * PER_PAGE)
		return -E_2BIG;
	for (size_t m = 0; m < nmaps && !err; m++) {
		if (m % PER_PAGE == 0) {
			paddr_t d = map_page(image, &aside);

			image->dest_map_dir[m / PER_PAGE] = d;
			dir = d ? kimage_phys_to_ptr(image, d) : NULL;
		}
		if (!dir || !(dir[m % PER_PAGE] = map_page(image, &aside)))
			err = -E_NOMEM;
	}
	if (!nmaps)
		image->dest_map_pages = 1;	/* nothing to map: mark it built */
	/* Destinations met on the way, and any parked before: into the map. */
	while (!err && image->dest_pages) {
		paddr_t pa = image->dest_pages;
		size_t idx;

		image->dest_pages = *(paddr_t *)kimage_phys_to_ptr(image, pa);
		dest_index(image, pa, &idx);
		*slot_of(image, idx) = KIMAGE_DEST_PARKED;
	}
	while (aside) {
		paddr_t pa = aside;
		size_t idx;

		aside = *(paddr_t *)kimage_phys_to_ptr(image, pa);
		if (err) {		/* no map: back to the list kimage_free walks */
			*(paddr_t *)kimage_phys_to_ptr(image, pa) = image->dest_pages;
			image->dest_pages = pa;
		} else {
			dest_index(image, pa, &idx);
			*slot_of(image, idx) = KIMAGE_DEST_PARKED;
		}
		image->nr_dest_pages++;
		image->nr_parked++;
	}
	return err;
}

bool kimage_dest_map_ready(const struct kimage *image)
{
	return image->dest_map_pages != 0;
}

uintptr_t kimage_dest_get(const struct kimage *image, paddr_t dest)
{
	size_t idx;

	if (!image->dest_map_pages || !dest_index(image, dest, &idx) ||
	    !image->dest_map_dir[idx / PER_PAGE / PER_PAGE])
		return 0;
	return *slot_of(image, idx);
}

void kimage_dest_set(struct kimage *image, paddr_t dest, uintptr_t value)
{
	size_t idx;

	if (image->dest_map_pages && dest_index(image, dest, &idx) &&
	    image->dest_map_dir[idx / PER_PAGE / PER_PAGE])
		*slot_of(image, idx) = value;
}

void kimage_dest_map_free(struct kimage *image)
{
	const struct kexec_page_ops *ops = image->ops;
	size_t n = total_pages(image);

	for (size_t d = 0; d < KIMAGE_DEST_MAP_DIRS; d++) {
		const paddr_t *dir;

		if (!image->dest_map_dir[d])
			continue;
		dir = kimage_phys_to_ptr(image, image->dest_map_dir[d]);
		for (size_t m = 0; m < PER_PAGE; m++) {
			const uintptr_t *map;
			size_t first = (d * PER_PAGE + m) * PER_PAGE;

			if (!dir[m])
				continue;
			map = kimage_phys_to_ptr(image, dir[m]);
			/* Parked pages: their address is their destination. */
			for (size_t k = 0; k < PER_PAGE && first + k < n; k++)
				if (map[k] == KIMAGE_DEST_PARKED)
					ops->free_page(ops->ctx, kimage_dest_address(image, first + k));
			ops->free_page(ops->ctx, dir[m]);
		}
		ops->free_page(ops->ctx, image->dest_map_dir[d]);
		image->dest_map_dir[d] = 0;
	}
	image->dest_map_pages = 0;
}

paddr_t kimage_dest_address(const struct kimage *image, size_t idx)
{
	for (unsigned long i = 0; i < image->nr_segments; i++) {
		size_t pages = ALIGN_UP(image->segment[i].memsz, PAGE_SIZE) / PAGE_SIZE;

		if (idx < pages)
			return image->segment[i].mem + idx * PAGE_SIZE;
		idx -= pages;
	}
	return 0;
}
