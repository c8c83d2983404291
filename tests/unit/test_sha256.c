/*
 * Tests of SHA-256 (kexec/sha256.c): the FIPS 180-4 / NIST example vectors,
 * the padding boundaries around 55/56/64 bytes, and that any split of a
 * message into sha256_update calls gives the one-shot digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sha256.h"
#include "tests/unit/test.h"

static void to_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[65])
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const char *digest_hex(const void *msg, size_t len)
{
	static char hex[65];
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256(msg, len, d);
	to_hex(d, hex);
	return hex;
}

/* NIST "SHA-256 examples" (FIPS 180-4 companion), one and two blocks. */
TEST(sha256_fips_abc)
{
	CHECK_STR(digest_hex("abc", 3),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_fips_448_bit_two_blocks)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	CHECK_EQ(strlen(m), 56);
	CHECK_STR(digest_hex(m, strlen(m)),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_nist_896_bit)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	CHECK_EQ(strlen(m), 112);
	CHECK_STR(digest_hex(m, strlen(m)),
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_empty_string)
{
	CHECK_STR(digest_hex("", 0),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* One million 'a': fed in 1000-byte updates as NIST's test does, and whole. */
TEST(sha256_million_a)
{
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct sha256_state s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[65], *big;
	char chunk[1000];

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof(chunk));
	sha256_final(&s, d);
	to_hex(d, hex);
	CHECK_STR(hex, want);

	big = malloc(1000000);
	CHECK(big != NULL);
	memset(big, 'a', 1000000);
	CHECK_STR(digest_hex(big, 1000000), want);
	free(big);
}

/* Padding edges: 55 bytes fit one block with the length, 56 need two. */
TEST(sha256_padding_boundaries)
{
	static const struct { size_t len; const char *hex; } v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char m[128];

	memset(m, 'a', sizeof(m));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK_STR(digest_hex(m, v[i].len), v[i].hex);
}

/* Every two-way split, byte-at-a-time, and uneven three-way splits. */
TEST(sha256_split_updates_match_one_shot)
{
	uint8_t msg[300], want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
	struct sha256_state s;
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(msg); i++) {
		x = x * 1103515245 + 12345;
		msg[i] = (uint8_t)(x >> 16);
	}
	sha256(msg, sizeof(msg), want);

	for (size_t cut = 0; cut <= sizeof(msg); cut++) {
		sha256_init(&s);
		sha256_update(&s, msg, cut);
		sha256_update(&s, msg + cut, sizeof(msg) - cut);
		sha256_final(&s, got);
		CHECK(memcmp(got, want, sizeof(want)) == 0);
	}

	sha256_init(&s);
	for (size_t i = 0; i < sizeof(msg); i++)
		sha256_update(&s, msg + i, 1);
	sha256_final(&s, got);
	CHECK(memcmp(got, want, sizeof(want)) == 0);

	for (size_t a = 1; a < 130; a += 7) {
		for (size_t b = 0; a + b <= sizeof(msg); b += 29) {
			sha256_init(&s);
			sha256_update(&s, msg, a);
			sha256_update(&s, msg + a, b);
			sha256_update(&s, msg + a + b, 0);
			sha256_update(&s, msg + a + b, sizeof(msg) - a - b);
			sha256_final(&s, got);
			CHECK(memcmp(got, want, sizeof(want)) == 0);
		}
	}
}
