/*
 * Intel VT-d (Virtualization Technology for Directed I/O, rev 3.x/4.x),
 * legacy translation mode: the second-level page-table format (§9.8) for
 * the shared walker in iommu_pt.h, the root and context tables (§9.1,
 * §9.3), queued-invalidation descriptors (§6.5.2) and the fault-recording
 * registers (§11.4). Builders only: the caller owns the registers and
 * the invalidation queue, and serializes its writes to them.
 */
#ifndef VTD_PT_H
#define VTD_PT_H

#include "iommu_pt.h"

/* Second-level paging entry (§9.8): present when R or W is set. */
#define VTD_PTE_R (1ull << 0)
#define VTD_PTE_W (1ull << 1)

extern const struct iommu_pt_format vtd_pt_format;

/* iommu_pt_init with the VT-d format; then use iommu_pt_map and the rest. */
int vtd_pt_init(struct iommu_pt *pt, const struct iommu_pt_ops *ops, u64 max_tables);

/* A root or context entry, 128 bits: lo holds bits 63:0. */
struct vtd_entry {
	u64 lo, hi;
};

#define VTD_ROOT_P (1ull << 0)		/* lo: context-table pointer valid */
#define VTD_CTX_P (1ull << 0)		/* lo */
#define VTD_CTX_FPD (1ull << 1)		/* lo: fault processing disable */
#define VTD_CTX_TT_SHIFT 2		/* lo bits 3:2; 00 = second-level walk */
#define VTD_CTX_AW_48 2ull		/* hi bits 2:0: AGAW 2, 4 levels, 48 bits */
#define VTD_CTX_DID_SHIFT 8		/* hi bits 23:8 */

/* -EINVAL for an unaligned or too-wide table address. */
int vtd_root_entry(struct vtd_entry *e, u64 context_table);
/* Present, TT = 00, AW = 48-bit, the domain's DID and its 4-level table. */
int vtd_context_entry(struct vtd_entry *e, u64 slpt_root, u16 did);

/*
 * One IOMMU's root table (256 buses) and the context tables (256 devfns
 * each) under it, made as devices are attached. A source id is
 * bus << 8 | devfn. Context tables stay until vtd_ctx_teardown (the IOMMU
 * caches root entries), which the caller runs with translation off.
 */
struct vtd_ctx {
	const struct iommu_pt_ops *ops;
	u64 root;			/* for RTADDR_REG (TTM = 00, legacy mode) */
	struct vtd_entry *root_va;
	u32 nr_tables;			/* context tables held */
};

int vtd_ctx_init(struct vtd_ctx *c, const struct iommu_pt_ops *ops);
/* Points sid at slpt_root as domain did. -EBUSY when sid's entry is
 * present (detach, invalidate the context cache, then attach: an entry is
 * never changed in place, §6.5), -ENOMEM, -EINVAL. Hardware that
 * reports caching mode (CAP.CM) needs a context-cache invalidation after
 * this too. */
int vtd_ctx_attach(struct vtd_ctx *c, u16 sid, u64 slpt_root, u16 did);
/* Makes sid's entry not present (its DMA then faults): 1 when it was
 * present (invalidate the context cache and the domain's IOTLB), else 0. */
int vtd_ctx_detach(struct vtd_ctx *c, u16 sid);
/* sid's context entry; false when none is present. */
bool vtd_ctx_get(const struct vtd_ctx *c, u16 sid, struct vtd_entry *e);
void vtd_ctx_teardown(struct vtd_ctx *c);

/* Queued-invalidation descriptors, 128 bits (§6.5.2): type in bits 3:0. */
#define VTD_QI_CC 0x1u
#define VTD_QI_IOTLB 0x2u
#define VTD_QI_WAIT 0x5u

struct vtd_qi_desc {
	u64 lo, hi;
};

/* Context-cache invalidation (§6.5.2.1): global, one domain, one device. */
void vtd_qi_cc_global(struct vtd_qi_desc *d);
void vtd_qi_cc_domain(struct vtd_qi_desc *d, u16 did);
void vtd_qi_cc_device(struct vtd_qi_desc *d, u16 did, u16 sid);
/* IOTLB invalidation (§6.5.2.3). drain sets DR and DW (honoured where
 * CAP.DRD/DWD say so). page: 2^order pages at dma (aligned to that size;
 * order <= CAP.MAMV, the caller's check); -EINVAL otherwise. */
void vtd_qi_iotlb_global(struct vtd_qi_desc *d, bool drain);
void vtd_qi_iotlb_domain(struct vtd_qi_desc *d, u16 did, bool drain);
int vtd_qi_iotlb_page(struct vtd_qi_desc *d, u16 did, u64 dma, unsigned order, bool drain);
/* Invalidation wait (§6.5.2.8) with status write (SW) and fence (FN): the
 * IOMMU writes data to the 4-byte aligned status address once every earlier
 * descriptor is done. -EINVAL for an unaligned address. */
int vtd_qi_wait(struct vtd_qi_desc *d, u64 status, u32 data);

/* One fault-recording register (§11.4, FRCD_REG), 128 bits: rec[0] bits 63:0. */
struct vtd_fault {
	u64 addr;		/* faulting page (FI, bits 63:12) */
	u16 sid;		/* source id: bus << 8 | devfn */
	u8 reason;		/* FR (§7: fault reasons) */
	u8 at;			/* address type of the request */
	bool read;		/* T1: 1 read, 0 write */
	bool pasid_present;
	u32 pasid;
};

/* -ENOENT when the record's F bit is clear (nothing recorded there). */
int vtd_fault_decode(const u64 rec[2], struct vtd_fault *f);
/* A short name for a fault reason (§7), never NULL. */
const char *vtd_fault_reason(u8 reason);

#endif
