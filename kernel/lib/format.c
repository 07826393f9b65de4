/* A small vsnprintf and number parser, shared by the core and the host tests. */
#include "lib.h"

struct out {
	char *buf;
	size_t size, len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_number(struct out *o, u64 v, unsigned base, bool upper,
		       bool negative, int width, bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	width -= n + negative;
	if (!left && !zero)
		out_pad(o, ' ', width);
	if (negative)
		out_char(o, '-');
	if (!left && zero)
		out_pad(o, '0', width);
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width);
}

static void out_string(struct out *o, const char *s, int width, int prec, bool left)
{
	int n;

	if (!s)
		s = "(null)";
	n = (int)strnlen(s, prec < 0 ? (size_t)-1 / 2 : (size_t)prec);
	if (!left)
		out_pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		out_char(o, s[i]);
	if (left)
		out_pad(o, ' ', width - n);
}

/* Reads the argument for one conversion, given its length modifier. */
static u64 fetch_arg(va_list *ap, int lng, bool is_signed)
{
	if (lng >= 2)
		return is_signed ? (u64)va_arg(*ap, long long) : va_arg(*ap, unsigned long long);
	if (lng == 1)
		return is_signed ? (u64)va_arg(*ap, long) : va_arg(*ap, unsigned long);
	if (is_signed)
		return (u64)(s64)va_arg(*ap, int);
	return va_arg(*ap, unsigned int);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap0)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap0);
	for (; *fmt; fmt++) {
		bool left = false, zero = false;
		int width = 0, prec = -1, lng = 0;
		u64 v;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = true) : (zero = true);
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			prec = 0;
			for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			if (*fmt != 'h')
				lng += (*fmt == 'z') ? 2 : 1;
		switch (*fmt) {
		case 'd':
		case 'i':
			v = fetch_arg(&ap, lng, true);
			out_number(&o, (s64)v < 0 ? -v : v, 10, false, (s64)v < 0,
				   width, left, zero);
			break;
		case 'u':
			out_number(&o, fetch_arg(&ap, lng, false), 10, false, false,
				   width, left, zero);
			break;
		case 'x':
		case 'X':
			out_number(&o, fetch_arg(&ap, lng, false), 16, *fmt == 'X',
				   false, width, left, zero);
			break;
		case 'p':
			out_string(&o, "0x", 0, -1, false);
			out_number(&o, (uintptr_t)va_arg(ap, void *), 16, false,
				   false, width, left, zero);
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), width, prec, left);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_char(&o, '%');
			break;
		default: /* unknown conversion: print it as written */
			out_char(&o, '%');
			if (!*fmt)
				goto done;
			out_char(&o, *fmt);
			break;
		}
	}
done:
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
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

u64 lib_strtou64(const char *s, const char **end, int base)
{
	u64 v = 0;

	if (base == 0) {
		base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
			base = 16;
			s += 2;
		} else if (s[0] == '0' && s[1]) {
			base = 8;
		}
	}
	for (; digit_value(*s) < base; s++)
		v = v * (u64)base + (u64)digit_value(*s);
	if (end)
		*end = s;
	return v;
}
