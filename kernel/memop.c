/*
 * memory_op (memop.h): populate and decrease a domain's reservation, place
 * shared_info and grant-table frames in its guest-physical space, report
 * reservations. Frames leave a domain only after its vCPUs have dropped
 * their translations (memop_flush_wait), as Xen flushes before freeing.
 */
#include "pci_op.h"
#include "memop.h"
#include "ipc.h"
#include "evtchn.h"
#include "gnttab.h"
#include "vcpu.h"
#include "percpu.h"
#include "guestmem.h"
#include "foreign.h"
#include "cpu.h"
#include "public/memory.h"
#include "lib.h"

#define CALL_PAGES 16384			/* pages one call may add or free */
#define FREE_BATCH (PAGE_SIZE / sizeof(paddr_t))	/* frames freed per flush */

_Static_assert(FREE_BATCH >= (1u << XENMEM_MAX_ORDER), "an extent fits a batch");

void memop_lock(struct domain *d)
{
	spin_lock(&d->evtchn->lock);
	spin_lock(&d->gnttab->lock);
	spin_lock(&d->lock);
}

void memop_unlock(struct domain *d)
{
	spin_unlock(&d->lock);
	spin_unlock(&d->gnttab->lock);
	spin_unlock(&d->evtchn->lock);
}

enum memop_page memop_classify(struct domain *d, gpaddr_t gpa, paddr_t *hpa)
{
	*hpa = 0;
	if (!p2m_lookup(&d->p2m, gpa, hpa, NULL))
		return MEMOP_EMPTY;
	*hpa &= PAGE_MASK;
	if (gpa == d->evtchn->shared_gpa)
		return MEMOP_SHARED_INFO;
	if (gnttab_frame_at(d, gpa) >= 0)
		return MEMOP_GRANT_FRAME;
	if (pci_op_is_bar_page(*hpa))
		return MEMOP_BUSY;	/* a passed-through device's BAR: never freed, shared or mapped */
	if (gnttab_gpa_busy(d, gpa) || foreign_here(d, gpa) || evtchn_frame_in_use(d, *hpa) ||
	    foreign_elsewhere(d, *hpa) || (d->dm_iopage_gpa && (gpa & PAGE_MASK) == d->dm_iopage_gpa))
		return MEMOP_BUSY;	/* the last: a guest's ioreq page in its device model */
	return MEMOP_RAM;
}

/* pCPUs inside memop_flush_wait: in the core, so none of their vCPUs is in
 * guest mode. Two waiting for each other's vCPUs would otherwise deadlock. */
static bool flushing[MAX_CPUS];

/*
 * d's vCPUs stay allocated until d is freed (sched.c reap), so d->vcpus[]
 * may be read here while the caller holds its reference. A vCPU of a dying
 * domain is waited for too: it may be in guest mode until the reap IPI
 * lands, and frames freed under it could be another domain's by then.
 */
void memop_flush_wait(struct domain *d)
{
	u64 seen[MAX_VCPUS];
	u32 here = this_cpu()->index;
	paddr_t retired;

	/* Tables retired so far go back once every vCPU has flushed (p2m.h). */
	spin_lock(&d->lock);
	retired = p2m_retired_take(&d->p2m);
	spin_unlock(&d->lock);
	__atomic_store_n(&flushing[here], true, __ATOMIC_SEQ_CST);
	domain_p2m_changed(d);	/* new generation: each vCPU flushes before it enters */
	for (u32 i = 0; i < d->nr_vcpus; i++)
		seen[i] = d->vcpus[i] ? READ_ONCE(d->vcpus[i]->exits) : 0;
	/* One that may be in guest mode now was kicked: wait for its next exit
	 * (at the latest the next timer tick) or for its pCPU to run another. */
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v || v->pcpu == here)
			continue;	/* not in guest mode while this CPU runs the core */
		while (!__atomic_load_n(&flushing[v->pcpu], __ATOMIC_SEQ_CST) &&
		       READ_ONCE(pcpus[v->pcpu].current) == v &&
		       READ_ONCE(v->state) == VCPU_RUNNABLE && READ_ONCE(v->exits) == seen[i])
			cpu_relax();
	}
	__atomic_store_n(&flushing[here], false, __ATOMIC_SEQ_CST);
	p2m_retired_free(&d->p2m, retired);
}

static void free_batch(struct domain *d, paddr_t *batch, u32 *nb)
{
	if (!*nb)
		return;
	memop_flush_wait(d);
	for (u32 i = 0; i < *nb; i++)
		page_free(phys_to_virt(batch[i]));
	*nb = 0;
}

static bool extent_ok(u64 gfn, u32 order)
{
	u64 n = 1ull << order;

	return !(gfn & (n - 1)) && gfn < MEMOP_GFN_LIMIT && gfn + n <= MEMOP_GFN_LIMIT;
}

/* Fresh zeroed RAM at the 2^order unpopulated frames from gfn. Should it
 * fail halfway, what was mapped goes back into batch (freed after a flush:
 * another vCPU may have touched it already). */
static int populate_extent(struct domain *d, u64 gfn, u32 order, paddr_t *batch, u32 *nb)
{
	gpaddr_t gpa = gfn << PAGE_SHIFT;
	u64 n = 1ull << order, mapped = 0;
	int rc = 0;

	if (!extent_ok(gfn, order))
		return -EINVAL;
	spin_lock(&d->lock);
	if (d->mem_pages + n > d->max_pages)
		rc = -ENOMEM;
	if (d->pci_devices)
		rc = -EBUSY;	/* its devices' IOMMU tables mirror its RAM as assigned */
	for (u64 i = 0; !rc && i < n; i++)
		if (p2m_lookup(&d->p2m, gpa + (i << PAGE_SHIFT), NULL, NULL))
			rc = -EEXIST;
	while (!rc && mapped < n) {
		void *pg = page_alloc();

		rc = pg ? p2m_map(&d->p2m, gpa + (mapped << PAGE_SHIFT), virt_to_phys(pg), P2M_RWX)
			: -ENOMEM;
		if (rc)
			page_free(pg);
		else
			mapped++;
	}
	if (rc)
		while (mapped--)
			batch[(*nb)++] = p2m_unmap(&d->p2m, gpa + (mapped << PAGE_SHIFT));
	else
		d->mem_pages += n;
	spin_unlock(&d->lock);
	return rc;
}

/* Unmaps the 2^order RAM frames from gfn into batch (freed after a flush). */
static int decrease_extent(struct domain *d, u64 gfn, u32 order, paddr_t *batch, u32 *nb)
{
	gpaddr_t gpa = gfn << PAGE_SHIFT;
	u64 n = 1ull << order;
	paddr_t hpa;
	int rc = 0;

	if (!extent_ok(gfn, order))
		return -EINVAL;
	memop_lock(d);
	if (d->pci_devices)
		rc = -EBUSY;	/* a freed frame would stay reachable by its devices' DMA */
	for (u64 i = 0; !rc && i < n; i++)
		if (memop_classify(d, gpa + (i << PAGE_SHIFT), &hpa) != MEMOP_RAM)
			rc = -EBUSY;
	for (u64 i = 0; !rc && i < n; i++)
		batch[(*nb)++] = p2m_unmap(&d->p2m, gpa + (i << PAGE_SHIFT));
	if (!rc)
		d->mem_pages -= n;
	memop_unlock(d);
	return rc;
}

/* populate_physmap / decrease_reservation: the number of extents done. */
static long reservation(struct vcpu *v, u32 op, u64 start, u64 arg)
{
	struct xen_memory_reservation r;
	struct domain *d;
	paddr_t *batch;
	u64 i, pages = 0;
	u32 nb = 0;
	long rc;

	if (copy_from_guest(v, &r, arg, sizeof(r)))
		return -EFAULT;
	if (r.extent_order > XENMEM_MAX_ORDER)
		return -EINVAL;
	if (start >= r.nr_extents)
		return (long)start;
	if ((rc = ipc_target(v->domain, r.domid, &d)))
		return rc;
	if (!(batch = page_alloc())) {
		ipc_untarget(v->domain, d);
		return -ENOMEM;
	}
	for (i = start; i < r.nr_extents && pages < CALL_PAGES; i++) {
		u64 gfn;

		if (copy_from_guest(v, &gfn, r.extent_start + i * sizeof(gfn), sizeof(gfn)))
			break;
		if (nb + (1u << r.extent_order) > FREE_BATCH)
			free_batch(d, batch, &nb);
		rc = op == XENMEM_populate_physmap ?
			     populate_extent(d, gfn, r.extent_order, batch, &nb) :
			     decrease_extent(d, gfn, r.extent_order, batch, &nb);
		if (rc)
			break;
		pages += 1ull << r.extent_order;
	}
	free_batch(d, batch, &nb);
	page_free(batch);
	ipc_untarget(v->domain, d);
	return (long)i;
}

/* The core's page (space, idx) and where d has it now. memop_lock(d) held. */
static long place_source(struct domain *d, const struct xen_add_to_physmap *x, paddr_t *page,
			 gpaddr_t **where)
{
	long rc;

	if (x->space == XENMAPSPACE_shared_info) {
		if (x->idx != 0)
			return -EINVAL;
		*page = virt_to_phys(d->evtchn->shared);
		*where = &d->evtchn->shared_gpa;
		return 0;
	}
	if (x->idx >= GNTTAB_MAX_FRAMES)	/* also the v2 status-frame bit */
		return -EINVAL;
	if ((rc = gnttab_frame_get(d, (u32)x->idx, page)))
		return rc;
	*where = &d->gnttab->frame_gpa[x->idx];
	return 0;
}

/* Puts the core's page (space, idx) at gpfn, evicting what is there (RAM
 * there is freed: *freed, after a flush). memop_lock(d) held. */
static long place(struct domain *d, const struct xen_add_to_physmap *x, paddr_t *freed)
{
	gpaddr_t gpa = x->gpfn << PAGE_SHIFT, *where;
	enum memop_page kind;
	paddr_t page, old;
	long rc;

	if ((rc = place_source(d, x, &page, &where)) || *where == gpa)
		return rc;
	kind = memop_classify(d, gpa, &old);
	if (kind == MEMOP_BUSY || (kind == MEMOP_RAM && d->pci_devices))
		return -EBUSY;	/* (a RAM frame freed here would stay its devices' to DMA to) */
	/* What can fail first: a map into an empty slot may need tables the
	 * domain's pool no longer has. A present entry is replaced in place. */
	if (kind == MEMOP_EMPTY && (rc = p2m_map(&d->p2m, gpa, page, P2M_R | P2M_W)))
		return rc;
	if (kind != MEMOP_EMPTY)
		old = p2m_replace(&d->p2m, gpa, page, P2M_R | P2M_W);
	if (kind == MEMOP_RAM) {
		*freed = old;
		d->mem_pages--;
	} else if (kind == MEMOP_SHARED_INFO) {
		d->evtchn->shared_gpa = EVTCHN_NO_GPA;
	} else if (kind == MEMOP_GRANT_FRAME) {
		d->gnttab->frame_gpa[gnttab_frame_at(d, gpa)] = GNTTAB_NO_GPA;
	}
	if (*where != EVTCHN_NO_GPA)	/* moved: the old place becomes empty */
		p2m_unmap(&d->p2m, *where);
	*where = gpa;
	return 0;
}

static long add_to_physmap(struct vcpu *v, u64 arg)
{
	struct xen_add_to_physmap x;
	struct domain *d;
	paddr_t freed = 0;
	long rc;

	BUILD_BUG_ON(EVTCHN_NO_GPA != GNTTAB_NO_GPA);
	if (copy_from_guest(v, &x, arg, sizeof(x)))
		return -EFAULT;
	if (x.space != XENMAPSPACE_shared_info && x.space != XENMAPSPACE_grant_table)
		return -ENOSYS;
	if (x.gpfn >= MEMOP_GFN_LIMIT)
		return -EINVAL;
	if ((rc = ipc_target(v->domain, x.domid, &d)))
		return rc;
	memop_lock(d);
	rc = place(d, &x, &freed);
	memop_unlock(d);
	memop_flush_wait(d);
	if (freed)
		page_free(phys_to_virt(freed));
	ipc_untarget(v->domain, d);
	return rc;
}

static long reservation_size(struct vcpu *v, u32 op, u64 arg)
{
	struct domain *d;
	domid_t id;
	long rc;

	if (copy_from_guest(v, &id, arg, sizeof(id)))
		return -EFAULT;
	if ((rc = ipc_target(v->domain, id, &d)))
		return rc;
	spin_lock(&d->lock);
	rc = (long)(op == XENMEM_current_reservation ? d->mem_pages : d->max_pages);
	spin_unlock(&d->lock);
	ipc_untarget(v->domain, d);
	return rc;
}

long memop_hypercall(struct vcpu *v, const u64 *a)
{
	u32 op = (u32)(a[0] & MEMOP_CMD_MASK);
	u64 start = a[0] >> MEMOP_EXTENT_SHIFT;

	switch (op) {
	case XENMEM_populate_physmap:
	case XENMEM_decrease_reservation:
		return reservation(v, op, start, a[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, a[1]);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return reservation_size(v, op, a[1]);
	default:
		return -ENOSYS;
	}
}
