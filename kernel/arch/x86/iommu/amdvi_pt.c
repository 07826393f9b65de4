/* AMD-Vi entry formats, device table entries, commands and events (amdvi_pt.h). */
#include "amdvi_pt.h"
#include "errno.h"
#include "lib.h"

#define PDE(next) (AMDVI_PTE_PR | ((u64)(next) << AMDVI_PTE_NEXT_SHIFT) | \
		   AMDVI_PTE_IR | AMDVI_PTE_IW)

/*
 * §2.2.3: a PDE names the level of the table it points to in Next Level
 * (mode 4: the root is level 4, its entries say 3); the permissions a walk
 * grants are the AND of every level's IR/IW, so PDEs grant both and the
 * leaf decides. Leaves set FC so device writes snoop the CPU's caches.
 */
const struct iommu_pt_format amdvi_pt_format = {
	.table = { 0, PDE(1), PDE(2), PDE(3) },
	.leaf = AMDVI_PTE_PR | AMDVI_PTE_FC,
	.r = AMDVI_PTE_IR,
	.w = AMDVI_PTE_IW,
	.present = AMDVI_PTE_PR,
};

int amdvi_pt_init(struct iommu_pt *pt, const struct iommu_pt_ops *ops, u64 max_tables)
{
	return iommu_pt_init(pt, &amdvi_pt_format, ops, max_tables);
}

int amdvi_dte_translated(struct amdvi_dte *d, u64 root, u16 domid, unsigned perm)
{
	if (root & ~IOMMU_PT_ADDR_MASK || perm & ~IOMMU_RW)
		return -EINVAL;
	d->q[0] = AMDVI_DTE_V | AMDVI_DTE_TV | AMDVI_DTE_MODE_4LEVEL << AMDVI_DTE_MODE_SHIFT |
		  root | (perm & IOMMU_R ? AMDVI_DTE_IR : 0) | (perm & IOMMU_W ? AMDVI_DTE_IW : 0);
	d->q[1] = domid;	/* DomainID, bits 79:64 */
	d->q[2] = 0;
	d->q[3] = 0;
	return 0;
}

void amdvi_dte_blocked(struct amdvi_dte *d)
{
	d->q[0] = AMDVI_DTE_V;
	d->q[1] = d->q[2] = d->q[3] = 0;
}

void amdvi_dte_write(volatile u64 *slot, const struct amdvi_dte *d)
{
	slot[0] = AMDVI_DTE_V;
	for (int i = 3; i > 0; i--)
		slot[i] = d->q[i];
	slot[0] = d->q[0];
}

static void amdvi_cmd(struct amdvi_cmd *c, unsigned op, u32 w0, u32 w1, u32 w2, u32 w3)
{
	c->w[0] = w0;
	c->w[1] = w1 | op << 28;
	c->w[2] = w2;
	c->w[3] = w3;
}

/* §2.4: INVALIDATE_DEVTAB_ENTRY */
void amdvi_cmd_inv_devtab(struct amdvi_cmd *c, u16 devid)
{
	amdvi_cmd(c, AMDVI_CMD_INVALIDATE_DEVTAB_ENTRY, devid, 0, 0, 0);
}

/* §2.4 INVALIDATE_IOMMU_PAGES: S (bit 0 of word 2) makes the address a
 * range whose size is encoded by its lowest clear bit; PDE (bit 1) drops
 * cached directory entries too. */
int amdvi_cmd_inv_pages(struct amdvi_cmd *c, u16 domid, u64 dma, bool all)
{
	u64 a = all ? AMDVI_INV_ALL_ADDR : dma;

	if (!all && (dma & ~PAGE_MASK || dma >= IOMMU_PT_LIMIT))
		return -EINVAL;
	amdvi_cmd(c, AMDVI_CMD_INVALIDATE_IOMMU_PAGES, 0, domid,
		  (u32)a | 2u | (all ? 1u : 0u), (u32)(a >> 32));
	return 0;
}

/* §2.4 COMPLETION_WAIT: store address bits 51:3 in words 0-1, data in words 2-3. */
int amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store, u64 data)
{
	if (store & 7 || store >> 52)
		return -EINVAL;
	amdvi_cmd(c, AMDVI_CMD_COMPLETION_WAIT, (u32)store | 1u, (u32)(store >> 32),
		  (u32)data, (u32)(data >> 32));
	return 0;
}

/* §2.4 INVALIDATE_IOMMU_ALL (needs EFR.IASup). */
void amdvi_cmd_inv_all(struct amdvi_cmd *c)
{
	amdvi_cmd(c, AMDVI_CMD_INVALIDATE_IOMMU_ALL, 0, 0, 0, 0);
}

unsigned amdvi_event_code(const u32 ev[4])
{
	return ev[1] >> 28;
}

/* §2.5 IO_PAGE_FAULT: DeviceID in bits 15:0, DomainID (PASID[15:0] when
 * GN) in 47:32, flags in 59:48, address in 127:64. */
int amdvi_event_page_fault(const u32 ev[4], struct amdvi_fault *f)
{
	if (amdvi_event_code(ev) != AMDVI_EVENT_IO_PAGE_FAULT)
		return -EINVAL;
	f->devid = (u16)ev[0];
	f->domid = (u16)ev[1];
	f->flags = (ev[1] >> 16) & 0xfff;
	f->addr = (u64)ev[3] << 32 | ev[2];
	return 0;
}
