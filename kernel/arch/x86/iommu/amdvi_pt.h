/*
 * AMD-Vi (AMD I/O Virtualization Technology (IOMMU) Specification 48882,
 * rev 3.x): the I/O page-table format (§2.2.3) for the shared walker in
 * iommu_pt.h, device table entries (§2.2.2), command-buffer entries (§2.4)
 * and the IO_PAGE_FAULT event (§2.5). Builders only: the caller owns the
 * device table, the command buffer and the event log, and serializes its
 * writes to them.
 */
#ifndef AMDVI_PT_H
#define AMDVI_PT_H

#include "iommu_pt.h"

/* I/O page-table entry bits (§2.2.3). */
#define AMDVI_PTE_PR (1ull << 0)
#define AMDVI_PTE_NEXT_SHIFT 9		/* Next Level, bits 11:9: 0 in a 4 KiB leaf */
#define AMDVI_PTE_FC (1ull << 60)	/* force coherent: the DMA snoops */
#define AMDVI_PTE_IR (1ull << 61)
#define AMDVI_PTE_IW (1ull << 62)

extern const struct iommu_pt_format amdvi_pt_format;

/* iommu_pt_init with the AMD-Vi format; then use iommu_pt_map and the rest. */
int amdvi_pt_init(struct iommu_pt *pt, const struct iommu_pt_ops *ops, u64 max_tables);

/* Device table entry, 256 bits (§2.2.2); q[0] holds bits 63:0. */
#define AMDVI_DTE_V (1ull << 0)
#define AMDVI_DTE_TV (1ull << 1)
#define AMDVI_DTE_MODE_SHIFT 9
#define AMDVI_DTE_MODE_4LEVEL 4ull	/* 48-bit DMA addresses */
#define AMDVI_DTE_IR (1ull << 61)
#define AMDVI_DTE_IW (1ull << 62)
#define AMDVI_DTE_IV (1ull << 0)	/* in q[2]: interrupt-remapping fields valid */

struct amdvi_dte {
	u64 q[4];
};

/* A device translated by the 4-level table at root for domain domid; perm
 * (IOMMU_R/IOMMU_W) caps every mapping. Interrupt fields stay zero (IV = 0:
 * interrupts unremapped) for the caller's interrupt-remapping code to fill.
 * -EINVAL for an unaligned or too-wide root. */
int amdvi_dte_translated(struct amdvi_dte *d, u64 root, u16 domid, unsigned perm);
/* V = 1, TV = 0: translation information not valid, so the IOMMU ends every
 * DMA walk for the device and no access goes through (a DTE with V = 0
 * would pass DMA untranslated instead). */
void amdvi_dte_blocked(struct amdvi_dte *d);
/* Stores d into a live device-table slot so that a concurrent fetch sees
 * only the old entry, a blocked one or d: q[0] blocked first, then q[3..1],
 * then q[0]. The caller then queues INVALIDATE_DEVTAB_ENTRY. */
void amdvi_dte_write(volatile u64 *slot, const struct amdvi_dte *d);

/* Command-buffer entry, 128 bits (§2.4): opcode in bits 63:60. */
#define AMDVI_CMD_COMPLETION_WAIT 0x1u
#define AMDVI_CMD_INVALIDATE_DEVTAB_ENTRY 0x2u
#define AMDVI_CMD_INVALIDATE_IOMMU_PAGES 0x3u
#define AMDVI_CMD_INVALIDATE_IOMMU_ALL 0x8u
#define AMDVI_INV_ALL_ADDR 0x7ffffffffffff000ull	/* with S = 1: every page */

struct amdvi_cmd {
	u32 w[4];
};

void amdvi_cmd_inv_devtab(struct amdvi_cmd *c, u16 devid);
/* INVALIDATE_IOMMU_PAGES for domid, page-directory entries included
 * (PDE = 1): the whole domain when all (S = 1 and AMDVI_INV_ALL_ADDR),
 * else the 4 KiB page at dma. -EINVAL for an unaligned or out-of-range dma. */
int amdvi_cmd_inv_pages(struct amdvi_cmd *c, u16 domid, u64 dma, bool all);
/* COMPLETION_WAIT, store form (S = 1): the IOMMU writes data to the 8-byte
 * aligned host address store once every earlier command is done.
 * -EINVAL for an unaligned or too-wide address. */
int amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store, u64 data);
void amdvi_cmd_inv_all(struct amdvi_cmd *c);

/* Event-log entry, 128 bits (§2.5): code in bits 63:60. */
#define AMDVI_EVENT_IO_PAGE_FAULT 0x2u
/* IO_PAGE_FAULT flags (§2.5, bits 59:48 of the entry, here from bit 0). */
#define AMDVI_PF_GN (1u << 0)	/* guest (PASID) request: domid is a PASID */
#define AMDVI_PF_NX (1u << 1)
#define AMDVI_PF_US (1u << 2)
#define AMDVI_PF_I (1u << 3)	/* interrupt request */
#define AMDVI_PF_PR (1u << 4)	/* the page was present: a permission fault */
#define AMDVI_PF_RW (1u << 5)	/* a write */
#define AMDVI_PF_PE (1u << 6)	/* permission bits refused it */
#define AMDVI_PF_RZ (1u << 7)	/* reserved bit set in an entry */
#define AMDVI_PF_TR (1u << 8)	/* ATS translation request */

struct amdvi_fault {
	u16 devid;
	u16 domid;
	u16 flags;	/* AMDVI_PF_* */
	u64 addr;	/* the DMA address that faulted */
};

unsigned amdvi_event_code(const u32 ev[4]);
/* Decodes an IO_PAGE_FAULT entry; -EINVAL for any other code. */
int amdvi_event_page_fault(const u32 ev[4], struct amdvi_fault *f);

#endif
