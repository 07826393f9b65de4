/*
 * xenstore path rules (docs/misc/xenstore.txt): absolute paths start with '/',
 * use only [A-Za-z0-9-/_@], have no doubled or trailing '/' (the root "/"
 * excepted) and are at most XENSTORE_ABS_PATH_MAX bytes. A path without the
 * leading '/' is relative to the caller's /local/domain/<domid>.
 */
#ifndef XS_PATH_H
#define XS_PATH_H

#include "dom.h"

/* Longest "/local/domain/<domid>" plus its '/': a u32 domid has 10 digits. */
#define XS_PATH_DOMAIN_MAX 26

/* Whether path is a valid absolute path. */
bool xs_path_valid(const char *path);

/*
 * Turn a request's path into a malloc'd absolute path in *out; *relative says
 * whether it was given relative to domid's home. Returns 0, XSD_EINVAL for a
 * path breaking the rules, XSD_ENOMEM.
 */
int xs_path_canonical(const char *in, uint32_t domid, char **out, bool *relative);

/* Write "/local/domain/<domid>" into buf (XS_PATH_DOMAIN_MAX bytes). */
void xs_path_domain(uint32_t domid, char *buf);

/* Whether child is parent itself or lies below it (xenstore.txt: "child"). */
bool xs_path_is_child(const char *child, const char *parent);

/* Length of the parent's path ("/a/b" -> 2, "/a" -> 1); path is not "/". */
size_t xs_path_parent_len(const char *path);

/* The last component ("/a/b" -> "b"); path is not "/". */
const char *xs_path_base(const char *path);

/* malloc'd path of the child called name under parent, or NULL. */
char *xs_path_join(const char *parent, const char *name);

#endif
