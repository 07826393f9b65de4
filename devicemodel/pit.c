/*
 * The 8254 (Intel 82C54 datasheet: "Mode Definitions", "Read Operations",
 * "Read-Back Command") and port 0x61 (PIIX3 datasheet §4.7.2 NMI Status
 * and Control Register). How time becomes counts: pit.h.
 */
#include "dm.h"
#include "pit.h"

#define PIT_REFRESH_NS 15085ull	/* port 0x61 bit 4 toggles per refresh request */

/* Exact floor(ns * HZ / 1e9) in 64 bits (no 128-bit division in the
 * freestanding build): whole seconds and the remainder apart. */
static uint64_t pit_tick(uint64_t ns)
{
	return ns / 1000000000u * DM_PIT_HZ + ns % 1000000000u * DM_PIT_HZ / 1000000000u;
}

/* The first ns at which pit_tick() reaches tick: ceil(tick * 1e9 / HZ). */
static uint64_t pit_tick_ns(uint64_t tick)
{
	return tick / DM_PIT_HZ * 1000000000u +
	       (tick % DM_PIT_HZ * 1000000000u + DM_PIT_HZ - 1) / DM_PIT_HZ;
}

static uint64_t pit_now(struct dm_pit *pit)
{
	return pit->env->now_ns(pit->env->ctx);
}

static uint32_t pit_modulus(const struct dm_pit_ch *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint32_t pit_bcd_decode(uint16_t raw)
{
	uint32_t v = 0;

	for (int shift = 12; shift >= 0; shift -= 4)
		v = v * 10 + ((raw >> shift) & 0xf);
	return v;
}

static uint16_t pit_bcd_encode(uint32_t v)
{
	uint16_t raw = 0;

	for (int shift = 0; shift < 16; shift += 4, v /= 10)
		raw |= (uint16_t)((v % 10) << shift);
	return raw;
}

/* Ticks counted since d = 0. */
static uint64_t pit_d(const struct dm_pit_ch *c, uint64_t tick)
{
	if (c->suspended)
		return c->frozen_d;
	return tick >= c->start_tick ? tick - c->start_tick : 0;
}

static bool pit_out_at(const struct dm_pit_ch *c, uint64_t tick)
{
	uint64_t d, n = c->reload;

	if (!c->running)
		return c->out_idle;
	d = pit_d(c, tick);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;			/* high at terminal count, stays high */
	case 2:
		return n == 1 || d % n != n - 1;	/* low for the count's last tick */
	case 3:
		return d % n < (n + 1) / 2;	/* square wave, high half first */
	default:
		return d != n;			/* 4, 5: one low tick at zero */
	}
}

/* The counting element's value (binary), as a read would see it. */
static uint32_t pit_value_at(const struct dm_pit_ch *c, uint64_t tick)
{
	uint64_t m = pit_modulus(c), n = c->reload, d, v;

	if (!c->running)
		return (uint32_t)(c->has_count ? n % m : 0);
	d = pit_d(c, tick);
	if (c->mode == 2)
		v = n - d % n;
	else if (c->mode == 3)
		v = (n - (2 * d) % n) & ~1ull;
	else
		v = n + m - d % m;
	return (uint32_t)(v % m);
}

static uint16_t pit_read_value(const struct dm_pit_ch *c, uint64_t tick)
{
	uint32_t v = pit_value_at(c, tick);

	return c->bcd ? pit_bcd_encode(v) : (uint16_t)v;
}

bool dm_pit_out(struct dm_pit *pit, unsigned ch)
{
	if (ch > 2)
		return false;
	return pit_out_at(&pit->ch[ch], pit_tick(pit_now(pit)));
}

/* Arms channel 0's timer at its next OUT rising edge after now (not sooner
 * than the floor), or cancels it when no edge is coming. */
static void pit_ch0_arm(struct dm_pit *pit)
{
	struct dm_pit_ch *c = &pit->ch[0];
	uint64_t now = pit_now(pit), d, n = c->reload, edge, when;

	if (!c->running || c->suspended) {
		pit->env->timer_cancel(pit->env->ctx, &pit->timer);
		return;
	}
	d = pit_d(c, pit_tick(now));
	if (c->mode == 2 || c->mode == 3)
		edge = (d / n + 1) * n;		/* reload: OUT returns high */
	else
		edge = c->mode <= 1 ? n : n + 1;
	if (edge <= d) {
		pit->env->timer_cancel(pit->env->ctx, &pit->timer);
		return;
	}
	when = pit_tick_ns(c->start_tick + edge);
	if (when < now + DM_PIT_FLOOR_NS)
		when = now + DM_PIT_FLOOR_NS;
	pit->env->timer_arm(pit->env->ctx, &pit->timer, when);
}

static void pit_ch0_fire(struct dm_timer *t, void *arg)
{
	struct dm_pit *pit = arg;

	(void)t;
	dm_irq_set_isa(0, 1);
	dm_irq_set_isa(0, 0);
	pit_ch0_arm(pit);
}

/* A complete count was written: load it and start as the mode says. */
static void pit_load(struct dm_pit *pit, unsigned i)
{
	struct dm_pit_ch *c = &pit->ch[i];
	uint32_t n = c->bcd ? pit_bcd_decode(c->raw) : c->raw;

	if (n == 0 || n > pit_modulus(c))
		n = pit_modulus(c);
	c->reload = n;
	c->has_count = true;
	c->null_count = false;
	c->suspended = false;
	c->start_tick = pit_tick(pit_now(pit));
	if (c->mode == 1 || c->mode == 5) {
		c->running = false;	/* waits for a gate rising edge */
		c->out_idle = true;
	} else if (!c->gate && (c->mode == 2 || c->mode == 3)) {
		c->running = false;
		c->out_idle = true;
	} else {
		c->running = true;
		c->suspended = !c->gate;	/* modes 0/4: the gate pauses counting */
		c->frozen_d = 0;
	}
	if (i == 0)
		pit_ch0_arm(pit);
}

static void pit_write_count(struct dm_pit *pit, unsigned i, uint8_t val)
{
	struct dm_pit_ch *c = &pit->ch[i];

	switch (c->rw) {
	case 1:
		c->raw = val;
		break;
	case 2:
		c->raw = (uint16_t)(val << 8);
		break;
	default:
		if (!c->write_msb) {
			c->raw = val;
			c->write_msb = true;
			if (c->mode == 0) {	/* mode 0: the first byte stops counting */
				c->running = false;
				c->out_idle = false;
				if (i == 0)
					pit_ch0_arm(pit);
			}
			return;
		}
		c->raw = (uint16_t)(c->raw | val << 8);
		c->write_msb = false;
		break;
	}
	pit_load(pit, i);
}

/* One byte of the count, latched or live, through the read flip-flop. */
static uint8_t pit_read_count(struct dm_pit *pit, unsigned i)
{
	struct dm_pit_ch *c = &pit->ch[i];
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->latched ? c->latch : pit_read_value(c, pit_tick(pit_now(pit)));
	if (c->rw == 3) {
		msb = c->read_msb;
		c->read_msb = !c->read_msb;
		if (msb)
			c->latched = false;
	} else {
		msb = c->rw == 2;
		c->latched = false;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

static void pit_latch_count(struct dm_pit *pit, unsigned i)
{
	struct dm_pit_ch *c = &pit->ch[i];

	if (c->latched)
		return;			/* a second latch before reading is ignored */
	c->latch = pit_read_value(c, pit_tick(pit_now(pit)));
	c->latched = true;
}

static void pit_latch_status(struct dm_pit *pit, unsigned i)
{
	struct dm_pit_ch *c = &pit->ch[i];

	if (c->status_latched)
		return;
	c->status = (uint8_t)(dm_pit_out(pit, i) << 7 | c->null_count << 6 | c->rw << 4 |
			      c->mode << 1 | c->bcd);
	c->status_latched = true;
}

/* Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits
 * 3:1 select channels 2:0. */
static void pit_read_back(struct dm_pit *pit, uint8_t val)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!(val & (2u << i)))
			continue;
		if (!(val & 0x20))
			pit_latch_count(pit, i);
		if (!(val & 0x10))
			pit_latch_status(pit, i);
	}
}

static void pit_control(struct dm_pit *pit, uint8_t val)
{
	unsigned i = val >> 6, rw = (val >> 4) & 3;
	struct dm_pit_ch *c;

	if (i == 3) {
		pit_read_back(pit, val);
		return;
	}
	if (rw == 0) {
		pit_latch_count(pit, i);
		return;
	}
	c = &pit->ch[i];
	c->rw = (uint8_t)rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6, 7 are 2, 3 */
	c->bcd = val & 1;
	if (c->bcd && !pit->logged_bcd) {
		pit->logged_bcd = true;
		pit->env->log(pit->env->ctx, "pit: channel %u set to BCD counting", i);
	}
	c->write_msb = c->read_msb = false;
	c->latched = c->status_latched = false;
	c->null_count = true;
	c->has_count = false;
	c->running = c->suspended = false;
	c->out_idle = c->mode != 0;	/* mode 0 starts low, the others high */
	if (i == 0)
		pit_ch0_arm(pit);
}

/* Channel 2's gate (port 0x61 bit 0); channels 0 and 1 are tied high. */
static void pit_set_gate(struct dm_pit *pit, unsigned i, bool gate)
{
	struct dm_pit_ch *c = &pit->ch[i];
	uint64_t tick = pit_tick(pit_now(pit));

	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->has_count)
		return;
	if (c->mode == 0 || c->mode == 4) {
		if (!gate) {
			c->frozen_d = pit_d(c, tick);
			c->suspended = true;
		} else if (c->running && c->suspended) {
			c->start_tick = tick - c->frozen_d;
			c->suspended = false;
		}
	} else if (gate) {		/* 1, 5 trigger; 2, 3 restart */
		c->start_tick = tick;
		c->running = true;
	} else if (c->mode == 2 || c->mode == 3) {
		c->running = false;	/* OUT forced high while the gate is low */
		c->out_idle = true;
	}
	if (i == 0)
		pit_ch0_arm(pit);
}

static uint64_t pit_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pit *pit = dev;

	(void)size;		/* byte ports: a wider read gets one byte */
	if (off >= 3)
		return 0xff;	/* the control word register is write-only */
	return pit_read_count(pit, (unsigned)off);
}

static void pit_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pit *pit = dev;

	(void)size;
	if (off == 3)
		pit_control(pit, (uint8_t)val);
	else if (off < 3)
		pit_write_count(pit, (unsigned)off, (uint8_t)val);
}

static uint64_t pit_61_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pit *pit = dev;
	uint64_t now = pit_now(pit);

	(void)off;
	(void)size;
	return (uint64_t)(pit->ch[2].gate | pit->speaker << 1 | pit->p61_enables |
			  ((now / PIT_REFRESH_NS) & 1) << 4 |
			  pit_out_at(&pit->ch[2], pit_tick(now)) << 5);
}

static void pit_61_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pit *pit = dev;

	(void)off;
	(void)size;
	pit->speaker = val & 2;
	pit->p61_enables = val & 0x0c;
	pit_set_gate(pit, 2, val & 1);
}

static const struct dm_io_ops pit_ops = { pit_read, pit_write };
static const struct dm_io_ops pit_61_ops = { pit_61_read, pit_61_write };

int dm_pit_init(struct dm_pit *pit, struct dm_env *env, struct dm_bus *bus)
{
	int rc;

	memset(pit, 0, sizeof(*pit));
	pit->env = env;
	for (unsigned i = 0; i < 3; i++) {
		pit->ch[i].gate = i != 2;
		pit->ch[i].rw = 3;
		pit->ch[i].reload = 65536;
		pit->ch[i].null_count = true;
	}
	pit->timer.fn = pit_ch0_fire;
	pit->timer.arg = pit;
	pit->r_pit = (struct dm_region){ DM_PIO, 0x40, 4, &pit_ops, pit, "pit", NULL };
	pit->r_61 = (struct dm_region){ DM_PIO, 0x61, 1, &pit_61_ops, pit, "port61", NULL };
	rc = dm_bus_add(bus, &pit->r_pit);
	if (!rc)
		rc = dm_bus_add(bus, &pit->r_61);
	return rc;
}
