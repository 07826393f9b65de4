/*
 * The MC146818 RTC (Motorola MC146818A datasheet: "Address Map", "Time,
 * Calendar and Alarm Locations", registers A-D, "Update Cycle"). Model and
 * deviations: rtc.h.
 */
#include "dm.h"
#include "rtc.h"

#define RTC_SEC 0x00
#define RTC_SEC_ALARM 0x01
#define RTC_MIN 0x02
#define RTC_MIN_ALARM 0x03
#define RTC_HOUR 0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY 0x06
#define RTC_MDAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_DM 0x04
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

#define NS 1000000000ll
#define RTC_MAX_SEC 253402300799ll	/* 9999-12-31 23:59:59 */

static int64_t rtc_now(struct dm_rtc *rtc)
{
	return (int64_t)rtc->env->now_ns(rtc->env->ctx);
}

static int64_t rtc_fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years). */
static int64_t rtc_days(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = rtc_fdiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

struct rtc_tm { int64_t year; int mon, mday, wday, hour, min, sec; };

static void rtc_civil(int64_t t, struct rtc_tm *tm)
{
	int64_t days = rtc_fdiv(t, 86400), s = t - days * 86400;
	int64_t z = days + 719468, era = rtc_fdiv(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
	tm->wday = (int)((days % 7 + 11) % 7);	/* 0 = Sunday; 1970-01-01 was a Thursday */
	tm->hour = (int)(s / 3600);
	tm->min = (int)(s / 60 % 60);
	tm->sec = (int)(s % 60);
}

static uint8_t rtc_to_reg(const struct dm_rtc *rtc, int v)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_DM)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static int rtc_from_reg(const struct dm_rtc *rtc, uint8_t b)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_DM)
		return b;
	return (b >> 4) * 10 + (b & 0xf);
}

static uint8_t rtc_hour_reg(const struct dm_rtc *rtc, int h)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_to_reg(rtc, h);
	return (uint8_t)(rtc_to_reg(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static int rtc_hour_val(const struct dm_rtc *rtc, uint8_t b)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_from_reg(rtc, b);
	return rtc_from_reg(rtc, b & 0x7f) % 12 + (b & 0x80 ? 12 : 0);
}

static int rtc_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* UNIX seconds and sub-second ns of the running clock now. */
static int64_t rtc_time(struct dm_rtc *rtc, int64_t now, int64_t *frac)
{
	int64_t el = now - rtc->base_ns, s = rtc_fdiv(el, NS);

	if (frac)
		*frac = el - s * NS;
	return rtc->base_sec + s;
}

/* Writes time t into the clock bytes, in the current format. */
static void rtc_store(struct dm_rtc *rtc, int64_t t)
{
	struct rtc_tm tm;
	uint8_t *c = rtc->cmos;

	rtc_civil(t, &tm);
	c[RTC_SEC] = rtc_to_reg(rtc, tm.sec);
	c[RTC_MIN] = rtc_to_reg(rtc, tm.min);
	c[RTC_HOUR] = rtc_hour_reg(rtc, tm.hour);
	c[RTC_WDAY] = rtc_to_reg(rtc, tm.wday + 1);
	c[RTC_MDAY] = rtc_to_reg(rtc, tm.mday);
	c[RTC_MONTH] = rtc_to_reg(rtc, tm.mon);
	c[RTC_YEAR] = rtc_to_reg(rtc, (int)(tm.year % 100));
	c[RTC_CENTURY] = rtc_to_reg(rtc, (int)(tm.year / 100 % 100));
}

/* The clock bytes as UNIX seconds; out-of-range fields are clamped. */
static int64_t rtc_load(struct dm_rtc *rtc)
{
	const uint8_t *c = rtc->cmos;
	int yy = rtc_clamp(rtc_from_reg(rtc, c[RTC_YEAR]), 0, 99);
	int cent = rtc_from_reg(rtc, c[RTC_CENTURY]);
	int64_t days;

	if (cent < 19 || cent > 99)
		cent = yy < 70 ? 20 : 19;
	days = rtc_days(cent * 100 + yy, rtc_clamp(rtc_from_reg(rtc, c[RTC_MONTH]), 1, 12),
			rtc_clamp(rtc_from_reg(rtc, c[RTC_MDAY]), 1, 31));
	return days * 86400 + rtc_clamp(rtc_hour_val(rtc, c[RTC_HOUR]), 0, 23) * 3600 +
	       rtc_clamp(rtc_from_reg(rtc, c[RTC_MIN]), 0, 59) * 60 +
	       rtc_clamp(rtc_from_reg(rtc, c[RTC_SEC]), 0, 59);
}

static bool rtc_divider_reset(const struct dm_rtc *rtc)
{
	return (rtc->cmos[RTC_REG_A] & 0x60) == 0x60;
}

static void rtc_update_irq(struct dm_rtc *rtc)
{
	uint8_t c = rtc->cmos[RTC_REG_C], b = rtc->cmos[RTC_REG_B];
	bool irqf = (c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;	/* same bit order as PIE/AIE/UIE */

	rtc->cmos[RTC_REG_C] = (uint8_t)((c & ~RTC_C_IRQF) | (irqf ? RTC_C_IRQF : 0));
	if (irqf != rtc->irq) {
		rtc->irq = irqf;
		dm_irq_set_isa(8, irqf);
	}
}

/* Periodic period in 32.768 kHz ticks (0: off). */
static int64_t rtc_period(const struct dm_rtc *rtc)
{
	unsigned rs = rtc->cmos[RTC_REG_A] & 0xf;

	if (rs == 0 || rtc_divider_reset(rtc))
		return 0;
	return rs <= 2 ? 1ll << (rs + 6) : 1ll << (rs - 1);
}

/* Index of the periodic boundary at or before now (ticks of the divider). */
static int64_t rtc_pf_index(const struct dm_rtc *rtc, int64_t now, int64_t period)
{
	int64_t el = now - rtc->base_ns;
	int64_t ticks = el / NS * 32768 + el % NS * 32768 / NS;

	return ticks / period;
}

static void rtc_arm_periodic(struct dm_rtc *rtc)
{
	int64_t period = rtc_period(rtc), next, when, t;

	if (!period || !(rtc->cmos[RTC_REG_B] & RTC_B_PIE) || rtc->irq) {
		rtc->env->timer_cancel(rtc->env->ctx, &rtc->t_periodic);
		return;
	}
	/* The first boundary not yet accounted for: one that passed unseen
	 * (or coincides with now) still raises PF, late. */
	next = (rtc_pf_index(rtc, rtc->pf_since_ns, period) + 1) * period;	/* in ticks */
	t = next / 32768 * NS + (next % 32768 * NS + 32767) / 32768;
	when = rtc->base_ns + t;
	if (when < rtc->pf_fired_ns + DM_RTC_FLOOR_NS)
		when = rtc->pf_fired_ns + DM_RTC_FLOOR_NS;	/* callbacks spaced by the floor */
	rtc->env->timer_arm(rtc->env->ctx, &rtc->t_periodic, (uint64_t)when);
}

static void rtc_arm_update(struct dm_rtc *rtc)
{
	int64_t now = rtc_now(rtc), frac;

	if (rtc->frozen) {
		rtc->env->timer_cancel(rtc->env->ctx, &rtc->t_update);
		return;
	}
	rtc_time(rtc, now, &frac);
	rtc->env->timer_arm(rtc->env->ctx, &rtc->t_update, (uint64_t)(now - frac + NS));
}

static void rtc_periodic_fire(struct dm_timer *t, void *arg)
{
	struct dm_rtc *rtc = arg;

	(void)t;
	rtc->cmos[RTC_REG_C] |= RTC_C_PF;
	rtc->pf_since_ns = rtc->pf_fired_ns = rtc_now(rtc);
	rtc_update_irq(rtc);
	rtc_arm_periodic(rtc);
}

static bool rtc_alarm_match(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;
}

/* The end of an update cycle: UF, and AF if the alarm matches the new time. */
static void rtc_update_fire(struct dm_timer *t, void *arg)
{
	struct dm_rtc *rtc = arg;
	struct rtc_tm tm;
	const uint8_t *c = rtc->cmos;

	(void)t;
	rtc_civil(rtc_time(rtc, rtc_now(rtc), NULL), &tm);
	rtc->cmos[RTC_REG_C] |= RTC_C_UF;
	if (rtc_alarm_match(c[RTC_SEC_ALARM], rtc_to_reg(rtc, tm.sec)) &&
	    rtc_alarm_match(c[RTC_MIN_ALARM], rtc_to_reg(rtc, tm.min)) &&
	    rtc_alarm_match(c[RTC_HOUR_ALARM], rtc_hour_reg(rtc, tm.hour)))
		rtc->cmos[RTC_REG_C] |= RTC_C_AF;
	rtc_update_irq(rtc);
	rtc_arm_periodic(rtc);
	rtc_arm_update(rtc);
}

/* Stops the clock (time into the CMOS bytes) or restarts it from them. */
static void rtc_set_frozen(struct dm_rtc *rtc, bool frozen, bool from_divider)
{
	int64_t now = rtc_now(rtc), frac;

	if (frozen == rtc->frozen)
		return;
	if (frozen) {
		rtc_store(rtc, rtc_time(rtc, now, NULL));
	} else if (from_divider) {
		rtc->base_sec = rtc_load(rtc);	/* first update 500 ms from now */
		rtc->base_ns = now - NS / 2;
	} else {
		rtc->base_sec = rtc_load(rtc) - (rtc_time(rtc, now, &frac) - rtc->base_sec);
	}
	rtc->frozen = frozen;
	rtc_arm_update(rtc);
}

static bool rtc_should_freeze(const struct dm_rtc *rtc)
{
	return (rtc->cmos[RTC_REG_B] & RTC_B_SET) || rtc_divider_reset(rtc);
}

static void rtc_write_a(struct dm_rtc *rtc, uint8_t val)
{
	bool was_reset = rtc_divider_reset(rtc);

	rtc->cmos[RTC_REG_A] = val & 0x7f;
	rtc_set_frozen(rtc, rtc_should_freeze(rtc), was_reset && !rtc_divider_reset(rtc));
	rtc->pf_since_ns = rtc_now(rtc);
	rtc_arm_periodic(rtc);
}

static void rtc_write_b(struct dm_rtc *rtc, uint8_t val)
{
	if ((val & RTC_B_SET) && !(rtc->cmos[RTC_REG_B] & RTC_B_SET))
		val &= (uint8_t)~RTC_B_UIE;	/* SET clears UIE (datasheet, reg B) */
	if (!rtc->frozen) {
		/* The format may change: the running clock is formatted on read,
		 * but freeze under the old format first if SET comes with it. */
		if (val & RTC_B_SET)
			rtc_set_frozen(rtc, true, false);
		rtc->cmos[RTC_REG_B] = val;
	} else {
		rtc->cmos[RTC_REG_B] = val;
		rtc_set_frozen(rtc, rtc_should_freeze(rtc), false);
	}
	rtc_update_irq(rtc);
	rtc_arm_periodic(rtc);
}

/* Reading C: the flags (with PF worked out since the last read), cleared. */
static uint8_t rtc_read_c(struct dm_rtc *rtc)
{
	int64_t now = rtc_now(rtc), period = rtc_period(rtc);
	uint8_t c;

	if (period && rtc_pf_index(rtc, now, period) > rtc_pf_index(rtc, rtc->pf_since_ns, period))
		rtc->cmos[RTC_REG_C] |= RTC_C_PF;
	c = rtc->cmos[RTC_REG_C] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	if (c & rtc->cmos[RTC_REG_B])
		c |= RTC_C_IRQF;	/* as read; no edge raised just to fall */
	rtc->cmos[RTC_REG_C] = 0;
	rtc->pf_since_ns = now;
	rtc_update_irq(rtc);
	rtc_arm_periodic(rtc);
	return c;
}

static bool rtc_is_clock(unsigned i)
{
	return (i <= RTC_YEAR && i != RTC_SEC_ALARM && i != RTC_MIN_ALARM && i != RTC_HOUR_ALARM) ||
	       i == RTC_CENTURY;
}

static uint8_t rtc_read_reg(struct dm_rtc *rtc, unsigned i)
{
	int64_t frac;

	if (rtc_is_clock(i) && !rtc->frozen)
		rtc_store(rtc, rtc_time(rtc, rtc_now(rtc), NULL));
	switch (i) {
	case RTC_REG_A:
		rtc_time(rtc, rtc_now(rtc), &frac);
		return (uint8_t)(rtc->cmos[i] | (!rtc->frozen && frac >= NS - DM_RTC_UIP_NS ? RTC_A_UIP : 0));
	case RTC_REG_C:
		return rtc_read_c(rtc);
	case RTC_REG_D:
		return 0x80;		/* VRT: the battery is fine */
	default:
		return rtc->cmos[i];
	}
}

static void rtc_write_reg(struct dm_rtc *rtc, unsigned i, uint8_t val)
{
	switch (i) {
	case RTC_REG_A: rtc_write_a(rtc, val); return;
	case RTC_REG_B: rtc_write_b(rtc, val); return;
	case RTC_REG_C:
	case RTC_REG_D: return;	/* read-only */
	default: break;
	}
	if (rtc_is_clock(i) && !rtc->frozen) {
		rtc_set_frozen(rtc, true, false);	/* rebase around the new byte */
		rtc->cmos[i] = val;
		rtc_set_frozen(rtc, false, false);
		return;
	}
	rtc->cmos[i] = val;
}

static uint64_t rtc_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_rtc *rtc = dev;

	(void)size;
	if (off == 0)
		return 0xff;		/* the index register is write-only */
	return rtc_read_reg(rtc, rtc->index);
}

static void rtc_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_rtc *rtc = dev;

	(void)size;
	if (off == 0)
		rtc->index = val & 0x7f;	/* bit 7 masks NMI: nothing to mask */
	else
		rtc_write_reg(rtc, rtc->index, (uint8_t)val);
}

static const struct dm_io_ops rtc_ops = { rtc_read, rtc_write };

int dm_rtc_set_cmos(struct dm_rtc *rtc, unsigned index, uint8_t value)
{
	if (index < 0x0e || index >= 128 || index == RTC_CENTURY)
		return -22;
	rtc->cmos[index] = value;
	return 0;
}

int dm_rtc_init(struct dm_rtc *rtc, struct dm_env *env, struct dm_bus *bus, int64_t base_unix)
{
	memset(rtc, 0, sizeof(*rtc));
	rtc->env = env;
	rtc->cmos[RTC_REG_A] = 0x26;	/* 32.768 kHz time base, 1024 Hz rate */
	rtc->cmos[RTC_REG_B] = RTC_B_24H;
	rtc->cmos[RTC_REG_D] = 0x80;
	rtc->base_sec = base_unix < 0 ? 0 : base_unix > RTC_MAX_SEC ? RTC_MAX_SEC : base_unix;
	rtc->base_ns = rtc_now(rtc);
	rtc->pf_since_ns = rtc->base_ns;
	rtc->t_update = (struct dm_timer){ .fn = rtc_update_fire, .arg = rtc };
	rtc->t_periodic = (struct dm_timer){ .fn = rtc_periodic_fire, .arg = rtc };
	rtc_arm_update(rtc);
	rtc->region = (struct dm_region){ DM_PIO, 0x70, 2, &rtc_ops, rtc, "rtc", NULL };
	return dm_bus_add(bus, &rtc->region);
}
