/*
 * xenstored's core, as a library: the store, connections, the wire protocol
 * and the ring transport. The daemon around it (Dom0) owns the event loop,
 * the ring mappings and the event channels:
 *
 *	st = xs_store_new(NULL);                 // upstream default quotas
 *	st->ops = (struct xs_daemon_ops){ introduce, release, opaque };
 *	c = xs_conn_new(st, domid);              // per domain, on INTRODUCE
 *	xs_ring_attach(page);
 *	on its event channel:
 *		r = xs_ring_process(c, page);
 *		if (r & XS_RING_NOTIFY) kick the domain;
 *		if (r & XS_RING_CLOSED) unmap, xs_conn_free(c);
 *		if (r & XS_RING_MORE) process again soon;
 *	after handling anything, every other connection may have new watch
 *	events queued: run xs_ring_write on those with c->out_head set.
 *
 * Local clients in Dom0 can skip the ring: xs_conn_new(st, 0), then
 * xs_handle_message(), and read replies with xs_conn_out_peek/consume.
 * The daemon itself may change the store directly through
 * xs_store_ctx(st, NULL, NULL) and the xs_op_* calls.
 */
#ifndef XENSTORED_H
#define XENSTORED_H

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_op.h"
#include "xs_proto.h"
#include "xs_ring.h"
#include "xs_store.h"

#endif
