/*
 * PCI passthrough in the core (issue 8 §1; the contract is public/pci.h):
 * the device table found at boot through ECAM (ACPI MCFG, segment 0) or
 * else configuration mechanism #1, each
 * device's owner, assignment to a runtime domain (BARs mapped at gpa == hpa,
 * DMA through the IOMMU), and the owner's mediated config accessor.
 *
 * Locking: one lock over the table's passthrough state, taken before
 * memop_lock(d) (the p2m) and around iommu_assign/iommu_deassign; the
 * mechanism #1 ports have their own lock inside it (ECAM accesses need none). A device leaving a
 * domain stays "draining" (nobody's, not assignable) until every vCPU of
 * the domain has flushed the BAR translations (memop_flush_wait, called with
 * no lock held).
 */
#ifndef BULKHEAD_PCI_OP_H
#define BULKHEAD_PCI_OP_H

#include "types.h"

struct vcpu;
struct domain;
struct boot_info;
struct bh_pci_list;

/* Once at boot, after ACPI, before the APs start and before iommu_init: maps
 * the ECAM window uncached if MCFG gives one (one line: where, which buses),
 * enumerates segment 0, buses 0-255, logs one line per function and the count. Devices whose
 * memory BARs overlap RAM (bi's map), the first MiB or the platform range
 * 0xfec00000-4 GiB or the ECAM window are flagged bad, as are those the
 * enumeration refused. */
void pci_op_init(const struct boot_info *bi);

/* BH_DOMCTL_pci_list: every device (owner_only < 0) or those owned by
 * owner_only; l->count = how many exist, min(max, count) copied to l->buf. */
long pci_op_list(struct vcpu *v, struct bh_pci_list *l, int owner_only);
/* BH_DOMCTL_pci_assign / pci_deassign (see public/pci.h for the rules). */
long pci_op_assign(struct domain *d, u32 sbdf);
long pci_op_deassign(struct domain *d, u32 sbdf);

/* d is being killed: every device it owns is stopped and given back (from
 * domain_kill, with a reference held, after d->killed is set). */
void pci_op_domain_kill(struct domain *d);
/* d's last reference is gone: the IOMMU's state for it is freed. */
void pci_op_domain_free(struct domain *d);

/* True when the page holding hpa belongs to a memory BAR of any device the
 * core enumerated or to the ECAM window (never RAM: memop_classify should
 * call it BUSY). */
bool pci_op_is_bar_page(paddr_t hpa);

/* __HYPERVISOR_bulkhead_pci(op, arg). */
long pci_op_hypercall(struct vcpu *v, const u64 *a);

#endif
