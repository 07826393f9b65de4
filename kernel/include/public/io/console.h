/*
 * The console ring page of a domain (Xen's io/console.h layout): bytes typed
 * for the domain go through in[], bytes it prints through out[]; each ring's
 * indexes are free-running u32, masked into the array. The domain produces
 * out_prod and consumes in_cons; the console daemon the other two. Either
 * side notifies the console event channel after moving an index.
 */
#ifndef PUBLIC_IO_CONSOLE_H
#define PUBLIC_IO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

/* Slot of index idx in ring (in or out, a power-of-two char array). */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];			/* to the domain */
	char out[2048];			/* from the domain */
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

_Static_assert(offsetof(struct xencons_interface, in_cons) == 3072, "in_cons at 3072");
_Static_assert(offsetof(struct xencons_interface, out_cons) == 3080, "out_cons at 3080");

#endif
