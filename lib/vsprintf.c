/*
 * A small, complete-enough printf engine (Linux: lib/vsprintf.c).  Output
 * goes through put(), which counts every character but stores only those
 * that fit, so the return value is the untruncated length as in C99.
 * Pure: compiled into the host unit tests too.
 */
#include "lib/vsprintf.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left, zero, alt, plus, space;
	int width;
	int precision;		/* -1: none */
	int length;		/* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 't', 'j' */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (sp->precision < 0 || len < sp->precision))
		len++;
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void put_number(struct out *o, const struct spec *sp, uint64_t v,
		       bool negative, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[66];
	int n = 0, prefix_len = 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->precision == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	if (negative)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	else if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && !(n && tmp[n - 1] == '0'))
		prefix = "0";
	while (prefix[prefix_len])
		prefix_len++;

	int zeros = sp->precision > n ? sp->precision - n : 0;
	int total = prefix_len + zeros + n;

	if (sp->zero && !sp->left && sp->precision < 0)
		zeros += sp->width > total ? sp->width - total : 0, total = MAX(total, sp->width);
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '#') sp->alt = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0)
			sp->left = true, sp->width = -sp->width;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->precision = sp->precision * 10 + (*f++ - '0');
	}
	if (f[0] == 'h' && f[1] == 'h') sp->length = 'H', f += 2;
	else if (f[0] == 'l' && f[1] == 'l') sp->length = 'L', f += 2;
	else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j')
		sp->length = *f++;
	return f;
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned int);
	case 'h': return (unsigned short)va_arg(*ap, unsigned int);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	case 't': return (uint64_t)va_arg(*ap, ptrdiff_t);
	case 'j': return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return (int64_t)va_arg(*ap, size_t);
	case 't': return va_arg(*ap, ptrdiff_t);
	case 'j': return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &ap);
		switch (*fmt) {
		case 'd': case 'i': {
			int64_t v = get_signed(&sp, &ap);

			put_number(&o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false);
			break;
		}
		case 'u': put_number(&o, &sp, get_unsigned(&sp, &ap), false, 10, false); break;
		case 'x': put_number(&o, &sp, get_unsigned(&sp, &ap), false, 16, false); break;
		case 'X': put_number(&o, &sp, get_unsigned(&sp, &ap), false, 16, true); break;
		case 'o': put_number(&o, &sp, get_unsigned(&sp, &ap), false, 8, false); break;
		case 'p':
			sp.alt = true;
			if (sp.width == 0)
				sp.width = 18, sp.zero = true;
			put_number(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };

			sp.precision = 1;
			if (c[0] == 0) {	/* %c of NUL still emits one byte */
				pad(&o, ' ', sp.left ? 0 : sp.width - 1);
				put(&o, 0);
				pad(&o, ' ', sp.left ? sp.width - 1 : 0);
			} else {
				put_string(&o, &sp, c);
			}
			break;
		}
		case 's': put_string(&o, &sp, va_arg(ap, const char *)); break;
		case '%': put(&o, '%'); break;
		case '\0': fmt--; break;	/* lone '%' at the end: drop it */
		default: put(&o, '%'); put(&o, *fmt); break;
		}
		fmt++;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	va_end(ap);
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

char *format_size(char *buf, size_t bufsz, uint64_t size)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	uint64_t scale = 1;

	while (u + 1 < ARRAY_SIZE(units) && size >= scale * 1024)
		scale *= 1024, u++;
	if (u == 0) {
		ksnprintf(buf, bufsz, "%llu bytes", (unsigned long long)size);
	} else if (size % scale == 0) {
		ksnprintf(buf, bufsz, "%llu %s", (unsigned long long)(size / scale), units[u]);
	} else {
		/* One decimal, truncated: 1.5 GiB, 639.9 KiB. */
		uint64_t tenths = (size % scale) * 10 / scale;

		ksnprintf(buf, bufsz, "%llu.%llu %s", (unsigned long long)(size / scale),
			  (unsigned long long)tenths, units[u]);
	}
	return buf;
}
