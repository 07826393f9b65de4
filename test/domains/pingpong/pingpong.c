/*
 * pingpong: two runtime domains find each other through xenstore and make
 * 10,000 request/response round trips over one granted ring page (io/ring.h).
 * cmdline "role=ping peer=NAME" (A, the frontend) or "role=pong peer=NAME"
 * (B, the backend), started in either order. Each writes its own
 * /local/domain/<self>/data/pingpong/ (owned by it, readable by all): role and
 * name at once; A, once it found B: peer-domid, ring-ref, event-channel; and
 * state, in Xen's XenbusState numbers: 1 initialising, 3 initialised (A: ring
 * published), 4 connected (B: mapped), 6 closed (B: unmapped; A: revoked).
 * The peer is found by listing /local/domain or, where that is not readable
 * (perms "n0", as in Xen), by probing the domids around ours; a domain's own
 * /local/domain/N/name is readable only by it, hence data/pingpong/name.
 * Every wait gives up after 60 s; any inconsistency prints "pingpong: ...:
 * FAILED (rc)" and returns SHUTDOWN_crash.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/io/ring.h"
#include "public/xen.h"

#define ROUNDS 10000u
#define TIMEOUT_NS (60ull * 1000000000ull)
#define POLL_MS 200
#define WAIT_SLICE_MS 100
#define PROBE_SPAN 64		/* domids probed each side of ours if /local/domain is closed */

enum { ST_INITIALISING = 1, ST_INITIALISED = 3, ST_CONNECTED = 4, ST_CLOSED = 6 };

/* Request n: seq n, data pp_pattern(n). Its response: seq n + 1, data inverted. */
struct pp_msg {
	uint32_t seq;
	uint32_t pad;
	uint64_t data;
	uint64_t csum;		/* pp_sum(seq, data) */
};

DEFINE_RING_TYPES(pp, struct pp_msg, struct pp_msg);

struct pp {
	uint16_t self, peer;
	bool ping;
	char peer_name[64];
	char dir[96], peer_dir[96];	/* .../data/pingpong of each */
	unsigned int port;
	int ref;			/* A: the grant of ring_page */
	void *map;			/* B: A's page mapped here */
	uint32_t handle;
};

static uint8_t ring_page[4096] __attribute__((aligned(4096)));

static int fail(const char *what, int rc)
{
	dom_printf("pingpong: %s: FAILED (%d)\n", what, rc);
	return SHUTDOWN_crash;
}

static uint64_t pp_pattern(uint32_t seq)
{
	return (seq + 1ull) * 0x9e3779b97f4a7c15ull;
}

/* FNV-1a-like mix of the two words: a flipped bit of either changes it. */
static uint64_t pp_sum(uint32_t seq, uint64_t data)
{
	uint64_t h = (0xcbf29ce484222325ull ^ seq) * 0x100000001b3ull;

	h = (h ^ data) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static void msg_fill(struct pp_msg *m, uint32_t seq, uint64_t data)
{
	*m = (struct pp_msg){ .seq = seq, .data = data, .csum = pp_sum(seq, data) };
}

/* 0 if m is message number n carrying seq and data, else fail()'s code. */
static int msg_check(const char *what, uint32_t n, const struct pp_msg *m, uint32_t seq,
		     uint64_t data)
{
	if (m->seq == seq && m->data == data && m->csum == pp_sum(seq, data))
		return 0;
	dom_printf("pingpong: %s %u: seq %u data %#lx csum %#lx\n", what, n, m->seq, m->data,
		   m->csum);
	return fail("checking the messages", -EIO);
}

/* Copies the value of the word "key=value" of args into out; false if absent. */
static bool arg_value(const char *args, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), len;

	for (const char *p = args; *p; p += len ? len : 1) {
		for (len = 0; p[len] && !isspace((unsigned char)p[len]); len++)
			;
		if (len > klen && p[klen] == '=' && !strncmp(p, key, klen) && len - klen <= size) {
			snprintf(out, len - klen, "%s", p + klen + 1);
			return true;
		}
	}
	return false;
}

__attribute__((format(printf, 3, 4)))
static int put(const struct pp *p, const char *key, const char *fmt, ...)
{
	char path[128], value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", p->dir, key);
	return dom_xs_write(0, path, value);
}

static int get(const char *dir, const char *key, uint64_t *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return dom_xs_read_u64(0, path, value);
}

/* 1 if domid publishes the peer's name and the other role, 0 if not, <0 on a role clash. */
static int is_peer(const struct pp *p, unsigned long domid)
{
	char path[128], *name = NULL, *role = NULL;
	int rc = 0;

	snprintf(path, sizeof(path), "/local/domain/%lu/data/pingpong/name", domid);
	if (domid != p->self && !dom_xs_read(0, path, &name, NULL) && !strcmp(name, p->peer_name)) {
		snprintf(path, sizeof(path), "/local/domain/%lu/data/pingpong/role", domid);
		if (!dom_xs_read(0, path, &role, NULL))	/* written before name */
			rc = strcmp(role, p->ping ? "pong" : "ping") ? -EINVAL : 1;
	}
	free(name);
	free(role);
	return rc;
}

/* One pass over /local/domain's children, or the domids around ours if it
 * is not readable: the peer's domid, 0 if not there, <0 on error. */
static long scan(const struct pp *p)
{
	char **names = NULL;
	unsigned int n = 2 * PROBE_SPAN + 1;
	long lo = p->self > PROBE_SPAN ? p->self - PROBE_SPAN : 1, found = 0;
	bool listed = !dom_xs_directory(0, "/local/domain", &names, &n);

	for (unsigned int i = 0; i < n && !found; i++) {
		long d = listed ? (long)strtoul(names[i], NULL, 10) : lo + (long)i;
		int r = is_peer(p, (unsigned long)d);

		found = r > 0 ? d : r;
	}
	free(names);
	return found;
}

static int find_peer(struct pp *p)
{
	uint64_t deadline = dom_now_ns() + TIMEOUT_NS;
	long d;

	while (!(d = scan(p)) && dom_now_ns() < deadline)
		dom_sleep_ms(POLL_MS);
	if (d <= 0)
		return d ? (int)d : -ETIMEDOUT;
	p->peer = (uint16_t)d;
	snprintf(p->peer_dir, sizeof(p->peer_dir), "/local/domain/%u/data/pingpong", p->peer);
	dom_printf("pingpong: found peer %s at domid %u\n", p->peer_name, p->peer);
	return 0;
}

/* Waits for the peer's state to become want: 0, -ESRCH once its nodes are
 * gone (it was destroyed), -ETIMEDOUT after 60 s. */
static int wait_state(const struct pp *p, uint64_t want)
{
	uint64_t deadline = dom_now_ns() + TIMEOUT_NS, st;

	for (;;) {
		if (!get(p->peer_dir, "state", &st) && st == want)
			return 0;
		if (is_peer(p, p->peer) <= 0)
			return -ESRCH;
		if (dom_now_ns() >= deadline)
			return -ETIMEDOUT;
		dom_sleep_ms(POLL_MS);
	}
}

/* A: a fresh ring page granted to the peer, an unbound port for it, both published. */
static int ping_setup(struct pp *p)
{
	int rc;

	SHARED_RING_INIT((pp_sring_t *)ring_page);
	if ((rc = dom_evtchn_alloc_unbound(p->peer, NULL, NULL)) < 0)
		return fail("allocating the event channel", rc);
	p->port = (unsigned int)rc;
	if ((rc = dom_gnttab_grant_access(p->peer, (uintptr_t)ring_page >> 12, false)) < 0)
		return fail("granting the ring", rc);
	p->ref = rc;
	if ((rc = put(p, "peer-domid", "%u", p->peer)) || (rc = put(p, "ring-ref", "%d", p->ref)) ||
	    (rc = put(p, "event-channel", "%u", p->port)) ||
	    (rc = put(p, "state", "%d", ST_INITIALISED)))
		return fail("publishing the ring", rc);
	if ((rc = wait_state(p, ST_CONNECTED)))
		return fail("waiting for the peer to connect", rc);
	return 0;
}

/* B: the peer's ring mapped and its port bound, once it offers them to us. */
static int pong_setup(struct pp *p)
{
	uint64_t dom, ref, port;
	int rc;

	if ((rc = wait_state(p, ST_INITIALISED)))
		return fail("waiting for the peer's ring", rc);
	if ((rc = get(p->peer_dir, "peer-domid", &dom)) || (rc = get(p->peer_dir, "ring-ref", &ref)) ||
	    (rc = get(p->peer_dir, "event-channel", &port)))
		return fail("reading the peer's ring", rc);
	if (dom != p->self || ref > UINT32_MAX || port >= DOM_EVTCHN_PORTS)
		return fail("the peer's ring is not for us", (int)dom);
	if ((rc = dom_gnttab_map(p->peer, (uint32_t)ref, false, &p->map, &p->handle)))
		return fail("mapping the ring", rc);
	if ((rc = dom_evtchn_bind_interdomain(p->peer, (unsigned int)port, NULL, NULL)) < 0)
		return fail("binding the event channel", rc);
	p->port = (unsigned int)rc;
	if ((rc = put(p, "state", "%d", ST_CONNECTED)))
		return fail("publishing the state", rc);
	return 0;
}

/* Sleeps until an event or WAIT_SLICE_MS; false once deadline has passed. */
static bool wait_ring(const struct pp *p, uint64_t deadline)
{
	if (dom_now_ns() >= deadline)
		return false;
	dom_wait_event_timeout(WAIT_SLICE_MS);
	dom_evtchn_take(p->port);
	return true;
}

/* A: ROUNDS requests, as many in flight as the ring holds; every response
 * checked in order. Returns 0 or fail()'s code. */
static int ping_run(const struct pp *p, uint64_t *elapsed_ns)
{
	pp_front_ring_t f;
	uint32_t sent = 0, got = 0;
	uint64_t t0 = dom_now_ns(), deadline = t0 + TIMEOUT_NS;
	int rc;

	FRONT_RING_INIT(&f, (pp_sring_t *)ring_page, sizeof(ring_page));
	while (got < ROUNDS) {
		RING_IDX prod, more;
		bool notify;

		for (; sent < ROUNDS && !RING_FULL(&f); sent++)
			msg_fill(RING_GET_REQUEST(&f, f.req_prod_pvt++), sent, pp_pattern(sent));
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify);
		if (notify && (rc = dom_evtchn_notify(p->port)))
			return fail("notifying the peer", rc);
		prod = f.sring->rsp_prod;
		RING_RMB();	/* the index before the entries it publishes */
		if ((RING_IDX)(prod - f.rsp_cons) > (RING_IDX)(f.req_prod_pvt - f.rsp_cons))
			return fail("more responses than requests", (int)prod);
		for (; f.rsp_cons != prod; f.rsp_cons++, got++) {
			struct pp_msg r = *(volatile struct pp_msg *)RING_GET_RESPONSE(&f, f.rsp_cons);

			if ((rc = msg_check("response", got, &r, got + 1, ~pp_pattern(got))))
				return rc;
			deadline = dom_now_ns() + TIMEOUT_NS;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&f, more);
		if (!more && got < ROUNDS && !wait_ring(p, deadline))
			return fail("waiting for responses", -ETIMEDOUT);
	}
	*elapsed_ns = dom_now_ns() - t0;
	return 0;
}

/* B: answers ROUNDS requests, each checked for order and content. */
static int pong_run(const struct pp *p)
{
	pp_back_ring_t b;
	uint32_t done = 0;
	uint64_t deadline = dom_now_ns() + TIMEOUT_NS;
	int rc;

	BACK_RING_INIT(&b, (pp_sring_t *)p->map, 4096);
	while (done < ROUNDS) {
		RING_IDX prod = b.sring->req_prod, more;
		bool notify;

		RING_RMB();
		if (RING_REQUEST_PROD_OVERFLOW(&b, prod))
			return fail("request index beyond the ring", (int)prod);
		for (; b.req_cons != prod && done < ROUNDS; b.req_cons++, done++) {
			struct pp_msg q;

			RING_COPY_REQUEST(&b, b.req_cons, &q);
			if ((rc = msg_check("request", done, &q, done, pp_pattern(done))))
				return rc;
			msg_fill(RING_GET_RESPONSE(&b, b.rsp_prod_pvt++), q.seq + 1, ~q.data);
			deadline = dom_now_ns() + TIMEOUT_NS;
		}
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, notify);
		if (notify && (rc = dom_evtchn_notify(p->port)))
			return fail("notifying the peer", rc);
		if (done == ROUNDS)
			break;
		RING_FINAL_CHECK_FOR_REQUESTS(&b, more);
		if (!more && !wait_ring(p, deadline))
			return fail("waiting for requests", -ETIMEDOUT);
	}
	if (b.sring->req_prod != b.req_cons)
		return fail("requests beyond the last", (int)(b.sring->req_prod - b.req_cons));
	return 0;
}

/* B unmaps and closes first; then A revokes its grant (which must succeed
 * now) and closes; B stays until A has said so (or is gone already). */
static int pp_close(struct pp *p)
{
	int rc;

	if (!p->ping && (rc = dom_gnttab_unmap(p->map, p->handle)))
		return fail("unmapping the ring", rc);
	if (p->ping && (rc = wait_state(p, ST_CLOSED)))
		return fail("waiting for the peer to unmap", rc);
	if (p->ping && (rc = dom_gnttab_end_access((uint32_t)p->ref)))
		return fail("ending access to the ring", rc);
	if ((rc = dom_evtchn_close(p->port)))
		return fail("closing the event channel", rc);
	if ((rc = put(p, "state", "%d", ST_CLOSED)))
		return fail("publishing the state", rc);
	if (!p->ping && (rc = wait_state(p, ST_CLOSED)) && rc != -ESRCH)
		return fail("waiting for the peer to close", rc);
	return 0;
}

/* Cmdline, own name (from xenstore), and the first nodes under data/pingpong. */
static int pp_init(struct pp *p, const struct dom_start_info *si)
{
	char role[8], path[96], *name;
	int rc;

	p->self = (uint16_t)si->domid;
	if (!arg_value(si->bootargs, "role", role, sizeof(role)) ||
	    (strcmp(role, "ping") && strcmp(role, "pong")) ||
	    !arg_value(si->bootargs, "peer", p->peer_name, sizeof(p->peer_name)))
		return fail("cmdline wants role=ping|pong peer=NAME", -EINVAL);
	p->ping = !strcmp(role, "ping");
	if ((rc = dom_xs_init()))
		return fail("connecting to xenstore", rc);
	snprintf(path, sizeof(path), "/local/domain/%u/name", p->self);
	if ((rc = dom_xs_read(0, path, &name, NULL)))
		return fail("reading our name", rc);
	snprintf(p->dir, sizeof(p->dir), "/local/domain/%u/data/pingpong", p->self);
	dom_printf("pingpong: domid %u name %s role %s peer %s\n", p->self, name, role,
		   p->peer_name);
	if ((rc = put(p, "state", "%d", ST_INITIALISING)) || (rc = put(p, "role", "%s", role)) ||
	    (rc = put(p, "name", "%s", name)))
		rc = fail("publishing our name", rc);
	free(name);
	return rc;
}

int dom_main(const struct dom_start_info *si)
{
	static struct pp pp;
	uint64_t ns = 0;
	int rc;

	if ((rc = pp_init(&pp, si)))
		return rc;
	if ((rc = find_peer(&pp)))
		return fail(rc == -ETIMEDOUT ? "no peer in 60 s" : "the peer has our role", rc);
	rc = pp.ping ? ping_setup(&pp) : pong_setup(&pp);
	if (!rc)
		rc = pp.ping ? ping_run(&pp, &ns) : pong_run(&pp);
	if (rc)
		return rc;
	dom_printf("pingpong: %u round trips ok (peer domid %u)\n", ROUNDS, pp.peer);
	if (pp.ping)
		dom_printf("pingpong: elapsed %lu ns (%lu ns per round trip)\n", ns, ns / ROUNDS);
	return pp_close(&pp);
}
