/* Request dispatch and the node, watch and transaction handlers. */
#include "xs_proto.h"
#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_op.h"
#include "xs_path.h"
#include "xs_tx.h"
#include "xs_watch.h"

int xs_req_args(const struct xs_req *r, const char **argv, int max)
{
	uint32_t off = 0;
	int n = 0;

	while (off < r->len) {
		const char *s = r->data + off, *nul = memchr(s, '\0', r->len - off);

		if (!nul)
			return -1;
		if (n < max)
			argv[n] = s;
		n++;
		off += (uint32_t)(nul - s) + 1;
	}
	return n;
}

bool xs_req_domid(const char *s, uint32_t *domid)
{
	uint32_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || (v = v * 10 + (uint32_t)(*s - '0')) > 0xffff)
			return false;
	}
	*domid = v;
	return true;
}

int xs_req_reply(struct xs_req *r, const void *p, size_t len)
{
	r->replied = true;
	return xs_conn_send(r->conn, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, p, len);
}

int xs_req_reply_str(struct xs_req *r, const char *s)
{
	return xs_req_reply(r, s, strlen(s) + 1);
}

/* The request's single argument, a path, made absolute (malloc'd). */
static int xs_proto_path(struct xs_req *r, char **path)
{
	const char *arg;
	bool rel;

	*path = NULL;
	if (xs_req_args(r, &arg, 1) != 1)
		return XSD_EINVAL;
	return xs_path_canonical(arg, r->conn->domid, path, &rel);
}

static int xs_proto_read(struct xs_req *r)
{
	const struct xs_rec *rec;
	char *path;
	int err = xs_proto_path(r, &path);

	if (!err)
		err = xs_op_read(&r->ctx, path, &rec);
	if (!err)
		err = xs_req_reply(r, xs_rec_value(rec), rec->len);
	free(path);
	return err;
}

static int xs_proto_directory(struct xs_req *r)
{
	const struct xs_rec *rec;
	char *path;
	int err = xs_proto_path(r, &path);

	if (!err)
		err = xs_op_read(&r->ctx, path, &rec);
	if (!err)
		err = rec->childlen > XENSTORE_PAYLOAD_MAX
			      ? XSD_E2BIG
			      : xs_req_reply(r, xs_rec_children(rec), rec->childlen);
	free(path);
	return err;
}

/* "<gen>\0" then the whole child names from offset that fit; an extra nul
 * when the list ends there (xenstore.txt DIRECTORY_PART). */
static int xs_proto_dirpart_reply(struct xs_req *r, const struct xs_rec *rec, uint32_t off)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const char *c = xs_rec_children(rec);
	size_t used = (size_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rec->gen) + 1;
	uint32_t end = off;

	while (end < rec->childlen) {
		size_t nl = strlen(c + end) + 1;

		if (used + (end - off) + nl + 1 > sizeof(buf))
			break;
		end += (uint32_t)nl;
	}
	memcpy(buf + used, c + off, end - off);
	used += end - off;
	if (end == rec->childlen)
		buf[used++] = '\0';
	return xs_req_reply(r, buf, used);
}

static int xs_proto_directory_part(struct xs_req *r)
{
	const char *argv[2];
	const struct xs_rec *rec;
	char *path = NULL, *end;
	unsigned long off;
	bool rel;
	int err = xs_req_args(r, argv, 2) == 2 ? 0 : XSD_EINVAL;

	if (!err)
		err = xs_path_canonical(argv[0], r->conn->domid, &path, &rel);
	if (!err)
		err = xs_op_read(&r->ctx, path, &rec);
	if (!err) {
		off = strtoul(argv[1], &end, 10);
		if (!isdigit((unsigned char)argv[1][0]) || *end || off > rec->childlen)
			err = XSD_EINVAL;
		else
			err = xs_proto_dirpart_reply(r, rec, (uint32_t)off);
	}
	free(path);
	return err;
}

static int xs_proto_write(struct xs_req *r)
{
	const char *nul = memchr(r->data, '\0', r->len);
	uint32_t plen = nul ? (uint32_t)(nul - r->data) + 1 : 0;
	char *path;
	bool rel;
	int err;

	if (!nul)
		return XSD_EINVAL;
	err = xs_path_canonical(r->data, r->conn->domid, &path, &rel);
	if (!err)
		err = xs_op_write(&r->ctx, path, r->data + plen, r->len - plen);
	free(path);
	return err;
}

static int xs_proto_mkdir(struct xs_req *r)
{
	char *path;
	int err = xs_proto_path(r, &path);

	if (!err)
		err = xs_op_mkdir(&r->ctx, path);
	free(path);
	return err;
}

static int xs_proto_rm(struct xs_req *r)
{
	char *path;
	int err = xs_proto_path(r, &path);

	if (!err)
		err = xs_op_rm(&r->ctx, path);
	free(path);
	return err;
}

static int xs_proto_get_perms(struct xs_req *r)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_rec *rec;
	const char *arg;
	char *path = NULL;
	size_t n;
	bool rel;
	int err = xs_req_args(r, &arg, 1) == 1 ? 0 : XSD_EINVAL;

	if (!err && arg[0] == '@')
		err = xs_op_get_special(&r->ctx, arg, &rec);
	else if (!err && !(err = xs_path_canonical(arg, r->conn->domid, &path, &rel)))
		err = xs_op_read(&r->ctx, path, &rec);
	if (!err) {
		n = xs_perms_format(rec->perms, rec->nperms, buf, sizeof(buf));
		err = n ? xs_req_reply(r, buf, n) : XSD_E2BIG;
	}
	free(path);
	return err;
}

static int xs_proto_set_perms(struct xs_req *r)
{
	const char *nul = memchr(r->data, '\0', r->len);
	size_t plen = nul ? (size_t)(nul - r->data) + 1 : 0;
	struct xs_perm *p = calloc(r->len / 2 + 1, sizeof(*p));
	char *path = NULL;
	bool rel;
	int n = -XSD_EINVAL, err;

	if (!p)
		return XSD_ENOMEM;
	if (nul)
		n = xs_perms_parse(r->data + plen, r->len - plen, p, (uint32_t)(r->len / 2 + 1));
	err = n < 0 ? -n : 0;
	if (!err && r->data[0] != '@')
		err = xs_path_canonical(r->data, r->conn->domid, &path, &rel);
	if (!err)
		err = xs_op_set_perms(&r->ctx, path ? path : r->data, p, (uint32_t)n);
	free(path);
	free(p);
	return err;
}

/* WATCH / UNWATCH: "<path>\0<token>\0", more strings ignored. */
static int xs_proto_watch_args(struct xs_req *r, const char **token, char **path, bool *rel)
{
	const char *argv[2];

	*path = NULL;
	*rel = false;
	if (xs_req_args(r, argv, 2) < 2)
		return XSD_EINVAL;
	*token = argv[1];
	if (argv[0][0] != '@')
		return xs_path_canonical(argv[0], r->conn->domid, path, rel);
	if (strnlen(argv[0], XENSTORE_ABS_PATH_MAX + 1) > XENSTORE_ABS_PATH_MAX)
		return XSD_EINVAL;
	*path = strdup(argv[0]);
	return *path ? 0 : XSD_ENOMEM;
}

static int xs_proto_watch(struct xs_req *r)
{
	const char *token;
	struct xs_watch *w;
	char *path;
	bool rel;
	int err = xs_proto_watch_args(r, &token, &path, &rel);

	if (!err)
		err = xs_watch_add(r->conn, path, token, rel, &w);
	if (!err) {
		xs_req_reply_str(r, "OK");
		xs_watch_fire_initial(r->conn, w);	/* upstream fires once at once */
	}
	free(path);
	return err;
}

static int xs_proto_unwatch(struct xs_req *r)
{
	const char *token;
	char *path;
	bool rel;
	int err = xs_proto_watch_args(r, &token, &path, &rel);

	if (!err)
		err = xs_watch_remove(r->conn, path, token);
	free(path);
	return err;
}

static int xs_proto_reset_watches(struct xs_req *r)
{
	xs_watch_remove_all(r->conn);
	xs_tx_abort_all(r->conn);
	return 0;
}

static int xs_proto_tx_start(struct xs_req *r)
{
	char buf[16];
	uint32_t id;
	int err;

	if (r->hdr->tx_id)
		return XSD_EBUSY;	/* no nesting */
	err = xs_tx_start(r->conn, &id);
	if (err)
		return err;
	snprintf(buf, sizeof(buf), "%u", (unsigned)id);
	return xs_req_reply_str(r, buf);
}

static int xs_proto_tx_end(struct xs_req *r)
{
	const char *arg;

	if (!r->ctx.tx)
		return XSD_ENOENT;
	if (xs_req_args(r, &arg, 1) != 1 || (strcmp(arg, "T") && strcmp(arg, "F")))
		return XSD_EINVAL;
	return xs_tx_end(r->conn, r->ctx.tx, arg[0] == 'T');
}

enum {
	XS_H_PRIV = 1,	/* Dom0 only: EACCES for others */
	XS_H_TX = 2,	/* runs in the transaction tx_id names */
};

struct xs_handler {
	int (*fn)(struct xs_req *r);
	unsigned flags;
};

static const struct xs_handler xs_proto_table[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { xs_domain_req_control, XS_H_PRIV },
	[XS_DIRECTORY] = { xs_proto_directory, XS_H_TX },
	[XS_READ] = { xs_proto_read, XS_H_TX },
	[XS_GET_PERMS] = { xs_proto_get_perms, XS_H_TX },
	[XS_WATCH] = { xs_proto_watch, 0 },
	[XS_UNWATCH] = { xs_proto_unwatch, 0 },
	[XS_TRANSACTION_START] = { xs_proto_tx_start, 0 },
	[XS_TRANSACTION_END] = { xs_proto_tx_end, XS_H_TX },
	[XS_INTRODUCE] = { xs_domain_req_introduce, XS_H_PRIV },
	[XS_RELEASE] = { xs_domain_req_release, XS_H_PRIV },
	[XS_GET_DOMAIN_PATH] = { xs_domain_req_get_path, 0 },
	[XS_WRITE] = { xs_proto_write, XS_H_TX },
	[XS_MKDIR] = { xs_proto_mkdir, XS_H_TX },
	[XS_RM] = { xs_proto_rm, XS_H_TX },
	[XS_SET_PERMS] = { xs_proto_set_perms, XS_H_TX },
	[XS_IS_DOMAIN_INTRODUCED] = { xs_domain_req_is_introduced, 0 },
	[XS_RESUME] = { xs_domain_req_resume, XS_H_PRIV },
	[XS_SET_TARGET] = { xs_domain_req_set_target, XS_H_PRIV },
	[XS_RESET_WATCHES] = { xs_proto_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { xs_proto_directory_part, XS_H_TX },
};

/* Validate the request against its handler's needs; 0 or the error. */
static int xs_proto_decode(struct xs_req *r, const struct xs_handler **h)
{
	struct xs_tx *tx = NULL;

	if (r->hdr->type >= XS_TYPE_COUNT || !xs_proto_table[r->hdr->type].fn)
		return XSD_ENOSYS;	/* WATCH_EVENT, ERROR, RESTRICT, unknown */
	*h = &xs_proto_table[r->hdr->type];
	if (((*h)->flags & XS_H_PRIV) && !r->conn->privileged)
		return XSD_EACCES;
	if (((*h)->flags & XS_H_TX) && r->hdr->tx_id &&
	    !(tx = xs_tx_find(r->conn, r->hdr->tx_id)))
		return XSD_ENOENT;
	r->ctx = xs_store_ctx(r->st, r->conn, tx);
	return 0;
}

int xs_handle_message(struct xs_store *st, struct xs_conn *c, const struct xsd_sockmsg *hdr,
		      const void *payload)
{
	struct xs_req r = { .st = st, .conn = c, .hdr = hdr, .len = hdr->len };
	const struct xs_handler *h = NULL;
	int err;

	if (c->closed)
		return -1;
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		xs_conn_close(c, XENSTORE_ERROR_PROTO);
		return -1;
	}
	r.data = hdr->len ? payload : "";	/* never hand on a NULL */
	err = xs_proto_decode(&r, &h);
	if (!err)
		err = h->fn(&r);
	if (err)
		xs_conn_send_error(c, hdr, err);
	else if (!r.replied)
		(void)xs_conn_send(c, hdr->type, hdr->req_id, hdr->tx_id, "OK", 3);
	return c->closed ? -1 : 0;
}
