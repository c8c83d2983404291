/*
 * The iomem resource tree: who owns which physical addresses, nested
 * ("Kernel code" inside "System RAM").  Shown by the iomem command like
 * Linux's /proc/iomem.  Linux: kernel/resource.c, struct resource.
 * Our ranges are half-open [start, end), unlike Linux's inclusive end.
 * The tree logic is pure; nodes come from a static pool.
 */
#ifndef MM_RESOURCE_H
#define MM_RESOURCE_H

#include "kernel/types.h"

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
 * sibling, -E_INVAL if it is empty or not inside root.
 */
int resource_insert(struct resource *root, struct resource *new);

/* Take a node from the static pool, insert it; NULL on failure (logged). */
struct resource *iomem_add(paddr_t start, paddr_t end, const char *name);

/* Remove a node (its children move up to its parent). */
void resource_remove(struct resource *res);

/* Build the tree from the firmware map, kernel image, MBI and modules. */
void iomem_setup(void);

/* Print the tree like /proc/iomem, indented by depth. */
void iomem_print(void);

#endif
