/*
 * A connection: one client of the store (a domain's ring, or a local client
 * in Dom0). It assembles incoming messages, holds the queue of outgoing ones
 * (replies and watch events) and owns the client's watches and transactions.
 * The transport (xs_ring.c, or the daemon's own) moves bytes in and out.
 */
#ifndef XS_CONN_H
#define XS_CONN_H

#include "dom.h"
#include "public/io/xs_wire.h"

struct xs_store;
struct xs_tx;
struct xs_watch;

struct xs_msg {
	struct xs_msg *next;
	uint32_t size;		/* header + payload */
	uint32_t sent;		/* bytes already handed to the transport */
	uint8_t data[];		/* struct xsd_sockmsg, then the payload */
};

struct xs_conn {
	struct xs_conn *next;		/* the store's list */
	struct xs_store *st;
	uint32_t domid;
	bool privileged;		/* Dom0: every access, no quotas */
	bool closed;			/* broken or released: the daemon should free it */
	uint32_t close_reason;		/* XENSTORE_ERROR_*, once closed */

	struct xs_msg *out_head, *out_tail;	/* outgoing, oldest first */
	size_t out_bytes;			/* bytes queued and not yet sent */
	uint64_t events_dropped;		/* watch events lost to max_out_bytes */

	struct xs_watch *watches;
	uint32_t nwatches;
	struct xs_tx *txs;
	uint32_t ntxs;

	/* The message being received: header, then payload. */
	struct xsd_sockmsg in_hdr;
	uint32_t in_got;			/* bytes of header + payload so far */
	uint8_t in_buf[XENSTORE_PAYLOAD_MAX];
};

/* A connection for domid (privileged when domid is 0), registered with st;
 * NULL when out of memory. */
struct xs_conn *xs_conn_new(struct xs_store *st, uint32_t domid);
/* Close (if still open), unregister and free. */
void xs_conn_free(struct xs_conn *c);
/* Drop c's watches, transactions and queued output and mark it closed;
 * later input and output are ignored. reason: XENSTORE_ERROR_*. */
void xs_conn_close(struct xs_conn *c, uint32_t reason);
/* Forget the client's state (watches, transactions, partial input, queued
 * output) but stay open: a ring reconnect, or RESET_WATCHES' bigger brother. */
void xs_conn_reset(struct xs_conn *c);

/* The open connection of domid, or NULL. */
struct xs_conn *xs_conn_find(struct xs_store *st, uint32_t domid);

/* Queue a message. Returns 0 or XSD_ENOMEM (nothing queued). */
int xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 const void *payload, size_t len);
/* Queue an XS_ERROR reply to hdr naming err. */
void xs_conn_send_error(struct xs_conn *c, const struct xsd_sockmsg *hdr, int err);
/* Queue a watch event "path\0token\0", unless c is over max_out_bytes. */
void xs_conn_send_event(struct xs_conn *c, const char *path, const char *token);

/*
 * Take up to n request bytes. Complete messages are handled at once (replies
 * queued); consumption stops after each message so the transport can apply
 * flow control. A header announcing more than XENSTORE_PAYLOAD_MAX closes
 * the connection. Returns the bytes consumed.
 */
size_t xs_conn_feed(struct xs_conn *c, const void *buf, size_t n);

/* The unsent bytes of the oldest queued message (NULL, *n 0 when none),
 * and telling the queue n of them went out. */
const uint8_t *xs_conn_out_peek(struct xs_conn *c, size_t *n);
void xs_conn_out_consume(struct xs_conn *c, size_t n);

/* The name of an XSD_* error ("EINVAL" for one not in the table). */
const char *xs_conn_errname(int err);

#endif
