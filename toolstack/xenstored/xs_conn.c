/* Connections: message assembly and the output queue. */
#include "xs_conn.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_tx.h"
#include "xs_watch.h"

static const struct xsd_errors xs_conn_errors[] = XSD_ERRORS_INIT;

const char *xs_conn_errname(int err)
{
	for (size_t i = 0; i < sizeof(xs_conn_errors) / sizeof(xs_conn_errors[0]); i++) {
		if (xs_conn_errors[i].errnum == err)
			return xs_conn_errors[i].errstring;
	}
	return xs_conn_errors[0].errstring;
}

struct xs_conn *xs_conn_new(struct xs_store *st, uint32_t domid)
{
	struct xs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->st = st;
	c->domid = domid;
	c->privileged = domid == 0;
	c->next = st->conns;
	st->conns = c;
	return c;
}

static void xs_conn_drop_output(struct xs_conn *c)
{
	struct xs_msg *m, *n;

	for (m = c->out_head; m; m = n) {
		n = m->next;
		free(m);
	}
	c->out_head = c->out_tail = NULL;
	c->out_bytes = 0;
}

void xs_conn_reset(struct xs_conn *c)
{
	xs_watch_remove_all(c);
	xs_tx_abort_all(c);
	xs_conn_drop_output(c);
	c->in_got = 0;
}

void xs_conn_close(struct xs_conn *c, uint32_t reason)
{
	if (c->closed)
		return;
	xs_conn_reset(c);
	c->closed = true;
	c->close_reason = reason;
}

void xs_conn_free(struct xs_conn *c)
{
	struct xs_conn **pp;

	if (!c)
		return;
	xs_conn_close(c, XENSTORE_ERROR_NONE);
	for (pp = &c->st->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c);
}

struct xs_conn *xs_conn_find(struct xs_store *st, uint32_t domid)
{
	for (struct xs_conn *c = st->conns; c; c = c->next) {
		if (c->domid == domid && !c->closed)
			return c;
	}
	return NULL;
}

static struct xs_msg *xs_conn_msg(uint32_t type, uint32_t req_id, uint32_t tx_id, size_t len)
{
	struct xs_msg *m = malloc(sizeof(*m) + sizeof(struct xsd_sockmsg) + len);
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };

	if (!m)
		return NULL;
	m->next = NULL;
	m->size = (uint32_t)(sizeof(h) + len);
	m->sent = 0;
	memcpy(m->data, &h, sizeof(h));
	return m;
}

static void xs_conn_queue(struct xs_conn *c, struct xs_msg *m)
{
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->out_bytes += m->size;
}

int xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 const void *payload, size_t len)
{
	struct xs_msg *m;

	if (c->closed)
		return 0;
	if (len > XENSTORE_PAYLOAD_MAX)
		return XSD_E2BIG;
	m = xs_conn_msg(type, req_id, tx_id, len);
	if (!m)
		return XSD_ENOMEM;
	if (len)
		memcpy(m->data + sizeof(struct xsd_sockmsg), payload, len);
	xs_conn_queue(c, m);
	return 0;
}

void xs_conn_send_error(struct xs_conn *c, const struct xsd_sockmsg *hdr, int err)
{
	const char *name = xs_conn_errname(err);

	/* Out of memory for the error too: the client times out, the daemon lives. */
	(void)xs_conn_send(c, XS_ERROR, hdr->req_id, hdr->tx_id, name, strlen(name) + 1);
}

void xs_conn_send_event(struct xs_conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	struct xs_msg *m;

	if (c->closed)
		return;
	if (c->out_bytes >= c->st->quota.max_out_bytes || pl + tl > XENSTORE_PAYLOAD_MAX ||
	    !(m = xs_conn_msg(XS_WATCH_EVENT, 0, 0, pl + tl))) {
		c->events_dropped++;
		return;
	}
	memcpy(m->data + sizeof(struct xsd_sockmsg), path, pl);
	memcpy(m->data + sizeof(struct xsd_sockmsg) + pl, token, tl);
	xs_conn_queue(c, m);
}

size_t xs_conn_feed(struct xs_conn *c, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t used = 0, hs = sizeof(struct xsd_sockmsg);

	if (c->closed)
		return n;	/* swallow: nobody listens any more */
	if (c->in_got < hs) {
		used = hs - c->in_got < n ? hs - c->in_got : n;
		memcpy((uint8_t *)&c->in_hdr + c->in_got, p, used);
		c->in_got += (uint32_t)used;
		if (c->in_got < hs)
			return used;
		if (c->in_hdr.len > XENSTORE_PAYLOAD_MAX) {
			xs_conn_close(c, XENSTORE_ERROR_PROTO);
			return n;
		}
	}
	if (c->in_got - hs < c->in_hdr.len) {
		size_t want = c->in_hdr.len - (c->in_got - hs), take = want < n - used ? want : n - used;

		memcpy(c->in_buf + (c->in_got - hs), p + used, take);
		c->in_got += (uint32_t)take;
		used += take;
	}
	if (c->in_got - hs == c->in_hdr.len) {
		c->in_got = 0;
		xs_handle_message(c->st, c, &c->in_hdr, c->in_buf);
	}
	return used;
}

const uint8_t *xs_conn_out_peek(struct xs_conn *c, size_t *n)
{
	struct xs_msg *m = c->out_head;

	*n = m ? m->size - m->sent : 0;
	return m ? m->data + m->sent : NULL;
}

void xs_conn_out_consume(struct xs_conn *c, size_t n)
{
	struct xs_msg *m = c->out_head;

	if (!m)
		return;
	if (n > m->size - m->sent)
		n = m->size - m->sent;
	m->sent += (uint32_t)n;
	c->out_bytes -= n;
	if (m->sent == m->size) {
		c->out_head = m->next;
		if (!c->out_head)
			c->out_tail = NULL;
		free(m);
	}
}
