/*
 * The registry of domains: ids, lookup by id with a reference, and the
 * reference count's last put. Plain memory and a lock, so it builds on the
 * host; test/unit/test_domlist.c runs it under threads with the sanitizers.
 *
 * A count that reached zero never rises again. domlist_get takes a reference
 * only from a non-zero count (a compare-and-swap loop, Linux's
 * refcount_inc_not_zero / Xen's get_domain), so a lookup racing with the
 * last put finds nothing instead of reviving a domain about to be freed. The
 * last put unlinks the domain under the list lock; its id stays taken until
 * then, and the domain stays counted until its memory is back (domlist_gone).
 */
#ifndef BULKHEAD_DOMLIST_H
#define BULKHEAD_DOMLIST_H

#include "types.h"

struct domain;

/* Gives d (d->refs already 1, the creator's) an id and lists it: want >= 0
 * asks for that id. The id, or -EEXIST (want in use), -EINVAL (want
 * reserved), -ENOSPC (no id left). */
int domlist_add(struct domain *d, int want);
/* The domain with that id (dying ones included) with a reference taken;
 * NULL when none, or when its last reference is already gone. */
struct domain *domlist_get(u16 id);
/* Another reference; the caller holds one (directly or through an object
 * that holds one and cannot go away meanwhile). */
void domlist_hold(struct domain *d);
/* Drops a reference. True when it was the last: d is unlisted and nobody
 * can find it; the caller frees it, then calls domlist_gone. */
bool domlist_put(struct domain *d);
/* A domain domlist_put gave up is freed: true when it was the last one. */
bool domlist_gone(void);
/* Calls fn for each listed domain under the list lock (fn must not block,
 * take a reference's last put, or add). */
void domlist_foreach(void (*fn)(struct domain *d, void *ctx), void *ctx);
/* Domains listed or not yet freed. */
unsigned domlist_count(void);

#endif
