/*
 * The xenbus side of a blkif backend (REFERENCE §4, xenbus states): the
 * state machine of dom0/vbd.c over an env struct (xenstore access, opening a
 * disk by its params, event channels, grants), so that Dom0 (its own
 * in-process store) and the blkback domain (a xenstore client) run the
 * same code; blkif_back.c serves the rings.
 *
 * The toolstack writes SELF/backend/vbd/F/V (frontend, frontend-id, params,
 * mode, device-type, removable, state 1) and the frontend's node. Per device:
 *   new node     open params (env->open), write sectors, sector-size, info,
 *                feature-flush-cache, feature-barrier, max-ring-page-order
 *                (4, or 0 if env->gops has no map_ring), multi-queue-max-queues 4,
 *                feature-max-indirect-segments 256, feature-persistent 1, and
 *                if the disk can discard: feature-discard 1, discard-granularity
 *                512, discard-alignment 0, discard-secure 0; then InitWait (2);
 *                params the env refuses: "<errno> <what>: <text>" in
 *                SELF/error/backend/vbd/F/V/error, hotplug-status "error" and
 *                hotplug-error in our node, Closed (6)
 *   frontend 3/4 read multi-queue-num-queues (absent: 1; else 1..4), ring-page-order
 *                (absent: one page named by ring-ref; else 0..max, pages
 *                ring-ref0..), feature-persistent; per queue (the frontend's
 *                node for one queue, else its queue-N/) map the ring pages
 *                and bind event-channel (protocol x86_64-abi); Connected (4).
 *                Anything missing or out of range: the error node and Closed.
 *   frontend 5   unmap, unbind, Closing (5); frontend 6 or gone: Closed (6)
 *   frontend 1 again after Closed: InitWait (a reconnect)
 *   node removed: everything released, the disk closed (env->close).
 * A ring the frontend breaks disconnects that device only (error node, Closed).
 *
 * No allocation and no libc beyond <string.h>, so it builds on the host
 * (test/unit/test_vbd_back.c). Threading: none; one main loop.
 */
#ifndef BLKBACK_VBD_BACK_H
#define BLKBACK_VBD_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "blkif_back.h"
#include "xb_back.h"

#define VBD_BACK_MAX 32
#define VBD_BACK_BUDGET 32	/* requests per ring per pass */
#define VBD_BACK_QUEUES 4	/* multi-queue-max-queues */
#define VBD_BACK_PERSISTENT 1	/* feature-persistent */

/* An open disk. ops NULL: no medium (an empty CD drive, 0 sectors). */
struct vbd_back_disk {
	const struct blkif_back_store_ops *ops;
	void *ctx;
	uint64_t sectors;		/* 512-byte sectors */
	bool readonly;
	void *priv;			/* the env's */
};

/* The store (xs: xb_back.h; xs.ctx is every callback's ctx), the disks,
 * the event channels, the grants. */
struct vbd_back_env {
	struct xb_back_store xs;
	/* Disks by params ("" included: the env decides); 0 or -errno. */
	int (*open)(void *ctx, const char *params, bool readonly, struct vbd_back_disk *d);
	void (*close)(void *ctx, struct vbd_back_disk *d);
	/* Event channels: bind gives the local port or -errno. */
	int (*bind)(void *ctx, uint16_t domid, uint32_t remote_port);
	void (*unbind)(void *ctx, unsigned port);
	void (*notify)(void *ctx, unsigned port);
	/* Optional: events seen on port since the last call (cleared). */
	unsigned (*take)(void *ctx, unsigned port);
	const struct blkif_back_grant_ops *gops;
	void *gctx;
};

struct vbd_back {
	struct xb_back_dev xb;		/* first: xb.id is the vdev */
	bool have_disk;
	struct vbd_back_disk disk;
	bool readonly;			/* as published in info */
	bool discard;			/* feature-discard published */
	unsigned int nr_queues;		/* connected rings: bb[0..nr_queues-1] */
	struct blkif_back bb[VBD_BACK_QUEUES];
	int port[VBD_BACK_QUEUES];	/* each queue's bound event channel, -1 none */
	bool more;			/* requests left over from the last pass */
};

struct vbd_back_set {
	const struct vbd_back_env *env;
	struct xb_back_set xb;
	struct vbd_back v[VBD_BACK_MAX];
};

void vbd_back_set_init(struct vbd_back_set *s, const struct vbd_back_env *env, uint16_t self);
/* Rereads the backend tree: new devices start, every device follows its
 * frontend, removed ones are released. Call after any store change. */
void vbd_back_scan(struct vbd_back_set *s);
/* Serves every connected ring a budget of requests; true if any has more. */
bool vbd_back_serve(struct vbd_back_set *s);
/* Releases every device (the domain is going away). */
void vbd_back_release_all(struct vbd_back_set *s);
/* The device serving frontend fe_dom's vdev, or NULL. */
struct vbd_back *vbd_back_find(struct vbd_back_set *s, uint16_t fe_dom, uint32_t vdev);

#endif
