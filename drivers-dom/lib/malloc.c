/* malloc and friends over the runtime's heap (dom/heap.h), set up at start of day. */
#include "dom.h"
#include "dom/heap.h"
#include "dom/console.h"

static struct heap heap;

static void heap_corrupt(const struct heap *h, const char *what, const void *where)
{
	(void)h;
	dom_console_printk("dom: heap corruption: %s at %p\n", what, where);
	abort();
}

void dom_heap_init(void *base, size_t size)
{
	heap_init(&heap, base, size, heap_corrupt);
}

struct heap *dom_heap(void)
{
	return &heap;
}

void *malloc(size_t size)
{
	return heap_alloc(&heap, size);
}

void *calloc(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > (size_t)-1 / size)
		return NULL;
	p = heap_alloc(&heap, nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

void *realloc(void *p, size_t size)
{
	if (p && !size) {
		heap_free(&heap, p);
		return NULL;
	}
	return heap_realloc(&heap, p, size);
}

void free(void *p)
{
	heap_free(&heap, p);
}
