/*
 * The Xen platform PCI device (5853:0001): what makes Linux's PV-on-HVM
 * drivers load. BAR0 is 256 bytes of I/O, BAR1 16 MiB of prefetchable
 * memory the guest fills with grant-table frames (XENMEM_add_to_physmap),
 * and ports 0x10-0x1f carry the emulated-device unplug protocol (Xen's
 * docs/misc/hvm-emulated-unplug.pandoc).
 */
#ifndef DM_XENPLATFORM_H
#define DM_XENPLATFORM_H

#include "pci.h"

/* Unplug mask bits (word write to port 0x10). */
#define DM_XP_UNPLUG_IDE_DISKS 0x1	/* all IDE disks (not CD-ROMs) */
#define DM_XP_UNPLUG_NICS 0x2
#define DM_XP_UNPLUG_AUX_IDE_DISKS 0x4	/* IDE disks but the primary master */
#define DM_XP_UNPLUG_NVME 0x8

struct dm_xenplatform_ops {
	/* The guest's PV drivers took over these emulated devices. */
	void (*unplug)(void *ctx, unsigned mask);
};

struct dm_xenplatform;

/* devfn: slot 2 or 3, function 0 (0x10, 0x18). NULL on failure (logged).
 * After dm_pci_host_init. ops and ctx must outlive it. */
struct dm_xenplatform *dm_xenplatform_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
					   const struct dm_xenplatform_ops *ops, void *ctx);
/* INTA, for an event-channel upcall the guest routed to the PCI INTx
 * (HVM_PARAM_CALLBACK_IRQ of type PCI). */
void dm_xenplatform_set_irq(struct dm_xenplatform *xp, int level);

#endif
