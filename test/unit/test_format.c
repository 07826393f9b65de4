/* The core's formatter against the C library's for the conversions it supports. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "lib.h"

#define SAME(...)                                                        \
	do {                                                             \
		char a[128], b[128];                                     \
		int na = fmt_snprintf(a, sizeof(a), __VA_ARGS__);        \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);            \
		if (strcmp(a, b) || na != nb)                            \
			fprintf(stderr, "got '%s' want '%s'\n", a, b);   \
		CHECK(!strcmp(a, b) && na == nb);                        \
	} while (0)

int main(void)
{
	char small[4];
	const char *end;

	SAME("%d %i %u", -42, 7, 3000000000u);
	SAME("%x %X %08x %-6x|", 0xbeefu, 0xbeefu, 0x12u, 0xau);
	SAME("%lu %ld %lx", 18446744073709551615ul, -9223372036854775807l - 1, 0xfffful);
	SAME("%llu %zu", 123ull, (size_t)99);
	SAME("%s|%10s|%-10s|%.3s", "abc", "right", "left", "truncate");
	SAME("%c%c %%", 'o', 'k');
	SAME("%5d|%-5d|%05d", 42, 42, -42);
	SAME("%8.1s", "xyz");
	CHECK(fmt_snprintf(small, sizeof(small), "%s", "overflow") == 8);
	CHECK(!strcmp(small, "ove"));
	CHECK(fmt_snprintf(NULL, 0, "%d", 12345) == 5);
	CHECK(lib_strtou64("0x1f", &end, 0) == 31 && *end == '\0');
	CHECK(lib_strtou64("017", NULL, 0) == 15);
	CHECK(lib_strtou64("129k", &end, 0) == 129 && *end == 'k');
	CHECK(lib_strtou64("0", &end, 0) == 0 && *end == '\0');
	CHECK(lib_strtou64("ff", NULL, 16) == 255);
	CHECK_DONE("test_format");
	return 0;
}
