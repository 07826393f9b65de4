/*
 * The 8254 PIT (ports 0x40-0x43) and PIIX3 NMI status/control port 0x61.
 *
 * Counters are not clocked: each is a start tick and a reload value, and
 * its count and OUT are computed from env->now_ns at 1.193182 MHz
 * (tick = now_ns * 1193182 / 1e9, never accumulated, so nothing drifts).
 *
 * Channel 0's OUT drives ISA IRQ 0: each rising edge is a pulse
 * (dm_irq_set_isa(0, 1) then (0, 0)) from a dm_timer armed at the edge.
 * Missed edges coalesce: a callback delivers one pulse and re-arms at the
 * first edge after now, but never sooner than DM_PIT_FLOOR_NS from now, so
 * a guest asking for a 1 MHz rate gets at most 20,000 pulses a second.
 * Channel 2 (gate = port 0x61 bit 0, OUT = bit 5) is what Linux calibrates
 * the TSC with; channel 1 (DRAM refresh) only counts.
 *
 * Deviations, all harmless for PC firmware and OSes: the count register is
 * loaded on the write (not on the next CLK edge); a new count written in
 * modes 2/3 restarts the period at once; BCD counts are decoded (digits
 * above 9 are taken at face value, counts over 10000 clamped).
 */
#ifndef DM_PIT_H
#define DM_PIT_H

#include "dm.h"

#define DM_PIT_HZ 1193182ull
#define DM_PIT_FLOOR_NS 50000ull	/* shortest gap between IRQ0 callbacks */

struct dm_pit_ch {
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	uint16_t raw;		/* the count as written */
	uint32_t reload;	/* decoded count, 1..65536 (10000 BCD) */
	bool write_msb, read_msb;	/* the LSB/MSB flip-flops */
	bool latched, status_latched;
	uint16_t latch;
	uint8_t status;
	bool null_count;
	bool has_count;		/* a count was loaded since the control word */
	bool running;		/* counting (modes 1/5: triggered) */
	bool suspended;		/* modes 0/4 with the gate low: d frozen */
	bool out_idle;		/* OUT while not running */
	bool gate;
	uint64_t start_tick;	/* absolute tick where d = 0 */
	uint64_t frozen_d;
};

struct dm_pit {
	struct dm_env *env;
	struct dm_pit_ch ch[3];
	bool speaker;		/* port 0x61 bit 1 */
	uint8_t p61_enables;	/* port 0x61 bits 2-3, read back */
	struct dm_timer timer;	/* channel 0's next OUT rising edge */
	struct dm_region r_pit, r_61;
	bool logged_bcd;
};

/* Resets the counters (idle until programmed) and registers the ports. */
int dm_pit_init(struct dm_pit *pit, struct dm_env *env, struct dm_bus *bus);
/* OUT of channel ch (0-2) now; for tests and the machine's debug dump. */
bool dm_pit_out(struct dm_pit *pit, unsigned ch);

#endif
