/*
 * I/O page tables, vendor-neutral: four levels of 512 eight-byte entries
 * mapping a device's DMA address (the guest-physical address of its domain)
 * to host-physical 4 KiB pages. AMD-Vi (amdvi_pt.h) and VT-d (vtd_pt.h)
 * differ only in the bits of an entry, given here as data (struct
 * iommu_pt_format), so one walker serves both. Tables are reached through
 * iommu_pt_ops, so the builder runs on the host in unit tests.
 *
 * Unmap never frees a table: the IOMMU may keep a table's address in its
 * page-directory caches until the owner has invalidated them (AMD IOMMU
 * 3.x §2.2, VT-d 3.x §6.2: paging-structure caches), so tables live
 * until iommu_pt_teardown, which the owner calls only after the root is
 * unhooked from every device-table or context entry and that change is
 * flushed. Growth is bounded by the pool (max_tables), as for p2m.h.
 *
 * Threading: the caller serializes map, unmap and teardown; the IOMMU (and
 * iommu_pt_lookup) may walk at any time and only ever sees zeroed tables
 * linked top-down and single 64-bit stores.
 */
#ifndef IOMMU_PT_H
#define IOMMU_PT_H

#include "types.h"

#define IOMMU_R 1u
#define IOMMU_W 2u
#define IOMMU_RW (IOMMU_R | IOMMU_W)

#define IOMMU_PT_LEVELS 4
#define IOMMU_PT_ENTRIES 512
#define IOMMU_PT_LIMIT (1ull << 48)		/* DMA addresses four levels cover */
#define IOMMU_PT_ADDR_MASK 0x000ffffffffff000ull	/* bits 51:12 in both formats */

/*
 * Pages for tables. alloc: a zeroed, 4 KiB-aligned page below 2^52; its
 * host-physical address in *pa and a pointer the core writes it through in
 * *va; 0 or -ENOMEM. free: gives back what alloc gave. va: the pointer
 * for a page alloc gave (pa from an entry). sync: may be NULL; otherwise
 * called after the CPU wrote [va, va + len) of a table the IOMMU reads,
 * for an IOMMU whose walks do not snoop the CPU's caches (VT-d ECAP.C = 0,
 * §11.4.3: write the lines back).
 */
struct iommu_pt_ops {
	void *ctx;
	int (*alloc)(void *ctx, u64 *pa, void **va);
	void (*free)(void *ctx, u64 pa, void *va);
	void *(*va)(void *ctx, u64 pa);
	void (*sync)(void *ctx, const void *va, size_t len);
};

/* An entry is address | bits; present when (entry & present). */
struct iommu_pt_format {
	u64 table[IOMMU_PT_LEVELS];	/* bits of an entry of a level-l table (l >= 1)
					 * that points to a level l-1 table */
	u64 leaf;			/* bits of every leaf */
	u64 r, w;			/* bits set for each permission granted */
	u64 present;			/* mask: the entry is present when any is set */
};

struct iommu_pt {
	const struct iommu_pt_format *fmt;
	const struct iommu_pt_ops *ops;
	u64 root;		/* host-physical address of the top (level 3) table */
	u64 *root_va;
	u64 nr_tables;		/* table pages held, the root included */
	u64 max_tables;		/* the pool: nr_tables never exceeds it */
	u64 nr_leaves;		/* mapped pages */
};

/* max_tables: the pool, root included (at least 4: one path to a leaf).
 * 0, -EINVAL (pool too small) or -ENOMEM. */
int iommu_pt_init(struct iommu_pt *pt, const struct iommu_pt_format *fmt,
		  const struct iommu_pt_ops *ops, u64 max_tables);
/*
 * Map one 4 KiB page: dma -> hpa with perm (IOMMU_R and/or IOMMU_W, not
 * none). -EINVAL for an unaligned or out-of-range address or a bad perm,
 * -EEXIST when dma is already mapped (unmap, flush, then map: the IOMMU may
 * hold the old translation), -ENOMEM when the pool or the allocator has no
 * table left; nothing changed on any error. Needs no flush (a not-present
 * entry is not cached) unless the IOMMU reports caching mode (VT-d CAP.CM).
 */
int iommu_pt_map(struct iommu_pt *pt, u64 dma, u64 hpa, unsigned perm);
/* Unmap the page holding dma: 1 when an entry was cleared (the caller must
 * invalidate the IOTLB for it before reusing hpa), with its page in *hpa
 * when hpa is not NULL; 0 when nothing was mapped; -EINVAL when dma is out
 * of range. */
int iommu_pt_unmap(struct iommu_pt *pt, u64 dma, u64 *hpa);
/* Host address of dma (page offset kept) and its permissions; false if
 * nothing is mapped there. Either pointer may be NULL. */
bool iommu_pt_lookup(const struct iommu_pt *pt, u64 dma, u64 *hpa, unsigned *perm);
/* Frees every table, the root included; the mapped pages are the caller's.
 * pt is left with no root: map fails with -ENOMEM until iommu_pt_init. */
void iommu_pt_teardown(struct iommu_pt *pt);

#endif
