/*
 * GUID partition tables (UEFI 2.x §5.3): read, check and write the table
 * that keeps a storage domain's volumes (named like "tank/xendisk0") as
 * partitions of one real disk. Groundwork for issue 8; nothing links it yet.
 *
 * The disk comes through a tiny I/O struct (whole sectors, by LBA), so the
 * file builds on the host (test/unit/test_gpt.c). No allocation: the one
 * sector of scratch the reader and writer need lives in struct gpt_table.
 *
 * Everything on the disk is hostile until checked: gpt_read validates both
 * CRCs and every field and offset against the disk's size before using it,
 * and reads nothing outside the disk.
 *
 * Threading: none; one caller per table.
 */
#ifndef BLKBACK_GPT_H
#define BLKBACK_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPT_MAX_PARTS 128		/* slots in a table; also the count gpt_write writes */
#define GPT_NAME_LEN 36			/* UTF-16 code units in an entry's name */
#define GPT_MIN_SECTOR 512
#define GPT_MAX_SECTOR 4096
#define GPT_MAX_ARRAY (1u << 20)	/* entry count * entry size we accept on read */

/* A GUID as its 16 bytes on disk (the first three fields little-endian). */
struct gpt_guid {
	uint8_t b[16];
};

/* Our volumes' partition type, ba865f60-e6ca-4692-a8cc-2dd6dc106697 (made up). */
extern const struct gpt_guid gpt_type_volume;

/*
 * The disk. sector_size is a power of two in 512..4096; sectors is the
 * disk's size in sectors. read/write move count whole sectors at lba
 * (always inside the disk) and return 0 or -errno. write may be NULL for
 * gpt_read.
 */
struct gpt_io {
	uint32_t sector_size;
	uint64_t sectors;
	void *ctx;
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
};

/* One slot. Unused slots have used == false (a zero type GUID on disk). */
struct gpt_part {
	bool used;
	char name[GPT_NAME_LEN + 1];	/* UTF-8; non-ASCII and controls read as '?' */
	uint16_t name16[GPT_NAME_LEN];	/* the name as on disk, written back unchanged */
	uint64_t first, last;		/* LBAs, inclusive */
	uint64_t attrs;
	struct gpt_guid type, uuid;
};

struct gpt_table {
	uint32_t sector_size;
	uint64_t sectors;
	uint64_t first_usable, last_usable;	/* inclusive */
	struct gpt_guid disk_guid;
	struct gpt_part part[GPT_MAX_PARTS];	/* slot i is entry i on disk */
	/* Why the last gpt_* call failed (NULL if it did not). */
	const char *why;
	/* gpt_read: set on success when something was repaired around, e.g.
	 * "primary GPT invalid, backup used"; primary_why then says why. */
	const char *warn;
	const char *primary_why, *backup_why;
	/* Private: one sector of scratch for gpt_read and gpt_write. */
	uint8_t scratch[GPT_MAX_SECTOR];
};

/* IEEE 802.3 CRC-32 (reflected, 0xEDB88320), as the GPT uses: crc starts at 0. */
uint32_t gpt_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * An empty table for io's disk with the usual layout: 128 entries of 128
 * bytes after the primary header and before the backup one, everything in
 * between usable. 0, or -EINVAL (odd sector size, disk too small).
 */
int gpt_init(struct gpt_table *t, const struct gpt_io *io, const struct gpt_guid *disk_guid);

/*
 * Read the primary GPT (LBA 1); if it is invalid, the backup (last LBA).
 * Fills t on success (0). Otherwise -EINVAL (no valid GPT, or bad io
 * geometry) or the read callback's error (-EIO), with t->why set and t's
 * partitions cleared.
 */
int gpt_read(const struct gpt_io *io, struct gpt_table *t);

/*
 * Write t as protective MBR, primary and backup GPT (128 entries of 128
 * bytes at LBA 2 and just before the last LBA), backup first so an
 * interrupted write leaves one valid copy. t must fit io's disk and be
 * consistent (parts inside the usable range, not overlapping). Changes
 * only t->scratch and t->why. 0, -EINVAL (t->why says why) or the write
 * error.
 */
int gpt_write(const struct gpt_io *io, struct gpt_table *t);

/*
 * Add a volume: name is 1..36 printable ASCII characters, not in use;
 * size_sectors > 0. Placed at the first 1 MiB aligned gap that fits, in the
 * first free slot, type gpt_type_volume, a unique GUID derived from the
 * disk GUID and the start LBA. 0 and *out_index, or -EINVAL (bad name or
 * size), -EEXIST (name in use), -ENOSPC (no free slot or no gap).
 */
int gpt_add(struct gpt_table *t, const char *name, uint64_t size_sectors, int *out_index);

/* Remove the volume called name: 0 or -ENOENT. */
int gpt_remove(struct gpt_table *t, const char *name);

/* The slot of the partition called name (exact match), or -ENOENT. */
int gpt_find(const struct gpt_table *t, const char *name);

#endif
