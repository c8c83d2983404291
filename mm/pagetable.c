/*
 * 4-level x86-64 page tables built through a page source (struct
 * pt_source), so the same code serves the kernel, kexec's identity tables
 * and the host tests.  pt_map walks the range twice: a plan pass that
 * changes nothing (finds conflicts, counts the table pages it will need),
 * then an apply pass fed from pages allocated in between, so a failed map
 * changes no translation.  Linux: arch/x86/mm/ident_map.c and init_64.c.
 */
#include "mm/paging.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PT_ENTRIES 512
#define PT_PAGE_SIZE 0x1000ULL
#define PT_HUGE_SIZE 0x200000ULL		/* a 2 MiB leaf in a PD */
#define PTE_PAT_HUGE (1ULL << 12)	/* PAT bit of a 2 MiB / 1 GiB entry */
#define HW_SET_BITS (PTE_ACCESSED | PTE_DIRTY)	/* the CPU sets these */
#define TABLE_FLAGS (PTE_PRESENT | PTE_WRITE)	/* leaves decide access */
#define PA_LIMIT (1ULL << 52)

/* Level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT: bytes one entry maps. */
static uint64_t entry_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static unsigned entry_index(vaddr_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static bool canonical(vaddr_t va)
{
	return (vaddr_t)((int64_t)(va << 16) >> 16) == va;
}

/* Address bits of a leaf at this level (2 MiB and 1 GiB leaves keep PAT
 * in bit 12, so their address starts higher). */
static uint64_t leaf_addr_mask(int level)
{
	return PTE_ADDR_MASK & ~(entry_size(level) - 1);
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 1 || (level <= 3 && (e & PTE_HUGE));
}

/* One pt_map call: what to map, and the pass we are in. */
struct map_req {
	const struct pt_source *src;
	uint64_t delta;		/* pa - va, modulo 2^64 */
	uint64_t flags;		/* leaf flags, PTE_PRESENT included */
	bool apply;		/* false: plan pass, change nothing */
	size_t need;		/* plan: table pages the apply pass will take */
	paddr_t stash;		/* apply: pre-allocated pages, chained */
};

static uint64_t *table_ptr(const struct pt_source *src, paddr_t pa)
{
	return src->phys_to_ptr(src->ctx, pa);
}

/* Take one page from the stash (its first qword links to the next). */
static paddr_t stash_take(struct map_req *r)
{
	paddr_t pa = r->stash;
	uint64_t *p;

	if (!pa)
		return 0;
	p = table_ptr(r->src, pa);
	r->stash = p[0];
	p[0] = 0;
	return pa;
}

/* Map a leaf (4 KiB at level 1, 2 MiB at level 2) in slot *slot. */
static int map_leaf(struct map_req *r, uint64_t *slot, int level, paddr_t pa)
{
	uint64_t e = slot ? *slot : 0;
	uint64_t want = pa | r->flags | (level > 1 ? PTE_HUGE : 0);

	if (e & PTE_PRESENT) {
		if ((e & leaf_addr_mask(level)) != pa)
			return -E_BUSY;
		/* Same frame: the new flags replace the old ones. */
		if ((e & ~HW_SET_BITS) == (want & ~HW_SET_BITS))
			return 0;
	}
	if (r->apply)
		*slot = want;
	return 0;
}

/*
 * Replace the huge leaf in *slot (level 2 or 3) by a table of 512 smaller
 * leaves with the same translation and flags.
 */
static int split_huge(struct map_req *r, uint64_t *slot, int level)
{
	uint64_t e = *slot;
	paddr_t base = e & leaf_addr_mask(level);
	uint64_t flags = e & ~leaf_addr_mask(level) & ~PTE_HUGE & ~PTE_PAT_HUGE;
	uint64_t sub = entry_size(level - 1);
	paddr_t child_pa = stash_take(r);
	uint64_t *child;

	if (!child_pa)
		return -E_NOMEM;
	child = table_ptr(r->src, child_pa);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		child[i] = (base + i * sub) | flags | (level - 1 > 1 ? PTE_HUGE : 0);
	*slot = child_pa | TABLE_FLAGS | (flags & PTE_USER);
	return 0;
}

/*
 * An existing huge leaf e covers the part of the request from va on:
 * returns 0 if it already maps it the same way with the same flags,
 * -E_BUSY if onto other frames, 1 if it must be split for new flags.
 * Both mappings are linear, so comparing at va compares them all.
 */
static int check_huge(struct map_req *r, uint64_t e, int level, vaddr_t va)
{
	uint64_t size = entry_size(level);
	paddr_t have = (e & leaf_addr_mask(level)) + (va & (size - 1));

	if (have != va + r->delta)
		return -E_BUSY;
	if ((e & ~leaf_addr_mask(level) & ~HW_SET_BITS & ~PTE_PAT_HUGE) ==
	    ((r->flags | PTE_HUGE) & ~HW_SET_BITS))
		return 0;
	return 1;
}

static bool huge_ok(const struct map_req *r, vaddr_t va, vaddr_t last)
{
	return r->src->allow_huge && IS_ALIGNED(va, PT_HUGE_SIZE) &&
	       IS_ALIGNED(va + r->delta, PT_HUGE_SIZE) && last - va >= PT_HUGE_SIZE - 1;
}

static int walk(struct map_req *r, uint64_t *table, int level, vaddr_t va, vaddr_t last);

/*
 * Map [va, last] (inclusive, so the top page of the address space works),
 * which lies inside the one entry *slot of a table at level.  slot is
 * NULL in the plan pass below a table that does not exist yet.
 */
static int map_entry(struct map_req *r, uint64_t *slot, int level, vaddr_t va, vaddr_t last)
{
	uint64_t e = slot ? *slot : 0;
	bool table_there = (e & PTE_PRESENT) && !is_leaf(e, level);
	int rc;

	if (level == 1 || (level == 2 && !table_there && huge_ok(r, va, last)))
		return map_leaf(r, slot, level, va + r->delta);
	if (!table_there) {
		rc = (e & PTE_PRESENT) ? check_huge(r, e, level, va) : 1;
		if (rc <= 0)
			return rc;	/* conflict, or already mapped exactly so */
		if (!r->apply) {
			r->need++;	/* a new table, or a split */
		} else if (e & PTE_PRESENT) {
			if ((rc = split_huge(r, slot, level)) != 0)
				return rc;
		} else {
			paddr_t pa = stash_take(r);

			if (!pa)
				return -E_NOMEM;
			*slot = pa | TABLE_FLAGS | (r->flags & PTE_USER);
		}
	} else if (r->apply) {
		*slot |= r->flags & PTE_USER;
	}
	if (slot && (*slot & PTE_PRESENT) && !is_leaf(*slot, level))
		return walk(r, table_ptr(r->src, *slot & PTE_ADDR_MASK), level - 1, va, last);
	return walk(r, NULL, level - 1, va, last);
}

/* Map [va, last] in table at level (table NULL: not there yet, plan pass). */
static int walk(struct map_req *r, uint64_t *table, int level, vaddr_t va, vaddr_t last)
{
	for (;;) {
		uint64_t size = entry_size(level);
		vaddr_t entry_last = MIN(ALIGN_DOWN(va, size) + (size - 1), last);
		uint64_t *slot = table ? &table[entry_index(va, level)] : NULL;
		int rc = map_entry(r, slot, level, va, entry_last);

		if (rc || entry_last == last)
			return rc;
		va = entry_last + 1;
	}
}

int pt_create(struct pt_root *root, const struct pt_source *src)
{
	paddr_t pa = src->alloc_page(src->ctx);

	if (!pa)
		return -E_NOMEM;
	root->pml4_pa = pa;
	root->src = src;
	return 0;
}

int pt_map(struct pt_root *root, vaddr_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	const struct pt_source *src = root->src;
	struct map_req r = { .src = src, .delta = pa - va, .flags = flags | PTE_PRESENT };
	uint64_t *pml4 = table_ptr(src, root->pml4_pa);
	int rc;

	if (!IS_ALIGNED(va | pa | size, PT_PAGE_SIZE))
		return -E_ALIGN;
	if (size == 0 || (flags & (PTE_HUGE | PTE_ADDR_MASK)))
		return -E_INVAL;
	if (va + size - 1 < va || !canonical(va) || !canonical(va + size - 1) ||
	    (va >> 63) != ((va + size - 1) >> 63) || pa >= PA_LIMIT || size > PA_LIMIT - pa)
		return -E_RANGE;
	rc = walk(&r, pml4, 4, va, va + size - 1);
	if (rc)
		return rc;
	for (size_t i = 0; i < r.need; i++) {
		paddr_t page = src->alloc_page(src->ctx);

		if (!page)
			return -E_NOMEM;	/* the stash pages are lost */
		table_ptr(src, page)[0] = r.stash;
		r.stash = page;
	}
	r.apply = true;
	rc = walk(&r, pml4, 4, va, va + size - 1);
	/* The plan counted exactly what apply takes: r.stash is 0 now. */
	return rc;
}

int pt_translate(const struct pt_root *root, vaddr_t va, paddr_t *pa, uint64_t *flags)
{
	const uint64_t *table = table_ptr(root->src, root->pml4_pa);

	if (!canonical(va))
		return -E_NOENT;
	for (int level = 4; level >= 1; level--) {
		uint64_t e = table[entry_index(va, level)];

		if (!(e & PTE_PRESENT))
			return -E_NOENT;
		if (is_leaf(e, level)) {
			uint64_t mask = leaf_addr_mask(level);

			*pa = (e & mask) + (va & (entry_size(level) - 1));
			if (flags)
				*flags = e & ~mask;
			return 0;
		}
		table = table_ptr(root->src, e & PTE_ADDR_MASK);
	}
	return -E_NOENT;	/* not reached: level 1 is always a leaf */
}

/* Count the leaves of table (mapping from base) that start in [va, last]. */
static void count_table(const struct pt_root *root, const uint64_t *table, int level,
			vaddr_t base, vaddr_t va, vaddr_t last, struct pt_stats *st)
{
	st->tables++;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		vaddr_t s = base + i * entry_size(level);
		uint64_t e = table[i];

		if (level == 4 && i >= 256)
			s |= 0xffff000000000000ULL;	/* sign extension */
		if (!(e & PTE_PRESENT) || s + (entry_size(level) - 1) < va || s > last)
			continue;
		if (!is_leaf(e, level))
			count_table(root, table_ptr(root->src, e & PTE_ADDR_MASK),
				    level - 1, s, va, last, st);
		else if (s >= va)
			*(level == 1 ? &st->pages_4k : level == 2 ? &st->pages_2m
								   : &st->pages_1g) += 1;
	}
}

void pt_count(const struct pt_root *root, vaddr_t va, vaddr_t end, struct pt_stats *st)
{
	memset(st, 0, sizeof(*st));
	count_table(root, table_ptr(root->src, root->pml4_pa), 4, 0, va, end - 1, st);
}
