/*
 * Path-keyed hash table of node records, as upstream keys its database by
 * path. The committed store is one table; each transaction has another that
 * overlays it. Entries can move between tables without allocating, which is
 * what lets a transaction commit without a failure path.
 */
#ifndef XS_TABLE_H
#define XS_TABLE_H

#include "dom.h"
#include "xs_rec.h"

struct xs_entry {
	struct xs_entry *next;	/* bucket chain; owned by the table */
	struct xs_rec *rec;	/* the node, owned; NULL: absent (deleted, in a transaction) */
	uint64_t base_gen;	/* transactions: committed generation when first seen, 0 absent */
	bool modified;		/* transactions: changed by the transaction */
	uint32_t hash;
	char path[];
};

struct xs_table {
	struct xs_entry **buckets;
	uint32_t nbuckets;	/* power of two */
	uint32_t count;
};

struct xs_table_cursor {
	uint32_t bucket;
	struct xs_entry *next;
};

/* Returns 0 or XSD_ENOMEM. */
int xs_table_init(struct xs_table *t);
/* Frees every entry and record. */
void xs_table_destroy(struct xs_table *t);

struct xs_entry *xs_table_find(const struct xs_table *t, const char *path);
/* A new entry for path (rec NULL), which must not be present; NULL when out of memory. */
struct xs_entry *xs_table_add(struct xs_table *t, const char *path);
/* Link an entry unlinked from another table; path must not be present. Never fails. */
void xs_table_insert(struct xs_table *t, struct xs_entry *e);
/* Unlink e (kept allocated). */
void xs_table_unlink(struct xs_table *t, struct xs_entry *e);
/* Unlink and free e and its record. */
void xs_table_remove(struct xs_table *t, struct xs_entry *e);

/* Iteration that tolerates unlinking the entry just returned. */
void xs_table_first(const struct xs_table *t, struct xs_table_cursor *c);
struct xs_entry *xs_table_next(const struct xs_table *t, struct xs_table_cursor *c);

#endif
