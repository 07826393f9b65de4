/*
 * The platform's IOMMU, as the rest of the core sees it (issue 8 §2): one
 * vendor driver chosen at boot from ACPI (AMD-Vi from IVRS: amdvi.c; Intel
 * VT-d from DMAR: vtd.c), behind these calls; generic code never asks which.
 *
 * Policy: once enabled, every device's DMA is blocked (faults, logged) until
 * it is assigned to a domain; an assigned device reaches that domain's RAM
 * only, at the domain's guest-physical addresses (its p2m's RAM entries,
 * gfn -> mfn, read/write) and the pages granted to it that it has mapped
 * (there, read-only when the mapping is), nothing else: not other
 * domains' other pages, not the core, not the domain's MMIO or foreign
 * mappings. Interrupt remapping is not used.
 *
 * Locking: assign/deassign/domain_destroy are called with the PCI table's
 * lock held (pci_passthrough.c), never from interrupt context.
 */
#ifndef IOMMU_H
#define IOMMU_H

#include "types.h"

struct domain;
struct cmdline_opts;

/* At boot, after ACPI and the PCI enumeration: finds the IOMMU(s) from
 * IVRS/DMAR, sets every device to blocked and enables translation. Logs
 * "IOMMU: <name> at <base> enabled" or why not. 0, or -ENODEV (none, or
 * iommu=0), -EIO (found but would not start). */
int iommu_init(const struct cmdline_opts *o);
bool iommu_enabled(void);
const char *iommu_name(void);	/* "AMD-Vi", "VT-d", or "none" */

/* DMA of (seg, bus, devfn) now reaches d's RAM at d's gpas. 0 or -errno
 * (-ENOMEM, -ENODEV: not behind this IOMMU). */
int iommu_assign(struct domain *d, u16 seg, u8 bus, u8 devfn);
/* Back to blocked; returns only after the device-table/context and IOTLB
 * caches were invalidated and the invalidation completed. */
void iommu_deassign(struct domain *d, u16 seg, u8 bus, u8 devfn);
/* Grant mappings (gnttab_op.c; caller holds d->lock, d's p2m maps gpa to
 * hpa): iommu_map gives d's devices gpa -> hpa too, read-only unless
 * writable; 0 when d has no devices' table, else as iommu_pt_map (-EEXIST,
 * -ENOMEM) or -EIO. iommu_unmap takes it out again, and the devices may
 * go on using a cached translation until iommu_flush(d) returns (it waits
 * for the units: best called outside d->lock; the units' lock is taken
 * inside every other), so the frame goes back to its granter only after. */
int iommu_map(struct domain *d, u64 gpa, paddr_t hpa, bool writable);
void iommu_unmap(struct domain *d, u64 gpa);
void iommu_flush(struct domain *d);
/* d is being destroyed (its devices already deassigned): frees its I/O
 * page tables. */
void iommu_domain_destroy(struct domain *d);
/* Logs (and clears) pending translation faults: device, address, domain.
 * Called from the scheduler tick at most every 100 ms and from the 'q'
 * key dump; every fault is logged with iommu=debug, else the first 16. */
void iommu_poll_faults(void);

#endif
