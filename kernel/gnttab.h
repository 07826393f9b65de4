/*
 * Grant tables, version 1 (public/grant_table.h).
 *
 * Two halves. gnttab.c is the mechanism on plain memory, host-testable: a
 * domain's table (up to 32 shared frames of 512 grant_entry_v1, each with a
 * page of active entries counting the pins on it), the GTF_reading /
 * GTF_writing protocol on the shared {flags, domid} word, and the maptrack
 * (the mappings a domain holds of other domains' grants, by handle).
 * gnttab_op.c is the core's: hypercalls, locking, p2m changes, references.
 *
 * Locking (gnttab_op.c): one lock per domain's struct gnttab_domain (its
 * table, frame placement and maptrack). Operations on several domains take
 * their locks in domain-id order. Order across mechanisms: evtchn locks,
 * then gnttab locks, then d->lock (p2m), one domain's d->lock at a time.
 */
#ifndef BULKHEAD_GNTTAB_H
#define BULKHEAD_GNTTAB_H

#include "types.h"
#include "spinlock.h"
#include "p2m.h"
#include "public/grant_table.h"

#define GNTTAB_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))	/* 512 */
#define GNTTAB_MAX_ENTRIES (GNTTAB_MAX_FRAMES * GNTTAB_PER_FRAME)	/* 16384 */
#define GNTTAB_PIN_MAX 255u		/* per entry and kind; more is refused */
#define GNTTAB_MAPS_PER_PAGE 128
#define GNTTAB_MAPTRACK_PAGES 64
#define GNTTAB_MAX_MAPS (GNTTAB_MAPS_PER_PAGE * GNTTAB_MAPTRACK_PAGES)	/* 8192 handles */

/* What the core keeps per grant entry while it is in use (Xen's "active
 * entry"): the frame and grantee recorded at the first pin, and pin counts. */
struct gnttab_active {
	u32 gfn;		/* the granted GFN, valid while pinned */
	u16 domid;		/* the grantee that pinned it */
	u8 pin_ro;		/* read-only mappings and copies from it */
	u8 pin_rw;		/* writable mappings and copies into it */
};

struct gnttab_table {
	u32 nr_frames;
	u32 nr_active;		/* entries with a pin (skips gfn scans when 0) */
	struct grant_entry_v1 *shared[GNTTAB_MAX_FRAMES];	/* guest-visible frames */
	struct gnttab_active *active[GNTTAB_MAX_FRAMES];	/* one page per frame */
	const struct page_ops *pages;
};

/* One mapping a domain made of a grant; a free slot has granter == NULL. */
struct gnttab_map {
	void *granter;		/* the granting domain (opaque here; holds a reference) */
	gpaddr_t gpa;		/* where it is mapped in the mapping domain */
	paddr_t hpa;		/* the granted frame */
	u32 ref;
	u16 domid;		/* the granter's id */
	u8 readonly;		/* mapped without write access */
	u8 unmapping;		/* an unmap of it is under way (the core's flag) */
};

#define GNTTAB_GPA_BUCKETS 64
struct gnttab_maptrack {
	struct gnttab_map *page[GNTTAB_MAPTRACK_PAGES];	/* allocated on demand */
	u32 nr_used;
	/* Handles in use by gpa's frame number modulo GNTTAB_GPA_BUCKETS: find
	 * answers "none" without a scan where the count is 0 (every grant copy
	 * asks this of both ends). */
	u16 by_gpa[GNTTAB_GPA_BUCKETS];
	const struct page_ops *pages;
};

/* Tables start without frames; grow allocates frames (zeroed) up to
 * nr_frames: 0, -EINVAL beyond GNTTAB_MAX_FRAMES, -ENOMEM (frames allocated
 * so far are kept). */
void gnttab_table_init(struct gnttab_table *t, const struct page_ops *pages);
int gnttab_table_grow(struct gnttab_table *t, u32 nr_frames);
void gnttab_table_destroy(struct gnttab_table *t);
/* The entry for ref, or NULL beyond the table. */
struct grant_entry_v1 *gnttab_entry(const struct gnttab_table *t, u32 ref);

/*
 * Pins ref for grantee `mapper`, read-only or writable (Xen's protocol: at
 * the first pin the entry must be GTF_permit_access for that grantee, and
 * GTF_reading [| GTF_writing] are set with a cmpxchg; a writer additionally
 * needs !GTF_readonly). Returns GNTST_okay and the granted gfn, or a GNTST_*
 * error with nothing changed. Each successful pin needs one gnttab_unpin.
 */
int gnttab_pin(struct gnttab_table *t, u32 ref, u16 mapper, bool readonly, u32 *gfn);
/* Drops one pin; the last writer clears GTF_writing, the last pin GTF_reading. */
void gnttab_unpin(struct gnttab_table *t, u32 ref, bool readonly);
/* True while some pinned entry grants frame gfn (it must then stay). */
bool gnttab_gfn_pinned(const struct gnttab_table *t, u32 gfn);

void gnttab_maptrack_init(struct gnttab_maptrack *m, const struct page_ops *pages);
/* Frees the maptrack's pages; every handle must be free by now. */
void gnttab_maptrack_destroy(struct gnttab_maptrack *m);
/* A free handle, its slot claimed for granter (the caller fills the rest):
 * 0, -ENOSPC when all handles are used, -ENOMEM. */
int gnttab_maptrack_alloc(struct gnttab_maptrack *m, void *granter, u32 *handle);
/* The mapping under handle, or NULL when the handle is not in use. */
struct gnttab_map *gnttab_maptrack_lookup(const struct gnttab_maptrack *m, u32 handle);
void gnttab_maptrack_free(struct gnttab_maptrack *m, u32 handle);
/* Records where handle's mapping is (its gpa; set it only this way). */
void gnttab_maptrack_set_gpa(struct gnttab_maptrack *m, u32 handle, gpaddr_t gpa);
/* The handle of the mapping at gpa, or -1. */
int gnttab_maptrack_find(const struct gnttab_maptrack *m, gpaddr_t gpa);
/* The next handle in use at or after `from`, or -1. */
int gnttab_maptrack_next(const struct gnttab_maptrack *m, u32 from);

/* ---- The core's side (gnttab_op.c; declared here, not built on the host) ---- */
struct domain;
struct vcpu;

#define GNTTAB_NO_GPA (~0ull)

/* Per-domain grant state, one page. (L) = under lock. */
struct gnttab_domain {
	spinlock_t lock;
	bool dead;					/* (L) killed: no new maps by or of it */
	struct gnttab_table table;			/* (L) its grants */
	gpaddr_t frame_gpa[GNTTAB_MAX_FRAMES];		/* (L) where each frame is mapped */
	struct gnttab_maptrack maptrack;		/* (L) its mappings of others' grants */
};

/* Life cycle hooks, called from domain.c. init: 0 or -ENOMEM. kill: once;
 * refuses new maps and undoes every mapping d holds of other domains'
 * grants (dropping its references on them). free: d's frames unmapped from
 * its p2m and freed, when d itself goes. */
int gnttab_domain_init(struct domain *d);
void gnttab_domain_kill(struct domain *d);
void gnttab_domain_free(struct domain *d);

/* For memop.c; the caller holds d->gnttab->lock. */
/* The frame index mapped at gpa, or -1. */
int gnttab_frame_at(struct domain *d, gpaddr_t gpa);
/* True when gpa holds a grant mapping, or its frame is granted and pinned. */
bool gnttab_gpa_busy(struct domain *d, gpaddr_t gpa);
/* Frame idx (grown to), its host address: 0 or a negative errno. */
int gnttab_frame_get(struct domain *d, u32 idx, paddr_t *hpa);

/* grant_table_op(cmd, uop, count). */
long gnttab_op_hypercall(struct vcpu *v, const u64 *a);

#endif
