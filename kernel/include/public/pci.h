/*
 * PCI passthrough (Bulkhead's own operations; issue 8 §1-§2). The core
 * enumerates PCI at boot (configuration mechanism #1) and owns every device;
 * none is reachable by any domain, Dom0 included, until the toolstack
 * assigns it. Passthrough needs an IOMMU (AMD-Vi from ACPI IVRS, Intel
 * VT-d from DMAR): without one, or with `iommu=0`, assignment is refused
 * (-EPERM) and there is no override.
 *
 * The toolstack (privileged, __HYPERVISOR_bulkhead_domctl, public/bulkhead.h):
 *   BH_DOMCTL_pci_list      u.pci_list: the core's device table with owners
 *   BH_DOMCTL_pci_assign    domid, u.pci.sbdf: give the device to domid, a
 *                           runtime domain (not Dom0, not an HVM guest), paused.
 *                           Its memory BARs are mapped into domid at their
 *                           host-physical addresses, uncached (they must not
 *                           overlap the domain's RAM: -EBUSY); its DMA goes
 *                           through the IOMMU to domid's RAM only, at
 *                           domid's guest-physical addresses (so a driver
 *                           programs the device with its own gpas). I/O BARs
 *                           are not given (-EOPNOTSUPP if the device has
 *                           nothing else). -EBUSY: owned by another domain.
 *   BH_DOMCTL_pci_deassign  domid, u.pci.sbdf: back to the core (DMA
 *                           blocked, IOTLB flushed, BARs unmapped); also
 *                           done for every device of a domain destroyed.
 *
 * The owner (any domain, its own devices only; others get -EPERM):
 *   long bulkhead_pci(unsigned int op, void *arg)   RDI = op, RSI = arg
 *   BH_PCI_list       struct bh_pci_list: the caller's devices
 *   BH_PCI_cfg_read   struct bh_pci_cfg: value OUT
 *   BH_PCI_cfg_write  struct bh_pci_cfg: mediated: BAR moves outside what
 *                     the domain was given, expansion ROM, capability
 *                     headers and header fields other than the command
 *                     register's decode/master/INTx-disable bits are dropped
 *                     (INTx disable stays set until the device's line is
 *                     bound, BH_PCI_IRQ_INTX below; the call still returns
 *                     0, as hardware ignoring a
 *                     write would); BAR sizing (all-ones) is answered from
 *                     the core's table. The MSI and MSI-X capabilities
 *                     are the core's (BH_PCI_irq_bind): writes there are
 *                     dropped. Writes to the PCIe extended space
 *                     (0x100-0xfff) are dropped too.
 *   BH_PCI_irq_bind   struct bh_pci_irq: the device's MSI-X table entry
 *                     `entry` (a device without MSI-X: its MSI, entry 0
 *                     only) becomes an event channel of the caller, port
 *                     OUT (EVTCHNSTAT_pirq; notifying vCPU 0). The core
 *                     writes the message (a vector of its own, fixed,
 *                     edge, to the pCPU of the caller's vCPU 0), unmasks
 *                     the entry, enables MSI-X (or MSI) and disables INTx.
 *                     Each interrupt sets the port pending; the driver
 *                     then looks at its device (no EOI to send). -EEXIST:
 *                     entry already bound; -EINVAL: no such entry;
 *                     -EOPNOTSUPP: neither capability, or an MSI-X table
 *                     the core cannot reach;
 *                     -ENOSPC: BH_PCI_IRQ_MAX entries of this device are
 *                     bound already, or the core has no vector left. The
 *                     MSI-X table's pages are never mapped into the
 *                     owner. A binding ends when the device leaves the
 *                     domain (MSI-X/MSI disabled first); the port stays
 *                     the domain's, silent, until it closes it.
 * sbdf = segment << 16 | bus << 8 | device << 3 | function.
 */
#ifndef PUBLIC_PCI_H
#define PUBLIC_PCI_H

#include <stdint.h>

#define __HYPERVISOR_bulkhead_pci 50	/* Xen's __HYPERVISOR_arch_2, unused on x86 */

#define BH_PCI_list 1
#define BH_PCI_cfg_read 2
#define BH_PCI_cfg_write 3
#define BH_PCI_irq_bind 4
#define BH_PCI_irq_eoi 5

#define BH_PCI_IRQ_MAX 8	/* bound entries per device, its INTx line included */
#define BH_PCI_IRQ_INTX 0xffff	/* bh_pci_irq.entry: the INTx line */

#define BH_PCI_SBDF(seg, bus, devfn) ((uint32_t)(seg) << 16 | (uint32_t)(bus) << 8 | (devfn))

#define BH_PCI_BAR_NONE 0
#define BH_PCI_BAR_IO 1
#define BH_PCI_BAR_MEM32 2
#define BH_PCI_BAR_MEM64 3	/* the next slot is its upper half (type NONE) */

struct bh_pci_bar {
	uint64_t base;		/* host-physical (memory) or port (I/O) */
	uint64_t size;
	uint8_t type;		/* BH_PCI_BAR_* */
	uint8_t prefetch;
	uint8_t pad[6];
};

#define BH_PCI_OWNER_NONE 0x7ff1	/* DOMID_IO: the core's */

struct bh_pci_dev {
	uint32_t sbdf;
	uint16_t vendor, device;
	uint32_t class_code;	/* base class << 16 | subclass << 8 | programming interface */
	uint16_t owner;		/* a domid, or BH_PCI_OWNER_NONE */
	uint8_t irq_pin;	/* 0 none, 1-4 INTA-INTD */
	uint8_t flags;		/* BH_PCI_DEV_* */
	struct bh_pci_bar bar[6];
};

#define BH_PCI_DEV_BAD (1u << 0)	/* a hostile BAR or capability list: never assigned */

struct bh_pci_list {
	uint32_t max;		/* IN: room in buf */
	uint32_t count;		/* OUT: devices that exist (may exceed max; max are copied) */
	uint64_t buf;		/* IN: struct bh_pci_dev[max], caller's virtual address */
};

struct bh_pci_cfg {
	uint32_t sbdf;		/* IN */
	uint16_t reg;		/* IN: aligned to size; 0..4095 where the core has ECAM
				 * (ACPI MCFG) for the bus, else 0..255; -EINVAL past it */
	uint8_t size;		/* IN: 1, 2 or 4 */
	uint8_t pad;
	uint32_t value;		/* IN (write) / OUT (read) */
	uint32_t pad2;
};

struct bh_pci_irq {
	uint32_t sbdf;		/* IN */
	uint16_t entry;		/* IN: MSI-X table entry; 0 for MSI; BH_PCI_IRQ_INTX */
	uint16_t pad;
	uint32_t port;		/* OUT: the event channel */
	uint32_t pad2;
};

_Static_assert(sizeof(struct bh_pci_bar) == 24, "bh_pci_bar");
_Static_assert(sizeof(struct bh_pci_dev) == 160, "bh_pci_dev");
_Static_assert(sizeof(struct bh_pci_list) == 16, "bh_pci_list");
_Static_assert(sizeof(struct bh_pci_cfg) == 16, "bh_pci_cfg");
_Static_assert(sizeof(struct bh_pci_irq) == 16, "bh_pci_irq");

#endif
