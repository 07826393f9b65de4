/* I/O page-table walker shared by AMD-Vi and VT-d (iommu_pt.h); entry formats are data. */
#include "iommu_pt.h"
#include "errno.h"
#include "lib.h"

#define TOP (IOMMU_PT_LEVELS - 1)

static unsigned iommu_pt_index(u64 dma, int level)
{
	return (dma >> (PAGE_SHIFT + 9 * level)) & (IOMMU_PT_ENTRIES - 1);
}

static u64 *iommu_pt_table(const struct iommu_pt *pt, u64 pa)
{
	return pt->ops->va(pt->ops->ctx, pa);
}

static void iommu_pt_sync(const struct iommu_pt *pt, const void *va, size_t len)
{
	if (pt->ops->sync)
		pt->ops->sync(pt->ops->ctx, va, len);
}

/* One 64-bit store the IOMMU sees whole, then made visible to a
 * non-snooping walker. */
static void iommu_pt_set(const struct iommu_pt *pt, u64 *e, u64 val)
{
	WRITE_ONCE(*e, val);
	iommu_pt_sync(pt, e, sizeof(*e));
}

int iommu_pt_init(struct iommu_pt *pt, const struct iommu_pt_format *fmt,
		  const struct iommu_pt_ops *ops, u64 max_tables)
{
	void *va = NULL;

	memset(pt, 0, sizeof(*pt));
	pt->fmt = fmt;
	pt->ops = ops;
	pt->max_tables = max_tables;
	if (max_tables < IOMMU_PT_LEVELS)
		return -EINVAL;
	if (ops->alloc(ops->ctx, &pt->root, &va) || !va)
		return -ENOMEM;
	pt->root_va = va;
	pt->nr_tables = 1;
	iommu_pt_sync(pt, va, PAGE_SIZE);
	return 0;
}

/*
 * The tables on dma's path: t[TOP] is the root, t[l - 1] the table t[l]'s
 * entry points to. Returns 0 when the leaf table exists, else the number of
 * tables missing below t[level].
 */
static int iommu_pt_path(const struct iommu_pt *pt, u64 dma, u64 **t)
{
	int level = TOP;

	t[level] = pt->root_va;
	for (; level > 0; level--) {
		u64 e = READ_ONCE(t[level][iommu_pt_index(dma, level)]);

		if (!(e & pt->fmt->present))
			break;
		t[level - 1] = iommu_pt_table(pt, e & IOMMU_PT_ADDR_MASK);
	}
	return level;
}

/* Allocates n zeroed tables, all or none. */
static bool iommu_pt_alloc(struct iommu_pt *pt, u64 *pa, u64 **va, int n)
{
	for (int i = 0; i < n; i++) {
		void *p = NULL;

		if (pt->ops->alloc(pt->ops->ctx, &pa[i], &p) || !p) {
			while (i--)
				pt->ops->free(pt->ops->ctx, pa[i], va[i]);
			return false;
		}
		va[i] = p;
		iommu_pt_sync(pt, p, PAGE_SIZE);
	}
	return true;
}

static bool iommu_pt_args_ok(u64 dma, u64 hpa, unsigned perm)
{
	return !((dma | hpa) & ~PAGE_MASK) && dma < IOMMU_PT_LIMIT &&
	       !(hpa & ~IOMMU_PT_ADDR_MASK) && perm && !(perm & ~IOMMU_RW);
}

int iommu_pt_map(struct iommu_pt *pt, u64 dma, u64 hpa, unsigned perm)
{
	const struct iommu_pt_format *f = pt->fmt;
	u64 fresh[TOP], *fresh_va[TOP], *t[IOMMU_PT_LEVELS];
	int missing;

	if (!iommu_pt_args_ok(dma, hpa, perm))
		return -EINVAL;
	if (!pt->root_va)
		return -ENOMEM;
	missing = iommu_pt_path(pt, dma, t);
	if (!missing && (t[0][iommu_pt_index(dma, 0)] & f->present))
		return -EEXIST;
	/* Everything that can fail first: the pool, then the pages. */
	if (pt->nr_tables + (u64)missing > pt->max_tables ||
	    !iommu_pt_alloc(pt, fresh, fresh_va, missing))
		return -ENOMEM;
	pt->nr_tables += (u64)missing;
	/* Zeroed tables are linked top-down: a walker sees complete ones only. */
	for (int level = missing; level > 0; level--) {
		iommu_pt_set(pt, &t[level][iommu_pt_index(dma, level)],
			     fresh[level - 1] | f->table[level]);
		t[level - 1] = fresh_va[level - 1];
	}
	iommu_pt_set(pt, &t[0][iommu_pt_index(dma, 0)], hpa | f->leaf |
		     (perm & IOMMU_R ? f->r : 0) | (perm & IOMMU_W ? f->w : 0));
	pt->nr_leaves++;
	return 0;
}

int iommu_pt_unmap(struct iommu_pt *pt, u64 dma, u64 *hpa)
{
	u64 *t[IOMMU_PT_LEVELS], *e;

	if (dma >= IOMMU_PT_LIMIT)
		return -EINVAL;
	if (!pt->root_va || iommu_pt_path(pt, dma, t))
		return 0;
	e = &t[0][iommu_pt_index(dma, 0)];
	if (!(*e & pt->fmt->present))
		return 0;
	if (hpa)
		*hpa = *e & IOMMU_PT_ADDR_MASK;
	iommu_pt_set(pt, e, 0);
	pt->nr_leaves--;
	return 1;
}

bool iommu_pt_lookup(const struct iommu_pt *pt, u64 dma, u64 *hpa, unsigned *perm)
{
	const struct iommu_pt_format *f = pt->fmt;
	u64 *t[IOMMU_PT_LEVELS], e;

	if (dma >= IOMMU_PT_LIMIT || !pt->root_va || iommu_pt_path(pt, dma, t))
		return false;
	e = READ_ONCE(t[0][iommu_pt_index(dma, 0)]);
	if (!(e & f->present))
		return false;
	if (hpa)
		*hpa = (e & IOMMU_PT_ADDR_MASK) | (dma & ~PAGE_MASK);
	if (perm)
		*perm = (e & f->r ? IOMMU_R : 0) | (e & f->w ? IOMMU_W : 0);
	return true;
}

/* Frees the tables below table t of the given level, then t itself. */
static void iommu_pt_free_tree(struct iommu_pt *pt, u64 pa, u64 *t, int level)
{
	for (unsigned i = 0; level > 0 && i < IOMMU_PT_ENTRIES; i++) {
		u64 e = t[i];

		if (e & pt->fmt->present)
			iommu_pt_free_tree(pt, e & IOMMU_PT_ADDR_MASK,
					   iommu_pt_table(pt, e & IOMMU_PT_ADDR_MASK), level - 1);
	}
	pt->ops->free(pt->ops->ctx, pa, t);
	pt->nr_tables--;
}

void iommu_pt_teardown(struct iommu_pt *pt)
{
	if (!pt->root_va)
		return;
	iommu_pt_free_tree(pt, pt->root, pt->root_va, TOP);
	pt->root = 0;
	pt->root_va = NULL;
	pt->nr_leaves = 0;
}
