/*
 * memory_op(cmd, arg) (hypercall 12): a domain's RAM reservation and the
 * placement of the core's pages (shared_info, grant-table frames) in its
 * guest-physical space. Written from the published layouts (x86-64).
 * Every Bulkhead domain is auto-translated: frame numbers are GFNs.
 */
#ifndef PUBLIC_MEMORY_H
#define PUBLIC_MEMORY_H

#include "shared_info.h"

#define XENMEM_increase_reservation 0	/* -ENOSYS: HVM guests use populate_physmap */
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page 2	/* -ENOSYS */
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6
#define XENMEM_add_to_physmap 7

/* cmd bits 5:0 are the operation; bits above are the extent to start at
 * (Xen's continuation encoding, accepted for the reservation operations). */
#define MEMOP_CMD_MASK 0x3fu
#define MEMOP_EXTENT_SHIFT 6

#define XENMEM_MAX_ORDER 9	/* Bulkhead's limit: extents up to 2 MiB */

/* xen_add_to_physmap.space */
#define XENMAPSPACE_shared_info 0	/* idx 0 */
#define XENMAPSPACE_grant_table 1	/* idx = grant-table frame (bit 31 = status: refused) */
#define XENMAPSPACE_gmfn 2		/* -ENOSYS */
#define XENMAPSPACE_gmfn_range 3	/* -ENOSYS */
#define XENMAPSPACE_gmfn_foreign 4	/* -ENOSYS */
#define XENMAPIDX_grant_table_status 0x80000000u

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * increase/decrease_reservation and populate_physmap. The return value is
 * the number of extents done (fewer than asked when one could not be), or a
 * negative errno when nothing was attempted.
 *   populate_physmap: each GFN in extent_start (2^extent_order frames from
 *     it, which must all be unpopulated) gets fresh zeroed RAM, up to the
 *     domain's maximum reservation.
 *   decrease_reservation: each GFN's RAM is unmapped and freed; the range
 *     must be ordinary RAM (not shared_info, a grant-table frame, a mapped
 *     grant, a granted frame in use, or a page holding a registered vcpu_info).
 */
struct xen_memory_reservation {
	uint64_t extent_start;	/* IN: guest-virtual address of xen_pfn_t[nr_extents] */
	xen_ulong_t nr_extents;	/* IN */
	uint32_t extent_order;	/* IN: 0..XENMEM_MAX_ORDER */
	uint32_t mem_flags;	/* IN: ignored */
	domid_t domid;		/* IN: DOMID_SELF, or another (privileged) */
	uint16_t pad[3];
};

/* Place one of the core's pages at gpfn, replacing what is there (RAM there
 * is freed; a page the core placed before is moved). */
struct xen_add_to_physmap {
	domid_t domid;		/* IN: DOMID_SELF, or another (privileged) */
	uint16_t size;		/* IN: gmfn_range only */
	uint32_t space;		/* IN: XENMAPSPACE_* */
	xen_ulong_t idx;	/* IN */
	xen_pfn_t gpfn;		/* IN */
};

/* current_reservation / maximum_reservation take a domid_t * and return
 * the domain's RAM now / its limit, in pages. */

_Static_assert(sizeof(struct xen_memory_reservation) == 32, "memory_reservation");
_Static_assert(__builtin_offsetof(struct xen_memory_reservation, domid) == 24, "reservation.domid");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap");
_Static_assert(__builtin_offsetof(struct xen_add_to_physmap, idx) == 8, "add_to_physmap.idx");
#endif

#endif
