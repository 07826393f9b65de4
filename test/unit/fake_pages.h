/* A page allocator for host unit tests of mechanisms that take struct page_ops:
 * zeroed 4 KiB pages from aligned_alloc, a live count, and injectable failure. */
#ifndef TEST_FAKE_PAGES_H
#define TEST_FAKE_PAGES_H

#include <stdlib.h>
#include <string.h>
#include "p2m.h"

static long pages_live;
static int fail_after = -1;	/* make the Nth allocation from now fail */

static paddr_t fake_alloc(void *ctx)
{
	void *p;

	(void)ctx;
	if (fail_after == 0)
		return 0;
	if (fail_after > 0)
		fail_after--;
	p = aligned_alloc(4096, 4096);
	memset(p, 0, 4096);
	pages_live++;
	return (paddr_t)(uintptr_t)p;
}

static void fake_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	free((void *)(uintptr_t)pa);
	pages_live--;
}

static void *fake_map(void *ctx, paddr_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct page_ops fake = { fake_alloc, fake_free, fake_map, NULL };

#endif
