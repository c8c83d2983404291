/*
 * Tests of the resource tree (mm/resource_tree.c): nesting, adoption of
 * covered siblings, refusal of partial overlaps, removal and the walk.
 * Trees are compared through a one-line picture: "A(B C) D".
 */
#include <stdio.h>
#include <string.h>
#include "lib/errno.h"
#include "mm/resource.h"
#include "tests/unit/test.h"

/* The picture of a tree: names in walk order, children in parentheses. */
struct picture {
	char text[512];
	int depth;
};

static void draw(const struct resource *r, int depth, void *ctx)
{
	struct picture *p = ctx;
	size_t n = strlen(p->text);

	for (; p->depth > depth; p->depth--)
		n += snprintf(p->text + n, sizeof(p->text) - n, ")");
	if (depth > p->depth)
		n += snprintf(p->text + n, sizeof(p->text) - n, "(");
	else if (n)
		n += snprintf(p->text + n, sizeof(p->text) - n, " ");
	snprintf(p->text + n, sizeof(p->text) - n, "%s", r->name);
	p->depth = depth;
}

static const char *picture_of(const struct resource *root)
{
	static struct picture p;
	size_t n;

	p.text[0] = '\0';
	p.depth = 0;
	resource_walk(root, draw, &p);
	n = strlen(p.text);
	for (; p.depth > 0; p.depth--)
		n += snprintf(p.text + n, sizeof(p.text) - n, ")");
	return p.text;
}

/* Nodes for one test: node(i, start, size, name). */
static struct resource nodes[16];
static struct resource root;

static struct resource *node(int i, paddr_t start, uint64_t size, const char *name)
{
	nodes[i] = (struct resource){ .start = start, .end = start + size, .name = name };
	return &nodes[i];
}

static void reset(void)
{
	memset(nodes, 0, sizeof(nodes));
	root = (struct resource){ .start = 0, .end = 1ULL << 52, .name = "root" };
}

/* Every child inside its parent, siblings sorted and disjoint, parent
 * pointers right. */
static int consistent(const struct resource *parent)
{
	for (const struct resource *c = parent->child; c; c = c->sibling) {
		if (c->parent != parent || c->start < parent->start || c->end > parent->end)
			return 0;
		if (c->sibling && c->end > c->sibling->start)
			return 0;
		if (!consistent(c))
			return 0;
	}
	return 1;
}

TEST(resource_siblings_sorted)
{
	reset();
	CHECK_EQ(resource_insert(&root, node(0, 8 * MiB, 1 * MiB, "C")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 0, 1 * MiB, "A")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 4 * MiB, 1 * MiB, "B")), 0);
	CHECK_EQ(resource_insert(&root, node(3, 1 * MiB, 3 * MiB, "A2")), 0);	/* touching */
	CHECK_STR(picture_of(&root), "A A2 B C");
	CHECK(consistent(&root));
}

TEST(resource_nests_deep)
{
	reset();
	CHECK_EQ(resource_insert(&root, node(0, 1 * MiB, 127 * MiB, "System RAM")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 2 * MiB, 2 * MiB, "Kernel")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 2 * MiB, 1 * MiB, "Kernel code")), 0);
	CHECK_EQ(resource_insert(&root, node(3, 3 * MiB, 512 * KiB, "Kernel data")), 0);
	CHECK_EQ(resource_insert(&root, node(4, 64 * MiB, 4 * KiB, "module")), 0);
	CHECK_STR(picture_of(&root), "System RAM(Kernel(Kernel code Kernel data) module)");
	CHECK(nodes[2].parent == &nodes[1]);
	CHECK(consistent(&root));
}

/* Linux's insert_resource: a new range that covers existing nodes
 * becomes their parent; nodes outside it stay siblings. */
TEST(resource_adopts_covered_siblings)
{
	reset();
	CHECK_EQ(resource_insert(&root, node(0, 0, 1 * MiB, "low")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 2 * MiB, 1 * MiB, "code")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 3 * MiB, 1 * MiB, "data")), 0);
	CHECK_EQ(resource_insert(&root, node(3, 8 * MiB, 1 * MiB, "mod")), 0);
	CHECK_EQ(resource_insert(&root, node(4, 200 * MiB, 1 * MiB, "high")), 0);
	CHECK_EQ(resource_insert(&root, node(5, 1 * MiB, 127 * MiB, "RAM")), 0);
	CHECK_STR(picture_of(&root), "low RAM(code data mod) high");
	CHECK(nodes[1].parent == &nodes[5] && nodes[3].parent == &nodes[5]);
	CHECK(nodes[5].parent == &root);
	CHECK(consistent(&root));
	/* Adoption one level down: a range inside RAM covering code+data. */
	CHECK_EQ(resource_insert(&root, node(6, 2 * MiB, 2 * MiB, "Kernel")), 0);
	CHECK_STR(picture_of(&root), "low RAM(Kernel(code data) mod) high");
	CHECK(consistent(&root));
}

TEST(resource_identical_range_becomes_child)
{
	reset();
	CHECK_EQ(resource_insert(&root, node(0, 1 * MiB, 1 * MiB, "old")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 1 * MiB, 1 * MiB, "new")), 0);
	CHECK_STR(picture_of(&root), "new(old)");
	CHECK(consistent(&root));
}

TEST(resource_partial_overlap_is_busy)
{
	char before[512];

	reset();
	CHECK_EQ(resource_insert(&root, node(0, 1 * MiB, 127 * MiB, "RAM")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 2 * MiB, 2 * MiB, "code")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 8 * MiB, 2 * MiB, "mod")), 0);
	strcpy(before, picture_of(&root));
	/* Straddles the end of RAM. */
	CHECK_EQ(resource_insert(&root, node(3, 100 * MiB, 100 * MiB, "x")), -E_BUSY);
	/* Inside RAM, straddles the start of code. */
	CHECK_EQ(resource_insert(&root, node(4, 1 * MiB, 2 * MiB, "y")), -E_BUSY);
	/* Covers code fully but cuts mod: nothing may change. */
	CHECK_EQ(resource_insert(&root, node(5, 2 * MiB, 7 * MiB, "z")), -E_BUSY);
	CHECK_STR(picture_of(&root), before);
	CHECK(nodes[3].parent == NULL && nodes[5].parent == NULL);
	CHECK(consistent(&root));
}

TEST(resource_rejects_bad_nodes)
{
	struct resource small = { .start = 1 * MiB, .end = 2 * MiB, .name = "small" };

	reset();
	CHECK_EQ(resource_insert(&root, node(0, 1 * MiB, 0, "empty")), -E_INVAL);
	CHECK_EQ(resource_insert(&root, node(1, 1ULL << 52, 4 * KiB, "past")), -E_INVAL);
	CHECK_EQ(resource_insert(&small, node(2, 0, 4 * MiB, "bigger")), -E_INVAL);
	CHECK_EQ(resource_insert(&root, node(3, 0, 4 * KiB, "once")), 0);
	CHECK_EQ(resource_insert(&root, &nodes[3]), -E_INVAL);	/* already linked */
	CHECK_EQ(resource_insert(&root, &root), -E_INVAL);
	CHECK_STR(picture_of(&root), "once");
}

TEST(resource_remove_lifts_children)
{
	reset();
	CHECK_EQ(resource_insert(&root, node(0, 0, 1 * MiB, "low")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 1 * MiB, 127 * MiB, "RAM")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 2 * MiB, 1 * MiB, "code")), 0);
	CHECK_EQ(resource_insert(&root, node(3, 3 * MiB, 1 * MiB, "data")), 0);
	CHECK_EQ(resource_insert(&root, node(4, 200 * MiB, 1 * MiB, "high")), 0);
	resource_remove(&nodes[1]);
	CHECK_STR(picture_of(&root), "low code data high");
	CHECK(nodes[2].parent == &root);
	CHECK(nodes[1].parent == NULL && nodes[1].child == NULL);
	CHECK(consistent(&root));
	/* Put it back: it adopts them again. */
	CHECK_EQ(resource_insert(&root, &nodes[1]), 0);
	CHECK_STR(picture_of(&root), "low RAM(code data) high");
	resource_remove(&nodes[3]);			/* a leaf, last child */
	resource_remove(&nodes[0]);			/* first child of root */
	CHECK_STR(picture_of(&root), "RAM(code) high");
	resource_remove(&nodes[0]);			/* not linked: no effect */
	resource_remove(&root);				/* the root: no effect */
	CHECK_STR(picture_of(&root), "RAM(code) high");
	CHECK(consistent(&root));
}

struct depth_log {
	char text[256];
};

static void log_depth(const struct resource *r, int depth, void *ctx)
{
	struct depth_log *l = ctx;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%d%s ", depth, r->name);
}

TEST(resource_walk_order_and_depth)
{
	struct depth_log l = { "" };

	reset();
	resource_walk(&root, log_depth, &l);
	CHECK_STR(l.text, "");
	CHECK_EQ(resource_insert(&root, node(0, 0, 64 * MiB, "a")), 0);
	CHECK_EQ(resource_insert(&root, node(1, 1 * MiB, 8 * MiB, "b")), 0);
	CHECK_EQ(resource_insert(&root, node(2, 2 * MiB, 1 * MiB, "c")), 0);
	CHECK_EQ(resource_insert(&root, node(3, 16 * MiB, 1 * MiB, "d")), 0);
	CHECK_EQ(resource_insert(&root, node(4, 64 * MiB, 1 * MiB, "e")), 0);
	resource_walk(&root, log_depth, &l);
	CHECK_STR(l.text, "0a 1b 2c 1d 0e ");
	/* A walk of a subtree stops at its end. */
	l.text[0] = '\0';
	resource_walk(&nodes[1], log_depth, &l);
	CHECK_STR(l.text, "0c ");
}
