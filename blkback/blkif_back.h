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
 * Beyond the one-page ring of 11-segment requests, as the owner enables
 * them: rings of up to 16 pages, BLKIF_OP_INDIRECT requests of up to 256
 * segments (their descriptors copied out of the indirect pages once, then
 * checked), and persistent grants (data pages kept mapped, by ref, up to a
 * bound; beyond it mapped per request). A frontend with several queues gets
 * one struct blkif_back per queue.
 *
 * Storage is synchronous: a request's response is written only after its
 * storage calls returned, so a write is answered once its data is stored,
 * and a flush once every request before it (processed in ring order) has
 * completed. With a store that has rw, consecutive reads and writes of a
 * pass go to it as one batch (up to BLKIF_BACK_BATCH requests and
 * BLKIF_BACK_BATCH_SEGS segments, none overlapping another), which it may
 * run concurrently; any other operation, or an overlap, ends the batch
 * first, so a flush or barrier still follows everything before it.
 *
 * Threading: none; the owner calls in from one main loop.
 */
#ifndef BLKIF_BACK_H
#define BLKIF_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "public/io/blkif.h"
#include "blk_iov.h"

/*
 * Foreign pages. map: the frontend's grant ref (one 4 KiB page) at *addr,
 * read-only or writable; 0 or -errno. unmap undoes one map.
 *
 * map_ring and unmap_ring are optional (both or neither); they serve rings of
 * more than one page (max-ring-page-order > 0), which must be contiguous in
 * our address space. map_ring maps refs[0..nr-1] (nr a power of two, 2..16),
 * writable, at nr contiguous pages from *addr, refs[i] at *addr + i * 4096,
 * and stores each page's handle in handles[i]; 0 or -errno, and on failure
 * nothing stays mapped (all or nothing). unmap_ring undoes one map_ring: the
 * same addr, handles and nr. Without them (NULL), rings are one page only and
 * the owner advertises max-ring-page-order 0 (blkif_back_max_ring_order).
 */
struct blkif_back_grant_ops {
	int (*map)(void *ctx, uint16_t domid, uint32_t ref, bool readonly, void **addr,
		   uint32_t *handle);
	void (*unmap)(void *ctx, void *addr, uint32_t handle);
	int (*map_ring)(void *ctx, uint16_t domid, const uint32_t *refs, unsigned int nr,
			void **addr, uint32_t *handles);
	void (*unmap_ring)(void *ctx, void *addr, const uint32_t *handles, unsigned int nr);
};

/* The device's bytes; off and len are multiples of 512 inside the device.
 * 0 or -errno (-ENOSPC: no room for a sparse write). discard may be NULL.
 * rw is optional: a batch of data requests in one call (blk_iov.h), each
 * io a request's bytes at byte off, its segments as the pieces in order
 * (each a multiple of 512, the total inside the device), no two ios
 * overlapping; the store may run them concurrently, and returns once every
 * one is done, each rc set. Without it, read or write per segment. */
struct blkif_back_store_ops {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	int (*discard)(void *ctx, uint64_t off, uint64_t len);
	void (*rw)(void *ctx, struct blk_io *ios, unsigned int n);
};

/* What a request was found to be (counted per class in struct blkif_back). */
enum blkif_back_verdict {
	BLKIF_BACK_OK,
	BLKIF_BACK_BAD_SEGS,		/* nr_segments 0 where data is needed, or > 11
					 * (indirect: > max_indirect) */
	BLKIF_BACK_BAD_SECT,		/* first_sect > last_sect, or last_sect > 7 */
	BLKIF_BACK_BAD_RANGE,		/* beyond the device's end */
	BLKIF_BACK_READONLY,		/* a write to a read-only device */
	BLKIF_BACK_UNSUPPORTED,		/* unknown or unsupported operation */
	BLKIF_BACK_MAP_FAILED,		/* a segment's (or indirect page's) grant would not map */
	BLKIF_BACK_IO_ERROR,		/* storage failed */
	BLKIF_BACK_NR_VERDICTS
};

/* Limits (Linux blkback's defaults where it has one). */
#define BLKIF_BACK_MAX_RING_ORDER 4		/* max-ring-page-order: 16 pages, 512 slots */
#define BLKIF_BACK_MAX_RING_PAGES (1u << BLKIF_BACK_MAX_RING_ORDER)
#define BLKIF_BACK_MAX_INDIRECT 256		/* feature-max-indirect-segments */
#define BLKIF_BACK_MAX_INDIRECT_PAGES \
	((BLKIF_BACK_MAX_INDIRECT + BLKIF_SEGS_PER_INDIRECT_FRAME - 1) / BLKIF_SEGS_PER_INDIRECT_FRAME)
#define BLKIF_BACK_PGRANTS 1056			/* persistent grants per ring, at most */
#define BLKIF_BACK_PGRANT_SLOTS 2048		/* their hash index: a power of two > 1.9x */
#define BLKIF_BACK_BATCH 16			/* requests per store rw call */
#define BLKIF_BACK_BATCH_SEGS (4 * BLKIF_BACK_MAX_INDIRECT)	/* their segments */

/* A data grant kept mapped for the ring's life (feature-persistent). */
struct blkif_back_pgrant {
	void *addr;
	uint32_t ref;
	uint32_t handle;
};

struct blkif_back {
	/* Set by the owner before blkif_back_connect, constant afterwards. */
	uint16_t domid;			/* the frontend */
	uint64_t sectors;		/* device size in 512-byte sectors */
	bool readonly;
	bool no_discard;	/* discard not offered (discard-enable 0): unsupported */
	const struct blkif_back_grant_ops *gops;
	void *gctx;
	const struct blkif_back_store_ops *sops;
	void *sctx;
	/* Optional features (0/false: off, the old behaviour). */
	uint16_t max_indirect;		/* BLKIF_OP_INDIRECT segments, <= BLKIF_BACK_MAX_INDIRECT */
	bool persistent;		/* the frontend said feature-persistent 1 */
	uint16_t persistent_max;	/* grants kept mapped, <= BLKIF_BACK_PGRANTS (0: that) */

	/* Private. */
	struct blkif_back_ring ring;
	void *ring_page;
	unsigned int ring_pages;	/* 1: mapped with map, else with map_ring */
	uint32_t ring_handles[BLKIF_BACK_MAX_RING_PAGES];
	bool connected;
	bool broken;			/* impossible index seen: serves nothing more */
	uint64_t counts[BLKIF_BACK_NR_VERDICTS];
	uint64_t pgrant_hits;		/* segments served from a persistent grant */
	/* Persistent grants: pgrants[0..nr_pgrants-1], found by ref through
	 * pgrant_slot (open addressing, entry index + 1, 0 empty; entries are only
	 * added while connected and all dropped at disconnect). */
	unsigned int nr_pgrants;
	struct blkif_back_pgrant pgrants[BLKIF_BACK_PGRANTS];
	bool pgrant_rw[BLKIF_BACK_PGRANTS];	/* mapped writable */
	uint16_t pgrant_slot[BLKIF_BACK_PGRANT_SLOTS];
	/* One request's scratch: its segments copied out of the indirect pages.
	 * (The data pages mapped for the requests of a batch are in
	 * blkif_back.c's one scratch area: a batch never outlives a call.) */
	struct blkif_request_segment segs[BLKIF_BACK_MAX_INDIRECT];
	uint64_t batches, batched;	/* store rw calls, and the requests they carried */
};

/* blkif_back_process results */
#define BLKIF_BACK_NOTIFY 1u	/* responses published: send an event */
#define BLKIF_BACK_MORE 2u	/* requests left after the budget: call again */
#define BLKIF_BACK_BROKEN 4u	/* the frontend broke the ring: disconnect */

/* Maps the frontend's ring page (ref) and attaches to it. 0 or -errno. */
int blkif_back_connect(struct blkif_back *b, uint32_t ring_ref);
/* The same for a ring of nr_pages pages (a power of two up to
 * BLKIF_BACK_MAX_RING_PAGES; more than one needs gops->map_ring). */
int blkif_back_connect_ring(struct blkif_back *b, const uint32_t *refs, unsigned int nr_pages);
/* The largest ring-page-order these grant ops can serve (0 without map_ring). */
unsigned int blkif_back_max_ring_order(const struct blkif_back_grant_ops *gops);
/* Unmaps the ring and every persistent grant; safe to call twice. */
void blkif_back_disconnect(struct blkif_back *b);
/* Serves up to budget requests; BLKIF_BACK_* flags. */
unsigned int blkif_back_process(struct blkif_back *b, unsigned int budget);

/* Checks a request copied out of the ring (no side effects): the verdict,
 * and for a data request its byte count in *bytes. For BLKIF_OP_INDIRECT
 * only the request itself (operation, segment count, access): its segments
 * are checked by blkif_back_check_indirect once copied. Exposed for tests. */
enum blkif_back_verdict blkif_back_check(const struct blkif_back *b,
					 const struct blkif_request *req, uint64_t *bytes);
/* Checks an indirect request and its segments (nr_segments of segs, copied
 * out of its indirect pages), no side effects; *bytes as above. */
enum blkif_back_verdict blkif_back_check_indirect(const struct blkif_back *b,
						  const struct blkif_request_indirect *req,
						  const struct blkif_request_segment *segs,
						  uint64_t *bytes);

#endif
