/*
 * An 82093AA-style IOAPIC, version 0x20 (so with the EOI register at 0x40),
 * 24 pins, at MMIO 0xfec00000: IOREGSEL @0x00, IOWIN @0x10, EOI @0x40.
 *
 * Delivery is an MSI through env->msi: address 0xfee00000 | dest << 12 |
 * destmode << 2, data vector | delmode << 8, plus trigger and assert bits
 * (15, 14) for level pins. Edge pins deliver on a rising edge while
 * unmasked; level pins deliver while asserted and remote IRR is clear,
 * then set remote IRR until the local APIC's EOI (dm_ioapic_eoi, or a
 * write of the vector to the EOI register) clears it and, if the line is
 * still up, delivers again. Lines are logical (1 = asserted): the polarity
 * bit is kept for the guest but inverts nothing.
 */
#ifndef DM_IOAPIC_H
#define DM_IOAPIC_H

#include "dm.h"

#define DM_IOAPIC_BASE 0xfec00000ull
#define DM_IOAPIC_PINS 24

struct dm_ioapic {
	struct dm_env *env;
	uint32_t id;			/* ID register, bits 27:24 */
	uint8_t regsel;
	uint64_t redir[DM_IOAPIC_PINS];
	uint32_t lines;			/* input levels */
	struct dm_region region;
	bool logged_reg;
};

/* Resets (every pin masked) and maps the registers; dm_ioapic_eoi then acts
 * on this instance (the machine has one). */
int dm_ioapic_init(struct dm_ioapic *io, struct dm_env *env, struct dm_bus *bus);
/* Input pin (0-23) goes to level. */
void dm_ioapic_set_irq(struct dm_ioapic *io, unsigned pin, int level);

#endif
