/*
 * The blkif backend's mechanism (public/io/blkif.h): one ring of one
 * frontend, served in order. Everything the frontend controls (the ring
 * indexes, each request) is copied out of the shared page once, checked
 * with no side effects, and only then acted on; a request that fails a check
 * gets an error response, an impossible ring index stops the ring for good
 * (the owner disconnects). Grant mapping and storage come through ops
 * tables, so this file builds on the host (test/unit/test_blkback.c) and
 * runs unchanged in Dom0 (dom0/vbd.c) or a driver domain.
 *
 * Storage is synchronous: a request's response is written only after its
 * storage calls returned, so a write is answered once its data is stored,
 * and a flush once every request before it (processed in ring order) has
 * completed.
 *
 * Threading: none; the owner calls in from one main loop.
 */
#ifndef BLKIF_BACK_H
#define BLKIF_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "public/io/blkif.h"

/* Foreign pages: map the frontend's grant ref (one 4 KiB page); 0 or -errno. */
struct blkif_back_grant_ops {
	int (*map)(void *ctx, uint16_t domid, uint32_t ref, bool readonly, void **addr,
		   uint32_t *handle);
	void (*unmap)(void *ctx, void *addr, uint32_t handle);
};

/* The device's bytes; off and len are multiples of 512 inside the device.
 * 0 or -errno (-ENOSPC: no room for a sparse write). discard may be NULL. */
struct blkif_back_store_ops {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	int (*discard)(void *ctx, uint64_t off, uint64_t len);
};

/* What a request was found to be (counted per class in struct blkif_back). */
enum blkif_back_verdict {
	BLKIF_BACK_OK,
	BLKIF_BACK_BAD_SEGS,		/* nr_segments 0 where data is needed, or > 11 */
	BLKIF_BACK_BAD_SECT,		/* first_sect > last_sect, or last_sect > 7 */
	BLKIF_BACK_BAD_RANGE,		/* beyond the device's end */
	BLKIF_BACK_READONLY,		/* a write to a read-only device */
	BLKIF_BACK_UNSUPPORTED,		/* unknown or unsupported operation */
	BLKIF_BACK_MAP_FAILED,		/* a segment's grant would not map */
	BLKIF_BACK_IO_ERROR,		/* storage failed */
	BLKIF_BACK_NR_VERDICTS
};

struct blkif_back {
	/* Set by the owner before blkif_back_connect, constant afterwards. */
	uint16_t domid;			/* the frontend */
	uint64_t sectors;		/* device size in 512-byte sectors */
	bool readonly;
	const struct blkif_back_grant_ops *gops;
	void *gctx;
	const struct blkif_back_store_ops *sops;
	void *sctx;

	/* Private. */
	struct blkif_back_ring ring;
	void *ring_page;
	uint32_t ring_handle;
	bool connected;
	bool broken;			/* impossible index seen: serves nothing more */
	uint64_t counts[BLKIF_BACK_NR_VERDICTS];
};

/* blkif_back_process results */
#define BLKIF_BACK_NOTIFY 1u	/* responses published: send an event */
#define BLKIF_BACK_MORE 2u	/* requests left after the budget: call again */
#define BLKIF_BACK_BROKEN 4u	/* the frontend broke the ring: disconnect */

/* Maps the frontend's ring page (ref) and attaches to it. 0 or -errno. */
int blkif_back_connect(struct blkif_back *b, uint32_t ring_ref);
/* Unmaps the ring; safe to call twice. */
void blkif_back_disconnect(struct blkif_back *b);
/* Serves up to budget requests; BLKIF_BACK_* flags. */
unsigned int blkif_back_process(struct blkif_back *b, unsigned int budget);

/* Checks a request copied out of the ring (no side effects): the verdict,
 * and for a data request its byte count in *bytes. Exposed for tests. */
enum blkif_back_verdict blkif_back_check(const struct blkif_back *b,
					 const struct blkif_request *req, uint64_t *bytes);

#endif
