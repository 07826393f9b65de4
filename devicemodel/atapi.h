/*
 * The MMC command set of an ATAPI CD/DVD-ROM drive (atapi.c), apart from
 * the ATA PACKET protocol that carries it (ide.c). dm_atapi_command decodes
 * one 12-byte CDB and says what the data phase is: none, bytes it built in
 * the caller's buffer, or 2048-byte blocks the caller reads from the medium
 * (ide.c does the asynchronous block I/O, then reports a failure with
 * dm_atapi_medium_error). Sense data, unit attentions and media events live
 * here. Medium present: blk && blk->present && at least one 2048-byte block.
 */
#ifndef DM_ATAPI_H
#define DM_ATAPI_H

#include "dm.h"
#include "blk.h"

#define DM_ATAPI_BLOCK 2048u
#define DM_ATAPI_CDB 12u
/* The reply buffer dm_atapi_command needs at least. */
#define DM_ATAPI_MIN_BUF 4096u

/* Sense keys (SPC-3 table 27) the drive reports. */
#define DM_SENSE_NONE 0x00
#define DM_SENSE_NOT_READY 0x02
#define DM_SENSE_MEDIUM_ERROR 0x03
#define DM_SENSE_ILLEGAL_REQUEST 0x05
#define DM_SENSE_UNIT_ATTENTION 0x06

enum dm_atapi_kind {
	DM_ATAPI_NODATA,	/* command done, GOOD status */
	DM_ATAPI_DATA,		/* reply.len bytes in buf to send, then GOOD */
	DM_ATAPI_READ,		/* read reply.blocks blocks from reply.lba, then GOOD */
	DM_ATAPI_CHECK,		/* CHECK CONDITION: sense set, sense_key for the error register */
};

struct dm_atapi_reply {
	enum dm_atapi_kind kind;
	size_t len;		/* DATA: bytes in buf (already cut to the allocation length) */
	uint64_t lba;		/* READ */
	uint32_t blocks;	/* READ: >= 1 */
	uint8_t sense_key;	/* CHECK */
};

struct dm_atapi {
	struct dm_blk *blk;	/* NULL: empty drive */
	bool tray_open;		/* ejected by START STOP UNIT */
	bool locked;		/* PREVENT ALLOW MEDIUM REMOVAL */
	bool attention;		/* UNIT ATTENTION (medium may have changed) pending */
	uint8_t event;		/* pending GESN media event code (MMC-5 table 149), 0 none */
	uint8_t key, asc, ascq;	/* sense of the last command */
};

void dm_atapi_init(struct dm_atapi *a, struct dm_blk *blk);
/* A new medium (blk with present set), or none (NULL): unit attention and
 * a GESN media event as a drive whose disc was swapped would report. */
void dm_atapi_change(struct dm_atapi *a, struct dm_blk *blk);
bool dm_atapi_has_medium(const struct dm_atapi *a);
/* Capacity in 2048-byte blocks (0 without a medium). */
uint64_t dm_atapi_blocks(const struct dm_atapi *a);
/* Decodes cdb; buf (size >= DM_ATAPI_MIN_BUF) receives DATA replies. */
void dm_atapi_command(struct dm_atapi *a, const uint8_t *cdb, uint8_t *buf, size_t size,
		      struct dm_atapi_reply *r);
/* A READ's block I/O failed: MEDIUM ERROR / UNRECOVERED READ ERROR. */
void dm_atapi_medium_error(struct dm_atapi *a);

#endif
