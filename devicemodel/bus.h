/*
 * The device model's port and MMIO bus (bus.c). The API proper is in dm.h;
 * this header adds what only the machine and the tests need.
 *
 * Each space keeps a sorted array of non-overlapping regions, searched by
 * bisection (O(log n)). Unclaimed accesses are logged once per address, up
 * to DM_BUS_UNCLAIMED_MAX distinct addresses, then one "further ... not
 * logged" line.
 */
#ifndef DM_BUS_H
#define DM_BUS_H

#include "dm.h"

#define DM_BUS_UNCLAIMED_MAX 64

/* Frees the bus (not its regions, which belong to their devices). */
void dm_bus_free(struct dm_bus *bus);

#endif
