/*
 * Grant tables, the core's half (gnttab.h): grant_table_op, per-domain set
 * up and teardown, and what memop.c asks about grant frames.
 *
 * A mapping holds a reference on its granter: a granter that dies while
 * mapped stays (its memory with it) until the last mapping goes, as in Xen.
 * A mapper that dies gives its mappings back at once (gnttab_domain_kill),
 * so two domains mapping each other's grants never keep each other alive.
 * An unmap makes every vCPU of the mapper drop the translation before the
 * granter's entry shows the frame unused (memop_flush_wait), and so do the
 * mapper's devices (iommu_flush: a driver domain's device reaches the
 * grants its domain mapped, iommu.h).
 */
#include "pci_op.h"
#include "iommu/iommu.h"
#include "gnttab.h"
#include "ipc.h"
#include "memop.h"
#include "foreign.h"
#include "vcpu.h"
#include "guestmem.h"
#include "console.h"
#include "lib.h"

#define BATCH_MAX 4096	/* operations in one map / unmap / copy call; more is -EINVAL */

static const struct page_ops gnttab_pages = IPC_PAGE_OPS;

/* Up to three domains' grant locks, taken lowest id first, each once. */
struct lock_set {
	struct domain *d[3];
	u32 n;
};

static void set_add(struct lock_set *s, struct domain *d)
{
	u32 i = s->n;

	for (u32 j = 0; j < s->n; j++)
		if (s->d[j] == d)
			return;
	while (i > 0 && s->d[i - 1]->id > d->id) {
		s->d[i] = s->d[i - 1];
		i--;
	}
	s->d[i] = d;
	s->n++;
}

static void set_lock(struct lock_set *s)
{
	for (u32 i = 0; i < s->n; i++)
		spin_lock(&s->d[i]->gnttab->lock);
}

static void set_unlock(struct lock_set *s)
{
	for (u32 i = s->n; i-- > 0;)
		spin_unlock(&s->d[i]->gnttab->lock);
}

/* A domain a grant operation names (never DOMID_SELF-resolved for grants of
 * others, as in Xen), with a reference unless it is me. NULL if none. */
static struct domain *grant_domain(struct domain *me, u16 id, bool self_ok)
{
	if (id == me->id || (self_ok && id == DOMID_SELF))
		return me;
	return id < DOMID_FIRST_RESERVED ? domain_get(id) : NULL;
}

static void grant_domain_put(struct domain *me, struct domain *d)
{
	if (d && d != me)
		domain_put(d);
}

/* The frame at gfn of g that a grant (or a copy) may use: present, writable
 * when written, and g's own (not a grant or foreign mapping: no transitive
 * access). Caller holds g's grant lock. */
static int usable_frame(struct domain *g, u64 gfn, bool write, paddr_t *hpa)
{
	gpaddr_t gpa = gfn << PAGE_SHIFT;
	unsigned perm;
	int st = GNTST_okay;

	if (gfn >= MEMOP_GFN_LIMIT || gnttab_maptrack_find(&g->gnttab->maptrack, gpa) >= 0)
		return GNTST_bad_page;
	spin_lock(&g->lock);
	if (!p2m_lookup(&g->p2m, gpa, hpa, &perm) || (write && !(perm & P2M_W)) ||
	    foreign_here(g, gpa) || pci_op_is_bar_page(*hpa & PAGE_MASK))
		st = GNTST_bad_page;
	spin_unlock(&g->lock);
	return st;
}

static int map_one(struct domain *me, struct gnttab_map_grant_ref *op)
{
	bool ro = op->flags & GNTMAP_readonly;
	struct lock_set set = { 0 };
	struct gnttab_map *m;
	struct domain *g;
	u32 handle = 0, gfn = 0;
	paddr_t hpa = 0;
	int st;

	op->dev_bus_addr = 0;
	if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		return GNTST_bad_gntref;
	if (!(op->flags & GNTMAP_host_map) ||
	    (op->flags & (GNTMAP_contains_pte | GNTMAP_application_map)))
		return GNTST_general_error;	/* device (IOMMU) and PV mappings: not here */
	if (op->host_addr & ~PAGE_MASK || op->host_addr >> PAGE_SHIFT >= MEMOP_GFN_LIMIT)
		return GNTST_bad_virt_addr;
	if (!(g = grant_domain(me, op->dom, false)))
		return GNTST_bad_domain;
	set_add(&set, me);
	set_add(&set, g);
	set_lock(&set);
	st = me->gnttab->dead || g->gnttab->dead ? GNTST_bad_domain :
		gnttab_pin(&g->gnttab->table, op->ref, me->id, ro, &gfn);
	if (st == GNTST_okay && (st = usable_frame(g, gfn, !ro, &hpa)) != GNTST_okay)
		gnttab_unpin(&g->gnttab->table, op->ref, ro);
	if (st == GNTST_okay && gnttab_maptrack_alloc(&me->gnttab->maptrack, g, &handle)) {
		st = GNTST_no_space;
		gnttab_unpin(&g->gnttab->table, op->ref, ro);
	}
	if (st == GNTST_okay) {
		int rc;

		/* Its devices' I/O page table first (iommu.h), so a failed p2m
		 * map leaves only a translation no device can have used yet... */
		spin_lock(&me->lock);
		rc = iommu_map(me, op->host_addr, hpa & PAGE_MASK, !ro);
		if (!rc && (rc = p2m_map(&me->p2m, op->host_addr, hpa & PAGE_MASK,
					 ro ? P2M_R : P2M_R | P2M_W)))
			iommu_unmap(me, op->host_addr);
		spin_unlock(&me->lock);
		if (rc)
			iommu_flush(me);	/* ...but one it may still have cached */
		/* -EEXIST: host_addr is populated; -ENOMEM: a table pool is spent. */
		if (rc)
			st = rc == -ENOMEM ? GNTST_no_space : GNTST_general_error;
		if (st != GNTST_okay) {
			gnttab_maptrack_free(&me->gnttab->maptrack, handle);
			gnttab_unpin(&g->gnttab->table, op->ref, ro);
		}
	}
	if (st == GNTST_okay) {
		m = gnttab_maptrack_lookup(&me->gnttab->maptrack, handle);
		gnttab_maptrack_set_gpa(&me->gnttab->maptrack, handle, op->host_addr);
		m->hpa = hpa & PAGE_MASK;
		m->ref = op->ref;
		m->domid = g->id;
		m->readonly = ro;
		ipc_hold(g);	/* the mapping's reference */
		op->handle = handle;
	}
	set_unlock(&set);
	grant_domain_put(me, g);
	return st;
}

/* An unmap in two steps: out of the p2m (begin), then -- after one flush
 * for a whole batch -- the granter's pin and the handle (finish). */
struct unmap_work {
	struct domain *granter;	/* NULL: nothing begun */
	u32 handle, ref;
	bool readonly;
};

#define UNMAP_BATCH 32

/* any_addr: teardown, host_addr not checked. GNTST_okay once begun. */
static int unmap_begin(struct domain *me, u32 handle, u64 host_addr, bool any_addr,
		       struct unmap_work *w)
{
	struct gnttab_map *m;

	w->granter = NULL;
	spin_lock(&me->gnttab->lock);
	m = gnttab_maptrack_lookup(&me->gnttab->maptrack, handle);
	if (!m || m->unmapping || (!any_addr && m->gpa != host_addr)) {
		spin_unlock(&me->gnttab->lock);
		return !m || m->unmapping ? GNTST_bad_handle : GNTST_general_error;
	}
	m->unmapping = 1;	/* ours now: no other unmap takes it */
	*w = (struct unmap_work){ m->granter, handle, m->ref, m->readonly };
	spin_lock(&me->lock);
	p2m_unmap(&me->p2m, m->gpa);
	iommu_unmap(me, m->gpa);
	spin_unlock(&me->lock);
	spin_unlock(&me->gnttab->lock);
	return GNTST_okay;
}

/* After memop_flush_wait(me) and iommu_flush(me): no vCPU or device of me
 * can reach the frame any more. */
static void unmap_finish(struct domain *me, struct unmap_work *w)
{
	struct lock_set set = { 0 };

	if (!w->granter)
		return;
	set_add(&set, me);
	set_add(&set, w->granter);
	set_lock(&set);
	gnttab_unpin(&w->granter->gnttab->table, w->ref, w->readonly);
	gnttab_maptrack_free(&me->gnttab->maptrack, w->handle);
	set_unlock(&set);
	domain_put(w->granter);	/* the mapping's reference */
	w->granter = NULL;
}

static void unmap_finish_all(struct domain *me, struct unmap_work *w, u32 n)
{
	bool begun = false;

	for (u32 i = 0; i < n; i++)
		begun |= w[i].granter != NULL;
	if (begun) {
		memop_flush_wait(me);
		iommu_flush(me);
	}
	for (u32 i = 0; i < n; i++)
		unmap_finish(me, &w[i]);
}

/* One end of a copy: a grant of d (pinned while copying) or a GFN of me. */
struct copy_end {
	struct domain *d;
	bool gref, pinned;
	u32 ref;
	u64 gfn;
	paddr_t hpa;
};

static int copy_end_get(struct domain *me, const struct gnttab_copy_ptr *p, bool gref,
			struct copy_end *e)
{
	e->gref = gref;
	if (!gref) {
		if (p->domid != DOMID_SELF && p->domid != me->id)
			return GNTST_permission_denied;	/* only from / to oneself by GFN */
		e->d = me;
		e->gfn = p->u.gmfn;
		return GNTST_okay;
	}
	e->ref = p->u.ref;
	e->d = grant_domain(me, p->domid, true);
	return e->d ? GNTST_okay : GNTST_bad_domain;
}

/* Pins a grant end and finds the frame. Caller holds the ends' grant locks. */
static int copy_end_pin(struct domain *me, struct copy_end *e, bool write)
{
	u32 gfn;
	int st;

	if (e->d->gnttab->dead)
		return GNTST_bad_domain;
	if (e->gref) {
		st = gnttab_pin(&e->d->gnttab->table, e->ref, me->id, !write, &gfn);
		if (st != GNTST_okay)
			return st;
		e->pinned = true;
		e->gfn = gfn;
	}
	return usable_frame(e->d, e->gfn, write, &e->hpa);
}

static void copy_end_unpin(struct copy_end *e, bool write)
{
	if (e->pinned)
		gnttab_unpin(&e->d->gnttab->table, e->ref, !write);
	e->pinned = false;
}

static int copy_one(struct domain *me, const struct gnttab_copy *op)
{
	struct copy_end src = { 0 }, dst = { 0 };
	struct lock_set set = { 0 };
	int st;

	if ((u32)op->source.offset + op->len > PAGE_SIZE ||
	    (u32)op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	st = copy_end_get(me, &op->source, op->flags & GNTCOPY_source_gref, &src);
	if (st == GNTST_okay)
		st = copy_end_get(me, &op->dest, op->flags & GNTCOPY_dest_gref, &dst);
	if (st == GNTST_okay) {
		set_add(&set, me);
		set_add(&set, src.d);
		set_add(&set, dst.d);
		set_lock(&set);
		st = copy_end_pin(me, &src, false);
		if (st == GNTST_okay)
			st = copy_end_pin(me, &dst, true);
		if (st == GNTST_okay)	/* the locks keep both frames where they are */
			memmove((u8 *)phys_to_virt(dst.hpa & PAGE_MASK) + op->dest.offset,
				(u8 *)phys_to_virt(src.hpa & PAGE_MASK) + op->source.offset, op->len);
		copy_end_unpin(&dst, true);
		copy_end_unpin(&src, false);
		set_unlock(&set);
	}
	grant_domain_put(me, src.d);
	grant_domain_put(me, dst.d);
	return st;
}

static long op_map(struct vcpu *v, u64 uop, u64 count)
{
	for (u64 i = 0; i < count; i++) {
		struct gnttab_map_grant_ref op;
		u64 gva = uop + i * sizeof(op);

		if (copy_from_guest(v, &op, gva, sizeof(op)))
			return -EFAULT;
		op.status = (s16)map_one(v->domain, &op);
		if (copy_to_guest(v, gva, &op, sizeof(op)))
			return -EFAULT;
	}
	return 0;
}

static long op_unmap(struct vcpu *v, u64 uop, u64 count)
{
	struct gnttab_unmap_grant_ref op[UNMAP_BATCH];
	struct unmap_work w[UNMAP_BATCH];

	for (u64 i = 0; i < count; i += UNMAP_BATCH) {
		u32 n = (u32)MIN(count - i, UNMAP_BATCH), got;
		u64 gva = uop + i * sizeof(op[0]);

		for (got = 0; got < n; got++) {
			if (copy_from_guest(v, &op[got], gva + got * sizeof(op[0]), sizeof(op[0])))
				break;
			op[got].status = (s16)unmap_begin(v->domain, op[got].handle,
							  op[got].host_addr, false, &w[got]);
		}
		unmap_finish_all(v->domain, w, got);
		if (copy_to_guest(v, gva, op, got * sizeof(op[0])) || got < n)
			return -EFAULT;
	}
	return 0;
}

static long op_copy(struct vcpu *v, u64 uop, u64 count)
{
	for (u64 i = 0; i < count; i++) {
		struct gnttab_copy op;
		u64 gva = uop + i * sizeof(op);

		if (copy_from_guest(v, &op, gva, sizeof(op)))
			return -EFAULT;
		op.status = (s16)copy_one(v->domain, &op);
		if (copy_to_guest(v, gva + __builtin_offsetof(struct gnttab_copy, status),
				  &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* The status for an ipc_target failure. */
static s16 target_status(int rc)
{
	return rc == -EPERM ? GNTST_permission_denied : GNTST_bad_domain;
}

/* Grows the table of the named domain and lists where its frames sit. */
static long op_setup_table(struct vcpu *v, u64 uop, u64 count)
{
	struct gnttab_setup_table op;
	u64 gfns[GNTTAB_MAX_FRAMES];
	struct domain *d;
	int rc;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	if ((rc = ipc_target(v->domain, op.dom, &d))) {
		op.status = target_status(rc);
	} else {
		spin_lock(&d->gnttab->lock);
		op.status = op.nr_frames > GNTTAB_MAX_FRAMES || d->gnttab->dead ||
				    gnttab_table_grow(&d->gnttab->table, op.nr_frames) ?
			    GNTST_general_error : GNTST_okay;
		for (u32 i = 0; op.status == GNTST_okay && i < op.nr_frames; i++)
			gfns[i] = d->gnttab->frame_gpa[i] == GNTTAB_NO_GPA ?
					  ~0ull : d->gnttab->frame_gpa[i] >> PAGE_SHIFT;
		spin_unlock(&d->gnttab->lock);
		ipc_untarget(v->domain, d);
	}
	if (op.status == GNTST_okay && op.nr_frames &&
	    copy_to_guest(v, op.frame_list, gfns, op.nr_frames * sizeof(gfns[0])))
		op.status = GNTST_bad_virt_addr;
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_query_size(struct vcpu *v, u64 uop, u64 count)
{
	struct gnttab_query_size op;
	struct domain *d;
	int rc;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	op.max_nr_frames = GNTTAB_MAX_FRAMES;
	if ((rc = ipc_target(v->domain, op.dom, &d))) {
		op.status = target_status(rc);
	} else {
		spin_lock(&d->gnttab->lock);
		op.nr_frames = d->gnttab->table.nr_frames;
		spin_unlock(&d->gnttab->lock);
		ipc_untarget(v->domain, d);
		op.status = GNTST_okay;
	}
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_set_version(struct vcpu *v, u64 uop, u64 count)
{
	struct gnttab_set_version op;
	long rc;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	rc = op.version == 1 ? 0 : op.version == 2 ? -ENOSYS : -EINVAL;
	op.version = 1;		/* the version in force, whatever was asked */
	if (copy_to_guest(v, uop, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}

static long op_get_version(struct vcpu *v, u64 uop, u64 count)
{
	struct gnttab_get_version op;
	struct domain *d;
	long rc;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, &op, uop, sizeof(op)))
		return -EFAULT;
	if ((rc = ipc_target(v->domain, op.dom, &d)))
		return rc;
	ipc_untarget(v->domain, d);
	op.version = 1;
	return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

typedef long (*gnttab_op_fn)(struct vcpu *v, u64 uop, u64 count);

/* Missing entries (dump_table, transfer, unmap_and_replace,
 * get_status_frames, swap, cache_flush): -ENOSYS. */
static const gnttab_op_fn gnttab_ops[] = {
	[GNTTABOP_map_grant_ref] = op_map,
	[GNTTABOP_unmap_grant_ref] = op_unmap,
	[GNTTABOP_setup_table] = op_setup_table,
	[GNTTABOP_copy] = op_copy,
	[GNTTABOP_query_size] = op_query_size,
	[GNTTABOP_set_version] = op_set_version,
	[GNTTABOP_get_version] = op_get_version,
};

long gnttab_op_hypercall(struct vcpu *v, const u64 *a)
{
	if (a[0] >= ARRAY_SIZE(gnttab_ops) || !gnttab_ops[a[0]])
		return -ENOSYS;
	if (a[2] > BATCH_MAX)
		return -EINVAL;
	return gnttab_ops[a[0]](v, a[1], a[2]);
}

int gnttab_frame_at(struct domain *d, gpaddr_t gpa)
{
	for (u32 i = 0; i < d->gnttab->table.nr_frames; i++)
		if (d->gnttab->frame_gpa[i] == gpa)
			return (int)i;
	return -1;
}

bool gnttab_gpa_busy(struct domain *d, gpaddr_t gpa)
{
	u64 gfn = gpa >> PAGE_SHIFT;

	return gnttab_maptrack_find(&d->gnttab->maptrack, gpa) >= 0 ||
	       (gfn <= 0xffffffffu && gnttab_gfn_pinned(&d->gnttab->table, (u32)gfn));
}

int gnttab_frame_get(struct domain *d, u32 idx, paddr_t *hpa)
{
	int rc;

	if (idx >= GNTTAB_MAX_FRAMES)
		return -EINVAL;
	if (d->gnttab->dead)
		return -ESRCH;
	if ((rc = gnttab_table_grow(&d->gnttab->table, idx + 1)))
		return rc;
	*hpa = virt_to_phys(d->gnttab->table.shared[idx]);
	return 0;
}

int gnttab_domain_init(struct domain *d)
{
	struct gnttab_domain *gt = page_alloc();

	BUILD_BUG_ON(sizeof(*gt) > PAGE_SIZE);
	if (!gt)
		return -ENOMEM;
	gt->lock = (spinlock_t)SPINLOCK_INIT;
	gnttab_table_init(&gt->table, &gnttab_pages);
	gnttab_maptrack_init(&gt->maptrack, &gnttab_pages);
	for (u32 i = 0; i < GNTTAB_MAX_FRAMES; i++)
		gt->frame_gpa[i] = GNTTAB_NO_GPA;
	d->gnttab = gt;
	return 0;
}

void gnttab_domain_kill(struct domain *d)
{
	struct gnttab_domain *gt = d->gnttab;
	int h = 0;

	if (!gt)
		return;
	spin_lock(&gt->lock);
	gt->dead = true;
	spin_unlock(&gt->lock);
	while (h >= 0) {
		struct unmap_work w[UNMAP_BATCH];
		u32 n = 0;

		for (; n < UNMAP_BATCH; n++, h++) {
			spin_lock(&gt->lock);
			h = gnttab_maptrack_next(&gt->maptrack, (u32)h);
			spin_unlock(&gt->lock);
			if (h < 0)
				break;
			/* One under way on another vCPU fails here and finishes itself. */
			unmap_begin(d, (u32)h, 0, true, &w[n]);
		}
		unmap_finish_all(d, w, n);
	}
}

void gnttab_domain_free(struct domain *d)
{
	struct gnttab_domain *gt = d->gnttab;

	if (!gt)
		return;
	if (gt->maptrack.nr_used)
		pr_err("d%u: %u grant mappings left at free\n", d->id, gt->maptrack.nr_used);
	for (u32 i = 0; i < gt->table.nr_frames; i++)
		if (gt->frame_gpa[i] != GNTTAB_NO_GPA)
			p2m_unmap(&d->p2m, gt->frame_gpa[i]);
	gnttab_table_destroy(&gt->table);
	gnttab_maptrack_destroy(&gt->maptrack);
	page_free(gt);
	d->gnttab = NULL;
}
