/* The runtime's strto*, qsort and ctype (built under other names, see meson.build). */
#include <limits.h>
#include "check.h"
#include "dom.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void test_strtol(void)
{
	char *end;

	CHECK(strtol("  -42xyz", &end, 10) == -42 && *end == 'x');
	CHECK(strtol("0x1F", &end, 0) == 31 && *end == '\0');
	CHECK(strtol("0x", &end, 0) == 0 && *end == 'x');	/* "0" then junk */
	CHECK(strtol("017", NULL, 0) == 15);
	CHECK(strtol("ff", NULL, 16) == 255);
	CHECK(strtol("z", NULL, 36) == 35);
	CHECK(strtol("abc", &end, 10) == 0);
	CHECK(strcmp(end, "abc") == 0);	/* no digits: end = start */
	CHECK(strtol("9223372036854775807", NULL, 10) == LONG_MAX);
	CHECK(strtol("9223372036854775808", NULL, 10) == LONG_MAX);
	CHECK(strtol("-9223372036854775808", NULL, 10) == LONG_MIN);
	CHECK(strtol("-99999999999999999999", NULL, 10) == LONG_MIN);
	CHECK(strtoul("18446744073709551615", NULL, 10) == ULONG_MAX);
	CHECK(strtoul("18446744073709551616", NULL, 10) == ULONG_MAX);
	CHECK(strtoul("-1", NULL, 10) == ULONG_MAX);
	CHECK(strtoull("+7", NULL, 0) == 7);
	CHECK(strtoll("-0x10", NULL, 16) == -16);
	CHECK(strtol("12", &end, 1) == 0 && *end == '1');	/* invalid base */
}

static void test_qsort(void)
{
	int v[200], n = 200;
	unsigned s = 7;

	for (int i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = (int)(s >> 16) % 50;
	}
	qsort(v, (size_t)n, sizeof(v[0]), cmp_int);
	for (int i = 1; i < n; i++)
		CHECK(v[i - 1] <= v[i]);
	qsort(v, 0, sizeof(v[0]), cmp_int);
	qsort(v, 1, sizeof(v[0]), cmp_int);
}

static void test_ctype(void)
{
	for (int c = 0; c < 256; c++) {
		CHECK(!!isdigit(c) == (c >= '0' && c <= '9'));
		CHECK(!!isspace(c) == (c == ' ' || (c >= 9 && c <= 13)));
		CHECK(!!isalpha(c) == ((c | 32) >= 'a' && (c | 32) <= 'z'));
		CHECK(!!isxdigit(c) == (!!isdigit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f')));
		CHECK(toupper(tolower(c)) == (islower(c) ? c - 32 : c) || !isalpha(c));
	}
	CHECK(tolower('Q') == 'q' && toupper('q') == 'Q' && toupper('1') == '1');
	CHECK(isalnum('z') && !isalnum('_') && isupper('A') && !isupper('a'));
}

int main(void)
{
	test_strtol();
	test_qsort();
	test_ctype();
	CHECK_DONE("dom_libc");
	return 0;
}
