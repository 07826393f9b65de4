/* Node operations: validate (no side effects), then act. */
#include "xs_op.h"
#include "public/io/xs_wire.h"
#include "xs_path.h"
#include "xs_watch.h"

static uint32_t xs_op_access(const struct xs_ctx *ctx, const struct xs_rec *r)
{
	return xs_perms_for(r->perms, r->nperms, &ctx->who);
}

/* Whether an unprivileged caller's record would exceed the entry-size quota. */
static bool xs_op_too_big(const struct xs_ctx *ctx, const struct xs_rec *r)
{
	return !ctx->who.privileged &&
	       xs_rec_quota_size(r->nperms, r->len, r->childlen) >= ctx->st->quota.max_entry_size;
}

/* Look at the prefix buf[0..len) of a path (temporarily cut there). */
static int xs_op_get_prefix(struct xs_ctx *ctx, char *buf, size_t len, const struct xs_rec **r)
{
	char saved = buf[len];
	int err;

	buf[len] = '\0';
	err = xs_store_get(ctx, buf, r);
	buf[len] = saved;
	return err;
}

/* The error for a missing node: EACCES if the caller may not read its
 * nearest existing ancestor (do not reveal what is there), else ENOENT. */
static int xs_op_absent(struct xs_ctx *ctx, const char *path)
{
	char *buf = strdup(path);
	size_t len = strlen(path);
	const struct xs_rec *r = NULL;
	int err = 0;

	if (!buf)
		return XSD_ENOMEM;
	while (!err && !r && len > 1) {
		buf[len] = '\0';
		len = xs_path_parent_len(buf);
		err = xs_op_get_prefix(ctx, buf, len, &r);
	}
	free(buf);
	if (err)
		return err;
	return r && (xs_op_access(ctx, r) & XS_PERM_READ) ? XSD_ENOENT : XSD_EACCES;
}

int xs_op_read(struct xs_ctx *ctx, const char *path, const struct xs_rec **out)
{
	int err = xs_store_get(ctx, path, out);

	if (err)
		return err;
	if (!*out)
		return xs_op_absent(ctx, path);
	return xs_op_access(ctx, *out) & XS_PERM_READ ? 0 : XSD_EACCES;
}

char *xs_op_children(struct xs_ctx *ctx, const char *path, uint32_t *len)
{
	const struct xs_rec *r;
	char *c;

	*len = 0;
	if (xs_op_read(ctx, path, &r) || !r->childlen || !(c = malloc(r->childlen)))
		return NULL;
	memcpy(c, xs_rec_children(r), r->childlen);
	*len = r->childlen;
	return c;
}

/* Missing nodes on the way to a new path: lens[0] is the path itself,
 * lens[n-1] the child of the nearest existing ancestor, anc_len long. */
struct xs_op_chain {
	char *buf;
	uint32_t *lens;
	uint32_t n;
	size_t anc_len;
	const struct xs_rec *anc;
	struct xs_rec **recs;	/* recs[i] for lens[i]; anc_new for the ancestor */
	struct xs_rec *anc_new;
};

static void xs_op_chain_free(struct xs_op_chain *ch)
{
	for (uint32_t i = 0; ch->recs && i < ch->n; i++)
		free(ch->recs[i]);
	free(ch->anc_new);
	free(ch->recs);
	free(ch->lens);
	free(ch->buf);
}

/* Walk up from path (known missing) to the nearest existing ancestor. */
static int xs_op_chain_find(struct xs_ctx *ctx, const char *path, struct xs_op_chain *ch)
{
	size_t len = strlen(path), depth = 0;
	int err = 0;

	for (const char *p = path; *p; p++)
		depth += *p == '/';
	ch->buf = strdup(path);
	ch->lens = malloc(depth * sizeof(*ch->lens));
	ch->recs = calloc(depth, sizeof(*ch->recs));
	if (!ch->buf || !ch->lens || !ch->recs)
		return XSD_ENOMEM;
	while (!err && !ch->anc) {
		char saved = ch->buf[len];

		if (ch->n == depth)
			return XSD_EIO;	/* not even "/" exists */
		ch->lens[ch->n++] = (uint32_t)len;
		ch->buf[len] = '\0';
		ch->anc_len = xs_path_parent_len(ch->buf);
		ch->buf[len] = saved;
		len = ch->anc_len;
		err = xs_op_get_prefix(ctx, ch->buf, len, &ch->anc);
	}
	return err;
}

/* Name of the chain's node i. */
static char *xs_op_chain_name(const struct xs_op_chain *ch, uint32_t i)
{
	size_t plen = i + 1 < ch->n ? ch->lens[i + 1] : ch->anc_len;
	size_t start = plen == 1 ? 1 : plen + 1;

	return strndup(ch->buf + start, ch->lens[i] - start);
}

/* Record of the chain's node i: the value for the leaf (i == 0), else one
 * child, node i - 1. */
static struct xs_rec *xs_op_chain_node(const struct xs_op_chain *ch, uint32_t i,
				       const struct xs_perm *p, const void *value, uint32_t len)
{
	struct xs_rec *r = xs_rec_new(p, ch->anc->nperms, value, i ? 0 : len, NULL, 0), *w;
	char *name;

	if (!r || i == 0)
		return r;
	name = xs_op_chain_name(ch, i - 1);
	w = name ? xs_rec_with_child(r, name) : NULL;
	free(name);
	free(r);
	return w;
}

/* Build every record of the chain: the new nodes, each inheriting the
 * ancestor's permissions, and the ancestor with its new child. */
static int xs_op_chain_build(struct xs_ctx *ctx, struct xs_op_chain *ch, const void *value,
			     uint32_t len)
{
	const struct xs_rec *a = ch->anc;
	struct xs_perm *p = malloc(a->nperms * sizeof(*p));
	char *name;

	if (!p)
		return XSD_ENOMEM;
	memcpy(p, a->perms, a->nperms * sizeof(*p));
	if (!ctx->who.privileged)
		p[0].id = ctx->who.domid;	/* unprivileged domains own what they create */
	for (uint32_t i = 0; i < ch->n; i++) {
		ch->recs[i] = xs_op_chain_node(ch, i, p, value, len);
		if (!ch->recs[i]) {
			free(p);
			return XSD_ENOMEM;
		}
	}
	free(p);
	name = xs_op_chain_name(ch, ch->n - 1);
	ch->anc_new = name ? xs_rec_with_child(a, name) : NULL;
	free(name);
	if (!ch->anc_new)
		return XSD_ENOMEM;
	for (uint32_t i = 0; i < ch->n; i++) {
		if (xs_op_too_big(ctx, ch->recs[i]))
			return XSD_ENOSPC;
	}
	return xs_op_too_big(ctx, ch->anc_new) ? XSD_ENOSPC : 0;
}

/* Store one record at the prefix buf[0..len) (ownership passes). */
static int xs_op_put_prefix(struct xs_ctx *ctx, char *buf, size_t len, struct xs_rec **slot)
{
	char saved = buf[len];
	int err;

	buf[len] = '\0';
	err = xs_store_put(ctx, buf, *slot);
	*slot = NULL;
	buf[len] = saved;
	return err;
}

/* Store the built chain, the new nodes first; on failure take back the
 * nodes already stored. Only the committed store can fail (no memory). */
static int xs_op_chain_store(struct xs_ctx *ctx, struct xs_op_chain *ch)
{
	uint32_t stored = 0;
	int err = 0;

	while (stored < ch->n && !err) {
		err = xs_op_put_prefix(ctx, ch->buf, ch->lens[stored], &ch->recs[stored]);
		stored += !err;
	}
	if (!err)
		err = xs_op_put_prefix(ctx, ch->buf, ch->anc_len, &ch->anc_new);
	for (uint32_t j = 0; err && j < stored; j++) {
		char saved = ch->buf[ch->lens[j]];

		ch->buf[ch->lens[j]] = '\0';
		xs_store_del(ctx, ch->buf);
		ch->buf[ch->lens[j]] = saved;
	}
	return err;
}

static int xs_op_create(struct xs_ctx *ctx, const char *path, const void *value, uint32_t len)
{
	struct xs_op_chain ch = { 0 };
	const struct xs_rec *leaf;
	int err = xs_op_chain_find(ctx, path, &ch);

	if (!err && !(xs_op_access(ctx, ch.anc) & XS_PERM_WRITE))
		err = XSD_EACCES;
	if (!err && !ctx->who.privileged &&
	    xs_store_owned(ctx, ctx->who.domid) + ch.n > ctx->st->quota.max_nodes)
		err = XSD_ENOSPC;
	if (!err)
		err = xs_op_chain_build(ctx, &ch, value, len);
	if (!err)
		err = xs_op_chain_store(ctx, &ch);
	if (!err && !ctx->tx && !xs_store_get(ctx, path, &leaf) && leaf)
		xs_watch_fire(ctx->st, path, leaf, NULL);
	xs_op_chain_free(&ch);
	return err;
}

int xs_op_write(struct xs_ctx *ctx, const char *path, const void *value, uint32_t len)
{
	const struct xs_rec *r;
	struct xs_rec *n;
	int err = xs_store_get(ctx, path, &r);

	if (err)
		return err;
	if (!r)
		return xs_op_create(ctx, path, value, len);
	if (!(xs_op_access(ctx, r) & XS_PERM_WRITE))
		return XSD_EACCES;
	n = xs_rec_with_value(r, value, len);
	if (!n)
		return XSD_ENOMEM;
	if (xs_op_too_big(ctx, n)) {
		free(n);
		return XSD_ENOSPC;
	}
	err = xs_store_put(ctx, path, n);
	if (!err && !ctx->tx)
		xs_watch_fire(ctx->st, path, n, NULL);
	return err;
}

int xs_op_mkdir(struct xs_ctx *ctx, const char *path)
{
	const struct xs_rec *r;
	int err = xs_store_get(ctx, path, &r);

	if (err)
		return err;
	if (!r)
		return xs_op_create(ctx, path, NULL, 0);
	return xs_op_access(ctx, r) & XS_PERM_WRITE ? 0 : XSD_EACCES;
}

/* Every path of the subtree at path, parents before children (breadth
 * first), in a malloc'd array of malloc'd strings. */
static int xs_op_subtree(struct xs_ctx *ctx, const char *path, char ***out, uint32_t *count)
{
	char **list = malloc(sizeof(*list));
	uint32_t n = 0, cap = 1;
	int err = 0;

	if (!list || !(list[n++] = strdup(path)))
		err = XSD_ENOMEM;
	for (uint32_t i = 0; !err && i < n; i++) {
		const struct xs_rec *r;
		const char *c;

		err = xs_store_get(ctx, list[i], &r);
		for (uint32_t off = 0; !err && r && off < r->childlen; off += (uint32_t)strlen(c) + 1) {
			c = xs_rec_children(r) + off;
			if (n == cap) {
				char **g = realloc(list, 2 * cap * sizeof(*list));

				if (!g) {
					err = XSD_ENOMEM;
					break;
				}
				list = g;
				cap *= 2;
			}
			if (!(list[n] = xs_path_join(list[i], c)))
				err = XSD_ENOMEM;
			else
				n++;
		}
	}
	*out = list;
	*count = n;
	return err;
}

static void xs_op_free_list(char **list, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Check step of rm for an existing node: write access, the parent's new
 * record, and every node of the subtree looked at. */
static int xs_op_rm_prepare(struct xs_ctx *ctx, const char *path, const struct xs_rec *r,
			    char **parent, struct xs_rec **pnew, char ***list, uint32_t *n)
{
	const struct xs_rec *pr;
	int err;

	*list = NULL;
	*n = 0;
	if (!(xs_op_access(ctx, r) & XS_PERM_WRITE))
		return XSD_EACCES;
	*parent = strndup(path, xs_path_parent_len(path));
	if (!*parent)
		return XSD_ENOMEM;
	err = xs_store_get(ctx, *parent, &pr);
	if (!err && !pr)
		err = XSD_EIO;	/* a node without a parent: the store is corrupt */
	if (!err && !(*pnew = xs_rec_without_child(pr, xs_path_base(path))))
		err = XSD_ENOMEM;
	return err ? err : xs_op_subtree(ctx, path, list, n);
}

int xs_op_rm(struct xs_ctx *ctx, const char *path)
{
	const struct xs_rec *r;
	struct xs_rec *pnew = NULL;
	char *parent = NULL, **list = NULL;
	uint32_t n = 0;
	int err;

	if (!path[1])
		return XSD_EINVAL;
	err = xs_store_get(ctx, path, &r);
	if (!err && !r) {
		/* Fine when missing, as long as the parent exists. */
		parent = strndup(path, xs_path_parent_len(path));
		err = parent ? xs_store_get(ctx, parent, &r) : XSD_ENOMEM;
		free(parent);
		return err ? err : r ? 0 : XSD_ENOENT;
	}
	if (!err)
		err = xs_op_rm_prepare(ctx, path, r, &parent, &pnew, &list, &n);
	for (uint32_t i = n; !err && i-- > 0;) {
		if (!ctx->tx && !xs_store_get(ctx, list[i], &r) && r)
			xs_watch_fire(ctx->st, list[i], r, NULL);
		xs_store_del(ctx, list[i]);
	}
	if (!err)
		err = xs_store_put(ctx, parent, pnew);	/* an existing node: cannot fail */
	else
		free(pnew);
	xs_op_free_list(list, n);
	free(parent);
	return err;
}

/* The context for a special node: always the committed store. */
static int xs_op_special(struct xs_ctx *ctx, const char *name, struct xs_ctx *sctx,
			 const struct xs_rec **r)
{
	*sctx = *ctx;
	sctx->tx = NULL;
	if (strcmp(name, XS_SPECIAL_INTRODUCE) && strcmp(name, XS_SPECIAL_RELEASE))
		return XSD_ENOENT;
	return xs_store_get(sctx, name, r);
}

int xs_op_get_special(struct xs_ctx *ctx, const char *name, const struct xs_rec **out)
{
	struct xs_ctx sctx;
	int err = xs_op_special(ctx, name, &sctx, out);

	if (err)
		return err;
	return xs_op_access(&sctx, *out) & XS_PERM_READ ? 0 : XSD_EACCES;
}

int xs_op_set_perms(struct xs_ctx *ctx, const char *path, const struct xs_perm *p,
		    uint32_t n)
{
	struct xs_ctx sctx = *ctx;
	const struct xs_rec *r;
	struct xs_rec *nr;
	int err = path[0] == '@' ? xs_op_special(ctx, path, &sctx, &r)
				 : xs_store_get(&sctx, path, &r);

	if (err)
		return err;
	if (!r)
		return xs_op_absent(&sctx, path);
	if (!(xs_op_access(&sctx, r) & XS_PERM_OWNER))
		return XSD_EACCES;
	if (!sctx.who.privileged && p[0].id != xs_rec_owner(r))
		return XSD_EPERM;	/* only Dom0 gives nodes away */
	if (!sctx.who.privileged && n > sctx.st->quota.max_perms)
		return XSD_ENOSPC;
	nr = xs_rec_with_perms(r, p, n);
	if (!nr)
		return XSD_ENOMEM;
	if (xs_op_too_big(&sctx, nr)) {
		free(nr);
		return XSD_ENOSPC;
	}
	/* Fire first: the old record goes with the put. A failed put makes a
	 * spurious event, which xenstore.txt allows. */
	if (!sctx.tx && path[0] == '/')
		xs_watch_fire(sctx.st, path, nr, r);
	return xs_store_put(&sctx, path, nr);
}
