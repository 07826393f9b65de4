/*
 * PIIX3 IDE command set (ATA-6 8): dispatch of a command register write,
 * IDENTIFY (PACKET) DEVICE, the ATA read/write/verify/flush and setup
 * commands in LBA28, LBA48 and CHS, and PACKET, which hands the CDB to
 * atapi.c. See ide.c.
 */
#include "ide_int.h"

/* ---- IDENTIFY ------------------------------------------------------------ */

static void ide_id_string(uint16_t *w, const char *s, unsigned words)
{
	for (unsigned i = 0; i < words * 2; i++) {
		char ch = *s ? *s++ : ' ';
		/* ATA strings: the first character in the high byte (ATA-6 8.15.x) */
		w[i / 2] = (uint16_t)(i & 1 ? (w[i / 2] & 0xff00) | (uint8_t)ch
					  : (uint16_t)((uint8_t)ch << 8));
	}
}

static void ide_id_serial(uint16_t *w, struct ide_chan *c, unsigned unit)
{
	char s[] = "BH0000000000000000";

	s[17] = (char)('0' + c->idx * 2 + unit);
	ide_id_string(w + 10, s, 10);
	ide_id_string(w + 23, "1.0", 4);
}

/* Words 62/63/88: supported modes low, the selected one high. */
static void ide_id_modes(uint16_t *w, struct ide_dev *d)
{
	w[63] = 0x0007 | (d->mwdma != 0xff ? 0x100 << d->mwdma : 0);
	w[64] = 0x0003;			/* PIO 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;
	w[88] = 0x003f | (d->udma != 0xff ? 0x100 << d->udma : 0);
}

/* Word 93, hardware reset result (ATA-6 8.15.52); SeaBIOS skips probing
 * device 1 when device 0 says it answers for it. */
static uint16_t ide_id_reset_result(struct ide_chan *c, unsigned unit)
{
	if (unit)
		return 0x4000 | 0x0300;
	return 0x4000 | 0x000b | (c->dev[1].present ? 0x0030 : 0x0040);
}

static void ide_identify_ata(struct ide_chan *c, struct ide_dev *d, uint16_t *w)
{
	uint64_t n = d->blk->sectors;
	uint32_t n28 = n > 0x0fffffff ? 0x0fffffff : (uint32_t)n;
	uint32_t chs = (uint32_t)d->cyls * d->heads * d->spt;

	w[0] = 0x0040;			/* fixed disk */
	w[1] = d->cyls, w[3] = d->heads, w[6] = d->spt;
	ide_id_serial(w, c, c->cur);
	ide_id_string(w + 27, "Bulkhead HARDDISK", 20);
	w[47] = 0x8000 | d->max_mult;
	w[48] = 1;			/* 32-bit PIO */
	w[49] = 0x0b00;			/* IORDY, LBA, DMA */
	w[50] = 0x4000;
	w[51] = w[52] = 0x0200;		/* PIO mode 2 timing */
	w[53] = 0x0007;			/* words 54-58, 64-70 and 88 valid */
	w[54] = d->cyls, w[55] = d->heads, w[56] = d->spt;
	w[57] = (uint16_t)chs, w[58] = (uint16_t)(chs >> 16);
	w[59] = d->mult ? 0x100 | d->mult : 0;
	w[60] = (uint16_t)n28, w[61] = (uint16_t)(n28 >> 16);
	ide_id_modes(w, d);
	w[80] = 0x00f0;			/* ATA-4 to ATA-7 */
	w[81] = 0x0016;
	w[82] = 0x4028;			/* NOP, write cache, power management */
	w[83] = 0x7400;			/* FLUSH CACHE (EXT), LBA48 */
	w[84] = 0x4000;
	w[85] = 0x4008 | (d->wcache ? 0x20 : 0);
	w[86] = 0x3400;
	w[87] = 0x4000;
	w[93] = ide_id_reset_result(c, c->cur);
	for (unsigned i = 0; i < 4; i++)
		w[100 + i] = (uint16_t)(n >> 16 * i);
}

static void ide_identify_atapi(struct ide_chan *c, struct ide_dev *d, uint16_t *w)
{
	w[0] = 0x85c0;			/* ATAPI CD-ROM, removable, fast DRQ, 12-byte CDB */
	ide_id_serial(w, c, c->cur);
	ide_id_string(w + 27, "Bulkhead DVD-ROM", 20);
	w[49] = 0x0b00;
	w[53] = 0x0006;
	ide_id_modes(w, d);
	w[71] = w[72] = 30;
	w[80] = 0x001e;			/* ATA-1 to ATA-4 */
	w[82] = 0x4210;			/* NOP, DEVICE RESET, PACKET */
	w[83] = 0x4000;
	w[84] = 0x4000;
	w[85] = 0x4210;
	w[86] = 0;
	w[87] = 0x4000;
	w[93] = ide_id_reset_result(c, c->cur);
}

static void ide_identify(struct ide_chan *c, struct ide_dev *d)
{
	uint16_t w[256] = { 0 };
	uint8_t sum = 0;

	if (d->atapi)
		ide_identify_atapi(c, d, w);
	else
		ide_identify_ata(c, d, w);
	w[255] = 0x00a5;		/* integrity word (ATA-6 8.15.61) */
	for (unsigned i = 0; i < 511; i++)
		sum = (uint8_t)(sum + (uint8_t)(w[i / 2] >> (i & 1) * 8));
	w[255] |= (uint16_t)((uint8_t)-sum << 8);
	for (unsigned i = 0; i < 256; i++) {
		c->buf[2 * i] = (uint8_t)w[i];
		c->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
	}
	c->nsec = 0;
	c->drq = IDE_SECTOR;
	ide_pio_in_begin(c, IDE_SECTOR);
}

/* ---- ATA commands ------------------------------------------------------- */

/* The command's LBA and count (ATA-6 6.2, CHS when the LBA bit is clear),
 * range-checked; false after aborting the command with IDNF. */
static bool ata_range(struct ide_chan *c, struct ide_dev *d, bool ext, uint64_t *lba,
		      uint64_t *count)
{
	struct ide_tf *t = &d->tf;

	if (ext) {
		*lba = t->lbal | (uint32_t)t->lbam << 8 | (uint32_t)t->lbah << 16 |
		       (uint64_t)t->hob_lbal << 24 | (uint64_t)t->hob_lbam << 32 |
		       (uint64_t)t->hob_lbah << 40;
		*count = t->nsect | (uint32_t)t->hob_nsect << 8;
		if (!*count)
			*count = 65536;
	} else {
		*count = t->nsect ? t->nsect : 256;
		if (t->device & 0x40) {
			*lba = t->lbal | (uint32_t)t->lbam << 8 | (uint32_t)t->lbah << 16 |
			       (uint32_t)(t->device & 0x0f) << 24;
		} else {
			unsigned cyl = t->lbam | t->lbah << 8, head = t->device & 0x0f;

			if (!t->lbal || t->lbal > d->spt || head >= d->heads) {
				ide_abort(c, ER_IDNF);
				return false;
			}
			*lba = ((uint64_t)cyl * d->heads + head) * d->spt + t->lbal - 1;
		}
	}
	if (*lba > d->blk->sectors || *count > d->blk->sectors - *lba) {
		ide_abort(c, ER_IDNF);
		return false;
	}
	return true;
}

/* READ/WRITE SECTORS, MULTIPLE and DMA, plain and EXT. */
static void ata_rw(struct ide_chan *c, struct ide_dev *d, bool ext, bool write, bool dma, bool mult)
{
	uint64_t lba, count;

	if ((mult && !d->mult) || (write && d->blk->readonly)) {
		ide_abort(c, ER_ABRT);
		return;
	}
	if (!ata_range(c, d, ext, &lba, &count))
		return;
	c->sector = lba;
	c->nsec = count;
	c->drq = (mult ? d->mult : 1) * IDE_SECTOR;
	c->fill = c->pos = 0;
	if (dma) {
		ide_dma_begin(c, !write);
	} else if (write) {
		c->xfer = XF_PIO_OUT;
		c->fill = ide_chunk(c) * IDE_SECTOR;
		ide_pio_out_open(c);		/* no interrupt before the first block */
	} else {
		ide_pio_in_begin(c, 0);
	}
}

static bool ata_flush_landed(struct ide_chan *c)
{
	if (c->xfer == XF_NONE)
		return false;
	if (c->io_status)
		ide_abort(c, ER_ABRT);
	else
		ide_finish(c, ST_OK, 0);
	return false;
}

/* SET FEATURES (ATA-6 8.36): transfer mode, write cache, no-op subcommands. */
static void ata_set_features(struct ide_chan *c, struct ide_dev *d)
{
	uint8_t v = d->tf.nsect;

	switch (d->tf.feature) {
	case 0x02: d->wcache = true; break;
	case 0x82: d->wcache = false; break;
	case 0x03:
		if (v <= 0x01 || (v >= 0x08 && v <= 0x0c))
			d->pio_mode = v >= 0x08 ? v & 7 : 0;
		else if (v >= 0x20 && v <= 0x22)
			d->mwdma = v & 7, d->udma = 0xff;
		else if (v >= 0x40 && v <= 0x45)
			d->udma = v & 7, d->mwdma = 0xff;
		else
			goto bad;
		break;
	case 0x55: case 0xaa: case 0x66: case 0xcc:	/* look-ahead, defaults on reset */
		break;
	default:
		goto bad;
	}
	ide_finish(c, ST_OK, 0);
	return;
bad:
	ide_abort(c, ER_ABRT);
}

static void ata_set_multiple(struct ide_chan *c, struct ide_dev *d)
{
	uint8_t n = d->tf.nsect;

	if (n > d->max_mult || (n & (n - 1))) {
		ide_abort(c, ER_ABRT);
		return;
	}
	d->mult = n;
	ide_finish(c, ST_OK, 0);
}

static void ata_init_params(struct ide_chan *c, struct ide_dev *d)
{
	uint64_t cyls;

	if (!d->tf.nsect) {
		ide_abort(c, ER_ABRT);
		return;
	}
	d->heads = (uint16_t)((d->tf.device & 0x0f) + 1);
	d->spt = d->tf.nsect;
	cyls = d->blk->sectors / ((uint64_t)d->heads * d->spt);
	d->cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
	ide_finish(c, ST_OK, 0);
}

/* ---- the PACKET command (ATA-6 8.21) -------------------------------------- */

static void atapi_cdb_drained(struct ide_chan *c)
{
	struct ide_dev *d = &c->dev[c->cur];
	struct dm_atapi_reply r;
	uint8_t cdb[DM_ATAPI_CDB];
	bool dma = d->tf.feature & 1;

	memcpy(cdb, c->buf, sizeof(cdb));
	dm_atapi_command(&d->cd, cdb, c->buf, IDE_BUF_SIZE, &r);
	c->fill = c->pos = 0;
	c->nsec = 0;
	switch (r.kind) {
	case DM_ATAPI_NODATA:
		ide_finish(c, ST_OK, 0);
		return;
	case DM_ATAPI_CHECK:
		ide_check_condition(c, r.sense_key);
		return;
	case DM_ATAPI_DATA:
		c->fill = r.len;
		break;
	case DM_ATAPI_READ:
		c->sector = r.lba * (DM_ATAPI_BLOCK / IDE_SECTOR);
		c->nsec = (uint64_t)r.blocks * (DM_ATAPI_BLOCK / IDE_SECTOR);
		break;
	}
	if (dma)
		ide_dma_begin(c, true);
	else
		ide_pio_in_begin(c, c->fill);
}

static void atapi_packet(struct ide_chan *c, struct ide_dev *d)
{
	size_t limit = d->tf.lbam | (size_t)d->tf.lbah << 8;

	/* A zero limit is a host error; an odd one is rounded down (8.21.4). */
	limit &= ~(size_t)1;
	c->drq = limit ? limit : 0xfffe;
	c->packet = true;
	c->xfer = XF_PIO_OUT;
	c->pos = 0;
	c->fill = DM_ATAPI_CDB;
	d->tf.nsect = IR_COD;
	ide_window(c, DM_ATAPI_CDB, atapi_cdb_drained);	/* DRQ without INTRQ (word 0 6:5) */
}

/* ---- command dispatch ---------------------------------------------------- */

#define FOR_ATA 1
#define FOR_ATAPI 2

static void ide_command(struct ide_chan *c, struct ide_dev *d, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: case 0x21: ata_rw(c, d, false, false, false, false); return;
	case 0x24: ata_rw(c, d, true, false, false, false); return;
	case 0x25: ata_rw(c, d, true, false, true, false); return;
	case 0x29: ata_rw(c, d, true, false, false, true); return;
	case 0x30: case 0x31: ata_rw(c, d, false, true, false, false); return;
	case 0x34: ata_rw(c, d, true, true, false, false); return;
	case 0x35: ata_rw(c, d, true, true, true, false); return;
	case 0x39: ata_rw(c, d, true, true, false, true); return;
	case 0xc4: ata_rw(c, d, false, false, false, true); return;
	case 0xc5: ata_rw(c, d, false, true, false, true); return;
	case 0xc8: case 0xc9: ata_rw(c, d, false, false, true, false); return;
	case 0xca: case 0xcb: ata_rw(c, d, false, true, true, false); return;
	case 0x40: case 0x41: case 0x42: {		/* READ VERIFY: range only */
		uint64_t lba, count;

		if (ata_range(c, d, cmd == 0x42, &lba, &count))
			ide_finish(c, ST_OK, 0);
		return;
	}
	case 0xe7: case 0xea:
		c->xfer = XF_NODATA;
		d->tf.status = ST_BSY;
		ide_run(c, ide_io(c, false, 0, ata_flush_landed));
		return;
	case 0xc6: ata_set_multiple(c, d); return;
	case 0x91: ata_init_params(c, d); return;
	case 0xe5: d->tf.nsect = 0xff; ide_finish(c, ST_OK, 0); return;	/* active */
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0x70:
	case 0x10: ide_finish(c, ST_OK, 0); return;
	case 0xec: case 0xa1: ide_identify(c, d); return;
	case 0xef: ata_set_features(c, d); return;
	case 0xa0: atapi_packet(c, d); return;
	}
	ide_abort(c, ER_ABRT);
}

static const struct { uint8_t lo, hi, who; } ide_cmd_ok[] = {
	{ 0x10, 0x10, FOR_ATA }, { 0x20, 0x21, FOR_ATA }, { 0x24, 0x25, FOR_ATA },
	{ 0x29, 0x29, FOR_ATA }, { 0x30, 0x31, FOR_ATA }, { 0x34, 0x35, FOR_ATA },
	{ 0x39, 0x39, FOR_ATA }, { 0x40, 0x42, FOR_ATA }, { 0x70, 0x70, FOR_ATA },
	{ 0x91, 0x91, FOR_ATA }, { 0xa0, 0xa1, FOR_ATAPI }, { 0xc4, 0xc6, FOR_ATA },
	{ 0xc8, 0xcb, FOR_ATA }, { 0xe0, 0xe3, FOR_ATA | FOR_ATAPI },
	{ 0xe5, 0xe5, FOR_ATA | FOR_ATAPI }, { 0xe7, 0xe7, FOR_ATA }, { 0xea, 0xea, FOR_ATA },
	{ 0xec, 0xec, FOR_ATA }, { 0xef, 0xef, FOR_ATA | FOR_ATAPI },
};

static void ide_diagnose(struct ide_chan *c)
{
	for (unsigned i = 0; i < 2; i++) {
		c->dev[i].irq = false;
		ide_signature(&c->dev[i]);
	}
	/* Device 0 reports for both (ATA-6 9.11). */
	ide_raise(c, &c->dev[c->dev[0].present ? 0 : c->cur]);
}

void ide_exec(struct ide_chan *c, uint8_t cmd)
{
	struct ide_dev *d = &c->dev[c->sel];
	unsigned who = d->atapi ? FOR_ATAPI : FOR_ATA;

	if (!d->present || c->inflight || (d->tf.status & ST_BSY))
		return;
	if (c->xfer != XF_NONE && c->cur != c->sel)	/* the other device's phase ends */
		c->dev[c->cur].tf.status &= (uint8_t)~ST_DRQ;
	c->cur = c->sel;
	c->xfer = XF_NONE;
	c->packet = false;
	d->irq = false;
	ide_update_irq(c);
	if (cmd == 0x90) {		/* EXECUTE DEVICE DIAGNOSTIC: both devices */
		ide_diagnose(c);
		return;
	}
	if (cmd == 0x08 && d->atapi) {	/* DEVICE RESET: no interrupt (9.2) */
		ide_signature(d);
		return;
	}
	for (unsigned i = 0; i < sizeof(ide_cmd_ok) / sizeof(ide_cmd_ok[0]); i++)
		if (cmd >= ide_cmd_ok[i].lo && cmd <= ide_cmd_ok[i].hi && (ide_cmd_ok[i].who & who)) {
			ide_command(c, d, cmd);
			return;
		}
	if (d->atapi && cmd == 0xec)	/* so the host knows it met a packet device */
		ide_signature(d);
	ide_abort(c, ER_ABRT);
}
