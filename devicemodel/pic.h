/*
 * The 8259A master/slave pair (ports 0x20/0x21, 0xa0/0xa1) and PIIX3's
 * edge/level control registers ELCR1/ELCR2 (0x4d0/0x4d1).
 *
 * There is no INTR wire to a CPU here: whenever the master's INT output
 * would be asserted, the pair runs the INTA cycle itself (ISR set, an edge
 * request cleared from IRR, the slave answering through the cascade) and
 * hands the vector to env->extint. The usual 8259 rules then hold back
 * anything of the same or lower priority until the guest's EOI. With
 * auto-EOI nothing holds back, so a level request already delivered in one
 * evaluation is not delivered again until the next PIC event (line change,
 * port write) — the pair cannot see when the CPU took the first one.
 *
 * Until the guest's first ICW sequence completes a chip raises nothing (a
 * power-on 8259 has no vector base yet; the firmware programs it first).
 *
 * The cascade input (master IR2) follows the slave's INT output as a level,
 * so a slave request left pending behind an in-service one is never lost.
 */
#ifndef DM_PIC_H
#define DM_PIC_H

#include "dm.h"

struct dm_pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;		/* input levels, for edge detection */
	uint8_t elcr, elcr_mask;	/* 1 = level triggered; writable bits */
	uint8_t base;		/* ICW2 vector base (bits 7:3) */
	uint8_t icw3;
	uint8_t init_step;	/* 0 ready; 1-3 expecting ICW2-ICW4 */
	bool initialized;	/* an ICW sequence has completed */
	bool icw4_needed, single;
	bool auto_eoi, rotate_aeoi, sfnm;
	bool read_isr, poll, special_mask;
	uint8_t prio_add;	/* IR number with the highest priority */
};

struct dm_pic {
	struct dm_env *env;
	struct dm_pic_chip chip[2];	/* master, slave */
	struct dm_region r_master, r_slave, r_elcr;
	bool logged_ltim, logged_upm;
};

/* Resets the pair and registers its ports. 0, or negative on a bus clash. */
int dm_pic_init(struct dm_pic *pic, struct dm_env *env, struct dm_bus *bus);
/* Input line irq (0-15; 2 is the cascade and is ignored) goes to level. */
void dm_pic_set_irq(struct dm_pic *pic, unsigned irq, int level);
/* One INTA cycle: the vector the pair answers now (spurious IRQ7/15 when
 * nothing is pending), updating ISR/IRR as the CPU's acknowledge would.
 * The pair runs this itself; exported for poll mode's sibling and tests. */
uint8_t dm_pic_intack(struct dm_pic *pic);

#endif
