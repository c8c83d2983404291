/*
 * crashkernel= parsing and placement, pure.  The value is split at its
 * first '@' into the size part and the offset; a size part holding ':' is
 * a range list, anything else one SIZE.  Each number is copied out and
 * read whole by parse_u64, so no byte of the value goes unchecked.
 * Linux: kernel/crash_reserve.c (parse_crashkernel_simple,
 * parse_crashkernel_mem) and reserve_crashkernel's top-down search.
 */
#include "crash/crashkernel_parse.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "lib/x86.h"
#include "mm/memmap.h"

#define NUMBER_MAX 64		/* longest number text read */
#define SHOWN_MAX 40		/* longest piece of the value quoted in why */

/* Every function here has why and whylen in scope. */
#define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)

static const char *find(const char *s, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == c)
			return s + i;
	return NULL;
}

static const char *sz(char *buf, uint64_t bytes)
{
	return format_size(buf, 32, bytes);
}

/* Read the number text [s, s + len); what names it in why. */
static int read_number(const char *s, size_t len, const char *what, uint64_t *out, char *why,
		       size_t whylen)
{
	char text[NUMBER_MAX];
	int err;

	if (len == 0)
		return FAIL(-E_INVAL, "%s is missing", what);
	if (len >= sizeof(text))
		return FAIL(-E_INVAL, "%s '%.*s...' is too long for a number", what, 16, s);
	memcpy(text, s, len);
	text[len] = '\0';
	err = parse_u64(text, out, true);
	if (err == -E_RANGE)
		return FAIL(-E_INVAL, "%s '%s' does not fit in 64 bits", what, text);
	if (err)
		return FAIL(-E_INVAL, "%s '%s' is not a number with an optional K, M, G or T "
			    "suffix", what, text);
	return 0;
}

struct range_entry {
	uint64_t start, end, size;	/* end is UINT64_MAX for "START-:" */
};

/* One entry START-[END]:SIZE, the text [s, s + len), number n (from 1). */
static int parse_entry(const char *s, size_t len, unsigned n, struct range_entry *e, char *why,
		       size_t whylen)
{
	const char *colon = find(s, len, ':'), *dash;
	char what[96], a[32], b[32];
	int err, shown = (int)MIN(len, SHOWN_MAX);

	if (len == 0)
		return FAIL(-E_INVAL, "range %u is empty (a ',' with nothing after it?)", n);
	if (!colon)
		return FAIL(-E_INVAL, "range %u '%.*s': ':' expected before the size", n, shown, s);
	dash = find(s, (size_t)(colon - s), '-');
	if (!dash)
		return FAIL(-E_INVAL, "range %u '%.*s': '-' expected after the start", n, shown, s);
	ksnprintf(what, sizeof(what), "range %u '%.*s': the start", n, shown, s);
	err = read_number(s, (size_t)(dash - s), what, &e->start, why, whylen);
	if (err)
		return err;
	e->end = UINT64_MAX;
	if (dash + 1 < colon) {
		ksnprintf(what, sizeof(what), "range %u '%.*s': the end", n, shown, s);
		err = read_number(dash + 1, (size_t)(colon - dash - 1), what, &e->end, why, whylen);
		if (err)
			return err;
		if (e->end <= e->start)
			return FAIL(-E_INVAL, "range %u '%.*s': the end %s is not above the start %s",
				    n, shown, s, sz(a, e->end), sz(b, e->start));
	}
	ksnprintf(what, sizeof(what), "range %u '%.*s': the size after ':'", n, shown, s);
	return read_number(colon + 1, len - (size_t)(colon + 1 - s), what, &e->size, why, whylen);
}

/* Linux's rounding of System RAM before the range comparison. */
static uint64_t round_ram(uint64_t ram)
{
	uint64_t rest = ram % CRASHKERNEL_RAM_ROUND;

	if (rest == 0 || ram > UINT64_MAX - CRASHKERNEL_RAM_ROUND)
		return ram;
	return ram - rest + CRASHKERNEL_RAM_ROUND;
}

/* START-[END]:SIZE[,...] in [s, s + len) (no '@' part). */
static int parse_ranges(const char *s, size_t len, uint64_t ram,
			struct crashkernel_request *req, char *why, size_t whylen)
{
	const char *p = s, *end = s + len;
	uint64_t total = round_ram(ram);
	char a[32], b[32];

	req->ranges = true;
	req->ram_compared = total;
	for (;;) {
		const char *comma = find(p, (size_t)(end - p), ',');
		const char *stop = comma ? comma : end;
		struct range_entry e;
		int err = parse_entry(p, (size_t)(stop - p), ++req->nr_ranges, &e, why, whylen);

		if (err)
			return err;
		/* Linux checks every entry up to the match (its "invalid size"). */
		if (!req->range_index && e.size >= total)
			return FAIL(-E_INVAL, "range %u: the size %s is not below the %s of RAM",
				    req->nr_ranges, sz(a, e.size), sz(b, total));
		if (!req->range_index && total >= e.start && total < e.end) {
			req->range_index = req->nr_ranges;
			req->size = e.size;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!req->range_index)
		FAIL(0, "no range matches %s of RAM", sz(a, total));
	else if (req->size == 0)
		FAIL(0, "range %u matches %s of RAM and asks for 0 bytes", req->range_index,
		     sz(a, total));
	return 0;
}

static int parse_value(const char *value, uint64_t system_ram, struct crashkernel_request *req,
		       char *why, size_t whylen)
{
	const char *at, *comma;
	size_t len, tail;
	int err;

	memset(req, 0, sizeof(*req));
	if (why && whylen)
		why[0] = '\0';
	if (!value || !*value)
		return FAIL(-E_INVAL, "no value: the forms are SIZE, SIZE@OFFSET and "
			    "START-[END]:SIZE[,START-[END]:SIZE...][@OFFSET]");
	at = strchr(value, '@');
	len = at ? (size_t)(at - value) : strlen(value);
	if (at) {
		err = read_number(at + 1, strlen(at + 1), "the offset after '@'", &req->offset,
				  why, whylen);
		if (err)
			return err;
	}
	if (find(value, len, ':'))
		return parse_ranges(value, len, system_ram, req, why, whylen);
	comma = find(value, len, ',');
	tail = comma ? len - (size_t)(comma - value) : 0;
	if ((tail == 5 && strncmp(comma, ",high", 5) == 0) ||
	    (tail == 4 && strncmp(comma, ",low", 4) == 0))
		return FAIL(-E_NOTSUP, "'%.*s' is not supported: the window is always below 4 GiB",
			    (int)tail, comma);
	if (comma)
		return FAIL(-E_INVAL, "'%.*s': a ',' belongs in the range form "
			    "START-[END]:SIZE,START-[END]:SIZE", (int)MIN(len, SHOWN_MAX), value);
	err = read_number(value, len, at ? "the size before '@'" : "the size", &req->size, why,
			  whylen);
	if (!err && req->size == 0)
		FAIL(0, "the size is 0: nothing to reserve");
	return err;
}

int crashkernel_parse(const char *value, uint64_t system_ram, struct crashkernel_request *req,
		      char *why, size_t whylen)
{
	int err = parse_value(value, system_ram, req, why, whylen);

	if (err)
		memset(req, 0, sizeof(*req));	/* nothing half-read is left */
	return err;
}

/* ---------------------------------------------------------- placement */

static int place_fixed(const struct memmap *ram, const struct range *avoid,
		       unsigned nr_avoid, uint64_t size, paddr_t offset, char *why, size_t whylen)
{
	paddr_t end = offset + size;
	char a[32];

	if (!IS_ALIGNED(offset, CRASHKERNEL_ALIGN))
		return FAIL(-E_ALIGN, "the offset 0x%llx is not a multiple of 2 MiB",
			    (unsigned long long)offset);
	if (end < offset)
		return FAIL(-E_RANGE, "the offset 0x%llx plus %s wraps past 2^64",
			    (unsigned long long)offset, sz(a, size));
	if (end > CRASHKERNEL_LIMIT)
		return FAIL(-E_RANGE, "[0x%016llx, 0x%016llx) %s ends above 4 GiB",
			    (unsigned long long)offset, (unsigned long long)end, sz(a, size));
	if (!memmap_covers(ram, offset, end, MEMMAP_RAM))
		return FAIL(-E_RANGE, "[0x%016llx, 0x%016llx) %s is not inside one System RAM "
			    "range", (unsigned long long)offset, (unsigned long long)end,
			    sz(a, size));
	for (unsigned i = 0; i < nr_avoid; i++) {
		const struct range *v = &avoid[i];

		if (v->start < end && offset < v->end)
			return FAIL(-E_BUSY, "[0x%016llx, 0x%016llx) %s overlaps the %s "
				    "[0x%016llx, 0x%016llx)", (unsigned long long)offset,
				    (unsigned long long)end, sz(a, size),
				    v->what ? v->what : "reserved range",
				    (unsigned long long)v->start, (unsigned long long)v->end);
	}
	return 0;
}

/* The largest size (a multiple of 4 KiB) that a top-down search would
 * place: a size that fits at some base fits there when smaller, so a
 * binary search over sizes finds it. */
static uint64_t largest_window(const struct memmap *ram, const struct range *avoid,
			       unsigned nr_avoid)
{
	uint64_t lo = 0, hi = CRASHKERNEL_LIMIT / PAGE_SIZE;	/* in pages */
	paddr_t base;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (memmap_find_hole(ram, 0, CRASHKERNEL_LIMIT, avoid, nr_avoid, mid * PAGE_SIZE,
				     CRASHKERNEL_ALIGN, true, &base) == 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo * PAGE_SIZE;
}

int crashkernel_place(const struct memmap *ram, const struct range *avoid,
		      unsigned nr_avoid, uint64_t size, paddr_t offset, paddr_t *base,
		      char *why, size_t whylen)
{
	char a[32], b[32];
	int err;

	if (size == 0)
		return FAIL(-E_INVAL, "the size is 0");
	if (!IS_ALIGNED(size, PAGE_SIZE))
		return FAIL(-E_INVAL, "the size %llu bytes is not a multiple of 4 KiB",
			    (unsigned long long)size);
	if (nr_avoid > CRASHKERNEL_AVOID_MAX)
		return FAIL(-E_INVAL, "%u ranges to avoid, at most %u", nr_avoid,
			    CRASHKERNEL_AVOID_MAX);
	if (offset) {
		err = place_fixed(ram, avoid, nr_avoid, size, offset, why, whylen);
		if (!err)
			*base = offset;
		return err;
	}
	err = memmap_find_hole(ram, 0, CRASHKERNEL_LIMIT, avoid, nr_avoid, size,
			       CRASHKERNEL_ALIGN, true, base);
	if (err)
		return FAIL(-E_NOSPC, "no room for %s: the largest 2 MiB-aligned window in System "
			    "RAM below 4 GiB, clear of the kernel and boot data, is %s",
			    sz(a, size), sz(b, largest_window(ram, avoid, nr_avoid)));
	return 0;
}
