/*
 * A passed-through device's interrupts as event channels (issue 8 §1;
 * BH_PCI_irq_bind in public/pci.h). The core owns the MSI and MSI-X
 * capabilities of every device: it gives each bound entry one vector of
 * its own (PCI_MSI_VEC_FIRST..PCI_MSI_VEC_LAST), aimed at the pCPU of the
 * owner's vCPU 0, and the handler of that vector sets the owner's
 * ECS_PIRQ port pending. Nothing to acknowledge: MSI is edge-triggered,
 * the handler's EOI is the local APIC's.
 *
 * Locking: pci_op.c's lock around bind and release (the config space and
 * the table); a lock of its own over the vector table, taken by the
 * handler with interrupts off (as the whole core runs), and held while it
 * raises the port so that the domain cannot be freed under it (release
 * runs from pci_op_domain_kill, before the domain's event state is freed).
 *
 * INTx (pci_intx_bind): the device's line, at the I/O APIC input the
 * chipset wires it to (pci_intx_gsi), gets a vector of the same range,
 * level-triggered. Its handler masks the input before raising the port;
 * the owner's BH_PCI_irq_eoi, once it has quieted the device, unmasks it
 * (a line still asserted then fires again). An input is one device's: a
 * second device on the same input is refused (-EBUSY), so that no owner
 * can silence another by never sending its EOI.
 *
 * No interrupt remapping: the message names a CPU and a vector directly,
 * so a device whose driver can make it write 0xfee00000 by DMA can raise
 * any vector (README, what does not work yet). The table's pages are kept
 * out of the owner's p2m so that at least its entries stay the core's.
 */
#ifndef BULKHEAD_PCI_MSI_H
#define BULKHEAD_PCI_MSI_H

#include "types.h"

struct domain;
struct pci_dev;
struct pci_cfg_ops;

#define PCI_MSI_VEC_FIRST 0x40
#define PCI_MSI_VEC_LAST 0xdf

/* Once at boot: the handlers of the vector range. */
void pci_msi_init(void);
/* Binds entry of device index dev (p, config through cfg) to a new ECS_PIRQ
 * port of d, its owner; table: the MSI-X table is mapped in the core at
 * its host-physical address (else MSI-X is refused). 0 or -errno as
 * public/pci.h says; on failure nothing is left behind. */
long pci_msi_bind(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, bool table,
		  struct domain *d, u16 entry, u32 *port);
/* The same for dev's INTx line, which reaches I/O APIC input gsi
 * (pci_intx_gsi; below 16: -EOPNOTSUPP): the command register's INTx
 * disable cleared, the input routed and unmasked. */
long pci_intx_bind(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, int gsi,
		   struct domain *d, u32 *port);
/* Whether dev's INTx line is bound (its owner may then clear INTx disable:
 * pci_op.c keeps the bit set otherwise, so that an unbound device cannot
 * hold an input another device's owner has). */
bool pci_intx_bound(u32 dev);
/* The owner of dev has serviced its INTx: the input unmasked. -ENOENT when
 * dev's INTx is not bound. */
long pci_intx_eoi(u32 dev);
/* Device dev leaves its owner: MSI, MSI-X and INTx off, its entries masked, its
 * vectors free. A message already on its way finds its vector unbound. */
void pci_msi_release(const struct pci_cfg_ops *cfg, const struct pci_dev *p, u32 dev, bool table);
/* Interrupts delivered to owners since boot (the 'q' dump). */
u64 pci_msi_count(void);

#endif
