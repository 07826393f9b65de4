/*
 * The shared-page transport (docs/misc/xenstore-ring.txt): moves request
 * bytes from a domain's ring page into its connection and queued replies
 * back, with wrap-around and partial messages. The page belongs to the
 * domain, so nothing in it is trusted: indices are checked on every pass (a
 * producer more than a ring ahead of its consumer closes the connection
 * with XENSTORE_ERROR_RINGIDX), bytes are copied out before they are parsed,
 * and each pass does bounded work.
 */
#ifndef XS_RING_H
#define XS_RING_H

#include "dom.h"
#include "public/io/xs_wire.h"

struct xs_conn;

/* Result bits of the calls below. */
#define XS_RING_NOTIFY 1u	/* indices moved: signal the domain's event channel */
#define XS_RING_MORE 2u		/* requests left unread (work budget spent): call again */
#define XS_RING_CLOSED 4u	/* the connection is closed: free it */

/* Bytes of requests one pass may take, and the queued output at which reading
 * stops until the domain drains its replies (flow control). */
#define XS_RING_BUDGET (4 * XENSTORE_RING_SIZE)
#define XS_RING_OUT_SOFT (16 * 1024)

/* Advertise our features on a newly mapped page (indices left alone). */
void xs_ring_attach(struct xenstore_domain_interface *intf);

/* Take requests from the page (handled at once, replies queued). */
unsigned xs_ring_read(struct xs_conn *c, struct xenstore_domain_interface *intf);
/* Copy queued replies and events into the page. */
unsigned xs_ring_write(struct xs_conn *c, struct xenstore_domain_interface *intf);
/* One full pass for an event-channel kick: reconnect requests, then write,
 * read, write. */
unsigned xs_ring_process(struct xs_conn *c, struct xenstore_domain_interface *intf);

#endif
