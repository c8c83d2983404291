/*
 * The capture kernel's choice of pages: the layout `vmcore save` writes at
 * a dump level (crash/dump_level.h), built from vmcore_setup's layout by
 * crash/vmcore_dump.c.  Linux: what makedumpfile -d writes, where the
 * kdump service would otherwise copy /proc/vmcore whole.
 */
#ifndef CRASH_VMCORE_DUMP_H
#define CRASH_VMCORE_DUMP_H

#include "crash/vmcore_layout.h"

/*
 * The layout of the file to save at level: src without the pages the
 * level leaves out, with a DUMPINFO note; logs what was left out, by
 * class, and why free frames were kept if they were.  src itself, byte
 * for byte, for level 0 and whenever nothing is left out (a foreign dump
 * at the default level stays Linux's /proc/vmcore).  Valid until the next
 * call.  Never NULL: when filtering cannot be done (no memory), src, with
 * an error line.
 */
const struct vmcore_layout *vmcore_dump_layout(const struct vmcore_layout *src, unsigned level);

/* The level vmcore_dump_level= asks for (DUMP_LEVEL_DEFAULT without the
 * key) in *level.  0, or -E_INVAL / -E_RANGE (the key's value is not a
 * level; *level is then the default). */
int vmcore_dump_level(unsigned *level);

#endif
