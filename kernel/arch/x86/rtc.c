/* The CMOS clock (rtc.h). Registers: 0 seconds, 2 minutes, 4 hours (bit 7
 * PM in 12-hour mode), 7 day, 8 month, 9 year, 0x0a status A (bit 7: an
 * update is under way), 0x0b status B (bit 2 binary, bit 1 24-hour), 0x32
 * the century (ACPI FADT's usual CENTURY index). */
#include "rtc.h"
#include "cpu.h"
#include "lib.h"

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_CENTURY 0x32
#define A_UIP 0x80
#define B_24H 0x02
#define B_BINARY 0x04

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar: years
 * counted from March, so the leap day ends one; 400-year eras of 146097 days. */
static u64 days_since_1970(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy;

	if (m <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return (u64)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static u32 field(u8 v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

static bool bcd_ok(u8 v)
{
	return (v & 0xf) < 10 && (v >> 4) < 10;
}

u64 rtc_decode(const u8 *r)
{
	bool bin = r[REG_B] & B_BINARY, h24 = r[REG_B] & B_24H;
	u8 hour = h24 ? r[4] : r[4] & 0x7f;
	u32 sec, min, hr, day, mon, year, cent;
	static const u8 used[] = { 0, 2, 7, 8, 9 };

	if (!bin) {
		for (u32 i = 0; i < sizeof(used); i++)
			if (!bcd_ok(r[used[i]]))
				return 0;
		if (!bcd_ok(hour))
			return 0;
	}
	sec = field(r[0], bin);
	min = field(r[2], bin);
	hr = field(hour, bin);
	day = field(r[7], bin);
	mon = field(r[8], bin);
	year = field(r[9], bin);
	if (!h24) {		/* 12 AM is midnight, 12 PM noon */
		if (hr < 1 || hr > 12)
			return 0;
		hr = hr % 12 + (r[4] & 0x80 ? 12 : 0);
	}
	cent = (bin || bcd_ok(r[REG_CENTURY])) ? field(r[REG_CENTURY], bin) : 0;
	if (cent < 19 || cent > 99)	/* no century register */
		cent = year < 70 ? 20 : 19;
	if (sec > 59 || min > 59 || hr > 23 || year > 99 || mon < 1 || mon > 12 || day < 1 ||
	    day > 31)
		return 0;
	return days_since_1970(cent * 100 + year, mon, day) * 86400 + hr * 3600 + min * 60 + sec;
}

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void read_regs(u8 *r)
{
	static const u8 regs[] = { 0, 2, 4, 7, 8, 9, REG_B, REG_CENTURY };

	/* An update starts at most 244 us after UIP rises and takes ~2 ms. */
	for (u32 i = 0; i < 10000000 && (cmos(REG_A) & A_UIP); i++)
		cpu_relax();

	memset(r, 0, RTC_NREGS);
	for (u32 i = 0; i < sizeof(regs); i++)
		r[regs[i]] = cmos(regs[i]);
}

u64 rtc_read_unix(void)
{
	u8 a[RTC_NREGS], b[RTC_NREGS];

	/* Twice alike: no update ran between the reads. */
	for (int tries = 0; tries < 5; tries++) {
		read_regs(a);
		read_regs(b);
		if (!memcmp(a, b, sizeof(a)))
			return rtc_decode(a);
	}
	return 0;
}
