/*
 * The hex dump line (see lib/hexdump.h): address, two groups of eight
 * bytes in hex, then the same bytes as text.  Written character by
 * character into the caller's buffer, with no formatting library, so the
 * kernel, the host tests and the host tools share it unchanged.
 * Linux: lib/hexdump.c (hex_dump_to_buffer, with ascii).
 */
#include "lib/hexdump.h"

static const char hex_digits[] = "0123456789abcdef";

struct line {
	char *buf;
	size_t size, len;
};

static void put(struct line *l, char c)
{
	if (l->len + 1 < l->size)
		l->buf[l->len] = c;
	l->len++;
}

size_t hexdump_line(char *buf, size_t size, uint64_t addr, unsigned addr_digits,
		    const uint8_t *p, unsigned n)
{
	struct line l = { buf, size, 0 };

	if (addr_digits < 1)
		addr_digits = 1;
	if (addr_digits > HEXDUMP_ADDR_MAX)
		addr_digits = HEXDUMP_ADDR_MAX;
	if (n > HEXDUMP_BYTES)
		n = HEXDUMP_BYTES;
	for (unsigned d = addr_digits; d-- > 0;)
		put(&l, hex_digits[(addr >> (4 * d)) & 0xf]);
	put(&l, ':');
	put(&l, ' ');
	for (unsigned i = 0; i < HEXDUMP_BYTES; i++) {
		if (i == HEXDUMP_BYTES / 2)
			put(&l, ' ');
		put(&l, i < n ? hex_digits[p[i] >> 4] : ' ');
		put(&l, i < n ? hex_digits[p[i] & 0xf] : ' ');
		put(&l, ' ');
	}
	put(&l, ' ');
	put(&l, '|');
	for (unsigned i = 0; i < HEXDUMP_BYTES; i++)
		put(&l, i >= n ? ' ' : p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
	put(&l, '|');
	if (size)
		buf[l.len < size ? l.len : size - 1] = '\0';
	return l.len;
}
