/*
 * Foreign mappings (foreign.h). The slots live in the mapping domain
 * (d->foreign, under d->lock); the owner learns its frame is mapped by
 * scanning the other domains' slots, which record the frame itself, so
 * that scan walks no other domain's p2m.
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
	 * maps from someone else. Only Dom0 maps foreign pages, so holding its
	 * d->lock inside the owner's is one order. */
	memop_lock(owner);
	if (memop_classify(owner, gpa, &hpa) != MEMOP_RAM) {
		memop_unlock(owner);
		return -EINVAL;
	}
	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !slot; i++)
		if (!d->foreign[i].owner)
			slot = &d->foreign[i];
	rc = slot ? p2m_map(&d->p2m, local_gpa, hpa, P2M_R | P2M_W) : -EBUSY;
	if (!rc) {
		domlist_hold(owner);
		slot->local_gpa = local_gpa;
		slot->hpa = hpa;
		slot->unmapping = false;
		d->nr_foreign++;
		WRITE_ONCE(slot->owner, owner);	/* last: foreign_elsewhere reads it first */
	}
	spin_unlock(&d->lock);
	memop_unlock(owner);
	return rc;
}

int domain_unmap_foreign(struct domain *d, u64 local_gpa)
{
	struct foreign_map *slot = NULL;
	struct domain *owner;

	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !slot; i++)
		if (d->foreign[i].owner && !d->foreign[i].unmapping &&
		    d->foreign[i].local_gpa == local_gpa)
			slot = &d->foreign[i];
	if (slot) {
		p2m_unmap(&d->p2m, local_gpa);
		slot->unmapping = true;	/* ours: no other unmap takes it */
	}
	spin_unlock(&d->lock);
	if (!slot)
		return -ENOENT;
	/* A vCPU of d may still reach the frame through a stale translation:
	 * the slot keeps it busy and the owner referenced until they flushed,
	 * as a grant unmap does (gnttab_op.c). */
	memop_flush_wait(d);
	spin_lock(&d->lock);
	owner = slot->owner;
	d->nr_foreign--;
	WRITE_ONCE(slot->owner, NULL);
	spin_unlock(&d->lock);
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
	if (!d->nr_foreign)
		return false;
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

/* Under the domain list lock, without m->lock: a slot being filled or
 * emptied is either seen or not, and the owner's memop_lock keeps new
 * mappings of its frames out meanwhile. */
static void foreign_scan_one(struct domain *m, void *ctx)
{
	struct foreign_scan *s = ctx;

	for (u32 i = 0; i < FOREIGN_MAPS && !s->found; i++)
		if (READ_ONCE(m->foreign[i].owner) == s->owner &&
		    READ_ONCE(m->foreign[i].hpa) == s->hpa)
			s->found = true;
}

bool foreign_elsewhere(struct domain *d, paddr_t hpa)
{
	struct foreign_scan s = { d, hpa & PAGE_MASK, false };

	domain_foreach(foreign_scan_one, &s);
	return s.found;
}
