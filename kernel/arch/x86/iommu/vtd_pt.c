/* VT-d entry formats, root/context tables, invalidation descriptors, fault records (vtd_pt.h). */
#include "vtd_pt.h"
#include "errno.h"
#include "lib.h"

#define ROOT_ENTRIES 256	/* one per bus */
#define CTX_ENTRIES 256		/* one per devfn */

/* §9.8: R and W grant access; a non-leaf grants both and the leaf decides
 * (a walk's permissions are the AND of its levels). */
const struct iommu_pt_format vtd_pt_format = {
	.table = { 0, VTD_PTE_R | VTD_PTE_W, VTD_PTE_R | VTD_PTE_W, VTD_PTE_R | VTD_PTE_W },
	.leaf = 0,
	.r = VTD_PTE_R,
	.w = VTD_PTE_W,
	.present = VTD_PTE_R | VTD_PTE_W,
};

int vtd_pt_init(struct iommu_pt *pt, const struct iommu_pt_ops *ops, u64 max_tables)
{
	return iommu_pt_init(pt, &vtd_pt_format, ops, max_tables);
}

/* §9.1: context-table pointer in bits 63:12 of the low half. */
int vtd_root_entry(struct vtd_entry *e, u64 context_table)
{
	if (context_table & ~IOMMU_PT_ADDR_MASK)
		return -EINVAL;
	e->lo = context_table | VTD_ROOT_P;
	e->hi = 0;
	return 0;
}

/* §9.3: TT = 00 (untranslated requests walk the second-level table),
 * fault processing enabled (FPD = 0) so blocked DMA is recorded. */
int vtd_context_entry(struct vtd_entry *e, u64 slpt_root, u16 did)
{
	if (slpt_root & ~IOMMU_PT_ADDR_MASK)
		return -EINVAL;
	e->lo = slpt_root | VTD_CTX_P;
	e->hi = VTD_CTX_AW_48 | (u64)did << VTD_CTX_DID_SHIFT;
	return 0;
}

static void vtd_sync(const struct vtd_ctx *c, const void *va, size_t len)
{
	if (c->ops->sync)
		c->ops->sync(c->ops->ctx, va, len);
}

int vtd_ctx_init(struct vtd_ctx *c, const struct iommu_pt_ops *ops)
{
	void *va = NULL;

	memset(c, 0, sizeof(*c));
	c->ops = ops;
	if (ops->alloc(ops->ctx, &c->root, &va) || !va)
		return -ENOMEM;
	c->root_va = va;
	vtd_sync(c, va, PAGE_SIZE);
	return 0;
}

/* sid's context table, or NULL when its bus has none. */
static struct vtd_entry *vtd_ctx_table(const struct vtd_ctx *c, u16 sid)
{
	u64 lo = READ_ONCE(c->root_va[sid >> 8].lo);

	if (!(lo & VTD_ROOT_P))
		return NULL;
	return c->ops->va(c->ops->ctx, lo & IOMMU_PT_ADDR_MASK);
}

/* A zeroed context table linked under sid's bus. */
static struct vtd_entry *vtd_ctx_table_new(struct vtd_ctx *c, u16 sid)
{
	struct vtd_entry *re = &c->root_va[sid >> 8], root;
	void *va = NULL;
	u64 pa;

	if (c->ops->alloc(c->ops->ctx, &pa, &va) || !va)
		return NULL;
	if (vtd_root_entry(&root, pa)) {
		c->ops->free(c->ops->ctx, pa, va);
		return NULL;
	}
	vtd_sync(c, va, PAGE_SIZE);
	WRITE_ONCE(re->hi, root.hi);
	WRITE_ONCE(re->lo, root.lo);
	vtd_sync(c, re, sizeof(*re));
	c->nr_tables++;
	return va;
}

int vtd_ctx_attach(struct vtd_ctx *c, u16 sid, u64 slpt_root, u16 did)
{
	struct vtd_entry want, *t, *e;

	if (!c->root_va || vtd_context_entry(&want, slpt_root, did))
		return -EINVAL;
	t = vtd_ctx_table(c, sid);
	if (t && (READ_ONCE(t[sid & 0xff].lo) & VTD_CTX_P))
		return -EBUSY;
	if (!t && !(t = vtd_ctx_table_new(c, sid)))
		return -ENOMEM;
	/* The high half first: P, in the low half, publishes a whole entry. */
	e = &t[sid & 0xff];
	WRITE_ONCE(e->hi, want.hi);
	vtd_sync(c, e, sizeof(*e));
	WRITE_ONCE(e->lo, want.lo);
	vtd_sync(c, e, sizeof(*e));
	return 0;
}

int vtd_ctx_detach(struct vtd_ctx *c, u16 sid)
{
	struct vtd_entry *t = c->root_va ? vtd_ctx_table(c, sid) : NULL, *e;

	if (!t || !(READ_ONCE(t[sid & 0xff].lo) & VTD_CTX_P))
		return 0;
	/* Not present first, so no fetch sees a half-cleared entry. */
	e = &t[sid & 0xff];
	WRITE_ONCE(e->lo, 0);
	vtd_sync(c, e, sizeof(*e));
	WRITE_ONCE(e->hi, 0);
	vtd_sync(c, e, sizeof(*e));
	return 1;
}

bool vtd_ctx_get(const struct vtd_ctx *c, u16 sid, struct vtd_entry *e)
{
	const struct vtd_entry *t = c->root_va ? vtd_ctx_table(c, sid) : NULL;

	if (!t || !(READ_ONCE(t[sid & 0xff].lo) & VTD_CTX_P))
		return false;
	e->lo = READ_ONCE(t[sid & 0xff].lo);
	e->hi = READ_ONCE(t[sid & 0xff].hi);
	return true;
}

void vtd_ctx_teardown(struct vtd_ctx *c)
{
	if (!c->root_va)
		return;
	for (unsigned bus = 0; bus < ROOT_ENTRIES; bus++) {
		u64 lo = c->root_va[bus].lo;

		if (lo & VTD_ROOT_P) {
			c->ops->free(c->ops->ctx, lo & IOMMU_PT_ADDR_MASK,
				     c->ops->va(c->ops->ctx, lo & IOMMU_PT_ADDR_MASK));
			c->nr_tables--;
		}
	}
	c->ops->free(c->ops->ctx, c->root, c->root_va);
	c->root = 0;
	c->root_va = NULL;
}

/* §6.5.2.1: granularity in bits 5:4 (01 global, 10 domain, 11 device),
 * DID 31:16, SID 47:32, function mask 49:48 (0: exactly sid). */
static void vtd_qi_cc(struct vtd_qi_desc *d, u64 gran, u16 did, u16 sid)
{
	d->lo = VTD_QI_CC | gran << 4 | (u64)did << 16 | (u64)sid << 32;
	d->hi = 0;
}

void vtd_qi_cc_global(struct vtd_qi_desc *d)
{
	vtd_qi_cc(d, 1, 0, 0);
}

void vtd_qi_cc_domain(struct vtd_qi_desc *d, u16 did)
{
	vtd_qi_cc(d, 2, did, 0);
}

void vtd_qi_cc_device(struct vtd_qi_desc *d, u16 did, u16 sid)
{
	vtd_qi_cc(d, 3, did, sid);
}

/* §6.5.2.3: granularity 5:4 (01 global, 10 domain, 11 pages), DW bit 6,
 * DR bit 7, DID 31:16; high half: AM 5:0, IH bit 6 (0: paging-structure
 * caches go too), address 63:12. */
static void vtd_qi_iotlb(struct vtd_qi_desc *d, u64 gran, u16 did, bool drain, u64 hi)
{
	d->lo = VTD_QI_IOTLB | gran << 4 | (drain ? 3ull << 6 : 0) | (u64)did << 16;
	d->hi = hi;
}

void vtd_qi_iotlb_global(struct vtd_qi_desc *d, bool drain)
{
	vtd_qi_iotlb(d, 1, 0, drain, 0);
}

void vtd_qi_iotlb_domain(struct vtd_qi_desc *d, u16 did, bool drain)
{
	vtd_qi_iotlb(d, 2, did, drain, 0);
}

int vtd_qi_iotlb_page(struct vtd_qi_desc *d, u16 did, u64 dma, unsigned order, bool drain)
{
	if (order > 36 || dma & ((PAGE_SIZE << order) - 1) || dma >= IOMMU_PT_LIMIT)
		return -EINVAL;
	vtd_qi_iotlb(d, 3, did, drain, dma | order);
	return 0;
}

/* §6.5.2.8: IF bit 4, SW bit 5, FN bit 6, status data 63:32; high half:
 * status address 63:2. */
int vtd_qi_wait(struct vtd_qi_desc *d, u64 status, u32 data)
{
	if (status & 3)
		return -EINVAL;
	d->lo = VTD_QI_WAIT | 1ull << 5 | 1ull << 6 | (u64)data << 32;
	d->hi = status;
	return 0;
}

/* FRCD_REG: FI 63:12; SID 79:64, PP 95, FR 103:96, PV 123:104, AT 125:124,
 * T1 126, F 127. */
int vtd_fault_decode(const u64 rec[2], struct vtd_fault *f)
{
	u64 hi = rec[1];

	if (!(hi >> 63))
		return -ENOENT;
	f->addr = rec[0] & PAGE_MASK;
	f->sid = (u16)hi;
	f->pasid_present = (hi >> 31) & 1;
	f->reason = (u8)(hi >> 32);
	f->pasid = (hi >> 40) & 0xfffff;
	f->at = (hi >> 60) & 3;
	f->read = (hi >> 62) & 1;
	return 0;
}

static const char *const vtd_dma_reasons[] = {
	"reserved", "root entry not present", "context entry not present",
	"invalid context entry", "address beyond the domain width", "write not permitted",
	"read not permitted", "bad next-level table address", "bad root-table address",
	"bad context-table address", "reserved bit in root entry",
	"reserved bit in context entry", "reserved bit in page-table entry",
	"translation request blocked",
};

static const char *const vtd_intr_reasons[] = {
	"reserved field in interrupt request", "interrupt index beyond the table",
	"IRTE not present", "interrupt table unreachable", "reserved bit in IRTE",
	"compatibility interrupt blocked", "interrupt source-id check failed",
};

const char *vtd_fault_reason(u8 reason)
{
	if (reason < ARRAY_SIZE(vtd_dma_reasons))
		return vtd_dma_reasons[reason];
	if (reason >= 0x20 && reason - 0x20u < ARRAY_SIZE(vtd_intr_reasons))
		return vtd_intr_reasons[reason - 0x20];
	return "unknown";
}
