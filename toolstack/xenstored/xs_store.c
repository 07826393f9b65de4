/* The committed store and the access layer shared with transactions. */
#include "xs_store.h"
#include "public/io/xs_wire.h"
#include "xs_conn.h"
#include "xs_path.h"
#include "xs_tx.h"

void xs_quota_defaults(struct xs_quota *q)
{
	q->max_nodes = 1000;
	q->max_entry_size = 2048;
	q->max_watches = 128;
	q->max_transactions = 10;
	q->max_perms = 5;
	q->max_tx_nodes = 1024;
	q->max_out_bytes = 256 * 1024;
}

/* Insert a Dom0-owned, closed ("n0") node directly into the committed table. */
static int xs_store_seed(struct xs_store *st, const char *path)
{
	static const struct xs_perm closed = { 0, XS_PERM_NONE };
	struct xs_ctx ctx = xs_store_ctx(st, NULL, NULL);
	struct xs_rec *r = xs_rec_new(&closed, 1, NULL, 0, NULL, 0);

	if (!r)
		return XSD_ENOMEM;
	return xs_store_put(&ctx, path, r);
}

struct xs_store *xs_store_new(const struct xs_quota *q)
{
	struct xs_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (q)
		st->quota = *q;
	else
		xs_quota_defaults(&st->quota);
	st->next_txid = 1;
	if (xs_table_init(&st->nodes) || xs_store_seed(st, "/") ||
	    xs_store_seed(st, XS_SPECIAL_INTRODUCE) || xs_store_seed(st, XS_SPECIAL_RELEASE)) {
		xs_store_free(st);
		return NULL;
	}
	return st;
}

void xs_store_free(struct xs_store *st)
{
	if (!st)
		return;
	if (st->nodes.buckets)
		xs_table_destroy(&st->nodes);
	free(st->doms);
	free(st);
}

/* Index of domid in st->doms, or where it would go. */
static uint32_t xs_store_dom_slot(const struct xs_store *st, uint32_t domid)
{
	uint32_t lo = 0, hi = st->ndoms;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (st->doms[mid].domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct xs_dom *xs_store_dom(struct xs_store *st, uint32_t domid)
{
	uint32_t i = xs_store_dom_slot(st, domid);

	return i < st->ndoms && st->doms[i].domid == domid ? &st->doms[i] : NULL;
}

struct xs_dom *xs_store_dom_get(struct xs_store *st, uint32_t domid)
{
	uint32_t i = xs_store_dom_slot(st, domid);

	if (i < st->ndoms && st->doms[i].domid == domid)
		return &st->doms[i];
	if (st->ndoms == st->capdoms) {
		uint32_t cap = st->capdoms ? st->capdoms * 2 : 16;
		struct xs_dom *d = realloc(st->doms, cap * sizeof(*d));

		if (!d)
			return NULL;
		st->doms = d;
		st->capdoms = cap;
	}
	memmove(&st->doms[i + 1], &st->doms[i], (st->ndoms - i) * sizeof(*st->doms));
	st->ndoms++;
	st->doms[i] = (struct xs_dom){ .domid = domid, .target = XS_DOMID_NONE };
	return &st->doms[i];
}

struct xs_ctx xs_store_ctx(struct xs_store *st, struct xs_conn *conn, struct xs_tx *tx)
{
	struct xs_ctx ctx = { .st = st, .conn = conn, .tx = tx };
	struct xs_dom *d;

	ctx.who.domid = conn ? conn->domid : 0;
	ctx.who.privileged = conn ? conn->privileged : true;
	d = xs_store_dom(st, ctx.who.domid);
	ctx.who.target = d ? d->target : XS_DOMID_NONE;
	return ctx;
}

uint32_t xs_store_owned(const struct xs_ctx *ctx, uint32_t domid)
{
	struct xs_dom *d = xs_store_dom(ctx->st, domid);
	int64_t n = d ? d->nodes : 0;

	if (ctx->tx && ctx->tx->domid == domid)
		n += ctx->tx->own_delta;
	return n < 0 ? 0 : (uint32_t)n;
}

static int xs_store_tx_get(struct xs_ctx *ctx, const char *path, const struct xs_rec **rec)
{
	struct xs_tx *tx = ctx->tx;
	struct xs_entry *e = xs_table_find(&tx->nodes, path), *m;
	struct xs_rec *copy = NULL;

	if (e) {
		*rec = e->rec;
		return 0;
	}
	if (!ctx->who.privileged && tx->nodes.count >= ctx->st->quota.max_tx_nodes)
		return XSD_ENOSPC;
	m = xs_table_find(&ctx->st->nodes, path);
	if (m && m->rec && !(copy = xs_rec_dup(m->rec)))
		return XSD_ENOMEM;
	e = xs_table_add(&tx->nodes, path);
	if (!e) {
		free(copy);
		return XSD_ENOMEM;
	}
	e->rec = copy;
	e->base_gen = copy ? copy->gen : 0;
	*rec = copy;
	return 0;
}

int xs_store_get(struct xs_ctx *ctx, const char *path, const struct xs_rec **rec)
{
	struct xs_entry *e;

	*rec = NULL;
	if (ctx->tx)
		return xs_store_tx_get(ctx, path, rec);
	e = xs_table_find(&ctx->st->nodes, path);
	*rec = e ? e->rec : NULL;
	return 0;
}

/* Transaction bookkeeping for the caller's own node count. */
static void xs_store_tx_account(struct xs_tx *tx, const struct xs_rec *old,
				const struct xs_rec *new)
{
	if (old && xs_rec_owner(old) == tx->domid)
		tx->own_delta--;
	if (new && xs_rec_owner(new) == tx->domid)
		tx->own_delta++;
}

void xs_store_commit_rec(struct xs_store *st, struct xs_entry *e, struct xs_rec *rec)
{
	struct xs_dom *d;

	if (e->rec && (d = xs_store_dom(st, xs_rec_owner(e->rec))) && d->nodes)
		d->nodes--;
	xs_store_dom(st, xs_rec_owner(rec))->nodes++;
	rec->gen = ++st->gen;
	free(e->rec);
	e->rec = rec;
}

int xs_store_put(struct xs_ctx *ctx, const char *path, struct xs_rec *rec)
{
	struct xs_table *t = ctx->tx ? &ctx->tx->nodes : &ctx->st->nodes;
	struct xs_entry *e = xs_table_find(t, path);

	if (!ctx->tx && !xs_store_dom_get(ctx->st, xs_rec_owner(rec))) {
		free(rec);
		return XSD_ENOMEM;
	}
	if (!e && !(e = xs_table_add(t, path))) {
		free(rec);
		return XSD_ENOMEM;
	}
	if (!ctx->tx) {
		xs_store_commit_rec(ctx->st, e, rec);
		return 0;
	}
	xs_store_tx_account(ctx->tx, e->rec, rec);
	free(e->rec);
	e->rec = rec;
	e->modified = true;
	return 0;
}

void xs_store_del(struct xs_ctx *ctx, const char *path)
{
	struct xs_table *t = ctx->tx ? &ctx->tx->nodes : &ctx->st->nodes;
	struct xs_entry *e = xs_table_find(t, path);
	struct xs_dom *d;

	if (!e || !e->rec)
		return;
	if (ctx->tx) {
		xs_store_tx_account(ctx->tx, e->rec, NULL);
		free(e->rec);
		e->rec = NULL;
		e->modified = true;
		return;
	}
	d = xs_store_dom(ctx->st, xs_rec_owner(e->rec));
	if (d && d->nodes)
		d->nodes--;
	ctx->st->gen++;
	xs_table_remove(t, e);
}

/* Whether e's node is listed by its parent and its children all exist. */
static bool xs_store_check_node(struct xs_store *st, const struct xs_entry *e)
{
	const char *c = xs_rec_children(e->rec);

	if (e->path[1]) {
		char parent[XENSTORE_ABS_PATH_MAX + 1];
		size_t pl = xs_path_parent_len(e->path);
		struct xs_entry *p;

		memcpy(parent, e->path, pl);
		parent[pl] = '\0';
		p = xs_table_find(&st->nodes, parent);
		if (!p || !p->rec || !xs_rec_has_child(p->rec, xs_path_base(e->path)))
			return false;
	}
	for (uint32_t off = 0; off < e->rec->childlen; off += (uint32_t)strlen(c + off) + 1) {
		char *child = xs_path_join(e->path, c + off);
		struct xs_entry *ce = child ? xs_table_find(&st->nodes, child) : NULL;

		free(child);
		if (!ce || !ce->rec)
			return false;
	}
	return true;
}

int xs_store_check(struct xs_store *st)
{
	struct xs_table_cursor cur;
	struct xs_entry *e;
	uint32_t total = 0, counted = 0;

	xs_table_first(&st->nodes, &cur);
	while ((e = xs_table_next(&st->nodes, &cur))) {
		if (!e->rec)
			return XSD_EIO;
		counted++;
		if (e->path[0] == '/' && !xs_store_check_node(st, e))
			return XSD_EIO;
	}
	for (uint32_t i = 0; i < st->ndoms; i++)
		total += st->doms[i].nodes;
	return total == counted ? 0 : XSD_EIO;
}
