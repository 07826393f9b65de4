/* Grant tables, version 1 (dom/gnttab.h). */
#include "dom.h"
#include "dom/gnttab.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/error.h"
#include "public/grant_table.h"
#include "public/memory.h"

#define ENTRIES_PER_FRAME (4096 / sizeof(struct grant_entry_v1))
#define REF_NONE 0xffffffffu

static struct grant_entry_v1 *table;	/* at dom_gpa_grant_frames() once mapped */
static unsigned int nr_frames;		/* mapped frames */
static uint32_t *next_free;		/* free refs linked through this array */
static uint32_t free_head = REF_NONE;

/* Grows the table by one frame: setup_table to size it, add_to_physmap to place it. */
static int grow(void)
{
	struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = nr_frames + 1 };
	struct xen_add_to_physmap map = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = nr_frames,
		.gpfn = (dom_gpa_grant_frames() >> 12) + nr_frames,
	};
	xen_pfn_t frames[GNTTAB_MAX_FRAMES];
	uint32_t *nf, first, last;
	long rc;

	if (nr_frames == GNTTAB_MAX_FRAMES)
		return -ENOSPC;
	setup.frame_list = (uintptr_t)frames;
	rc = dom_hypercall_grant_table_op(GNTTABOP_setup_table, &setup, 1);
	if (rc || setup.status)
		return rc ? (int)rc : dom_gnttab_status_errno(setup.status);
	if ((rc = dom_hypercall_memory_op(XENMEM_add_to_physmap, &map)))
		return (int)rc;
	nf = realloc(next_free, (nr_frames + 1) * ENTRIES_PER_FRAME * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	next_free = nf;
	table = (struct grant_entry_v1 *)(uintptr_t)dom_gpa_grant_frames();
	first = nr_frames ? nr_frames * ENTRIES_PER_FRAME : GNTTAB_NR_RESERVED_ENTRIES;
	last = (nr_frames + 1) * ENTRIES_PER_FRAME - 1;
	for (uint32_t r = first; r <= last; r++)
		next_free[r] = r == last ? free_head : r + 1;
	free_head = first;
	nr_frames++;
	return 0;
}

int dom_gnttab_grant_access(uint16_t domid, uint64_t gfn, bool readonly)
{
	struct grant_entry_v1 *e;
	uint32_t ref;
	int rc;

	if (gfn >> 32)
		return -EINVAL;	/* v1 frames are 32 bits */
	if (free_head == REF_NONE && (rc = grow()))
		return rc;
	ref = free_head;
	free_head = next_free[ref];
	e = &table[ref];
	e->frame = (uint32_t)gfn;
	e->domid = domid;
	/* The core must see frame and domid before the flags that make them valid. */
	__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return (int)ref;
}

int dom_gnttab_end_access(uint32_t ref)
{
	struct grant_entry_v1 *e;
	uint16_t flags;

	if (!table || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_frames * ENTRIES_PER_FRAME)
		return -EINVAL;
	e = &table[ref];
	flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_ACQUIRE));
	next_free[ref] = free_head;
	free_head = ref;
	return 0;
}

int dom_gnttab_status_errno(int16_t status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_permission_denied:
		return -EACCES;
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_no_space:
	case GNTST_no_device_space:
		return -ENOSPC;
	case GNTST_general_error:
		return -EIO;
	default:
		return -EINVAL;
	}
}

int dom_gnttab_map_at(uint16_t dom, uint32_t ref, bool readonly, uint64_t gpa, uint32_t *handle)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = gpa,
		.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
		.ref = ref,
		.dom = dom,
	};
	long rc = dom_hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

	if (!rc)
		rc = dom_gnttab_status_errno(op.status);
	if (!rc)
		*handle = op.handle;
	return (int)rc;
}

int dom_gnttab_unmap_at(uint64_t gpa, uint32_t handle)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
	long rc = dom_hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

	if (!rc)
		rc = dom_gnttab_status_errno(op.status);
	return (int)rc;
}

int dom_gnttab_map(uint16_t dom, uint32_t ref, bool readonly, void **addr, uint32_t *handle)
{
	uint64_t gpa = dom_gpa_alloc(1);
	int rc;

	if (!gpa)
		return -ENOSPC;
	if ((rc = dom_gnttab_map_at(dom, ref, readonly, gpa, handle))) {
		dom_gpa_free(gpa, 1);
		return rc;
	}
	*addr = (void *)(uintptr_t)gpa;
	return 0;
}

/* A page that failed to unmap stays allocated: it may still hold the mapping. */
int dom_gnttab_unmap(void *addr, uint32_t handle)
{
	int rc = dom_gnttab_unmap_at((uintptr_t)addr, handle);

	if (!rc)
		dom_gpa_free((uintptr_t)addr, 1);
	return rc;
}

int dom_gnttab_copy(struct gnttab_copy *ops, unsigned int n)
{
	return (int)dom_hypercall_grant_table_op(GNTTABOP_copy, ops, n);
}
