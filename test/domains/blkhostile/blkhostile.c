/*
 * blkhostile, the runtime domain: a blkif FRONTEND of its first vbd
 * (xl disk=, its backend the storage driver domain) that attacks the
 * backend (issue 8 §5; the XSA-391/392 classes: a frontend must not crash
 * or confuse its backend, nor reach another guest's I/O).
 *
 *   1. connects properly (xenbus: backend InitWait, ring-ref, event-channel,
 *      protocol, Initialised; backend Connected) and does good I/O, data
 *      checked: a pattern written at KEEP_SECTOR that must survive to the end;
 *   2. odd but legal requests (id ~0, two in flight with one id) are
 *      answered OK with their ids echoed;
 *   3. hostile requests one at a time, each must be answered with an error
 *      status and its id: nr_segments 0/12/255, first_sect > last_sect,
 *      last_sect 8/255, sectors past the end and wrapping (2^64 - 1),
 *      grant refs never granted / revoked / read-only for a read, unknown
 *      operations; then a flood of full rings mixing bad and good requests,
 *      every id answered once;
 *   4. ring breaks: req_prod jumped far past rsp_cons, then backwards; the
 *      backend must stop the ring and close the device (never answer it),
 *      and we reconnect (Closing -> Closed -> Initialising, a new handshake);
 *   5. good I/O again, and KEEP_SECTOR's pattern intact.
 * One result line (the emulator test checks it), FAIL lines for anything
 * else; then it powers off.
 *
 * With "good" in its command line (blkgood.cfg) it is the other guest: only
 * good I/O, data checked, for GOOD_SECONDS (while the attack runs), then
 * `blkhostile: good: N rounds of I/O ok`.
 *
 * The handshake is this file's own, not the device model's blkfront.c: an
 * attacker needs the raw ring (indices, slots, grants) that a block layer
 * hides, and a reconnect that blkfront.c does not offer.
 */
#include "dom.h"
#include "front.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/io/blkif.h"
#include "public/io/xenbus.h"

#define PAGE 4096u
#define DATA_PAGES 11			/* one full request's worth */
#define WAIT_MS 10000			/* per handshake step */
#define RSP_MS 3000			/* per response */
#define KEEP_SECTOR 64			/* the pattern that must survive */
#define FLOOD_ROUNDS 100
#define NO_REF 0xffffffffu
#define GOOD_SECONDS 40

static uint8_t pages[2 + 2 * DATA_PAGES][PAGE] __attribute__((aligned(4096)));
#define RING_PAGE pages[0]
#define RO_PAGE pages[1]
#define DATA(i) pages[2 + (i)]			/* granted rw */
#define CHECK_PAGE(i) pages[2 + DATA_PAGES + (i)]	/* not granted: compare buffers */

static struct {
	struct front f;			/* fe, be, fails, rnd (front.h) */
	uint16_t be_dom;
	uint64_t sectors;
	struct blkif_front_ring ring;
	uint32_t ring_ref, ro_ref, revoked_ref, unused_ref, gref[DATA_PAGES];
	int port;
	unsigned long hostile, legal, breaks;
} h = { .f = { .name = "blkhostile", .rnd = 0x2545f4914f6cdd1dull }, .port = -1 };

#define fail(...) front_fail(&h.f, __VA_ARGS__)
#define rnd() front_rnd(&h.f)
#define be_state() front_be_state(&h.f)
#define wait_be(a, b) front_wait_be(&h.f, a, b, WAIT_MS)

/* ---- xenbus ---------------------------------------------------------------- */

static int node_u64(const char *dir, const char *key, uint64_t *v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return dom_xs_read_u64(0, path, v);
}


static void fe_state(unsigned s)
{
	front_put(&h.f, "state", "%u", s);
}


/* Our first vbd and its backend, from device/vbd. */
static int find_vbd(uint16_t self)
{
	char path[64], **names = NULL, *be = NULL;
	unsigned n = 0;
	uint64_t id;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", self);
	if (dom_xs_directory(0, path, &names, &n) || !n)
		return -1;
	snprintf(h.f.fe, sizeof(h.f.fe), "%s/%s", path, names[0]);
	free(names);
	snprintf(path, sizeof(path), "%s/backend", h.f.fe);
	if (dom_xs_read(0, path, &be, NULL) || strlen(be) >= sizeof(h.f.be) ||
	    node_u64(h.f.fe, "backend-id", &id) || id >= 0x7ff0) {
		free(be);
		return -1;
	}
	strcpy(h.f.be, be);
	free(be);
	h.be_dom = (uint16_t)id;
	return 0;
}

/* Grants, once for the domain's life: ring, data pages, a read-only page,
 * one revoked ref, and a ref number above all of them that is never granted. */
static int grant_all(void)
{
	int r, max;

	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)RING_PAGE >> 12, false)) < 0)
		return r;
	max = h.ring_ref = (uint32_t)r;
	for (unsigned i = 0; i < DATA_PAGES; i++) {
		if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)DATA(i) >> 12, false)) < 0)
			return r;
		h.gref[i] = (uint32_t)r;
		max = r > max ? r : max;
	}
	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)RO_PAGE >> 12, true)) < 0)
		return r;
	h.ro_ref = (uint32_t)r;
	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)CHECK_PAGE(0) >> 12, false)) < 0)
		return r;
	h.revoked_ref = (uint32_t)r;
	max = r > max ? r : max;
	if ((r = dom_gnttab_end_access(h.revoked_ref)))
		return r;
	h.unused_ref = (uint32_t)max + 200;
	return 0;
}

/* One handshake: the backend in InitWait, our ring and channel, Connected. */
static int connect(void)
{
	char path[160];

	if (!wait_be(XenbusStateInitWait, XenbusStateInitWait))
		return -1;
	if (node_u64(h.f.be, "sectors", &h.sectors) || h.sectors < 4096)
		return -2;
	memset(RING_PAGE, 0, PAGE);
	SHARED_RING_INIT((struct blkif_sring *)RING_PAGE);
	FRONT_RING_INIT(&h.ring, (struct blkif_sring *)RING_PAGE, PAGE);
	if (h.port >= 0)
		dom_evtchn_close((unsigned)h.port);
	if ((h.port = dom_evtchn_alloc_unbound(h.be_dom, NULL, NULL)) < 0)
		return -3;
	snprintf(path, sizeof(path), "%s/ring-ref", h.f.fe);
	dom_xs_printf(0, path, "%u", h.ring_ref);
	snprintf(path, sizeof(path), "%s/event-channel", h.f.fe);
	dom_xs_printf(0, path, "%d", h.port);
	snprintf(path, sizeof(path), "%s/protocol", h.f.fe);
	dom_xs_write(0, path, XEN_IO_PROTO_ABI_X86_64);
	fe_state(XenbusStateInitialised);
	if (!wait_be(XenbusStateConnected, XenbusStateConnected))
		return -4;
	fe_state(XenbusStateConnected);
	return 0;
}

/* Closing -> Closed -> Initialising, as a frontend starting over does. */
static int reconnect(void)
{
	fe_state(XenbusStateClosing);
	if (!wait_be(XenbusStateClosing, XenbusStateClosed))
		return -10;
	fe_state(XenbusStateClosed);
	if (!wait_be(XenbusStateClosed, XenbusStateClosed))
		return -11;
	fe_state(XenbusStateInitialising);
	return connect();
}

/* ---- the ring ------------------------------------------------------------- */

static struct blkif_request *slot(void)
{
	struct blkif_request *q = RING_GET_REQUEST(&h.ring, h.ring.req_prod_pvt++);

	memset(q, 0, sizeof(*q));
	return q;
}

static void push(void)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h.ring, notify);
	(void)notify;	/* always: a hostile frontend does not save events */
	dom_evtchn_notify((unsigned)h.port);
}

/* Collects n responses into out (bounded); how many came. */
static unsigned collect(struct blkif_response *out, unsigned n)
{
	uint64_t deadline = dom_now_ns() + RSP_MS * 1000000ull;
	unsigned got = 0;
	RING_IDX prod;

	while (got < n) {
		prod = *(volatile RING_IDX *)&h.ring.sring->rsp_prod;
		RING_RMB();
		if (RING_RESPONSE_PROD_OVERFLOW(&h.ring, prod)) {
			fail("backend's rsp_prod %u impossible (rsp_cons %u)", prod, h.ring.rsp_cons);
			return got;
		}
		while (h.ring.rsp_cons != prod && got < n)
			out[got++] = *RING_GET_RESPONSE(&h.ring, h.ring.rsp_cons++);
		if (got == n || dom_now_ns() >= deadline)
			break;
		dom_evtchn_take((unsigned)h.port);
		dom_wait_event_timeout(5);
	}
	h.ring.sring->rsp_event = h.ring.rsp_cons + 1;
	return got;
}

/* Sends one request; its status, or 1 when none came (a FAIL). */
static int one(const struct blkif_request *req)
{
	struct blkif_response r;
	struct blkif_request *q = slot();

	*q = *req;
	push();
	if (!collect(&r, 1)) {
		fail("no answer to op %u (id 0x%llx)", req->operation,
		     (unsigned long long)req->id);
		return 1;
	}
	if (r.id != req->id)
		fail("answer id 0x%llx for request id 0x%llx", (unsigned long long)r.id,
		     (unsigned long long)req->id);
	return r.status;
}

/* A read or write of n (1-11) whole pages of DATA at sector. */
static void rw(struct blkif_request *q, uint8_t op, uint64_t sector, unsigned n, uint64_t id)
{
	memset(q, 0, sizeof(*q));
	q->operation = op;
	q->nr_segments = (uint8_t)n;
	q->id = id;
	q->sector_number = sector;
	for (unsigned i = 0; i < n && i < DATA_PAGES; i++) {
		q->seg[i].gref = h.gref[i];
		q->seg[i].first_sect = 0;
		q->seg[i].last_sect = 7;
	}
}

static void fill(unsigned pg, uint64_t seed)
{
	for (unsigned i = 0; i < PAGE; i += 8) {
		uint64_t v = seed * 0x9e3779b97f4a7c15ull + pg * PAGE + i;

		memcpy(&DATA(pg)[i], &v, 8);
	}
}

/* Writes n pages of pattern seed at sector, reads them back, compares. */
static bool good_io(uint64_t sector, unsigned n, uint64_t seed, bool write)
{
	struct blkif_request q;

	for (unsigned i = 0; i < n; i++) {
		fill(i, seed);
		memcpy(CHECK_PAGE(i), DATA(i), PAGE);
	}
	rw(&q, BLKIF_OP_WRITE, sector, n, 0x100 + seed);
	if (write && one(&q) != BLKIF_RSP_OKAY) {
		fail("good write at sector %llu (seed %llu) failed", (unsigned long long)sector,
		     (unsigned long long)seed);
		return false;
	}
	memset(DATA(0), 0, n * PAGE);
	rw(&q, BLKIF_OP_READ, sector, n, 0x200 + seed);
	if (one(&q) != BLKIF_RSP_OKAY) {
		fail("good read at sector %llu (seed %llu) failed", (unsigned long long)sector,
		     (unsigned long long)seed);
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (memcmp(CHECK_PAGE(i), DATA(i), PAGE)) {
			fail("data at sector %llu page %u differs", (unsigned long long)sector, i);
			return false;
		}
	return true;
}

/* ---- the attacks ------------------------------------------------------------ */

/* Legal oddities: ids are the frontend's business, echoed as given. */
static void odd_ids(void)
{
	struct blkif_request a, b;
	struct blkif_response r[2];

	rw(&a, BLKIF_OP_READ, 0, 1, ~0ull);
	h.legal++;
	if (one(&a) != BLKIF_RSP_OKAY)
		fail("read with id ~0 refused");
	rw(&a, BLKIF_OP_READ, 8, 1, 77);
	rw(&b, BLKIF_OP_READ, 16, 1, 77);
	b.seg[0].gref = h.gref[1];
	*slot() = a;
	*slot() = b;
	push();
	h.legal += 2;
	if (collect(r, 2) != 2 || r[0].id != 77 || r[1].id != 77 || r[0].status || r[1].status)
		fail("two requests with id 77: answers %llu/%d and %llu/%d",
		     (unsigned long long)r[0].id, r[0].status, (unsigned long long)r[1].id,
		     r[1].status);
}

/* A request that must be refused: any non-OK status, its id echoed. */
static void refused(const struct blkif_request *q, const char *what)
{
	int st = one(q);

	h.hostile++;
	if (st == BLKIF_RSP_OKAY || st == 1)
		fail("%s (id 0x%llx) answered %d", what, (unsigned long long)q->id, st);
}

static void bad_requests(void)
{
	static const uint8_t segs[] = { 0, 12, 255 };
	static const uint8_t unknown_ops[] = { BLKIF_OP_RESERVED_1, 7, 99, 200, 255 };
	const uint64_t sectors[] = { h.sectors, h.sectors - 1, ~0ull, ~0ull - 7, 1ull << 63,
				     h.sectors + (1ull << 32) };
	const uint32_t refs[] = { h.unused_ref, NO_REF, h.revoked_ref, 0x7fffffffu };
	struct blkif_request q;
	uint64_t id = 0x1000;

	for (unsigned i = 0; i < sizeof(segs); i++)
		for (uint8_t op = BLKIF_OP_READ; op <= BLKIF_OP_WRITE; op++) {
			rw(&q, op, KEEP_SECTOR, 1, id++);
			q.nr_segments = segs[i];
			refused(&q, "nr_segments 0/12/255");
		}
	for (uint8_t op = BLKIF_OP_READ; op <= BLKIF_OP_WRITE; op++) {
		rw(&q, op, KEEP_SECTOR, 2, id++);
		q.seg[1].first_sect = 5, q.seg[1].last_sect = 2;
		refused(&q, "first_sect > last_sect");
		rw(&q, op, KEEP_SECTOR, 1, id++);
		q.seg[0].last_sect = 8;
		refused(&q, "last_sect 8");
		q.seg[0].first_sect = 255, q.seg[0].last_sect = 255;
		refused(&q, "first/last_sect 255");
		for (unsigned i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++) {
			rw(&q, op, sectors[i], 2, id++);
			refused(&q, "sectors past the end / wrapping");
		}
		for (unsigned i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
			rw(&q, op, KEEP_SECTOR, 3, id++);
			q.seg[2].gref = refs[i];
			refused(&q, "grant ref never granted / revoked");
		}
	}
	rw(&q, BLKIF_OP_READ, 0, 2, id++);
	q.seg[1].gref = h.ro_ref;
	refused(&q, "read into a read-only grant");
	for (unsigned i = 0; i < sizeof(unknown_ops); i++) {
		rw(&q, unknown_ops[i], 0, 1, id++);
		refused(&q, "unknown operation");
	}
}

/* Full rings of random requests, a third of them good reads; every id once. */
static void flood(void)
{
	struct blkif_response r[64];
	unsigned n = RING_SIZE(&h.ring), bad, seen[64];

	for (unsigned round = 0; round < FLOOD_ROUNDS && !h.f.fails; round++) {
		bad = 0;
		for (unsigned i = 0; i < n; i++) {
			struct blkif_request *q = slot();
			uint64_t x = rnd();

			rw(q, BLKIF_OP_READ, x % 64, 1 + (x >> 8) % 4, (uint64_t)round << 8 | i);
			if (i % 3) {
				bad++;
				if ((x >> 16) & 1)
					q->nr_segments = (uint8_t)(12 + (x >> 20) % 244);
				else if ((x >> 17) & 1)
					q->sector_number = h.sectors - (x >> 24) % 2;
				else
					q->seg[0].gref = h.unused_ref + (uint32_t)(x >> 32) % 1000;
			}
		}
		push();
		if (collect(r, n) != n) {
			fail("flood round %u: responses missing", round);
			return;
		}
		memset(seen, 0, sizeof(seen));
		for (unsigned i = 0; i < n; i++) {
			unsigned k = (unsigned)(r[i].id & 0xff);

			if (r[i].id >> 8 != round || k >= n || seen[k]++ ||
			    (k % 3 != 0) != (r[i].status != BLKIF_RSP_OKAY))
				fail("flood: answer id 0x%llx status %d",
				     (unsigned long long)r[i].id, r[i].status);
		}
		h.hostile += bad;
		h.legal += n - bad;
	}
}

/* An impossible req_prod: the backend must stop the ring and close. */
static void break_ring(RING_IDX prod)
{
	struct blkif_response r;

	h.ring.sring->req_prod = prod;
	RING_WMB();
	dom_evtchn_notify((unsigned)h.port);
	if (!wait_be(XenbusStateClosed, XenbusStateClosing)) {
		fail("req_prod %u: backend still in state %u", prod, (unsigned)be_state());
		return;
	}
	if (collect(&r, 1))
		fail("answer (id 0x%llx) on a broken ring", (unsigned long long)r.id);
	h.breaks++;
}

static void attack(void)
{
	int rc;

	odd_ids();
	bad_requests();
	flood();
	break_ring(h.ring.rsp_cons + 1000);
	if ((rc = reconnect()))
		fail("reconnect after the ring break: step %d", -rc);
	else if (good_io(0, 2, 3, true))
		break_ring(h.ring.rsp_cons - 1);
	if ((rc = reconnect()))
		fail("second reconnect: step %d", -rc);
}

/* The other guest: rounds of writes and checked reads over its first MiB. */
static void good_only(void)
{
	uint64_t end = dom_now_ns() + GOOD_SECONDS * 1000000000ull;
	unsigned long rounds = 0;

	do {
		if (!good_io((rounds * 88) % 2048, DATA_PAGES, rounds + 10, true))
			break;
		rounds++;
	} while (dom_now_ns() < end);
	if (!h.f.fails)
		dom_printf("blkhostile: good: %lu rounds of I/O ok\n", rounds);
}

int dom_main(const struct dom_start_info *si)
{
	int rc;

	if (dom_xs_init() || find_vbd((uint16_t)si->domid)) {
		dom_printf("blkhostile: FAIL: no xenstore or no vbd\n");
		return 0;
	}
	dom_printf("blkhostile: domid %u, vbd %s on domain %u\n", si->domid, h.f.fe, h.be_dom);
	if ((rc = grant_all()) || (rc = connect())) {
		dom_printf("blkhostile: FAIL: first connect: %d (backend state %u)\n", rc,
			   (unsigned)be_state());
		return 0;
	}
	if (!good_io(KEEP_SECTOR, DATA_PAGES, 1, true) || !good_io(0, 4, 2, true)) {
		dom_printf("blkhostile: FAIL: good I/O before the attack\n");
		return 0;
	}
	if (dom_args_has_word(si->bootargs, "good")) {
		good_only();
		return 0;
	}
	attack();
	if (!h.f.fails && good_io(8, 4, 4, true) && good_io(KEEP_SECTOR, DATA_PAGES, 1, false) &&
	    !h.f.fails)
		dom_printf("blkhostile: %lu hostile requests answered with errors, ring broken %lu "
			   "times, good I/O ok after reconnect\n", h.hostile, h.breaks);
	else
		dom_printf("blkhostile: FAIL: %lu failures (%lu hostile requests, %lu breaks)\n",
			   h.f.fails, h.hostile, h.breaks);
	fe_state(XenbusStateClosing);
	wait_be(XenbusStateClosing, XenbusStateClosed);
	fe_state(XenbusStateClosed);
	return 0;
}
