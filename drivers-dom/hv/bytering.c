/* Byte rings with free-running indexes (dom/bytering.h). */
#include "dom.h"
#include "dom/bytering.h"

/* x86 keeps loads ordered with loads and stores with stores (TSO): stopping
 * the compiler is enough between data and index accesses. */
#define ORDER() __asm__ __volatile__("" ::: "memory")

uint32_t dom_bytering_used(const struct dom_bytering *r)
{
	uint32_t used = *r->prod - *r->cons;

	return used > r->size ? 0 : used;
}

size_t dom_bytering_put(const struct dom_bytering *r, const char *buf, size_t len)
{
	uint32_t cons = *r->cons, prod = *r->prod;
	size_t n = 0;

	ORDER();
	if (prod - cons > r->size)
		return 0;	/* the peer broke the indexes: write nothing */
	while (n < len && prod - cons < r->size)
		r->data[prod++ & (r->size - 1)] = buf[n++];
	ORDER();
	*r->prod = prod;
	return n;
}

size_t dom_bytering_get(const struct dom_bytering *r, char *buf, size_t len)
{
	uint32_t cons = *r->cons, prod = *r->prod;
	size_t n = 0;

	ORDER();
	if (prod - cons > r->size)
		return 0;
	while (n < len && cons != prod)
		buf[n++] = r->data[cons++ & (r->size - 1)];
	ORDER();
	*r->cons = cons;
	return n;
}
