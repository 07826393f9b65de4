/* Node records. */
#include "xs_rec.h"

struct xs_rec *xs_rec_new(const struct xs_perm *perms, uint32_t nperms, const void *value,
			  uint32_t len, const char *children, uint32_t childlen)
{
	size_t size = sizeof(struct xs_rec) + nperms * sizeof(struct xs_perm) + len + childlen;
	struct xs_rec *r = malloc(size);
	uint8_t *p;

	if (!r)
		return NULL;
	r->gen = 0;
	r->nperms = nperms;
	r->len = len;
	r->childlen = childlen;
	memcpy(r->perms, perms, nperms * sizeof(struct xs_perm));
	p = (uint8_t *)(r->perms + nperms);
	if (len)
		memcpy(p, value, len);
	if (childlen)
		memcpy(p + len, children, childlen);
	return r;
}

struct xs_rec *xs_rec_dup(const struct xs_rec *r)
{
	struct xs_rec *c = xs_rec_new(r->perms, r->nperms, xs_rec_value(r), r->len,
				      xs_rec_children(r), r->childlen);

	if (c)
		c->gen = r->gen;
	return c;
}

struct xs_rec *xs_rec_with_value(const struct xs_rec *r, const void *value, uint32_t len)
{
	return xs_rec_new(r->perms, r->nperms, value, len, xs_rec_children(r), r->childlen);
}

struct xs_rec *xs_rec_with_perms(const struct xs_rec *r, const struct xs_perm *p, uint32_t n)
{
	return xs_rec_new(p, n, xs_rec_value(r), r->len, xs_rec_children(r), r->childlen);
}

/* Offset of name in r's child list, or -1. */
static long xs_rec_child_off(const struct xs_rec *r, const char *name)
{
	const char *c = xs_rec_children(r);

	for (uint32_t off = 0; off < r->childlen; off += (uint32_t)strlen(c + off) + 1) {
		if (strcmp(c + off, name) == 0)
			return off;
	}
	return -1;
}

bool xs_rec_has_child(const struct xs_rec *r, const char *name)
{
	return xs_rec_child_off(r, name) >= 0;
}

struct xs_rec *xs_rec_with_child(const struct xs_rec *r, const char *name)
{
	uint32_t nl = (uint32_t)strlen(name) + 1;
	struct xs_rec *c = xs_rec_new(r->perms, r->nperms, xs_rec_value(r), r->len, NULL, 0);
	struct xs_rec *g;

	if (!c)
		return NULL;
	g = realloc(c, sizeof(*c) + r->nperms * sizeof(struct xs_perm) + r->len + r->childlen + nl);
	if (!g) {
		free(c);
		return NULL;
	}
	memcpy((char *)xs_rec_children(g), xs_rec_children(r), r->childlen);
	memcpy((char *)xs_rec_children(g) + r->childlen, name, nl);
	g->childlen = r->childlen + nl;
	return g;
}

struct xs_rec *xs_rec_without_child(const struct xs_rec *r, const char *name)
{
	long off = xs_rec_child_off(r, name);
	uint32_t nl;
	struct xs_rec *c;
	char *dst;

	if (off < 0)
		return xs_rec_dup(r);
	nl = (uint32_t)strlen(name) + 1;
	c = xs_rec_new(r->perms, r->nperms, xs_rec_value(r), r->len, xs_rec_children(r),
		       r->childlen);
	if (!c)
		return NULL;
	dst = (char *)xs_rec_children(c);
	memmove(dst + off, dst + off + nl, r->childlen - (uint32_t)off - nl);
	c->childlen -= nl;
	return c;
}

size_t xs_rec_quota_size(uint32_t nperms, uint32_t len, uint32_t childlen)
{
	return 24 + 8 * (size_t)nperms + len + childlen;
}
