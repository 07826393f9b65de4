/*
 * bench-ipc: the IPC figures of test/bench/bench_ipc.py, as a pair of domains
 * booted from one image. arg= is the other domain's id; the domain with the
 * lower id (created first) is A, the other B. Protocol, and ABI helpers, as
 * the IPC test pair's (ipc.h):
 *
 *   A grants B a page and offers an unbound port (the first free one); B
 *   binds it and sends one event. Then EVTCHN_WARMUP + EVTCHN_ITERATIONS
 *   round trips, A timing the last EVTCHN_ITERATIONS with rdtsc: A sends and
 *   waits, B waits and sends. Each side waits in SCHEDOP_poll on the port
 *   with interrupts off (no upcall), re-checking the pending bit.
 *   Then B maps A's grant at an unpopulated GPA and unmaps it, GRANT_WARMUP
 *   + GRANT_ITERATIONS times, timing the last GRANT_ITERATIONS, once A has
 *   read its clock and said so, while A waits in SCHEDOP_poll; B prints its
 *   line and sends the last event; A prints its own. Nothing is printed,
 *   and nothing else runs, inside a timed loop.
 *
 * Under QEMU -icount shift=0 one TSC tick is one emulated instruction (of
 * every CPU: test/bench/bench_ipc.py explains). Lines: "bench-ipc: NAME
 * total=TICKS iterations=N"; any failure prints "bench-ipc: ... FAILED".
 */
#include "ipc.h"

const char guest_name[] = "bench-ipc";

#define EVTCHN_WARMUP 100u
#define EVTCHN_ITERATIONS 2000u	/* test/bench/bench_ipc.py EVTCHN_ITERATIONS */
#define GRANT_WARMUP 10u
#define GRANT_ITERATIONS 1000u	/* test/bench/bench_ipc.py GRANT_ITERATIONS */

static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));
static uint8_t gnttab_page[4096] __attribute__((aligned(4096)));	/* A only */
static uint64_t granted[512] __attribute__((aligned(4096)));		/* A only */

static int bench_fail(const char *what, long got)
{
	print("bench-ipc: %s FAILED (got %ld)\n", what, got);
	return SHUTDOWN_crash;
}

static void report(const char *name, uint64_t ticks, unsigned int n)
{
	print("bench-ipc: %s total=%lu iterations=%u\n", name, ticks, n);
}

/* A's grant table frame at gnttab_page, and the grant of `granted` to peer. */
static int grant_to(uint16_t peer)
{
	volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)gnttab_page;
	struct gnttab_set_version sv = { .version = 1 };
	long rc;

	if ((rc = gnttab_op(GNTTABOP_set_version, &sv, 1)))
		return bench_fail("set_version 1", rc);
	if ((rc = place_page(XENMAPSPACE_grant_table, 0, gnttab_page)))
		return bench_fail("grant table frame 0", rc);
	gt[IPC_GREF].frame = (uint32_t)gfn_of(granted);
	gt[IPC_GREF].domid = peer;
	__atomic_store_n(&gt[IPC_GREF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	return 0;
}

/*
 * n round trips: A (ping) sends and waits, B waits and sends; 0 or the first
 * error. Never inlined, nor is map_unmaps(): test/bench/profile_ipc.py
 * charges the hypervisor's instructions to the guest function that exited.
 */
static __attribute__((noinline)) long round_trips(volatile struct shared_info *sh,
						  uint32_t port, unsigned int n, bool ping)
{
	long rc;

	for (unsigned int i = 0; i < n; i++) {
		if (ping && (rc = send(port)))
			return rc;
		if ((rc = wait_port(sh, port)))
			return rc;
		if (!ping && (rc = send(port)))
			return rc;
	}
	return 0;
}

static int run_a(volatile struct shared_info *sh, uint16_t peer, unsigned int domid)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = peer };
	uint64_t t0, t1;
	long rc;
	int err;

	if ((err = grant_to(peer)))
		return err;
	if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)) || au.port != IPC_PORT)
		return bench_fail("alloc_unbound", rc ? rc : (long)au.port);
	if ((rc = wait_port(sh, IPC_PORT)))	/* B has bound */
		return bench_fail("B's first event", rc);
	if ((rc = round_trips(sh, IPC_PORT, EVTCHN_WARMUP, true)))
		return bench_fail("warm-up round trip", rc);
	t0 = cpu_rdtsc();
	rc = round_trips(sh, IPC_PORT, EVTCHN_ITERATIONS, true);
	t1 = cpu_rdtsc();
	if (rc)
		return bench_fail("round trip", rc);
	if ((rc = send(IPC_PORT)))	/* B may go on to the grant */
		return bench_fail("go-ahead", rc);
	if ((rc = wait_port(sh, IPC_PORT)))	/* B is done with the grant */
		return bench_fail("B's last event", rc);
	report("evtchn-round-trip", t1 - t0, EVTCHN_ITERATIONS);
	print("bench-ipc: d%u (A) done, peer d%u\n", domid, peer);
	return SHUTDOWN_poweroff;
}

/* One map and one unmap of A's grant at IPC_MAP_GPA; 0 or the first error. */
static inline long map_unmap(uint16_t peer)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = IPC_MAP_GPA, .flags = GNTMAP_host_map, .ref = IPC_GREF, .dom = peer,
	};
	struct gnttab_unmap_grant_ref u = { .host_addr = IPC_MAP_GPA };
	long rc;

	if ((rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1)) || (rc = m.status))
		return rc;
	u.handle = m.handle;
	if ((rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1)) || (rc = u.status))
		return rc;
	return 0;
}

static __attribute__((noinline)) long map_unmaps(uint16_t peer, unsigned int n)
{
	long rc;

	for (unsigned int i = 0; i < n; i++)
		if ((rc = map_unmap(peer)))
			return rc;
	return 0;
}

static int run_b(volatile struct shared_info *sh, uint16_t peer, unsigned int domid)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = IPC_PORT };
	uint64_t t0, t1;
	uint32_t port;
	long rc = -1;

	for (unsigned int i = 0; i < IPC_BIND_TRIES; i++) {	/* until A offers the port */
		if (!(rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)))
			break;
		hypercall_sched_op(SCHEDOP_yield, 0);
	}
	if (rc)
		return bench_fail("bind_interdomain", rc);
	port = bi.local_port;
	(void)take(sh, port);	/* a bind raises the new port once (Xen) */
	if ((rc = send(port)))
		return bench_fail("first event", rc);
	if ((rc = round_trips(sh, port, EVTCHN_WARMUP + EVTCHN_ITERATIONS, false)))
		return bench_fail("round trip", rc);
	/* Our last send woke A, but we keep the CPU until our slice ends: wait
	 * until A has read its clock, or the grant loop would run inside A's
	 * timed round trips. */
	if ((rc = wait_port(sh, port)))
		return bench_fail("A's go-ahead", rc);

	if ((rc = map_unmaps(peer, GRANT_WARMUP)))
		return bench_fail("warm-up map and unmap", rc);
	t0 = cpu_rdtsc();
	rc = map_unmaps(peer, GRANT_ITERATIONS);
	t1 = cpu_rdtsc();
	if (rc)
		return bench_fail("map and unmap", rc);
	report("grant-map-unmap", t1 - t0, GRANT_ITERATIONS);
	print("bench-ipc: d%u (B) done, peer d%u\n", domid, peer);
	if ((rc = send(port)))
		return bench_fail("last event", rc);
	return SHUTDOWN_poweroff;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	volatile struct shared_info *sh = (volatile struct shared_info *)shinfo_page;
	uint16_t peer = (uint16_t)ipc_peer;
	long rc;

	(void)vcpu;
	if (!peer || peer == domid)
		return bench_fail("arg= (the other domain's id)", (long)peer);
	if ((rc = place_page(XENMAPSPACE_shared_info, 0, shinfo_page)))
		return bench_fail("shared_info", rc);
	return domid < peer ? run_a(sh, peer, domid) : run_b(sh, peer, domid);
}
