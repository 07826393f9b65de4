/* xenstore client over the store ring (dom/xs.h; docs: Xen's xenstore.txt, xenstore-ring.txt). */
#include "dom.h"
#include "dom/bytering.h"
#include "dom/xs.h"
#include "dom/evtchn.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/error.h"
#include "public/io/xs_wire.h"

#define WAIT_SLICE_MS 100

struct message {
	struct xsd_sockmsg hdr;
	char *body;		/* hdr.len bytes + NUL */
	struct message *next;
};

struct watch {
	char *path, *token;
	dom_xs_watch_fn fn;
	void *arg;
	struct watch *next;
};

static struct {
	struct xenstore_domain_interface *ring;
	struct dom_bytering req, rsp;
	unsigned int port;
	uint32_t next_req_id;
	struct message *events, **events_tail;	/* watch events not yet delivered */
	struct watch *watches;
} xs;

int dom_xs_init(void)
{
	const struct dom_start_info *si = dom_start_info();

	if (!si->has_store || !si->store_pfn)
		return -ENODEV;
	xs.ring = (struct xenstore_domain_interface *)(uintptr_t)(si->store_pfn << 12);
	xs.req = (struct dom_bytering){ xs.ring->req, XENSTORE_RING_SIZE, &xs.ring->req_cons,
					&xs.ring->req_prod };
	xs.rsp = (struct dom_bytering){ xs.ring->rsp, XENSTORE_RING_SIZE, &xs.ring->rsp_cons,
					&xs.ring->rsp_prod };
	xs.port = si->store_evtchn;
	xs.events_tail = &xs.events;
	xs.next_req_id = 1;
	return dom_evtchn_set_handler(xs.port, NULL, NULL);
}

/* Waits for progress on the ring until the deadline; false when it passed. */
static bool wait_until(uint64_t deadline)
{
	if (dom_now_ns() >= deadline)
		return false;
	dom_wait_event_timeout(WAIT_SLICE_MS);
	return true;
}

static int ring_write(const char *data, size_t len, uint64_t deadline)
{
	while (len) {
		size_t n = dom_bytering_put(&xs.req, data, len);

		data += n;
		len -= n;
		if (n)
			dom_evtchn_notify(xs.port);
		if (len && !wait_until(deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

static int ring_read(char *data, size_t len, uint64_t deadline)
{
	while (len) {
		size_t n = dom_bytering_get(&xs.rsp, data, len);

		data += n;
		len -= n;
		if (n)
			dom_evtchn_notify(xs.port);
		else if (!wait_until(deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

/* One whole message from the ring into a malloc'd struct message. */
static int read_message(struct message **out, uint64_t deadline)
{
	struct message *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	if ((rc = ring_read((char *)&m->hdr, sizeof(m->hdr), deadline)))
		goto fail;
	rc = -EIO;
	if (m->hdr.len > XENSTORE_PAYLOAD_MAX || !(m->body = malloc(m->hdr.len + 1)))
		goto fail;
	if ((rc = ring_read(m->body, m->hdr.len, deadline)))
		goto fail;
	m->body[m->hdr.len] = '\0';
	*out = m;
	return 0;
fail:
	free(m->body);
	free(m);
	return rc;
}

static void message_free(struct message *m)
{
	free(m->body);
	free(m);
}

/* "ENOENT" -> -ENOENT, by the wire protocol's table. */
static int error_code(const char *name)
{
	static const struct xsd_errors errors[] = XSD_ERRORS_INIT;

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (!strcmp(errors[i].errstring, name))
			return -errors[i].errnum;
	return -EINVAL;
}

int dom_xs_request(uint32_t type, uint32_t tx, const void *payload, size_t len, char **reply,
		   size_t *reply_len)
{
	uint64_t deadline = dom_now_ns() + DOM_XS_TIMEOUT_MS * 1000000ull;
	struct xsd_sockmsg hdr = { type, xs.next_req_id++, tx, (uint32_t)len };
	struct message *m;
	int rc;

	if (!xs.ring)
		return -ENODEV;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if ((rc = ring_write((const char *)&hdr, sizeof(hdr), deadline)) ||
	    (rc = ring_write(payload, len, deadline)))
		return rc;
	for (;;) {
		if ((rc = read_message(&m, deadline)))
			return rc;
		if (m->hdr.type == XS_WATCH_EVENT) {	/* for dom_xs_poll() */
			*xs.events_tail = m;
			xs.events_tail = &m->next;
			continue;
		}
		if (m->hdr.req_id == hdr.req_id)
			break;
		message_free(m);	/* a stale reply to a request that timed out */
	}
	rc = m->hdr.type == XS_ERROR ? error_code(m->body) : 0;
	if (!rc && reply) {
		*reply = m->body;
		m->body = NULL;
		if (reply_len)
			*reply_len = m->hdr.len;
	}
	message_free(m);
	return rc;
}

/* Path and value (not NUL-terminated, as XS_WRITE wants) in one payload. */
int dom_xs_write(uint32_t tx, const char *path, const char *value)
{
	size_t plen = strlen(path) + 1, vlen = strlen(value);
	char *buf = malloc(plen + vlen);
	int rc;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, plen);
	memcpy(buf + plen, value, vlen);
	rc = dom_xs_request(XS_WRITE, tx, buf, plen + vlen, NULL, NULL);
	free(buf);
	return rc;
}

int dom_xs_printf(uint32_t tx, const char *path, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return dom_xs_write(tx, path, value);
}

int dom_xs_read(uint32_t tx, const char *path, char **value, size_t *len)
{
	return dom_xs_request(XS_READ, tx, path, strlen(path) + 1, value, len);
}

int dom_xs_read_u64(uint32_t tx, const char *path, uint64_t *value)
{
	char *s, *end;
	int rc = dom_xs_read(tx, path, &s, NULL);

	if (rc)
		return rc;
	*value = strtoull(s, &end, 0);
	rc = (end == s || *end) ? -EINVAL : 0;
	free(s);
	return rc;
}

int dom_xs_mkdir(uint32_t tx, const char *path)
{
	return dom_xs_request(XS_MKDIR, tx, path, strlen(path) + 1, NULL, NULL);
}

int dom_xs_rm(uint32_t tx, const char *path)
{
	return dom_xs_request(XS_RM, tx, path, strlen(path) + 1, NULL, NULL);
}

/* The reply is "name\0name\0...": one array of pointers followed by the strings. */
int dom_xs_directory(uint32_t tx, const char *path, char ***names, unsigned int *count)
{
	char *body, **v;
	size_t len, n = 0;
	int rc = dom_xs_request(XS_DIRECTORY, tx, path, strlen(path) + 1, &body, &len);

	if (rc)
		return rc;
	for (size_t i = 0; i < len; i++)
		n += body[i] == '\0';
	if (len && body[len - 1] != '\0')
		n++;	/* a last name without its NUL: the body has one after it */
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v) {
		free(body);
		return -ENOMEM;
	}
	memcpy(&v[n + 1], body, len + 1);
	for (size_t i = 0, k = 0; k < n; k++) {
		v[k] = (char *)&v[n + 1] + i;
		i += strlen(v[k]) + 1;
	}
	v[n] = NULL;
	free(body);
	*names = v;
	*count = (unsigned int)n;
	return 0;
}

int dom_xs_get_domain_path(uint16_t domid, char **path)
{
	char id[8];

	snprintf(id, sizeof(id), "%u", domid);
	return dom_xs_request(XS_GET_DOMAIN_PATH, 0, id, strlen(id) + 1, path, NULL);
}

int dom_xs_transaction_start(uint32_t *tx)
{
	char *body, *end;
	int rc = dom_xs_request(XS_TRANSACTION_START, 0, "", 1, &body, NULL);

	if (rc)
		return rc;
	*tx = (uint32_t)strtoul(body, &end, 10);
	rc = end == body ? -EIO : 0;
	free(body);
	return rc;
}

int dom_xs_transaction_end(uint32_t tx, bool commit)
{
	return dom_xs_request(XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL, NULL);
}

/* XS_WATCH / XS_UNWATCH payload: path\0token\0. */
static int watch_request(uint32_t type, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	char *buf = malloc(pl + tl);
	int rc;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	rc = dom_xs_request(type, 0, buf, pl + tl, NULL, NULL);
	free(buf);
	return rc;
}

int dom_xs_watch(const char *path, const char *token, dom_xs_watch_fn fn, void *arg)
{
	struct watch *w = calloc(1, sizeof(*w));
	int rc;

	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
		if (w)
			free(w->path);
		free(w);
		return -ENOMEM;
	}
	w->fn = fn;
	w->arg = arg;
	w->next = xs.watches;
	xs.watches = w;	/* before the request: the first event may come with the reply */
	if ((rc = watch_request(XS_WATCH, path, token))) {
		xs.watches = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	return rc;
}

int dom_xs_unwatch(const char *path, const char *token)
{
	for (struct watch **p = &xs.watches; *p; p = &(*p)->next) {
		struct watch *w = *p;

		if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
			*p = w->next;
			free(w->path);
			free(w->token);
			free(w);
			return watch_request(XS_UNWATCH, path, token);
		}
	}
	return -ENOENT;
}

static void deliver(const struct message *m)
{
	const char *path = m->body;
	size_t plen = strnlen(path, m->hdr.len);
	const char *token = plen < m->hdr.len ? path + plen + 1 : "";

	/* Tokens name watches: the first match only, so a callback may unwatch. */
	for (struct watch *w = xs.watches; w; w = w->next) {
		if (!strcmp(w->token, token)) {
			w->fn(path, token, w->arg);
			return;
		}
	}
}

void dom_xs_poll(void)
{
	struct message *m;

	if (!xs.ring)
		return;
	/* Unsolicited messages already in the ring: only watch events can be. */
	while (dom_bytering_used(&xs.rsp) &&
	       read_message(&m, dom_now_ns() + 1000000000ull) == 0) {
		if (m->hdr.type == XS_WATCH_EVENT) {
			*xs.events_tail = m;
			xs.events_tail = &m->next;
		} else {
			message_free(m);
		}
	}
	while ((m = xs.events)) {
		xs.events = m->next;
		if (!xs.events)
			xs.events_tail = &xs.events;
		deliver(m);
		message_free(m);
	}
}
