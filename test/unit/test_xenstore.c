/*
 * xenstored's core: path rules, store operations, permissions between
 * domains, quotas, transactions, watches, the ring transport (wrap-around,
 * partial and hostile input) and a scripted conversation over a ring.
 */
#include "check.h"
#include "xenstored.h"
#include "xs_path.h"
#include "xs_tx.h"

/* ---- a client: a connection plus the watch events seen on it ---- */

struct msg {
	struct xsd_sockmsg h;
	char p[XENSTORE_PAYLOAD_MAX + 1];
};

struct client {
	struct xs_conn *c;
	struct msg ev[64];	/* events that arrived before a reply */
	int nev;
};

static uint32_t next_req = 100;
static char out[XENSTORE_PAYLOAD_MAX * 2];

static bool pop(struct xs_conn *c, struct msg *m)
{
	size_t n;
	const uint8_t *d = xs_conn_out_peek(c, &n);

	if (!d)
		return false;
	memcpy(&m->h, d, sizeof(m->h));
	memcpy(m->p, d + sizeof(m->h), m->h.len);
	m->p[m->h.len] = '\0';
	xs_conn_out_consume(c, n);
	return true;
}

/* A reply as text: the payload with nuls shown as '|', or "!ENAME". */
static const char *text(const struct msg *m)
{
	if (m->h.type == XS_ERROR) {
		snprintf(out, sizeof(out), "!%s", m->p);
		return out;
	}
	for (uint32_t i = 0; i < m->h.len; i++)
		out[i] = m->p[i] ? m->p[i] : '|';
	out[m->h.len] = '\0';
	return out;
}

/* Send a raw request; stash events; return the reply as text. */
static const char *call(struct client *cl, uint32_t type, uint32_t tx, const void *p, size_t len)
{
	struct xsd_sockmsg h = { type, next_req++, tx, (uint32_t)len };
	struct msg m;

	xs_handle_message(cl->c->st, cl->c, &h, p);
	while (pop(cl->c, &m)) {
		if (m.h.type == XS_WATCH_EVENT && cl->nev < 64) {
			cl->ev[cl->nev++] = m;
			continue;
		}
		if (m.h.req_id != h.req_id || m.h.tx_id != tx ||
		    (m.h.type != type && m.h.type != XS_ERROR)) {
			fprintf(stderr, "bad reply header to type %u\n", type);
			exit(1);
		}
		return text(&m);
	}
	return "(no reply)";
}

/* Requests with one or two string arguments, and WRITE. */
static const char *req1(struct client *cl, uint32_t type, uint32_t tx, const char *a)
{
	return call(cl, type, tx, a, strlen(a) + 1);
}

static const char *req2(struct client *cl, uint32_t type, uint32_t tx, const char *a,
			const char *b)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t la = strlen(a) + 1, lb = strlen(b) + 1;

	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	return call(cl, type, tx, buf, la + lb);
}

static const char *wr(struct client *cl, uint32_t tx, const char *path, const char *val)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t lp = strlen(path) + 1, lv = strlen(val);

	memcpy(buf, path, lp);
	memcpy(buf + lp, val, lv);
	return call(cl, XS_WRITE, tx, buf, lp + lv);
}

static const char *rd(struct client *cl, uint32_t tx, const char *path)
{
	return req1(cl, XS_READ, tx, path);
}

/* SET_PERMS path then perm strings separated by spaces ("b0 r5"). */
static const char *setp(struct client *cl, uint32_t tx, const char *path, const char *perms)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t lp = strlen(path) + 1, lq = strlen(perms) + 1;

	memcpy(buf, path, lp);
	memcpy(buf + lp, perms, lq);
	for (size_t i = lp; i < lp + lq; i++)
		buf[i] = buf[i] == ' ' ? '\0' : buf[i];
	return call(cl, XS_SET_PERMS, tx, buf, lp + lq);
}

static uint32_t tx_start(struct client *cl)
{
	return (uint32_t)strtoul(call(cl, XS_TRANSACTION_START, 0, "", 1), NULL, 10);
}

/* Next watch event as "path|token|", or "" if none. */
static const char *event(struct client *cl)
{
	struct msg m;

	if (cl->nev) {
		m = cl->ev[0];
		memmove(cl->ev, cl->ev + 1, --cl->nev * sizeof(m));
		return text(&m);
	}
	while (pop(cl->c, &m)) {
		if (m.h.type == XS_WATCH_EVENT)
			return text(&m);
	}
	return "";
}

static int drain(struct client *cl)
{
	int n = 0;

	while (event(cl)[0])
		n++;
	return n;
}

static bool eq(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	fprintf(stderr, "  got \"%s\", want \"%s\"\n", a, b);
	return false;
}

static struct client *client(struct xs_store *st, uint32_t domid)
{
	struct client *cl = calloc(1, sizeof(*cl));

	cl->c = xs_conn_new(st, domid);
	return cl;
}

static void client_free(struct client *cl)
{
	xs_conn_free(cl->c);
	free(cl);
}

/* ---- tests ---- */

static void test_paths(void)
{
	char *p, long_rel[XENSTORE_REL_PATH_MAX + 2];
	bool rel;

	CHECK(xs_path_valid("/") && xs_path_valid("/local/domain/0") && xs_path_valid("/a-b_c@d"));
	CHECK(!xs_path_valid("") && !xs_path_valid("a") && !xs_path_valid("/a/"));
	CHECK(!xs_path_valid("//") && !xs_path_valid("/a//b") && !xs_path_valid("/a b"));
	CHECK(!xs_path_valid("/a.b") && !xs_path_valid("/a\x80"));
	CHECK(xs_path_canonical("device/vbd", 7, &p, &rel) == 0 && rel &&
	      eq(p, "/local/domain/7/device/vbd"));
	free(p);
	CHECK(xs_path_canonical("/x", 7, &p, &rel) == 0 && !rel && eq(p, "/x"));
	free(p);
	CHECK(xs_path_canonical("", 7, &p, &rel) == XSD_EINVAL);
	CHECK(xs_path_canonical("a/", 7, &p, &rel) == XSD_EINVAL);
	memset(long_rel, 'a', sizeof(long_rel) - 1);
	long_rel[sizeof(long_rel) - 1] = '\0';
	CHECK(xs_path_canonical(long_rel, 7, &p, &rel) == XSD_EINVAL);	/* 2049 bytes */
	long_rel[XENSTORE_REL_PATH_MAX] = '\0';
	CHECK(xs_path_canonical(long_rel, 7, &p, &rel) == 0);
	free(p);
	CHECK(xs_path_is_child("/a/b", "/a") && xs_path_is_child("/a", "/a") &&
	      xs_path_is_child("/a", "/") && !xs_path_is_child("/ab", "/a"));
}

static void test_perms_text(void)
{
	struct xs_perm p[4];
	char buf[64];
	struct xs_who dom5 = { 5, XS_DOMID_NONE, false }, dom6 = { 6, XS_DOMID_NONE, false };
	struct xs_who dom7 = { 7, 5, false }, dom0 = { 0, XS_DOMID_NONE, true };

	CHECK(xs_perms_parse("b0\0r5\0w6", 8, p, 4) == -XSD_EINVAL);	/* unterminated */
	CHECK(xs_perms_parse("n0\0r5\0w6\0", 9, p, 4) == 3);
	CHECK(p[0].id == 0 && p[0].perms == XS_PERM_NONE && p[1].perms == XS_PERM_READ &&
	      p[2].id == 6 && p[2].perms == XS_PERM_WRITE);
	CHECK(xs_perms_parse("x0\0", 3, p, 4) == -XSD_EINVAL);
	CHECK(xs_perms_parse("b\0", 2, p, 4) == -XSD_EINVAL);
	CHECK(xs_perms_parse("b70000\0", 7, p, 4) == -XSD_EINVAL);
	CHECK(xs_perms_parse("r1\0r2\0", 6, p, 1) == -XSD_ENOSPC);
	CHECK(xs_perms_parse("b5\0r6\0", 6, p, 4) == 2);
	CHECK(xs_perms_format(p, 2, buf, sizeof(buf)) == 6 && memcmp(buf, "b5\0r6\0", 6) == 0);
	CHECK(xs_perms_format(p, 2, buf, 4) == 0);
	CHECK(xs_perms_for(p, 2, &dom5) == (XS_PERM_BOTH | XS_PERM_OWNER));
	CHECK(xs_perms_for(p, 2, &dom6) == XS_PERM_READ);
	CHECK(xs_perms_for(p, 2, &dom7) == (XS_PERM_BOTH | XS_PERM_OWNER));	/* targets 5 */
	p[0].perms = XS_PERM_NONE;
	CHECK(xs_perms_for(p, 1, &dom6) == XS_PERM_NONE);
	CHECK(xs_perms_for(p, 1, &dom0) & XS_PERM_OWNER);
}

static void test_store_ops(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0);

	CHECK(eq(wr(d0, 0, "/a/b/c", "hello"), "OK|"));
	CHECK(eq(rd(d0, 0, "/a/b/c"), "hello"));
	CHECK(eq(rd(d0, 0, "/a/b"), ""));	/* implicit parent, empty value */
	CHECK(eq(rd(d0, 0, "/a/x"), "!ENOENT"));
	CHECK(eq(rd(d0, 0, "/a//b"), "!EINVAL"));
	CHECK(eq(wr(d0, 0, "/a/b/d", ""), "OK|"));
	CHECK(eq(req1(d0, XS_DIRECTORY, 0, "/a/b"), "c|d|"));
	CHECK(eq(req1(d0, XS_MKDIR, 0, "/a/b/c"), "OK|"));
	CHECK(eq(rd(d0, 0, "/a/b/c"), "hello"));	/* mkdir leaves a value alone */
	CHECK(eq(req1(d0, XS_MKDIR, 0, "/m/n"), "OK|"));
	CHECK(eq(req1(d0, XS_DIRECTORY, 0, "/m"), "n|"));
	CHECK(eq(req1(d0, XS_RM, 0, "/a/b"), "OK|"));
	CHECK(eq(rd(d0, 0, "/a/b/c"), "!ENOENT"));
	CHECK(eq(req1(d0, XS_DIRECTORY, 0, "/a"), ""));
	CHECK(eq(req1(d0, XS_RM, 0, "/a/b"), "OK|"));	/* gone, parent there: fine */
	CHECK(eq(req1(d0, XS_RM, 0, "/a/b/c"), "!ENOENT"));	/* parent gone too */
	CHECK(eq(req1(d0, XS_RM, 0, "/"), "!EINVAL"));
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "/a"), "n0|"));
	CHECK(eq(req1(d0, XS_GET_DOMAIN_PATH, 0, "12"), "/local/domain/12|"));
	CHECK(eq(req1(d0, XS_GET_DOMAIN_PATH, 0, "x12"), "!EINVAL"));
	CHECK(eq(call(d0, 99, 0, "", 1), "!ENOSYS"));
	CHECK(eq(call(d0, XS_WATCH_EVENT, 0, "", 1), "!ENOSYS"));
	CHECK(eq(call(d0, XS_READ, 0, "/a", 2), "!EINVAL"));	/* no terminating nul */
	CHECK(eq(call(d0, XS_READ, 0, "/a\0/b\0", 6), "!EINVAL"));	/* two paths */
	CHECK(eq(call(d0, XS_WRITE, 0, NULL, 0), "!EINVAL"));
	/* A binary value, nul bytes included, comes back unchanged. */
	CHECK(eq(call(d0, XS_WRITE, 0, "/bin\0x\0y", 8), "OK|"));
	CHECK(eq(rd(d0, 0, "/bin"), "x|y"));
	CHECK(xs_store_check(st) == 0);
	CHECK(eq(req1(d0, XS_CONTROL, 0, "check"), "OK|"));
	CHECK(eq(req1(d0, XS_CONTROL, 0, "help"), "check\nhelp\n|"));
	CHECK(eq(req1(d0, XS_CONTROL, 0, "fly"), "!EINVAL"));
	client_free(d0);
	xs_store_free(st);
}

/* DIRECTORY_PART: generation, whole names from the offset, and a final
 * empty string once the list ends. */
static void test_directory_part(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0);
	char path[64];
	const char *r;
	size_t len;

	for (int i = 0; i < 300; i++) {	/* 300 names of 16 bytes: 5100 bytes */
		snprintf(path, sizeof(path), "/many/child-number-%03d", i);
		wr(d0, 0, path, "");
	}
	CHECK(eq(req1(d0, XS_DIRECTORY, 0, "/many"), "!E2BIG"));
	r = req2(d0, XS_DIRECTORY_PART, 0, "/many", "0");
	len = strlen(r);
	CHECK(len > 3000 && len <= XENSTORE_PAYLOAD_MAX && r[len - 1] == '|' && r[len - 2] != '|');
	CHECK(strstr(req2(d0, XS_DIRECTORY_PART, 0, "/many", "5083"), "|child-number-299||"));
	CHECK(eq(req2(d0, XS_DIRECTORY_PART, 0, "/many", "6600"), "!EINVAL"));
	CHECK(eq(req2(d0, XS_DIRECTORY_PART, 0, "/many", "x"), "!EINVAL"));
	client_free(d0);
	xs_store_free(st);
}

static void test_permissions(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *d5 = client(st, 5), *d6 = client(st, 6);

	CHECK(eq(wr(d0, 0, "/local/domain/5/name", "guest"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5", "n0 r5"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5/name", "n0 r5"), "OK|"));
	CHECK(eq(rd(d5, 0, "name"), "guest"));	/* relative to /local/domain/5 */
	CHECK(eq(rd(d6, 0, "/local/domain/5/name"), "!EACCES"));
	CHECK(eq(rd(d6, 0, "/local/domain/5/nothing"), "!EACCES"));	/* no existence leak */
	CHECK(eq(rd(d5, 0, "nothing"), "!ENOENT"));
	CHECK(eq(wr(d5, 0, "name", "evil"), "!EACCES"));
	CHECK(eq(wr(d5, 0, "data/x", "1"), "!EACCES"));	/* parent not writable */
	/* Dom0 makes a subtree for 5: nodes created by Dom0 inherit the owner. */
	CHECK(eq(req1(d0, XS_MKDIR, 0, "/local/domain/5/data"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5/data", "n5"), "OK|"));
	CHECK(eq(wr(d0, 0, "/local/domain/5/data/byd0", "v"), "OK|"));
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "/local/domain/5/data/byd0"), "n5|"));
	CHECK(eq(wr(d5, 0, "data/x/y", "1"), "OK|"));
	CHECK(eq(req1(d5, XS_GET_PERMS, 0, "data/x"), "n5|"));
	CHECK(eq(rd(d6, 0, "/local/domain/5/data/x"), "!EACCES"));
	/* 5 owns data: it may grant 6 read access but not give the node away. */
	CHECK(eq(setp(d5, 0, "data/x/y", "n5 r6"), "OK|"));
	CHECK(eq(rd(d6, 0, "/local/domain/5/data/x/y"), "1"));
	CHECK(eq(wr(d6, 0, "/local/domain/5/data/x/y", "2"), "!EACCES"));
	CHECK(eq(setp(d5, 0, "data/x/y", "b6"), "!EPERM"));
	CHECK(eq(setp(d6, 0, "/local/domain/5/data/x/y", "b6"), "!EACCES"));
	CHECK(eq(setp(d5, 0, "data/x/y", "n5 q1"), "!EINVAL"));
	CHECK(eq(req1(d6, XS_RM, 0, "/local/domain/5/data/x"), "!EACCES"));
	/* 6 writes where the default lets everyone write: 6 owns the new node. */
	CHECK(eq(req1(d0, XS_MKDIR, 0, "/pub"), "OK|"));
	CHECK(eq(setp(d0, 0, "/pub", "w0"), "OK|"));
	CHECK(eq(wr(d6, 0, "/pub/six", "6"), "OK|"));
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "/pub/six"), "w6|"));
	CHECK(eq(rd(d5, 0, "/pub/six"), "!EACCES"));	/* write-only default */
	/* Dom0-only requests. */
	CHECK(eq(req2(d5, XS_SET_TARGET, 0, "5", "6"), "!EACCES"));
	CHECK(eq(req1(d5, XS_CONTROL, 0, "check"), "!EACCES"));
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	client_free(d5);
	client_free(d6);
	xs_store_free(st);
}

/* SET_TARGET: a device model (7) acts as the domain it serves (5). */
static void test_target(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *d7 = client(st, 7);

	wr(d0, 0, "/local/domain/5/dm", "");
	setp(d0, 0, "/local/domain/5/dm", "n5");
	CHECK(eq(wr(d7, 0, "/local/domain/5/dm/x", "1"), "!EACCES"));
	CHECK(eq(req2(d0, XS_SET_TARGET, 0, "7", "5"), "!ENOENT"));	/* not introduced */
	CHECK(xs_domain_introduce(st, 5) == 0 && xs_domain_introduce(st, 7) == 0);
	CHECK(eq(req2(d0, XS_SET_TARGET, 0, "7", "5"), "OK|"));
	CHECK(eq(wr(d7, 0, "/local/domain/5/dm/x", "1"), "OK|"));
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "/local/domain/5/dm/x"), "n7|"));
	client_free(d0);
	client_free(d7);
	xs_store_free(st);
}

/* Node quota inside transactions: counted as they go, and again at commit.
 * d5 owns 8 of its 8 nodes on entry. */
static void test_quota_tx(struct client *d5)
{
	uint32_t t1, t2;

	CHECK(eq(req1(d5, XS_RM, 0, "n5"), "OK|"));
	t1 = tx_start(d5);
	CHECK(eq(wr(d5, t1, "tx1", "x"), "OK|"));
	CHECK(eq(wr(d5, t1, "tx2", "x"), "!ENOSPC"));
	CHECK(eq(req1(d5, XS_TRANSACTION_END, t1, "T"), "OK|") && eq(rd(d5, 0, "tx1"), "x"));
	CHECK(eq(req1(d5, XS_RM, 0, "tx1"), "OK|"));
	t1 = tx_start(d5);
	t2 = tx_start(d5);
	CHECK(eq(wr(d5, t1, "a/p1", "x"), "OK|") && eq(wr(d5, t2, "n0/p2", "x"), "OK|"));
	CHECK(eq(req1(d5, XS_TRANSACTION_END, t1, "T"), "OK|"));
	CHECK(eq(req1(d5, XS_TRANSACTION_END, t2, "T"), "!ENOSPC"));
	CHECK(eq(rd(d5, 0, "n0/p2"), "!ENOENT"));
}

static void test_quotas(void)
{
	struct xs_quota q;
	struct xs_store *st;
	struct client *d0, *d5;
	char path[64], val[3000];

	xs_quota_defaults(&q);
	CHECK(q.max_nodes == 1000 && q.max_entry_size == 2048 && q.max_watches == 128 &&
	      q.max_transactions == 10);
	q.max_nodes = 8;
	q.max_watches = 3;
	q.max_transactions = 2;
	q.max_perms = 3;
	st = xs_store_new(&q);
	d0 = client(st, 0);
	d5 = client(st, 5);
	wr(d0, 0, "/local/domain/5", "");
	setp(d0, 0, "/local/domain/5", "b5");	/* owner 5: one node counted */
	for (int i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		CHECK(eq(wr(d5, 0, path, "x"), "OK|"));
	}
	CHECK(eq(wr(d5, 0, "n7", "x"), "!ENOSPC"));	/* 8 owned: full */
	CHECK(eq(wr(d5, 0, "n0", "changed"), "OK|"));	/* no new node: fine */
	CHECK(eq(req1(d5, XS_RM, 0, "n6"), "OK|"));
	CHECK(eq(wr(d5, 0, "a/b", "x"), "!ENOSPC"));	/* needs two */
	CHECK(eq(wr(d5, 0, "a", "x"), "OK|"));
	CHECK(eq(rd(d5, 0, "a/b"), "!ENOENT"));
	memset(val, 'v', sizeof(val));
	val[2100] = '\0';
	CHECK(eq(wr(d5, 0, "n1", val), "!ENOSPC"));	/* entry size */
	CHECK(eq(wr(d0, 0, "/local/domain/5/n1", val), "OK|"));	/* Dom0: no quota */
	test_quota_tx(d5);
	CHECK(eq(req2(d5, XS_WATCH, 0, "w1", "t"), "OK|"));
	CHECK(eq(req2(d5, XS_WATCH, 0, "w1", "t"), "!EEXIST"));
	CHECK(eq(req2(d5, XS_WATCH, 0, "w2", "t"), "OK|"));
	CHECK(eq(req2(d5, XS_WATCH, 0, "w3", "t"), "OK|"));
	CHECK(eq(req2(d5, XS_WATCH, 0, "w4", "t"), "!E2BIG"));
	CHECK(tx_start(d5) && tx_start(d5));
	CHECK(eq(call(d5, XS_TRANSACTION_START, 0, "", 1), "!ENOSPC"));
	CHECK(eq(setp(d5, 0, "n2", "b5 r1 r2 r3"), "!ENOSPC"));
	CHECK(eq(setp(d5, 0, "n2", "b5 r1 r2"), "OK|"));
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	client_free(d5);
	xs_store_free(st);
}

/* Writes in a transaction stay private until commit, then land at once. */
static void test_tx_private(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *w = client(st, 0);
	uint32_t t;

	wr(d0, 0, "/t/a", "1");
	wr(d0, 0, "/t/gone/deep", "1");
	CHECK(eq(req2(w, XS_WATCH, 0, "/t", "tw"), "OK|") && eq(event(w), "/t|tw|"));
	t = tx_start(d0);
	CHECK(t != 0);
	CHECK(eq(wr(d0, t, "/t/a", "2"), "OK|"));
	CHECK(eq(wr(d0, t, "/t/new/x", "n"), "OK|"));
	CHECK(eq(req1(d0, XS_RM, t, "/t/gone"), "OK|"));
	CHECK(eq(rd(d0, t, "/t/a"), "2") && eq(rd(d0, 0, "/t/a"), "1"));
	CHECK(eq(rd(d0, t, "/t/gone/deep"), "!ENOENT") && eq(rd(d0, 0, "/t/gone/deep"), "1"));
	CHECK(eq(req1(d0, XS_DIRECTORY, t, "/t"), "a|new|"));
	CHECK(drain(w) == 0);	/* nothing fires before commit */
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t, "T"), "OK|"));
	CHECK(eq(rd(d0, 0, "/t/a"), "2") && eq(rd(d0, 0, "/t/new/x"), "n"));
	CHECK(eq(rd(d0, 0, "/t/gone"), "!ENOENT"));
	CHECK(drain(w) == 5);	/* /t, a, new, new/x, gone (deep implied by gone) */
	CHECK(eq(rd(d0, t, "/t/a"), "!ENOENT"));	/* the id is dead */
	/* Abort discards; bad END argument; nesting; unknown id. */
	t = tx_start(d0);
	wr(d0, t, "/t/aborted", "x");
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t, "X"), "!EINVAL"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t, "F"), "OK|"));
	CHECK(eq(rd(d0, 0, "/t/aborted"), "!ENOENT"));
	CHECK(eq(call(d0, XS_TRANSACTION_START, 77, "", 1), "!EBUSY"));
	CHECK(eq(rd(d0, 77, "/t/a"), "!ENOENT"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, 0, "T"), "!ENOENT"));
	CHECK(d0->c->ntxs == 0 && drain(w) == 0);
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	client_free(w);
	xs_store_free(st);
}

/* EAGAIN when a node read or written changed meanwhile; success when disjoint. */
static void test_tx_conflicts(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0);
	uint32_t t1, t2;

	wr(d0, 0, "/t/a", "1");
	wr(d0, 0, "/t/b", "1");
	t1 = tx_start(d0);
	CHECK(eq(rd(d0, t1, "/t/a"), "1"));
	CHECK(eq(wr(d0, t1, "/t/b", "from-t1"), "OK|"));
	CHECK(eq(wr(d0, 0, "/t/a", "3"), "OK|"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t1, "T"), "!EAGAIN"));
	CHECK(eq(rd(d0, 0, "/t/b"), "1"));	/* nothing applied */
	t1 = tx_start(d0);
	t2 = tx_start(d0);
	CHECK(t1 != t2);
	CHECK(eq(wr(d0, t1, "/t/a", "t1"), "OK|"));
	CHECK(eq(wr(d0, t2, "/t/b", "t2"), "OK|"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t2, "T"), "OK|"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t1, "T"), "OK|"));
	CHECK(eq(rd(d0, 0, "/t/a"), "t1") && eq(rd(d0, 0, "/t/b"), "t2"));
	/* Both create the same node: the second commit conflicts. */
	t1 = tx_start(d0);
	t2 = tx_start(d0);
	wr(d0, t1, "/t/same", "1");
	wr(d0, t2, "/t/same", "2");
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t1, "T"), "OK|"));
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t2, "T"), "!EAGAIN"));
	CHECK(eq(rd(d0, 0, "/t/same"), "1"));
	/* A node deleted under a transaction that read it. */
	t1 = tx_start(d0);
	rd(d0, t1, "/t/same");
	req1(d0, XS_RM, 0, "/t/same");
	CHECK(eq(req1(d0, XS_TRANSACTION_END, t1, "T"), "!EAGAIN"));
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	xs_store_free(st);
}

/* A domain's transaction: its own node count, events at commit, to Dom0. */
static void test_tx_watch(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *d5 = client(st, 5);
	uint32_t t;

	wr(d0, 0, "/local/domain/5", "");
	setp(d0, 0, "/local/domain/5", "n5");
	req2(d0, XS_WATCH, 0, "/local/domain/5", "w");
	drain(d0);
	t = tx_start(d5);
	CHECK(eq(wr(d5, t, "device/vif/0/state", "1"), "OK|"));
	CHECK(eq(event(d0), ""));
	CHECK(eq(req1(d5, XS_TRANSACTION_END, t, "T"), "OK|"));
	CHECK(drain(d0) == 5);
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "/local/domain/5/device/vif/0/state"), "n5|"));
	CHECK(xs_store_dom(st, 5)->nodes == 5);
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	client_free(d5);
	xs_store_free(st);
}

/* Node watches: descendants, relative paths, the permission filter, rm. */
static void test_watch_nodes(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *d5 = client(st, 5), *d6 = client(st, 6);

	wr(d0, 0, "/local/domain/5/dev", "");
	setp(d0, 0, "/local/domain/5", "n5");
	setp(d0, 0, "/local/domain/5/dev", "n5 r6");
	CHECK(eq(req2(d5, XS_WATCH, 0, "dev", "rel"), "OK|"));
	CHECK(eq(event(d5), "dev|rel|"));	/* fired once at once, relative */
	CHECK(eq(req2(d6, XS_WATCH, 0, "/local/domain/5", "six"), "OK|"));
	CHECK(eq(event(d6), "/local/domain/5|six|"));
	CHECK(eq(req2(d0, XS_WATCH, 0, "/local", "zero"), "OK|") && eq(event(d0), "/local|zero|"));
	CHECK(eq(wr(d5, 0, "dev/vbd/state", "1"), "OK|"));
	CHECK(eq(event(d5), "dev/vbd/state|rel|"));
	CHECK(eq(event(d0), "/local/domain/5/dev/vbd/state|zero|"));
	CHECK(eq(event(d6), "/local/domain/5/dev/vbd/state|six|"));	/* inherits r6 */
	CHECK(eq(wr(d5, 0, "secret", "s"), "OK|"));
	CHECK(eq(event(d6), ""));	/* 6 may not read it */
	CHECK(eq(event(d0), "/local/domain/5/secret|zero|"));
	wr(d0, 0, "/elsewhere", "");
	CHECK(eq(event(d5), "") && eq(event(d6), ""));
	drain(d0);
	/* A permission change that hides a node still tells the watcher. */
	CHECK(eq(setp(d5, 0, "dev/vbd/state", "n5"), "OK|"));
	CHECK(eq(event(d6), "/local/domain/5/dev/vbd/state|six|"));
	CHECK(eq(wr(d5, 0, "dev/vbd/state", "2"), "OK|"));
	CHECK(eq(event(d6), ""));
	drain(d5);
	/* rm: every deleted node fires, children first, each filtered. */
	CHECK(eq(req1(d5, XS_RM, 0, "dev/vbd"), "OK|"));
	CHECK(eq(event(d5), "dev/vbd/state|rel|") && eq(event(d5), "dev/vbd|rel|"));
	CHECK(eq(event(d6), "/local/domain/5/dev/vbd|six|") && eq(event(d6), ""));
	drain(d0);
	CHECK(eq(req2(d5, XS_UNWATCH, 0, "dev", "nope"), "!ENOENT"));
	CHECK(eq(req2(d5, XS_UNWATCH, 0, "dev", "rel"), "OK|"));
	wr(d5, 0, "dev/x", "");
	CHECK(eq(event(d5), ""));
	CHECK(eq(req2(d5, XS_WATCH, 0, "/local/domain/5", "a"), "OK|"));
	CHECK(tx_start(d5) != 0);
	CHECK(eq(call(d5, XS_RESET_WATCHES, 0, "", 1), "OK|"));
	CHECK(d5->c->nwatches == 0 && d5->c->ntxs == 0);
	client_free(d0);
	client_free(d5);
	client_free(d6);
	xs_store_free(st);
}

/* @introduceDomain / @releaseDomain, and the domain requests behind them. */
static void test_watch_special(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct client *d0 = client(st, 0), *d6 = client(st, 6);

	CHECK(eq(req2(d0, XS_WATCH, 0, "@introduceDomain", "intro"), "OK|"));
	CHECK(eq(event(d0), "@introduceDomain|intro|"));
	CHECK(eq(req2(d6, XS_WATCH, 0, "@releaseDomain", "rel6"), "OK|"));
	CHECK(eq(event(d6), "@releaseDomain|rel6|"));
	CHECK(xs_domain_introduce(st, 9) == 0);
	CHECK(eq(event(d0), "@introduceDomain|intro|"));
	xs_domain_shutdown(st, 9);
	CHECK(eq(event(d6), ""));	/* 6 may not read @releaseDomain */
	CHECK(eq(req1(d6, XS_GET_PERMS, 0, "@releaseDomain"), "!EACCES"));
	CHECK(eq(setp(d6, 0, "@releaseDomain", "n6"), "!EACCES"));
	CHECK(eq(setp(d0, 0, "@releaseDomain", "n0 r6"), "OK|"));
	CHECK(eq(req1(d6, XS_GET_PERMS, 0, "@releaseDomain"), "n0|r6|"));
	CHECK(eq(req1(d0, XS_GET_PERMS, 0, "@nosuch"), "!ENOENT"));
	xs_domain_shutdown(st, 9);	/* already sent once: quiet until RESUME */
	CHECK(eq(event(d6), ""));
	CHECK(eq(req1(d0, XS_RESUME, 0, "9"), "OK|"));
	xs_domain_shutdown(st, 9);
	CHECK(eq(event(d6), "@releaseDomain|rel6|"));
	CHECK(eq(req1(d0, XS_IS_DOMAIN_INTRODUCED, 0, "9"), "T|"));
	CHECK(eq(req1(d6, XS_IS_DOMAIN_INTRODUCED, 0, "0"), "T|"));
	CHECK(eq(req1(d0, XS_RELEASE, 0, "9"), "OK|"));
	CHECK(eq(event(d6), "@releaseDomain|rel6|"));
	CHECK(eq(req1(d0, XS_IS_DOMAIN_INTRODUCED, 0, "9"), "F|"));
	CHECK(eq(req1(d0, XS_RELEASE, 0, "9"), "!ENOENT"));
	CHECK(eq(req1(d0, XS_RESUME, 0, "9"), "!ENOENT"));
	CHECK(eq(call(d0, XS_INTRODUCE, 0, "9\0" "1\0" "2\0", 6), "!ENOSYS"));	/* no hook */
	CHECK(eq(call(d0, XS_INTRODUCE, 0, "0\0" "1\0" "2\0", 6), "!EINVAL"));
	client_free(d0);
	client_free(d6);
	xs_store_free(st);
}

/* Events for a client that does not read them are dropped past the limit. */
static void test_event_limit(void)
{
	struct xs_quota q;
	struct xs_store *st;
	struct client *d0, *w;

	xs_quota_defaults(&q);
	q.max_out_bytes = 200;
	st = xs_store_new(&q);
	d0 = client(st, 0);
	w = client(st, 0);
	req2(w, XS_WATCH, 0, "/e", "t");
	for (int i = 0; i < 40; i++)
		wr(d0, 0, "/e", "x");
	CHECK(w->c->events_dropped > 0 && w->c->out_bytes < 200 + 64);
	CHECK(drain(w) > 0);
	client_free(d0);
	client_free(w);
	xs_store_free(st);
}

/* ---- the ring, from the guest's side ---- */

static void guest_put(struct xenstore_domain_interface *in, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		in->req[MASK_XENSTORE_IDX(in->req_prod + i)] = ((const char *)p)[i];
	in->req_prod += (uint32_t)n;
}

static void guest_msg(struct xenstore_domain_interface *in, uint32_t type, uint32_t id,
		      uint32_t tx, const void *p, size_t n)
{
	struct xsd_sockmsg h = { type, id, tx, (uint32_t)n };

	guest_put(in, &h, sizeof(h));
	guest_put(in, p, n);
}

/* Take one whole reply off the rsp ring into m; false if none is complete. */
static bool guest_get(struct xenstore_domain_interface *in, struct msg *m)
{
	uint32_t avail = in->rsp_prod - in->rsp_cons;
	char *d = (char *)m;

	if (avail < sizeof(m->h))
		return false;
	for (uint32_t i = 0; i < sizeof(m->h); i++)
		d[i] = in->rsp[MASK_XENSTORE_IDX(in->rsp_cons + i)];
	if (avail < sizeof(m->h) + m->h.len)
		return false;
	for (uint32_t i = 0; i < m->h.len; i++)
		m->p[i] = in->rsp[MASK_XENSTORE_IDX(in->rsp_cons + sizeof(m->h) + i)];
	m->p[m->h.len] = '\0';
	in->rsp_cons += (uint32_t)sizeof(m->h) + m->h.len;
	return true;
}

/* Indices just below 2^32, so both the free-running index and the offset
 * in the page wrap; messages larger than what is left before the end. */
static void test_ring_wrap(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct xenstore_domain_interface *in = calloc(1, 4096);
	struct client *d0 = client(st, 0);
	struct xs_conn *c = xs_conn_new(st, 3);
	char buf[1000];
	struct msg m;
	unsigned r;

	xs_ring_attach(in);
	CHECK(in->server_features == 3 && in->error == XENSTORE_ERROR_NONE);
	in->req_cons = in->req_prod = in->rsp_cons = in->rsp_prod = 0xfffffff0u;
	guest_msg(in, XS_GET_DOMAIN_PATH, 1, 0, "3", 2);
	r = xs_ring_process(c, in);
	CHECK((r & XS_RING_NOTIFY) && !(r & XS_RING_CLOSED) && in->req_cons == in->req_prod);
	CHECK(guest_get(in, &m) && m.h.req_id == 1 && eq(m.p, "/local/domain/3"));
	CHECK(xs_ring_process(c, in) == 0);	/* nothing to do: no notify */
	wr(d0, 0, "/local/domain/3", "");
	setp(d0, 0, "/local/domain/3", "n3");
	memcpy(buf, "big", 4);
	memset(buf + 4, 'q', 900);
	guest_msg(in, XS_WRITE, 2, 0, buf, 904);
	xs_ring_process(c, in);
	CHECK(guest_get(in, &m) && m.h.req_id == 2 && m.h.type == XS_WRITE);
	guest_msg(in, XS_READ, 3, 0, "big", 4);
	xs_ring_process(c, in);
	CHECK(guest_get(in, &m) && m.h.req_id == 3 && m.h.len == 900 && m.p[899] == 'q');
	CHECK(in->req_prod < 0x1000 && in->rsp_prod < 0x1000);	/* both wrapped */
	xs_conn_free(c);
	client_free(d0);
	free(in);
	xs_store_free(st);
}

/* Partial messages across passes; a reply larger than the ring's free space;
 * a guest-requested reconnect. */
static void test_ring_partial(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct xenstore_domain_interface *in = calloc(1, 4096);
	struct client *d0 = client(st, 0);
	struct xs_conn *c = xs_conn_new(st, 0);
	struct xsd_sockmsg h = { XS_READ, 4, 0, 5 };
	char val[1001];
	struct msg m;

	memset(val, 'z', 1000);
	val[1000] = '\0';
	wr(d0, 0, "/big", val);
	guest_put(in, &h, 7);
	CHECK(xs_ring_process(c, in) & XS_RING_NOTIFY);
	CHECK(!guest_get(in, &m) && in->req_cons == 7);
	guest_put(in, (char *)&h + 7, 9);
	guest_put(in, "/bi", 3);
	xs_ring_process(c, in);
	CHECK(!guest_get(in, &m));
	guest_put(in, "g", 2);
	xs_ring_process(c, in);
	CHECK(guest_get(in, &m) && m.h.req_id == 4 && m.h.len == 1000 && m.p[999] == 'z');
	/* Two 1016-byte replies: the ring fills, the rest waits for the guest. */
	guest_msg(in, XS_READ, 5, 0, "/big", 5);
	guest_msg(in, XS_READ, 6, 0, "/big", 5);
	xs_ring_process(c, in);
	CHECK(in->rsp_prod - in->rsp_cons == XENSTORE_RING_SIZE && c->out_head);	/* full */
	in->rsp_cons += XENSTORE_RING_SIZE;	/* the guest drains; kick */
	CHECK(xs_ring_process(c, in) & XS_RING_NOTIFY);
	CHECK(in->rsp_prod - in->rsp_cons == 2 * 1016 - XENSTORE_RING_SIZE && !c->out_head);
	/* Reconnect: state dropped, rings reset. */
	guest_msg(in, XS_WATCH, 7, 0, "/x\0t\0", 5);
	xs_ring_process(c, in);
	CHECK(c->nwatches == 1);
	in->connection = XENSTORE_RECONNECT;
	CHECK(!(xs_ring_process(c, in) & XS_RING_CLOSED));
	CHECK(in->connection == XENSTORE_CONNECTED && in->req_prod == 0 && in->rsp_prod == 0);
	CHECK(c->nwatches == 0 && !c->out_head);
	xs_conn_free(c);
	client_free(d0);
	free(in);
	xs_store_free(st);
}

/* Broken indices and lengths close the connection; the daemon carries on. */
static void test_hostile_indices(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct xenstore_domain_interface *in = calloc(1, 4096);
	struct client *good = client(st, 0);
	struct xs_conn *bad = xs_conn_new(st, 4);
	struct xsd_sockmsg h = { XS_READ, 1, 0, 5000 };
	unsigned r;

	wr(good, 0, "/still", "alive");
	xs_ring_attach(in);
	in->req_prod = 5000;	/* producer more than a ring ahead */
	r = xs_ring_process(bad, in);
	CHECK((r & XS_RING_CLOSED) && bad->closed && in->error == XENSTORE_ERROR_RINGIDX);
	CHECK(xs_ring_process(bad, in) == XS_RING_CLOSED);	/* stays closed, no work */
	xs_conn_free(bad);
	bad = xs_conn_new(st, 4);
	memset(in, 0, 4096);
	in->req_cons = 100;	/* consumer index ahead of the producer */
	in->req_prod = 50;
	CHECK(xs_ring_process(bad, in) & XS_RING_CLOSED);
	xs_conn_free(bad);
	bad = xs_conn_new(st, 4);
	memset(in, 0, 4096);
	in->rsp_cons = 4096;	/* response consumer ahead of our producer */
	guest_msg(in, XS_READ, 2, 0, "/still", 7);
	CHECK(xs_ring_process(bad, in) & XS_RING_CLOSED);
	xs_conn_free(bad);
	bad = xs_conn_new(st, 4);
	memset(in, 0, 4096);
	guest_put(in, &h, sizeof(h));	/* payload over XENSTORE_PAYLOAD_MAX */
	r = xs_ring_process(bad, in);
	CHECK((r & XS_RING_CLOSED) && in->error == XENSTORE_ERROR_PROTO);
	xs_conn_free(bad);
	/* A length that is never delivered: waits, without hanging or replying. */
	bad = xs_conn_new(st, 4);
	memset(in, 0, 4096);
	h.len = 4000;
	guest_put(in, &h, sizeof(h));
	guest_put(in, "/still", 7);
	CHECK(!(xs_ring_process(bad, in) & XS_RING_CLOSED) && in->rsp_prod == 0);
	CHECK(xs_ring_process(bad, in) == 0 && bad->in_got == 16 + 7);
	xs_conn_free(bad);
	CHECK(eq(rd(good, 0, "/still"), "alive"));
	client_free(good);
	free(in);
	xs_store_free(st);
}

/* Fill the ring with random messages from a pseudo-random generator. */
static uint32_t garbage_fill(struct xs_conn *bad, struct xenstore_domain_interface *in,
			     uint32_t seed)
{
	for (int i = 0; i < 64 && !bad->closed; i++) {
		struct xsd_sockmsg g;
		char junk[64];

		seed = seed * 1103515245u + 12345u;
		g.type = (seed >> 8) % 26;
		g.req_id = seed;
		g.tx_id = (seed >> 20) % 3;
		g.len = (seed >> 4) % 40;
		for (size_t k = 0; k < sizeof(junk); k++) {
			seed = seed * 1103515245u + 12345u;
			junk[k] = "/ab\0@0123T"[(seed >> 16) % 10];
		}
		if (in->req_prod - in->req_cons + sizeof(g) + g.len > XENSTORE_RING_SIZE)
			xs_ring_process(bad, in);
		if (in->req_prod - in->req_cons + sizeof(g) + g.len > XENSTORE_RING_SIZE)
			break;
		guest_msg(in, g.type, g.req_id, g.tx_id, junk, g.len);
		in->rsp_cons = in->rsp_prod;	/* a guest that reads and drops replies */
	}
	return seed;
}

/* Clients that flood or send garbage: bounded memory, no crash, store intact. */
static void test_hostile_flood(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct xenstore_domain_interface *in = calloc(1, 4096);
	struct client *good = client(st, 0);
	struct xs_conn *bad = xs_conn_new(st, 0);
	uint32_t seed = 12345;

	wr(good, 0, "/still", "alive");
	/* Never reads its replies: reading stops at the flow-control mark. */
	for (int round = 0; round < 200; round++) {
		while (in->req_prod - in->req_cons < XENSTORE_RING_SIZE - 40)
			guest_msg(in, XS_READ, 3, 0, "/still", 7);
		xs_ring_process(bad, in);
	}
	CHECK(!bad->closed && bad->out_bytes < XS_RING_OUT_SOFT + 64);
	CHECK(in->req_prod - in->req_cons > XENSTORE_RING_SIZE - 64);	/* left unread */
	xs_conn_free(bad);
	for (int round = 0; round < 300; round++) {
		bad = xs_conn_new(st, 4 + (uint32_t)(round % 2));
		memset(in, 0, 4096);
		seed = garbage_fill(bad, in, seed);
		xs_ring_process(bad, in);
		xs_conn_free(bad);
	}
	CHECK(xs_store_check(st) == 0);
	CHECK(eq(rd(good, 0, "/still"), "alive"));
	client_free(good);
	free(in);
	xs_store_free(st);
}

static int introduced_domid;

static int fake_introduce(void *opaque, uint32_t domid, uint64_t mfn, uint32_t evtchn)
{
	struct xs_store *st = opaque;

	introduced_domid = (int)domid;
	return mfn == 0x1234 && evtchn == 7 && xs_conn_new(st, domid) ? 0 : XSD_EINVAL;
}

/* Dom0's side of a block device for domain 5, then INTRODUCE. */
static struct xs_conn *conversation_setup(struct xs_store *st, struct client *d0)
{
	st->ops.introduce = fake_introduce;
	st->ops.opaque = st;
	req2(d0, XS_WATCH, 0, "@introduceDomain", "intro");
	drain(d0);
	CHECK(eq(wr(d0, 0, "/local/domain/5/name", "guest5"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5", "n0 r5"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5/name", "n0 r5"), "OK|"));
	CHECK(eq(req1(d0, XS_MKDIR, 0, "/local/domain/5/device"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/5/device", "n5"), "OK|"));
	CHECK(eq(wr(d0, 0, "/local/domain/0/backend/vbd/5/768/state", "2"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/0/backend/vbd/5/768", "n0 r5"), "OK|"));
	CHECK(eq(setp(d0, 0, "/local/domain/0/backend/vbd/5/768/state", "n0 r5"), "OK|"));
	CHECK(eq(call(d0, XS_INTRODUCE, 0, "5\0" "4660\0" "7\0", 9), "OK|"));
	CHECK(introduced_domid == 5 && eq(event(d0), "@introduceDomain|intro|"));
	req2(d0, XS_WATCH, 0, "/local/domain/5/device", "fe");
	drain(d0);
	return xs_conn_find(st, 5);
}

/* Domain 5's xenbus over its ring, as a block frontend does it. */
static void test_conversation(void)
{
	struct xs_store *st = xs_store_new(NULL);
	struct xenstore_domain_interface *in = calloc(1, 4096);
	struct client *d0 = client(st, 0);
	struct xs_conn *g = conversation_setup(st, d0);
	struct msg m;
	uint32_t tx;

	CHECK(g != NULL);
	xs_ring_attach(in);
	guest_msg(in, XS_READ, 10, 0, "name", 5);
	guest_msg(in, XS_WATCH, 11, 0, "/local/domain/0/backend/vbd/5/768/state\0be", 43);
	guest_msg(in, XS_TRANSACTION_START, 12, 0, "", 1);
	xs_ring_process(g, in);
	CHECK(guest_get(in, &m) && m.h.req_id == 10 && eq(m.p, "guest5"));
	CHECK(guest_get(in, &m) && m.h.req_id == 11 && eq(text(&m), "OK|"));
	CHECK(guest_get(in, &m) && m.h.type == XS_WATCH_EVENT &&
	      eq(text(&m), "/local/domain/0/backend/vbd/5/768/state|be|"));
	CHECK(guest_get(in, &m) && m.h.req_id == 12);
	tx = (uint32_t)strtoul(m.p, NULL, 10);
	CHECK(tx != 0);
	guest_msg(in, XS_WRITE, 13, tx, "device/vbd/768/ring-ref\0" "8", 25);
	guest_msg(in, XS_WRITE, 14, tx, "device/vbd/768/state\0" "3", 22);
	guest_msg(in, XS_TRANSACTION_END, 15, tx, "T", 2);
	xs_ring_process(g, in);
	CHECK(guest_get(in, &m) && m.h.req_id == 13 && m.h.tx_id == tx);
	CHECK(guest_get(in, &m) && m.h.req_id == 14);
	CHECK(guest_get(in, &m) && m.h.req_id == 15 && eq(text(&m), "OK|"));
	CHECK(drain(d0) == 5);	/* the backend saw the frontend's nodes */
	CHECK(eq(rd(d0, 0, "/local/domain/5/device/vbd/768/state"), "3"));
	/* Backend moves to Connected: the guest's watch fires over the ring. */
	CHECK(eq(wr(d0, 0, "/local/domain/0/backend/vbd/5/768/state", "4"), "OK|"));
	CHECK(xs_ring_write(g, in) & XS_RING_NOTIFY);
	CHECK(guest_get(in, &m) && m.h.type == XS_WATCH_EVENT && m.h.req_id == 0 &&
	      eq(text(&m), "/local/domain/0/backend/vbd/5/768/state|be|"));
	guest_msg(in, XS_WRITE, 16, 0, "/local/domain/0/backend/vbd/5/768/state\0" "6", 41);
	xs_ring_process(g, in);
	CHECK(guest_get(in, &m) && m.h.type == XS_ERROR && eq(m.p, "EACCES"));
	/* Dom0 releases the domain: its connection closes, the daemon lives on. */
	CHECK(eq(req1(d0, XS_RELEASE, 0, "5"), "OK|") && g->closed);
	CHECK(xs_ring_process(g, in) & XS_RING_CLOSED);
	xs_conn_free(g);
	CHECK(eq(rd(d0, 0, "/local/domain/5/device/vbd/768/ring-ref"), "8"));
	CHECK(xs_store_check(st) == 0);
	client_free(d0);
	free(in);
	xs_store_free(st);
}

int main(void)
{
	test_paths();
	test_perms_text();
	test_store_ops();
	test_directory_part();
	test_permissions();
	test_target();
	test_quotas();
	test_tx_private();
	test_tx_conflicts();
	test_tx_watch();
	test_watch_nodes();
	test_watch_special();
	test_event_limit();
	test_ring_wrap();
	test_ring_partial();
	test_hostile_indices();
	test_hostile_flood();
	test_conversation();
	CHECK_DONE("test_xenstore");
	return 0;
}
