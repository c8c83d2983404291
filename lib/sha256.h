/*
 * SHA-256 (FIPS 180-4): the digest kexec computes for every segment at load
 * time and purgatory recomputes just before it jumps to the new kernel.
 * Pure C, compiled three times: into the kernel, into the purgatory blob
 * and into the host unit tests.  Linux: lib/crypto/sha256.c (same names).
 */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include "lib/types.h"

#define SHA256_DIGEST_SIZE 32	/* bytes of a digest */
#define SHA256_BLOCK_SIZE 64	/* bytes the compression function eats at once */

struct sha256_state {
	uint32_t state[8];		/* H0..H7, the running hash */
	uint64_t count;			/* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK_SIZE];	/* a partial block: count % 64 bytes */
};

/* Start a new digest (FIPS 180-4 5.3.3 initial hash value). */
void sha256_init(struct sha256_state *s);

/* Hash len more bytes; any split of the message gives the same digest. */
void sha256_update(struct sha256_state *s, const void *data, size_t len);

/* Pad, finish and write the 32-byte digest; s must be re-initialised after. */
void sha256_final(struct sha256_state *s, uint8_t out[SHA256_DIGEST_SIZE]);

/* One-shot: out = SHA-256(data[0..len)). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

#endif
