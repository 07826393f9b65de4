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

struct p2m {
	paddr_t root;
	const struct p2m_format *fmt;
	const struct page_ops *pages;
	u64 nr_tables;		/* table pages in use, root included */
	u64 nr_leaves;		/* mapped frames */
};

int p2m_init(struct p2m *p, const struct p2m_format *fmt, const struct page_ops *pages);
/* Map one guest frame. -EINVAL for an unaligned or too-large address,
 * -EEXIST when already mapped, -ENOMEM when a table cannot be had. */
int p2m_map(struct p2m *p, gpaddr_t gpa, paddr_t hpa, unsigned perm);
/* Unmap one guest frame; returns the host frame or 0 when none was mapped. */
paddr_t p2m_unmap(struct p2m *p, gpaddr_t gpa);
/* Host frame of gpa (page offset kept) and its permissions; false if none. */
bool p2m_lookup(const struct p2m *p, gpaddr_t gpa, paddr_t *hpa, unsigned *perm);
/* Free every table; for each mapped frame call leaf(ctx, hpa) first. */
void p2m_destroy(struct p2m *p, void (*leaf)(void *ctx, paddr_t hpa), void *ctx);

#endif
