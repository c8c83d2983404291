/*
 * String helpers with no libc equivalent the kernel can rely on: bounded
 * copy and number parsing with size suffixes (Linux: strscpy, memparse,
 * kstrtoull).  Pure: compiled into the host unit tests too.
 */
#include "lib/string.h"
#include "lib/errno.h"

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = 0;

	while (src[len])
		len++;
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	default: return -1;
	}
}

int parse_u64(const char *s, uint64_t *out, bool allow_suffix)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (!*p)
		return -E_INVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1] >= '0' && p[1] <= '7')
		base = 8, p += 1;
	if (!*p)
		return -E_INVAL;
	for (const char *digits = p; *p; p++) {
		int d = digit_value(*p);

		if (d >= (int)base) {
			if (p == digits)
				return -E_INVAL;	/* a suffix needs a number: "K" is not 0 */
			break;
		}
		if (v > (UINT64_MAX - d) / base)
			return -E_RANGE;
		v = v * base + d;
	}
	if (*p && allow_suffix) {
		int shift = suffix_shift(*p);

		if (shift < 0)
			return -E_INVAL;
		if (v > (UINT64_MAX >> shift))
			return -E_RANGE;
		v <<= shift;
		p++;
	}
	if (*p)
		return -E_INVAL;
	*out = v;
	return 0;
}
