/*
 * The node operations behind the requests, with permission and quota checks,
 * for a caller in a context (committed store or a transaction). Paths are
 * canonical absolute paths (xs_path_canonical). Records handed out stay valid
 * until the next change through any context. Changes outside a transaction
 * fire watches at once; inside one, at commit.
 */
#ifndef XS_OP_H
#define XS_OP_H

#include "dom.h"
#include "xs_rec.h"
#include "xs_store.h"

/* READ, DIRECTORY, GET_PERMS: the node, which ctx must be able to read.
 * Errors: XSD_ENOENT, XSD_EACCES (also for a missing node under one it
 * cannot read), XSD_ENOMEM, XSD_ENOSPC (transaction size). */
int xs_op_read(struct xs_ctx *ctx, const char *path, const struct xs_rec **out);
/* The children of path as one malloc'd block of NUL-terminated names (*len
 * bytes), or NULL when it has none or cannot be read: a copy, for callers
 * that write to the store while they walk it (records move on a write). */
char *xs_op_children(struct xs_ctx *ctx, const char *path, uint32_t *len);

/* WRITE: set the value, creating the node and missing parents (each
 * inheriting its parent's permissions, owned by an unprivileged writer).
 * Errors as read, plus XSD_ENOSPC for the node or entry-size quota. */
int xs_op_write(struct xs_ctx *ctx, const char *path, const void *value, uint32_t len);

/* MKDIR: make sure the node exists; an existing one is left alone. */
int xs_op_mkdir(struct xs_ctx *ctx, const char *path);

/* RM: remove the node and its subtree. Fine if the node is missing but its
 * parent exists; XSD_ENOENT if the parent is missing too; XSD_EINVAL for "/". */
int xs_op_rm(struct xs_ctx *ctx, const char *path);

/* SET_PERMS: replace the permission list; the caller must own the node (or be
 * privileged); an unprivileged owner may not give the node away (XSD_EPERM).
 * path may be a special "@..." node (committed store only). */
int xs_op_set_perms(struct xs_ctx *ctx, const char *path, const struct xs_perm *p,
		    uint32_t n);

/* GET_PERMS of a special "@..." node; XSD_ENOENT for an unknown name. */
int xs_op_get_special(struct xs_ctx *ctx, const char *name, const struct xs_rec **out);

#endif
