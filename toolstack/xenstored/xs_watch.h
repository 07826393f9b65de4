/*
 * Watches (xenstore.txt WATCH/UNWATCH/WATCH_EVENT). A change to a node
 * fires every watch on that node or an ancestor; the event goes only to
 * connections that may read the node (upstream's permission filter). The
 * special paths @introduceDomain and @releaseDomain fire only on the daemon's
 * domain events, to privileged connections and those the special node's
 * permissions let read.
 */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include "dom.h"
#include "xs_rec.h"

struct xs_conn;
struct xs_store;

struct xs_watch {
	struct xs_watch *next;	/* the connection's list */
	bool relative;		/* registered relative: events are reported relative */
	const char *token;	/* points into data */
	char path[];		/* absolute path or "@special", then the token */
};

/*
 * Add a watch on path (canonical absolute, or "@..."), relative if the
 * client gave it relative. Returns 0, XSD_EEXIST (same path and token),
 * XSD_E2BIG (watch quota) or XSD_ENOMEM; on success *w is the watch, for
 * xs_watch_fire_initial once the reply is queued.
 */
int xs_watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
		 struct xs_watch **w);
/* The event every new watch gets at once, naming its own path. */
void xs_watch_fire_initial(struct xs_conn *c, const struct xs_watch *w);
/* Remove the watch with this path and token; XSD_ENOENT if none. */
int xs_watch_remove(struct xs_conn *c, const char *path, const char *token);
void xs_watch_remove_all(struct xs_conn *c);

/*
 * A committed change at path. rec is the node's record (for a deletion, the
 * one it had), old its record before a permission change (else NULL); a
 * watcher gets the event if either lets it read.
 */
void xs_watch_fire(struct xs_store *st, const char *path, const struct xs_rec *rec,
		   const struct xs_rec *old);
/* Fire the special watch name ("@introduceDomain" / "@releaseDomain"). */
void xs_watch_fire_special(struct xs_store *st, const char *name);

#endif
