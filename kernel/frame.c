/* Physical frame allocator over a bitmap; host-testable (no page access). */
#include "frame.h"
#include "lib.h"

#define BITS 64

static void frame_mark(struct frame_pool *p, u64 pfn, bool used)
{
	u64 bit = 1ull << (pfn % BITS);
	u64 *w = &p->bitmap[pfn / BITS];

	if (used && !(*w & bit)) {
		*w |= bit;
		p->nr_free--;
	} else if (!used && (*w & bit)) {
		*w &= ~bit;
		p->nr_free++;
	}
}

void frame_pool_init(struct frame_pool *p, u64 *bitmap, u64 nr_frames)
{
	p->bitmap = bitmap;
	p->nr_frames = nr_frames;
	p->nr_free = 0;
	p->hint = 0;
	p->lock = (spinlock_t)SPINLOCK_INIT;
	memset(bitmap, 0xff, ALIGN_UP(nr_frames, BITS) / 8);
}

/* Applies used/free to every whole frame inside [start, end). */
static void frame_range(struct frame_pool *p, paddr_t start, paddr_t end, bool used)
{
	u64 first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	u64 last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;

	if (used) /* a reservation covers partial frames too */
		first = start >> PAGE_SHIFT, last = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;
	if (last > p->nr_frames)
		last = p->nr_frames;
	spin_lock(&p->lock);
	for (u64 pfn = first; pfn < last; pfn++)
		if (pfn != 0)
			frame_mark(p, pfn, used);
	spin_unlock(&p->lock);
}

void frame_pool_release(struct frame_pool *p, paddr_t start, paddr_t end)
{
	frame_range(p, start, end, false);
}

void frame_pool_reserve(struct frame_pool *p, paddr_t start, paddr_t end)
{
	frame_range(p, start, end, true);
}

paddr_t frame_pool_alloc(struct frame_pool *p)
{
	u64 words = ALIGN_UP(p->nr_frames, BITS) / BITS;
	paddr_t pa = 0;

	spin_lock(&p->lock);
	for (u64 n = 0; n < words && p->nr_free; n++) {
		u64 i = (p->hint + n) % words;
		u64 pfn;

		if (p->bitmap[i] == ~0ull)
			continue;
		pfn = i * BITS + (u64)__builtin_ctzll(~p->bitmap[i]);
		if (pfn >= p->nr_frames)
			continue;
		frame_mark(p, pfn, true);
		p->hint = i;
		pa = pfn << PAGE_SHIFT;
		break;
	}
	spin_unlock(&p->lock);
	return pa;
}

void frame_pool_free(struct frame_pool *p, paddr_t pa)
{
	u64 pfn = pa >> PAGE_SHIFT;

	/* Freeing a frame twice or one outside the pool is a core bug. */
	if (pfn == 0 || pfn >= p->nr_frames ||
	    !(p->bitmap[pfn / BITS] & (1ull << (pfn % BITS))))
		__builtin_trap();
	spin_lock(&p->lock);
	frame_mark(p, pfn, false);
	spin_unlock(&p->lock);
}

u64 frame_pool_free_count(struct frame_pool *p)
{
	return READ_ONCE(p->nr_free);
}
