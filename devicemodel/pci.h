/*
 * PCI bus 0 of the i440FX machine (pci.c): config mechanism #1 at
 * 0xcf8/0xcfc, 256-byte config spaces, BARs that move their dm_bus regions
 * when the guest programs them (and when it toggles the command register's
 * I/O / memory enables). Device modules fill a struct dm_pci_dev and call
 * dm_pci_add; pci.c owns the header fields below 0x40 (IDs, command/status,
 * BARs, interrupt line/pin) and passes the rest to the device's hooks.
 */
#ifndef DM_PCI_H
#define DM_PCI_H

#include "dm.h"

#define DM_PCI_MAX_BARS 6

struct dm_pci_bar {
	uint32_t size;			/* power of two; 0 = no BAR */
	bool io;			/* I/O space (else 32-bit memory) */
	bool prefetchable;		/* memory BAR: bit 3 set */
	struct dm_region region;	/* ops/dev/name filled by the device; base by pci.c */
};

struct dm_pci_dev {
	uint8_t devfn;			/* slot << 3 | function */
	uint8_t cfg[256];		/* config space; pci.c keeps 0x00-0x3f */
	uint32_t wmask_ext[48];		/* unused by pci.c: device's own masks if it wants */
	struct dm_pci_bar bar[DM_PCI_MAX_BARS];
	/* Optional: config accesses at 0x40 and above (after pci.c stored writes
	 * in cfg[] when cfg_write is NULL). */
	uint32_t (*cfg_read)(struct dm_pci_dev *p, unsigned off, unsigned size);
	void (*cfg_write)(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val);
	void *dev;			/* the device's own state */
	struct dm_pci_dev *next;	/* private */
};

/* Sets IDs/class (vendor, device, class << 8 | prog-if, header type 0,
 * revision) in cfg, clearing the rest of the header; subsystem IDs default to
 * QEMU's 1af4:1100 (SeaBIOS only takes its QEMU paths, fw_cfg included, when
 * the host bridge has them). The device then sets bar[] sizes and cfg[0x3d]
 * (pin), and may override cfg[0x0e] (header type) and cfg[0x2c-0x2f]. */
void dm_pci_init_header(struct dm_pci_dev *p, uint16_t vendor, uint16_t device,
			uint32_t class_prog, uint8_t revision);
/* Registers the device on bus 0 and its 0xcf8/0xcfc access path on bus. */
int dm_pci_add(struct dm_bus *bus, struct dm_pci_dev *p);
/* Takes the device off bus 0 (hot unplug): config reads of its devfn then
 * return all-ones, its BARs stop decoding and its INTx line is lowered. */
void dm_pci_remove(struct dm_pci_dev *p);
/* Raises/lowers the device's INTx pin (cfg[0x3d]) through PIIX3's routing. */
void dm_pci_set_irq(struct dm_pci_dev *p, int level);

/* Starts a fresh bus 0 on bus (forgetting devices added before) with the
 * i440FX host bridge at 00.0 (8086:1237) and its PAM registers, which it
 * applies through env->mem_type. Call it first; dm_pci_add on a bus without
 * it starts a bridge-less bus 0 (unit tests of single devices). */
int dm_pci_host_init(struct dm_env *env, struct dm_bus *bus);
/* pci.c owns ports 0xcf8-0xcff. The i440FX decodes 0xcf8 only as a dword;
 * a byte access at 0xcf9 is PIIX3's reset control register, which piix.c
 * hands in here (off 0, size 1). Other non-dword accesses read all-ones. */
void dm_pci_set_cf9(struct dm_region *r);

#endif
