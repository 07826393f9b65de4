/*
 * The wire protocol's request handling: one small handler per message type,
 * dispatched through a table (an unknown type answers ENOSYS). Each handler
 * parses its payload first, then calls the node, watch, transaction or
 * domain code; the reply goes to the caller's output queue.
 */
#ifndef XS_PROTO_H
#define XS_PROTO_H

#include "dom.h"
#include "public/io/xs_wire.h"
#include "xs_store.h"

struct xs_conn;

/*
 * Handle one request from c (a message of hdr->len payload bytes). The reply,
 * and any watch events (to c or other connections), are queued on the
 * connections. A header claiming more than XENSTORE_PAYLOAD_MAX closes c, as
 * upstream does. Returns 0, or -1 when c has been closed.
 */
int xs_handle_message(struct xs_store *st, struct xs_conn *c, const struct xsd_sockmsg *hdr,
		      const void *payload);

/* A request being handled. */
struct xs_req {
	struct xs_store *st;
	struct xs_conn *conn;
	const struct xsd_sockmsg *hdr;
	const char *data;	/* hdr->len payload bytes, not nul-terminated */
	uint32_t len;
	struct xs_ctx ctx;	/* the caller, inside its transaction if tx_id names one */
	bool replied;		/* the handler queued its own reply (else "OK") */
};

/* Split the payload into nul-terminated strings: up to max in argv. The
 * payload must be nothing but such strings. Returns how many, or -1. */
int xs_req_args(const struct xs_req *r, const char **argv, int max);
/* Parse a domid ("0".."65535"); false if it is not one. */
bool xs_req_domid(const char *s, uint32_t *domid);
/* Queue the reply payload. Returns 0 or XSD_ENOMEM. */
int xs_req_reply(struct xs_req *r, const void *p, size_t len);
/* Reply with s and its nul. */
int xs_req_reply_str(struct xs_req *r, const char *s);

#endif
