/*
 * The resource tree: nested, non-overlapping half-open ranges.  Each node's
 * children are sorted by address, lie inside it and do not overlap; a new
 * node sinks to the deepest node that contains it, and adopts existing
 * siblings it covers (so "System RAM" added after "Kernel code" still ends
 * up its parent).  Linux: kernel/resource.c, __insert_resource() and
 * remove_resource().  Pure logic; nodes are supplied by the caller.
 */
#include "mm/resource.h"
#include "lib/errno.h"

static bool overlaps(const struct resource *a, const struct resource *b)
{
	return a->start < b->end && b->start < a->end;
}

static bool contains(const struct resource *outer, const struct resource *inner)
{
	return outer->start <= inner->start && inner->end <= outer->end;
}

/* Link new under parent, in address order, with no adoption. */
static void link_child(struct resource *parent, struct resource *new)
{
	struct resource **pp = &parent->child;

	while (*pp && (*pp)->start < new->start)
		pp = &(*pp)->sibling;
	new->sibling = *pp;
	new->child = NULL;
	new->parent = parent;
	*pp = new;
}

/*
 * new replaces the run of siblings starting at *first_pp, all of which it
 * covers; they become its children in the same order.  last is the final
 * node of the run.
 */
static void adopt(struct resource *parent, struct resource **first_pp,
		  struct resource *last, struct resource *new)
{
	struct resource *first = *first_pp;

	new->parent = parent;
	new->child = first;
	new->sibling = last->sibling;
	last->sibling = NULL;
	for (struct resource *r = first; r; r = r->sibling)
		r->parent = new;
	*first_pp = new;
}

int resource_insert(struct resource *root, struct resource *new)
{
	struct resource *parent = root;

	if (new->end <= new->start || !contains(root, new) || new == root || new->parent)
		return -E_INVAL;
	for (;;) {
		struct resource **pp = &parent->child;
		struct resource *last;

		while (*pp && (*pp)->end <= new->start)
			pp = &(*pp)->sibling;
		if (!*pp || !overlaps(*pp, new)) {
			link_child(parent, new);
			return 0;
		}
		/* Strictly inside the first overlapping sibling: go down. */
		if (contains(*pp, new) && !contains(new, *pp)) {
			parent = *pp;
			continue;
		}
		/* Otherwise new must cover every sibling it touches (Linux: an
		 * identical range also becomes the new node's child). */
		for (last = *pp;; last = last->sibling) {
			if (!contains(new, last))
				return -E_BUSY;
			if (!last->sibling || !overlaps(last->sibling, new))
				break;
		}
		adopt(parent, pp, last, new);
		return 0;
	}
}

void resource_remove(struct resource *res)
{
	struct resource *parent = res->parent, **pp;

	if (!parent)
		return;				/* the root, or not in a tree */
	for (pp = &parent->child; *pp != res; pp = &(*pp)->sibling)
		;
	if (res->child) {
		/* The children fit exactly where res was, already in order. */
		struct resource *last = res->child;

		for (struct resource *r = res->child; r; r = r->sibling) {
			r->parent = parent;
			last = r;
		}
		last->sibling = res->sibling;
		*pp = res->child;
	} else {
		*pp = res->sibling;
	}
	res->parent = res->sibling = res->child = NULL;
}

void resource_walk(const struct resource *root,
		   void (*fn)(const struct resource *res, int depth, void *ctx), void *ctx)
{
	const struct resource *r = root->child;
	int depth = 0;

	while (r) {
		fn(r, depth, ctx);
		if (r->child) {
			r = r->child;
			depth++;
			continue;
		}
		while (!r->sibling) {
			r = r->parent;
			depth--;
			if (r == root)
				return;
		}
		r = r->sibling;
	}
}
