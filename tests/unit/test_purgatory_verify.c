/*
 * Host proof that the purgatory really verifies: purgatory_verify() from
 * kexec/purgatory/verify.c, the very code linked into the blob, run on
 * plain buffers with a good region, a damaged one, and bad parameters.
 * Its report lines are the serial output tests and learners match.
 */
#include <stdio.h>
#include <string.h>
#include "kexec/purgatory/purgatory.h"
#include "lib/sha256.h"
#include "tests/unit/test.h"

/* Collects the lines purgatory_verify reports. */
struct capture {
	char text[2048];
	int lines;
};

static void capture_line(void *ctx, const char *line)
{
	struct capture *c = ctx;

	strncat(c->text, line, sizeof(c->text) - strlen(c->text) - 1);
	c->lines++;
}

static void hex32(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static uint8_t seg_a[4096], seg_b[10000];

/* Two regions with the digests a loader would store. */
static void make_regions(struct purgatory_region r[2])
{
	for (size_t i = 0; i < sizeof(seg_a); i++)
		seg_a[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof(seg_b); i++)
		seg_b[i] = (uint8_t)(i ^ 0x5a);
	memset(r, 0, 2 * sizeof(*r));
	r[0].start = (uint64_t)(uintptr_t)seg_a;
	r[0].len = sizeof(seg_a);
	sha256(seg_a, sizeof(seg_a), r[0].sha256);
	r[1].start = (uint64_t)(uintptr_t)seg_b;
	r[1].len = sizeof(seg_b);
	sha256(seg_b, sizeof(seg_b), r[1].sha256);
}

TEST(purgatory_verify_accepts_intact_segments)
{
	struct purgatory_region r[2];
	struct capture c = { "", 0 };

	make_regions(r);
	CHECK_EQ(purgatory_verify(r, 2, capture_line, &c), 0);
	CHECK_EQ(c.lines, 1);
	CHECK_STR(c.text, "purgatory: sha256 ok (2 segments, 14096 bytes)\n");
}

TEST(purgatory_verify_reports_a_damaged_segment)
{
	struct purgatory_region r[2];
	struct capture c = { "", 0 };
	uint8_t actual[SHA256_DIGEST_SIZE];
	char want[1024], exp_hex[65], act_hex[65];

	make_regions(r);
	seg_b[5000] ^= 1;		/* one bit flipped after "load time" */
	sha256(seg_b, sizeof(seg_b), actual);
	hex32(r[1].sha256, exp_hex);
	hex32(actual, act_hex);
	snprintf(want, sizeof(want),
		 "purgatory: error: segment 1 [0x%016llx, 0x%016llx) sha256 mismatch\n"
		 "purgatory:   expected %s\n"
		 "purgatory:   actual   %s\n",
		 (unsigned long long)r[1].start,
		 (unsigned long long)(r[1].start + r[1].len), exp_hex, act_hex);

	CHECK_EQ(purgatory_verify(r, 2, capture_line, &c), 1);
	CHECK_EQ(c.lines, 3);
	CHECK_STR(c.text, want);
	CHECK(strstr(c.text, "sha256 ok") == NULL);
}

TEST(purgatory_verify_reports_every_damaged_segment)
{
	struct purgatory_region r[2];
	struct capture c = { "", 0 };

	make_regions(r);
	r[0].sha256[0] ^= 0xff;		/* a wrong stored digest is caught too */
	seg_b[0] ^= 0x80;
	CHECK_EQ(purgatory_verify(r, 2, capture_line, &c), 2);
	CHECK_EQ(c.lines, 6);
	CHECK(strstr(c.text, "purgatory: error: segment 0 [") != NULL);
	CHECK(strstr(c.text, "purgatory: error: segment 1 [") != NULL);
}

TEST(purgatory_verify_rejects_bad_parameters)
{
	struct purgatory_region r[PURGATORY_REGIONS_MAX + 1];
	struct capture c = { "", 0 };

	memset(r, 0, sizeof(r));
	CHECK_EQ(purgatory_verify(r, PURGATORY_REGIONS_MAX + 1, capture_line, &c), 1);
	CHECK_STR(c.text, "purgatory: error: 17 segments, more than the maximum\n");

	c.text[0] = '\0';
	r[0].start = 0xfffffffffffff000ULL;
	r[0].len = 0x2000;
	CHECK_EQ(purgatory_verify(r, 1, capture_line, &c), 1);
	CHECK_STR(c.text, "purgatory: error: segment 0 [0xfffffffffffff000, "
			  "0x0000000000001000) wraps around\n");

	/* No segments is a valid (if odd) load: nothing to check. */
	c.text[0] = '\0';
	CHECK_EQ(purgatory_verify(r, 0, capture_line, &c), 0);
	CHECK_STR(c.text, "purgatory: sha256 ok (0 segments, 0 bytes)\n");
}
