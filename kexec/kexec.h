/*
 * kexec: the data structures of a loaded image, named as in Linux
 * (include/linux/kexec.h, kernel/kexec_core.c) so the two read side by side.
 *
 * A kimage is a list of segments {buf, bufsz, mem, memsz}: bytes in kernel
 * memory now (buf) that must be at physical address mem when the next
 * kernel starts.  mem may be anywhere in System RAM, even under the running
 * kernel, so nothing is copied there at load time: every page is staged in
 * a "source" page and described by an IND_* list that the relocate stub
 * walks at kexec -e, when nothing else runs.  Source pages are chosen so
 * that none is the destination of another page (kimage_alloc_page).
 */
#ifndef KEXEC_KEXEC_H
#define KEXEC_KEXEC_H

#include "kexec/kexec_layout.h"
#include "lib/types.h"
#include "lib/x86.h"

typedef uint64_t kimage_entry_t;

struct kexec_segment {
	const void *buf;	/* contents now (kernel virtual), may be NULL if bufsz 0 */
	size_t bufsz;		/* bytes of buf; the rest of memsz is zero-filled */
	paddr_t mem;		/* physical destination, page aligned */
	size_t memsz;		/* bytes at mem, page aligned, >= bufsz */
};

/*
 * Where the pure kexec core gets and reaches physical pages.  In the kernel
 * these wrap pmm_alloc/pmm_free and the direct map; in host tests an array
 * stands in for physical memory.
 */
struct kexec_page_ops {
	paddr_t (*alloc_page)(void *ctx);		/* 0 when out of memory */
	void (*free_page)(void *ctx, paddr_t pa);
	void *(*phys_to_ptr)(void *ctx, paddr_t pa);
	/* Staging progress, every KIMAGE_PROGRESS_PAGES pages and at the end
	 * (may be NULL): the kernel keeps its watchdog informed and shows it. */
	void (*progress)(void *ctx, size_t done_pages, size_t total_pages);
	void *ctx;
};

#define KIMAGE_PROGRESS_PAGES 1024	/* 4 MiB */

#define KEXEC_TYPE_DEFAULT 0
#define KEXEC_TYPE_CRASH 1

struct memmap;

/* Most control pages one image may hold (1 stub page + page-table pages). */
#define KIMAGE_CONTROL_PAGES_MAX 128

/* Destination map: 64 directory pages of 512 map pages of 512 entries,
 * 64 GiB of destination pages at most (half the RAM of a 128 GiB machine). */
#define KIMAGE_DEST_MAP_DIRS 64
#define KIMAGE_DEST_MAP_ENTRIES 512	/* per page, both levels */
#define KIMAGE_DEST_PARKED ((uintptr_t)1)	/* slot pointers are 8-aligned */

/* kimage_alloc_page's destination for a page that is nobody's (Linux's). */
#define KIMAGE_NO_DEST ((paddr_t)-1)

/* The address part of an IND list entry (Linux: entry & PAGE_MASK). */
#define KIMAGE_ENTRY_ADDR(e) ((paddr_t)(e) & ~(paddr_t)(PAGE_SIZE - 1))

struct kimage {
	kimage_entry_t head;		/* first entry: IND_INDIRECTION | first page */
	kimage_entry_t *entry;		/* next free slot (kernel pointer) */
	kimage_entry_t *last_entry;	/* slot reserved for the link to the next page */
	paddr_t destination;		/* current destination while staging */

	paddr_t start;			/* physical entry point (purgatory) */
	unsigned type;			/* KEXEC_TYPE_DEFAULT or KEXEC_TYPE_CRASH */

	unsigned long nr_segments;
	struct kexec_segment segment[KEXEC_SEGMENT_MAX];

	/*
	 * Source and indirection pages are found again by walking the IND
	 * list (Linux: kimage_free).  Pages the allocator handed us that turned
	 * out to be some segment's destination are parked: on dest_pages,
	 * linked through their own first 8 bytes (they hold no data yet),
	 * until the destination map exists, then in the map.
	 */
	paddr_t dest_pages;
	size_t nr_source_pages, nr_ind_pages, nr_dest_pages, nr_swaps;

	/*
	 * The destination map (kexec/kimage_dest.c): one word per destination
	 * page, KIMAGE_DEST_PARKED or the IND slot that holds its staged source.
	 * Linux walks dest_pages and the whole IND list for every page it
	 * allocates (kimage_alloc_page, kimage_dst_used): quadratic in the
	 * image's pages.  The map makes both lookups constant time.  Two
	 * levels of pages: each directory page lists 512 map pages, each map
	 * page covers 512 destination pages (2 MiB).
	 */
	paddr_t dest_map_dir[KIMAGE_DEST_MAP_DIRS];
	size_t dest_map_pages;		/* map and directory pages, 0: no map yet */

	/*
	 * Control pages (relocate stub, its identity page tables) handed out
	 * by kimage_alloc_control_page, remembered so kimage_free returns them.
	 */
	paddr_t control_pages[KIMAGE_CONTROL_PAGES_MAX];
	size_t nr_control_pages;
	size_t nr_parked, nr_unparked;	/* dest_pages traffic, for kexec -s */

	/* For crash images: the window every segment must lie in. */
	paddr_t crash_start, crash_end;

	/* Limits for the sanity checks. */
	paddr_t dest_limit;		/* destinations must end at or below this */
	uint64_t total_ram;		/* bytes of System RAM */
	const struct memmap *ram_map;	/* destinations must be in its RAM ranges */

	const struct kexec_page_ops *ops;
};

/*
 * ---- kexec_core.c: the pure core (Linux: kernel/kexec_core.c) ----
 * Nothing here prints: errors are -E_* codes, and the checks write a human
 * reason into a caller buffer (why, whylen; why may be NULL).
 */

/* Reach physical memory through the image's page ops. */
static inline void *kimage_phys_to_ptr(const struct kimage *image, paddr_t pa)
{
	return image->ops->phys_to_ptr(image->ops->ctx, pa);
}

/*
 * Walk the IND list as kimage_free and the relocate stub do: ptr visits
 * every slot, entry is its value; IND_INDIRECTION entries are visited and
 * then followed; the walk ends at IND_DONE or at an empty (0) slot, so it
 * also works on a list still being built.  Linux: for_each_kimage_entry.
 */
#define for_each_kimage_entry(image, ptr, entry)                               \
	for ((ptr) = &(image)->head;                                           \
	     ((entry) = *(ptr)) != 0 && !((entry) & IND_DONE);                 \
	     (ptr) = ((entry) & IND_INDIRECTION)                               \
			     ? kimage_phys_to_ptr((image), KIMAGE_ENTRY_ADDR(entry)) \
			     : (ptr) + 1)

/*
 * Start an empty image: no segments, an empty IND list (head 0).  ram_map
 * (System RAM ranges), total_ram (bytes) and dest_limit (destinations end
 * at or below it) feed sanity_check_segment_list; ops gives pages.  For a
 * KEXEC_TYPE_CRASH image the caller then sets crash_start/crash_end.
 * The struct must not be moved (copied) while the list is being built:
 * entry points into it until kimage_terminate.
 */
void kimage_init(struct kimage *image, unsigned type, const struct kexec_page_ops *ops,
		 const struct memmap *ram_map, uint64_t total_ram, paddr_t dest_limit);

/* Append a segment (not checked yet).  -E_2BIG if 16 are already there. */
int kimage_add_segment(struct kimage *image, const void *buf, size_t bufsz,
		       paddr_t mem, size_t memsz);

/*
 * Linux's sanity_check_segment_list with the two extra rules (only
 * System RAM, at most 16 segments: Linux checks those elsewhere); each rule
 * runs over all segments before the next (Linux checks wrap, alignment and
 * limit per segment in turn), and a segment may end exactly at dest_limit.
 * The first failure is returned and explained in why ("segment 2 [0x..., 0x...) 8 KiB:
 * overlaps segment 1 ..."): -E_ALIGN mem or mem+memsz not page aligned;
 * -E_RANGE wraps or ends above dest_limit; -E_OVERLAP two segments overlap;
 * -E_INVAL bufsz > memsz; -E_2BIG more than 16 segments; -E_NOMEM one
 * segment, or all together, more than half of total_ram; -E_RANGE not all
 * in System RAM (ram_map); -E_RANGE (crash) outside [crash_start, crash_end).
 * Empty segments (memsz 0) occupy nothing and pass the last two rules.
 * Returns 0 when every rule holds; changes nothing.
 */
int sanity_check_segment_list(const struct kimage *image, char *why, size_t whylen);

/* Does [start, end) meet any segment's destination? (Linux's takes an
 * inclusive end; ours is half-open like every range here.) */
bool kimage_is_destination_range(const struct kimage *image, paddr_t start, paddr_t end);

/*
 * A page to stage the bytes for physical page `destination` in (or
 * KIMAGE_NO_DEST for a page that must be nobody's destination), by Linux's
 * kimage_alloc_page rule: a parked page that is exactly the destination is
 * taken back; otherwise each page from ops is used if it is no destination
 * or exactly the wanted one; if it is the destination of a page already
 * staged, that page's bytes move into it (a swap) and the old source page
 * is used; otherwise it is parked for later (dest_pages, or the
 * destination map once kimage_load_segments built it).  So no source
 * page is ever another page's destination.  Returns the page, or 0 when
 * ops runs out (pages taken stay owned by the image; kimage_free returns
 * them).  Call only once every segment has been added.
 */
paddr_t kimage_alloc_page(struct kimage *image, paddr_t destination);

/*
 * A page for the relocate stub or its page tables: never any segment's
 * destination, remembered in control_pages and freed by kimage_free.
 * Returns 0 and *pa, -E_NOMEM (ops ran out) or -E_NOSPC (already
 * KIMAGE_CONTROL_PAGES_MAX).  Contents undefined.
 */
int kimage_alloc_control_page(struct kimage *image, paddr_t *pa);

/*
 * Append one entry to the IND list, starting a new indirection page (an
 * IND_INDIRECTION link in the last slot of the full one, or in head) when
 * needed.  The slot after the entry is kept 0 so the list can always be
 * walked.  Returns 0 or -E_NOMEM.  Linux: kimage_add_entry.
 */
int kimage_add_entry(struct kimage *image, kimage_entry_t entry);

/* Append IND_DESTINATION | page of destination; -E_NOMEM. */
int kimage_set_destination(struct kimage *image, paddr_t destination);

/* Append IND_SOURCE | page; counts it in nr_source_pages.  -E_NOMEM. */
int kimage_add_page(struct kimage *image, paddr_t page);

/* End the list with IND_DONE in the next free slot (head if the list is
 * empty, the link slot if the page is full): never allocates, never fails. */
void kimage_terminate(struct kimage *image);

/*
 * Stage every segment, page by page (buf, then zeros up to memsz).
 * Default images: each page gets a source page from kimage_alloc_page and
 * a place in the IND list.  Crash images: bytes are written straight to
 * their destination in the crash window (reserved, unused memory) and the
 * list stays empty.  Precondition: sanity_check_segment_list passed.
 * After a complete load no page is left parked (nr_dest_pages is 0).
 * Returns 0 or -E_NOMEM; on failure the caller must kimage_free the image.
 * Linux: kimage_load_segment (normal and crash variants).
 */
int kimage_load_segments(struct kimage *image);

/*
 * ---- kimage_dest.c: the destination map (see struct kimage) ----
 * kimage_dest_map_init builds it once every segment is added (map pages
 * from ops that are no destination; destinations met on the way, and
 * pages parked on dest_pages before, are parked in it): 0, -E_NOMEM,
 * -E_2BIG (more than KIMAGE_DEST_MAP_DIRS directory pages).  get returns
 * 0, KIMAGE_DEST_PARKED or a slot pointer (0 without a map or outside
 * every segment); set ignores such destinations.  kimage_dest_map_free
 * frees the parked pages and the map.  kimage_dest_address is the
 * destination of the idx-th page of all segments.
 */
int kimage_dest_map_init(struct kimage *image);
bool kimage_dest_map_ready(const struct kimage *image);
uintptr_t kimage_dest_get(const struct kimage *image, paddr_t dest);
void kimage_dest_set(struct kimage *image, paddr_t dest, uintptr_t value);
void kimage_dest_map_free(struct kimage *image);
paddr_t kimage_dest_address(const struct kimage *image, size_t idx);

/*
 * Return every page the image took from ops (sources, indirection pages,
 * parked pages, control pages) and empty the list; segments stay.  Safe
 * on a half-built image and twice in a row.  Linux: kimage_free.
 */
void kimage_free(struct kimage *image);

/* Counts for kexec -s, found by walking the list. */
struct kimage_summary {
	size_t nr_entries;		/* slots used, links and IND_DONE included */
	size_t nr_destinations;		/* IND_DESTINATION entries */
	size_t nr_sources;		/* IND_SOURCE entries: pages to copy */
	size_t nr_in_place;		/* sources that already are their destination */
	size_t nr_ind_pages;		/* indirection pages (IND_INDIRECTION links) */
	size_t nr_swaps, nr_parked, nr_unparked, nr_dest_pages;	/* from the image */
	size_t nr_control_pages;
	bool terminated;		/* the list ends with IND_DONE */
};
void kimage_summarize(const struct kimage *image, struct kimage_summary *sum);

/*
 * Call fn for every entry in list order, the IND_INDIRECTION links and the
 * final IND_DONE included.  index counts entries from 0 (head); dest is the
 * page an IND_SOURCE entry copies to (for others: the current destination).
 * A non-zero return from fn stops the walk and is returned; else 0.
 */
typedef int (*kimage_walk_fn)(kimage_entry_t entry, size_t index, paddr_t dest, void *ctx);
int kimage_walk(const struct kimage *image, kimage_walk_fn fn, void *ctx);

#endif
