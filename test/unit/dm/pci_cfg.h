/* PCI configuration mechanism #1 for device-module tests: a dword address
 * at 0xcf8, then the data port at 0xcfc + (reg & 3). */
#ifndef DM_TEST_PCI_CFG_H
#define DM_TEST_PCI_CFG_H

#include "bus.h"

static inline uint32_t pci_cfg_rd(struct dm_bus *bus, unsigned devfn, unsigned reg,
				  unsigned size)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return (uint32_t)dm_bus_read(bus, DM_PIO, 0xcfc + (reg & 3), size);
}

static inline void pci_cfg_wr(struct dm_bus *bus, unsigned devfn, unsigned reg, unsigned size,
			      uint32_t v)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	dm_bus_write(bus, DM_PIO, 0xcfc + (reg & 3), size, v);
}

#endif
