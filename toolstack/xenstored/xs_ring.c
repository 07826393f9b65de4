/* Ring transport between a domain's xenstore page and its connection. */
#include "xs_ring.h"
#include "xs_conn.h"

#define XS_RING_READ(x) (*(const volatile uint32_t *)&(x))
#define XS_RING_WRITE(x, v) (*(volatile uint32_t *)&(x) = (v))

void xs_ring_attach(struct xenstore_domain_interface *intf)
{
	XS_RING_WRITE(intf->server_features,
		      XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
	XS_RING_WRITE(intf->error, XENSTORE_ERROR_NONE);
}

/* Close c for a broken page or protocol, telling the domain why. */
static unsigned xs_ring_fail(struct xs_conn *c, struct xenstore_domain_interface *intf,
			     uint32_t reason)
{
	xs_conn_close(c, reason);
	XS_RING_WRITE(intf->error, c->close_reason);
	return XS_RING_CLOSED | XS_RING_NOTIFY;
}

unsigned xs_ring_read(struct xs_conn *c, struct xenstore_domain_interface *intf)
{
	uint32_t cons, prod, budget = XS_RING_BUDGET;
	unsigned res = 0;

	if (c->closed)
		return XS_RING_CLOSED;
	cons = XS_RING_READ(intf->req_cons);
	prod = XS_RING_READ(intf->req_prod);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* indices before data */
	if (prod - cons > XENSTORE_RING_SIZE)
		return xs_ring_fail(c, intf, XENSTORE_ERROR_RINGIDX);
	while (cons != prod && budget && !c->closed && c->out_bytes < XS_RING_OUT_SOFT) {
		uint32_t idx = MASK_XENSTORE_IDX(cons), n = prod - cons, used;

		if (n > XENSTORE_RING_SIZE - idx)
			n = XENSTORE_RING_SIZE - idx;
		if (n > budget)
			n = budget;
		used = (uint32_t)xs_conn_feed(c, intf->req + idx, n);
		cons += used;
		budget -= used;
		res |= XS_RING_NOTIFY;
		if (used == 0)
			break;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* data copied before it is freed */
	XS_RING_WRITE(intf->req_cons, cons);
	if (c->closed)
		return xs_ring_fail(c, intf, c->close_reason);
	if (!budget && XS_RING_READ(intf->req_prod) != cons)
		res |= XS_RING_MORE;
	return res;
}

unsigned xs_ring_write(struct xs_conn *c, struct xenstore_domain_interface *intf)
{
	uint32_t cons, prod, start;
	const uint8_t *p;
	size_t n;

	if (c->closed)
		return XS_RING_CLOSED;
	cons = XS_RING_READ(intf->rsp_cons);
	prod = start = XS_RING_READ(intf->rsp_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* space checked before writing */
	if (prod - cons > XENSTORE_RING_SIZE)
		return xs_ring_fail(c, intf, XENSTORE_ERROR_RINGIDX);
	while ((p = xs_conn_out_peek(c, &n)) && prod - cons < XENSTORE_RING_SIZE) {
		uint32_t idx = MASK_XENSTORE_IDX(prod);
		uint32_t space = XENSTORE_RING_SIZE - (prod - cons);

		if (n > space)
			n = space;
		if (n > XENSTORE_RING_SIZE - idx)
			n = XENSTORE_RING_SIZE - idx;
		memcpy(intf->rsp + idx, p, n);
		xs_conn_out_consume(c, n);
		prod += (uint32_t)n;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* data before the index */
	XS_RING_WRITE(intf->rsp_prod, prod);
	return prod != start ? XS_RING_NOTIFY : 0;
}

/* The domain asked for a fresh start: forget its state and empty the rings. */
static unsigned xs_ring_reconnect(struct xs_conn *c, struct xenstore_domain_interface *intf)
{
	xs_conn_reset(c);
	XS_RING_WRITE(intf->req_cons, 0);
	XS_RING_WRITE(intf->req_prod, 0);
	XS_RING_WRITE(intf->rsp_cons, 0);
	XS_RING_WRITE(intf->rsp_prod, 0);
	XS_RING_WRITE(intf->error, XENSTORE_ERROR_NONE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	XS_RING_WRITE(intf->connection, XENSTORE_CONNECTED);
	return XS_RING_NOTIFY;
}

unsigned xs_ring_process(struct xs_conn *c, struct xenstore_domain_interface *intf)
{
	unsigned res = 0;

	if (c->closed)
		return XS_RING_CLOSED;
	if (XS_RING_READ(intf->connection) == XENSTORE_RECONNECT)
		res |= xs_ring_reconnect(c, intf);
	res |= xs_ring_write(c, intf);
	if (!(res & XS_RING_CLOSED))
		res |= xs_ring_read(c, intf);
	if (!(res & XS_RING_CLOSED))
		res |= xs_ring_write(c, intf);
	return res;
}
