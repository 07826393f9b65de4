/*
 * Between the IOMMU front (iommu.c) and its vendor drivers (amdvi.c,
 * vtd.c): the front owns the per-domain I/O page tables and the policy, a
 * driver owns its registers, tables and queues. Private to this folder.
 *
 * Threading: init runs once at boot; assign, deassign and flush are
 * serialized by the front (its hardware lock); poll may run at the same
 * time from the timer tick, so it touches only the fault log.
 */
#ifndef IOMMU_DRV_H
#define IOMMU_DRV_H

#include "types.h"
#include "iommu_pt.h"
#include "iommu_acpi.h"

struct iommu_drv {
	const char *name;
	/* Brings the units described by a up, every device blocked, translation
	 * on. Logs "IOMMU: <name> at <base> enabled" per unit. 0 or -errno. */
	int (*init)(const struct iommu_acpi *a);
	/* An empty I/O page table in this driver's format. */
	int (*pt_init)(struct iommu_pt *pt, u64 max_tables);
	/* Points the device at pt as hardware domain did (non-zero), caches
	 * invalidated. -ENODEV: no unit covers it; -EBUSY: already assigned. */
	int (*assign)(const struct iommu_pt *pt, u16 did, u16 seg, u8 bus, u8 devfn);
	/* Back to blocked, caches invalidated and the invalidation complete. */
	void (*deassign)(u16 did, u16 seg, u8 bus, u8 devfn);
	/* Every unit drops its cached translations of did, and the drop is
	 * complete (after map: only where not-present entries are cached). */
	int (*flush)(u16 did, bool map);
	/* Logs and clears pending faults. */
	void (*poll)(void);
};

extern const struct iommu_drv amdvi_drv, vtd_drv;

/* Table pages for iommu_pt (the core's zeroed frames, identity-mapped). */
extern const struct iommu_pt_ops iommu_pages;
/* One more fault to log? The first 16, or all with iommu=debug. */
bool iommu_fault_log_ok(void);
/* MMIO of a unit: its registers must lie in the core's uncached window
 * (paging.c maps 3-4 GiB UC). NULL when [pa, pa + len) is outside it. */
volatile void *iommu_mmio(u64 pa, u64 len);
/* Bounded waits: for (t = iommu_deadline(); !done; cpu_relax()) if
 * (iommu_past(t)) fail. A register or completion wait gives up after 100 ms. */
u64 iommu_deadline(void);
bool iommu_past(u64 deadline);

#endif
