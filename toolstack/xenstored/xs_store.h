/*
 * The store: committed nodes, generation counter, per-domain accounting,
 * quotas, and the connections that watch events go to. All node access goes
 * through an xs_ctx, which names the caller and, inside a transaction, the
 * transaction: the same operation code then serves both.
 *
 * Single-threaded: the daemon calls in from one event loop, no locks.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include "dom.h"
#include "xs_perms.h"
#include "xs_table.h"

struct xs_conn;
struct xs_tx;

/* Per-domain limits, for unprivileged domains only (as upstream). */
struct xs_quota {
	uint32_t max_nodes;		/* nodes a domain may own: ENOSPC beyond (1000) */
	uint32_t max_entry_size;	/* xs_rec_quota_size() of a node it writes: ENOSPC (2048) */
	uint32_t max_watches;		/* watches per connection: E2BIG beyond (128) */
	uint32_t max_transactions;	/* open transactions per connection: ENOSPC (10) */
	uint32_t max_perms;		/* entries in a permission list it sets: ENOSPC (5) */
	uint32_t max_tx_nodes;		/* nodes one transaction may touch: ENOSPC (1024) */
	uint32_t max_out_bytes;		/* queued output beyond which watch events are dropped */
};

void xs_quota_defaults(struct xs_quota *q);

struct xs_dom {
	uint32_t domid;
	uint32_t nodes;		/* committed nodes it owns */
	uint32_t target;	/* XS_DOMID_NONE, or the domain set by SET_TARGET */
	bool introduced;	/* INTRODUCE'd and not released */
	bool release_fired;	/* @releaseDomain sent for its shutdown; RESUME re-arms */
};

/* What the daemon does for the domain-management requests (all optional:
 * without a hook the request answers ENOSYS). Return 0 or an XSD_* error. */
struct xs_daemon_ops {
	/* INTRODUCE: map the ring at mfn, bind evtchn, create the connection
	 * (xs_conn_new). The library then marks the domain and fires
	 * @introduceDomain. */
	int (*introduce)(void *opaque, uint32_t domid, uint64_t mfn, uint32_t evtchn);
	/* RELEASE: unmap and unbind; the library has closed the connection. */
	void (*release)(void *opaque, uint32_t domid);
	void *opaque;
};

struct xs_store {
	struct xs_table nodes;		/* committed nodes by path; "@..." special nodes too */
	uint64_t gen;			/* last generation given to a committed change */
	struct xs_quota quota;
	struct xs_dom *doms;		/* sorted by domid */
	uint32_t ndoms, capdoms;
	struct xs_conn *conns;		/* every live connection (xs_conn_new/free) */
	uint32_t next_txid;
	struct xs_daemon_ops ops;
};

/* A caller's view: who asks, and through which transaction. */
struct xs_ctx {
	struct xs_store *st;
	struct xs_conn *conn;	/* NULL: the daemon itself (privileged) */
	struct xs_tx *tx;	/* NULL: the committed store */
	struct xs_who who;
};

#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE "@releaseDomain"

/* A store holding "/" and the special nodes, all owned by Dom0 and closed to
 * others ("n0"). q NULL: upstream's default quotas. NULL when out of memory. */
struct xs_store *xs_store_new(const struct xs_quota *q);
/* Frees the store; its connections must have been freed first. */
void xs_store_free(struct xs_store *st);

/* The context for conn (NULL: the daemon) inside tx (NULL: none). */
struct xs_ctx xs_store_ctx(struct xs_store *st, struct xs_conn *conn, struct xs_tx *tx);

/* Domain records: lookup (NULL if none), or lookup-and-create (NULL when out of memory). */
struct xs_dom *xs_store_dom(struct xs_store *st, uint32_t domid);
struct xs_dom *xs_store_dom_get(struct xs_store *st, uint32_t domid);

/* Nodes domid owns as ctx sees them (a transaction counts its own changes). */
uint32_t xs_store_owned(const struct xs_ctx *ctx, uint32_t domid);

/*
 * The node at path as ctx sees it, in *rec (NULL: absent). Inside a
 * transaction the first look takes a private copy and remembers the
 * committed generation for the conflict check. Returns 0, XSD_ENOMEM, or
 * XSD_ENOSPC when a transaction would touch more than max_tx_nodes.
 */
int xs_store_get(struct xs_ctx *ctx, const char *path, const struct xs_rec **rec);

/*
 * Store rec (ownership passes, even on failure) at path, which ctx has looked
 * at with xs_store_get. In a transaction this cannot fail; committed it fails
 * only with XSD_ENOMEM, and only for a new path or a new owner.
 */
int xs_store_put(struct xs_ctx *ctx, const char *path, struct xs_rec *rec);

/* Delete path (only that node), which ctx has looked at. Cannot fail. */
void xs_store_del(struct xs_ctx *ctx, const char *path);

/* Committed-store primitive shared with transaction commit: replace e's
 * record, keeping the owners' node counts; the owner's xs_dom must exist. */
void xs_store_commit_rec(struct xs_store *st, struct xs_entry *e, struct xs_rec *rec);

/* Consistency check (CONTROL "check"): every child listed exists, every node
 * is listed by its parent, owner counts add up. Returns 0 or XSD_EIO. */
int xs_store_check(struct xs_store *st);

#endif
