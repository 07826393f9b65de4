/* Transactions: private copies, generation check, atomic commit. */
#include "xs_tx.h"
#include "public/io/xs_wire.h"
#include "xs_conn.h"
#include "xs_path.h"
#include "xs_store.h"
#include "xs_watch.h"

struct xs_tx *xs_tx_find(struct xs_conn *c, uint32_t id)
{
	for (struct xs_tx *tx = c->txs; tx; tx = tx->next) {
		if (tx->id == id)
			return tx;
	}
	return NULL;
}

/* A fresh id: never 0, never one of c's open transactions. */
static uint32_t xs_tx_new_id(struct xs_conn *c)
{
	struct xs_store *st = c->st;

	do {
		if (!st->next_txid)
			st->next_txid = 1;
	} while (xs_tx_find(c, st->next_txid++));
	return st->next_txid - 1;
}

int xs_tx_start(struct xs_conn *c, uint32_t *id)
{
	struct xs_tx *tx;

	if (!c->privileged && c->ntxs >= c->st->quota.max_transactions)
		return XSD_ENOSPC;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return XSD_ENOMEM;
	if (xs_table_init(&tx->nodes)) {
		free(tx);
		return XSD_ENOMEM;
	}
	tx->id = xs_tx_new_id(c);
	tx->domid = c->domid;
	tx->next = c->txs;
	c->txs = tx;
	c->ntxs++;
	*id = tx->id;
	return 0;
}

static void xs_tx_free(struct xs_conn *c, struct xs_tx *tx)
{
	for (struct xs_tx **pp = &c->txs; *pp; pp = &(*pp)->next) {
		if (*pp == tx) {
			*pp = tx->next;
			c->ntxs--;
			break;
		}
	}
	xs_table_destroy(&tx->nodes);
	free(tx);
}

void xs_tx_abort_all(struct xs_conn *c)
{
	while (c->txs)
		xs_tx_free(c, c->txs);
}

/* The check step of commit: no side effects. */
static int xs_tx_validate(struct xs_conn *c, struct xs_tx *tx)
{
	struct xs_store *st = c->st;
	struct xs_table_cursor cur;
	struct xs_entry *e;

	xs_table_first(&tx->nodes, &cur);
	while ((e = xs_table_next(&tx->nodes, &cur))) {
		struct xs_entry *m = xs_table_find(&st->nodes, e->path);
		uint64_t now = m && m->rec ? m->rec->gen : 0;

		if (now != e->base_gen)
			return XSD_EAGAIN;
	}
	if (!c->privileged && tx->own_delta > 0) {
		struct xs_dom *d = xs_store_dom(st, tx->domid);
		uint64_t owned = (d ? d->nodes : 0) + (uint64_t)tx->own_delta;

		if (owned > st->quota.max_nodes)
			return XSD_ENOSPC;
	}
	/* The only allocation commit needs: a record for every new owner. */
	xs_table_first(&tx->nodes, &cur);
	while ((e = xs_table_next(&tx->nodes, &cur))) {
		if (e->modified && e->rec && !xs_store_dom_get(st, xs_rec_owner(e->rec)))
			return XSD_ENOMEM;
	}
	return 0;
}

/* Whether e is a deletion whose parent the transaction also deleted: its
 * event is then implied by the parent's and not sent twice. */
static bool xs_tx_deleted_with_parent(struct xs_tx *tx, const struct xs_entry *e)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	size_t pl;
	struct xs_entry *p;

	if (e->rec || !e->path[1])
		return false;
	pl = xs_path_parent_len(e->path);
	memcpy(parent, e->path, pl);
	parent[pl] = '\0';
	p = xs_table_find(&tx->nodes, parent);
	return p && p->modified && !p->rec;
}

/* Apply one changed entry to the committed store; cannot fail. */
static void xs_tx_apply(struct xs_store *st, struct xs_tx *tx, struct xs_entry *e)
{
	struct xs_entry *m = xs_table_find(&st->nodes, e->path);
	struct xs_rec *rec = e->rec;
	struct xs_dom *d;

	if (rec && m) {
		xs_watch_fire(st, e->path, rec, m->rec);
		e->rec = NULL;
		xs_store_commit_rec(st, m, rec);
	} else if (rec) {
		/* New path: move the entry itself, so no allocation. */
		xs_table_unlink(&tx->nodes, e);
		e->rec = NULL;
		xs_table_insert(&st->nodes, e);
		xs_store_commit_rec(st, e, rec);
		xs_watch_fire(st, e->path, rec, NULL);
	} else if (m && m->rec) {
		if (!xs_tx_deleted_with_parent(tx, e))
			xs_watch_fire(st, e->path, m->rec, NULL);
		d = xs_store_dom(st, xs_rec_owner(m->rec));
		if (d && d->nodes)
			d->nodes--;
		st->gen++;
		xs_table_remove(&st->nodes, m);
	}
}

int xs_tx_end(struct xs_conn *c, struct xs_tx *tx, bool commit)
{
	struct xs_table_cursor cur;
	struct xs_entry *e;
	int err = commit ? xs_tx_validate(c, tx) : 0;

	if (commit && !err) {
		xs_table_first(&tx->nodes, &cur);
		while ((e = xs_table_next(&tx->nodes, &cur))) {
			if (e->modified)
				xs_tx_apply(c->st, tx, e);
		}
	}
	xs_tx_free(c, tx);
	return err;
}
