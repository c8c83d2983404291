/*
 * The DUMPINFO note a filtered vmcore carries (crash/vmcore_dump.c): the
 * dump level, and how many pages of each class the capture kernel left
 * out.  `info` prints it; `read` names it when an address is missing.
 * makedumpfile's dumps say the same in their kdump header (dump_level).
 */
#include "dumpinfo.h"
#include "util.h"
#include "vmcoreinfo.h"

#include <stdio.h>
#include <string.h>

/* The classes of crash/dump_level.h, by bit (makedumpfile's -d bits). */
static const struct {
	uint64_t bit;
	const char *name;
} classes[] = {
	{ 1, "zero pages" }, { 2, "cache pages" }, { 4, "cache private pages" },
	{ 8, "user pages" }, { 16, "free frames" },
};

/* A DUMPINFO number, or 0 if absent; dies if present but not a number. */
static uint64_t number(const struct vmcore *vc, const char *key)
{
	char val[64];
	uint64_t n = 0;

	if (kv_value(vc->dumpinfo, vc->dumpinfo_size, key, val, sizeof(val)) && !parse_u64(val, &n))
		die("%s: DUMPINFO %s=%s is not a number", vc->path, key, val);
	return n;
}

char *dumpinfo_level(const struct vmcore *vc, char *buf, size_t size)
{
	uint64_t level = number(vc, "DUMP_LEVEL");
	size_t pos;

	pos = (size_t)snprintf(buf, size, "dump level %llu (", (unsigned long long)level);
	for (unsigned i = 0; i < sizeof(classes) / sizeof(classes[0]) && pos < size; i++)
		if (level & classes[i].bit)
			pos += (size_t)snprintf(buf + pos, size - pos, "%s%s",
						buf[pos - 1] == '(' ? "" : ", ", classes[i].name);
	if (pos < size)
		snprintf(buf + pos, size - pos, "%s)", level ? "" : "nothing");
	return buf;
}

void dumpinfo_print(const struct vmcore *vc)
{
	uint64_t page, zero, nfree, kept, merged;
	char level[160], a[32], b[32], c[32], frames[64] = "";

	if (!vc->dumpinfo) {
		printf("dump level: none recorded (no DUMPINFO note): every page of RAM the ELF "
		       "core header described is in the file\n");
		return;
	}
	page = number(vc, "PAGESIZE");
	zero = number(vc, "EXCLUDED(zero)");
	nfree = number(vc, "EXCLUDED(free)");
	kept = number(vc, "KEPT");
	merged = number(vc, "MERGED");
	kv_value(vc->dumpinfo, vc->dumpinfo_size, "FREE_FRAMES", frames, sizeof(frames));
	printf("%s: left out %llu free frames (%s) and %llu zero pages (%s); kept %llu pages "
	       "(%s) in %u PT_LOADs\n", dumpinfo_level(vc, level, sizeof(level)),
	       (unsigned long long)nfree, format_size(a, sizeof(a), nfree * page),
	       (unsigned long long)zero, format_size(b, sizeof(b), zero * page),
	       (unsigned long long)(kept + merged), format_size(c, sizeof(c), (kept + merged) * page),
	       vc->nr_loads);
	printf("  free frames: %s\n", strcmp(frames, "checked") == 0
	       ? "left out as the dead kernel's frame bitmap said, once it had validated"
	       : strcmp(frames, "not-asked") == 0 ? "kept: the dump level does not leave them out"
	       : "kept: the capture kernel did not find or did not believe the frame bitmap");
	if (merged)
		printf("  %llu pages that could have gone were kept: more runs than the capture "
		       "kernel's table held\n", (unsigned long long)merged);
}
