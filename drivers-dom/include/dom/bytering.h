/*
 * Byte rings shared with another domain: the console page's in[] and out[]
 * (public/io/console.h) and the xenstore page's req[] and rsp[]
 * (public/io/xs_wire.h) are all a power-of-two char array with free-running
 * u32 consumer and producer indexes. Producer side: dom_bytering_put; consumer
 * side: dom_bytering_get. Both order their accesses to the shared indexes
 * (data before the index that publishes it, the index before the data it
 * covers) and treat an impossible peer index as an empty or full ring.
 * Mechanism only: builds on the host for unit tests.
 */
#ifndef DOM_BYTERING_H
#define DOM_BYTERING_H

#include <stddef.h>
#include <stdint.h>

struct dom_bytering {
	volatile char *data;
	uint32_t size;			/* power of two */
	volatile uint32_t *cons, *prod;
};

/* Copies up to len bytes in; returns how many fit. */
size_t dom_bytering_put(const struct dom_bytering *r, const char *buf, size_t len);
/* Copies up to len bytes out; returns how many there were. */
size_t dom_bytering_get(const struct dom_bytering *r, char *buf, size_t len);
/* Bytes waiting to be consumed (0 for an impossible producer index). */
uint32_t dom_bytering_used(const struct dom_bytering *r);

#endif
