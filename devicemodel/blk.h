/*
 * A block device as the IDE/ATAPI model sees it (ide.c, atapi.c): 512-byte
 * sectors, asynchronous requests on buffers in the device model's own
 * memory. blkfront.c implements it over a blkif ring (REFERENCE §4); the
 * host tests implement it over a buffer. `done` may be called before the
 * submitting call returns (a memory backend) or later from the main loop
 * (blkfront): callers must handle both. status: 0, or a negative errno
 * (-EIO for a failed request, -ENODEV when the backend is gone).
 * A write completes only after the data reached the backend's storage.
 */
#ifndef DM_BLK_H
#define DM_BLK_H

#include "dm.h"

typedef void (*dm_blk_done)(void *arg, int status);

struct dm_blk_ops {
	int (*read)(void *ctx, uint64_t sector, void *buf, size_t len, dm_blk_done done, void *arg);
	int (*write)(void *ctx, uint64_t sector, const void *buf, size_t len, dm_blk_done done,
		     void *arg);
	int (*flush)(void *ctx, dm_blk_done done, void *arg);
};

struct dm_blk {
	const struct dm_blk_ops *ops;
	void *ctx;
	uint64_t sectors;	/* 512-byte sectors; 0 with no medium */
	bool readonly;
	bool cdrom;		/* an ATAPI device (hdc:cdrom) */
	bool present;		/* medium inserted (a CD drive may be empty) */
	size_t max_len;		/* largest request in bytes (>= 4096) */
};

#endif
