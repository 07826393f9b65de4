/*
 * The MC146818 RTC and its CMOS (ports 0x70 index, bit 7 = NMI mask,
 * ignored; 0x71 data; 128 bytes).
 *
 * Time is a base (UNIX seconds at a dm now_ns instant whose sub-second
 * phase is the divider chain's) plus env->now_ns: the clock registers are
 * computed on read, in BCD or binary (reg B DM) and 12/24 h (reg B bit 1),
 * century in CMOS 0x32. While SET (reg B bit 7) is held or the divider is
 * in reset (reg A DV = 11x) time stands still in the CMOS bytes, and
 * writes there become the new base when it runs again (from SET: keeping
 * the phase; from divider reset: first update 500 ms later, as the
 * datasheet says). A time register written while running rebases at once.
 *
 * Reg A's UIP reads 1 for the 244 us before each second's update. Flags in
 * reg C: UF each second, AF when seconds/minutes/hours match the alarm
 * bytes (0xC0-0xFF = don't care), PF at the reg A rate (RS 3-15 as the
 * datasheet's 32.768 kHz table, 1 and 2 alias 8 and 9). IRQF = (PF & PIE) |
 * (AF & AIE) | (UF & UIE) drives ISA IRQ 8 as a level; reading reg C clears
 * the flags and lowers it. The periodic timer stops while IRQF is up (the
 * guest has not read reg C, so no edge could follow) and PF is then worked
 * out on the read; callbacks are never closer than DM_RTC_FLOOR_NS.
 */
#ifndef DM_RTC_H
#define DM_RTC_H

#include "dm.h"

#define DM_RTC_FLOOR_NS 50000ll
#define DM_RTC_UIP_NS 244000ll

struct dm_rtc {
	struct dm_env *env;
	uint8_t cmos[128];	/* 0x0a-0x0d status; time bytes valid while frozen */
	uint8_t index;
	int64_t base_sec;	/* UNIX seconds at base_ns */
	int64_t base_ns;	/* an update instant (divider phase) */
	bool frozen;		/* SET held or divider in reset */
	int64_t pf_since_ns;	/* PF considered up to here */
	int64_t pf_fired_ns;	/* last periodic callback (for the floor) */
	bool irq;		/* IRQ 8 level last sent */
	struct dm_timer t_update, t_periodic;
	struct dm_region region;
};

/* Resets (reg A 0x26, B 0x02: BCD, 24 h) with the clock at base_unix
 * seconds now, and registers ports 0x70-0x71. */
int dm_rtc_init(struct dm_rtc *rtc, struct dm_env *env, struct dm_bus *bus, int64_t base_unix);
/* Presets a CMOS byte (0x0e-0x7f except the century byte 0x32) for the
 * machine: memory sizes, boot order, CPU count. 0, or -22 for others. */
int dm_rtc_set_cmos(struct dm_rtc *rtc, unsigned index, uint8_t value);

#endif
