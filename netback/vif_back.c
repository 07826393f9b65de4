/* The netif backend's devices and rings (vif_back.h). */
#ifdef BULKHEAD_HOST
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#else
#include "dom.h"
#endif
#include "errno.h"
#include "public/io/xenbus.h"
#include "csum.h"
#include "netif_rx.h"
#include "netif_tx.h"
#include "vif_back.h"

#define PAGE 4096u
#define MIN_FRAME 14
#define MAX_BURST 131072u	/* Linux netback's least burst under rate= */

/* The set and the vif behind xb_back's callbacks. */
#define SET(x) ((struct vif_back_set *)((char *)(x) - offsetof(struct vif_back_set, xb)))
#define VIF(d) ((struct vif_back *)(d))

static bool get_u64(const struct vif_back_set *s, const char *dir, const char *key, uint64_t max,
		    uint64_t *out)
{
	char val[XB_BACK_VAL];

	return !xb_back_get(&s->xb, dir, key, val) && xb_back_number(val, max, out);
}

static void say(const struct vif_back_set *s, const char *fmt, ...)
{
	char msg[XB_BACK_VAL + 96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xb_back_log(&s->xb, msg);
}

/* The error node and Closed (xb_back_fatal), and a line naming the vif. */
static void fatal(const struct vif_back_set *s, struct vif_back *v, int err, const char *what)
{
	say(s, "%s: %s (%d)", v->name, what, err);
	xb_back_fatal(&s->xb, &v->xb, err, what);
}

/* ---- a device's life -------------------------------------------------------- */

static void disconnect(const struct vif_back_set *s, struct vif_back *v)
{
	if (v->tx_page)
		say(s, "%s: disconnected after tx %llu packets %llu bytes (%llu errors), "
		    "rx %llu packets %llu bytes (%llu dropped); GSO tx %llu rx %llu, cut %llu",
		    v->name, (unsigned long long)v->st.tx_packets, (unsigned long long)v->st.tx_bytes,
		    (unsigned long long)v->st.tx_errors, (unsigned long long)v->st.rx_packets,
		    (unsigned long long)v->st.rx_bytes, (unsigned long long)v->st.rx_dropped,
		    (unsigned long long)v->st.tx_gso, (unsigned long long)v->st.rx_gso,
		    (unsigned long long)v->st.rx_cut);
	if (v->port >= 0)
		s->env->unbind(s->env->xs.ctx, (unsigned)v->port);
	v->port = -1;
	if (v->tx_page)
		s->env->unmap(s->env->xs.ctx, v->tx_page, v->tx_handle);
	if (v->rx_page)
		s->env->unmap(s->env->xs.ctx, v->rx_page, v->rx_handle);
	v->tx_page = v->rx_page = NULL;
	v->rxq_n = 0;
	v->more = false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "xx:xx:xx:xx:xx:xx" */
static bool parse_mac(const char *t, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++, t += 3) {
		int hi = hexval(t[0]), lo = hi < 0 ? -1 : hexval(t[1]);

		if (lo < 0 || t[2] != (i == 5 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* rate "BYTES,USEC" (libxl's form); absent or 0: unlimited. */
static void read_rate(const struct vif_back_set *s, struct vif_back *v)
{
	char val[XB_BACK_VAL], *comma;
	uint64_t bytes, usec;

	v->credit_bytes = v->credit_usec = 0;
	if (xb_back_get(&s->xb, v->xb.be, "rate", val) || !(comma = strchr(val, ',')))
		return;
	*comma = '\0';
	if (!xb_back_number(val, UINT32_MAX, &bytes) ||
	    !xb_back_number(comma + 1, UINT32_MAX, &usec) || !bytes || !usec)
		return;
	v->credit_bytes = bytes;
	v->credit_usec = usec;
	v->remaining = bytes;
	v->credit_at = s->env->now_us(s->env->xs.ctx);
}

static void start(struct xb_back_set *xs, struct xb_back_dev *d)
{
	static const char *const features[][2] = {
		{ "feature-sg", "1" }, { "feature-rx-copy", "1" }, { "feature-rx-flip", "0" },
		{ "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
		{ "feature-ipv6-csum-offload", "1" }, { "hotplug-status", "connected" },
	};
	const struct vif_back_set *s = SET(xs);
	struct vif_back *v = VIF(d);
	char mac[XB_BACK_VAL], name[XB_BACK_VAL];

	if (xb_back_get(xs, d->be, "mac", mac))
		return;	/* the toolstack is still writing: next scan */
	d->started = true;
	snprintf(v->name, sizeof(v->name), "vif%u.%u", d->fe_dom, d->id);
	if (!xb_back_get(xs, d->be, "vifname", name) && *name && strlen(name) < sizeof(v->name))
		memcpy(v->name, name, strlen(name) + 1);
	if (!parse_mac(mac, v->mac)) {
		d->refused = true;
		fatal(s, v, -EINVAL, "mac is not xx:xx:xx:xx:xx:xx");
		return;
	}
	read_rate(s, v);
	for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		xb_back_put(xs, d->be, features[i][0], features[i][1]);
	xb_back_set_state(xs, d, XenbusStateInitWait);
}

static int map_ring(const struct vif_back_set *s, struct vif_back *v, const char *key, void **page,
		    uint32_t *handle)
{
	uint64_t ref;

	if (!get_u64(s, v->xb.fe, key, UINT32_MAX, &ref))
		return -EINVAL;
	return s->env->map(s->env->xs.ctx, v->xb.fe_dom, (uint32_t)ref, page, handle);
}

/* The GSO types the frontend takes whole on rx: it must also take a packet
 * over several buffers (feature-sg), as Linux's netback requires. */
static uint8_t rx_gso_types(const struct vif_back_set *s, const struct vif_back *v)
{
	uint64_t sg, v4, v6;
	uint8_t t = 0;

	if (!get_u64(s, v->xb.fe, "feature-sg", 1, &sg) || !sg)
		return 0;
	if (get_u64(s, v->xb.fe, "feature-gso-tcpv4", 1, &v4) && v4)
		t |= 1u << XEN_NETIF_GSO_TYPE_TCPV4;
	if (get_u64(s, v->xb.fe, "feature-gso-tcpv6", 1, &v6) && v6)
		t |= 1u << XEN_NETIF_GSO_TYPE_TCPV6;
	return t;
}

static void connect(const struct vif_back_set *s, struct vif_back *v)
{
	uint64_t copy, evtchn;
	int rc;

	if (!get_u64(s, v->xb.fe, "request-rx-copy", 1, &copy) || !copy) {
		fatal(s, v, -EOPNOTSUPP, "frontend does not use rx-copy (request-rx-copy)");
		return;
	}
	if (!get_u64(s, v->xb.fe, "event-channel", UINT32_MAX, &evtchn)) {
		fatal(s, v, -EINVAL, "frontend event-channel (split channels are not offered)");
		return;
	}
	if ((rc = map_ring(s, v, "tx-ring-ref", &v->tx_page, &v->tx_handle)) ||
	    (rc = map_ring(s, v, "rx-ring-ref", &v->rx_page, &v->rx_handle))) {
		disconnect(s, v);
		fatal(s, v, rc, "mapping tx-ring-ref/rx-ring-ref");
		return;
	}
	/* The frontend initialised the pages (SHARED_RING_INIT); we attach. */
	BACK_RING_INIT(&v->tx, (struct netif_tx_sring *)v->tx_page, PAGE);
	BACK_RING_INIT(&v->rx, (struct netif_rx_sring *)v->rx_page, PAGE);
	if ((rc = s->env->bind(s->env->xs.ctx, v->xb.fe_dom, (uint32_t)evtchn)) < 0) {
		disconnect(s, v);
		fatal(s, v, rc, "binding event-channel");
		return;
	}
	v->port = rc;
	v->more = true;
	v->rx_gso = rx_gso_types(s, v);
	memset(&v->st, 0, sizeof(v->st));
	xb_back_set_state(&s->xb, &v->xb, XenbusStateConnected);
	say(s, "%s: connected, mac %02x:%02x:%02x:%02x:%02x:%02x", v->name, v->mac[0], v->mac[1],
	    v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
}

static void xb_connect(struct xb_back_set *xs, struct xb_back_dev *d)
{
	connect(SET(xs), VIF(d));
}

static void xb_disconnect(struct xb_back_set *xs, struct xb_back_dev *d)
{
	disconnect(SET(xs), VIF(d));
}

static void reset(struct xb_back_dev *d)
{
	VIF(d)->port = -1;
}

static const struct xb_back_type vif_type = { start, xb_connect, xb_disconnect, NULL, reset };

void vif_back_scan(struct vif_back_set *s)
{
	xb_back_scan(&s->xb);
}

bool vif_back_connected(const struct vif_back_set *s, unsigned i)
{
	return i < VIF_BACK_MAX && s->v[i].xb.used && s->v[i].xb.state == XenbusStateConnected &&
	       s->v[i].port >= 0;
}

/* ---- tx: guest to bridge ---------------------------------------------------- */

static void tx_respond(struct vif_back *v, uint16_t id, int16_t status)
{
	struct netif_tx_response *r = RING_GET_RESPONSE(&v->tx, v->tx.rsp_prod_pvt);

	r->id = id;
	r->status = status;
	v->tx.rsp_prod_pvt++;
}

/* Every slot of p answered: the first, its extra-info slots (NULL), the rest. */
static void tx_answer(struct vif_back *v, const struct netif_tx_packet *p, int16_t status)
{
	tx_respond(v, p->slot[0].id, status);
	for (unsigned k = 0; k < p->nr_extras; k++)
		tx_respond(v, 0, NETIF_RSP_NULL);
	for (unsigned k = 1; k < p->nr_slots; k++)
		tx_respond(v, p->slot[k].id, status);
}

/* Whether rate= lets len bytes go now (Linux netback's credit scheme). */
static bool tx_credit(const struct vif_back_set *s, struct vif_back *v, uint32_t len)
{
	uint64_t now, burst, max;

	if (!v->credit_usec || v->remaining >= len)
		goto take;
	now = s->env->now_us(s->env->xs.ctx);
	if (now - v->credit_at < v->credit_usec)
		return false;
	burst = v->credit_bytes > MAX_BURST ? v->credit_bytes : MAX_BURST;
	max = v->remaining + v->credit_bytes;
	v->remaining = max < burst ? max : burst;
	v->credit_at = now;
	if (v->remaining < len && len <= burst)
		return false;
take:
	if (v->credit_usec)
		v->remaining = v->remaining > len ? v->remaining - len : 0;
	return true;
}

/* The packet's bytes into s->buf; 0 or -errno. */
static int tx_copy(const struct vif_back_set *s, struct vif_back *v,
		   const struct netif_tx_packet *p, uint8_t *buf)
{
	struct vif_back_copy ops[NETIF_TX_MAX_SLOTS];
	uint32_t at = 0;

	for (unsigned k = 0; k < p->nr_slots; k++) {
		ops[k] = (struct vif_back_copy){ p->slot[k].gref, p->slot[k].offset,
						 p->slot[k].size, buf + at };
		at += p->slot[k].size;
	}
	return s->env->copy(s->env->xs.ctx, v->xb.fe_dom, false, ops, p->nr_slots);
}

/* The packet in s->buf as p describes it: a GSO packet parsed into *m (its
 * checksum stays blank for the port that takes it whole, or gso.c fills
 * each frame's), a frame's checksum filled if the guest left it blank.
 * 0, or -EINVAL: refused (a GSO packet's reason logged once per vif). */
static int tx_check(struct vif_back_set *s, struct vif_back *v,
		    const struct netif_tx_packet *p, struct vif_back_meta *m)
{
	const char *why;

	m->gso = p->gso_size != 0;
	m->gso_type = p->gso_type;
	if (!m->gso)
		return p->flags & NETTXF_csum_blank ? csum_fill(s->buf, p->len) : 0;
	if (!gso_parse(s->buf, p->len, p->gso_size, p->gso_type, VIF_BACK_FRAME, &m->g, &why))
		return 0;
	if (!v->st.tx_errors)
		say(s, "%s: GSO packet refused: %s", v->name, why);
	return -EINVAL;
}

/* One packet off v's tx ring: false when there is none to take now. */
static bool tx_one(struct vif_back_set *s, struct vif_back *v, vif_back_deliver_fn *deliver,
		   void *arg, unsigned i)
{
	static struct netif_tx_packet p;
	static struct vif_back_meta m;
	RING_IDX prod = *(volatile RING_IDX *)&v->tx.sring->req_prod;
	enum netif_tx_verdict verdict;

	RING_RMB();	/* the index before the requests it covers */
	v->tx_seen = prod;
	verdict = netif_tx_take(v->tx.sring->ring, RING_SIZE(&v->tx), v->tx.req_cons, prod, &p);
	if (verdict == NETIF_TX_WAIT)
		return false;
	if (verdict == NETIF_TX_FATAL) {
		disconnect(s, v);
		fatal(s, v, -EPROTO, p.why);
		return false;
	}
	if (verdict == NETIF_TX_OK && !tx_credit(s, v, p.len)) {
		v->more = true;	/* waits for credit, still on the ring */
		return false;
	}
	v->tx.req_cons += p.consumed;
	if (verdict == NETIF_TX_DROP || (!p.gso_size && p.len > VIF_BACK_FRAME) ||
	    tx_copy(s, v, &p, s->buf) || tx_check(s, v, &p, &m)) {
		tx_answer(v, &p, NETIF_RSP_ERROR);
		v->st.tx_errors++;
		return true;
	}
	tx_answer(v, &p, NETIF_RSP_OKAY);
	v->st.tx_packets++;
	v->st.tx_bytes += p.len;
	v->st.tx_gso += m.gso;
	deliver(arg, i, s->buf, p.len, &m);
	return true;
}

static void tx_serve(struct vif_back_set *s, struct vif_back *v, vif_back_deliver_fn *deliver,
		     void *arg, unsigned i)
{
	unsigned budget = VIF_BACK_BUDGET;
	RING_IDX seen;
	int notify;

	v->more = false;
	for (;;) {
		while (budget && v->port >= 0 && tx_one(s, v, deliver, arg, i))
			budget--;
		if (v->port < 0)
			return;	/* disconnected */
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->tx, notify);
		if (notify)
			s->env->notify(s->env->xs.ctx, (unsigned)v->port);
		if (!budget || v->more) {
			v->more = true;
			return;
		}
		/* An event at the next request past what we saw (a packet may
		 * be there in part), then one more look for a race. */
		seen = v->tx_seen;
		v->tx.sring->req_event = seen + 1;
		RING_MB();
		if (*(volatile RING_IDX *)&v->tx.sring->req_prod == seen)
			return;
	}
}

/* ---- rx: bridge to guest ---------------------------------------------------- */

/* Packets whose responses are written (not yet pushed) and whose bytes
 * are still to be copied: one grant-copy call for them all. */
struct rx_batch {
	unsigned nops, npkts;
	struct vif_back_copy ops[NETIF_RX_MAX_SLOTS];
	struct {
		unsigned op, nops;	/* its copies: ops[op .. op + nops - 1] */
		RING_IDX rsp;		/* its responses: n from rsp */
		unsigned n;
		uint32_t len;
		bool gso;
	} pkt[NETIF_RX_MAX_SLOTS];
};

/* A packet's outcome: counted, or its responses turned into errors (all
 * but a GSO extra-info slot, which is not a data response). */
static void rx_done(struct vif_back *v, const struct rx_batch *b, unsigned i, bool copied)
{
	if (copied) {
		v->st.rx_packets++;
		v->st.rx_bytes += b->pkt[i].len;
		v->st.rx_gso += b->pkt[i].gso;
		return;
	}
	for (unsigned k = 0; k < b->pkt[i].n; k++)
		if (k != 1 || !b->pkt[i].gso)
			RING_GET_RESPONSE(&v->rx, b->pkt[i].rsp + k)->status = NETIF_RSP_ERROR;
	v->st.rx_dropped++;
}

/* The batch's copies in one call; if that fails, each packet's again on its
 * own, so that only the packets with a bad buffer fail. */
static void rx_copy(const struct vif_back_set *s, struct vif_back *v, struct rx_batch *b)
{
	void *ctx = s->env->xs.ctx;

	if (b->nops && !s->env->copy(ctx, v->xb.fe_dom, true, b->ops, b->nops)) {
		for (unsigned i = 0; i < b->npkts; i++)
			rx_done(v, b, i, true);
	} else {
		for (unsigned i = 0; i < b->npkts; i++)
			rx_done(v, b, i, !s->env->copy(ctx, v->xb.fe_dom, true, b->ops + b->pkt[i].op,
						       b->pkt[i].nops));
	}
	b->nops = b->npkts = 0;
}

/* One planned packet's responses written, its copies added to the batch
 * (sent first if they would not fit). */
static void rx_put(const struct vif_back_set *s, struct vif_back *v, struct rx_batch *b,
		   const struct netif_rx_plan *p, const uint8_t *data, uint32_t len)
{
	uint16_t flags = p->gso_size ? NETRXF_csum_blank | NETRXF_data_validated : 0;
	unsigned at = 0, i;

	if (b->nops + p->nr > NETIF_RX_MAX_SLOTS)
		rx_copy(s, v, b);
	i = b->npkts++;
	b->pkt[i].op = b->nops;
	b->pkt[i].nops = p->nr;
	for (unsigned k = 0; k < p->nr; k++) {
		b->ops[b->nops++] = (struct vif_back_copy){ p->slot[k].gref, 0, p->slot[k].len,
							    (void *)(data + at) };
		at += p->slot[k].len;
	}
	v->rx.req_cons += p->consumed;
	b->pkt[i].rsp = v->rx.rsp_prod_pvt;
	b->pkt[i].n = netif_rx_respond(v->rx.sring->ring, RING_SIZE(&v->rx), v->rx.rsp_prod_pvt, p,
				       flags);
	b->pkt[i].len = len;
	b->pkt[i].gso = p->gso_size != 0;
	v->rx.rsp_prod_pvt += b->pkt[i].n;
}

/* Queued packets into the rx buffers the guest posted, their copies
 * batched, one event for them all; false if its ring broke. */
static bool rx_flush(const struct vif_back_set *s, struct vif_back *v)
{
	static struct netif_rx_plan p;
	static struct rx_batch b;
	bool sent = false;
	int notify;

	while (v->rxq_n) {
		RING_IDX prod = *(volatile RING_IDX *)&v->rx.sring->req_prod;
		const struct vif_back_rxq *q = &v->rxq[v->rxq_head];
		enum netif_rx_verdict r;

		RING_RMB();
		r = netif_rx_take(v->rx.sring->ring, RING_SIZE(&v->rx), v->rx.req_cons, prod, q->len,
				  q->gso_size, q->gso_type, &p);
		if (r == NETIF_RX_FATAL) {
			b.nops = b.npkts = 0;	/* its responses are never pushed */
			disconnect((struct vif_back_set *)s, v);
			fatal(s, v, -EPROTO, "frontend broke its rx ring (impossible req_prod)");
			return false;
		}
		if (r == NETIF_RX_WAIT) {
			/* An event when the guest posts its next buffer. */
			v->rx.sring->req_event = prod + 1;
			RING_MB();
			if (*(volatile RING_IDX *)&v->rx.sring->req_prod != prod)
				continue;
			break;
		}
		if (r == NETIF_RX_OK) {
			rx_put(s, v, &b, &p, v->rxdata + q->off, q->len);
			sent = true;
		} else {
			v->st.rx_dropped++;
		}
		v->rxq_head = (v->rxq_head + 1) % VIF_BACK_RXQ;
		v->rxq_n--;
	}
	if (sent) {
		rx_copy(s, v, &b);
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, notify);
		if (notify)
			s->env->notify(s->env->xs.ctx, (unsigned)v->port);
	}
	return true;
}

/* Where len bytes fit in v->rxdata after the newest packet, or -1. */
static long rxq_room(const struct vif_back *v, uint32_t len)
{
	uint32_t oldest, end;

	if (!v->rxq_n)
		return 0;
	if (v->rxq_n == VIF_BACK_RXQ)
		return -1;
	oldest = v->rxq[v->rxq_head].off;
	end = v->rxq[(v->rxq_head + v->rxq_n - 1) % VIF_BACK_RXQ].off +
	      v->rxq[(v->rxq_head + v->rxq_n - 1) % VIF_BACK_RXQ].len;
	if (end > oldest) {	/* in one piece: room after it, or from 0 */
		if (VIF_BACK_RXBYTES - end >= len)
			return end;
		return oldest >= len ? 0 : -1;
	}
	return oldest - end >= len ? (long)end : -1;	/* wrapped: room between */
}

/* One packet into v's queue: 0 or -ENOBUFS (dropped). */
static int rxq_add(struct vif_back *v, const uint8_t *pkt, uint32_t len, uint16_t gso_size,
		   uint8_t gso_type)
{
	long off = rxq_room(v, len);
	unsigned tail;

	if (off < 0) {
		v->st.rx_dropped++;
		return -ENOBUFS;
	}
	tail = (v->rxq_head + v->rxq_n) % VIF_BACK_RXQ;
	v->rxq[tail].off = (uint32_t)off;
	v->rxq[tail].len = len;
	v->rxq[tail].gso_size = gso_size;
	v->rxq[tail].gso_type = gso_type;
	memcpy(v->rxdata + off, pkt, len);
	v->rxq_n++;
	return 0;
}

/* One packet into v's queue, which is first emptied into the guest's
 * buffers if it has no room: 0, -ENOBUFS (dropped) or -ENOTCONN (the
 * guest broke its ring meanwhile). */
static int rx_queue(struct vif_back_set *s, struct vif_back *v, const uint8_t *pkt, uint32_t len,
		    uint16_t gso_size, uint8_t gso_type)
{
	if (v->port < 0)
		return -ENOTCONN;
	if (rxq_room(v, len) < 0 && !rx_flush(s, v))
		return -ENOTCONN;
	return rxq_add(v, pkt, len, gso_size, gso_type);
}

/* gso_segment's frames for one vif. */
struct rx_cut {
	struct vif_back_set *s;
	struct vif_back *v;
	int rc;
};

static void rx_cut_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct rx_cut *c = arg;
	int rc = rx_queue(c->s, c->v, frame, (uint32_t)len, 0, 0);

	c->v->st.rx_cut += !rc;
	if (rc && !c->rc)
		c->rc = rc;
}

int vif_back_rx(struct vif_back_set *s, unsigned i, const uint8_t *pkt, size_t len,
		const struct vif_back_meta *m)
{
	struct vif_back *v;
	struct rx_cut cut;

	if (!vif_back_connected(s, i))
		return -ENOTCONN;
	v = &s->v[i];
	if (m && m->gso && len <= VIF_BACK_PACKET) {
		if (v->rx_gso & (1u << m->gso_type))
			return rx_queue(s, v, pkt, (uint32_t)len, m->g.mss, m->gso_type);
		cut = (struct rx_cut){ s, v, 0 };
		gso_segment(pkt, &m->g, s->cut, rx_cut_frame, &cut);
		return cut.rc;
	}
	if (len < MIN_FRAME || len > VIF_BACK_FRAME) {
		v->st.rx_dropped++;
		return -EMSGSIZE;
	}
	return rx_queue(s, v, pkt, (uint32_t)len, 0, 0);
}

void vif_back_flush(struct vif_back_set *s)
{
	for (unsigned i = 0; i < VIF_BACK_MAX; i++)
		if (vif_back_connected(s, i) && s->v[i].rxq_n)
			rx_flush(s, &s->v[i]);
}

bool vif_back_serve(struct vif_back_set *s, vif_back_deliver_fn *deliver, void *arg)
{
	bool more = false;

	for (unsigned i = 0; i < VIF_BACK_MAX; i++) {
		struct vif_back *v = &s->v[i];

		if (!vif_back_connected(s, i))
			continue;
		if (s->env->take)
			s->env->take(s->env->xs.ctx, (unsigned)v->port);
		if (v->rxq_n && !rx_flush(s, v))
			continue;
		tx_serve(s, v, deliver, arg, i);
		more |= v->more;
	}
	return more;
}

void vif_back_set_init(struct vif_back_set *s, const struct vif_back_env *env, uint16_t self)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	xb_back_init(&s->xb, &env->xs, &vif_type, self, "vif", s->v, sizeof(s->v[0]), VIF_BACK_MAX);
}
