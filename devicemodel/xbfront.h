/*
 * What the device model's frontends (blkfront.c, netfront.c) share of the
 * xenbus protocol: reading a key of a node, waiting for the backend's
 * state, and following the backend the toolstack names in our node when it
 * re-homes the device onto a restarted driver domain.
 */
#ifndef DM_XBFRONT_H
#define DM_XBFRONT_H

#include <stdint.h>
#include "dom/xs.h"

/* The backend a frontend talks to, and the watch on its node. */
struct dm_xbf_backend {
	char *be;		/* its node (malloc'd) */
	uint16_t dom;
	const char *token;	/* of the watch on be */
	dom_xs_watch_fn changed;
	void *arg;
};

/* dir/key as a number; 0 or -errno. */
int dm_xbf_read_u64(const char *dir, const char *key, uint64_t *v);
/* Until b's state is want (0), or Closing/Closed/gone (-ENODEV), at most
 * ms (-ETIMEDOUT); waits for events meanwhile (blocks the main loop). */
int dm_xbf_wait(const struct dm_xbf_backend *b, uint64_t want, unsigned ms);
/* Follows fe's backend/backend-id to wherever the toolstack points them
 * now, moving the watch: 1 moved, 0 unchanged, -ENOENT while fe names none
 * (the toolstack is rewriting or removing it). */
int dm_xbf_follow(const char *fe, struct dm_xbf_backend *b);

#endif
