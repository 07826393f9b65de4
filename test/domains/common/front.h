/*
 * What the hostile frontend test domains (blkhostile, nethostile) share:
 * their FAIL lines (the first 20 of them, prefixed by the program's name),
 * a fixed-seed xorshift, and a frontend's side of xenbus: our device node
 * (fe), its backend's (be), the backend's state and waiting for it.
 */
#ifndef TEST_DOMAINS_FRONT_H
#define TEST_DOMAINS_FRONT_H

#include <stdbool.h>
#include <stdint.h>

struct front {
	const char *name;		/* "nethostile" */
	char fe[96], be[128];
	unsigned long fails;
	uint64_t rnd;			/* xorshift state, not 0 */
};

/* "NAME: FAIL: <message>", counted; printed for the first 20. */
void front_fail(struct front *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t front_rnd(struct front *f);
/* The backend's state; Closed when it cannot be read. */
uint64_t front_be_state(const struct front *f);
/* fe/key = fmt with v (one %u). */
void front_put(const struct front *f, const char *key, const char *fmt, unsigned v);
/* Until the backend is in state a or b, at most ms; false on timeout. */
bool front_wait_be(const struct front *f, uint64_t a, uint64_t b, unsigned ms);

#endif
