/*
 * Second-level page tables (the physical-to-machine map): four levels of
 * 512 entries mapping guest-physical 4 KiB frames to host frames. The entry
 * format is the vendor's (EPT or NPT), given as data; tables are reached
 * through page_ops so the builder runs on the host in unit tests.
 */
#ifndef BULKHEAD_P2M_H
#define BULKHEAD_P2M_H

#include "types.h"

#define P2M_R 1u
#define P2M_W 2u
#define P2M_X 4u
#define P2M_RWX (P2M_R | P2M_W | P2M_X)

#define P2M_ADDR_MASK 0x000ffffffffff000ull

/* An entry is addr | base | perm bits; present when (entry & present). */
struct p2m_format {
	u64 table;	/* bits of a non-leaf entry besides the address */
	u64 leaf;	/* bits of every leaf (memory type, present, user) */
	u64 r, w, x;	/* bits set for each permission granted */
	u64 nx;		/* bit set when execute is NOT granted */
	u64 present;	/* mask: entry present when any of these is set */
};

extern const struct p2m_format p2m_format_ept, p2m_format_npt;

struct page_ops {
	paddr_t (*alloc)(void *ctx);		/* a zeroed page, or 0 */
	void (*free)(void *ctx, paddr_t pa);
	void *(*map)(void *ctx, paddr_t pa);	/* pointer to the page's contents */
	void *ctx;
};

/*
 * Table pages are counted and bounded (Xen's p2m pool): a map that would
 * need more than max_tables fails with -ENOMEM, so a domain mapping at
 * scattered addresses exhausts its own pool, not the host. While the domain
 * holds more than half its pool, a table an unmap leaves empty is unlinked
 * from its parent and retired, not freed: a CPU
 * may still walk it (a vCPU in guest mode, or through a cached
 * paging-structure entry: SDM 29.4, APM 15.16) until every vCPU has
 * flushed. The owner takes the retired list (under its lock) before it makes
 * the vCPUs flush, and frees it after (p2m_retired_free). Below that mark
 * emptied tables stay linked: a domain that maps and unmaps grants in one
 * place keeps its few tables instead of zeroing and scanning them each
 * time, and what it keeps is bounded by the mark.
 *
 * Caller serializes map, unmap and p2m_retired_take (d->lock in the core);
 * lookups walk without it, and see a retired table as all not-present.
 */
struct p2m {
	paddr_t root;
	const struct p2m_format *fmt;
	const struct page_ops *pages;
	u64 nr_tables;		/* (A) table pages held, root and retired ones included */
	u64 max_tables;		/* the pool: nr_tables never exceeds it */
	u64 reclaim_above;	/* empty tables are retired only while nr_tables is
				 * above it (max_tables / 2 after init) */
	u64 nr_leaves;		/* mapped frames */
	paddr_t retired;	/* unlinked tables not yet freed, chained through entry 0 */
};

/* max_tables: the pool, root included (at least 4: one path to a leaf). */
int p2m_init(struct p2m *p, const struct p2m_format *fmt, const struct page_ops *pages,
	     u64 max_tables);
/* Map one guest frame. -EINVAL for an unaligned or too-large address,
 * -EEXIST when already mapped, -ENOMEM when the pool or the allocator has no
 * table left (nothing changed then). */
int p2m_map(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm);
/* Points a mapped guest frame at hpa instead, with perm: needs no table, so
 * cannot fail. Returns the frame it replaced, or 0 (nothing done) when gpa
 * is not mapped or an argument is invalid. */
paddr_t p2m_replace(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm);
/* Unmap one guest frame; returns the host frame or 0 when none was mapped.
 * Tables left empty are retired. */
paddr_t p2m_unmap(struct p2m *p, gpaddr_t gpa);
/* Host frame of gpa (page offset kept) and its permissions; false if none. */
bool p2m_lookup(const struct p2m *p, gpaddr_t gpa, paddr_t *hpa, unsigned *perm);
/* Detaches the tables retired so far (0 when none). */
paddr_t p2m_retired_take(struct p2m *p);
/* Frees a list p2m_retired_take gave, once no CPU can walk its tables any
 * more; needs no lock. */
void p2m_retired_free(struct p2m *p, paddr_t list);
/* Free every table, retired ones too; for each mapped frame call leaf(ctx, hpa) first. */
void p2m_destroy(struct p2m *p, void (*leaf)(void *ctx, paddr_t hpa), void *ctx);

#endif
