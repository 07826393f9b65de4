/* Ticket spinlocks. Host builds of mechanisms are single-threaded: no-ops. */
#ifndef BULKHEAD_SPINLOCK_H
#define BULKHEAD_SPINLOCK_H

#include "types.h"

typedef struct {
	volatile u16 next, owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

#ifdef BULKHEAD_HOST
static inline void spin_lock(spinlock_t *l) { (void)l; }
static inline void spin_unlock(spinlock_t *l) { (void)l; }
#else
static inline void spin_lock(spinlock_t *l)
{
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		__asm__ __volatile__("pause");
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}
#endif

#endif
