/*
 * First-fit heap with boundary tags (Knuth, TAOCP vol. 1, 2.5).
 *
 * Every block starts with a 16-byte header: the size word (block size in
 * bytes including the header, a multiple of 16, with flag bits USED and
 * PREV_USED) and a tag = size word ^ header address ^ HEAP_MAGIC. A free
 * block also holds its free-list links after the header and a copy of its
 * size in its last 8 bytes (the footer), which the next block's free() uses
 * to find it. Invariants checked by heap_check(): no two free blocks are
 * adjacent; PREV_USED matches the previous block; the free list holds
 * exactly the free blocks.
 */
#include "dom.h"
#include "dom/heap.h"

#define HEAP_ALIGN 16
#define HEAP_HDR 16
#define HEAP_MIN_BLOCK 48	/* header + two links + footer, rounded up */
#define HEAP_USED 1ul
#define HEAP_PREV_USED 2ul
#define HEAP_FLAGS (HEAP_USED | HEAP_PREV_USED)
#define HEAP_MAGIC 0x9e3779b97f4a7c15ul

struct heap_block {
	size_t word;			/* size | HEAP_USED | HEAP_PREV_USED */
	size_t tag;			/* word ^ address ^ HEAP_MAGIC */
	struct heap_block *next;	/* free blocks only: free-list links */
	struct heap_block *prev;
};

static size_t block_size(const struct heap_block *b) { return b->word & ~HEAP_FLAGS; }
static bool block_used(const struct heap_block *b) { return b->word & HEAP_USED; }
static void *payload(struct heap_block *b) { return (char *)b + HEAP_HDR; }

static struct heap_block *block_at(uintptr_t a) { return (struct heap_block *)a; }

static struct heap_block *block_next(const struct heap_block *b)
{
	return block_at((uintptr_t)b + block_size(b));
}

static size_t *footer(const struct heap_block *b)
{
	return (size_t *)((uintptr_t)b + block_size(b) - sizeof(size_t));
}

static void set_word(struct heap_block *b, size_t word)
{
	b->word = word;
	b->tag = word ^ (uintptr_t)b ^ HEAP_MAGIC;
}

static bool tag_ok(const struct heap_block *b)
{
	return b->tag == (b->word ^ (uintptr_t)b ^ HEAP_MAGIC);
}

static bool in_heap(const struct heap *h, uintptr_t a)
{
	return a >= h->start && a <= h->end && !(a % HEAP_ALIGN);
}

/* A header worth following: inside the heap, tag intact, size in bounds. */
static bool header_ok(const struct heap *h, const struct heap_block *b)
{
	uintptr_t a = (uintptr_t)b;
	size_t size;

	if (!in_heap(h, a) || !tag_ok(b))
		return false;
	size = block_size(b);
	if (a == h->end)
		return size == 0 && block_used(b);
	return size >= HEAP_MIN_BLOCK && size <= h->end - a;
}

static void *corrupt(const struct heap *h, const char *what, const void *where)
{
	if (h->corrupt)
		h->corrupt(h, what, where);
	return NULL;
}

static void list_push(struct heap *h, struct heap_block *b)
{
	b->prev = NULL;
	b->next = h->free_list;
	if (b->next)
		b->next->prev = b;
	h->free_list = b;
	h->nr_free++;
}

static void list_remove(struct heap *h, struct heap_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		h->free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
	h->nr_free--;
}

/* Turns [b, b + size) into a free block on the list; its successor learns. */
static void make_free(struct heap *h, struct heap_block *b, size_t size)
{
	struct heap_block *n;

	set_word(b, size | HEAP_PREV_USED);	/* no two free blocks are adjacent */
	*footer(b) = size;
	list_push(h, b);
	n = block_next(b);
	set_word(n, n->word & ~HEAP_PREV_USED);
}

int heap_init(struct heap *h, void *base, size_t size, heap_corrupt_fn corrupt_fn)
{
	uintptr_t start = ((uintptr_t)base + HEAP_ALIGN - 1) & ~(uintptr_t)(HEAP_ALIGN - 1);
	uintptr_t end = ((uintptr_t)base + size) & ~(uintptr_t)(HEAP_ALIGN - 1);

	memset(h, 0, sizeof(*h));
	h->corrupt = corrupt_fn;
	if (end < start || end - start < 128)
		return -1;
	h->start = start;
	h->end = end - HEAP_HDR;
	set_word(block_at(h->end), 0 | HEAP_USED);
	make_free(h, block_at(start), h->end - start);
	return 0;
}

/* Block size for a request of n bytes, or 0 if it cannot exist. */
static size_t request_size(size_t n)
{
	size_t need;

	if (n > SIZE_MAX / 2)
		return 0;
	need = (n + HEAP_HDR + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
	return need < HEAP_MIN_BLOCK ? HEAP_MIN_BLOCK : need;
}

/* Marks used block b as size bytes, freeing what is left if it is big enough. */
static void trim(struct heap *h, struct heap_block *b, size_t size)
{
	size_t have = block_size(b);
	struct heap_block *rest, *after;

	if (have - size < HEAP_MIN_BLOCK)
		return;
	set_word(b, size | (b->word & HEAP_FLAGS));
	h->used_bytes -= have - size;
	rest = block_next(b);
	after = block_at((uintptr_t)b + have);
	set_word(rest, (have - size) | HEAP_USED | HEAP_PREV_USED);
	if (!block_used(after)) {	/* merge the rest with a free successor */
		list_remove(h, after);
		make_free(h, rest, have - size + block_size(after));
	} else {
		make_free(h, rest, have - size);
	}
}

void *heap_alloc(struct heap *h, size_t n)
{
	size_t need = request_size(n);
	struct heap_block *b;

	if (!need)
		return NULL;
	for (b = h->free_list; b; b = b->next) {
		if (!header_ok(h, b) || block_used(b))
			return corrupt(h, "bad free-list block", b);
		if (block_size(b) >= need)
			break;
	}
	if (!b)
		return NULL;
	list_remove(h, b);
	set_word(b, b->word | HEAP_USED);
	set_word(block_next(b), block_next(b)->word | HEAP_PREV_USED);
	h->used_bytes += block_size(b);
	h->nr_used++;
	trim(h, b, need);
	return payload(b);
}

/* The used block holding p, or NULL (after reporting) if p is not one. */
static struct heap_block *owner(const struct heap *h, const void *p)
{
	struct heap_block *b = block_at((uintptr_t)p - HEAP_HDR);

	if (!in_heap(h, (uintptr_t)b) || (uintptr_t)b == h->end)
		return corrupt(h, "pointer not from this heap", p);
	if (!header_ok(h, b))
		return corrupt(h, "overwritten block header", b);
	if (!block_used(b))
		return corrupt(h, "double free", p);
	if (!header_ok(h, block_next(b)))
		return corrupt(h, "overwritten next block header (overflow?)", block_next(b));
	return b;
}

void heap_free(struct heap *h, void *p)
{
	struct heap_block *b, *n;
	size_t size;

	if (!p || !(b = owner(h, p)))
		return;
	size = block_size(b);
	h->used_bytes -= size;
	h->nr_used--;
	n = block_next(b);
	if (!block_used(n)) {
		list_remove(h, n);
		size += block_size(n);
	}
	if (!(b->word & HEAP_PREV_USED)) {
		size_t psize = *(size_t *)((uintptr_t)b - sizeof(size_t));
		struct heap_block *pb = block_at((uintptr_t)b - psize);

		if (psize > (uintptr_t)b - h->start || !header_ok(h, pb) || block_used(pb) ||
		    block_size(pb) != psize) {
			corrupt(h, "overwritten free block before this one", pb);
			return;
		}
		list_remove(h, pb);
		b = pb;
		size += psize;
	}
	make_free(h, b, size);
}

size_t heap_block_size(const struct heap *h, const void *p)
{
	struct heap_block *b = owner(h, p);

	return b ? block_size(b) - HEAP_HDR : 0;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
	size_t need = request_size(n), have;
	struct heap_block *b, *next;
	void *q;

	if (!p)
		return heap_alloc(h, n);
	if (!(b = owner(h, p)) || !need)
		return NULL;
	have = block_size(b);
	next = block_next(b);
	if (need > have && !block_used(next) && have + block_size(next) >= need) {
		list_remove(h, next);	/* grow in place into the free successor */
		set_word(b, (have + block_size(next)) | (b->word & HEAP_FLAGS));
		h->used_bytes += block_size(next);
		next = block_next(b);
		set_word(next, next->word | HEAP_PREV_USED);
		have = block_size(b);
	}
	if (need <= have) {
		trim(h, b, need);
		return p;
	}
	q = heap_alloc(h, n);
	if (!q)
		return NULL;
	memcpy(q, p, have - HEAP_HDR);
	heap_free(h, p);
	return q;
}

/* One block of the address-order walk; updates the counters. */
static int check_block(const struct heap *h, const struct heap_block *b, bool *prev_used,
		       size_t *nr_free)
{
	if (!header_ok(h, b))
		return corrupt(h, "overwritten block header", b), -1;
	if (!!(b->word & HEAP_PREV_USED) != *prev_used)
		return corrupt(h, "PREV_USED disagrees with the previous block", b), -1;
	if (!block_used(b)) {
		if (!*prev_used)
			return corrupt(h, "two adjacent free blocks", b), -1;
		if (*footer(b) != block_size(b))
			return corrupt(h, "free block footer overwritten", b), -1;
		++*nr_free;
	}
	*prev_used = block_used(b);
	return 0;
}

int heap_check(const struct heap *h)
{
	const struct heap_block *b, *prev = NULL;
	bool prev_used = true;
	size_t nr_free = 0, listed = 0;

	for (b = block_at(h->start); (uintptr_t)b < h->end; b = block_next(b))
		if (check_block(h, b, &prev_used, &nr_free))
			return -1;
	if ((uintptr_t)b != h->end || check_block(h, b, &prev_used, &nr_free))
		return corrupt(h, "block sizes do not reach the end marker", b), -1;
	for (b = h->free_list; b; prev = b, b = b->next) {
		if (++listed > nr_free || !header_ok(h, b) || block_used(b) || b->prev != prev)
			return corrupt(h, "free list damaged", b), -1;
	}
	if (listed != nr_free || nr_free != h->nr_free)
		return corrupt(h, "free list does not hold every free block", h), -1;
	return 0;
}

void heap_get_stats(const struct heap *h, struct heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->total = h->end - h->start;
	st->used = h->used_bytes;
	st->free = st->total - st->used;
	st->nr_used = h->nr_used;
	st->nr_free = h->nr_free;
	for (const struct heap_block *b = h->free_list; b; b = b->next)
		if (header_ok(h, b) && block_size(b) - HEAP_HDR > st->largest_free)
			st->largest_free = block_size(b) - HEAP_HDR;
}
