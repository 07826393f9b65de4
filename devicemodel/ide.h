/*
 * PIIX3 IDE (ide.c): PCI function 00:01.1 (8086:7010) with both channels in
 * compatibility mode (0x1f0-0x1f7 + 0x3f6, IRQ 14; 0x170-0x177 + 0x376,
 * IRQ 15) and SFF-8038i bus-master DMA at BAR4. Each channel holds up to two
 * devices: ATA disks over a struct dm_blk, or ATAPI CD/DVD-ROM drives
 * (atapi.c) whose medium is a struct dm_blk with cdrom set.
 *
 * A dm_blk passed here must stay valid while requests on it are in flight:
 * after dm_ide_change_media or dm_ide_unplug, the old one may still receive
 * a completion for a request issued before.
 */
#ifndef DM_IDE_H
#define DM_IDE_H

#include "dm.h"
#include "pci.h"
#include "blk.h"

struct dm_ide;

/* Creates the controller, registers its PCI function (devfn, normally
 * 1 << 3 | 1) and its legacy ports on bus. NULL when out of memory. */
struct dm_ide *dm_ide_init(struct dm_env *env, struct dm_bus *bus, unsigned devfn);

/* Takes the legacy ports off the bus and frees the controller (host tests;
 * bus 0 keeps no way to remove a PCI function, so start a new bus 0 after). */
void dm_ide_free(struct dm_ide *ide);

/* Plugs blk in as channel/unit (hda 0/0, hdb 0/1, hdc 1/0, hdd 1/1): an
 * ATAPI drive when blk->cdrom (blk->present false: an empty drive), else an
 * ATA disk. 0, or -1 for a bad slot, a taken slot or an unusable blk. */
int dm_ide_attach(struct dm_ide *ide, unsigned channel, unsigned unit, struct dm_blk *blk);

/* Swaps the medium of the ATAPI drive at channel/unit (NULL: eject).
 * The guest sees a media event and a unit attention. 0 or -1. */
int dm_ide_change_media(struct dm_ide *ide, unsigned channel, unsigned unit, struct dm_blk *blk);

/* REP INSW/OUTSW on channel's data port (0x1f0 / 0x170): moves up to bytes
 * (even) between buf and the current PIO data block, exactly as bytes / 2
 * 16-bit data port accesses would, stopping at the end of the block. Returns
 * the bytes moved; 0 when no PIO block is open in that direction (the caller
 * then falls back to single port accesses, which see the same state). */
size_t dm_ide_pio_string(struct dm_ide *ide, unsigned channel, bool in, void *buf, size_t bytes);

/* The Xen platform device's unplug request (xen-platform-protocol):
 * bit 0 detaches every IDE disk, bit 2 every disk but the primary master.
 * CD-ROM drives stay. */
#define DM_IDE_UNPLUG_ALL_DISKS 0x1
#define DM_IDE_UNPLUG_AUX_DISKS 0x4
void dm_ide_unplug(struct dm_ide *ide, unsigned mask);

#endif
