/* The registry of domains and their reference counts (domlist.h). */
#include "domlist.h"
#include "domain.h"
#include "spinlock.h"
#include "errno.h"
#include "public/shared_info.h"

static spinlock_t domlist_lock = SPINLOCK_INIT;
static struct domain *domlist_head;	/* under domlist_lock */
static u32 domlist_nr;			/* under domlist_lock */
static u16 domlist_next_id = 1;		/* under domlist_lock */

static bool domlist_used(u16 id)
{
	for (struct domain *d = domlist_head; d; d = d->next)
		if (d->id == id)
			return true;
	return false;
}

/* An id for a new domain. Caller holds domlist_lock. */
static int domlist_pick(int want)
{
	if (want >= 0)
		return want >= DOMID_FIRST_RESERVED ? -EINVAL : domlist_used((u16)want) ? -EEXIST : want;
	for (u32 tries = 0; tries < DOMID_FIRST_RESERVED; tries++) {
		u16 id = domlist_next_id++;

		if (domlist_next_id >= DOMID_FIRST_RESERVED)
			domlist_next_id = 1;
		if (!domlist_used(id))
			return id;
	}
	return -ENOSPC;
}

int domlist_add(struct domain *d, int want)
{
	int id;

	spin_lock(&domlist_lock);
	id = domlist_pick(want);
	if (id >= 0) {
		d->id = (u16)id;
		d->next = domlist_head;
		domlist_head = d;
		domlist_nr++;
	}
	spin_unlock(&domlist_lock);
	return id;
}

/* One more reference unless the count is zero. */
static bool domlist_get_live(struct domain *d)
{
	u32 refs = __atomic_load_n(&d->refs, __ATOMIC_RELAXED);

	do {
		if (!refs)
			return false;
	} while (!__atomic_compare_exchange_n(&d->refs, &refs, refs + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

struct domain *domlist_get(u16 id)
{
	struct domain *found = NULL;

	spin_lock(&domlist_lock);
	for (struct domain *d = domlist_head; d && !found; d = d->next)
		if (d->id == id && domlist_get_live(d))
			found = d;
	spin_unlock(&domlist_lock);
	return found;
}

void domlist_hold(struct domain *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

bool domlist_put(struct domain *d)
{
	/* Release: this holder's writes happen before whoever frees d. */
	if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return false;
	spin_lock(&domlist_lock);
	for (struct domain **pp = &domlist_head; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	spin_unlock(&domlist_lock);
	return true;
}

bool domlist_gone(void)
{
	bool last;

	spin_lock(&domlist_lock);
	last = --domlist_nr == 0;
	spin_unlock(&domlist_lock);
	return last;
}

void domlist_foreach(void (*fn)(struct domain *d, void *ctx), void *ctx)
{
	spin_lock(&domlist_lock);
	for (struct domain *d = domlist_head; d; d = d->next)
		fn(d, ctx);
	spin_unlock(&domlist_lock);
}

unsigned domlist_count(void)
{
	return __atomic_load_n(&domlist_nr, __ATOMIC_RELAXED);
}
