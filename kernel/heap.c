/*
 * Size-class heap: each page holds objects of one class (16..2048 bytes) and
 * a header with its free list; a page whose objects are all free goes back
 * to the frame pool, so the free-frame count is exact after a teardown.
 */
#include "heap.h"
#include "frame.h"
#include "spinlock.h"
#include "lib.h"

#define CLASSES 8	/* 16 << 0 .. 16 << 7 = 2048 */

struct free_obj {
	struct free_obj *next;
};

struct slab {
	struct slab *next;	/* pages of this class with free objects */
	struct free_obj *free;
	u32 size, used;
};

static struct slab *partial[CLASSES];
static spinlock_t heap_lock = SPINLOCK_INIT;

static int size_class(size_t size)
{
	int c = 0;

	while ((16u << c) < size)
		c++;
	return c;
}

static struct slab *slab_new(int c)
{
	struct slab *s = page_alloc();
	u32 size = 16u << c;
	u32 first = ALIGN_UP((u32)sizeof(*s), size);

	if (!s)
		return NULL;
	s->size = size;
	for (u32 off = PAGE_SIZE - size; off >= first; off -= size) {
		struct free_obj *o = (void *)((char *)s + off);

		o->next = s->free;
		s->free = o;
	}
	return s;
}

void *kzalloc(size_t size)
{
	struct free_obj *o = NULL;
	struct slab *s;
	int c;

	if (!size || size > HEAP_MAX_OBJECT)
		return NULL;
	c = size_class(size);
	spin_lock(&heap_lock);
	s = partial[c];
	if (!s && (s = slab_new(c)))
		partial[c] = s;
	if (s) {
		o = s->free;
		s->free = o->next;
		s->used++;
		if (!s->free)
			partial[c] = s->next;
	}
	spin_unlock(&heap_lock);
	if (o)
		memset(o, 0, 16u << c);
	return o;
}

static void slab_unlink(struct slab *s, int c)
{
	for (struct slab **pp = &partial[c]; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

void kfree(void *p)
{
	struct slab *s = (void *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
	struct free_obj *o = p;
	int c;

	if (!p)
		return;
	spin_lock(&heap_lock);
	c = size_class(s->size);
	if (!s->free) {		/* it was full: it becomes partial again */
		s->next = partial[c];
		partial[c] = s;
	}
	o->next = s->free;
	s->free = o;
	if (--s->used == 0) {
		slab_unlink(s, c);
		spin_unlock(&heap_lock);
		page_free(s);
		return;
	}
	spin_unlock(&heap_lock);
}
