/*
 * The platform's interrupt router (irq.c): the dm.h calls dm_irq_set_isa,
 * dm_irq_set_pci and dm_irq_reroute land here.
 *
 * ISA IRQ n's line is the wired-OR of its ISA source and every PCI INTx
 * whose PIRQ ((pin + slot - 1) & 3) PIIX3 routes to n. A change of that
 * line goes to 8259 input n and to IOAPIC pin n, except IRQ0, which is
 * IOAPIC pin 2 (the MADT's interrupt source override); IRQ2 is the 8259
 * cascade and reaches neither. Only changes are passed on, so a source
 * that sets the level it already had causes nothing.
 */
#ifndef DM_IRQ_H
#define DM_IRQ_H

#include "dm.h"

struct dm_pic;
struct dm_ioapic;

/* Connects the controllers (either may be NULL) and forgets every level. */
void dm_irq_init(struct dm_pic *pic, struct dm_ioapic *ioapic);
/* The current line levels, bit n = ISA IRQ n (tests, debug dumps). */
uint16_t dm_irq_lines(void);

#endif
