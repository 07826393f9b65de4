/*
 * grant_table_op(cmd, uop, count) (hypercall 20): Xen's grant tables, version
 * 1 only. Written from the published layouts (x86-64).
 *
 * A domain grants another access to one of its frames by filling a
 * grant_entry_v1 in its grant table (frames mapped with XENMEM_add_to_physmap
 * XENMAPSPACE_grant_table): frame and domid first, then flags with a write
 * barrier in between. While the grantee maps or copies, the core keeps
 * GTF_reading / GTF_writing set; the granter revokes by a cmpxchg of flags
 * to 0 that must see neither bit. Refs 0-7 are reserved for the toolstack.
 */
#ifndef PUBLIC_GRANT_TABLE_H
#define PUBLIC_GRANT_TABLE_H

#include "shared_info.h"

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3		/* -ENOSYS */
#define GNTTABOP_transfer 4		/* -ENOSYS */
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7	/* -ENOSYS */
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9	/* -ENOSYS (version 2) */
#define GNTTABOP_get_version 10

#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_MAX_FRAMES 32		/* Bulkhead's limit: 32 x 512 = 16384 entries */

/* grant_entry_v1.flags: the type in bits 1:0, then modifiers and status. */
#define GTF_invalid 0u
#define GTF_permit_access 1u
#define GTF_accept_transfer 2u		/* not supported */
#define GTF_transitive 3u		/* version 2 only */
#define GTF_type_mask 3u
#define GTF_readonly (1u << 2)		/* the grantee may only read */
#define GTF_reading (1u << 3)		/* core-set: mapped or being copied */
#define GTF_writing (1u << 4)		/* core-set: mapped writable or being written */
#define GTF_PWT (1u << 5)
#define GTF_PCD (1u << 6)
#define GTF_PAT (1u << 7)
#define GTF_sub_page (1u << 8)		/* version 2 only: refused in maps */

/* gnttab_map_grant_ref.flags */
#define GNTMAP_device_map (1u << 0)	/* refused: no IOMMU mappings yet */
#define GNTMAP_host_map (1u << 1)	/* map at host_addr, a GPA of the caller */
#define GNTMAP_readonly (1u << 2)
#define GNTMAP_application_map (1u << 3)	/* PV only: refused */
#define GNTMAP_contains_pte (1u << 4)	/* PV only: refused */

/* gnttab_copy.flags */
#define GNTCOPY_source_gref (1u << 0)	/* source.u.ref is a grant of source.domid */
#define GNTCOPY_dest_gref (1u << 1)	/* dest.u.ref is a grant of dest.domid */

/* Per-operation status (int16_t status fields). */
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* 8 bytes, 512 per grant-table frame. flags and domid form one 32-bit word
 * the core updates with cmpxchg. */
struct grant_entry_v1 {
	uint16_t flags;		/* GTF_* */
	domid_t domid;		/* the grantee */
	uint32_t frame;		/* the granted frame: a GFN of the granter */
};

/* Map the granted frame at host_addr (a page-aligned, unpopulated GPA of the
 * caller). The handle is the caller's to unmap with. */
struct gnttab_map_grant_ref {
	uint64_t host_addr;	/* IN */
	uint32_t flags;		/* IN: GNTMAP_host_map [| GNTMAP_readonly] */
	grant_ref_t ref;	/* IN */
	domid_t dom;		/* IN: the granter */
	int16_t status;		/* OUT: GNTST_* */
	grant_handle_t handle;	/* OUT */
	uint64_t dev_bus_addr;	/* OUT: 0 */
};

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;	/* IN: as mapped */
	uint64_t dev_bus_addr;	/* IN: ignored */
	grant_handle_t handle;	/* IN */
	int16_t status;		/* OUT */
	uint16_t pad;
};

/* Grow the table of `dom` to nr_frames and list where its frames are mapped
 * in that domain (a GFN, or ~0 for a frame not yet placed with
 * XENMEM_add_to_physmap: every Bulkhead domain is auto-translated). */
struct gnttab_setup_table {
	domid_t dom;		/* IN: DOMID_SELF, or another (privileged) */
	uint16_t pad;
	uint32_t nr_frames;	/* IN: 1..GNTTAB_MAX_FRAMES */
	int16_t status;		/* OUT */
	uint16_t pad2[3];
	uint64_t frame_list;	/* IN: guest-virtual address of xen_pfn_t[nr_frames] (OUT) */
};

struct gnttab_query_size {
	domid_t dom;		/* IN */
	uint16_t pad;
	uint32_t nr_frames;	/* OUT */
	uint32_t max_nr_frames;	/* OUT */
	int16_t status;		/* OUT */
	uint16_t pad2;
};

/* Only version 1 exists here: 1 succeeds, 2 gets -ENOSYS, others -EINVAL.
 * version is written back with the version in force. */
struct gnttab_set_version {
	uint32_t version;	/* IN/OUT */
};

struct gnttab_get_version {
	domid_t dom;		/* IN */
	uint16_t pad;
	uint32_t version;	/* OUT */
};

/* Copy len bytes between two frames, either a grant (with the *_gref flag)
 * or a GFN of the caller itself (domid DOMID_SELF). offset + len <= 4096. */
struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		xen_pfn_t gmfn;
	} u;
	domid_t domid;
	uint16_t offset;
	uint32_t pad;
};

struct gnttab_copy {
	struct gnttab_copy_ptr source;	/* IN */
	struct gnttab_copy_ptr dest;	/* IN */
	uint16_t len;			/* IN */
	uint16_t flags;			/* IN: GNTCOPY_* */
	int16_t status;			/* OUT */
	uint16_t pad;
};

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref");
_Static_assert(__builtin_offsetof(struct gnttab_map_grant_ref, handle) == 20, "map.handle");
_Static_assert(__builtin_offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24, "map.dev");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref");
_Static_assert(__builtin_offsetof(struct gnttab_unmap_grant_ref, status) == 20, "unmap.status");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table");
_Static_assert(__builtin_offsetof(struct gnttab_setup_table, frame_list) == 16, "frame_list");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size");
_Static_assert(sizeof(struct gnttab_copy_ptr) == 16, "copy_ptr");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy");
_Static_assert(__builtin_offsetof(struct gnttab_copy, status) == 36, "copy.status");
#endif

#endif
