/*
 * An ATAPI CD/DVD-ROM drive's command set (MMC-5 / SPC-3), read-only, one
 * data track. See atapi.h; ide.c carries the packets.
 *
 * Sense rules: every command ends GOOD (sense cleared) or CHECK CONDITION
 * (sense set). A pending UNIT ATTENTION fails the first command other than
 * INQUIRY, REQUEST SENSE and GET EVENT STATUS NOTIFICATION (SPC-3 5.9.7,
 * MMC-5 4.1.6.1); REQUEST SENSE reports and clears it.
 */
#include "atapi.h"

#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_SAVING_UNSUPPORTED 0x39
#define ASC_NO_MEDIUM 0x3a
#define ASC_REMOVAL_PREVENTED 0x53

#define CD_MAX_BLOCKS 360000u	/* 80 min * 60 s * 75 blocks: larger is a DVD */

struct atapi_op {
	struct dm_atapi *a;
	const uint8_t *cdb;
	uint8_t *buf;
	size_t size;
	struct dm_atapi_reply *r;
};

typedef void (*atapi_fn)(struct atapi_op *op);

/* ---- helpers ----------------------------------------------------------- */

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | be16(p + 2); }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

static void atapi_sense(struct dm_atapi *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
	a->key = key;
	a->asc = asc;
	a->ascq = ascq;
}

static void atapi_fail(struct atapi_op *op, uint8_t key, uint8_t asc, uint8_t ascq)
{
	atapi_sense(op->a, key, asc, ascq);
	op->r->kind = DM_ATAPI_CHECK;
	op->r->sense_key = key;
}

static void atapi_invalid_field(struct atapi_op *op)
{
	atapi_fail(op, DM_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

/* A reply of len bytes already in buf, cut to the allocation length. */
static void atapi_data(struct atapi_op *op, size_t len, size_t alloc)
{
	if (len > alloc)
		len = alloc;
	op->r->kind = len ? DM_ATAPI_DATA : DM_ATAPI_NODATA;
	op->r->len = len;
}

bool dm_atapi_has_medium(const struct dm_atapi *a)
{
	return a->blk && a->blk->present && !a->tray_open && a->blk->sectors >= 4;
}

uint64_t dm_atapi_blocks(const struct dm_atapi *a)
{
	return dm_atapi_has_medium(a) ? a->blk->sectors / 4 : 0;
}

static bool atapi_is_dvd(const struct dm_atapi *a)
{
	return dm_atapi_blocks(a) > CD_MAX_BLOCKS;
}

/* Address as LBA, or as MSF (MMC-5 table 604: LBA 0 is 00:02:00). */
static void atapi_put_addr(uint8_t *p, uint64_t lba, bool msf)
{
	if (!msf) {
		put32(p, (uint32_t)lba);
		return;
	}
	lba += 150;
	p[0] = 0;
	p[1] = (uint8_t)(lba / (60 * 75) > 255 ? 255 : lba / (60 * 75));
	p[2] = (uint8_t)(lba / 75 % 60);
	p[3] = (uint8_t)(lba % 75);
}

/* ---- SPC commands ----------------------------------------------------- */

static void atapi_test_unit_ready(struct atapi_op *op) { op->r->kind = DM_ATAPI_NODATA; }

static void atapi_request_sense(struct atapi_op *op)
{
	struct dm_atapi *a = op->a;
	uint8_t *b = op->buf;

	memset(b, 0, 18);
	b[0] = 0x70;			/* current error, fixed format (SPC-3 4.5.3) */
	b[7] = 10;
	if (a->attention) {
		a->attention = false;
		atapi_sense(a, DM_SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
	}
	b[2] = a->key;
	b[12] = a->asc;
	b[13] = a->ascq;
	atapi_data(op, 18, op->cdb[4]);
}

static void atapi_inquiry(struct atapi_op *op)
{
	uint8_t *b = op->buf;

	if ((op->cdb[1] & 1) || op->cdb[2]) {	/* no VPD pages */
		atapi_invalid_field(op);
		return;
	}
	memset(b, 0, 36);
	b[0] = 0x05;			/* CD/DVD device */
	b[1] = 0x80;			/* removable */
	b[2] = 0x05;			/* SPC-3 */
	b[3] = 0x02;			/* response data format 2 */
	b[4] = 36 - 5;
	memcpy(b + 8, "BULKHEAD", 8);
	memcpy(b + 16, "DVD-ROM         ", 16);
	memcpy(b + 32, "1.0 ", 4);
	atapi_data(op, 36, be16(op->cdb + 3));
}

static void atapi_prevent_allow(struct atapi_op *op)
{
	op->a->locked = op->cdb[4] & 1;
	op->r->kind = DM_ATAPI_NODATA;
}

/* START STOP UNIT (MMC-5 6.39): LoEj with Start clear opens the tray. */
static void atapi_start_stop(struct atapi_op *op)
{
	struct dm_atapi *a = op->a;
	bool start = op->cdb[4] & 1, loej = op->cdb[4] & 2;

	op->r->kind = DM_ATAPI_NODATA;
	if (!loej)
		return;
	if (!start) {
		if (a->locked) {
			atapi_fail(op, DM_SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
			return;
		}
		if (!a->tray_open && a->blk && a->blk->present)
			a->event = 3;		/* media removal */
		a->tray_open = true;
	} else if (a->tray_open) {
		a->tray_open = false;
		if (dm_atapi_has_medium(a)) {
			a->event = 2;		/* new media */
			a->attention = true;
		}
	}
}

/* ---- MODE SENSE: pages 0x01, 0x0e, 0x2a (MMC-5 7.2, 7.3, 6.3 of MMC-3) -- */

static size_t atapi_page(const struct dm_atapi *a, unsigned page, bool changeable, uint8_t *p)
{
	size_t len;

	switch (page) {
	case 0x01:			/* read error recovery */
		len = 12;
		memset(p, 0, len);
		p[3] = 5;		/* read retry count */
		break;
	case 0x0e:			/* CD audio control */
		len = 16;
		memset(p, 0, len);
		p[2] = 0x04;		/* IMMED */
		p[8] = 1, p[9] = 0xff;	/* port 0: channel 0, full volume */
		p[10] = 2, p[11] = 0xff;
		break;
	case 0x2a:			/* capabilities and mechanical status */
		len = 22;
		memset(p, 0, len);
		p[2] = 0x0b;		/* reads CD-R, CD-RW, DVD-ROM */
		p[4] = 0x70;		/* mode 2 form 1/2, multi-session */
		p[6] = 0x29 | (a->locked ? 2 : 0);	/* tray, eject, lock */
		put16(p + 8, 706 * 4);	/* max read speed, kB/s (obsolete) */
		put16(p + 12, 512);	/* buffer, KiB */
		put16(p + 14, 706 * 4);
		break;
	default:
		return 0;
	}
	p[0] = (uint8_t)page;
	p[1] = (uint8_t)(len - 2);
	if (changeable)
		memset(p + 2, 0, len - 2);
	return len;
}

static void atapi_mode_sense(struct atapi_op *op)
{
	static const uint8_t all[] = { 0x01, 0x0e, 0x2a };
	bool ten = op->cdb[0] == 0x5a;
	unsigned page = op->cdb[2] & 0x3f, pc = op->cdb[2] >> 6;
	size_t hdr = ten ? 8 : 4, len = hdr;
	uint8_t *b = op->buf;

	if (pc == 3) {
		atapi_fail(op, DM_SENSE_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
		return;
	}
	memset(b, 0, hdr);
	for (unsigned i = 0; i < sizeof(all); i++)
		if (page == 0x3f || page == all[i])
			len += atapi_page(op->a, all[i], pc == 1, b + len);
	if (len == hdr || op->cdb[3]) {		/* unknown page or subpage */
		atapi_invalid_field(op);
		return;
	}
	if (ten) {
		put16(b, (uint32_t)len - 2);
		b[2] = dm_atapi_has_medium(op->a) ? 0x01 : 0x70;	/* medium type */
	} else {
		b[0] = (uint8_t)(len - 1);
		b[1] = dm_atapi_has_medium(op->a) ? 0x01 : 0x70;
	}
	atapi_data(op, len, ten ? be16(op->cdb + 7) : op->cdb[4]);
}

/* ---- MMC: capacity, reads, TOC, disc and track information ----------- */

static void atapi_read_capacity(struct atapi_op *op)
{
	put32(op->buf, (uint32_t)(dm_atapi_blocks(op->a) - 1));
	put32(op->buf + 4, DM_ATAPI_BLOCK);
	atapi_data(op, 8, 8);
}

/* READ(10), READ(12), READ CD (user data only) and SEEK: range checked. */
static void atapi_read(struct atapi_op *op)
{
	const uint8_t *c = op->cdb;
	uint64_t lba = be32(c + 2), n;

	switch (c[0]) {
	case 0x28: n = be16(c + 7); break;
	case 0xa8: n = be32(c + 6); break;
	case 0xbe:			/* READ CD (MMC-5 6.19): user data of mode 1 only */
		n = (uint32_t)c[6] << 16 | be16(c + 7);
		if (!c[9])
			n = 0;		/* no fields asked for: nothing moves */
		else if ((c[9] & 0xfe) != 0x10 || c[10] || ((c[1] >> 2) & 7) & ~2u) {
			atapi_invalid_field(op);
			return;
		}
		break;
	default: n = 0; break;		/* SEEK(10) */
	}
	if (lba + n > dm_atapi_blocks(op->a) || (c[0] == 0x2b && lba >= dm_atapi_blocks(op->a))) {
		atapi_fail(op, DM_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return;
	}
	op->r->kind = n ? DM_ATAPI_READ : DM_ATAPI_NODATA;
	op->r->lba = lba;
	op->r->blocks = (uint32_t)n;
}

/* READ TOC/PMA/ATIP (MMC-5 6.32): formats 0 (TOC) and 1 (session info). */
static void atapi_read_toc(struct atapi_op *op)
{
	const uint8_t *c = op->cdb;
	bool msf = c[1] & 2;
	unsigned fmt = c[2] & 0x0f, track = c[6];
	uint8_t *b = op->buf;
	size_t len = 4;

	if (!fmt)
		fmt = c[9] >> 6;	/* the older place of the format (SFF-8020i) */
	memset(b, 0, 20);
	b[2] = 1, b[3] = 1;
	if (fmt == 0) {
		if (track > 1 && track != 0xaa) {
			atapi_invalid_field(op);
			return;
		}
		if (track <= 1) {
			b[len + 1] = 0x14, b[len + 2] = 1;	/* ADR 1, data track 1 */
			atapi_put_addr(b + len + 4, 0, msf);
			len += 8;
		}
		b[len + 1] = 0x14, b[len + 2] = 0xaa;		/* lead-out */
		atapi_put_addr(b + len + 4, dm_atapi_blocks(op->a), msf);
		len += 8;
	} else if (fmt == 1) {
		b[len + 1] = 0x14, b[len + 2] = 1;
		atapi_put_addr(b + len + 4, 0, msf);
		len += 8;
	} else {
		atapi_invalid_field(op);
		return;
	}
	put16(b, (uint32_t)len - 2);
	atapi_data(op, len, be16(c + 7));
}

static void atapi_disc_info(struct atapi_op *op)
{
	uint8_t *b = op->buf;

	if (op->cdb[1] & 7) {		/* only standard disc information */
		atapi_invalid_field(op);
		return;
	}
	memset(b, 0, 34);
	put16(b, 32);
	b[2] = 0x0e;			/* last session complete, disc complete */
	b[3] = 1;			/* first track */
	b[4] = 1;			/* sessions */
	b[5] = 1, b[6] = 1;		/* first and last track of the last session */
	b[7] = 0x20;			/* unrestricted use */
	put32(b + 16, 0xffffffff);	/* no lead-in of a next session */
	put32(b + 20, 0xffffffff);
	atapi_data(op, 34, be16(op->cdb + 7));
}

static void atapi_track_info(struct atapi_op *op)
{
	const uint8_t *c = op->cdb;
	uint32_t n = be32(c + 2), blocks = (uint32_t)dm_atapi_blocks(op->a);
	uint8_t *b = op->buf;
	bool ok;

	switch (c[1] & 3) {
	case 0: ok = n < blocks; break;		/* the track holding LBA n */
	case 1: ok = n == 1; break;		/* track 1 */
	case 2: ok = n == 1; break;		/* session 1 */
	default: ok = false; break;
	}
	if (!ok) {
		atapi_invalid_field(op);
		return;
	}
	memset(b, 0, 36);
	put16(b, 34);
	b[2] = 1, b[3] = 1;		/* track 1, session 1 */
	b[5] = 0x04;			/* data track, recorded uninterrupted */
	b[6] = 0x01;			/* data mode 1 */
	put32(b + 24, blocks);		/* track size */
	put32(b + 28, blocks - 1);	/* last recorded address */
	atapi_data(op, 36, be16(c + 7));
}

static void atapi_read_subchannel(struct atapi_op *op)
{
	const uint8_t *c = op->cdb;
	uint8_t *b = op->buf;
	size_t len = 4;

	memset(b, 0, 16);
	b[1] = 0x15;			/* no current audio status */
	if ((c[2] & 0x40) && c[3] == 1) {	/* sub-Q, current position */
		b[4] = 1, b[5] = 0x14, b[6] = 1, b[7] = 1;
		atapi_put_addr(b + 8, 0, c[1] & 2);
		atapi_put_addr(b + 12, 0, c[1] & 2);
		len = 16;
	} else if (c[2] & 0x40) {
		atapi_invalid_field(op);
		return;
	}
	put16(b + 2, (uint32_t)len - 4);
	atapi_data(op, len, be16(c + 7));
}

static void atapi_mechanism_status(struct atapi_op *op)
{
	memset(op->buf, 0, 8);
	op->buf[1] = op->a->tray_open ? 0x10 : 0;	/* door open */
	atapi_data(op, 8, be16(op->cdb + 8));
}

static void atapi_nodata(struct atapi_op *op) { op->r->kind = DM_ATAPI_NODATA; }

/* ---- GET CONFIGURATION (MMC-5 5.2, 6.6) -------------------------------- */

/* Builds feature `code` at p; returns its length, 0 when the drive has none.
 * *cur says whether it is current. */
static size_t atapi_feature(const struct dm_atapi *a, unsigned code, uint8_t *p, bool *cur)
{
	bool medium = dm_atapi_has_medium(a), dvd = atapi_is_dvd(a);

	*cur = true;
	switch (code) {
	case 0x0000:			/* profile list: DVD-ROM, CD-ROM */
		memset(p, 0, 12);
		p[2] = 0x03, p[3] = 8;
		put16(p + 4, 0x0010), p[6] = medium && dvd;
		put16(p + 8, 0x0008), p[10] = medium && !dvd;
		return 12;
	case 0x0001:			/* core: ATAPI, DBE */
		memset(p, 0, 12);
		p[2] = 0x0b, p[3] = 8;
		put32(p + 4, 2);
		p[8] = 1;
		return 12;
	case 0x0002:			/* morphing: OCEvent (GESN polling) */
		memset(p, 0, 8);
		p[2] = 0x07, p[3] = 4, p[4] = 0x02;
		return 8;
	case 0x0003:			/* removable medium: tray, eject, lock */
		memset(p, 0, 8);
		p[2] = 0x03, p[3] = 4, p[4] = 0x29 | (a->locked ? 4 : 0);
		return 8;
	case 0x0010:			/* random readable */
		memset(p, 0, 12);
		*cur = medium;
		p[2] = medium ? 0x01 : 0, p[3] = 8;
		put32(p + 4, DM_ATAPI_BLOCK);
		put16(p + 8, dvd ? 16 : 1);
		return 12;
	}
	return 0;
}

static void atapi_get_configuration(struct atapi_op *op)
{
	static const uint16_t codes[] = { 0x0000, 0x0001, 0x0002, 0x0003, 0x0010 };
	unsigned rt = op->cdb[1] & 3, start = be16(op->cdb + 2);
	uint8_t *b = op->buf;
	size_t len = 8;

	if (rt == 3) {
		atapi_invalid_field(op);
		return;
	}
	memset(b, 0, 8);
	if (dm_atapi_has_medium(op->a))
		put16(b + 6, atapi_is_dvd(op->a) ? 0x0010 : 0x0008);	/* current profile */
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		bool cur;
		size_t n;

		if (codes[i] < start || (rt == 2 && codes[i] != start))
			continue;
		n = atapi_feature(op->a, codes[i], b + len, &cur);
		if (rt == 1 && !cur)
			continue;
		put16(b + len, codes[i]);
		len += n;
	}
	put32(b, (uint32_t)len - 4);
	atapi_data(op, len, be16(op->cdb + 7));
}

/* GET EVENT STATUS NOTIFICATION (MMC-5 6.8), polled, media class only. */
static void atapi_gesn(struct atapi_op *op)
{
	struct dm_atapi *a = op->a;
	uint8_t *b = op->buf;

	if (!(op->cdb[1] & 1)) {	/* asynchronous mode is not supported */
		atapi_invalid_field(op);
		return;
	}
	memset(b, 0, 8);
	b[3] = 0x10;			/* supported classes: media */
	if (!(op->cdb[4] & 0x10)) {
		b[1] = 2, b[2] = 0x80;	/* NEA: no event class asked that we have */
		atapi_data(op, 4, be16(op->cdb + 7));
		return;
	}
	b[1] = 6, b[2] = 0x04;		/* media class */
	b[4] = a->event;
	b[5] = dm_atapi_has_medium(a) ? 0x02 : 0;
	b[5] |= a->tray_open ? 0x01 : 0;
	a->event = 0;
	atapi_data(op, 8, be16(op->cdb + 7));
}

/* ---- dispatch ----------------------------------------------------------- */

#define NEEDS_MEDIUM 1
#define PASSES_ATTENTION 2

static const struct { uint8_t opcode, flags; atapi_fn fn; } atapi_cmds[] = {
	{ 0x00, NEEDS_MEDIUM, atapi_test_unit_ready },
	{ 0x03, PASSES_ATTENTION, atapi_request_sense },
	{ 0x12, PASSES_ATTENTION, atapi_inquiry },
	{ 0x1a, 0, atapi_mode_sense },
	{ 0x1b, 0, atapi_start_stop },
	{ 0x1e, 0, atapi_prevent_allow },
	{ 0x25, NEEDS_MEDIUM, atapi_read_capacity },
	{ 0x28, NEEDS_MEDIUM, atapi_read },
	{ 0x2b, NEEDS_MEDIUM, atapi_read },
	{ 0x42, NEEDS_MEDIUM, atapi_read_subchannel },
	{ 0x43, NEEDS_MEDIUM, atapi_read_toc },
	{ 0x46, 0, atapi_get_configuration },
	{ 0x4a, PASSES_ATTENTION, atapi_gesn },
	{ 0x51, NEEDS_MEDIUM, atapi_disc_info },
	{ 0x52, NEEDS_MEDIUM, atapi_track_info },
	{ 0x5a, 0, atapi_mode_sense },
	{ 0xa8, NEEDS_MEDIUM, atapi_read },
	{ 0xbb, 0, atapi_nodata },		/* SET CD SPEED */
	{ 0xbd, 0, atapi_mechanism_status },
	{ 0xbe, NEEDS_MEDIUM, atapi_read },
};

void dm_atapi_command(struct dm_atapi *a, const uint8_t *cdb, uint8_t *buf, size_t size,
		      struct dm_atapi_reply *r)
{
	struct atapi_op op = { a, cdb, buf, size, r };
	unsigned i, n = sizeof(atapi_cmds) / sizeof(atapi_cmds[0]);

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n && atapi_cmds[i].opcode != cdb[0]; i++)
		;
	if (i == n) {
		atapi_fail(&op, DM_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
	if (a->attention && !(atapi_cmds[i].flags & PASSES_ATTENTION)) {
		a->attention = false;
		atapi_fail(&op, DM_SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
		return;
	}
	if ((atapi_cmds[i].flags & NEEDS_MEDIUM) && !dm_atapi_has_medium(a)) {
		atapi_fail(&op, DM_SENSE_NOT_READY, ASC_NO_MEDIUM, a->tray_open ? 2 : 1);
		return;
	}
	atapi_cmds[i].fn(&op);
	if (r->kind != DM_ATAPI_CHECK)	/* GOOD; REQUEST SENSE reported it once */
		atapi_sense(a, DM_SENSE_NONE, 0, 0);
}

void dm_atapi_medium_error(struct dm_atapi *a)
{
	atapi_sense(a, DM_SENSE_MEDIUM_ERROR, 0x11, 0);	/* unrecovered read error */
}

void dm_atapi_init(struct dm_atapi *a, struct dm_blk *blk)
{
	memset(a, 0, sizeof(*a));
	a->blk = blk;
}

void dm_atapi_change(struct dm_atapi *a, struct dm_blk *blk)
{
	bool had = dm_atapi_has_medium(a);

	a->blk = blk;
	a->tray_open = false;
	a->locked = false;
	if (dm_atapi_has_medium(a)) {
		a->event = 2;		/* new media */
		a->attention = true;
	} else if (had) {
		a->event = 3;		/* media removal */
		a->attention = false;
	}
}
