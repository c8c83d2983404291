/*
 * Loadable modules: this kernel has none, and says so where debuggers
 * look.  Linux keeps its loaded modules on the list `modules`, and drgn
 * (like crash) walks it, as `struct module`s, to find each module's
 * symbols; without the list drgn warns that it "could not find loaded
 * kernel modules".  An empty list is the truthful answer: nothing to find.
 * Linux: `modules` and `struct module` in kernel/module/main.c.
 */
#include "lib/types.h"

/* Linux's doubly linked list head (include/linux/types.h). */
struct list_head {
	struct list_head *next, *prev;
};

/* The fields a debugger reads first: the name and the list link. */
struct module {
	char name[56];
	struct list_head list;
};

/* Empty: next and prev point at the head itself. */
struct list_head modules = { &modules, &modules };

/* Keeps struct module's type in the DWARF, where drgn looks it up. */
static const struct module *const module_type __attribute__((used)) = NULL;
