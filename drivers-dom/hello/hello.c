/*
 * The runtime's smallest program, for booting by hand and in tests: prints
 * what the start of day found, exercises malloc and free, and powers off
 * (dom_main's 0 is SHUTDOWN_poweroff).
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/heap.h"
#include "dom/start.h"
#include "dom/time.h"

#define BLOCKS 1000

/* Fills each block with a pattern derived from its index, checks them all, frees them. */
static int malloc_test(void)
{
	static unsigned char *blocks[BLOCKS];
	static size_t sizes[BLOCKS];
	int bad = 0;

	for (int i = 0; i < BLOCKS; i++) {
		sizes[i] = 1 + (size_t)(i * 7919) % 4000;
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i])
			return -1;
		memset(blocks[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < BLOCKS; i += 2) {	/* free half, then grow the rest */
		free(blocks[i]);
		blocks[i] = NULL;
	}
	for (int i = 1; i < BLOCKS; i += 2) {
		unsigned char *p = realloc(blocks[i], sizes[i] * 2);

		if (!p)
			return -1;
		blocks[i] = p;
	}
	if (heap_check(dom_heap()))
		return -1;
	for (int i = 1; i < BLOCKS; i += 2) {
		for (size_t j = 0; j < sizes[i]; j++)
			bad += blocks[i][j] != (i & 0xff);
		free(blocks[i]);
	}
	return bad || heap_check(dom_heap()) ? -1 : 0;
}

static void count_event(unsigned int port, void *arg)
{
	(void)port;
	++*(volatile int *)arg;
}

/* An interdomain channel from this domain to itself: send on one end, see the other fire. */
static int event_test(unsigned int domid)
{
	volatile int fired = 0;
	int a, b, rc = 0;

	if ((a = dom_evtchn_alloc_unbound((uint16_t)domid, count_event, (void *)&fired)) < 0)
		return a;
	if ((b = dom_evtchn_bind_interdomain((uint16_t)domid, (unsigned)a, NULL, NULL)) < 0) {
		dom_evtchn_close((unsigned)a);
		return b;
	}
	for (int round = 1; round <= 3 && !rc; round++) {
		uint64_t deadline = dom_now_ns() + 1000000000ull;

		if ((rc = dom_evtchn_notify((unsigned)b)))
			break;
		while (fired < round && dom_now_ns() < deadline)
			dom_wait_event_timeout(100);
		if (fired < round)
			rc = -ETIMEDOUT;
	}
	dom_evtchn_close((unsigned)b);
	dom_evtchn_close((unsigned)a);
	return rc ? rc : fired == 3 && dom_evtchn_take((unsigned)a) == 0 ? 0 : -EIO;
}

/* More grants than one table frame holds: the table grows; all are revoked again. */
static int grant_many(unsigned int domid)
{
	enum { N = 1200 };
	static int refs[N];
	int rc = 0, n;

	for (n = 0; n < N && rc >= 0; n++)
		rc = refs[n] = dom_gnttab_grant_access((uint16_t)domid, 0x100 + (unsigned)n, true);
	if (rc >= 0)
		rc = 0;
	else
		n--;
	while (n--)
		if (dom_gnttab_end_access((uint32_t)refs[n]) && !rc)
			rc = -EIO;
	return rc;
}

/* Grants one of our pages to ourselves, maps it in the window, writes through both views. */
static int grant_test(unsigned int domid)
{
	static uint32_t page[1024] __attribute__((aligned(4096)));
	volatile uint32_t *view;
	uint32_t handle;
	void *addr;
	int ref, rc;

	if ((ref = dom_gnttab_grant_access((uint16_t)domid, (uintptr_t)page >> 12, false)) < 0)
		return ref;
	rc = dom_gnttab_map((uint16_t)domid, (uint32_t)ref, false, &addr, &handle);
	if (!rc) {
		view = addr;
		page[5] = 0x12345678;
		view[6] = 0x9abcdef0;
		rc = view[5] == 0x12345678 && page[6] == 0x9abcdef0 ? 0 : -EIO;
		if (dom_gnttab_end_access((uint32_t)ref) != -EBUSY)
			rc = rc ? rc : -EINVAL;	/* mapped: revoking must be refused */
		if (!rc)
			rc = dom_gnttab_unmap(addr, handle);
	}
	if (dom_gnttab_end_access((uint32_t)ref) && !rc)
		rc = -EBUSY;
	return rc ? rc : grant_many(domid);
}

int dom_main(const struct dom_start_info *si)
{
	struct heap_stats st;
	uint64_t t0;
	int rc;

	dom_printf("hello from dom0 runtime: domid %u, %lu MiB, %u vCPUs, bootargs '%s'\n",
		   si->domid, si->mem_bytes >> 20, si->nr_vcpus, si->bootargs);
	for (unsigned i = 0; i < si->nr_modules; i++)
		dom_printf("module %u: 0x%lx, %lu bytes, '%s'\n", i, si->modules[i].addr,
			   si->modules[i].size, si->modules[i].args);
	heap_get_stats(dom_heap(), &st);
	dom_printf("heap: %lu KiB at 0x%lx; TSC %lu MHz; event channels %s\n",
		   si->heap_size >> 10, si->heap_start, dom_tsc_hz() / 1000000,
		   dom_evtchn_ready() ? "up" : "unavailable");
	if (malloc_test()) {
		dom_printf("malloc test FAILED\n");
		return 3;	/* SHUTDOWN_crash */
	}
	t0 = dom_now_ns();
	dom_sleep_ms(20);
	dom_printf("malloc test: %d blocks ok; slept %lu ms\n", BLOCKS,
		   (dom_now_ns() - t0) / 1000000);
	if (dom_evtchn_ready()) {
		rc = event_test(si->domid);
		dom_printf("event channel loopback: %s (%d)\n", rc ? "FAILED" : "ok", rc);
		rc = grant_test(si->domid);
		dom_printf("grant self-map: %s (%d)\n", rc ? "FAILED" : "ok", rc);
	}
	return 0;
}
