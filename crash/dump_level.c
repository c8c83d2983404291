/*
 * Dump levels in words and from text (crash/dump_level.h has the table).
 * Linux: makedumpfile's -d option, parsed in its main() and described in
 * makedumpfile(8).
 */
#include "crash/dump_level.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

static const struct {
	unsigned bit;
	const char *name;
} classes[] = {
	{ DUMP_EXCLUDE_ZERO, "zero pages" },
	{ DUMP_EXCLUDE_CACHE, "cache pages (none here)" },
	{ DUMP_EXCLUDE_CACHE_PRI, "cache private pages (none here)" },
	{ DUMP_EXCLUDE_USER, "user pages (none here)" },
	{ DUMP_EXCLUDE_FREE, "free frames" },
};

int dump_level_parse(const char *s, unsigned *level, char *why, size_t whylen)
{
	uint64_t v;
	int err;

	if (!s || !*s)
		return why_fail(why, whylen, -E_INVAL, "no dump level given");
	err = parse_u64(s, &v, false);
	if (err == -E_INVAL)
		return why_fail(why, whylen, -E_INVAL, "dump level '%s' is not a number 0..%u", s,
				DUMP_LEVEL_MAX);
	if (err || v > DUMP_LEVEL_MAX)
		return why_fail(why, whylen, -E_RANGE, "dump level %s is above %u", s, DUMP_LEVEL_MAX);
	*level = (unsigned)v;
	return 0;
}

char *dump_level_describe(unsigned level, char *buf, size_t size)
{
	size_t pos = 0;

	if (size == 0)
		return buf;
	buf[0] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(classes); i++) {
		if (!(level & classes[i].bit))
			continue;
		pos += (size_t)ksnprintf(buf + MIN(pos, size - 1), size - MIN(pos, size - 1), "%s%s",
					 pos ? ", " : "", classes[i].name);
	}
	if (pos == 0)
		ksnprintf(buf, size, "nothing");
	return buf;
}
