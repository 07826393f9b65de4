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

#define VAL_LEN 128
#define DIR_LEN 2048
#define MAX_DOMID 0x7fef
#define PAGE 4096u
#define MIN_FRAME 14
#define MAX_BURST 131072u	/* Linux netback's least burst under rate= */

/* ---- the store ------------------------------------------------------------ */

/* A whole decimal number <= max. */
static bool number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static int get(const struct vif_back_set *s, const char *dir, const char *key, char *val)
{
	char path[VIF_BACK_PATH + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	val[0] = '\0';
	return s->env->read(s->env->ctx, path, val, VAL_LEN);
}

static bool get_u64(const struct vif_back_set *s, const char *dir, const char *key, uint64_t max,
		    uint64_t *out)
{
	char val[VAL_LEN];

	return !get(s, dir, key, val) && number(val, max, out);
}

static void put(const struct vif_back_set *s, const char *dir, const char *key, const char *val)
{
	char path[VIF_BACK_PATH + 48];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s->env->write(s->env->ctx, path, val);
}

static void set_state(const struct vif_back_set *s, struct vif_back *v, int st)
{
	char val[4];

	v->state = st;
	snprintf(val, sizeof(val), "%d", st);
	put(s, v->be, "state", val);
}

static void say(const struct vif_back_set *s, const char *fmt, ...)
{
	char msg[VAL_LEN + 96];
	va_list ap;

	if (!s->env->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->env->log(s->env->ctx, msg);
}

/* As Linux's xenbus_dev_fatal: the error node, hotplug-status, Closed. */
static void fatal(const struct vif_back_set *s, struct vif_back *v, int err, const char *what)
{
	char path[VIF_BACK_PATH + 48], msg[VAL_LEN];

	snprintf(path, sizeof(path), "%s/error%s", s->self, v->be + strlen(s->self));
	snprintf(msg, sizeof(msg), "%d %s", -err, what);
	put(s, path, "error", msg);
	put(s, v->be, "hotplug-error", what);
	put(s, v->be, "hotplug-status", "error");
	say(s, "%s: %s (%d)", v->name, what, err);
	set_state(s, v, XenbusStateClosed);
}

/* ---- a device's life -------------------------------------------------------- */

static void say(const struct vif_back_set *s, const char *fmt, ...);

static void disconnect(const struct vif_back_set *s, struct vif_back *v)
{
	if (v->tx_page)
		say(s, "%s: disconnected after tx %llu packets %llu bytes (%llu errors), "
		    "rx %llu packets %llu bytes (%llu dropped)", v->name,
		    (unsigned long long)v->st.tx_packets, (unsigned long long)v->st.tx_bytes,
		    (unsigned long long)v->st.tx_errors, (unsigned long long)v->st.rx_packets,
		    (unsigned long long)v->st.rx_bytes, (unsigned long long)v->st.rx_dropped);
	if (v->port >= 0)
		s->env->unbind(s->env->ctx, (unsigned)v->port);
	v->port = -1;
	if (v->tx_page)
		s->env->unmap(s->env->ctx, v->tx_page, v->tx_handle);
	if (v->rx_page)
		s->env->unmap(s->env->ctx, v->rx_page, v->rx_handle);
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
	char val[VAL_LEN], *comma;
	uint64_t bytes, usec;

	v->credit_bytes = v->credit_usec = 0;
	if (get(s, v->be, "rate", val) || !(comma = strchr(val, ',')))
		return;
	*comma = '\0';
	if (!number(val, UINT32_MAX, &bytes) || !number(comma + 1, UINT32_MAX, &usec) || !bytes ||
	    !usec)
		return;
	v->credit_bytes = bytes;
	v->credit_usec = usec;
	v->remaining = bytes;
	v->credit_at = s->env->now_us(s->env->ctx);
}

static void start(const struct vif_back_set *s, struct vif_back *v)
{
	char mac[VAL_LEN], name[VAL_LEN];

	if (get(s, v->be, "mac", mac) || !*v->fe)
		return;	/* the toolstack is still writing: next scan */
	v->started = true;
	if (!get(s, v->be, "vifname", name) && *name && strlen(name) < sizeof(v->name))
		memcpy(v->name, name, strlen(name) + 1);
	if (!parse_mac(mac, v->mac)) {
		v->refused = true;
		fatal(s, v, -EINVAL, "mac is not xx:xx:xx:xx:xx:xx");
		return;
	}
	read_rate(s, v);
	put(s, v->be, "feature-sg", "1");
	put(s, v->be, "feature-rx-copy", "1");
	put(s, v->be, "feature-rx-flip", "0");
	put(s, v->be, "feature-gso-tcpv4", "0");
	put(s, v->be, "feature-gso-tcpv6", "0");
	put(s, v->be, "feature-ipv6-csum-offload", "1");
	put(s, v->be, "hotplug-status", "connected");
	set_state(s, v, XenbusStateInitWait);
}

static int map_ring(const struct vif_back_set *s, struct vif_back *v, const char *key, void **page,
		    uint32_t *handle)
{
	uint64_t ref;

	if (!get_u64(s, v->fe, key, UINT32_MAX, &ref))
		return -EINVAL;
	return s->env->map(s->env->ctx, v->fe_dom, (uint32_t)ref, page, handle);
}

static void connect(const struct vif_back_set *s, struct vif_back *v)
{
	uint64_t copy, evtchn;
	int rc;

	if (!get_u64(s, v->fe, "request-rx-copy", 1, &copy) || !copy) {
		fatal(s, v, -EOPNOTSUPP, "frontend does not use rx-copy (request-rx-copy)");
		return;
	}
	if (!get_u64(s, v->fe, "event-channel", UINT32_MAX, &evtchn)) {
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
	if ((rc = s->env->bind(s->env->ctx, v->fe_dom, (uint32_t)evtchn)) < 0) {
		disconnect(s, v);
		fatal(s, v, rc, "binding event-channel");
		return;
	}
	v->port = rc;
	v->more = true;
	memset(&v->st, 0, sizeof(v->st));
	set_state(s, v, XenbusStateConnected);
	say(s, "%s: connected, mac %02x:%02x:%02x:%02x:%02x:%02x", v->name, v->mac[0], v->mac[1],
	    v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
}

static void changed(const struct vif_back_set *s, struct vif_back *v)
{
	uint64_t fes, ours;
	char val[VAL_LEN];
	int rc;

	if (!v->started)
		start(s, v);
	if (!v->started)
		return;
	if (get_u64(s, v->be, "state", 8, &ours) && ours != (uint64_t)v->state)
		set_state(s, v, v->state);	/* a toolstack that wrote 1 after us */
	if (!get_u64(s, v->fe, "state", 8, &fes)) {
		if ((rc = get(s, v->fe, "state", val)) && rc != -ENOENT &&
		    v->state != XenbusStateClosed) {
			disconnect(s, v);
			fatal(s, v, rc, "reading the frontend's state");
			return;
		}
		fes = XenbusStateClosed;
	}
	switch (fes) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (v->state == XenbusStateInitWait)
			connect(s, v);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (v->state != XenbusStateClosed &&
		    (fes == XenbusStateClosed || v->state != XenbusStateClosing)) {
			disconnect(s, v);
			set_state(s, v, fes == XenbusStateClosed ? XenbusStateClosed
								 : XenbusStateClosing);
		}
		break;
	case XenbusStateInitialising:
		if (v->state == XenbusStateClosed && !v->refused) {
			/* The frontend starts over: a fatal() before left
			 * hotplug-status "error", which would stay for the new
			 * connection (the toolstack reads it as a failed vif). */
			put(s, v->be, "hotplug-status", "connected");
			set_state(s, v, XenbusStateInitWait);
		}
		break;
	default:
		break;
	}
}

static void release(const struct vif_back_set *s, struct vif_back *v)
{
	char path[VIF_BACK_PATH + 8];

	disconnect(s, v);
	if (v->watching && s->env->watch) {
		snprintf(path, sizeof(path), "%s/state", v->fe);
		s->env->watch(s->env->ctx, path, false);
	}
	memset(v, 0, sizeof(*v));
	v->port = -1;
}

/* ---- the set ------------------------------------------------------------------ */

static struct vif_back *find_or_add(struct vif_back_set *s, uint16_t fe_dom, uint32_t handle)
{
	struct vif_back *free_slot = NULL;

	for (int i = 0; i < VIF_BACK_MAX; i++) {
		struct vif_back *v = &s->v[i];

		if (v->used && v->fe_dom == fe_dom && v->handle == handle)
			return v;
		if (!v->used && !free_slot)
			free_slot = v;
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->fe_dom = fe_dom;
	free_slot->handle = handle;
	free_slot->port = -1;
	snprintf(free_slot->be, sizeof(free_slot->be), "%s/%u/%u", s->root, fe_dom, handle);
	snprintf(free_slot->name, sizeof(free_slot->name), "vif%u.%u", fe_dom, handle);
	return free_slot;
}

/* Our "frontend" must name a node of the frontend domain. */
static void learn_frontend(const struct vif_back_set *s, struct vif_back *v)
{
	char fe[VAL_LEN], want[32], path[VIF_BACK_PATH + 8];

	if (*v->fe || get(s, v->be, "frontend", fe))
		return;
	snprintf(want, sizeof(want), "/local/domain/%u/", v->fe_dom);
	if (strncmp(fe, want, strlen(want)) || strlen(fe) >= sizeof(v->fe) - 8)
		return;
	memcpy(v->fe, fe, strlen(fe) + 1);
	if (s->env->watch) {
		snprintf(path, sizeof(path), "%s/state", v->fe);
		s->env->watch(s->env->ctx, path, true);
		v->watching = true;
	}
}

static void scan_domain(struct vif_back_set *s, const char *dom)
{
	char path[96], names[DIR_LEN];
	uint64_t fe_dom, handle;
	size_t used = 0;
	struct vif_back *v;

	if (!number(dom, MAX_DOMID, &fe_dom))
		return;
	snprintf(path, sizeof(path), "%s/%.15s", s->root, dom);	/* a domid: <= 5 digits */
	if (s->env->directory(s->env->ctx, path, names, sizeof(names), &used))
		return;
	if (used > sizeof(names))
		used = sizeof(names);
	for (size_t o = 0; o < used; o += strnlen(names + o, used - o) + 1) {
		if (!number(names + o, 0x7fffffffu, &handle) ||
		    !(v = find_or_add(s, (uint16_t)fe_dom, (uint32_t)handle)))
			continue;
		v->seen = true;
		learn_frontend(s, v);
		changed(s, v);
	}
}

void vif_back_scan(struct vif_back_set *s)
{
	char doms[DIR_LEN];
	size_t used = 0;

	for (int i = 0; i < VIF_BACK_MAX; i++)
		s->v[i].seen = false;
	if (s->env->directory(s->env->ctx, s->root, doms, sizeof(doms), &used))
		used = 0;
	if (used > sizeof(doms))
		used = sizeof(doms);
	for (size_t o = 0; o < used; o += strnlen(doms + o, used - o) + 1)
		if (strnlen(doms + o, used - o) < used - o)
			scan_domain(s, doms + o);
	for (int i = 0; i < VIF_BACK_MAX; i++)
		if (s->v[i].used && !s->v[i].seen)
			release(s, &s->v[i]);
}

bool vif_back_connected(const struct vif_back_set *s, unsigned i)
{
	return i < VIF_BACK_MAX && s->v[i].used && s->v[i].state == XenbusStateConnected &&
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
	now = s->env->now_us(s->env->ctx);
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
	return s->env->copy(s->env->ctx, v->fe_dom, false, ops, p->nr_slots);
}

/* One packet off v's tx ring: false when there is none to take now. */
static bool tx_one(struct vif_back_set *s, struct vif_back *v, vif_back_deliver_fn *deliver,
		   void *arg, unsigned i)
{
	static struct netif_tx_packet p;
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
	if (verdict == NETIF_TX_DROP || p.len > VIF_BACK_FRAME || p.gso_size ||
	    tx_copy(s, v, &p, s->buf) || (p.flags & NETTXF_csum_blank && csum_fill(s->buf, p.len))) {
		tx_answer(v, &p, NETIF_RSP_ERROR);
		v->st.tx_errors++;
		return true;
	}
	tx_answer(v, &p, NETIF_RSP_OKAY);
	v->st.tx_packets++;
	v->st.tx_bytes += p.len;
	deliver(arg, i, s->buf, p.len);
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
			s->env->notify(s->env->ctx, (unsigned)v->port);
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

/* Queued frames into the rx buffers the guest posted; false if its ring broke. */
static bool rx_flush(const struct vif_back_set *s, struct vif_back *v)
{
	static struct netif_rx_plan p;
	struct vif_back_copy ops[NETIF_RX_MAX_SLOTS];
	bool sent = false;
	int notify;

	while (v->rxq_n) {
		RING_IDX prod = *(volatile RING_IDX *)&v->rx.sring->req_prod;
		uint16_t len = v->rxq[v->rxq_head].len;
		uint8_t *data = v->rxq[v->rxq_head].data;
		enum netif_rx_verdict r;
		unsigned at = 0, n;

		RING_RMB();
		r = netif_rx_take(v->rx.sring->ring, RING_SIZE(&v->rx), v->rx.req_cons, prod, len, 0,
				  0, &p);
		if (r == NETIF_RX_FATAL) {
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
			for (unsigned k = 0; k < p.nr; k++) {
				ops[k] = (struct vif_back_copy){ p.slot[k].gref, 0, p.slot[k].len,
								 data + at };
				at += p.slot[k].len;
			}
			v->rx.req_cons += p.consumed;
			n = netif_rx_respond(v->rx.sring->ring, RING_SIZE(&v->rx), v->rx.rsp_prod_pvt,
					     &p, 0);
			if (s->env->copy(s->env->ctx, v->fe_dom, true, ops, p.nr)) {
				for (unsigned k = 0; k < n; k++)
					RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt + k)->status =
						NETIF_RSP_ERROR;
				v->st.rx_dropped++;
			} else {
				v->st.rx_packets++;
				v->st.rx_bytes += len;
			}
			v->rx.rsp_prod_pvt += n;
			sent = true;
		} else {
			v->st.rx_dropped++;
		}
		v->rxq_head = (v->rxq_head + 1) % VIF_BACK_RXQ;
		v->rxq_n--;
	}
	if (sent) {
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, notify);
		if (notify)
			s->env->notify(s->env->ctx, (unsigned)v->port);
	}
	return true;
}

int vif_back_rx(struct vif_back_set *s, unsigned i, const uint8_t *frame, size_t len)
{
	struct vif_back *v;
	unsigned tail;

	if (!vif_back_connected(s, i))
		return -ENOTCONN;
	v = &s->v[i];
	if (len < MIN_FRAME || len > VIF_BACK_FRAME) {
		v->st.rx_dropped++;
		return -EMSGSIZE;
	}
	if (v->rxq_n == VIF_BACK_RXQ) {
		v->st.rx_dropped++;
		return -ENOBUFS;
	}
	tail = (v->rxq_head + v->rxq_n) % VIF_BACK_RXQ;
	v->rxq[tail].len = (uint16_t)len;
	memcpy(v->rxq[tail].data, frame, len);
	v->rxq_n++;
	rx_flush(s, v);
	return 0;
}

bool vif_back_serve(struct vif_back_set *s, vif_back_deliver_fn *deliver, void *arg)
{
	bool more = false;

	for (unsigned i = 0; i < VIF_BACK_MAX; i++) {
		struct vif_back *v = &s->v[i];

		if (!vif_back_connected(s, i))
			continue;
		if (s->env->take)
			s->env->take(s->env->ctx, (unsigned)v->port);
		if (v->rxq_n && !rx_flush(s, v))
			continue;
		tx_serve(s, v, deliver, arg, i);
		more |= v->more;
	}
	return more;
}

void vif_back_release_all(struct vif_back_set *s)
{
	for (int i = 0; i < VIF_BACK_MAX; i++)
		if (s->v[i].used)
			release(s, &s->v[i]);
}

void vif_back_set_init(struct vif_back_set *s, const struct vif_back_env *env, uint16_t self)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	snprintf(s->self, sizeof(s->self), "/local/domain/%u", self);
	snprintf(s->root, sizeof(s->root), "%s/backend/vif", s->self);
	for (int i = 0; i < VIF_BACK_MAX; i++)
		s->v[i].port = -1;
}
