/*
 * Volumes on one disk (issue 8 §3): named ranges of sectors ("tank/xendisk0")
 * kept as GPT partitions of type gpt_type_volume (gpt.h). The blkback
 * domain creates, destroys and lists them for Dom0 and serves each as a
 * blkif disk through volumes_store_ops, every access clamped to the volume.
 *
 * The disk at open:
 *   a valid GPT (primary, or backup if the primary is bad)  used; a bad
 *       primary is rewritten from the backup (v->warn says so)
 *   blank: no "EFI PART" signature at LBA 1 nor at the last LBA, and no
 *       MBR boot signature (55 AA) at LBA 0           a fresh empty GPT is
 *       written (v->created)
 *   anything else (a GPT signature with no valid copy, an MBR-only disk)
 *       refused with -EINVAL: never overwrite what may be someone's data.
 * Partitions of other types are kept and never served; their names are
 * still taken (gpt_add refuses a duplicate).
 *
 * The disk comes through struct volumes_disk (whole sectors by LBA), so the
 * file builds on the host (test/unit/test_volumes.c). No allocation.
 * Threading: none; one caller.
 */
#ifndef BLKBACK_VOLUMES_H
#define BLKBACK_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gpt.h"
#include "blkif_back.h"

/* The disk: read/write count sectors of sector_size bytes at lba (inside
 * the disk), flush its write cache, make count sectors at lba read as
 * zeros; 0 or -errno. */
struct volumes_disk {
	uint32_t sector_size;		/* power of two, 512..4096 */
	uint64_t sectors;
	void *ctx;
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
	int (*flush)(void *ctx);
	int (*zero)(void *ctx, uint64_t lba, uint64_t count);
	/* Optional: a batch (blk_iov.h), each io at a byte offset of the
	 * disk, each io's rc set; NULL: read/write per piece. */
	void (*rw)(void *ctx, struct blk_io *ios, unsigned int n);
	/* zero is the disk's own command (NVMe Write Zeroes: no data moves),
	 * so guests are offered discard (volumes_store_ops_discard). */
	bool zero_native;
};

/* A volume opened for a vbd: the ctx of volumes_store_ops. */
struct volumes_ref {
	struct volumes *v;
	int slot;			/* -1: not open */
	uint64_t first, count;		/* the volume's LBAs on the disk */
};

struct volumes {
	struct volumes_disk disk;
	struct gpt_io io;
	bool created;			/* volumes_open wrote a fresh GPT */
	const char *why;		/* why the last call failed */
	const char *warn;		/* volumes_open: what was repaired */
	uint32_t users[GPT_MAX_PARTS];	/* open refs per slot */
	struct gpt_table t;
};

/* What volumes_list reports of one volume. */
struct volumes_info {
	char name[GPT_NAME_LEN + 1];
	uint64_t bytes;
	uint32_t users;
};

/* Reads or creates the table (rules above); new_guid names a fresh table. 0 or -errno. */
int volumes_open(struct volumes *v, const struct volumes_disk *d, const struct gpt_guid *new_guid);

/* Creates name (1..36 printable ASCII, '/' allowed) of bytes (> 0, rounded
 * up to whole sectors): zeroes its sectors and flushes (a destroyed
 * volume's data never shows through to the next one), then writes the
 * table. 0, -EINVAL, -EEXIST, -ENOSPC or the zero or write error (the table
 * is then as before, in memory and on the disk). */
int volumes_create(struct volumes *v, const char *name, uint64_t bytes);
/* Destroys name: -ENOENT, -EBUSY while open by a vbd, or the write error. */
int volumes_destroy(struct volumes *v, const char *name);
/* Up to max volumes into out, in slot order; returns how many exist. */
unsigned volumes_list(const struct volumes *v, struct volumes_info *out, unsigned max);
/* Bytes of volume name, or 0 if there is none. */
uint64_t volumes_size(const struct volumes *v, const char *name);

/* Opens name for a vbd (counted: destroy refuses it while open). 0, -ENOENT. */
int volumes_get(struct volumes *v, const char *name, struct volumes_ref *r);
void volumes_put(struct volumes_ref *r);

/* Byte-addressed access to an open volume (off, len multiples of the disk's
 * sector size; -EINVAL otherwise, or outside the volume: never reaching
 * another volume). These are volumes_store_ops, whose ctx is the ref. */
int volumes_read(void *ref, uint64_t off, void *buf, size_t len);
int volumes_write(void *ref, uint64_t off, const void *buf, size_t len);
int volumes_flush(void *ref);
/* A batch (blkif_back_store_ops.rw): each io at a byte offset of the
 * volume, its pieces' total its length, clamped as above (-EINVAL, that io
 * only); the disk's rw runs them (a piece need not be whole sectors), or
 * without one, read/write per piece. Each io's rc set. */
void volumes_rw(void *ref, struct blk_io *ios, unsigned int n);
/* blkif discard (discard-secure 0: what the range then reads is not
 * promised; here it reads as zeros), clamped as above, by the disk's zero. */
int volumes_discard(void *ref, uint64_t off, uint64_t len);
extern const struct blkif_back_store_ops volumes_store_ops;
/* The same with discard, for a disk with zero_native. */
extern const struct blkif_back_store_ops volumes_store_ops_discard;

#endif
