/*
 * Grant tables, version 1. The domain's own table is mapped with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table) above RAM (dom/gpa.h) on
 * first use and grown a frame at a time (GNTTABOP_setup_table) as refs run
 * out. Foreign grants are mapped into pages of the unpopulated window
 * (GNTTABOP_map_grant_ref with a GPA as host_addr). Errors: negative Xen
 * errno values; a map's GNTST_* status is turned into one.
 */
#ifndef DOM_GNTTAB_H
#define DOM_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

struct gnttab_copy;

/* Lets domid access our frame gfn (= address >> 12 of our RAM); returns the
 * ref to hand over (xenstore "ring-ref" and the like) or -errno. */
int dom_gnttab_grant_access(uint16_t domid, uint64_t gfn, bool readonly);
/* Revokes a grant; -EBUSY while the grantee still has it mapped (retry later). */
int dom_gnttab_end_access(uint32_t ref);

/* Maps dom's grant ref at a fresh window page; *addr and *handle for unmapping.
 * dom_gnttab_unmap releases the page (dom_gpa_free) once it is unmapped. */
int dom_gnttab_map(uint16_t dom, uint32_t ref, bool readonly, void **addr, uint32_t *handle);
int dom_gnttab_unmap(void *addr, uint32_t handle);
/* The same at a window page the caller owns (dom_gpa_alloc, unpopulated):
 * for mappings that must be contiguous, such as a multi-page ring. The page
 * stays the caller's after dom_gnttab_unmap_at, which fails if handle is not
 * mapped at gpa; the map fails if gpa is populated. */
int dom_gnttab_map_at(uint16_t dom, uint32_t ref, bool readonly, uint64_t gpa, uint32_t *handle);
int dom_gnttab_unmap_at(uint64_t gpa, uint32_t handle);
/* GNTTABOP_copy of n operations; 0 if the hypercall ran (check each status). */
int dom_gnttab_copy(struct gnttab_copy *ops, unsigned int n);

/* The GNTST_* status of a map/unmap/copy as -errno (0 for GNTST_okay). */
int dom_gnttab_status_errno(int16_t status);

#endif
