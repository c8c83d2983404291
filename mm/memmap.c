/*
 * Typed physical ranges, the kernel's e820 table.  Every change goes
 * through one sweep (rebuild): cut the address line at every boundary,
 * give each piece the highest type covering it (reserved beats RAM),
 * apply the change to the pieces inside [start, end), and glue equal
 * neighbours back together.  So the map is always sorted, disjoint and
 * merged.  Linux: arch/x86/kernel/e820.c, e820__update_table() and
 * e820__range_update()/e820__range_remove().  Also the search for a
 * free place in RAM (memmap_find_hole).  Pure logic.
 */
#include "mm/memmap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

/* What rebuild() does to the pieces inside [start, end). */
enum memmap_op {
	OP_NONE,	/* sanitize only */
	OP_ADD,		/* higher type wins, holes get the type */
	OP_SET,		/* covered pieces get the type, holes stay holes */
	OP_REMOVE,	/* pieces become holes */
};

void memmap_init(struct memmap *m)
{
	memset(m, 0, sizeof(*m));
}

static void sort_unique(paddr_t *v, unsigned *n)
{
	unsigned out = 0;

	for (unsigned i = 1; i < *n; i++) {		/* insertion sort */
		paddr_t x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (unsigned i = 0; i < *n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	*n = out;
}

/* Highest type of the ranges containing addr; 0 for a hole. */
static uint32_t type_at(const struct memmap *m, paddr_t addr)
{
	uint32_t type = 0;

	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->range[i];

		if (r->start <= addr && addr < r->end && r->type > type)
			type = r->type;
	}
	return type;
}

static uint32_t apply(enum memmap_op op, uint32_t old, uint32_t type)
{
	switch (op) {
	case OP_ADD:
		return MAX(old, type);
	case OP_SET:
		return old ? type : 0;
	case OP_REMOVE:
		return 0;
	default:
		return old;
	}
}

/*
 * The sweep.  Builds the new map aside and copies it over m only when it
 * fits, so a full table (-E_NOSPC) leaves m unchanged.  About 5 KiB of
 * stack (the cut points and the new map); O(n^2) for n <= MEMMAP_MAX.
 */
static int rebuild(struct memmap *m, paddr_t start, paddr_t end, uint32_t type,
		   enum memmap_op op)
{
	paddr_t cut[2 * MEMMAP_MAX + 2];
	unsigned ncut = 0;
	struct memmap out;

	if (m->count > MEMMAP_MAX)
		return -E_INVAL;		/* corrupt: never sweep past the table */
	for (unsigned i = 0; i < m->count; i++) {
		cut[ncut++] = m->range[i].start;
		cut[ncut++] = m->range[i].end;
	}
	cut[ncut++] = start;
	cut[ncut++] = end;
	sort_unique(cut, &ncut);

	out.count = 0;
	for (unsigned k = 0; k + 1 < ncut; k++) {
		/* start and end are cut points: a piece is wholly in or out. */
		paddr_t a = cut[k], b = cut[k + 1];
		uint32_t t = type_at(m, a);
		struct memmap_range *last = out.count ? &out.range[out.count - 1] : NULL;

		if (op != OP_NONE && a >= start && b <= end)
			t = apply(op, t, type);
		if (t == 0)
			continue;
		if (last && last->end == a && last->type == t) {
			last->end = b;
			continue;
		}
		if (out.count == MEMMAP_MAX)
			return -E_NOSPC;
		out.range[out.count++] = (struct memmap_range){ a, b, t };
	}
	memcpy(m, &out, sizeof(out));
	return 0;
}

int memmap_sanitize(struct memmap *m)
{
	return rebuild(m, 0, 0, 0, OP_NONE);
}

int memmap_add(struct memmap *m, paddr_t start, paddr_t end, uint32_t type)
{
	if (end <= start || type == 0)
		return -E_INVAL;
	return rebuild(m, start, end, type, OP_ADD);
}

int memmap_set_type(struct memmap *m, paddr_t start, paddr_t end, uint32_t type)
{
	if (end <= start || type == 0)
		return -E_INVAL;
	return rebuild(m, start, end, type, OP_SET);
}

int memmap_remove(struct memmap *m, paddr_t start, paddr_t end)
{
	if (end <= start)
		return -E_INVAL;
	return rebuild(m, start, end, 0, OP_REMOVE);
}

bool memmap_covers(const struct memmap *m, paddr_t start, paddr_t end, uint32_t type)
{
	paddr_t pos = start;

	if (end <= start)
		return false;
	for (unsigned i = 0; i < m->count && pos < end; i++) {
		const struct memmap_range *r = &m->range[i];

		if (r->end <= pos)
			continue;
		if (r->start > pos || r->type != type)
			return false;
		pos = r->end;
	}
	return pos >= end;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < m->count; i++)
		if (m->range[i].type == type)
			total += m->range[i].end - m->range[i].start;
	return total;
}

paddr_t memmap_end(const struct memmap *m, uint32_t type)
{
	paddr_t end = 0;

	for (unsigned i = 0; i < m->count; i++)
		if (m->range[i].type == type && m->range[i].end > end)
			end = m->range[i].end;
	return end;
}

int memmap_find_hole(const struct memmap *m, paddr_t lo, paddr_t hi, const struct range *avoid,
		     unsigned nr_avoid, uint64_t size, uint64_t align, bool top_down,
		     paddr_t *base)
{
	if (align == 0)
		align = 1;
	if (size == 0 || (align & (align - 1)))
		return -E_INVAL;
	for (unsigned k = 0; k < m->count; k++) {
		const struct memmap_range *r = &m->range[top_down ? m->count - 1 - k : k];

		if (r->type == MEMMAP_RAM &&
		    range_find_hole(MAX(r->start, lo), MIN(r->end, hi), avoid, nr_avoid, size, align,
				    top_down, base))
			return 0;
	}
	return -E_NOSPC;
}

/* Linux: e820_print_type().  Types 7 and 12 are persistent memory. */
/* A number with an optional K/M/G suffix up to one of stops (or the end). */
static const char *parse_size(const char *s, const char *stops, uint64_t *v)
{
	char num[24];
	size_t n = 0;

	while (s[n] && !strchr(stops, s[n]) && n + 1 < sizeof(num))
		num[n] = s[n], n++;
	num[n] = '\0';
	if (n == 0 || (s[n] && !strchr(stops, s[n])) || parse_u64(num, v, true))
		return NULL;
	return s + n;
}

int memmap_parse_option(const char *s, struct memmap_range *r, bool *exactmap)
{
	static const struct { char sep; uint32_t type; } forms[] = {
		{ '@', MEMMAP_RAM }, { '#', MEMMAP_ACPI }, { '$', MEMMAP_RESERVED }, { '!', 12 },
	};
	uint64_t size, start;
	const char *p;

	if (strcmp(s, "exactmap") == 0) {
		*exactmap = true;
		return 0;
	}
	p = parse_size(s, "@#$!", &size);
	if (!p || !*p || size == 0)
		return -E_INVAL;
	for (unsigned i = 0; i < ARRAY_SIZE(forms); i++) {
		if (*p != forms[i].sep)
			continue;
		if (!(p = parse_size(p + 1, "", &start)) || *p || start + size < start)
			return -E_INVAL;
		*r = (struct memmap_range){ start, start + size, forms[i].type };
		return 0;
	}
	return -E_INVAL;
}

const char *memmap_type_name(uint32_t type)
{
	static char other[24];

	switch (type) {
	case MEMMAP_RAM: return "usable";
	case MEMMAP_RESERVED: return "reserved";
	case MEMMAP_ACPI: return "ACPI data";
	case MEMMAP_NVS: return "ACPI NVS";
	case MEMMAP_UNUSABLE: return "unusable";
	case 7: return "persistent (type 7)";
	case 12: return "persistent (type 12)";
	default:
		ksnprintf(other, sizeof(other), "type %u", type);
		return other;
	}
}

/* Linux: e820_type_to_string(), the names /proc/iomem shows. */
const char *memmap_iomem_name(uint32_t type)
{
	switch (type) {
	case MEMMAP_RAM: return "System RAM";
	case MEMMAP_ACPI: return "ACPI Tables";
	case MEMMAP_NVS: return "ACPI Non-volatile Storage";
	case MEMMAP_UNUSABLE: return "Unusable memory";
	case 7: return "Persistent Memory";
	case 12: return "Persistent Memory (legacy)";
	default: return "Reserved";
	}
}
