/*
 * A filtered vmcore's DUMPINFO note (crash/vmcore_dump.c writes it): the
 * dump level and what each class of pages it left out came to.
 */
#ifndef VMCORE_DUMPINFO_H
#define VMCORE_DUMPINFO_H

#include "vmcore.h"

/* "dump level 17 (zero pages, free frames)" into buf. */
char *dumpinfo_level(const struct vmcore *vc, char *buf, size_t size);

/* The dump level line(s) of `info`; says so when there is no note. */
void dumpinfo_print(const struct vmcore *vc);

#endif
