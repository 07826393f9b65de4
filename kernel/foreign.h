/*
 * Foreign mappings (BH_DOMCTL_map_foreign): a privileged domain maps a page
 * of another domain's RAM into its own guest-physical space, as Xen's
 * XENMAPSPACE_gmfn_foreign. The mapping holds a reference on the owner, and
 * the owner's frame stays busy (it cannot be given back or granted away)
 * until the mapper's vCPUs have dropped the translation.
 */
#ifndef BULKHEAD_FOREIGN_H
#define BULKHEAD_FOREIGN_H

#include "types.h"

struct domain;

/* Maps page gpa of owner at local_gpa in d (the caller holds a reference on
 * owner); -EBUSY when the table is full, -EEXIST when local_gpa is in use,
 * -EINVAL when not the owner's plain RAM, -ENOMEM. */
int domain_map_foreign(struct domain *d, struct domain *owner, u64 gpa, u64 local_gpa);
/* Undoes one; -ENOENT when there is none at local_gpa. Returns after d's
 * vCPUs have flushed; no lock held. */
int domain_unmap_foreign(struct domain *d, u64 local_gpa);
/* Undoes every one d holds (d is being freed). */
void foreign_unmap_all(struct domain *d);
/* True when d maps another domain's frame at gpa: such a page is not d's to
 * grant or give back. Caller holds d->lock. */
bool foreign_here(struct domain *d, gpaddr_t gpa);
/* True when another domain maps frame hpa of d (or has not finished
 * unmapping it). Caller holds memop_lock(d): no new mapping of d meanwhile. */
bool foreign_elsewhere(struct domain *d, paddr_t hpa);

#endif
