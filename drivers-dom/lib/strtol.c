/*
 * The strtol family (C11 7.22.1.4). Without errno, overflow is reported only
 * by saturating: LONG_MAX/LONG_MIN, ULONG_MAX and so on, as the standard
 * specifies for the return value.
 */
#include "dom.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

struct parsed {
	unsigned long long mag;	/* magnitude, saturated at ULLONG_MAX */
	bool negative, overflow;
};

/* Parses [space][sign][0x]digits; *end as the standard says. */
static struct parsed parse(const char *s, char **end, int base)
{
	struct parsed p = { 0, false, false };
	const char *q = s;
	bool any = false;

	while (isspace((unsigned char)*q))
		q++;
	if (*q == '+' || *q == '-')
		p.negative = *q++ == '-';
	if ((base == 0 || base == 16) && q[0] == '0' && (q[1] == 'x' || q[1] == 'X') &&
	    digit_value(q[2]) < 16) {
		q += 2;
		base = 16;
	} else if (base == 0) {
		base = q[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		if (end)
			*end = (char *)s;
		return p;
	}
	for (; digit_value(*q) < base; q++) {
		unsigned d = (unsigned)digit_value(*q);

		any = true;
		if (p.mag > (~0ull - d) / (unsigned)base)
			p.overflow = true;
		else
			p.mag = p.mag * (unsigned)base + d;
	}
	if (p.overflow)
		p.mag = ~0ull;
	if (end)
		*end = (char *)(any ? q : s);
	return p;
}

long long strtoll(const char *s, char **end, int base)
{
	struct parsed p = parse(s, end, base);
	const unsigned long long limit = (unsigned long long)__LONG_LONG_MAX__;

	if (p.negative)
		return p.mag > limit + 1 ? -__LONG_LONG_MAX__ - 1 : (long long)(0 - p.mag);
	return p.mag > limit ? __LONG_LONG_MAX__ : (long long)p.mag;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	struct parsed p = parse(s, end, base);

	if (p.overflow)
		return ~0ull;
	return p.negative ? 0 - p.mag : p.mag;
}

/* long is 64 bits on x86-64: the long long versions are exact. */
long strtol(const char *s, char **end, int base)
{
	_Static_assert(sizeof(long) == sizeof(long long), "LP64");
	return (long)strtoll(s, end, base);
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}
