/* Path-keyed hash table with separate chaining (FNV-1a). */
#include "xs_table.h"
#include "public/io/xs_wire.h"

#define XS_TABLE_MIN 64u

static uint32_t xs_table_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int xs_table_init(struct xs_table *t)
{
	t->buckets = calloc(XS_TABLE_MIN, sizeof(*t->buckets));
	t->nbuckets = XS_TABLE_MIN;
	t->count = 0;
	return t->buckets ? 0 : XSD_ENOMEM;
}

void xs_table_destroy(struct xs_table *t)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct xs_entry *e = t->buckets[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e->rec);
			free(e);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = t->count = 0;
}

struct xs_entry *xs_table_find(const struct xs_table *t, const char *path)
{
	uint32_t h = xs_table_hash(path);

	for (struct xs_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next) {
		if (e->hash == h && strcmp(e->path, path) == 0)
			return e;
	}
	return NULL;
}

/* Double the bucket array at load factor 1. Best effort: without memory the
 * chains just grow longer. */
static void xs_table_grow(struct xs_table *t)
{
	uint32_t n = t->nbuckets * 2;
	struct xs_entry **b;

	if (t->count < t->nbuckets || n == 0)
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct xs_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

void xs_table_insert(struct xs_table *t, struct xs_entry *e)
{
	struct xs_entry **b;

	xs_table_grow(t);
	b = &t->buckets[e->hash & (t->nbuckets - 1)];
	e->next = *b;
	*b = e;
	t->count++;
}

struct xs_entry *xs_table_add(struct xs_table *t, const char *path)
{
	size_t len = strlen(path) + 1;
	struct xs_entry *e = malloc(sizeof(*e) + len);

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(e->path, path, len);
	e->hash = xs_table_hash(path);
	xs_table_insert(t, e);
	return e;
}

void xs_table_unlink(struct xs_table *t, struct xs_entry *e)
{
	struct xs_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			e->next = NULL;
			t->count--;
			return;
		}
	}
}

void xs_table_remove(struct xs_table *t, struct xs_entry *e)
{
	xs_table_unlink(t, e);
	free(e->rec);
	free(e);
}

static struct xs_entry *xs_table_scan(const struct xs_table *t, struct xs_table_cursor *c)
{
	while (c->bucket < t->nbuckets) {
		struct xs_entry *e = t->buckets[c->bucket++];

		if (e)
			return e;
	}
	return NULL;
}

void xs_table_first(const struct xs_table *t, struct xs_table_cursor *c)
{
	c->bucket = 0;
	c->next = xs_table_scan(t, c);
}

struct xs_entry *xs_table_next(const struct xs_table *t, struct xs_table_cursor *c)
{
	struct xs_entry *e = c->next;

	if (e)
		c->next = e->next ? e->next : xs_table_scan(t, c);
	return e;
}
