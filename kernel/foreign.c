/*
 * Foreign mappings (foreign.h). The slots live in the mapping domain
 * (d->foreign, under d->lock); the owner learns its frame is mapped by
 * scanning the other domains' slots.
 */
#include "foreign.h"
#include "domain.h"
#include "domlist.h"
#include "memop.h"
#include "errno.h"
#include "lib.h"

int domain_map_foreign(struct domain *d, struct domain *owner, u64 gpa, u64 local_gpa)
{
	struct foreign_map *slot = NULL;
	paddr_t hpa;
	int rc;

	if ((gpa | local_gpa) & ~PAGE_MASK || owner == d)
		return -EINVAL;
	/* Only the owner's plain RAM, checked and mapped while its memory cannot
	 * change (no decrease, no grant mapping in between): never a frame it
	 * maps from someone else. */
	memop_lock(owner);
	if (memop_classify(owner, gpa, &hpa) != MEMOP_RAM) {
		memop_unlock(owner);
		return -EINVAL;
	}
	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !slot; i++)
		if (!d->foreign[i].owner)
			slot = &d->foreign[i];
	rc = slot ? p2m_map(&d->p2m, local_gpa, hpa & PAGE_MASK, P2M_R | P2M_W) : -EBUSY;
	if (!rc) {
		domlist_hold(owner);
		slot->owner = owner;
		slot->local_gpa = local_gpa;
	}
	spin_unlock(&d->lock);
	memop_unlock(owner);
	return rc;
}

int domain_unmap_foreign(struct domain *d, u64 local_gpa)
{
	struct domain *owner = NULL;

	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !owner; i++) {
		if (d->foreign[i].owner && d->foreign[i].local_gpa == local_gpa) {
			owner = d->foreign[i].owner;
			d->foreign[i].owner = NULL;
			p2m_unmap(&d->p2m, local_gpa);
		}
	}
	spin_unlock(&d->lock);
	if (!owner)
		return -ENOENT;
	domain_p2m_changed(d);
	domain_put(owner);
	return 0;
}

void foreign_unmap_all(struct domain *d)
{
	for (u32 i = 0; i < FOREIGN_MAPS; i++)
		if (d->foreign[i].owner)
			domain_unmap_foreign(d, d->foreign[i].local_gpa);
}

bool foreign_here(struct domain *d, gpaddr_t gpa)
{
	for (u32 i = 0; i < FOREIGN_MAPS; i++)
		if (d->foreign[i].owner && d->foreign[i].local_gpa == gpa)
			return true;
	return false;
}

struct foreign_scan {
	const struct domain *owner;
	paddr_t hpa;
	bool found;
};

static void foreign_scan_one(struct domain *m, void *ctx)
{
	struct foreign_scan *s = ctx;
	paddr_t hpa;

	for (u32 i = 0; i < FOREIGN_MAPS && !s->found; i++)
		if (READ_ONCE(m->foreign[i].owner) == s->owner &&
		    p2m_lookup(&m->p2m, READ_ONCE(m->foreign[i].local_gpa), &hpa, NULL) &&
		    (hpa & PAGE_MASK) == s->hpa)
			s->found = true;
}

bool foreign_elsewhere(struct domain *d, paddr_t hpa)
{
	struct foreign_scan s = { d, hpa & PAGE_MASK, false };

	domain_foreach(foreign_scan_one, &s);
	return s.found;
}
