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

/* NPT uses long-mode entries (APM 15.25.5): guest accesses count as user.
 * Accessed is set in every entry and Dirty in every leaf, so the CPU never
 * writes to the tables and no walker's update of those bits can race with
 * the core's changes (QEMU 7.2's TCG sets them with a plain load and store:
 * with a thread per CPU it could write an old entry back over a new one, the
 * link to a retired table included). */
const struct p2m_format p2m_format_npt = {
	.table = 0x27, .leaf = 0x65, .r = 0, .w = 2, .x = 0, .nx = 1ull << 63, .present = 0x1,
};

/* A retired table is chained through its entry 0 by a page address: bits
 * 11:0 clear, so not present in either format (EPT bits 2:0, NPT bit 0). */
_Static_assert((P2M_ADDR_MASK & 0x7) == 0, "a chained address looks not present");

static unsigned p2m_index(gpaddr_t gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (ENTRIES - 1);
}

static u64 *p2m_table(const struct p2m *p, paddr_t pa)
{
	return p->pages->map(p->pages->ctx, pa);
}

int p2m_init(struct p2m *p, const struct p2m_format *fmt, const struct page_ops *pages,
	     u64 max_tables)
{
	p->fmt = fmt;
	p->pages = pages;
	p->nr_leaves = 0;
	p->retired = 0;
	p->max_tables = max_tables;
	p->reclaim_above = max_tables / 2;
	p->root = max_tables >= LEVELS ? pages->alloc(pages->ctx) : 0;
	p->nr_tables = p->root ? 1 : 0;
	return p->root ? 0 : -ENOMEM;
}

/*
 * The tables on gpa's path: t[LEVELS - 1] is the root, t[l - 1] the table
 * t[l]'s entry points to. Returns the lowest level reached: 0 when the leaf
 * table exists, else the number of tables missing below t[level].
 */
static int p2m_path(const struct p2m *p, gpaddr_t gpa, u64 **t)
{
	int level = LEVELS - 1;

	t[level] = p2m_table(p, p->root);
	for (; level > 0; level--) {
		u64 e = READ_ONCE(t[level][p2m_index(gpa, level)]);

		if (!(e & p->fmt->present))
			break;
		t[level - 1] = p2m_table(p, e & P2M_ADDR_MASK);
	}
	return level;
}

/* Allocates n tables, all or none. */
static bool p2m_alloc_tables(struct p2m *p, paddr_t *pa, int n)
{
	for (int i = 0; i < n; i++) {
		if (!(pa[i] = p->pages->alloc(p->pages->ctx))) {
			while (i--)
				p->pages->free(p->pages->ctx, pa[i]);
			return false;
		}
	}
	return true;
}

static bool p2m_args_ok(gpaddr_t gpa, paddr_t hpa, unsigned perm)
{
	return !((gpa | hpa) & ~PAGE_MASK) && gpa < GPA_LIMIT && !(hpa & ~P2M_ADDR_MASK) &&
	       (perm & P2M_R) && !(perm & ~P2M_RWX);
}

static u64 p2m_leaf(const struct p2m_format *f, paddr_t hpa, unsigned perm)
{
	return hpa | f->leaf | f->r | (perm & P2M_W ? f->w : 0) | (perm & P2M_X ? f->x : f->nx);
}

int p2m_map(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm)
{
	const struct p2m_format *f = p->fmt;
	paddr_t fresh[LEVELS - 1];
	u64 *t[LEVELS];
	int missing;

	if (!p2m_args_ok(gpa, hpa, perm))
		return -EINVAL;
	missing = p2m_path(p, gpa, t);
	if (!missing && (t[0][p2m_index(gpa, 0)] & f->present))
		return -EEXIST;
	/* Everything that can fail first: the pool, then the pages. */
	if (__atomic_load_n(&p->nr_tables, __ATOMIC_RELAXED) + (u64)missing > p->max_tables ||
	    !p2m_alloc_tables(p, fresh, missing))
		return -ENOMEM;
	__atomic_add_fetch(&p->nr_tables, (u64)missing, __ATOMIC_RELAXED);
	/* Zeroed tables are linked top-down: a walker sees complete ones only. */
	for (int level = missing; level > 0; level--) {
		WRITE_ONCE(t[level][p2m_index(gpa, level)], fresh[level - 1] | f->table);
		t[level - 1] = p2m_table(p, fresh[level - 1]);
	}
	WRITE_ONCE(t[0][p2m_index(gpa, 0)], p2m_leaf(f, hpa, perm));
	p->nr_leaves++;
	return 0;
}

paddr_t p2m_replace(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm)
{
	u64 *t[LEVELS], *e;
	paddr_t old;

	if (!p2m_args_ok(gpa, hpa, perm) || p2m_path(p, gpa, t))
		return 0;
	e = &t[0][p2m_index(gpa, 0)];
	if (!(*e & p->fmt->present))
		return 0;
	old = *e & P2M_ADDR_MASK;
	WRITE_ONCE(*e, p2m_leaf(p->fmt, hpa, perm));
	return old;
}

/* True when table t has no present entry; scans from the one after the slot
 * just cleared (an in-order teardown then stops at the first look). */
static bool p2m_table_empty(const struct p2m *p, const u64 *t, unsigned cleared)
{
	for (unsigned i = 1; i < ENTRIES; i++)
		if (t[(cleared + i) % ENTRIES] & p->fmt->present)
			return false;
	return true;
}

/* Unlinks the table that parent's entry i points to and retires it. */
static void p2m_retire(struct p2m *p, u64 *parent, unsigned i)
{
	paddr_t pa = parent[i] & P2M_ADDR_MASK;

	WRITE_ONCE(parent[i], 0);	/* no new walk reaches it ... */
	WRITE_ONCE(p2m_table(p, pa)[0], p->retired);	/* ... an old one still reads "not present" */
	p->retired = pa;
}

paddr_t p2m_unmap(struct p2m *p, gpaddr_t gpa)
{
	u64 *t[LEVELS];
	paddr_t hpa;

	gpa &= PAGE_MASK;
	if (gpa >= GPA_LIMIT || p2m_path(p, gpa, t) || !(t[0][p2m_index(gpa, 0)] & p->fmt->present))
		return 0;
	hpa = t[0][p2m_index(gpa, 0)] & P2M_ADDR_MASK;
	WRITE_ONCE(t[0][p2m_index(gpa, 0)], 0);
	p->nr_leaves--;
	if (p->nr_tables <= p->reclaim_above)
		return hpa;
	/* Empty tables go, bottom-up; the root stays. */
	for (int level = 0; level < LEVELS - 1; level++) {
		if (!p2m_table_empty(p, t[level], p2m_index(gpa, level)))
			break;
		p2m_retire(p, t[level + 1], p2m_index(gpa, level + 1));
	}
	return hpa;
}

bool p2m_lookup(const struct p2m *p, gpaddr_t gpa, paddr_t *hpa, unsigned *perm)
{
	const struct p2m_format *f = p->fmt;
	u64 *t[LEVELS], e;

	if (gpa >= GPA_LIMIT || p2m_path(p, gpa, t))
		return false;
	e = READ_ONCE(t[0][p2m_index(gpa, 0)]);
	if (!(e & f->present))
		return false;
	if (hpa)
		*hpa = (e & P2M_ADDR_MASK) | (gpa & ~PAGE_MASK);
	if (perm)
		*perm = P2M_R | (e & f->w ? P2M_W : 0) |
			((f->x ? e & f->x : !(e & f->nx)) ? P2M_X : 0);
	return true;
}

paddr_t p2m_retired_take(struct p2m *p)
{
	paddr_t list = p->retired;

	p->retired = 0;
	return list;
}

void p2m_retired_free(struct p2m *p, paddr_t list)
{
	while (list) {
		paddr_t next = p2m_table(p, list)[0];

		p->pages->free(p->pages->ctx, list);
		__atomic_sub_fetch(&p->nr_tables, 1, __ATOMIC_RELAXED);
		list = next;
	}
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
	__atomic_sub_fetch(&p->nr_tables, 1, __ATOMIC_RELAXED);
}

void p2m_destroy(struct p2m *p, void (*leaf)(void *ctx, paddr_t hpa), void *ctx)
{
	if (p->root)
		p2m_free_level(p, p->root, LEVELS - 1, leaf, ctx);
	p2m_retired_free(p, p2m_retired_take(p));
	p->root = 0;
	p->nr_leaves = 0;
}
