/* print(): a printf subset that hands whole lines to console_io. */
#include <stdarg.h>
#include <stdint.h>
#include "hypercall.h"
#include "print.h"

struct print_buf {
	char data[256];
	unsigned long len;
};

static void print_flush(struct print_buf *b)
{
	if (b->len)
		hypercall_console_write(b->data, b->len);
	b->len = 0;
}

static void print_char(struct print_buf *b, char c)
{
	if (b->len == sizeof(b->data))
		print_flush(b);
	b->data[b->len++] = c;
}

static void print_number(struct print_buf *b, uint64_t v, unsigned base, int neg,
			 unsigned width, char pad)
{
	char digits[24];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		digits[n++] = '-';
	while (width > n) {
		print_char(b, pad);
		width--;
	}
	while (n)
		print_char(b, digits[--n]);
}

/* Formats one conversion at *fmt (just past the '%'); returns the rest. */
static const char *print_conversion(struct print_buf *b, const char *fmt, va_list *ap)
{
	char pad = ' ';
	unsigned width = 0;
	int is_long = 0;

	if (*fmt == '0')
		pad = *fmt++;
	while (*fmt >= '0' && *fmt <= '9')
		width = width * 10 + (unsigned)(*fmt++ - '0');
	if (*fmt == 'l') {
		is_long = 1;
		fmt++;
	}
	switch (*fmt) {
	case 'd': {
		int64_t v = is_long ? va_arg(*ap, long) : va_arg(*ap, int);
		print_number(b, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
		break;
	}
	case 'u':
	case 'x': {
		uint64_t v = is_long ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
		print_number(b, v, *fmt == 'x' ? 16 : 10, 0, width, pad);
		break;
	}
	case 's':
		for (const char *s = va_arg(*ap, const char *); *s; s++)
			print_char(b, *s);
		break;
	case 'c':
		print_char(b, (char)va_arg(*ap, int));
		break;
	case '%':
		print_char(b, '%');
		break;
	default: /* unknown conversion: show it rather than guess */
		print_char(b, '%');
		print_char(b, *fmt ? *fmt : '?');
		break;
	}
	return *fmt ? fmt + 1 : fmt;
}

void print(const char *fmt, ...)
{
	struct print_buf b;
	va_list ap;

	b.len = 0;
	va_start(ap, fmt);
	while (*fmt) {
		if (*fmt == '%')
			fmt = print_conversion(&b, fmt + 1, &ap);
		else
			print_char(&b, *fmt++);
	}
	va_end(ap);
	print_flush(&b);
}
