/*
 * The iomem resource tree: who owns which physical addresses, nested
 * ("Kernel code" inside "System RAM").  Shown by the iomem command like
 * Linux's /proc/iomem.  Linux: kernel/resource.c, struct resource.
 * Our ranges are half-open [start, end), unlike Linux's inclusive end.
 * The tree logic is pure; nodes come from a static pool.
 */
#ifndef MM_RESOURCE_H
#define MM_RESOURCE_H

#include "lib/types.h"

struct resource {
	paddr_t start;
	paddr_t end;		/* exclusive */
	const char *name;	/* must outlive the node (string literal or static) */
	struct resource *parent, *sibling, *child;
};

/* The root: all physical addresses. */
extern struct resource iomem_resource;

/*
 * Insert new into the tree under root, as deep as it fits.  A new range
 * that covers existing siblings adopts them as children (Linux:
 * insert_resource).  Returns 0, or -E_BUSY if it partly overlaps a
 * sibling, -E_INVAL if it is empty, not inside root, or already in a tree
 * (new->parent set).  new's links are overwritten.  An exactly equal range
 * becomes new's child, as in Linux.  Nothing changes on failure.
 */
int resource_insert(struct resource *root, struct resource *new);

/* Remove a node (its children move up to its parent, in its place).  A
 * node not in a tree (no parent) is left alone.  Afterwards res is
 * unlinked and may be inserted again. */
void resource_remove(struct resource *res);

/*
 * Call fn on every node below root (not root itself), parents before
 * children, in address order; depth 0 for root's children.  fn must not
 * change the tree.  Iterative: no recursion on the kernel stack.
 */
void resource_walk(const struct resource *root,
		   void (*fn)(const struct resource *res, int depth, void *ctx), void *ctx);

/* Take a node from the static pool, insert it; NULL on failure (logged). */
struct resource *iomem_add(paddr_t start, paddr_t end, const char *name);

/* Build the tree from the firmware map, kernel image, MBI and modules. */
void iomem_setup(void);

/* Print the tree like /proc/iomem, indented by depth. */
void iomem_print(void);

#endif
