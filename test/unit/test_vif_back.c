/* The netif backend (netback/vif_back.c, csum.c) on the host, against a fake
 * xenstore, fake grants and a frontend written here the way Linux's
 * xen-netfront drives it: the handshake and its refusals, tx with
 * scatter-gather and blank checksums, rx-copy into posted buffers, the rx
 * queue and its limit, rate= credit, a frontend that breaks its ring (that
 * vif only), removal releasing every mapping and channel, and a fixed-seed
 * fuzz of hostile tx rings: every request taken gets exactly one response,
 * nothing is read outside the granted pages, and the backend keeps serving
 * the other vif. */
#include <stdarg.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "public/io/xenbus.h"
#include "../../netback/csum.h"
#include "../../netback/vif_back.h"
#include "tcp_frame.h"

/* ---- a fake xenstore ------------------------------------------------------ */

#define NODES 512
static struct { char path[160], val[128]; bool used; } st[NODES];

static int node(const char *path, bool add)
{
	int free_i = -1;

	for (int i = 0; i < NODES; i++) {
		if (st[i].used && !strcmp(st[i].path, path))
			return i;
		if (!st[i].used && free_i < 0)
			free_i = i;
	}
	if (!add || free_i < 0)
		return -1;
	st[free_i].used = true;
	snprintf(st[free_i].path, sizeof(st[free_i].path), "%s", path);
	return free_i;
}

static void xs_put(const char *path, const char *fmt, ...)
{
	va_list ap;
	int i = node(path, true);

	va_start(ap, fmt);
	vsnprintf(st[i].val, sizeof(st[i].val), fmt, ap);
	va_end(ap);
}

static const char *xs_get(const char *path)
{
	int i = node(path, false);

	return i < 0 ? NULL : st[i].val;
}

static void xs_rm(const char *prefix)
{
	size_t n = strlen(prefix);

	for (int i = 0; i < NODES; i++)
		if (st[i].used && !strncmp(st[i].path, prefix, n) &&
		    (st[i].path[n] == '/' || !st[i].path[n]))
			st[i].used = false;
}

static int f_read(void *ctx, const char *path, char *buf, size_t len)
{
	const char *v = xs_get(path);

	(void)ctx;
	if (!v)
		return -ENOENT;
	if (strlen(v) >= len)
		return -E2BIG;
	strcpy(buf, v);
	return 0;
}

static int f_dir(void *ctx, const char *path, char *buf, size_t len, size_t *used)
{
	size_t n = strlen(path);

	(void)ctx;
	*used = 0;
	for (int i = 0; i < NODES; i++) {
		char child[64];
		const char *rest, *slash;
		bool dup = false;

		if (!st[i].used || strncmp(st[i].path, path, n) || st[i].path[n] != '/')
			continue;
		rest = st[i].path + n + 1;
		slash = strchr(rest, '/');
		snprintf(child, sizeof(child), "%.*s", (int)(slash ? (size_t)(slash - rest) : strlen(rest)),
			 rest);
		for (size_t o = 0; o < *used; o += strlen(buf + o) + 1)
			dup |= !strcmp(buf + o, child);
		if (dup)
			continue;
		if (*used + strlen(child) + 1 > len)
			return -E2BIG;
		strcpy(buf + *used, child);
		*used += strlen(child) + 1;
	}
	return *used || node(path, false) >= 0 ? 0 : -ENOENT;
}

static int f_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	xs_put(path, "%s", value);
	return 0;
}

/* ---- events, grants, time ------------------------------------------------------ */

#define FE_PAGES 160
static uint8_t fe_page[FE_PAGES][4096] __attribute__((aligned(4096)));
static int binds, unbinds, maps, unmaps, notifies, copies_failed, copy_calls, bound_remote = -1;
static uint64_t now_us;
static char last_log[256];

static int f_bind(void *ctx, uint16_t domid, uint32_t port)
{
	(void)ctx, (void)domid;
	binds++;
	bound_remote = (int)port;
	return 40 + binds;
}

static void f_unbind(void *ctx, unsigned port) { (void)ctx, (void)port; unbinds++; }
static void f_notify(void *ctx, unsigned port) { (void)ctx, (void)port; notifies++; }

static int f_map(void *ctx, uint16_t domid, uint32_t ref, void **addr, uint32_t *h)
{
	(void)ctx, (void)domid;
	if (ref >= FE_PAGES)
		return -EINVAL;
	maps++;
	*addr = fe_page[ref];
	*h = ref;
	return 0;
}

static void f_unmap(void *ctx, void *addr, uint32_t h) { (void)ctx, (void)addr, (void)h; unmaps++; }

static int f_copy(void *ctx, uint16_t domid, bool to_guest, const struct vif_back_copy *ops,
		  unsigned n)
{
	(void)ctx, (void)domid;
	copy_calls++;
	for (unsigned k = 0; k < n; k++) {
		const struct vif_back_copy *o = &ops[k];

		/* rings (refs 0..3) are never granted for data; a copy stays in its page */
		if (o->gref < 4 || o->gref >= FE_PAGES || o->offset + o->len > 4096u) {
			copies_failed++;
			return -EINVAL;
		}
		if (to_guest)
			memcpy(fe_page[o->gref] + o->offset, o->local, o->len);
		else
			memcpy(o->local, fe_page[o->gref] + o->offset, o->len);
	}
	return 0;
}

static uint64_t f_now(void *ctx) { (void)ctx; return now_us; }

static void f_log(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static const struct vif_back_env env = {
	.xs = { .read = f_read, .directory = f_dir, .write = f_write, .log = f_log },
	.bind = f_bind, .unbind = f_unbind, .notify = f_notify, .map = f_map, .unmap = f_unmap,
	.copy = f_copy, .now_us = f_now,
};

static struct vif_back_set set;

/* ---- the frontend ------------------------------------------------------------------ */

#define BE "/local/domain/2/backend/vif"

struct fe {
	unsigned dom, devid, txref, rxref;
	struct netif_tx_front_ring tx;
	struct netif_rx_front_ring rx;
	char fe[64], be[64];
};

static struct fe fa = { .dom = 5, .txref = 0, .rxref = 1 }, fb = { .dom = 6, .txref = 2, .rxref = 3 };
static uint8_t got[4][GSO_MAX_PACKET];
static size_t got_len[4];
static unsigned got_from[4], delivered;
static struct vif_back_meta got_meta[4];

static bool forward;	/* deliver also passes each packet to both vifs' rx */

static void deliver(void *arg, unsigned i, const uint8_t *frame, size_t len,
		    const struct vif_back_meta *m)
{
	unsigned k = delivered++ % 4;

	(void)arg;
	if (forward) {
		vif_back_rx(&set, 0, frame, len, m);
		vif_back_rx(&set, 1, frame, len, m);
	}
	memcpy(got[k], frame, len);
	got_len[k] = len;
	got_from[k] = i;
	got_meta[k] = *m;
}

static bool serve(void)
{
	return vif_back_serve(&set, deliver, NULL);
}

static int be_state(const struct fe *f)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/state", f->be);
	return xs_get(p) ? atoi(xs_get(p)) : -1;
}

static void fe_key(const struct fe *f, const char *k, const char *v)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/%s", f->fe, k);
	xs_put(p, "%s", v);
}

static void be_key(const struct fe *f, const char *k, const char *v)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/%s", f->be, k);
	xs_put(p, "%s", v);
}

/* The toolstack's nodes, then the frontend connecting as netfront does. */
static void fe_setup(struct fe *f, const char *rate)
{
	snprintf(f->fe, sizeof(f->fe), "/local/domain/%u/device/vif/%u", f->dom, f->devid);
	snprintf(f->be, sizeof(f->be), BE "/%u/%u", f->dom, f->devid);
	be_key(f, "frontend", f->fe);
	be_key(f, "frontend-id", f->dom == 5 ? "5" : "6");
	be_key(f, "mac", "00:16:3e:12:34:56");
	be_key(f, "handle", "0");
	be_key(f, "bridge", "bridge0");
	if (rate)
		be_key(f, "rate", rate);
	be_key(f, "state", "1");
	fe_key(f, "state", "1");
}

static void fe_connect(struct fe *f)
{
	char ref[8];

	memset(fe_page[f->txref], 0, 4096);
	memset(fe_page[f->rxref], 0, 4096);
	SHARED_RING_INIT((struct netif_tx_sring *)fe_page[f->txref]);
	SHARED_RING_INIT((struct netif_rx_sring *)fe_page[f->rxref]);
	FRONT_RING_INIT(&f->tx, (struct netif_tx_sring *)fe_page[f->txref], 4096);
	FRONT_RING_INIT(&f->rx, (struct netif_rx_sring *)fe_page[f->rxref], 4096);
	snprintf(ref, sizeof(ref), "%u", f->txref);
	fe_key(f, "tx-ring-ref", ref);
	snprintf(ref, sizeof(ref), "%u", f->rxref);
	fe_key(f, "rx-ring-ref", ref);
	fe_key(f, "event-channel", "9");
	fe_key(f, "request-rx-copy", "1");
	fe_key(f, "feature-rx-notify", "1");
	fe_key(f, "state", "4");
}

static void tx_put(struct fe *f, uint16_t id, uint32_t gref, uint16_t off, uint16_t size,
		   uint16_t flags)
{
	struct netif_tx_request *r = RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt);

	r->id = id, r->gref = gref, r->offset = off, r->size = size, r->flags = flags;
	f->tx.req_prod_pvt++;
}

static void tx_push(struct fe *f)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->tx, notify);
	(void)notify;
}

/* The next tx responses; how many there were. */
static unsigned tx_responses(struct fe *f, struct netif_tx_response *out, unsigned max)
{
	unsigned n = 0;

	while (f->tx.rsp_cons != f->tx.sring->rsp_prod && n < max)
		out[n++] = *RING_GET_RESPONSE(&f->tx, f->tx.rsp_cons++);
	return n;
}

static void rx_post(struct fe *f, uint16_t id, uint32_t gref)
{
	struct netif_rx_request *r = RING_GET_REQUEST(&f->rx, f->rx.req_prod_pvt);
	int notify;

	r->id = id, r->gref = gref;
	f->rx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->rx, notify);
	(void)notify;
}

/* ---- frames --------------------------------------------------------------------- */

/* An Ethernet + IPv4 + UDP frame of len bytes, its UDP checksum left 0. */
static size_t udp_frame(uint8_t *b, size_t len, uint8_t seed)
{
	size_t ip = len - 14, udp = ip - 20;

	memset(b, 0, len);
	memcpy(b, "\xff\xff\xff\xff\xff\xff\x00\x16\x3e\x12\x34\x56\x08\x00", 14);
	b[14] = 0x45;
	b[16] = (uint8_t)(ip >> 8), b[17] = (uint8_t)ip;
	b[22] = 64, b[23] = 17;
	memcpy(b + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	b[34] = 0x30, b[35] = 0x39, b[36] = 0x00, b[37] = 0x35;
	b[38] = (uint8_t)(udp >> 8), b[39] = (uint8_t)udp;
	for (size_t i = 42; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7);
	return len;
}

/* Whether the UDP checksum of such a frame verifies (RFC 768). */
static bool udp_ok(const uint8_t *b, size_t len)
{
	size_t udp = len - 34;
	uint32_t sum = csum_add(0, b + 26, 8) + 17 + (uint32_t)udp;

	return csum_fold(csum_add(sum, b + 34, udp)) == 0xffff && (b[40] | b[41]);
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_handshake(void)
{
	char p[128];

	fe_setup(&fa, NULL);
	vif_back_scan(&set);
	CHECK(be_state(&fa) == XenbusStateInitWait);
	snprintf(p, sizeof(p), "%s/feature-rx-copy", fa.be);
	CHECK(xs_get(p) && !strcmp(xs_get(p), "1"));
	snprintf(p, sizeof(p), "%s/feature-sg", fa.be);
	CHECK(xs_get(p) && !strcmp(xs_get(p), "1"));
	snprintf(p, sizeof(p), "%s/feature-gso-tcpv4", fa.be);
	CHECK(xs_get(p) && !strcmp(xs_get(p), "1"));
	snprintf(p, sizeof(p), "%s/feature-gso-tcpv6", fa.be);
	CHECK(xs_get(p) && !strcmp(xs_get(p), "1"));
	snprintf(p, sizeof(p), "%s/hotplug-status", fa.be);
	CHECK(!strcmp(xs_get(p), "connected"));
	CHECK(!vif_back_connected(&set, 0));
	/* vif5.0 takes GSO packets whole on rx, as Linux's netfront does;
	 * vif6.0 (below) says nothing, so it gets them cut. */
	fe_key(&fa, "feature-sg", "1");
	fe_key(&fa, "feature-gso-tcpv4", "1");
	fe_key(&fa, "feature-gso-tcpv6", "1");
	fe_connect(&fa);
	vif_back_scan(&set);
	CHECK(be_state(&fa) == XenbusStateConnected && vif_back_connected(&set, 0));
	CHECK(maps == 2 && binds == 1 && bound_remote == 9);
	CHECK(strstr(last_log, "vif5.0: connected, mac 00:16:3e:12:34:56"));
	/* The second guest, vif6.0. */
	fe_setup(&fb, "1000,1000000");
	vif_back_scan(&set);
	fe_connect(&fb);
	vif_back_scan(&set);
	CHECK(be_state(&fb) == XenbusStateConnected && vif_back_connected(&set, 1));
}

static void test_handshake_refused(void)
{
	struct fe f = { .dom = 7, .devid = 3, .txref = 60, .rxref = 61 };
	char p[128];

	fe_setup(&f, NULL);
	vif_back_scan(&set);
	CHECK(be_state(&f) == XenbusStateInitWait);
	fe_connect(&f);
	fe_key(&f, "request-rx-copy", "0");	/* a flipping frontend */
	vif_back_scan(&set);
	CHECK(be_state(&f) == XenbusStateClosed);
	CHECK(xs_get("/local/domain/2/error/backend/vif/7/3/error"));
	snprintf(p, sizeof(p), "%s/hotplug-status", f.be);
	CHECK(!strcmp(xs_get(p), "error"));
	/* A bad ring ref: Closed, nothing left mapped. */
	int m = maps, u = unmaps;
	fe_key(&f, "state", "1");
	vif_back_scan(&set);
	CHECK(be_state(&f) == XenbusStateInitWait);
	fe_key(&f, "request-rx-copy", "1");
	fe_key(&f, "rx-ring-ref", "999");
	fe_key(&f, "state", "4");
	vif_back_scan(&set);
	CHECK(be_state(&f) == XenbusStateClosed && maps - m == unmaps - u);
	/* A malformed mac never gets past InitWait. */
	struct fe g = { .dom = 8, .txref = 62, .rxref = 63 };
	fe_setup(&g, NULL);
	be_key(&g, "mac", "00:16:3e:zz:00:01");
	vif_back_scan(&set);
	CHECK(be_state(&g) == XenbusStateClosed);
	xs_rm(f.be), xs_rm(g.be);
	vif_back_scan(&set);
}

static void test_tx(void)
{
	struct netif_tx_response r[8];
	uint8_t frame[1200];

	/* 1000 bytes over two slots (700 in page 10 at 3000 is past its end: use
	 * 600 at 3496 and 400 at 0 of page 11), checksum left blank. */
	udp_frame(frame, 1000, 3);
	memcpy(fe_page[10] + 3496, frame, 600);
	memcpy(fe_page[11], frame + 600, 400);
	tx_put(&fa, 21, 10, 3496, 1000, NETTXF_more_data | NETTXF_csum_blank);
	tx_put(&fa, 22, 11, 0, 400, 0);
	tx_push(&fa);
	delivered = 0;
	serve();
	CHECK(delivered == 1 && got_len[0] == 1000 && got_from[0] == 0);
	CHECK(!memcmp(got[0], frame, 40) && !memcmp(got[0] + 42, frame + 42, 958));
	CHECK(udp_ok(got[0], 1000));
	CHECK(tx_responses(&fa, r, 8) == 2 && r[0].id == 21 && r[0].status == NETIF_RSP_OKAY &&
	      r[1].id == 22 && r[1].status == NETIF_RSP_OKAY);
	CHECK(set.v[0].st.tx_packets == 1 && set.v[0].st.tx_bytes == 1000);
	/* Too large for a 1500-byte MTU, a data page the guest never granted,
	 * and a blank checksum on something that is not IP: each answered with
	 * an error, none delivered. */
	tx_put(&fa, 30, 10, 0, 2000, NETTXF_more_data);
	tx_put(&fa, 31, 11, 0, 1000, 0);
	tx_put(&fa, 32, 1, 0, 100, 0);	/* ring page 1 as data: refused */
	memset(fe_page[12], 0, 64);
	tx_put(&fa, 33, 12, 0, 60, NETTXF_csum_blank);
	tx_push(&fa);
	delivered = 0;
	serve();
	CHECK(delivered == 0);
	CHECK(tx_responses(&fa, r, 8) == 4);
	for (int k = 0; k < 4; k++)
		CHECK(r[k].status == NETIF_RSP_ERROR && r[k].id == 30 + k);
	CHECK(set.v[0].st.tx_errors == 3);
}

static void test_rx(void)
{
	uint8_t frame[1500];
	struct netif_rx_response *rsp;

	udp_frame(frame, 1400, 9);
	/* No buffers posted yet: it waits in the queue. */
	CHECK(vif_back_rx(&set, 0, frame, 1400, NULL) == 0);
	CHECK(fa.rx.sring->rsp_prod == 0 && set.v[0].rxq_n == 1);
	rx_post(&fa, 77, 20);
	serve();
	CHECK(fa.rx.sring->rsp_prod == 1);
	rsp = RING_GET_RESPONSE(&fa.rx, 0);
	CHECK(rsp->id == 77 && rsp->status == 1400 && rsp->offset == 0 &&
	      !(rsp->flags & NETRXF_more_data));
	CHECK(!memcmp(fe_page[20], frame, 1400));
	fa.rx.rsp_cons = 1;
	/* Not for a disconnected or unknown vif, not oversize or runt frames. */
	CHECK(vif_back_rx(&set, 5, frame, 100, NULL) == -ENOTCONN);
	CHECK(vif_back_rx(&set, 0, frame, 1519, NULL) == -EMSGSIZE);
	CHECK(vif_back_rx(&set, 0, frame, 13, NULL) == -EMSGSIZE);
	/* The queue holds VIF_BACK_RXQ frames; the next is dropped. */
	for (int k = 0; k < VIF_BACK_RXQ; k++)
		CHECK(vif_back_rx(&set, 0, frame, 60 + k, NULL) == 0);
	CHECK(vif_back_rx(&set, 0, frame, 100, NULL) == -ENOBUFS);
	for (int k = 0; k < VIF_BACK_RXQ; k++)
		rx_post(&fa, (uint16_t)(100 + k), (uint32_t)(24 + k));
	serve();
	CHECK(set.v[0].rxq_n == 0 && fa.rx.sring->rsp_prod == 1 + VIF_BACK_RXQ);
	for (int k = 0; k < VIF_BACK_RXQ; k++) {
		rsp = RING_GET_RESPONSE(&fa.rx, 1 + k);
		CHECK(rsp->id == 100 + k && rsp->status == 60 + k);
	}
	fa.rx.rsp_cons = fa.rx.sring->rsp_prod;
	/* Three frames queued, then flushed: one copy call and one event. */
	int calls = copy_calls, events = notifies;
	for (int k = 0; k < 3; k++) {
		rx_post(&fa, (uint16_t)(150 + k), (uint32_t)(24 + k));
		CHECK(vif_back_rx(&set, 0, frame, 200 + k, NULL) == 0);
	}
	CHECK(fa.rx.sring->rsp_prod == fa.rx.rsp_cons);	/* not yet */
	fa.rx.sring->rsp_event = fa.rx.rsp_cons + 1;	/* the guest wants an event */
	vif_back_flush(&set);
	CHECK(copy_calls == calls + 1 && notifies == events + 1);
	for (int k = 0; k < 3; k++)
		CHECK(RING_GET_RESPONSE(&fa.rx, fa.rx.rsp_cons + k)->status == 200 + k &&
		      !memcmp(fe_page[24 + k], frame, 200));
	fa.rx.rsp_cons += 3;
	/* A buffer the guest never granted between two good ones: the batch's
	 * call fails, each frame is copied again on its own, and only that
	 * frame gets an error response, counted. */
	uint64_t dropped = set.v[0].st.rx_dropped, packets = set.v[0].st.rx_packets;
	calls = copy_calls;
	rx_post(&fa, 199, 24);
	rx_post(&fa, 200, 3);
	rx_post(&fa, 201, 25);
	for (int k = 0; k < 3; k++)
		CHECK(vif_back_rx(&set, 0, frame, 100, NULL) == 0);
	vif_back_flush(&set);
	CHECK(copy_calls == calls + 4);
	rsp = RING_GET_RESPONSE(&fa.rx, fa.rx.rsp_cons);
	CHECK(rsp[0].id == 199 && rsp[0].status == 100);
	rsp = RING_GET_RESPONSE(&fa.rx, fa.rx.rsp_cons + 1);
	CHECK(rsp->id == 200 && rsp->status == NETIF_RSP_ERROR && set.v[0].st.rx_dropped == dropped + 1);
	rsp = RING_GET_RESPONSE(&fa.rx, fa.rx.rsp_cons + 2);
	CHECK(rsp->id == 201 && rsp->status == 100 && set.v[0].st.rx_packets == packets + 2);
	fa.rx.rsp_cons += 3;
}

static void test_rate(void)
{
	struct netif_tx_response r[4];
	uint8_t frame[700];

	/* vif6.0: 1000 bytes a second. Two 600-byte packets: the second waits
	 * for the next second's credit. */
	udp_frame(frame, 600, 1);
	memcpy(fe_page[40], frame, 600);
	tx_put(&fb, 1, 40, 0, 600, 0);
	tx_put(&fb, 2, 40, 0, 600, 0);
	tx_push(&fb);
	delivered = 0;
	CHECK(serve());	/* more: waiting for credit */
	CHECK(delivered == 1 && tx_responses(&fb, r, 4) == 1);
	now_us += 500000;
	serve();
	CHECK(delivered == 1);
	now_us += 600000;
	CHECK(!serve());
	CHECK(delivered == 2 && tx_responses(&fb, r, 4) == 1 && r[0].id == 2);
}

static void test_broken_ring(void)
{
	uint8_t frame[100];

	/* vif6.0 claims more requests than its ring holds: it is closed, with
	 * the reason; vif5.0 goes on. */
	fb.tx.sring->req_prod = fb.tx.req_prod_pvt + 1000;
	serve();
	CHECK(be_state(&fb) == XenbusStateClosed && !vif_back_connected(&set, 1));
	CHECK(xs_get("/local/domain/2/error/backend/vif/6/0/error"));
	udp_frame(frame, 100, 2);
	memcpy(fe_page[10], frame, 100);
	tx_put(&fa, 50, 10, 0, 100, 0);
	tx_push(&fa);
	delivered = 0;
	serve();
	CHECK(delivered == 1 && got_from[0] == 0);
	/* It reconnects from Initialising, as after a guest's driver reload. */
	CHECK(!strcmp(xs_get("/local/domain/2/backend/vif/6/0/hotplug-status"), "error"));
	fe_key(&fb, "state", "1");
	vif_back_scan(&set);
	CHECK(be_state(&fb) == XenbusStateInitWait);
	/* hotplug-status says the new connection's truth, not the old error. */
	CHECK(!strcmp(xs_get("/local/domain/2/backend/vif/6/0/hotplug-status"), "connected"));
	fe_connect(&fb);
	vif_back_scan(&set);
	CHECK(be_state(&fb) == XenbusStateConnected);
}

/* A GSO packet from vif5.0 (tx: the extra-info slot, scatter-gather over
 * five pages), passed whole into vif5.0's own rx (it said feature-gso) and
 * cut into frames for vif6.0 (it did not); a GSO packet that is not TCP is
 * refused. */
static void gso_tx(struct fe *f, uint16_t mss, uint8_t type)
{
	struct netif_extra_info *x = (struct netif_extra_info *)RING_GET_REQUEST(&f->tx,
										  f->tx.req_prod_pvt);

	memset(x, 0, sizeof(*x));
	x->type = XEN_NETIF_EXTRA_TYPE_GSO;
	x->u.gso.size = mss, x->u.gso.type = type;
	f->tx.req_prod_pvt++;
}

static void test_gso(void)
{
	static uint8_t pkt[GSO_MAX_PACKET];
	struct netif_tx_response r[8];
	size_t len = tcpf_build(pkt, false, 20000, 0x18, 100, 4), at = 0, n;
	struct netif_rx_response *rsp;
	const struct netif_extra_info *x;

	tx_responses(&fa, r, 8);	/* the earlier tests' */
	for (unsigned k = 0; k < 5; k++)
		memcpy(fe_page[100 + k], pkt + 4096 * k, k < 4 ? 4096 : len - 4 * 4096);
	tx_put(&fa, 1, 100, 0, (uint16_t)len,
	       NETTXF_more_data | NETTXF_extra_info | NETTXF_csum_blank);
	gso_tx(&fa, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	for (unsigned k = 1; k < 5; k++)
		tx_put(&fa, (uint16_t)(1 + k), 100 + k, 0, k < 4 ? 4096 : (uint16_t)(len - 4 * 4096),
		       k < 4 ? NETTXF_more_data : 0);
	tx_push(&fa);
	delivered = 0;
	serve();
	CHECK(delivered == 1 && got_len[0] == len && !memcmp(got[0], pkt, len));
	CHECK(got_meta[0].gso && got_meta[0].g.mss == 1448 && got_meta[0].g.frames == 14);
	CHECK(tx_responses(&fa, r, 8) == 6 && r[0].status == NETIF_RSP_OKAY &&
	      r[1].status == NETIF_RSP_NULL && r[5].id == 5 && r[5].status == NETIF_RSP_OKAY);
	CHECK(set.v[0].st.tx_gso == 1);
	/* Whole into vif5.0: five pages and the extra-info slot. */
	RING_IDX first = fa.rx.rsp_cons;
	for (unsigned k = 0; k < 6; k++)
		rx_post(&fa, (uint16_t)(300 + k), 110 + k);
	CHECK(vif_back_rx(&set, 0, got[0], len, &got_meta[0]) == 0);
	vif_back_flush(&set);
	CHECK(fa.rx.sring->rsp_prod == first + 6 && set.v[0].st.rx_gso == 1);
	rsp = RING_GET_RESPONSE(&fa.rx, first);
	CHECK(rsp->status == 4096 && (rsp->flags & NETRXF_extra_info) &&
	      (rsp->flags & NETRXF_more_data) && (rsp->flags & NETRXF_csum_blank) &&
	      (rsp->flags & NETRXF_data_validated));
	x = (const struct netif_extra_info *)RING_GET_RESPONSE(&fa.rx, first + 1);
	CHECK(x->type == XEN_NETIF_EXTRA_TYPE_GSO && x->u.gso.size == 1448 &&
	      x->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4);
	for (unsigned k = 0; k < 6; k++) {
		if (k == 1)
			continue;
		rsp = RING_GET_RESPONSE(&fa.rx, first + k);
		CHECK(!memcmp(fe_page[110 + k], pkt + at, (size_t)rsp->status));
		at += (size_t)rsp->status;
		CHECK(!!(rsp->flags & NETRXF_more_data) == (k < 5));
	}
	CHECK(at == len);
	fa.rx.rsp_cons = fa.rx.sring->rsp_prod;
	/* Cut for vif6.0: 14 frames, each a whole TCP segment. */
	first = fb.rx.rsp_cons;
	for (unsigned k = 0; k < 14; k++)
		rx_post(&fb, (uint16_t)(400 + k), 120 + k);
	CHECK(vif_back_rx(&set, 1, got[0], len, &got_meta[0]) == 0);
	vif_back_flush(&set);
	CHECK(fb.rx.sring->rsp_prod == first + 14 && set.v[1].st.rx_cut == 14);
	for (unsigned k = 0, total = 0; k < 14; k++, total += (unsigned)n) {
		rsp = RING_GET_RESPONSE(&fb.rx, first + k);
		CHECK(rsp->status > 0 && !(rsp->flags & (NETRXF_more_data | NETRXF_extra_info)));
		CHECK(tcpf_frame_ok(fe_page[120 + k], (size_t)rsp->status, false, k, 1448, 100, 4, &n));
		if (k == 13)
			CHECK(total + n == 20000);
	}
	fb.rx.rsp_cons = fb.rx.sring->rsp_prod;
	/* Without buffers posted, the cut frames wait in the queue (64 of them). */
	CHECK(vif_back_rx(&set, 1, got[0], len, &got_meta[0]) == 0 && set.v[1].rxq_n == 14);
	set.v[1].rxq_n = 0;
	/* GSO of a UDP packet: refused with errors, the reason logged. */
	udp_frame(fe_page[100], 1000, 1);
	tx_put(&fa, 9, 100, 0, 1000, NETTXF_extra_info | NETTXF_csum_blank);
	gso_tx(&fa, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	tx_push(&fa);
	delivered = 0;
	serve();
	CHECK(delivered == 0 && tx_responses(&fa, r, 8) == 2 && r[0].status == NETIF_RSP_ERROR);
}

/* Hostile tx rings: random requests, every one answered exactly once. */
static void test_fuzz(void)
{
	unsigned long long seed = 0x5eed5eedull;
	struct netif_tx_response r[300];
	unsigned long long requests = 0, answered = 0;

	for (int round = 0; round < 20000; round++) {
		unsigned n = 1 + (unsigned)(check_rnd(&seed) % 5);

		for (unsigned k = 0; k < n; k++) {
			uint64_t x = check_rnd(&seed);

			tx_put(&fb, (uint16_t)x, (uint32_t)((x >> 16) % 70), (uint16_t)((x >> 24) % 4200),
			       (uint16_t)((x >> 40) % 1700),
			       (uint16_t)((x >> 56) & (NETTXF_more_data | NETTXF_csum_blank |
						       NETTXF_data_validated)));
			requests++;
		}
		tx_push(&fb);
		serve();
		answered += tx_responses(&fb, r, 300);
		if (!vif_back_connected(&set, 1)) {
			/* refused as broken: reconnect and count afresh */
			fe_key(&fb, "state", "1");
			vif_back_scan(&set);
			fe_connect(&fb);
			vif_back_scan(&set);
			CHECK(vif_back_connected(&set, 1));
			requests = answered = 0;
		}
		CHECK(answered + (fb.tx.req_prod_pvt - set.v[1].tx.req_cons) == requests);
		CHECK(vif_back_connected(&set, 0));
	}
	CHECK(copies_failed > 0);
}

/* Hostile GSO: TCP packets from tcpf_build with random header bytes
 * overwritten, random MSS and type, spread over 1-17 slots, from vif5.0;
 * each one taken is passed to vif5.0 (whole) and vif6.0 (cut). Every
 * request is answered once, vif6.0's rx never sees more than a frame in a
 * buffer or a GSO slot, and nothing reads past a page (ASan). */
static void test_fuzz_gso(void)
{
	static uint8_t pkt[GSO_MAX_PACKET];
	unsigned long long seed = 0x650650ull, requests = 0, answered = 0, taken = 0;
	struct netif_tx_response r[64];

	forward = true;
	for (int round = 0; round < 3000; round++) {
		uint64_t x = check_rnd(&seed);
		size_t len = tcpf_build(pkt, x & 1, (size_t)((x >> 8) % 60000), (uint8_t)(x >> 24),
					(uint32_t)(x >> 32), (uint8_t)round);
		unsigned slots = 1 + (unsigned)((len + 4095) / 4096), k;

		for (unsigned c = (unsigned)(x >> 40) % 4; c; c--)
			pkt[check_rnd(&seed) % 90] = (uint8_t)check_rnd(&seed);
		for (k = 0; k * 4096 < len; k++)
			memcpy(fe_page[100 + k], pkt + 4096 * k, len - 4096 * k < 4096 ? len - 4096 * k : 4096);
		tx_put(&fa, 1, 100, 0, (uint16_t)len,
		       (uint16_t)((slots > 2 ? NETTXF_more_data : 0) | NETTXF_extra_info |
				  NETTXF_csum_blank));
		gso_tx(&fa, (uint16_t)(x & 2 ? 80 + (x >> 48) % 1500 : 1 + (x >> 48) % 65535),
		       (uint8_t)(1 + (x >> 44) % 2));	/* (a size of 0 or an unknown type:
							 * netif_tx's, a broken ring) */
		for (k = 1; k + 1 < slots; k++)
			tx_put(&fa, (uint16_t)(1 + k), 100 + k, 0,
			       (uint16_t)(len - 4096 * k < 4096 ? len - 4096 * k : 4096),
			       k + 2 < slots ? NETTXF_more_data : 0);
		requests += slots;
		for (k = 0; k < 24 && RING_FREE_REQUESTS(&fa.rx); k++)
			rx_post(&fa, (uint16_t)k, 130 + k % 12);
		for (k = 0; k < 24 && RING_FREE_REQUESTS(&fb.rx); k++)
			rx_post(&fb, (uint16_t)k, 142 + k % 12);
		tx_push(&fa);
		delivered = 0;
		serve();
		vif_back_flush(&set);
		taken += delivered;
		answered += tx_responses(&fa, r, 64);
		CHECK(answered == requests && vif_back_connected(&set, 0) && vif_back_connected(&set, 1));
		while (fb.rx.rsp_cons != fb.rx.sring->rsp_prod) {
			struct netif_rx_response *q = RING_GET_RESPONSE(&fb.rx, fb.rx.rsp_cons++);

			CHECK(q->status <= 1518 && !(q->flags & (NETRXF_extra_info | NETRXF_more_data)));
		}
		fa.rx.rsp_cons = fa.rx.sring->rsp_prod;
		/* what the rx rings could not take this round goes */
		set.v[0].rxq_n = set.v[1].rxq_n = 0;
	}
	forward = false;
	CHECK(taken > 100 && taken < 3000);
}

static void test_release(void)
{
	xs_rm(BE);
	vif_back_scan(&set);
	CHECK(!set.v[0].xb.used && !set.v[1].xb.used);
	CHECK(maps == unmaps && binds == unbinds);
}

/* Checksums against RFC 1071's worked example and IPv6/TCP frames. */
static void test_csum(void)
{
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t f[200];

	CHECK(csum_fold(csum_add(0, rfc, sizeof(rfc))) == 0xddf2);
	/* IPv6 + TCP: the pseudo-header covers both addresses, length and 6. */
	memset(f, 0, sizeof(f));
	f[12] = 0x86, f[13] = 0xdd, f[14] = 0x60;
	f[18] = 0, f[19] = 40, f[20] = 6, f[21] = 64;
	for (int i = 22; i < 54; i++)
		f[i] = (uint8_t)i;
	f[54 + 12] = 0x50;
	for (int i = 74; i < 94; i++)
		f[i] = (uint8_t)(i * 3);
	CHECK(csum_fill(f, 94) == 0);
	uint32_t sum = csum_add(0, f + 22, 32) + 40 + 6;
	CHECK(csum_fold(csum_add(sum, f + 54, 40)) == 0xffff);
	/* Refused: not IP, a truncated IP header, a length beyond the frame,
	 * a later fragment, an unknown protocol. */
	uint8_t g[100];
	udp_frame(g, 100, 1);
	CHECK(csum_fill(g, 100) == 0 && udp_ok(g, 100));
	g[12] = 0x88;
	CHECK(csum_fill(g, 100) == -EINVAL);
	udp_frame(g, 100, 1);
	CHECK(csum_fill(g, 30) == -EINVAL);
	g[17] = 200;
	CHECK(csum_fill(g, 100) == -EINVAL);
	udp_frame(g, 100, 1);
	g[21] = 5;
	CHECK(csum_fill(g, 100) == -EINVAL);
	udp_frame(g, 100, 1);
	g[23] = 47;
	CHECK(csum_fill(g, 100) == -EINVAL);
	/* Random frames never read past their length (ASan watches). */
	unsigned long long seed = 42;
	for (int k = 0; k < 100000; k++) {
		size_t len = (size_t)(check_rnd(&seed) % 120);
		uint8_t *b = malloc(len ? len : 1);

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)check_rnd(&seed);
		if (len > 13 && k % 2)
			b[12] = 0x08, b[13] = 0x00;
		if (len > 14 && k % 4 == 1)
			b[14] = 0x45;
		(void)csum_fill(b, len);
		free(b);
		check_cases++;
	}
}

int main(void)
{
	vif_back_set_init(&set, &env, 2);
	test_csum();
	test_handshake();
	test_handshake_refused();
	test_tx();
	test_rx();
	test_rate();
	test_broken_ring();
	test_gso();
	test_fuzz_gso();
	test_fuzz();
	test_release();
	CHECK_DONE("vif_back");
	return 0;
}
