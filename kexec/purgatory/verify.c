/*
 * The purgatory's one decision: do the segments in memory still hash to
 * the digests computed when they were loaded?  A stray DMA, a bug in the
 * relocate stub or a kernel that scribbled on its crash window shows up
 * here, before the new kernel runs on corrupt bytes.  Separate from the
 * hardware side (purgatory.c) so the host tests run it on plain buffers.
 * Linux: arch/x86/purgatory/purgatory.c verify_sha256_digest().
 */
#include "kexec/purgatory/purgatory.h"
#include "lib/sha256.h"

/* Line buffer: no printf here, only these appenders (no library at all). */
struct line {
	char text[160];
	size_t len;
};

static void put_str(struct line *l, const char *s)
{
	while (*s && l->len < sizeof(l->text) - 1)
		l->text[l->len++] = *s++;
	l->text[l->len] = '\0';
}

static void put_hex(struct line *l, uint64_t v, int digits)
{
	char s[17];
	int i;

	for (i = digits - 1; i >= 0; i--, v >>= 4)
		s[i] = "0123456789abcdef"[v & 0xf];
	s[digits] = '\0';
	put_str(l, s);
}

static void put_dec(struct line *l, uint64_t v)
{
	char s[21];
	int i = 20;

	s[i] = '\0';
	do {
		s[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_str(l, s + i);
}

static void put_digest(struct line *l, const uint8_t d[SHA256_DIGEST_SIZE])
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		put_hex(l, d[i], 2);
}

static bool digest_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t diff = 0;

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* "purgatory: error: segment <i> [0x..., 0x...) <what>" and the digests. */
static void report_bad(purgatory_report_fn report, void *ctx, uint32_t i,
		       const struct purgatory_region *r, const char *what,
		       const uint8_t *actual)
{
	struct line l = { .len = 0 };

	put_str(&l, "purgatory: error: segment ");
	put_dec(&l, i);
	put_str(&l, " [0x");
	put_hex(&l, r->start, 16);
	put_str(&l, ", 0x");
	put_hex(&l, r->start + r->len, 16);
	put_str(&l, ") ");
	put_str(&l, what);
	put_str(&l, "\n");
	report(ctx, l.text);
	if (!actual)
		return;
	l.len = 0;
	put_str(&l, "purgatory:   expected ");
	put_digest(&l, r->sha256);
	put_str(&l, "\n");
	report(ctx, l.text);
	l.len = 0;
	put_str(&l, "purgatory:   actual   ");
	put_digest(&l, actual);
	put_str(&l, "\n");
	report(ctx, l.text);
}

int purgatory_verify(const struct purgatory_region *regions, uint32_t nr_regions,
		     purgatory_report_fn report, void *ctx)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct line l = { .len = 0 };
	uint64_t total = 0;
	int bad = 0;

	if (nr_regions > PURGATORY_REGIONS_MAX) {
		put_str(&l, "purgatory: error: ");
		put_dec(&l, nr_regions);
		put_str(&l, " segments, more than the maximum\n");
		report(ctx, l.text);
		return 1;
	}
	/* Check every region, so one report names all the damaged ones. */
	for (uint32_t i = 0; i < nr_regions; i++) {
		const struct purgatory_region *r = &regions[i];

		if (r->start + r->len < r->start) {
			report_bad(report, ctx, i, r, "wraps around", NULL);
			bad++;
			continue;
		}
		sha256((const void *)(uintptr_t)r->start, (size_t)r->len, digest);
		if (!digest_equal(digest, r->sha256)) {
			report_bad(report, ctx, i, r, "sha256 mismatch", digest);
			bad++;
		}
		total += r->len;
	}
	if (bad)
		return bad;
	put_str(&l, "purgatory: sha256 ok (");
	put_dec(&l, nr_regions);
	put_str(&l, " segments, ");
	put_dec(&l, total);
	put_str(&l, " bytes)\n");
	report(ctx, l.text);
	return 0;
}
