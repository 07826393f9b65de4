/* The CMOS clock's registers to Unix time: BCD and binary, 12- and 24-hour,
 * the century register or none, leap days, and registers that hold no time. */
#include <string.h>
#include "check.h"
#include "arch/x86/rtc.h"

static unsigned char r[RTC_NREGS];

static unsigned char bcd(unsigned v)
{
	return (unsigned char)((v / 10) << 4 | v % 10);
}

/* Registers for y-m-d h:m:s in the given format (status B bit 2 binary, bit 1 24-hour). */
static const unsigned char *regs(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
				 unsigned s, int binary, int h24, int century)
{
	unsigned char (*f)(unsigned) = binary ? NULL : bcd;
	unsigned hour = h;
	int pm = 0;

#define F(v) (unsigned char)(f ? f(v) : (v))
	memset(r, 0, sizeof(r));
	if (!h24) {
		pm = h >= 12;
		hour = h % 12 ? h % 12 : 12;
	}
	r[0] = F(s);
	r[2] = F(mi);
	r[4] = (unsigned char)(F(hour) | (pm ? 0x80 : 0));
	r[7] = F(d);
	r[8] = F(mo);
	r[9] = F(y % 100);
	r[0x0b] = (unsigned char)((binary ? 4 : 0) | (h24 ? 2 : 0));
	r[0x32] = century ? F(y / 100) : 0;
#undef F
	return r;
}

int main(void)
{
	static const struct { unsigned y, mo, d, h, mi, s; unsigned long long unix_s; } t[] = {
		{ 2026, 12, 7, 17, 48, 56, 1796665736ull },
		{ 2024, 2, 29, 0, 0, 0, 1709164800ull },
		{ 2000, 2, 29, 12, 0, 0, 951825600ull },
		{ 2100, 3, 1, 0, 0, 1, 4107542401ull },
		{ 1999, 12, 31, 23, 59, 59, 946684799ull },
		{ 2026, 1, 1, 0, 30, 0, 1767227400ull },	/* 12:30 AM */
		{ 2026, 1, 1, 12, 30, 0, 1767270600ull },	/* 12:30 PM */
	};
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned long long prev;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (int fmt = 0; fmt < 8; fmt++) {
			int binary = fmt & 1, h24 = fmt & 2, century = fmt & 4;

			if (!century && (t[i].y < 1970 || t[i].y > 2069))
				continue;	/* without one, 70-99 is 19xx and 00-69 20xx */
			CHECK(rtc_decode(regs(t[i].y, t[i].mo, t[i].d, t[i].h, t[i].mi, t[i].s, binary,
					      h24, century)) == t[i].unix_s);
		}
	/* Every day from 1970 to 2099 is the day before plus 86400 s. */
	CHECK(rtc_decode(regs(1970, 1, 1, 0, 0, 0, 0, 1, 1)) == 0);	/* the epoch: "no time" too */
	prev = rtc_decode(regs(1970, 1, 1, 0, 0, 1, 0, 1, 1));
	CHECK(prev == 1);
	for (unsigned y = 1970; y < 2100; y++)
		for (unsigned m = 1; m <= 12; m++) {
			unsigned n = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 || y % 400 == 0));

			for (unsigned d = (y == 1970 && m == 1) ? 2 : 1; d <= n; d++) {
				unsigned long long u = rtc_decode(regs(y, m, d, 0, 0, 1, y & 1, 1, 1));

				CHECK(u == prev + 86400);
				prev = u;
			}
		}
	/* No time there: no chip (all ones), out-of-range fields, bad BCD. */
	memset(r, 0xff, sizeof(r));
	CHECK(rtc_decode(r) == 0);
	CHECK(rtc_decode(regs(2026, 13, 1, 0, 0, 0, 0, 1, 1)) == 0);
	CHECK(rtc_decode(regs(2026, 2, 32, 0, 0, 0, 1, 1, 1)) == 0);
	CHECK(rtc_decode(regs(2026, 2, 3, 24, 0, 0, 1, 1, 1)) == 0);
	CHECK(rtc_decode(regs(2026, 2, 3, 1, 60, 0, 1, 1, 1)) == 0);
	regs(2026, 2, 3, 1, 2, 3, 0, 1, 1);
	r[0] = 0x3a;	/* not BCD */
	CHECK(rtc_decode(r) == 0);
	regs(2026, 2, 3, 1, 2, 3, 0, 0, 1);
	r[4] = 0x13;	/* 12-hour mode: 13 o'clock */
	CHECK(rtc_decode(r) == 0);
	CHECK_DONE("rtc");
	return 0;
}
