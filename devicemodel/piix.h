/*
 * PIIX3 function 0 (00:01.0, 8086:7000), the PCI-to-ISA bridge: its PIRQ
 * route control registers 0x60-0x63 (dm_piix_pirq_route, dm.h) and the
 * reset control register at port 0xcf9.
 */
#ifndef DM_PIIX_H
#define DM_PIIX_H

#include "pci.h"

/* After dm_pci_host_init. One PIIX3 per device model. */
int dm_piix_init(struct dm_env *env, struct dm_bus *bus);

#endif
