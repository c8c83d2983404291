/*
 * SHA-256 as FIPS 180-4 section 6.2 describes it: pad the message to whole
 * 64-byte blocks, then fold each block into eight 32-bit words with 64
 * rounds.  The code follows the standard's notation (Ch, Maj, Sigma0/1,
 * sigma0/1, W[t], K[t]) so it can be checked against the text line by line.
 * Linux: lib/crypto/sha256.c.
 */
#include "lib/sha256.h"
#include "lib/string.h"

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 4.1.2, functions (4.2) to (4.7). */
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define SIGMA0(x) (ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define SIGMA1(x) (ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
#define sigma0(x) (ror32(x, 7) ^ ror32(x, 18) ^ ((x) >> 3))
#define sigma1(x) (ror32(x, 17) ^ ror32(x, 19) ^ ((x) >> 10))

/* The message is big-endian: word t of a block is bytes 4t..4t+3. */
static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4 6.2.2: one block into the running hash. */
static void sha256_block(uint32_t H[8], const uint8_t *block)
{
	uint32_t W[64];
	uint32_t a, b, c, d, e, f, g, h, T1, T2;
	int t;

	for (t = 0; t < 16; t++)
		W[t] = load_be32(block + 4 * t);
	for (t = 16; t < 64; t++)
		W[t] = sigma1(W[t - 2]) + W[t - 7] + sigma0(W[t - 15]) + W[t - 16];

	a = H[0]; b = H[1]; c = H[2]; d = H[3];
	e = H[4]; f = H[5]; g = H[6]; h = H[7];
	for (t = 0; t < 64; t++) {
		T1 = h + SIGMA1(e) + CH(e, f, g) + K[t] + W[t];
		T2 = SIGMA0(a) + MAJ(a, b, c);
		h = g; g = f; f = e; e = d + T1;
		d = c; c = b; b = a; a = T1 + T2;
	}
	H[0] += a; H[1] += b; H[2] += c; H[3] += d;
	H[4] += e; H[5] += f; H[6] += g; H[7] += h;
}

void sha256_init(struct sha256_state *s)
{
	/* FIPS 180-4 5.3.3: square roots of the first 8 primes. */
	s->state[0] = 0x6a09e667;
	s->state[1] = 0xbb67ae85;
	s->state[2] = 0x3c6ef372;
	s->state[3] = 0xa54ff53a;
	s->state[4] = 0x510e527f;
	s->state[5] = 0x9b05688c;
	s->state[6] = 0x1f83d9ab;
	s->state[7] = 0x5be0cd19;
	s->count = 0;
}

void sha256_update(struct sha256_state *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = (size_t)(s->count % SHA256_BLOCK_SIZE);

	s->count += len;
	/* Top up a partial block first. */
	if (used) {
		size_t take = MIN(len, SHA256_BLOCK_SIZE - used);

		memcpy(s->buf + used, p, take);
		p += take;
		len -= take;
		if (used + take < SHA256_BLOCK_SIZE)
			return;
		sha256_block(s->state, s->buf);
	}
	/* Whole blocks straight from the caller's buffer. */
	for (; len >= SHA256_BLOCK_SIZE; p += SHA256_BLOCK_SIZE, len -= SHA256_BLOCK_SIZE)
		sha256_block(s->state, p);
	if (len)
		memcpy(s->buf, p, len);
}

void sha256_final(struct sha256_state *s, uint8_t out[SHA256_DIGEST_SIZE])
{
	/* FIPS 180-4 5.1.1: a 1 bit, zeros to 56 mod 64, the length in bits. */
	uint64_t bits = s->count * 8;
	size_t used = (size_t)(s->count % SHA256_BLOCK_SIZE);
	int i;

	s->buf[used++] = 0x80;
	if (used > SHA256_BLOCK_SIZE - 8) {
		memset(s->buf + used, 0, SHA256_BLOCK_SIZE - used);
		sha256_block(s->state, s->buf);
		used = 0;
	}
	memset(s->buf + used, 0, SHA256_BLOCK_SIZE - 8 - used);
	store_be32(s->buf + 56, (uint32_t)(bits >> 32));
	store_be32(s->buf + 60, (uint32_t)bits);
	sha256_block(s->state, s->buf);

	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->state[i]);
	memset(s, 0, sizeof(*s));
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_state s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}
