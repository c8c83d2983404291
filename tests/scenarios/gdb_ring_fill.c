/*
 * A host program for test_gdb_helpers.py: fills a small log ring with the
 * kernel's own lib/logring.c until its live records have wrapped both
 * ways (past a wrap marker, and past an end too short for a header).  At
 * the first of each it writes what logring_read returns, in kdmesg's
 * format, to ARGV1.marker or ARGV1.short and calls ring_ready(), where gdb
 * stops and runs kdmesg on the same ring.  Exit 0 once both were seen.
 */
#include <stdio.h>
#include "lib/logring.h"

#define RING_BYTES 2048

static char ring_buf[RING_BYTES] __attribute__((aligned(8)));
struct logring kernel_log;	/* the name kdmesg looks for */

/* gdb breaks here each time the ring holds a wrap of the kind named. */
__attribute__((noinline)) void ring_ready(const char *kind)
{
	__asm__ volatile("" : : "r"(kind) : "memory");
}

/*
 * How the live records wrap now: "marker" (a 0-len header before the end),
 * "short" (under a header's room left at the end), or NULL if they do not.
 */
static const char *wrap_kind(const struct logring *r)
{
	uint32_t idx = r->first_idx;

	if (r->first_idx <= r->next_idx)
		return NULL;
	for (;;) {
		const struct log_record *rec = (const struct log_record *)(r->buf + idx);

		if (idx + sizeof(*rec) > r->buf_len)
			return "short";
		if (rec->len == 0)
			return "marker";
		idx += rec->len;
	}
}

/* Write what logring_read returns, in kdmesg's format, to path. */
static int write_expected(const char *path)
{
	struct log_record rec;
	const char *text;
	uint64_t seq = 0;
	FILE *out = fopen(path, "w");

	if (!out)
		return -1;
	while (logring_read(&kernel_log, &seq, &rec, &text))
		fprintf(out, "[%5llu.%06llu] %.*s\n", (unsigned long long)(rec.ts_nsec / 1000000000ULL),
			(unsigned long long)(rec.ts_nsec % 1000000000ULL / 1000), (int)rec.text_len, text);
	return fclose(out);
}

int main(int argc, char **argv)
{
	static const char filler[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	bool seen_marker = false, seen_short = false;
	char path[4096];

	if (argc != 2)
		return 2;
	logring_init(&kernel_log, ring_buf, sizeof(ring_buf));
	/* Lengths that are not multiples of 8 and vary, so records end at
	 * every alignment and the free tail is sometimes under 16 bytes. */
	for (int i = 0; i < 1000 && !(seen_marker && seen_short); i++) {
		char line[128];
		int n = snprintf(line, sizeof(line), "ring: line %d %.*s", i, (i * 7) % 61, filler);
		const char *kind;

		logring_append(&kernel_log, (uint64_t)i * 1234567891ULL, i % 8, line, (size_t)n);
		kind = wrap_kind(&kernel_log);
		if (!kind || (kind[0] == 'm' ? seen_marker : seen_short))
			continue;
		snprintf(path, sizeof(path), "%s.%s", argv[1], kind);
		if (write_expected(path))
			return 1;
		ring_ready(kind);
		seen_marker |= kind[0] == 'm';
		seen_short |= kind[0] == 's';
	}
	return seen_marker && seen_short ? 0 : 3;
}
