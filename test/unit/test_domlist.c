/*
 * The domain registry's reference counts under threads (domlist.h), built
 * with the core's real spinlocks and AddressSanitizer: a use after free of a
 * domain is a sanitizer report, a double free too.
 *
 * One thread plays the toolstack: creates domain 7, drops the creator's
 * reference (xl destroy), again and again. The others play a hostile domain
 * naming domid 7 in EVTCHNOP_bind_interdomain / GNTTABOP_copy: look it up,
 * use it, put it back. Before the count only rose from non-zero, a lookup
 * could revive a domain whose last reference had just gone; the creator then
 * freed it under the lookup's feet.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "domain.h"
#include "domlist.h"
#include "errno.h"

#define VICTIM 7
#define LOOKERS 1	/* two threads in all: ticket locks crawl when oversubscribed */
#define SECONDS 3

static int stop;
static long created, freed, found;

/* What domain_put does after the last reference: free, then count it gone. */
static void free_domain(struct domain *d)
{
	memset(d, 0x5a, sizeof(*d));
	free(d);
	__atomic_add_fetch(&freed, 1, __ATOMIC_RELAXED);
	domlist_gone();
}

static void put(struct domain *d)
{
	if (domlist_put(d))
		free_domain(d);
}

static struct domain *new_domain(void)
{
	struct domain *d = calloc(1, sizeof(*d));

	d->refs = 1;
	return d;
}

static void *looker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct domain *d = domlist_get(VICTIM);

		if (!d)
			continue;
		/* Use it as a hypercall would: read, hold for a mapping, drop. */
		if (d->id != VICTIM || __atomic_load_n(&d->refs, __ATOMIC_RELAXED) == 0) {
			fprintf(stderr, "looker: domain %u refs %u after get\n", d->id, d->refs);
			abort();
		}
		domlist_hold(d);
		__atomic_add_fetch(&d->mem_pages, 1, __ATOMIC_RELAXED);
		put(d);
		put(d);
		__atomic_add_fetch(&found, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *toolstack(void *arg)
{
	time_t end = time(NULL) + SECONDS;

	(void)arg;
	while (time(NULL) < end) {
		struct domain *d = new_domain();
		int id;

		/* Its predecessor is listed until a looker's last put: wait for the id. */
		while ((id = domlist_add(d, VICTIM)) == -EEXIST)
			;
		CHECK(id == VICTIM);
		__atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
		for (volatile int spin = rand() % 512; spin > 0; spin--)
			;	/* it lives a little while */
		put(d);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void race(void)
{
	pthread_t t[LOOKERS + 1];

	for (int i = 0; i < LOOKERS; i++)
		CHECK(pthread_create(&t[i], NULL, looker, NULL) == 0);
	CHECK(pthread_create(&t[LOOKERS], NULL, toolstack, NULL) == 0);
	for (int i = 0; i <= LOOKERS; i++)
		pthread_join(t[i], NULL);
	printf("race: %ld domains created and destroyed, %ld lookups found one\n", created, found);
	CHECK(created > 0 && freed == created && domlist_count() == 0);
	CHECK(domlist_get(VICTIM) == NULL);
}

/* Ids: explicit, reserved, taken, automatic; a zero count is not found. */
static void ids(void)
{
	struct domain *a = new_domain(), *b = new_domain(), *c = new_domain();

	CHECK(domlist_add(a, 0) == 0);
	CHECK(domlist_add(b, 0) == -EEXIST);
	CHECK(domlist_add(b, 0x7ff0) == -EINVAL);
	CHECK(domlist_add(b, -1) > 0 && domlist_add(c, -1) > b->id);
	CHECK(domlist_count() == 3 && domlist_get(b->id) == b && b->refs == 2);
	put(b);
	__atomic_store_n(&c->refs, 0, __ATOMIC_RELAXED);	/* its last put is under way */
	CHECK(domlist_get(c->id) == NULL);
	c->refs = 1;
	put(a);
	put(b);
	put(c);
	CHECK(domlist_count() == 0 && freed == 3);
	freed = 0;
}

int main(void)
{
	ids();
	race();
	CHECK_DONE("test_domlist");
	return 0;
}
