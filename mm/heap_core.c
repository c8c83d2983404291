/*
 * Heap logic.  Every heap page starts with a header whose magic is mixed
 * with the page's own address, so kfree can tell a heap pointer from
 * anything else by looking at the start of its page.  A slab page holds
 * equal slots of one size class and remembers each slot's requested size
 * (0 = free), which also catches double frees.  Blocks above 2048 bytes
 * get whole pages behind a 64-byte header.  Linux: mm/slub.c's kmalloc
 * caches and kmalloc_large(), in miniature.
 */
#include "mm/heap_core.h"
#include "lib/errno.h"
#include "lib/string.h"

#define HEAP_MAGIC 0x6b6d616c6c6f6321ULL	/* "kmalloc!" */
#define NO_SLOT 0xffff

enum page_kind { KIND_SLAB = 1, KIND_BIG = 2, KIND_FREED = 3 };

struct slab {
	uint64_t magic;		/* HEAP_MAGIC ^ address of this page */
	uint32_t kind;
	uint16_t class_size, nslots;
	uint16_t nfree, free_head;	/* free slots form a list through themselves */
	uint16_t slot0;		/* offset of slot 0 in the page, 16-aligned */
	uint16_t cls;
	struct slab *next, *prev;	/* on h->partial[cls] while nfree > 0 */
	size_t big_pages, big_size;	/* KIND_BIG: pages held, size requested */
	uint16_t size[];	/* KIND_SLAB: requested size per slot, 0 = free */
};

_Static_assert(sizeof(struct slab) <= HEAP_BIG_HEADER, "big header too small");

static uint64_t magic_of(const void *page)
{
	return HEAP_MAGIC ^ (uint64_t)(uintptr_t)page;
}

static unsigned class_index(size_t size)
{
	unsigned cls = 0;

	while ((size_t)HEAP_MIN_CLASS << cls < size)
		cls++;
	return cls;
}

/* Slots of class_size that fit in a page after the header and size table. */
static unsigned slots_per_page(size_t class_size, unsigned *slot0)
{
	unsigned n = (unsigned)((HEAP_PAGE_SIZE - sizeof(struct slab)) / (class_size + 2));

	for (;; n--) {
		unsigned off = (unsigned)ALIGN_UP(sizeof(struct slab) + 2 * n, 16);

		if (off + n * class_size <= HEAP_PAGE_SIZE) {
			*slot0 = off;
			return n;
		}
	}
}

static void *slot_ptr(struct slab *s, unsigned i)
{
	return (char *)s + s->slot0 + (size_t)i * s->class_size;
}

static void list_add(struct heap *h, struct slab *s)
{
	s->prev = NULL;
	s->next = h->partial[s->cls];
	if (s->next)
		s->next->prev = s;
	h->partial[s->cls] = s;
}

static void list_del(struct heap *h, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		h->partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

static struct slab *new_slab(struct heap *h, unsigned cls)
{
	struct slab *s = h->src.alloc_pages(h->src.ctx, 1);
	unsigned slot0;

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->magic = magic_of(s);
	s->kind = KIND_SLAB;
	s->cls = (uint16_t)cls;
	s->class_size = (uint16_t)(HEAP_MIN_CLASS << cls);
	s->nslots = (uint16_t)slots_per_page(s->class_size, &slot0);
	s->slot0 = (uint16_t)slot0;
	s->nfree = s->nslots;
	for (unsigned i = 0; i < s->nslots; i++) {
		s->size[i] = 0;
		*(uint16_t *)slot_ptr(s, i) = (uint16_t)(i + 1 < s->nslots ? i + 1 : NO_SLOT);
	}
	s->free_head = 0;
	h->pages++;
	list_add(h, s);
	return s;
}

static void *alloc_big(struct heap *h, size_t size)
{
	size_t npages;
	struct slab *b;

	if (size > SIZE_MAX / 2)
		return NULL;
	npages = (size + HEAP_BIG_HEADER + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE;
	b = h->src.alloc_pages(h->src.ctx, npages);
	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->magic = magic_of(b);
	b->kind = KIND_BIG;
	b->big_pages = npages;
	b->big_size = size;
	h->pages += npages;
	h->bytes_in_use += size;
	h->allocations++;
	return (char *)b + HEAP_BIG_HEADER;
}

void heap_core_init(struct heap *h, const struct heap_page_source *src)
{
	memset(h, 0, sizeof(*h));
	h->src = *src;
}

void *heap_core_alloc(struct heap *h, size_t size)
{
	struct slab *s;
	unsigned cls, i;

	if (size == 0)
		return NULL;
	if (size > HEAP_MAX_CLASS)
		return alloc_big(h, size);
	cls = class_index(size);
	s = h->partial[cls];
	if (!s && !(s = new_slab(h, cls)))
		return NULL;
	i = s->free_head;
	s->free_head = *(uint16_t *)slot_ptr(s, i);
	s->size[i] = (uint16_t)size;
	if (--s->nfree == 0)
		list_del(h, s);
	h->bytes_in_use += size;
	h->allocations++;
	return slot_ptr(s, i);
}

/* The page and slot of p: 0, -E_INVAL (not a heap pointer), -E_NOENT (freed). */
static int find_block(const void *p, struct slab **page, unsigned *slot)
{
	struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, HEAP_PAGE_SIZE);
	size_t off = (uintptr_t)p - (uintptr_t)s;

	if (!p || s->magic != magic_of(s))
		return -E_INVAL;
	*page = s;
	if (s->kind == KIND_BIG || (s->kind == KIND_FREED && off == HEAP_BIG_HEADER))
		return off != HEAP_BIG_HEADER ? -E_INVAL : s->kind == KIND_BIG ? 0 : -E_NOENT;
	if (s->kind == KIND_FREED)
		return -E_NOENT;	/* its slab page was given back */
	if (s->kind != KIND_SLAB || off < s->slot0 || (off - s->slot0) % s->class_size)
		return -E_INVAL;
	*slot = (unsigned)((off - s->slot0) / s->class_size);
	if (*slot >= s->nslots)
		return -E_INVAL;
	return s->size[*slot] ? 0 : -E_NOENT;
}

static void release_pages(struct heap *h, struct slab *s, size_t npages)
{
	s->kind = KIND_FREED;	/* so a late double free is named as such */
	h->pages -= npages;
	h->src.free_pages(h->src.ctx, s, npages);
}

int heap_core_free(struct heap *h, void *p)
{
	struct slab *s;
	unsigned i = 0;
	int err = find_block(p, &s, &i);

	if (err)
		return err;
	h->allocations--;
	if (s->kind == KIND_BIG) {
		h->bytes_in_use -= s->big_size;
		release_pages(h, s, s->big_pages);
		return 0;
	}
	h->bytes_in_use -= s->size[i];
	s->size[i] = 0;
	*(uint16_t *)slot_ptr(s, i) = s->free_head;
	s->free_head = (uint16_t)i;
	if (s->nfree++ == 0)
		list_add(h, s);
	/* An empty slab goes back unless it is the class's only one. */
	if (s->nfree == s->nslots && (s->next || s->prev)) {
		list_del(h, s);
		release_pages(h, s, 1);
	}
	return 0;
}

size_t heap_core_size(const struct heap *h, const void *p)
{
	struct slab *s;
	unsigned i = 0;

	if (find_block(p, &s, &i))
		return 0;
	return s->kind == KIND_BIG ? s->big_size : s->size[i];
}

void heap_core_stats(const struct heap *h, struct heap_stats *st)
{
	st->bytes_in_use = h->bytes_in_use;
	st->pages = h->pages;
	st->allocations = h->allocations;
}
