/*
 * Small helpers shared by the IPC hypercalls (evtchn_op.c, gnttab_op.c,
 * memop.c, hvmop.c): which domain a hypercall names, references, page ops.
 */
#ifndef BULKHEAD_IPC_H
#define BULKHEAD_IPC_H

#include "domain.h"
#include "frame.h"
#include "errno.h"
#include "public/shared_info.h"

/*
 * The domain a hypercall of `me` names by id: me itself for DOMID_SELF or
 * its own id (no reference taken), else a domain found by id with a
 * reference taken -- for privileged callers only (-EPERM otherwise; -ESRCH
 * when there is none). Release with ipc_untarget.
 */
static inline int ipc_target(struct domain *me, u16 id, struct domain **out)
{
	if (id == DOMID_SELF || id == me->id) {
		*out = me;
		return 0;
	}
	if (!me->privileged)
		return -EPERM;
	*out = id < DOMID_FIRST_RESERVED ? domain_get(id) : NULL;
	return *out ? 0 : -ESRCH;
}

static inline void ipc_untarget(struct domain *me, struct domain *d)
{
	if (d != me)
		domain_put(d);
}

/* Another reference to a domain the caller already holds one on (directly
 * or through an object that holds one and cannot go away meanwhile). */
static inline void ipc_hold(struct domain *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
}

/* Zeroed core pages for the mechanisms' tables (struct page_ops form). */
static inline paddr_t ipc_page_alloc(void *ctx)
{
	void *p = page_alloc();

	(void)ctx;
	return p ? virt_to_phys(p) : 0;
}

static inline void ipc_page_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	page_free(phys_to_virt(pa));
}

static inline void *ipc_page_map(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

#define IPC_PAGE_OPS { ipc_page_alloc, ipc_page_free, ipc_page_map, NULL }

#endif
