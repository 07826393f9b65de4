/*
 * nethostile, the runtime domain: a netif FRONTEND of its first vif (xl
 * vif=, its backend the network driver domain) that attacks the backend
 * (issue 9 §4: hostile frontends are disconnected without hurting other
 * guests).
 *
 *   1. connects as netfront does (backend InitWait; tx-ring-ref,
 *      rx-ring-ref, event-channel, request-rx-copy 1; Connected);
 *   2. rx buffers with grant refs never granted: each answered with an
 *      error status; then good buffers again;
 *   3. malformed tx, full rings of them: bad grant refs, sizes of 0 or
 *      below an Ethernet header, slots holding more than the packet,
 *      packets above the MTU, GSO packets, a bad ref mid-chain; every slot
 *      answered once, with an error; legal odd ids echoed;
 *   4. floods: full rings of valid frames (to our own address: bridge0
 *      drops them), every slot answered OK;
 *   5. protocol breaks, each must close the vif without an answer, and we
 *      reconnect from Initialising: a slot larger than the page, a slot
 *      across its page's end, a more_data chain of 19 slots, an unknown
 *      extra-info type, an impossible tx req_prod, an impossible rx
 *      req_prod (seen when a frame for us arrives).
 * Result: `nethostile: N malformed tx, N floods (N frames), N bad rx
 * buffers, N impossible req_prod; disconnects N`, then `nethostile: done`;
 * FAIL lines for anything else.
 *
 * With "good" in its command line (netgood*.cfg) it is the other guest:
 * every PING_MS a broadcast ping (ethertype 0x88b5, a counter, a pattern
 * and a checksum), pongs for the other's pings, every frame checked, for
 * GOOD_SECONDS; then `nethostile: good: ...`.
 */
#include "dom.h"
#include "front.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/io/netif.h"
#include "public/io/xenbus.h"

#define PAGE 4096u
#define TXP 4				/* tx data pages */
#define RXN 16				/* rx buffers posted */
#define WAIT_MS 10000			/* per handshake step / break */
#define RSP_MS 5000			/* for a ring's answers */
#define MAL_ROUNDS 12
#define FLOOD_ROUNDS 8
#define GOOD_SECONDS 45
#define PING_MS 20
#define ETYPE 0x88b5u
#define PING 1
#define PONG 2

static uint8_t pages[3 + TXP + RXN][PAGE] __attribute__((aligned(4096)));
#define TX_RING pages[0]
#define RX_RING pages[1]
#define SPARE pages[2]			/* granted then revoked */
#define TXD(i) pages[3 + (i)]
#define RXD(i) pages[3 + TXP + (i)]

static struct {
	struct front f;			/* fe, be, fails, rnd (front.h) */
	uint16_t be_dom;
	uint8_t mac[6];
	struct netif_tx_front_ring tx;
	struct netif_rx_front_ring rx;
	uint32_t tx_ref, rx_ref, revoked, unused, txg[TXP], rxg[RXN];
	int port;
	bool bad_rx;			/* posting rx buffers with bad refs */
	bool rx_bad[RXN];		/* buffer k was posted with a bad ref */
	unsigned rx_bad_out;		/* of those, still unanswered */
	uint16_t next_id;
	unsigned nulls;			/* NETIF_RSP_NULL answers still owed */
	unsigned long malformed, floods, flood_frames, bad_rx_answers, impossible, disconnects;
	/* good mode */
	unsigned long pings, pongs, answered, intact, corrupt, tx_errors;
	uint8_t ask[6];			/* the last ping's sender, to answer */
	uint32_t ask_seq;
	bool ask_pending;
	uint8_t want[65536];		/* tx ids awaiting their answer */
	int16_t status[65536];		/* the answer each id got */
} h = { .f = { .name = "nethostile", .rnd = 0x9e3779b97f4a7c15ull }, .port = -1 };

#define fail(...) front_fail(&h.f, __VA_ARGS__)
#define rnd() front_rnd(&h.f)
#define be_state() front_be_state(&h.f)
#define wait_be(a, b) front_wait_be(&h.f, a, b, WAIT_MS)

/* ---- xenbus ---------------------------------------------------------------- */

static int hexv(char c)
{
	c = (char)(c | 0x20);
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int find_vif(uint16_t self)
{
	char path[96], **names = NULL, *v = NULL;
	unsigned n = 0;
	uint64_t id;
	int bad = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif", self);
	if (dom_xs_directory(0, path, &names, &n) || !n)
		return -1;
	snprintf(h.f.fe, sizeof(h.f.fe), "%s/%s", path, names[0]);
	free(names);
	snprintf(path, sizeof(path), "%s/backend", h.f.fe);
	if (dom_xs_read(0, path, &v, NULL) || strlen(v) >= sizeof(h.f.be)) {
		free(v);
		return -1;
	}
	strcpy(h.f.be, v);
	free(v);
	v = NULL;
	snprintf(path, sizeof(path), "%s/backend-id", h.f.fe);
	if (dom_xs_read_u64(0, path, &id) || id >= 0x7ff0)
		return -1;
	h.be_dom = (uint16_t)id;
	snprintf(path, sizeof(path), "%s/mac", h.f.fe);
	if (dom_xs_read(0, path, &v, NULL) || strlen(v) != 17)
		bad = 1;
	for (int i = 0; !bad && i < 6; i++) {
		int hi = hexv(v[3 * i]), lo = hexv(v[3 * i + 1]);

		if (hi < 0 || lo < 0)
			bad = 1;
		h.mac[i] = (uint8_t)(hi << 4 | lo);
	}
	free(v);
	return bad ? -1 : 0;
}

static int grant_all(void)
{
	int r, max;

	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)TX_RING >> 12, false)) < 0)
		return r;
	max = h.tx_ref = (uint32_t)r;
	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)RX_RING >> 12, false)) < 0)
		return r;
	h.rx_ref = (uint32_t)r;
	for (unsigned i = 0; i < TXP + RXN; i++) {
		if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)pages[3 + i] >> 12,
						 i < TXP)) < 0)
			return r;
		if (i < TXP)
			h.txg[i] = (uint32_t)r;
		else
			h.rxg[i - TXP] = (uint32_t)r;
		max = r > max ? r : max;
	}
	if ((r = dom_gnttab_grant_access(h.be_dom, (uintptr_t)SPARE >> 12, false)) < 0)
		return r;
	h.revoked = (uint32_t)r;
	max = r > max ? r : max;
	if ((r = dom_gnttab_end_access(h.revoked)))
		return r;
	h.unused = (uint32_t)max + 300;
	return 0;
}

/* ---- rings ------------------------------------------------------------------ */

static void notify(void)
{
	dom_evtchn_notify((unsigned)h.port);
}

/* rx buffers up to RXN outstanding; buffer k answers as id k. */
static void post_rx(void)
{
	int n;

	while (h.rx.req_prod_pvt - h.rx.rsp_cons < RXN) {
		struct netif_rx_request *q = RING_GET_REQUEST(&h.rx, h.rx.req_prod_pvt);
		uint16_t id = (uint16_t)(h.rx.req_prod_pvt % RXN);

		q->id = id;
		q->gref = h.bad_rx ? h.unused + id * 7 : h.rxg[id];
		h.rx_bad[id] = h.bad_rx;
		h.rx_bad_out += h.bad_rx;
		h.rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h.rx, n);
	(void)n;	/* always: a hostile frontend does not save events */
	notify();
}

static void frame_in(const uint8_t *f, unsigned len);

/* Answers on the rx ring; rx buffers posted again. */
static void poll_rx(void)
{
	RING_IDX prod = *(volatile RING_IDX *)&h.rx.sring->rsp_prod;
	bool any = false;

	RING_RMB();
	if (prod - h.rx.rsp_cons > RXN) {
		fail("rx rsp_prod %u impossible (rsp_cons %u)", prod, h.rx.rsp_cons);
		h.rx.rsp_cons = prod;
		return;
	}
	while (h.rx.rsp_cons != prod) {
		struct netif_rx_response r = *RING_GET_RESPONSE(&h.rx, h.rx.rsp_cons);
		uint16_t want = (uint16_t)(h.rx.rsp_cons % RXN);

		h.rx.rsp_cons++;
		any = true;
		if (r.id != want)
			fail("rx answer id %u for buffer %u", r.id, want);
		if (h.rx_bad[want]) {
			h.rx_bad[want] = false;
			h.rx_bad_out--;
			if (r.status >= 0)
				fail("rx answer %d on a buffer never granted", r.status);
			else
				h.bad_rx_answers++;
			continue;
		}
		if (r.status < 0)
			fail("rx answer %d on a good buffer", r.status);
		else if (r.offset + (unsigned)r.status > PAGE || r.id >= RXN)
			fail("rx answer offset %u size %d", r.offset, r.status);
		else if (!(r.flags & NETRXF_more_data))
			frame_in(RXD(r.id) + r.offset, (unsigned)r.status);
	}
	h.rx.sring->rsp_event = h.rx.rsp_cons + 1;
	if (any)
		post_rx();
}

static struct netif_tx_request *txslot(void)
{
	struct netif_tx_request *q = RING_GET_REQUEST(&h.tx, h.tx.req_prod_pvt++);

	memset(q, 0, sizeof(*q));
	return q;
}

/* A data slot whose answer we await. */
static struct netif_tx_request *txdata(uint32_t gref, uint16_t off, uint16_t size, uint16_t flags)
{
	struct netif_tx_request *q = txslot();

	while (h.want[h.next_id])
		h.next_id++;
	q->id = h.next_id++;
	q->gref = gref;
	q->offset = off;
	q->size = size;
	q->flags = flags;
	h.want[q->id] = 1;
	return q;
}

static void push_tx(void)
{
	int n;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&h.tx, n);
	(void)n;
	notify();
}

static unsigned tx_free(void)
{
	return RING_SIZE(&h.tx) - (h.tx.req_prod_pvt - h.tx.rsp_cons);
}

/* Takes tx answers: each id once, NULLs only as owed. */
static void poll_tx(void)
{
	RING_IDX prod = *(volatile RING_IDX *)&h.tx.sring->rsp_prod;

	RING_RMB();
	if (prod - h.tx.rsp_cons > h.tx.req_prod_pvt - h.tx.rsp_cons) {
		fail("tx rsp_prod %u beyond our requests (%u)", prod, h.tx.req_prod_pvt);
		h.tx.rsp_cons = prod;
		return;
	}
	while (h.tx.rsp_cons != prod) {
		struct netif_tx_response r = *RING_GET_RESPONSE(&h.tx, h.tx.rsp_cons++);

		if (r.status == NETIF_RSP_NULL) {
			if (!h.nulls)
				fail("a NULL tx answer not owed");
			else
				h.nulls--;
			continue;
		}
		if (!h.want[r.id]) {
			fail("tx answer for id %u that is not outstanding (status %d)", r.id, r.status);
			continue;
		}
		h.want[r.id] = 0;
		h.status[r.id] = r.status;
		if (r.status != NETIF_RSP_OKAY)
			h.tx_errors++;
	}
	h.tx.sring->rsp_event = h.tx.rsp_cons + 1;
}

/* Until every tx slot is answered; false on timeout or a closed vif. */
static bool drain_tx(void)
{
	uint64_t deadline = dom_now_ns() + RSP_MS * 1000000ull;

	for (;;) {
		poll_tx();
		poll_rx();
		if (h.tx.rsp_cons == h.tx.req_prod_pvt)
			return true;
		if (dom_now_ns() >= deadline || be_state() != XenbusStateConnected)
			return false;
		dom_evtchn_take((unsigned)h.port);
		dom_wait_event_timeout(2);
	}
}

/* One handshake: backend InitWait, our rings and channel, Connected. */
static int connect(void)
{
	if (!wait_be(XenbusStateInitWait, XenbusStateInitWait))
		return -1;
	memset(TX_RING, 0, PAGE);
	memset(RX_RING, 0, PAGE);
	SHARED_RING_INIT((struct netif_tx_sring *)TX_RING);
	SHARED_RING_INIT((struct netif_rx_sring *)RX_RING);
	FRONT_RING_INIT(&h.tx, (struct netif_tx_sring *)TX_RING, PAGE);
	FRONT_RING_INIT(&h.rx, (struct netif_rx_sring *)RX_RING, PAGE);
	memset(h.want, 0, sizeof(h.want));
	memset(h.rx_bad, 0, sizeof(h.rx_bad));
	h.nulls = h.rx_bad_out = 0;
	if (h.port >= 0)
		dom_evtchn_close((unsigned)h.port);
	if ((h.port = dom_evtchn_alloc_unbound(h.be_dom, NULL, NULL)) < 0)
		return -2;
	front_put(&h.f, "tx-ring-ref", "%u", h.tx_ref);
	front_put(&h.f, "rx-ring-ref", "%u", h.rx_ref);
	front_put(&h.f, "event-channel", "%u", (unsigned)h.port);
	front_put(&h.f, "request-rx-copy", "%u", 1);
	front_put(&h.f, "feature-rx-notify", "%u", 1);
	front_put(&h.f, "state", "%u", XenbusStateConnected);
	if (!wait_be(XenbusStateConnected, XenbusStateConnected))
		return -3;
	post_rx();
	return 0;
}

static int reconnect(void)
{
	front_put(&h.f, "state", "%u", XenbusStateClosing);
	if (!wait_be(XenbusStateClosing, XenbusStateClosed))
		return -10;
	front_put(&h.f, "state", "%u", XenbusStateClosed);
	if (!wait_be(XenbusStateClosed, XenbusStateClosed))
		return -11;
	front_put(&h.f, "state", "%u", XenbusStateInitialising);
	return connect();
}

/* ---- frames ------------------------------------------------------------------- */

static uint32_t sum(const uint8_t *p, unsigned n)
{
	uint32_t x = 2166136261u;

	for (unsigned i = 0; i < n; i++)
		x = (x ^ p[i]) * 16777619u;
	return x;
}

/* dst, src, ETYPE, type, seq, pattern, checksum of bytes 14..len-4; its length. */
static unsigned make_frame(uint8_t *f, const uint8_t *dst, uint8_t type, uint32_t seq)
{
	unsigned len = 64 + seq % 1400, i;

	memcpy(f, dst, 6);
	memcpy(f + 6, h.mac, 6);
	f[12] = ETYPE >> 8, f[13] = ETYPE & 0xff;
	f[14] = type, f[15] = 0;
	memcpy(f + 16, &seq, 4);
	for (i = 20; i < len - 4; i++)
		f[i] = (uint8_t)(seq * 31 + i);
	{
		uint32_t c = sum(f + 14, len - 18);

		memcpy(f + len - 4, &c, 4);
	}
	return len;
}

/* One valid frame from TXD(0); its status after the answer. */
static int send_frame(const uint8_t *dst, uint8_t type, uint32_t seq)
{
	unsigned len = make_frame(TXD(0), dst, type, seq);
	struct netif_tx_request *q = txdata(h.txg[0], 0, (uint16_t)len, 0);
	uint16_t id = q->id;

	push_tx();
	if (!drain_tx()) {
		fail("no tx answer for a good frame (id %u)", id);
		return -99;
	}
	return h.status[id];
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void frame_in(const uint8_t *f, unsigned len)
{
	uint32_t seq, c;

	if (len < 64 || ((unsigned)f[12] << 8 | f[13]) != ETYPE)
		return;
	memcpy(&seq, f + 16, 4);
	memcpy(&c, f + len - 4, 4);
	if (len != 64 + seq % 1400 || c != sum(f + 14, len - 18)) {
		h.corrupt++;
		fail("a corrupt frame from %02x:..:%02x (%u bytes)", f[6], f[11], len);
		return;
	}
	h.intact++;
	if (f[14] == PING && memcmp(f + 6, h.mac, 6)) {
		/* answered from good_only's loop (we are inside a tx drain here) */
		memcpy(h.ask, f + 6, 6);
		h.ask_seq = seq;
		h.ask_pending = true;
		h.answered++;
	} else if (f[14] == PONG && !memcmp(f, h.mac, 6)) {
		h.pongs++;
	}
}

static void good_only(void)
{
	uint64_t end = dom_now_ns() + GOOD_SECONDS * 1000000000ull, next = 0;
	uint32_t seq = 1;

	while (dom_now_ns() < end && h.f.fails < 5) {
		if (h.ask_pending) {
			h.ask_pending = false;
			if (send_frame(h.ask, PONG, h.ask_seq))
				fail("a pong refused");
		}
		if (dom_now_ns() >= next) {
			next = dom_now_ns() + PING_MS * 1000000ull;
			if (send_frame(bcast, PING, seq++))
				fail("a ping refused");
			h.pings++;
		}
		poll_rx();
		if (be_state() != XenbusStateConnected) {
			fail("our vif left Connected (state %u)", (unsigned)be_state());
			break;
		}
		dom_evtchn_take((unsigned)h.port);
		dom_wait_event_timeout(2);
	}
	dom_printf("nethostile: good: %lu pings, %lu pongs, %lu frames intact, %lu corrupt, "
		   "%lu answered, %lu tx errors\n", h.pings, h.pongs, h.intact, h.corrupt,
		   h.answered, h.tx_errors);
}

/* ---- the attacks ---------------------------------------------------------------- */

/* One malformed packet at the ring's tail (at most 4 slots). */
static void malformed_one(unsigned kind, uint64_t x)
{
	struct netif_tx_request *q;
	struct netif_extra_info *e;
	static const uint32_t refs[] = { 0, 0, 0x7fffffffu, 0xffffffffu };
	uint32_t bad = kind % 4 < 2 ? (kind & 1 ? h.revoked : h.unused + (uint32_t)(x % 999))
				   : refs[kind % 4];

	switch (kind % 7) {
	case 0:		/* bad grant ref */
		txdata(bad, 0, (uint16_t)(60 + x % 1000), 0);
		break;
	case 1:		/* size 0 or below an Ethernet header */
		txdata(h.txg[0], 0, (uint16_t)(x % 14), 0);
		break;
	case 2:		/* a second slot holding more than the packet */
		txdata(h.txg[0], 0, 100, NETTXF_more_data);
		txdata(h.txg[1], 0, (uint16_t)(101 + x % 3000), 0);
		break;
	case 3:		/* above the MTU, in three slots */
		txdata(h.txg[0], 0, 3000, NETTXF_more_data);
		txdata(h.txg[1], 0, 1000, NETTXF_more_data);
		txdata(h.txg[2], 0, 1000, 0);
		break;
	case 4:		/* GSO of a packet that is not TCP */
		txdata(h.txg[0], 0, 1000, NETTXF_extra_info);
		e = (struct netif_extra_info *)txslot();
		e->type = XEN_NETIF_EXTRA_TYPE_GSO;
		e->u.gso.size = 1400;
		e->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
		h.nulls++;
		break;
	case 5:		/* a bad ref in the middle of a chain */
		txdata(h.txg[0], 0, 300, NETTXF_more_data);
		txdata(bad, 0, 100, NETTXF_more_data);
		txdata(h.txg[2], 0, 100, 0);
		break;
	default:	/* a bad ref with the checksum to fill */
		q = txdata(bad, (uint16_t)(x % 2000), 60, NETTXF_csum_blank);
		(void)q;
		break;
	}
}

/* Full rings of malformed packets: every data slot answered with an error. */
static void malformed(void)
{
	uint16_t first;

	make_frame(TXD(0), h.mac, PING, 7);
	make_frame(TXD(1), h.mac, PING, 8);
	make_frame(TXD(2), h.mac, PING, 9);
	for (unsigned round = 0; round < MAL_ROUNDS && !h.f.fails; round++) {
		unsigned n = 0;

		first = h.next_id;
		while (tx_free() > 4) {
			malformed_one(n + round, rnd());
			n++;
		}
		push_tx();
		if (!drain_tx()) {
			fail("malformed round %u: answers missing (vif state %u)", round,
			     (unsigned)be_state());
			return;
		}
		for (uint16_t id = first; id != h.next_id; id++)
			if (h.status[id] != NETIF_RSP_ERROR) {
				fail("malformed packet slot id %u answered %d", id, h.status[id]);
				break;
			}
		h.malformed += n;
	}
	/* Legal odd ids: any 16-bit value, echoed. */
	for (unsigned i = 0; i < 64 && !h.f.fails; i++) {
		h.next_id = (uint16_t)rnd();
		if (send_frame(h.mac, PING, i) != NETIF_RSP_OKAY)
			fail("a good frame with a random id refused");
	}
}

/* Full rings of valid frames to ourselves (bridge0 drops them). */
static void flood(void)
{
	unsigned len = make_frame(TXD(3), h.mac, PING, 11);

	for (unsigned round = 0; round < FLOOD_ROUNDS && !h.f.fails; round++) {
		uint16_t first = h.next_id;
		unsigned n = 0;

		while (tx_free()) {
			txdata(h.txg[3], 0, (uint16_t)len, 0);
			n++;
		}
		push_tx();
		if (!drain_tx()) {
			fail("flood round %u: answers missing", round);
			return;
		}
		for (uint16_t id = first; id != h.next_id; id++)
			if (h.status[id] != NETIF_RSP_OKAY) {
				fail("flood frame id %u answered %d", id, h.status[id]);
				break;
			}
		h.floods++;
		h.flood_frames += n;
	}
}

/* The backend must close the vif without answering; then we start over. */
static void expect_break(const char *what, bool tx_slots)
{
	RING_IDX before = h.tx.rsp_cons;
	int rc;

	if (tx_slots)
		push_tx();
	else
		notify();
	if (!wait_be(XenbusStateClosed, XenbusStateClosing)) {
		fail("%s: the vif is still in state %u", what, (unsigned)be_state());
		return;
	}
	if (*(volatile RING_IDX *)&h.tx.sring->rsp_prod != before)
		fail("%s: answered on a broken ring", what);
	h.disconnects++;
	if ((rc = reconnect()))
		fail("%s: reconnect step %d", what, -rc);
	else if (send_frame(h.mac, PING, 1) != NETIF_RSP_OKAY)
		fail("%s: a good frame after the reconnect refused", what);
}

static void breaks(void)
{
	struct netif_extra_info *e;

	make_frame(TXD(0), h.mac, PING, 5);
	txdata(h.txg[0], 0, 5000, 0);
	expect_break("a slot larger than the page", true);
	txdata(h.txg[0], 4000, 200, 0);
	expect_break("a slot across its page's end", true);
	txdata(h.txg[0], 0, 19 * 60, NETTXF_more_data);
	for (unsigned i = 1; i < 19; i++)
		txdata(h.txg[i % TXP], 0, 60, i < 18 ? NETTXF_more_data : 0);
	expect_break("a chain of 19 slots", true);
	txdata(h.txg[0], 0, 100, NETTXF_extra_info);
	e = (struct netif_extra_info *)txslot();
	e->type = 9;
	expect_break("an unknown extra-info type", true);
	h.tx.sring->req_prod = h.tx.rsp_cons + 1000;
	RING_WMB();
	h.impossible++;
	expect_break("an impossible tx req_prod", false);
}

/* rx buffers never granted: each answered with an error (frames for us
 * come from the netgood pings), then an impossible rx req_prod. */
static void rx_attacks(void)
{
	uint64_t deadline;
	unsigned long before = h.bad_rx_answers;

	h.bad_rx = true;
	deadline = dom_now_ns() + 20000 * 1000000ull;
	/* The good buffers posted first fill, then the bad ones answer. */
	while (h.bad_rx_answers - before < 4 * RXN && dom_now_ns() < deadline) {
		poll_rx();
		dom_evtchn_take((unsigned)h.port);
		dom_wait_event_timeout(5);
	}
	h.bad_rx = false;
	if (h.bad_rx_answers - before < 4 * RXN) {
		fail("only %lu rx answers on bad buffers in 20 s", h.bad_rx_answers - before);
		return;
	}
	/* The bad buffers still posted answer with errors too, each reposted good. */
	deadline = dom_now_ns() + 10000 * 1000000ull;
	while (h.rx_bad_out && dom_now_ns() < deadline) {
		poll_rx();
		dom_evtchn_take((unsigned)h.port);
		dom_wait_event_timeout(5);
	}
	if (h.rx_bad_out)
		fail("%u bad rx buffers never answered", h.rx_bad_out);
	h.bad_rx = false;
	post_rx();
	h.rx.sring->req_prod = h.rx.rsp_cons + 1000;
	RING_WMB();
	h.impossible++;
	expect_break("an impossible rx req_prod", false);
}

int dom_main(const struct dom_start_info *si)
{
	int rc;

	if (dom_xs_init() || find_vif((uint16_t)si->domid)) {
		dom_printf("nethostile: FAIL: no xenstore or no vif\n");
		return 0;
	}
	dom_printf("nethostile: domid %u, vif %s on domain %u, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		   si->domid, h.f.fe, h.be_dom, h.mac[0], h.mac[1], h.mac[2], h.mac[3], h.mac[4],
		   h.mac[5]);
	if ((rc = grant_all()) || (rc = connect())) {
		dom_printf("nethostile: FAIL: first connect: %d (backend state %u)\n", rc,
			   (unsigned)be_state());
		return 0;
	}
	h.f.rnd ^= (uint64_t)si->domid << 32 | h.mac[5];
	if (dom_args_has_word(si->bootargs, "good")) {
		good_only();
		return 0;
	}
	if (send_frame(h.mac, PING, 1) != NETIF_RSP_OKAY)
		fail("the first good frame refused");
	rx_attacks();
	malformed();
	flood();
	breaks();
	flood();
	dom_printf("nethostile: %lu malformed tx, %lu floods (%lu frames), %lu bad rx buffers, "
		   "%lu impossible req_prod; disconnects %lu\n", h.malformed, h.floods,
		   h.flood_frames, h.bad_rx_answers, h.impossible, h.disconnects);
	if (h.f.fails)
		dom_printf("nethostile: FAIL: %lu failures\n", h.f.fails);
	else
		dom_printf("nethostile: done\n");
	front_put(&h.f, "state", "%u", XenbusStateClosing);
	wait_be(XenbusStateClosing, XenbusStateClosed);
	front_put(&h.f, "state", "%u", XenbusStateClosed);
	return 0;
}
