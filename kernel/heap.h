/* The core's heap: small objects in power-of-two size classes. */
#ifndef BULKHEAD_HEAP_H
#define BULKHEAD_HEAP_H

#include "types.h"

#define HEAP_MAX_OBJECT 2048

/* Zeroed memory for size <= HEAP_MAX_OBJECT bytes, or NULL. */
void *kzalloc(size_t size);
void kfree(void *p);

#endif
