/*
 * The device model's disks over blkif rings (public/io/blkif.h): a blkif
 * frontend per emulated drive, talking to the backend the toolstack named
 * in /local/domain/<self>/device/vbd/<vdev> (Dom0's vbd backend today).
 *
 * dm_blkfront_open does the xenbus handshake, waiting (at most
 * DM_BLKFRONT_WAIT_MS per step) for the backend's InitWait, then grants the
 * ring page and the bounce pages (granted once, kept for the device's life),
 * allocates an event channel for the backend, writes ring-ref,
 * event-channel, protocol "x86_64-abi" and Initialised, and waits for
 * Connected. It blocks: call it while assembling the machine.
 *
 * The struct dm_blk it returns (devicemodel/blk.h) queues each request,
 * split into ring requests of up to 11 pages (44 KiB), and completes it from
 * dm_blkfront_poll(), which the main loop calls after every wake-up; done()
 * never runs in interrupt context or inside the submitting call, except
 * that once the backend is gone (its state Closing/Closed or its node
 * removed: a storage domain destroyed) every outstanding and every later
 * request completes with -ENODEV (later ones at once), and once a request
 * went unanswered for DM_BLKFRONT_REQ_TIMEOUT_MS the outstanding ones end
 * with -ETIMEDOUT (our state then Closed, so a live backend lets go). A
 * submit returns 0 when queued (done runs exactly once), or -EINVAL for a
 * request it refuses (len not a positive multiple of 512, over max_len, or
 * past the end), and then done never runs.
 *
 * A dead disk rejoins (dm_blkfront_poll, never blocking): it follows its
 * node's backend/backend-id to wherever the toolstack rewrote them (a
 * restarted storage domain), and when that backend (or the old one, after
 * a timeout) offers InitWait with the same number of sectors, it publishes
 * a fresh ring, grants and event channel, and on Connected serves requests
 * again. Nothing failed before is resubmitted; what was acknowledged was on
 * the backend's storage already (blk.h).
 *
 * Needs the xenstore client (dom/xs.h; opened here if main.c has not).
 */
#ifndef DM_BLKFRONT_H
#define DM_BLKFRONT_H

#include "blk.h"

#define DM_BLKFRONT_WAIT_MS 10000	/* per handshake step */
#define DM_BLKFRONT_MAX_LEN (128u * 1024)	/* struct dm_blk max_len */
#define DM_BLKFRONT_REQ_TIMEOUT_MS 30000	/* a ring request's answer; Linux's ATA timeout */
#define DM_BLKFRONT_REQ_TIMEOUT_TEXT "30 s"

/* vdev: the xenstore device number (hda 768, hdb 832, hdc 5632, hdd 5696).
 * 0 and *out, or -ENOENT (no such node), -ETIMEDOUT, -ENODEV (the backend
 * refused: its hotplug-error is logged), -ENOMEM, or another -errno. */
int dm_blkfront_open(unsigned int vdev, struct dm_blk **out);

/* Completes answered requests and queues waiting ones; main loop only. */
void dm_blkfront_poll(void);

#endif
