/* Physical frame allocator: one bit per 4 KiB frame, set = in use. */
#ifndef BULKHEAD_FRAME_H
#define BULKHEAD_FRAME_H

#include "types.h"
#include "spinlock.h"

struct frame_pool {
	u64 *bitmap;		/* nr_frames bits; set bit = frame not free */
	u64 nr_frames;		/* frames below the top of RAM */
	u64 nr_free;		/* under lock */
	u64 hint;		/* word index to start searching at; under lock */
	spinlock_t lock;
};

/* All frames start in use; frame_pool_release() hands free RAM over. The
 * bitmap must hold nr_frames bits. */
void frame_pool_init(struct frame_pool *p, u64 *bitmap, u64 nr_frames);
void frame_pool_release(struct frame_pool *p, paddr_t start, paddr_t end);
void frame_pool_reserve(struct frame_pool *p, paddr_t start, paddr_t end);
/* A free frame's address, or 0 when none is left (frame 0 is never free). */
paddr_t frame_pool_alloc(struct frame_pool *p);
void frame_pool_free(struct frame_pool *p, paddr_t pa);
u64 frame_pool_free_count(struct frame_pool *p);

/* The core's pool of all RAM, and zeroed pages from it (identity-mapped). */
extern struct frame_pool frames;
void *page_alloc(void);
void page_free(void *page);
static inline paddr_t virt_to_phys(const void *p) { return (paddr_t)(uintptr_t)p; }
static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)pa; }

#endif
