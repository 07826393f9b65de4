/*
 * The 8259A pair and the PIIX3 ELCR (Intel 8259A datasheet, "Programming
 * the 8259A"; PIIX3 datasheet §2.5.4 ELCR1/ELCR2). See pic.h for how the
 * INT output becomes env->extint.
 */
#include "dm.h"
#include "pic.h"

#define PIC_MASTER 0
#define PIC_SLAVE 1
#define PIC_CASCADE 2

/* ELCR bits the PIIX3 hard-wires to edge: IRQ0, 1, 2 (ELCR1) and IRQ8, 13
 * (ELCR2) — the timer, keyboard, cascade, RTC and FPU error. */
#define PIC_ELCR1_MASK 0xf8
#define PIC_ELCR2_MASK 0xde

/* Priority level (0 highest) of the best bit of mask; 8 when mask is 0. */
static unsigned pic_prio(const struct dm_pic_chip *c, uint8_t mask)
{
	for (unsigned p = 0; p < 8; p++)
		if (mask & (1u << ((p + c->prio_add) & 7)))
			return p;
	return 8;
}

/* The IR this chip would raise INT for now, or -1 (8259A: a request is
 * serviced only above the priority of everything in service). */
static int pic_chip_irq(const struct dm_pic_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	unsigned req;

	if (c->init_step || !c->initialized)
		return -1;
	req = pic_prio(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;	/* OCW3 SMM: masked levels don't block */
	if (master && c->sfnm)
		in_service &= ~(1u << PIC_CASCADE);	/* ICW4 SFNM */
	if (req < pic_prio(c, in_service))
		return (int)((req + c->prio_add) & 7);
	return -1;
}

/* Master IR2 follows the slave's INT output as a level. */
static void pic_sync_cascade(struct dm_pic *pic)
{
	struct dm_pic_chip *m = &pic->chip[PIC_MASTER];
	uint8_t bit = 1u << PIC_CASCADE;

	if (m->single)
		return;
	if (pic_chip_irq(&pic->chip[PIC_SLAVE], false) >= 0) {
		m->irr |= bit;
		m->lines |= bit;
	} else {
		m->irr &= ~bit;
		m->lines &= ~bit;
	}
}

/* The acknowledge half of an INTA (or a poll read) on one chip. */
static void pic_chip_ack(struct dm_pic_chip *c, unsigned irq)
{
	uint8_t bit = 1u << irq;

	if (!(c->elcr & bit))
		c->irr &= ~bit;		/* edge: the request is consumed */
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->prio_add = (irq + 1) & 7;
	} else {
		c->isr |= bit;
	}
}

uint8_t dm_pic_intack(struct dm_pic *pic)
{
	struct dm_pic_chip *m = &pic->chip[PIC_MASTER], *s = &pic->chip[PIC_SLAVE];
	int irq, irq2;
	uint8_t vec;

	pic_sync_cascade(pic);
	irq = pic_chip_irq(m, true);
	if (irq < 0)
		return m->base | 7;	/* spurious IRQ7: ISR untouched */
	if (irq == PIC_CASCADE && !m->single) {
		irq2 = pic_chip_irq(s, false);
		if (irq2 < 0) {
			vec = s->base | 7;	/* spurious IRQ15; master IR2 in service */
		} else {
			vec = (uint8_t)(s->base | irq2);
			pic_chip_ack(s, (unsigned)irq2);
		}
	} else {
		vec = (uint8_t)(m->base | irq);
	}
	pic_chip_ack(m, (unsigned)irq);
	pic_sync_cascade(pic);
	return vec;
}

/* Runs INTA cycles while the master's INT is asserted. Each one puts its
 * IR in service, so this stops on its own; the delivered set stops an
 * auto-EOI level request from repeating within one evaluation. */
static void pic_update(struct dm_pic *pic)
{
	struct dm_pic_chip *m = &pic->chip[PIC_MASTER];
	unsigned delivered = 0;

	for (;;) {
		int irq, g;

		pic_sync_cascade(pic);
		irq = pic_chip_irq(m, true);
		if (irq < 0)
			return;
		g = irq;
		if (irq == PIC_CASCADE && !m->single)
			g = 8 + pic_chip_irq(&pic->chip[PIC_SLAVE], false);
		if (g < 0 || (delivered & (1u << g)))
			return;
		delivered |= 1u << g;
		pic->env->extint(pic->env->ctx, dm_pic_intack(pic));
	}
}

void dm_pic_set_irq(struct dm_pic *pic, unsigned irq, int level)
{
	struct dm_pic_chip *c;
	uint8_t bit;

	if (irq >= 16 || irq == PIC_CASCADE)
		return;
	c = &pic->chip[irq >> 3];
	bit = 1u << (irq & 7);
	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;		/* edge: only a rising edge requests */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	pic_update(pic);
}

/* ICW1 (8259A "Initialization Command Words"): IMR cleared, IR7 lowest,
 * special mask off, status read = IRR, edge requests forgotten. */
static void pic_icw1(struct dm_pic *pic, struct dm_pic_chip *c, uint8_t val)
{
	if ((val & 0x08) && !pic->logged_ltim) {
		pic->logged_ltim = true;
		pic->env->log(pic->env->ctx, "pic: ICW1 LTIM ignored (the ELCR selects level mode)");
	}
	c->irr &= c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->prio_add = 0;
	if (pic->env->extint_cancel)	/* vectors of the old base not yet taken */
		pic->env->extint_cancel(pic->env->ctx);
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->rotate_aeoi = false;
	c->sfnm = false;
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->init_step = 1;
}

static void pic_eoi(struct dm_pic_chip *c, int irq, bool rotate)
{
	if (irq < 0) {			/* non-specific: highest in service */
		unsigned p = pic_prio(c, c->isr);

		if (p == 8)
			return;
		irq = (int)((p + c->prio_add) & 7);
	}
	c->isr &= ~(1u << irq);
	if (rotate)
		c->prio_add = (irq + 1) & 7;
}

/* OCW2: R SL EOI in bits 7:5, level in 2:0 (8259A "Operation Command Words"). */
static void pic_ocw2(struct dm_pic_chip *c, uint8_t val)
{
	unsigned level = val & 7;

	switch (val >> 5) {
	case 0: c->rotate_aeoi = false; break;
	case 4: c->rotate_aeoi = true; break;
	case 1: pic_eoi(c, -1, false); break;
	case 5: pic_eoi(c, -1, true); break;
	case 3: pic_eoi(c, (int)level, false); break;
	case 7: pic_eoi(c, (int)level, true); break;
	case 6: c->prio_add = (level + 1) & 7; break;
	default: break;		/* 2: no operation */
	}
}

static void pic_ocw3(struct dm_pic_chip *c, uint8_t val)
{
	if (val & 0x02)
		c->read_isr = val & 0x01;
	c->poll = val & 0x04;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

static void pic_write_data(struct dm_pic *pic, struct dm_pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 0:
		if (val & ~c->imr & c->isr && pic->env->extint_cancel)
			pic->env->extint_cancel(pic->env->ctx);	/* masked before taken */
		c->imr = val;		/* OCW1 */
		return;
	case 1:
		c->base = val & 0xf8;
		c->init_step = c->single ? (c->icw4_needed ? 3 : 0) : 2;
		c->initialized = c->init_step == 0;
		return;
	case 2:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 3 : 0;
		c->initialized = c->init_step == 0;
		return;
	default:
		if (!(val & 0x01) && !pic->logged_upm) {
			pic->logged_upm = true;
			pic->env->log(pic->env->ctx, "pic: ICW4 without x86 mode, treated as x86");
		}
		c->auto_eoi = val & 0x02;
		c->sfnm = val & 0x10;
		c->init_step = 0;
		c->initialized = true;
		return;
	}
}

static void pic_chip_write(struct dm_pic *pic, unsigned which, unsigned port, uint8_t val)
{
	struct dm_pic_chip *c = &pic->chip[which];

	if (port == 1)
		pic_write_data(pic, c, val);
	else if (val & 0x10)
		pic_icw1(pic, c, val);
	else if (val & 0x08)
		pic_ocw3(c, val);
	else
		pic_ocw2(c, val);
	pic_update(pic);
}

/* Poll mode: the read is the acknowledge; 0x80 | level, or 0 if none. */
static uint8_t pic_poll_read(struct dm_pic *pic, unsigned which)
{
	struct dm_pic_chip *c = &pic->chip[which];
	int irq;

	c->poll = false;
	pic_sync_cascade(pic);
	irq = pic_chip_irq(c, which == PIC_MASTER);
	if (irq < 0)
		return 0;
	pic_chip_ack(c, (unsigned)irq);
	pic_update(pic);
	return (uint8_t)(0x80 | irq);
}

static uint8_t pic_chip_read(struct dm_pic *pic, unsigned which, unsigned port)
{
	struct dm_pic_chip *c = &pic->chip[which];

	if (c->poll)
		return pic_poll_read(pic, which);
	if (port == 1)
		return c->imr;
	pic_sync_cascade(pic);
	return c->read_isr ? c->isr : c->irr;
}

static void pic_elcr_write(struct dm_pic *pic, unsigned which, uint8_t val)
{
	struct dm_pic_chip *c = &pic->chip[which];
	uint8_t to_level = (uint8_t)(val & c->elcr_mask & ~c->elcr);

	c->elcr = val & c->elcr_mask;
	c->irr = (uint8_t)((c->irr & ~to_level) | (c->lines & to_level));
	pic_update(pic);
}

/* Byte registers: a wider access is that many byte cycles, clipped to the region. */
static uint64_t pic_read_bytes(struct dm_pic *pic, unsigned region, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < 2; i++) {
		unsigned port = (unsigned)off + i;
		uint8_t b = region == 2 ? pic->chip[port].elcr : pic_chip_read(pic, region, port);

		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void pic_write_bytes(struct dm_pic *pic, unsigned region, uint64_t off, unsigned size,
			    uint64_t val)
{
	for (unsigned i = 0; i < size && off + i < 2; i++) {
		unsigned port = (unsigned)off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (region == 2)
			pic_elcr_write(pic, port, b);
		else
			pic_chip_write(pic, region, port, b);
	}
}

static uint64_t pic_m_read(void *d, uint64_t off, unsigned size) { return pic_read_bytes(d, 0, off, size); }
static uint64_t pic_s_read(void *d, uint64_t off, unsigned size) { return pic_read_bytes(d, 1, off, size); }
static uint64_t pic_e_read(void *d, uint64_t off, unsigned size) { return pic_read_bytes(d, 2, off, size); }
static void pic_m_write(void *d, uint64_t off, unsigned size, uint64_t v) { pic_write_bytes(d, 0, off, size, v); }
static void pic_s_write(void *d, uint64_t off, unsigned size, uint64_t v) { pic_write_bytes(d, 1, off, size, v); }
static void pic_e_write(void *d, uint64_t off, unsigned size, uint64_t v) { pic_write_bytes(d, 2, off, size, v); }

static const struct dm_io_ops pic_m_ops = { pic_m_read, pic_m_write };
static const struct dm_io_ops pic_s_ops = { pic_s_read, pic_s_write };
static const struct dm_io_ops pic_e_ops = { pic_e_read, pic_e_write };

int dm_pic_init(struct dm_pic *pic, struct dm_env *env, struct dm_bus *bus)
{
	int rc;

	memset(pic, 0, sizeof(*pic));
	pic->env = env;
	pic->chip[PIC_MASTER].elcr_mask = PIC_ELCR1_MASK;
	pic->chip[PIC_SLAVE].elcr_mask = PIC_ELCR2_MASK;
	pic->r_master = (struct dm_region){ DM_PIO, 0x20, 2, &pic_m_ops, pic, "pic-master", NULL };
	pic->r_slave = (struct dm_region){ DM_PIO, 0xa0, 2, &pic_s_ops, pic, "pic-slave", NULL };
	pic->r_elcr = (struct dm_region){ DM_PIO, 0x4d0, 2, &pic_e_ops, pic, "elcr", NULL };
	rc = dm_bus_add(bus, &pic->r_master);
	if (!rc)
		rc = dm_bus_add(bus, &pic->r_slave);
	if (!rc)
		rc = dm_bus_add(bus, &pic->r_elcr);
	return rc;
}
