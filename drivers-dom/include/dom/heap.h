/*
 * The heap behind malloc: first fit over a free list, boundary tags so that
 * free() merges with both neighbours in constant time, and a tag in every
 * block header (a hash of its size word and address) so that overwritten
 * headers, double frees and wild pointers are caught, not followed.
 * Mechanism only: it builds on the host for unit tests. Not reentrant: the
 * runtime calls it only outside interrupt handlers (dom/start.h).
 */
#ifndef DOM_HEAP_H
#define DOM_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct heap;
struct heap_block;

/* Called on corruption with what was wrong and where; normally does not
 * return (the runtime prints and aborts). If it returns, the operation
 * fails: heap_alloc returns NULL, heap_free does nothing, heap_check -1. */
typedef void (*heap_corrupt_fn)(const struct heap *h, const char *what, const void *where);

struct heap {
	uintptr_t start;		/* first block header */
	uintptr_t end;			/* the end marker header (a used block of size 0) */
	struct heap_block *free_list;	/* free blocks, most recently freed first */
	size_t used_bytes;		/* in used blocks, headers included */
	size_t nr_used, nr_free;
	heap_corrupt_fn corrupt;
};

struct heap_stats {
	size_t total;		/* bytes managed, headers included */
	size_t used, free;	/* bytes in used and free blocks */
	size_t largest_free;	/* largest request heap_alloc can satisfy now */
	size_t nr_used, nr_free;
};

/* Manages [base, base + size); needs at least 128 bytes. Returns 0 or -1. */
int heap_init(struct heap *h, void *base, size_t size, heap_corrupt_fn corrupt);
void *heap_alloc(struct heap *h, size_t n);
void heap_free(struct heap *h, void *p);
void *heap_realloc(struct heap *h, void *p, size_t n);
/* Walks every block and the free list; 0 if consistent. */
int heap_check(const struct heap *h);
/* Usable size of an allocated block (at least what was asked for). */
size_t heap_block_size(const struct heap *h, const void *p);
void heap_get_stats(const struct heap *h, struct heap_stats *st);

/* The runtime's heap behind malloc (freestanding builds only). */
void dom_heap_init(void *base, size_t size);
struct heap *dom_heap(void);

#endif
