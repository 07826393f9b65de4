/*
 * memory_op (public/memory.h): a domain's RAM reservation (populate_physmap,
 * decrease_reservation, current / maximum_reservation) and the placement of
 * the core's pages in its guest-physical space (add_to_physmap of shared_info
 * and grant-table frames). Also what every IPC mechanism needs to know
 * before it lets a guest-physical page go: what a GPA holds, and how to make
 * a domain's vCPUs forget a translation before its frame is reused.
 */
#ifndef BULKHEAD_MEMOP_H
#define BULKHEAD_MEMOP_H

#include "types.h"

struct domain;
struct vcpu;

#define MEMOP_GFN_LIMIT (1ull << (48 - PAGE_SHIFT))	/* GFNs a p2m can map */

enum memop_page {
	MEMOP_EMPTY,		/* nothing mapped there */
	MEMOP_RAM,		/* the domain's own RAM, free to give back or replace */
	MEMOP_SHARED_INFO,	/* its shared_info page */
	MEMOP_GRANT_FRAME,	/* one of its grant-table frames */
	MEMOP_BUSY,		/* a grant or foreign mapping, a frame granted and in
				 * use or mapped by another domain, a vcpu_info page */
};

/* d's event lock, grant lock and d->lock, in the global order (evtchn.h). */
void memop_lock(struct domain *d);
void memop_unlock(struct domain *d);
/* What gpa (page-aligned) holds in d, and its host frame (0 when empty).
 * Caller holds memop_lock(d). */
enum memop_page memop_classify(struct domain *d, gpaddr_t gpa, paddr_t *hpa);
/*
 * After p2m entries of d were removed: every vCPU of d that may hold the old
 * translations exits once (and flushes before it re-enters) before this
 * returns, so their frames may then be freed or handed back; p2m tables
 * retired before the call are freed by it. Call with no lock held (the
 * vCPUs waited for may be spinning on one) and a reference on d.
 */
void memop_flush_wait(struct domain *d);

/* memory_op(cmd, arg). */
long memop_hypercall(struct vcpu *v, const u64 *a);

#endif
