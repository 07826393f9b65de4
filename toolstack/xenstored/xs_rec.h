/*
 * A node's record: generation, permissions, value and the names of its
 * children (each nul-terminated, in creation order), in one allocation.
 * Records are immutable once stored: a change builds a new record, so a
 * transaction's private copy and the committed store never share one.
 */
#ifndef XS_REC_H
#define XS_REC_H

#include "dom.h"
#include "xs_perms.h"

struct xs_rec {
	uint64_t gen;		/* generation of its last change (0: not yet committed) */
	uint32_t nperms;	/* >= 1: perms[0] is the owner */
	uint32_t len;		/* value bytes */
	uint32_t childlen;	/* bytes of child names, nul separators included */
	struct xs_perm perms[];	/* then the value, then the child names */
};

/* A new record, or NULL when out of memory. children may be NULL if childlen is 0. */
struct xs_rec *xs_rec_new(const struct xs_perm *perms, uint32_t nperms, const void *value,
			  uint32_t len, const char *children, uint32_t childlen);

static inline const uint8_t *xs_rec_value(const struct xs_rec *r)
{
	return (const uint8_t *)(r->perms + r->nperms);
}

static inline const char *xs_rec_children(const struct xs_rec *r)
{
	return (const char *)xs_rec_value(r) + r->len;
}

static inline uint32_t xs_rec_owner(const struct xs_rec *r)
{
	return r->perms[0].id;
}

/* Copies of r with one thing changed (NULL when out of memory). */
struct xs_rec *xs_rec_dup(const struct xs_rec *r);
struct xs_rec *xs_rec_with_value(const struct xs_rec *r, const void *value, uint32_t len);
struct xs_rec *xs_rec_with_perms(const struct xs_rec *r, const struct xs_perm *p, uint32_t n);
struct xs_rec *xs_rec_with_child(const struct xs_rec *r, const char *name);
struct xs_rec *xs_rec_without_child(const struct xs_rec *r, const char *name);

bool xs_rec_has_child(const struct xs_rec *r, const char *name);

/* The size the entry-size quota counts, as upstream xenstored does: a 24-byte
 * header, 8 bytes per permission, the value and the child names. */
size_t xs_rec_quota_size(uint32_t nperms, uint32_t len, uint32_t childlen);

#endif
