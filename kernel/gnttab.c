/*
 * Grant-table mechanism (gnttab.h): the v1 entry protocol, pin counts and
 * the maptrack, on plain memory. Host-testable.
 */
#include "gnttab.h"
#include "errno.h"
#include "lib.h"

#define SET_RETRIES 4	/* the guest may race our cmpxchg; a few retries, then refuse */

_Static_assert(sizeof(struct gnttab_active) * GNTTAB_PER_FRAME == PAGE_SIZE, "active page");
_Static_assert(sizeof(struct gnttab_map) * GNTTAB_MAPS_PER_PAGE == PAGE_SIZE, "maptrack page");

static void *gnttab_page_alloc(const struct page_ops *p)
{
	paddr_t pa = p->alloc(p->ctx);

	return pa ? p->map(p->ctx, pa) : NULL;
}

/* Pages are reached at their own address in the core and in host tests. */
static void gnttab_page_free(const struct page_ops *p, void *page)
{
	if (page)
		p->free(p->ctx, (paddr_t)(uintptr_t)page);
}

void gnttab_table_init(struct gnttab_table *t, const struct page_ops *pages)
{
	memset(t, 0, sizeof(*t));
	t->pages = pages;
}

int gnttab_table_grow(struct gnttab_table *t, u32 nr_frames)
{
	if (nr_frames > GNTTAB_MAX_FRAMES)
		return -EINVAL;
	while (t->nr_frames < nr_frames) {
		u32 i = t->nr_frames;

		t->shared[i] = gnttab_page_alloc(t->pages);
		t->active[i] = gnttab_page_alloc(t->pages);
		if (!t->shared[i] || !t->active[i]) {
			gnttab_page_free(t->pages, t->shared[i]);
			gnttab_page_free(t->pages, t->active[i]);
			t->shared[i] = NULL;
			t->active[i] = NULL;
			return -ENOMEM;
		}
		t->nr_frames++;
	}
	return 0;
}

void gnttab_table_destroy(struct gnttab_table *t)
{
	for (u32 i = 0; i < t->nr_frames; i++) {
		gnttab_page_free(t->pages, t->shared[i]);
		gnttab_page_free(t->pages, t->active[i]);
		t->shared[i] = NULL;
		t->active[i] = NULL;
	}
	t->nr_frames = 0;
	t->nr_active = 0;
}

struct grant_entry_v1 *gnttab_entry(const struct gnttab_table *t, u32 ref)
{
	if (ref >= t->nr_frames * GNTTAB_PER_FRAME)
		return NULL;
	return &t->shared[ref / GNTTAB_PER_FRAME][ref % GNTTAB_PER_FRAME];
}

static struct gnttab_active *gnttab_active_entry(const struct gnttab_table *t, u32 ref)
{
	return &t->active[ref / GNTTAB_PER_FRAME][ref % GNTTAB_PER_FRAME];
}

/* The shared word: flags in bits 15:0, domid in bits 31:16 (little endian). */
static u32 *gnttab_word(struct grant_entry_v1 *e)
{
	return (u32 *)(void *)e;
}

/*
 * Sets GTF_reading (and GTF_writing) in the guest's entry. At the first pin
 * the entry must permit access to `mapper` (no sub-page, no transitive);
 * later pins only re-check GTF_readonly for a new writer (Xen's order).
 */
static int gnttab_set_status(struct grant_entry_v1 *e, bool first, u16 mapper, bool readonly)
{
	u32 old = __atomic_load_n(gnttab_word(e), __ATOMIC_ACQUIRE);

	for (int tries = 0;; tries++) {
		u16 flags = (u16)old, domid = (u16)(old >> 16);
		u32 new;

		if (first && ((flags & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access ||
			      domid != mapper))
			return GNTST_general_error;
		if (!readonly && (flags & GTF_readonly))
			return GNTST_general_error;
		new = old | GTF_reading | (readonly ? 0 : GTF_writing);
		if (__atomic_compare_exchange_n(gnttab_word(e), &old, new, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
		if (tries == SET_RETRIES)
			return GNTST_general_error;	/* the guest keeps changing it */
	}
}

int gnttab_pin(struct gnttab_table *t, u32 ref, u16 mapper, bool readonly, u32 *gfn)
{
	struct grant_entry_v1 *e = gnttab_entry(t, ref);
	struct gnttab_active *a;
	bool first;
	int st;

	if (!e)
		return GNTST_bad_gntref;
	a = gnttab_active_entry(t, ref);
	first = !a->pin_ro && !a->pin_rw;
	if (!first && a->domid != mapper)
		return GNTST_general_error;
	if ((readonly ? a->pin_ro : a->pin_rw) == GNTTAB_PIN_MAX)
		return GNTST_general_error;
	if (first || (!readonly && !a->pin_rw)) {
		st = gnttab_set_status(e, first, mapper, readonly);
		if (st != GNTST_okay)
			return st;
	}
	if (first) {
		/* The granter wrote frame before flags (with a barrier): read it after. */
		a->gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		a->domid = mapper;
		t->nr_active++;
	}
	if (readonly)
		a->pin_ro++;
	else
		a->pin_rw++;
	*gfn = a->gfn;
	return GNTST_okay;
}

void gnttab_unpin(struct gnttab_table *t, u32 ref, bool readonly)
{
	struct grant_entry_v1 *e = gnttab_entry(t, ref);
	struct gnttab_active *a;

	if (!e)
		return;
	a = gnttab_active_entry(t, ref);
	if (readonly ? !a->pin_ro : !a->pin_rw)
		return;		/* unbalanced: a caller bug, never undercount */
	if (readonly)
		a->pin_ro--;
	else
		a->pin_rw--;
	if (!a->pin_rw)
		__atomic_fetch_and(&e->flags, (u16)~GTF_writing, __ATOMIC_ACQ_REL);
	if (!a->pin_rw && !a->pin_ro) {
		__atomic_fetch_and(&e->flags, (u16)~GTF_reading, __ATOMIC_ACQ_REL);
		t->nr_active--;
	}
}

bool gnttab_gfn_pinned(const struct gnttab_table *t, u32 gfn)
{
	if (!t->nr_active)
		return false;
	for (u32 f = 0; f < t->nr_frames; f++) {
		for (u32 i = 0; i < GNTTAB_PER_FRAME; i++) {
			const struct gnttab_active *a = &t->active[f][i];

			if ((a->pin_ro || a->pin_rw) && a->gfn == gfn)
				return true;
		}
	}
	return false;
}

void gnttab_maptrack_init(struct gnttab_maptrack *m, const struct page_ops *pages)
{
	memset(m, 0, sizeof(*m));
	m->pages = pages;
}

void gnttab_maptrack_destroy(struct gnttab_maptrack *m)
{
	for (u32 i = 0; i < GNTTAB_MAPTRACK_PAGES; i++) {
		gnttab_page_free(m->pages, m->page[i]);
		m->page[i] = NULL;
	}
	m->nr_used = 0;
}

static u32 gpa_bucket(gpaddr_t gpa)
{
	return (u32)(gpa >> PAGE_SHIFT) % GNTTAB_GPA_BUCKETS;
}

int gnttab_maptrack_alloc(struct gnttab_maptrack *m, void *granter, u32 *handle)
{
	if (!granter)
		return -EINVAL;
	for (u32 p = 0; p < GNTTAB_MAPTRACK_PAGES; p++) {
		if (!m->page[p] && !(m->page[p] = gnttab_page_alloc(m->pages)))
			return -ENOMEM;
		for (u32 i = 0; i < GNTTAB_MAPS_PER_PAGE; i++) {
			struct gnttab_map *e = &m->page[p][i];

			if (e->granter)
				continue;
			memset(e, 0, sizeof(*e));
			e->granter = granter;
			m->nr_used++;
			m->by_gpa[gpa_bucket(0)]++;
			*handle = p * GNTTAB_MAPS_PER_PAGE + i;
			return 0;
		}
	}
	return -ENOSPC;
}

struct gnttab_map *gnttab_maptrack_lookup(const struct gnttab_maptrack *m, u32 handle)
{
	struct gnttab_map *page;

	if (handle >= GNTTAB_MAX_MAPS)
		return NULL;
	page = m->page[handle / GNTTAB_MAPS_PER_PAGE];
	if (!page || !page[handle % GNTTAB_MAPS_PER_PAGE].granter)
		return NULL;
	return &page[handle % GNTTAB_MAPS_PER_PAGE];
}

void gnttab_maptrack_free(struct gnttab_maptrack *m, u32 handle)
{
	struct gnttab_map *e = gnttab_maptrack_lookup(m, handle);

	if (!e)
		return;
	m->by_gpa[gpa_bucket(e->gpa)]--;
	memset(e, 0, sizeof(*e));
	m->nr_used--;
}

void gnttab_maptrack_set_gpa(struct gnttab_maptrack *m, u32 handle, gpaddr_t gpa)
{
	struct gnttab_map *e = gnttab_maptrack_lookup(m, handle);

	if (!e)
		return;
	m->by_gpa[gpa_bucket(e->gpa)]--;
	e->gpa = gpa;
	m->by_gpa[gpa_bucket(gpa)]++;
}

int gnttab_maptrack_next(const struct gnttab_maptrack *m, u32 from)
{
	if (!m->nr_used)
		return -1;
	for (u32 h = from; h < GNTTAB_MAX_MAPS; h++) {
		if (!m->page[h / GNTTAB_MAPS_PER_PAGE]) {
			h = ALIGN_UP(h + 1, GNTTAB_MAPS_PER_PAGE) - 1;
			continue;
		}
		if (gnttab_maptrack_lookup(m, h))
			return (int)h;
	}
	return -1;
}

int gnttab_maptrack_find(const struct gnttab_maptrack *m, gpaddr_t gpa)
{
	if (!m->by_gpa[gpa_bucket(gpa)])
		return -1;
	for (int h = gnttab_maptrack_next(m, 0); h >= 0; h = gnttab_maptrack_next(m, (u32)h + 1))
		if (gnttab_maptrack_lookup(m, (u32)h)->gpa == gpa)
			return h;
	return -1;
}
