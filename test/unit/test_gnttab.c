/* The grant-table mechanism on fake pages: v1 entry protocol, pins, maptrack. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "gnttab.h"
#include "errno.h"

#include "fake_pages.h"
static int granter_a, granter_b;	/* stand-ins for domains */

#define GRANTEE 5

/* What a granter guest does: frame and domid, then flags. */
static void grant(struct grant_entry_v1 *e, u32 frame, u16 domid, u16 flags)
{
	e->frame = frame;
	e->domid = domid;
	e->flags = flags;
}

/* The granter's revocation: cmpxchg flags to 0, failing while in use. */
static bool revoke(struct grant_entry_v1 *e)
{
	u16 flags = e->flags;

	if (flags & (GTF_reading | GTF_writing))
		return false;
	return __atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static void test_table(void)
{
	struct gnttab_table t;

	gnttab_table_init(&t, &fake);
	CHECK(gnttab_entry(&t, 0) == NULL);
	CHECK(gnttab_table_grow(&t, 1) == 0 && t.nr_frames == 1);
	CHECK(gnttab_entry(&t, 511) != NULL && gnttab_entry(&t, 512) == NULL);
	CHECK(gnttab_table_grow(&t, GNTTAB_MAX_FRAMES + 1) == -EINVAL && t.nr_frames == 1);
	fail_after = 3;	/* frame 1 gets its two pages, frame 2 only one */
	CHECK(gnttab_table_grow(&t, 4) == -ENOMEM && t.nr_frames == 2);
	fail_after = -1;
	CHECK(pages_live == 4);
	CHECK(gnttab_table_grow(&t, GNTTAB_MAX_FRAMES) == 0);
	CHECK(gnttab_entry(&t, GNTTAB_MAX_ENTRIES - 1) != NULL);
	CHECK(gnttab_entry(&t, GNTTAB_MAX_ENTRIES) == NULL);
	CHECK(gnttab_table_grow(&t, 3) == 0 && t.nr_frames == GNTTAB_MAX_FRAMES);	/* no shrink */
	gnttab_table_destroy(&t);
	CHECK(pages_live == 0);
}

static void test_pin_protocol(void)
{
	struct gnttab_table t;
	struct grant_entry_v1 *e;
	u32 gfn = 0;

	gnttab_table_init(&t, &fake);
	CHECK(gnttab_table_grow(&t, 2) == 0);
	e = gnttab_entry(&t, 8);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);	/* invalid */
	CHECK(gnttab_pin(&t, 1024, GRANTEE, true, &gfn) == GNTST_bad_gntref);

	grant(e, 0x1234, GRANTEE, GTF_permit_access);
	CHECK(gnttab_pin(&t, 8, GRANTEE + 1, true, &gfn) == GNTST_general_error);	/* not yours */
	CHECK(e->flags == GTF_permit_access);	/* failures change nothing */
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_okay && gfn == 0x1234);
	CHECK(e->flags == (GTF_permit_access | GTF_reading) && t.nr_active == 1);
	CHECK(gnttab_gfn_pinned(&t, 0x1234) && !gnttab_gfn_pinned(&t, 0x1235));
	CHECK(!revoke(e));
	/* Pinned: the active entry is the truth; another grantee is refused. */
	CHECK(gnttab_pin(&t, 8, GRANTEE + 1, true, &gfn) == GNTST_general_error);
	CHECK(gnttab_pin(&t, 8, GRANTEE, false, &gfn) == GNTST_okay);
	CHECK(e->flags == (GTF_permit_access | GTF_reading | GTF_writing));
	gnttab_unpin(&t, 8, false);	/* the last writer goes: writing clears */
	CHECK(e->flags == (GTF_permit_access | GTF_reading));
	gnttab_unpin(&t, 8, true);	/* the last pin goes: reading clears */
	CHECK(e->flags == GTF_permit_access && t.nr_active == 0 && !gnttab_gfn_pinned(&t, 0x1234));
	gnttab_unpin(&t, 8, true);	/* unbalanced: ignored */
	CHECK(e->flags == GTF_permit_access);
	CHECK(revoke(e) && e->flags == 0);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);	/* revoked */

	/* Read-only grants: no writer, readers fine. */
	grant(e, 77, GRANTEE, GTF_permit_access | GTF_readonly);
	CHECK(gnttab_pin(&t, 8, GRANTEE, false, &gfn) == GNTST_general_error);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_okay && gfn == 77);
	CHECK(gnttab_pin(&t, 8, GRANTEE, false, &gfn) == GNTST_general_error);	/* re-checked */
	gnttab_unpin(&t, 8, true);
	CHECK(!(e->flags & (GTF_reading | GTF_writing)));

	/* Sub-page, transitive and transfer grants cannot be mapped. */
	grant(e, 77, GRANTEE, GTF_permit_access | GTF_sub_page);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);
	grant(e, 77, GRANTEE, GTF_transitive);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);
	grant(e, 77, GRANTEE, GTF_accept_transfer);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);

	/* A counter does not overflow: the 256th pin of a kind is refused. */
	grant(e, 99, GRANTEE, GTF_permit_access);
	for (u32 i = 0; i < GNTTAB_PIN_MAX; i++)
		CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_okay);
	CHECK(gnttab_pin(&t, 8, GRANTEE, true, &gfn) == GNTST_general_error);
	CHECK(gnttab_pin(&t, 8, GRANTEE, false, &gfn) == GNTST_okay);
	for (u32 i = 0; i < GNTTAB_PIN_MAX; i++)
		gnttab_unpin(&t, 8, true);
	CHECK(e->flags == (GTF_permit_access | GTF_reading | GTF_writing));
	gnttab_unpin(&t, 8, false);
	CHECK(e->flags == GTF_permit_access && t.nr_active == 0);

	/* An entry in the second frame. */
	grant(gnttab_entry(&t, 700), 0xabc, GRANTEE, GTF_permit_access);
	CHECK(gnttab_pin(&t, 700, GRANTEE, false, &gfn) == GNTST_okay && gfn == 0xabc);
	CHECK(gnttab_gfn_pinned(&t, 0xabc));
	gnttab_unpin(&t, 700, false);
	gnttab_table_destroy(&t);
	CHECK(pages_live == 0);
}

static void test_maptrack(void)
{
	struct gnttab_maptrack m;
	struct gnttab_map *e;
	u32 h, n = 0;
	int rc;

	gnttab_maptrack_init(&m, &fake);
	CHECK(gnttab_maptrack_next(&m, 0) == -1 && gnttab_maptrack_find(&m, 0x1000) == -1);
	CHECK(gnttab_maptrack_alloc(&m, NULL, &h) == -EINVAL);
	CHECK(gnttab_maptrack_alloc(&m, &granter_a, &h) == 0 && h == 0);
	e = gnttab_maptrack_lookup(&m, h);
	CHECK(e && e->granter == &granter_a);
	/* A new handle is at gpa 0 until set (a find of 0 sees it, as a scan
	 * of the entries would). */
	CHECK(gnttab_maptrack_find(&m, 0) == 0);
	gnttab_maptrack_set_gpa(&m, 0, 0x4000000);
	CHECK(e->gpa == 0x4000000 && gnttab_maptrack_find(&m, 0) == -1);
	CHECK(gnttab_maptrack_alloc(&m, &granter_b, &h) == 0 && h == 1);
	gnttab_maptrack_set_gpa(&m, 1, 0x4001000);
	CHECK(gnttab_maptrack_find(&m, 0x4001000) == 1 && gnttab_maptrack_find(&m, 0x5000) == -1);
	/* Same bucket (frame numbers 64 apart), other address: not found; the
	 * bucket's count follows moves and frees. */
	CHECK(gnttab_maptrack_find(&m, 0x4001000 + 64 * 4096) == -1);
	CHECK(gnttab_maptrack_find(&m, 0x4000000) == 0);
	gnttab_maptrack_set_gpa(&m, 0, 0x4001000 + 64 * 4096);
	CHECK(gnttab_maptrack_find(&m, 0x4001000 + 64 * 4096) == 0 &&
	      gnttab_maptrack_find(&m, 0x4001000) == 1 && gnttab_maptrack_find(&m, 0x4000000) == -1);
	gnttab_maptrack_set_gpa(&m, 7, 0x5000);	/* no such handle: nothing */
	CHECK(gnttab_maptrack_find(&m, 0x5000) == -1);
	gnttab_maptrack_set_gpa(&m, 0, 0x4000000);
	CHECK(gnttab_maptrack_lookup(&m, 2) == NULL);
	CHECK(gnttab_maptrack_lookup(&m, GNTTAB_MAX_MAPS) == NULL);
	CHECK(gnttab_maptrack_lookup(&m, 0xffffffffu) == NULL);
	gnttab_maptrack_free(&m, 0);
	CHECK(gnttab_maptrack_lookup(&m, 0) == NULL && m.nr_used == 1);
	gnttab_maptrack_free(&m, 0);	/* twice: ignored */
	CHECK(m.nr_used == 1 && gnttab_maptrack_find(&m, 0x4000000) == -1 &&
	      gnttab_maptrack_find(&m, 0x4001000) == 1);
	{
		unsigned sum = 0;

		for (unsigned b = 0; b < GNTTAB_GPA_BUCKETS; b++)
			sum += m.by_gpa[b];
		CHECK(sum == m.nr_used);
	}
	CHECK(gnttab_maptrack_next(&m, 0) == 1 && gnttab_maptrack_next(&m, 2) == -1);
	CHECK(gnttab_maptrack_alloc(&m, &granter_a, &h) == 0 && h == 0);	/* reused */

	/* Up to GNTTAB_MAX_MAPS handles; a page that cannot be had is -ENOMEM. */
	fail_after = 0;
	for (n = 2; !(rc = gnttab_maptrack_alloc(&m, &granter_a, &h)); n++)
		;
	CHECK(rc == -ENOMEM && n == GNTTAB_MAPS_PER_PAGE);
	fail_after = -1;
	for (; !(rc = gnttab_maptrack_alloc(&m, &granter_a, &h)); n++)
		;
	CHECK(rc == -ENOSPC && n == GNTTAB_MAX_MAPS && m.nr_used == GNTTAB_MAX_MAPS);
	CHECK(gnttab_maptrack_next(&m, GNTTAB_MAX_MAPS - 1) == GNTTAB_MAX_MAPS - 1);
	gnttab_maptrack_free(&m, 5000);
	CHECK(gnttab_maptrack_alloc(&m, &granter_b, &h) == 0 && h == 5000);
	gnttab_maptrack_destroy(&m);
	CHECK(pages_live == 0);
}

int main(void)
{
	test_table();
	test_pin_protocol();
	test_maptrack();
	CHECK_DONE("gnttab");
	return 0;
}
