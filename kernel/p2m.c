/* Second-level page-table builder, vendor-neutral (formats are data). */
#include "p2m.h"
#include "errno.h"
#include "lib.h"

#define LEVELS 4
#define ENTRIES 512
#define GPA_LIMIT (1ull << 48)

/* EPT: SDM 29.3.2. Memory type WB (6) in bits 5:3 of leaves. */
const struct p2m_format p2m_format_ept = {
	.table = 0x7, .leaf = 6ull << 3, .r = 1, .w = 2, .x = 4, .nx = 0, .present = 0x7,
};

/* NPT uses long-mode entries (APM 15.25.5): guest accesses count as user. */
const struct p2m_format p2m_format_npt = {
	.table = 0x7, .leaf = 0x5, .r = 0, .w = 2, .x = 0, .nx = 1ull << 63, .present = 0x1,
};

static unsigned p2m_index(gpaddr_t gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1);
}

static u64 *p2m_table(const struct p2m *p, paddr_t pa)
{
	return p->pages->map(p->pages->ctx, pa);
}

int p2m_init(struct p2m *p, const struct p2m_format *fmt, const struct page_ops *pages)
{
	p->fmt = fmt;
	p->pages = pages;
	p->nr_leaves = 0;
	p->root = pages->alloc(pages->ctx);
	p->nr_tables = p->root ? 1 : 0;
	return p->root ? 0 : -ENOMEM;
}

/* The leaf entry slot for gpa, creating tables on the way when create. */
static u64 *p2m_walk(struct p2m *p, gpaddr_t gpa, bool create)
{
	u64 *t = p2m_table(p, p->root);

	for (int level = LEVELS - 1; level > 0; level--) {
		u64 *e = &t[p2m_index(gpa, level)];

		if (!(*e & p->fmt->present)) {
			paddr_t pa;

			if (!create || !(pa = p->pages->alloc(p->pages->ctx)))
				return NULL;
			p->nr_tables++;
			*e = pa | p->fmt->table;
		}
		t = p2m_table(p, *e & P2M_ADDR_MASK);
	}
	return &t[p2m_index(gpa, 0)];
}

int p2m_map(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm)
{
	const struct p2m_format *f = p->fmt;
	u64 *e;

	if ((gpa | hpa) & ~PAGE_MASK || gpa >= GPA_LIMIT || hpa & ~P2M_ADDR_MASK ||
	    !(perm & P2M_R) || perm & ~P2M_RWX)
		return -EINVAL;
	e = p2m_walk(p, gpa, true);
	if (!e)
		return -ENOMEM;
	if (*e & f->present)
		return -EEXIST;
	*e = hpa | f->leaf | f->r | (perm & P2M_W ? f->w : 0) |
	     (perm & P2M_X ? f->x : f->nx);
	p->nr_leaves++;
	return 0;
}

paddr_t p2m_unmap(struct p2m *p, gpaddr_t gpa)
{
	u64 *e = gpa < GPA_LIMIT ? p2m_walk(p, gpa & PAGE_MASK, false) : NULL;
	paddr_t hpa;

	if (!e || !(*e & p->fmt->present))
		return 0;
	hpa = *e & P2M_ADDR_MASK;
	*e = 0;
	p->nr_leaves--;
	return hpa;
}

bool p2m_lookup(const struct p2m *p, gpaddr_t gpa, paddr_t *hpa, unsigned *perm)
{
	const struct p2m_format *f = p->fmt;
	u64 *e = gpa < GPA_LIMIT ? p2m_walk((struct p2m *)p, gpa, false) : NULL;

	if (!e || !(*e & f->present))
		return false;
	if (hpa)
		*hpa = (*e & P2M_ADDR_MASK) | (gpa & ~PAGE_MASK);
	if (perm)
		*perm = P2M_R | (*e & f->w ? P2M_W : 0) |
			((f->x ? *e & f->x : !(*e & f->nx)) ? P2M_X : 0);
	return true;
}

static void p2m_free_level(struct p2m *p, paddr_t table, int level,
			   void (*leaf)(void *, paddr_t), void *ctx)
{
	u64 *t = p2m_table(p, table);

	for (int i = 0; i < ENTRIES; i++) {
		if (!(t[i] & p->fmt->present))
			continue;
		if (level > 0)
			p2m_free_level(p, t[i] & P2M_ADDR_MASK, level - 1, leaf, ctx);
		else if (leaf)
			leaf(ctx, t[i] & P2M_ADDR_MASK);
	}
	p->pages->free(p->pages->ctx, table);
	p->nr_tables--;
}

void p2m_destroy(struct p2m *p, void (*leaf)(void *ctx, paddr_t hpa), void *ctx)
{
	if (p->root)
		p2m_free_level(p, p->root, LEVELS - 1, leaf, ctx);
	p->root = 0;
	p->nr_leaves = 0;
}
