/* Watches and event delivery. */
#include "xs_watch.h"
#include "public/io/xs_wire.h"
#include "xs_conn.h"
#include "xs_path.h"
#include "xs_store.h"

int xs_watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
		 struct xs_watch **w)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	struct xs_watch *n;

	for (struct xs_watch *x = c->watches; x; x = x->next) {
		if (strcmp(x->path, path) == 0 && strcmp(x->token, token) == 0)
			return XSD_EEXIST;
	}
	if (!c->privileged && c->nwatches >= c->st->quota.max_watches)
		return XSD_E2BIG;
	n = malloc(sizeof(*n) + pl + tl);
	if (!n)
		return XSD_ENOMEM;
	n->relative = relative;
	memcpy(n->path, path, pl);
	memcpy(n->path + pl, token, tl);
	n->token = n->path + pl;
	n->next = c->watches;
	c->watches = n;
	c->nwatches++;
	*w = n;
	return 0;
}

int xs_watch_remove(struct xs_conn *c, const char *path, const char *token)
{
	for (struct xs_watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
		struct xs_watch *w = *pp;

		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
			*pp = w->next;
			c->nwatches--;
			free(w);
			return 0;
		}
	}
	return XSD_ENOENT;
}

void xs_watch_remove_all(struct xs_conn *c)
{
	struct xs_watch *w, *n;

	for (w = c->watches; w; w = n) {
		n = w->next;
		free(w);
	}
	c->watches = NULL;
	c->nwatches = 0;
}

/* Send one event for w about path, made relative for a relative watch. */
static void xs_watch_send(struct xs_conn *c, const struct xs_watch *w, const char *path)
{
	char home[XS_PATH_DOMAIN_MAX];
	size_t hl;

	if (w->relative) {
		xs_path_domain(c->domid, home);
		hl = strlen(home);
		if (strncmp(path, home, hl) == 0 && path[hl] == '/')
			path += hl + 1;
	}
	xs_conn_send_event(c, path, w->token);
}

void xs_watch_fire_initial(struct xs_conn *c, const struct xs_watch *w)
{
	xs_watch_send(c, w, w->path);
}

static bool xs_watch_may_read(struct xs_store *st, struct xs_conn *c, const struct xs_rec *r)
{
	struct xs_ctx ctx;

	if (!r)
		return false;
	ctx = xs_store_ctx(st, c, NULL);
	return xs_perms_for(r->perms, r->nperms, &ctx.who) & XS_PERM_READ;
}

void xs_watch_fire(struct xs_store *st, const char *path, const struct xs_rec *rec,
		   const struct xs_rec *old)
{
	for (struct xs_conn *c = st->conns; c; c = c->next) {
		bool allowed;

		if (c->closed || !c->watches)
			continue;
		allowed = xs_watch_may_read(st, c, rec) || xs_watch_may_read(st, c, old);
		for (struct xs_watch *w = c->watches; w && allowed; w = w->next) {
			if (w->path[0] == '/' && xs_path_is_child(path, w->path))
				xs_watch_send(c, w, path);
		}
	}
}

void xs_watch_fire_special(struct xs_store *st, const char *name)
{
	struct xs_entry *e = xs_table_find(&st->nodes, name);

	for (struct xs_conn *c = st->conns; c; c = c->next) {
		if (c->closed || !(e && xs_watch_may_read(st, c, e->rec)))
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			if (strcmp(w->path, name) == 0)
				xs_conn_send_event(c, name, w->token);
		}
	}
}
