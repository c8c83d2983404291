/*
 * Tests of the kernel's string helpers, printf engine, error names, hex
 * dump line, ranges and log ring, run on the host.
 */
#include <stdio.h>
#include <string.h>
#include "lib/errno.h"
#include "lib/hexdump.h"
#include "lib/logring.h"
#include "lib/range.h"
#include "lib/string.h"
#include "lib/vsprintf.h"
#include "tests/unit/test.h"

TEST(vsprintf_formats)
{
	char b[64];

	ksnprintf(b, sizeof(b), "%d|%5d|%-5d|%05d", -42, 7, 7, 7);
	CHECK_STR(b, "-42|    7|7    |00007");
	ksnprintf(b, sizeof(b), "%x %#x %016llx", 255u, 255u, 0xdeadbeefULL);
	CHECK_STR(b, "ff 0xff 00000000deadbeef");
	ksnprintf(b, sizeof(b), "%s|%.3s|%8s|%c%%", "abc", "abcdef", "r", 'z');
	CHECK_STR(b, "abc|abc|       r|z%");
	ksnprintf(b, sizeof(b), "%zu %lld %hhu", (size_t)12, -9000000000LL, 300);
	CHECK_STR(b, "12 -9000000000 44");
}

TEST(vsprintf_truncates_and_counts)
{
	char b[8];
	int n = ksnprintf(b, sizeof(b), "%s", "0123456789");

	CHECK_EQ(n, 10);
	CHECK_STR(b, "0123456");
}

TEST(parse_u64_bases_and_suffixes)
{
	uint64_t v;

	CHECK_EQ(parse_u64("0x1000", &v, false), 0);
	CHECK_EQ(v, 0x1000);
	CHECK_EQ(parse_u64("64M", &v, true), 0);
	CHECK_EQ(v, 64ULL << 20);
	CHECK_EQ(parse_u64("2G", &v, true), 0);
	CHECK_EQ(v, 2ULL << 30);
	CHECK_EQ(parse_u64("64M", &v, false), -E_INVAL);
	CHECK_EQ(parse_u64("", &v, true), -E_INVAL);
	CHECK_EQ(parse_u64("K", &v, true), -E_INVAL);		/* a suffix alone is no number */
	CHECK_EQ(parse_u64("0xK", &v, true), -E_INVAL);
	CHECK_EQ(parse_u64("12x", &v, true), -E_INVAL);
	CHECK_EQ(parse_u64("99999999999999999999", &v, false), -E_RANGE);
	CHECK_EQ(parse_u64("0x", &v, false), -E_INVAL);
}

TEST(format_size_human)
{
	char b[32];

	CHECK_STR(format_size(b, sizeof(b), 512), "512 bytes");
	CHECK_STR(format_size(b, sizeof(b), 64 << 20), "64 MiB");
	CHECK_STR(format_size(b, sizeof(b), 3ULL << 29), "1.5 GiB");
	CHECK_STR(format_size(b, sizeof(b), 0x9fc00), "639 KiB");
}

TEST(err_names)
{
	CHECK_STR(err_name(-E_OVERLAP), "E_OVERLAP");
	CHECK_STR(err_name(E_INVAL), "E_INVAL");
	CHECK_STR(err_name(-999), "E_?");
}

/* The line xd prints for the start of kernel_log (kernel/README.md). */
TEST(hexdump_full_short_and_narrow_lines)
{
	static const uint8_t bytes[16] = { 0x00, 0x10, 0x2a, 0x80, 0xff, 0xff, 0xff, 0xff,
					   0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t text[5] = { 'k', 'e', 'x', 0x7f, '\n' };
	char b[HEXDUMP_LINE_MAX];

	CHECK_EQ(hexdump_line(b, sizeof(b), 0x223040, 16, bytes, 16), HEXDUMP_LINE_MAX - 1);
	CHECK_STR(b, "0000000000223040: 00 10 2a 80 ff ff ff ff  00 00 02 00 00 00 00 00  "
		     "|..*.............|");
	hexdump_line(b, sizeof(b), 0x200, 12, text, 5);
	/* 5 bytes, 11 missing ones as blanks (33) and the gap, then the text. */
	CHECK_STR(b, "000000000200: 6b 65 78 7f 0a                                  "
		     "  |kex..           |");
	/* Too small a buffer: cut and terminated, the full length returned. */
	CHECK_EQ(hexdump_line(b, 8, 0xabc, 4, text, 1), 4 + 2 + 49 + 2 + 16 + 1);
	CHECK_STR(b, "0abc: 6");
}

TEST(range_hole_bottom_up_top_down_and_overlap)
{
	const struct range avoid[] = { { 0x3000, 0x5000, "a" }, { 0x6000, 0x7000, "b" } };
	paddr_t base = 0;

	CHECK(range_find_overlap(avoid, 2, 0x4fff, 0x6001) == &avoid[0]);
	CHECK(range_find_overlap(avoid, 2, 0x5000, 0x6000) == NULL);	/* half-open */
	CHECK(range_find_hole(0x2000, 0x8000, avoid, 2, 0x1000, 0x1000, false, &base));
	CHECK_EQ(base, 0x2000);
	CHECK(range_find_hole(0x3000, 0x8000, avoid, 2, 0x1000, 0x1000, false, &base));
	CHECK_EQ(base, 0x5000);
	CHECK(range_find_hole(0x2000, 0x8000, avoid, 2, 0x1000, 0x1000, true, &base));
	CHECK_EQ(base, 0x7000);
	CHECK(!range_find_hole(0x3000, 0x7000, avoid, 2, 0x2000, 0x1000, false, &base));
	CHECK(!range_find_hole(0x3000, 0x7000, avoid, 2, 0x2000, 0x1000, true, &base));
	CHECK(!range_find_hole(0x8000, 0x2000, avoid, 0, 0x1000, 0x1000, false, &base));
	CHECK(!range_find_hole(0, ~0ULL, avoid, 0, 0, 0x1000, false, &base));
	/* Near the top of the address space: no wrap past 2^64. */
	CHECK(range_find_hole(~0ULL - 0x2fff, ~0ULL, avoid, 0, 0x1000, 0x1000, false, &base));
	CHECK_EQ(base, ~0ULL - 0x2fff);
	CHECK(range_find_hole(~0ULL - 0x2fff, ~0ULL, avoid, 0, 0x1000, 0x1000, true, &base));
	CHECK_EQ(base, ~0ULL - 0x1fff);
	CHECK(!range_find_hole(~0ULL - 0x7ff, ~0ULL, avoid, 0, 0x100, 0x1000, false, &base));
}

TEST(logring_keeps_order_and_drops_oldest)
{
	static char buf[256];
	struct logring r;
	struct log_record rec;
	const char *text;
	char line[32];
	uint64_t seq = 0;
	int first = -1, last = -1, count = 0;

	logring_init(&r, buf, sizeof(buf));
	for (int i = 0; i < 40; i++) {
		int n = snprintf(line, sizeof(line), "message %d", i);

		logring_append(&r, (uint64_t)i * 1000, 6, line, (size_t)n);
	}
	while (logring_read(&r, &seq, &rec, &text)) {
		int i;

		CHECK(sscanf(text, "message %d", &i) == 1);
		CHECK_EQ(rec.ts_nsec, (uint64_t)i * 1000);
		CHECK_EQ(rec.level, 6);
		if (first < 0)
			first = i;
		else
			CHECK_EQ(i, last + 1);
		last = i;
		count++;
	}
	CHECK_EQ(last, 39);
	CHECK(first > 0);	/* the oldest were dropped */
	CHECK_EQ(count, 40 - first);
	CHECK_EQ(r.next_seq - r.first_seq, (uint64_t)count);
}

TEST(logring_varied_sizes_stay_consistent)
{
	static char buf[512];
	struct logring r;
	struct log_record rec;
	const char *text;
	char line[200];

	logring_init(&r, buf, sizeof(buf));
	for (int i = 0; i < 500; i++) {
		size_t n = (size_t)(i * 37 % 120);

		memset(line, 'a' + i % 26, n);
		logring_append(&r, (uint64_t)i, i % 8, line, n);
		/* Every record still readable, newest is the one just written. */
		uint64_t seq = 0, seen = 0;

		while (logring_read(&r, &seq, &rec, &text)) {
			CHECK((size_t)rec.len >= sizeof(rec) + rec.text_len);
			CHECK((uint8_t *)text + rec.text_len <= (uint8_t *)buf + sizeof(buf));
			seen++;
		}
		CHECK_EQ(seen, r.next_seq - r.first_seq);
		CHECK_EQ(rec.ts_nsec, (uint64_t)i);
		CHECK_EQ(rec.text_len, n);
	}
}
