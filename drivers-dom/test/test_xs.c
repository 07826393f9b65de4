/*
 * The xenstore client (hv/xs.c) on the host, against a fake xenstored that
 * lives in the fake event channel: every notify lets it consume requests
 * and answer, a few bytes at a time so that messages wrap and split.
 */
#include <stdlib.h>
#include "check.h"
#include "dom.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/io/xs_wire.h"

static struct xenstore_domain_interface page __attribute__((aligned(4096)));
static struct dom_start_info si;
static uint64_t fake_now;

/* The fake daemon: a flat store of path=value pairs. */
#define KEYS 32
static char keys[KEYS][64], values[KEYS][64];
static char inbuf[8192];
static size_t inlen;
static char outq[16384];
static size_t outq_len, outq_pos;
static uint32_t watch_fired;
static bool stall;		/* answer nothing: to test the timeout */

const struct dom_start_info *dom_start_info(void) { return &si; }
uint64_t dom_now_ns(void) { return fake_now; }
int dom_evtchn_set_handler(unsigned int port, dom_evtchn_fn fn, void *arg)
{
	(void)port, (void)fn, (void)arg;
	return 0;
}

static void reply(const struct xsd_sockmsg *req, uint32_t type, const void *body, size_t len)
{
	struct xsd_sockmsg h = { type, req ? req->req_id : 0, req ? req->tx_id : 0, (uint32_t)len };

	memcpy(outq + outq_len, &h, sizeof(h));
	memcpy(outq + outq_len + sizeof(h), body, len);
	outq_len += sizeof(h) + len;
}

static void reply_error(const struct xsd_sockmsg *req, const char *name)
{
	reply(req, XS_ERROR, name, strlen(name) + 1);
}

static int find(const char *path)
{
	for (int i = 0; i < KEYS; i++)
		if (!strcmp(keys[i], path))
			return i;
	return -1;
}

static void handle(const struct xsd_sockmsg *m, const char *body)
{
	int i;

	switch (m->type) {
	case XS_READ:
		if ((i = find(body)) < 0)
			reply_error(m, "ENOENT");
		else
			reply(m, XS_READ, values[i], strlen(values[i]));
		break;
	case XS_WRITE:
		if ((i = find(body)) < 0)
			i = find("");
		snprintf(keys[i], sizeof(keys[i]), "%.63s", body);
		snprintf(values[i], sizeof(values[i]), "%.*s", (int)(m->len - strlen(body) - 1),
			 body + strlen(body) + 1);
		reply(m, XS_WRITE, "OK", 3);
		/* A watch on "/w" fires on every write (and its event comes first). */
		if (watch_fired)
			reply(NULL, XS_WATCH_EVENT, "/w/x\0tok", 9);
		break;
	case XS_DIRECTORY:
		reply(m, XS_DIRECTORY, "a\0bb\0ccc", 9);
		break;
	case XS_WATCH:
		watch_fired = 1;
		reply(m, XS_WATCH, "OK", 3);
		reply(NULL, XS_WATCH_EVENT, "/w\0tok", 7);
		break;
	case XS_TRANSACTION_START:
		reply(m, XS_TRANSACTION_START, "17", 3);
		break;
	case XS_TRANSACTION_END:
		if (m->tx_id == 17 && body[0] == 'T')
			reply_error(m, "EAGAIN");
		else
			reply(m, XS_TRANSACTION_END, "OK", 3);
		break;
	case XS_GET_DOMAIN_PATH:
		reply(m, m->type, "/local/domain/5", 16);
		break;
	default:
		reply_error(m, "ENOSYS");
	}
}

/* Moves up to 7 bytes each way per notify, as a slow daemon would. */
static void daemon_step(void)
{
	struct xsd_sockmsg m;

	for (int n = 0; n < 7 && page.req_cons != page.req_prod; n++)
		inbuf[inlen++] = page.req[MASK_XENSTORE_IDX(page.req_cons++)];
	while (inlen >= sizeof(m)) {
		memcpy(&m, inbuf, sizeof(m));
		if (inlen < sizeof(m) + m.len)
			break;
		inbuf[sizeof(m) + m.len] = '\0';
		if (!stall)
			handle(&m, inbuf + sizeof(m));
		memmove(inbuf, inbuf + sizeof(m) + m.len, inlen - sizeof(m) - m.len);
		inlen -= sizeof(m) + m.len;
	}
	for (int n = 0; n < 7 && outq_pos < outq_len &&
			page.rsp_prod - page.rsp_cons < XENSTORE_RING_SIZE; n++)
		page.rsp[MASK_XENSTORE_IDX(page.rsp_prod++)] = outq[outq_pos++];
	if (outq_pos == outq_len)
		outq_pos = outq_len = 0;
}

int dom_evtchn_notify(unsigned int port)
{
	CHECK(port == 9);
	daemon_step();
	return 0;
}

void dom_wait_event_timeout(unsigned int ms)
{
	fake_now += ms * 1000000ull;
	daemon_step();
}

static char *seen_path;
static void on_watch(const char *path, const char *token, void *arg)
{
	CHECK(!strcmp(token, "tok"));
	++*(int *)arg;
	free(seen_path);
	seen_path = strdup(path);
}

int main(void)
{
	char *v, **names, *path, big[600];
	unsigned int count;
	uint64_t num;
	uint32_t tx;
	int fired = 0;

	CHECK(dom_xs_init() == -ENODEV);
	si.has_store = true;
	si.store_pfn = (uintptr_t)&page >> 12;
	si.store_evtchn = 9;
	CHECK(dom_xs_init() == 0);
	CHECK(dom_xs_read(0, "/nope", &v, NULL) == -ENOENT);
	CHECK(dom_xs_write(0, "/a", "hello") == 0);
	CHECK(dom_xs_read(0, "/a", &v, NULL) == 0 && !strcmp(v, "hello"));
	free(v);
	CHECK(dom_xs_printf(0, "/n", "%d", 4096) == 0);
	CHECK(dom_xs_read_u64(0, "/n", &num) == 0 && num == 4096);
	CHECK(dom_xs_read_u64(0, "/a", &num) == -EINVAL);
	/* Many round trips: the ring indexes wrap many times. */
	for (int i = 0; i < 300; i++) {
		memset(big, 'a' + i % 26, 40);
		big[40] = '\0';
		CHECK(dom_xs_write(0, "/big", big) == 0);
		CHECK(dom_xs_read(0, "/big", &v, NULL) == 0 && !strcmp(v, big));
		free(v);
	}
	CHECK(dom_xs_directory(0, "/", &names, &count) == 0 && count == 3);
	CHECK(!strcmp(names[0], "a") && !strcmp(names[2], "ccc") && !names[3]);
	free(names);
	CHECK(dom_xs_get_domain_path(5, &path) == 0 && !strcmp(path, "/local/domain/5"));
	free(path);
	CHECK(dom_xs_transaction_start(&tx) == 0 && tx == 17);
	CHECK(dom_xs_transaction_end(tx, true) == -EAGAIN);
	CHECK(dom_xs_transaction_end(tx, false) == 0);
	CHECK(dom_xs_mkdir(0, "/d") == -ENOSYS);
	/* Watches: the first event on registration, then one per write. */
	CHECK(dom_xs_watch("/w", "tok", on_watch, &fired) == 0);
	dom_xs_poll();
	CHECK(fired == 1 && !strcmp(seen_path, "/w"));
	CHECK(dom_xs_write(0, "/w/x", "1") == 0);
	CHECK(fired == 1);	/* queued during the request, delivered by poll */
	dom_xs_poll();
	CHECK(fired == 2 && !strcmp(seen_path, "/w/x"));
	CHECK(dom_xs_unwatch("/w", "tok") == -ENOSYS);	/* the fake knows no UNWATCH */
	CHECK(dom_xs_unwatch("/w", "tok") == -ENOENT);
	/* A daemon that never answers: the request times out. */
	stall = true;
	CHECK(dom_xs_read(0, "/a", &v, NULL) == -ETIMEDOUT);
	free(seen_path);
	CHECK_DONE("dom_xs");
	return 0;
}
