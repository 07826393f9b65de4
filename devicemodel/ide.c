/*
 * PIIX3 IDE: two legacy channels, ATA disks and ATAPI drives, PIO and
 * bus-master DMA (see ide.h). References: ATA/ATAPI-6 (T13 1410D) for the
 * task file and protocols, SFF-8038i for bus-master DMA, the PIIX3
 * datasheet (290550) for the PCI function.
 *
 * Each device keeps its own task file; host writes go to both devices of a
 * channel, reads come from the selected one (ATA-6 5.2). A missing device 1
 * reads status 0 (device 0 answers for it, ATA-6 9.16), a channel without
 * devices floats (0x7f status: the host's pull-down on DD7).
 *
 * Block I/O runs in chunks through the channel's buffer. A request's done
 * callback may come before the submit returns: ide_io reports that, and
 * ide_run then loops over the next steps instead of recursing. While a
 * request is in flight the buffer is the backend's, so new commands are
 * refused and a software reset completes only when the request has.
 */
#include "ide.h"
#include "atapi.h"

#define IDE_BUF_SIZE (128u * 1024)	/* one chunk: 256 sectors, 64 CD blocks */
#define IDE_SECTOR 512u
#define IDE_MAX_PRD 8192u		/* a PRD table fits in 64 KiB (SFF-8038i 2.2.2) */

/* Status, error, device control (ATA-6 7.15, 7.9, 7.8). */
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DSC 0x10
#define ST_DRDY 0x40
#define ST_BSY 0x80
#define ST_OK (ST_DRDY | ST_DSC)
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC 0x40
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB 0x80
#define IR_COD 0x01			/* ATAPI interrupt reason (ATA-6 8.21) */
#define IR_IO 0x02
/* Bus master (SFF-8038i 3.1). */
#define BM_START 0x01
#define BM_TO_MEM 0x08
#define BM_ACTIVE 0x01
#define BM_ERROR 0x02
#define BM_INTR 0x04
#define BM_CAP 0x60

enum ide_xfer { XF_NONE, XF_NODATA, XF_PIO_IN, XF_PIO_OUT, XF_DMA_IN, XF_DMA_OUT };

struct ide_tf {
	uint8_t feature, nsect, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
	uint8_t device, status, error;
};

struct ide_dev {
	bool present, atapi;
	struct dm_blk *blk;		/* ATA: the disk */
	struct dm_atapi cd;		/* ATAPI: the drive and its medium */
	struct ide_tf tf;
	bool irq;			/* INTRQ pending */
	uint8_t mult;			/* READ/WRITE MULTIPLE sectors, 0 = off */
	uint8_t max_mult;
	uint8_t pio_mode, mwdma, udma;	/* selected: mode number, 0xff = none */
	bool wcache;
	uint16_t cyls, heads, spt;	/* current CHS translation */
};

struct ide_chan;
typedef bool (*ide_step)(struct ide_chan *c);

struct ide_chan {
	struct dm_ide *ide;
	unsigned idx, sel;
	struct ide_dev dev[2];
	uint8_t ctl;
	bool line;			/* last level sent on IRQ 14/15 */
	/* The command in progress (device cur). */
	unsigned cur;
	enum ide_xfer xfer;
	bool packet;			/* ATAPI data phase (byte count, reason) */
	uint64_t sector, nsec;		/* block I/O still to do */
	size_t fill, pos, end;		/* data in buf; PIO window [pos, end) */
	size_t drq;			/* ATA: DRQ block bytes; ATAPI: byte count limit */
	void (*drained)(struct ide_chan *c);
	/* Block I/O. */
	uint8_t *buf;
	bool inflight, in_submit, reset_wait;
	int io_status;
	size_t io_len;
	ide_step io_next;
	/* Bus master. */
	uint8_t bm_cmd, bm_status;
	uint32_t bm_prd, prd_next, prd_addr, prd_left, prd_count;
	bool prd_last;
	struct dm_region cmd_region, ctl_region;
};

struct dm_ide {
	struct dm_env *env;
	struct dm_bus *bus;
	struct dm_pci_dev pci;
	struct ide_chan chan[2];
};

static void ide_run(struct ide_chan *c, bool ready);

/* ---- interrupts and completion ----------------------------------------- */

static void ide_update_irq(struct ide_chan *c)
{
	struct ide_dev *d = &c->dev[c->sel];
	bool level = d->present && d->irq && !(c->ctl & CTL_NIEN);

	if (level != c->line) {
		c->line = level;
		dm_irq_set_isa(14 + c->idx, level);
	}
}

/* The device asserts INTRQ; PIIX latches it in the BM status (SFF-8038i 3.1). */
static void ide_raise(struct ide_chan *c, struct ide_dev *d)
{
	d->irq = true;
	c->bm_status |= BM_INTR;
	ide_update_irq(c);
}

static void ide_finish(struct ide_chan *c, uint8_t status, uint8_t error)
{
	struct ide_dev *d = &c->dev[c->cur];

	c->xfer = XF_NONE;
	d->tf.status = status;
	d->tf.error = error;
	if (d->atapi)
		d->tf.nsect = IR_IO | IR_COD;
	ide_raise(c, d);
}

static void ide_abort(struct ide_chan *c, uint8_t error)
{
	ide_finish(c, ST_OK | ST_ERR, error);
}

/* ATAPI CHECK CONDITION: the sense key in the error register (ATA-6 8.21). */
static void ide_check_condition(struct ide_chan *c, uint8_t key)
{
	ide_finish(c, ST_OK | ST_ERR, (uint8_t)(key << 4) | (key == DM_SENSE_ILLEGAL_REQUEST ? ER_ABRT : 0));
}

/* ---- block I/O ----------------------------------------------------------- */

static struct dm_blk *ide_medium(struct ide_chan *c)
{
	struct ide_dev *d = &c->dev[c->cur];

	return d->atapi ? d->cd.blk : d->blk;
}

static void ide_io_done(void *arg, int status)
{
	struct ide_chan *c = arg;

	c->inflight = false;
	c->io_status = status;
	if (!c->in_submit)
		ide_run(c, true);
}

/* Reads or writes io_len bytes of buf at c->sector; next consumes the result.
 * True when it already completed (the caller's ide_run loop goes on). */
static bool ide_io(struct ide_chan *c, bool write, size_t len, ide_step next)
{
	struct dm_blk *b = ide_medium(c);
	int rc;

	c->io_next = next;
	c->io_len = len;
	c->io_status = 0;
	/* The medium may have changed under an ATAPI command: never past its end. */
	if (!b || !b->ops || (len && (c->sector > b->sectors ||
				      len / IDE_SECTOR > b->sectors - c->sector))) {
		c->io_status = -1;
		return true;
	}
	c->inflight = true;
	c->in_submit = true;
	if (!len)
		rc = b->ops->flush(b->ctx, ide_io_done, c);
	else if (write)
		rc = b->ops->write(b->ctx, c->sector, c->buf, len, ide_io_done, c);
	else
		rc = b->ops->read(b->ctx, c->sector, c->buf, len, ide_io_done, c);
	c->in_submit = false;
	if (rc < 0 && c->inflight) {
		c->inflight = false;
		c->io_status = rc;
	}
	return !c->inflight;
}

static void ide_reset_finish(struct ide_chan *c);

static void ide_run(struct ide_chan *c, bool ready)
{
	while (ready && !c->inflight) {
		if (c->reset_wait) {
			ide_reset_finish(c);
			return;
		}
		ready = c->io_next(c);
	}
}

/* Sectors per chunk: the buffer, the backend's limit, whole DRQ blocks. */
static uint64_t ide_chunk(struct ide_chan *c)
{
	struct dm_blk *b = ide_medium(c);
	uint64_t n = IDE_BUF_SIZE / IDE_SECTOR, per = c->packet ? 1 : c->drq / IDE_SECTOR;

	if (b && b->max_len / IDE_SECTOR < n)
		n = b->max_len / IDE_SECTOR;
	if (per > 1 && n >= per)
		n -= n % per;
	if (n > c->nsec)
		n = c->nsec;
	return n ? n : 1;
}

/* ---- bus-master DMA --------------------------------------------------- */

/* Moves len bytes between p and the PRD table's regions. False on a table
 * that ends too soon, is too long or points outside RAM (the engine then
 * stops with its error bit, like a master abort). */
static bool ide_prd_copy(struct ide_chan *c, bool to_mem, uint8_t *p, size_t len)
{
	struct dm_env *env = c->ide->env;

	while (len) {
		if (!c->prd_left) {
			uint8_t e[8];

			if (c->prd_last || c->prd_count >= IDE_MAX_PRD ||
			    env->mem_read(env->ctx, c->prd_next, e, 8))
				return false;
			c->prd_addr = (e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24) & ~1u;
			c->prd_left = (e[4] | e[5] << 8) & 0xfffe;
			if (!c->prd_left)
				c->prd_left = 0x10000;
			c->prd_last = e[7] & 0x80;
			c->prd_next += 8;
			c->prd_count++;
		}
		size_t n = len < c->prd_left ? len : c->prd_left;
		int rc = to_mem ? env->mem_write(env->ctx, c->prd_addr, p, n)
				: env->mem_read(env->ctx, c->prd_addr, p, n);
		if (rc)
			return false;
		c->prd_addr += (uint32_t)n;
		c->prd_left -= (uint32_t)n;
		p += n;
		len -= n;
	}
	return true;
}

static void ide_dma_end(struct ide_chan *c, bool ok)
{
	if (!ok) {
		c->bm_status = (uint8_t)((c->bm_status & ~BM_ACTIVE) | BM_ERROR);
		ide_abort(c, ER_ABRT);
		return;
	}
	/* A table longer than the transfer leaves the engine active (3.1). */
	if (c->prd_last && !c->prd_left)
		c->bm_status &= (uint8_t)~BM_ACTIVE;
	ide_finish(c, ST_OK, 0);
}

static bool ide_dma_read_landed(struct ide_chan *c);
static bool ide_dma_write_landed(struct ide_chan *c);

/* Moves what it can; returns true when a block request completed at once. */
static bool ide_dma_step(struct ide_chan *c)
{
	bool in = c->xfer == XF_DMA_IN;

	if ((c->xfer != XF_DMA_IN && c->xfer != XF_DMA_OUT) || c->inflight ||
	    !(c->bm_status & BM_ACTIVE) || !!(c->bm_cmd & BM_TO_MEM) != in)
		return false;
	if (in) {
		if (c->pos < c->fill && !ide_prd_copy(c, true, c->buf + c->pos, c->fill - c->pos)) {
			ide_dma_end(c, false);
			return false;
		}
		c->pos = c->fill;
		if (c->nsec)
			return ide_io(c, false, ide_chunk(c) * IDE_SECTOR, ide_dma_read_landed);
	} else if (c->nsec) {
		size_t len = ide_chunk(c) * IDE_SECTOR;

		if (!ide_prd_copy(c, false, c->buf, len)) {
			ide_dma_end(c, false);
			return false;
		}
		return ide_io(c, true, len, ide_dma_write_landed);
	}
	ide_dma_end(c, true);
	return false;
}

static void ide_io_failed(struct ide_chan *c, bool write)
{
	struct ide_dev *d = &c->dev[c->cur];

	if (d->atapi) {
		dm_atapi_medium_error(&d->cd);
		ide_check_condition(c, DM_SENSE_MEDIUM_ERROR);
	} else {
		ide_abort(c, write ? ER_ABRT : ER_UNC);
	}
}

/* A block request ended: false if the command is gone or the request
 * failed (the command then ends in error), else its sectors are done. */
static bool ide_landed(struct ide_chan *c, bool write)
{
	if (c->xfer == XF_NONE)
		return false;
	if (c->io_status) {
		ide_io_failed(c, write);
		return false;
	}
	c->sector += c->io_len / IDE_SECTOR;
	c->nsec -= c->io_len / IDE_SECTOR;
	return true;
}

/* A chunk arrived in buf: the common part of PIO and DMA reads. */
static bool ide_read_landed(struct ide_chan *c)
{
	if (!ide_landed(c, false))
		return false;
	c->fill = c->io_len;
	c->pos = 0;
	return true;
}

static bool ide_dma_read_landed(struct ide_chan *c)
{
	return ide_read_landed(c) && ide_dma_step(c);
}

static bool ide_dma_write_landed(struct ide_chan *c)
{
	return ide_landed(c, true) && ide_dma_step(c);
}

static void ide_dma_begin(struct ide_chan *c, bool in)
{
	c->xfer = in ? XF_DMA_IN : XF_DMA_OUT;
	c->dev[c->cur].tf.status = ST_OK | ST_DRQ;
	ide_run(c, ide_dma_step(c));
}

static uint8_t ide_bm_byte(struct ide_chan *c, unsigned off)
{
	switch (off) {
	case 0: return c->bm_cmd;
	case 2: return c->bm_status;
	case 4: case 5: case 6: case 7: return (uint8_t)(c->bm_prd >> (off - 4) * 8);
	}
	return 0;
}

static void ide_bm_set_byte(struct ide_chan *c, unsigned off, uint8_t v)
{
	switch (off) {
	case 0:
		if ((v & BM_START) && !(c->bm_cmd & BM_START)) {
			/* Start: the engine fetches the table from its start. */
			c->prd_next = c->bm_prd;
			c->prd_left = c->prd_count = 0;
			c->prd_last = false;
			c->bm_status |= BM_ACTIVE;
		} else if (!(v & BM_START)) {
			c->bm_status &= (uint8_t)~BM_ACTIVE;
		}
		c->bm_cmd = v & (BM_START | BM_TO_MEM);
		ide_run(c, ide_dma_step(c));
		break;
	case 2:
		c->bm_status = (uint8_t)((c->bm_status & BM_ACTIVE) | (v & BM_CAP) |
					 (c->bm_status & ~v & (BM_ERROR | BM_INTR)));
		break;
	case 4: case 5: case 6: case 7:
		c->bm_prd &= ~(0xffu << (off - 4) * 8);
		c->bm_prd |= (uint32_t)v << (off - 4) * 8;
		c->bm_prd &= ~3u;
		break;
	}
}

static uint64_t ide_bm_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_ide *ide = dev;
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < 16; i++)
		v |= (uint64_t)ide_bm_byte(&ide->chan[(off + i) / 8], (unsigned)(off + i) % 8) << i * 8;
	return v;
}

static void ide_bm_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_ide *ide = dev;

	for (unsigned i = 0; i < size && off + i < 16; i++)
		ide_bm_set_byte(&ide->chan[(off + i) / 8], (unsigned)(off + i) % 8, (uint8_t)(val >> i * 8));
}

static const struct dm_io_ops ide_bm_ops = { ide_bm_read, ide_bm_write };

/* ---- PIO data phases ------------------------------------------------------ */

static void ide_window(struct ide_chan *c, size_t len, void (*drained)(struct ide_chan *c))
{
	c->end = c->pos + len;
	c->drained = drained;
	c->dev[c->cur].tf.status = ST_OK | ST_DRQ;
}

static void ide_pio_in_drained(struct ide_chan *c);

static bool ide_pio_read_landed(struct ide_chan *c);

/* Opens the next data-in block: a DRQ block (ATA) or a byte count (ATAPI). */
static void ide_pio_in_present(struct ide_chan *c)
{
	struct ide_dev *d = &c->dev[c->cur];
	size_t n = c->fill - c->pos;

	if (n > c->drq)
		n = c->drq;
	if (c->packet) {
		d->tf.lbam = (uint8_t)n;
		d->tf.lbah = (uint8_t)(n >> 8);
		d->tf.nsect = IR_IO;
	}
	ide_window(c, n, ide_pio_in_drained);
	ide_raise(c, d);
}

static void ide_pio_in_drained(struct ide_chan *c)
{
	if (c->pos < c->fill) {
		ide_pio_in_present(c);
	} else if (c->nsec) {
		c->dev[c->cur].tf.status = ST_BSY;
		ide_run(c, ide_io(c, false, ide_chunk(c) * IDE_SECTOR, ide_pio_read_landed));
	} else if (c->packet) {
		ide_finish(c, ST_OK, 0);	/* ATAPI: an interrupt ends the command */
	} else {
		c->xfer = XF_NONE;		/* ATA: no interrupt after the last block */
		c->dev[c->cur].tf.status = ST_OK;
	}
}

static bool ide_pio_read_landed(struct ide_chan *c)
{
	if (ide_read_landed(c))
		ide_pio_in_present(c);
	return false;
}

/* Starts a data-in command: fill bytes already in buf, then nsec sectors. */
static void ide_pio_in_begin(struct ide_chan *c, size_t fill)
{
	c->xfer = XF_PIO_IN;
	c->fill = fill;
	c->pos = 0;
	c->dev[c->cur].tf.status = ST_BSY;
	ide_pio_in_drained(c);
}

static void ide_pio_out_drained(struct ide_chan *c);

static void ide_pio_out_open(struct ide_chan *c)
{
	size_t n = c->fill - c->pos;

	ide_window(c, n < c->drq ? n : c->drq, ide_pio_out_drained);
}

static bool ide_pio_write_landed(struct ide_chan *c)
{
	if (!ide_landed(c, true))
		return false;
	if (!c->nsec) {
		ide_finish(c, ST_OK, 0);
		return false;
	}
	c->pos = 0;
	c->fill = ide_chunk(c) * IDE_SECTOR;
	ide_pio_out_open(c);
	ide_raise(c, &c->dev[c->cur]);
	return false;
}

static void ide_pio_out_drained(struct ide_chan *c)
{
	if (c->pos < c->fill) {
		ide_pio_out_open(c);
		ide_raise(c, &c->dev[c->cur]);
		return;
	}
	c->dev[c->cur].tf.status = ST_BSY;	/* complete only once on storage */
	ide_run(c, ide_io(c, true, c->fill, ide_pio_write_landed));
}

/* Moves up to n bytes (whole 16-bit words of the caller) through the open
 * window; an odd-length ATAPI block pads its last word. */
static size_t ide_pio_move(struct ide_chan *c, bool in, uint8_t *p, size_t n)
{
	struct ide_dev *d = &c->dev[c->sel];
	size_t avail, k, copy;

	if (c->xfer != (in ? XF_PIO_IN : XF_PIO_OUT) || c->sel != c->cur ||
	    (d->tf.status & (ST_BSY | ST_DRQ)) != ST_DRQ || c->pos >= c->end)
		return 0;
	avail = c->end - c->pos;
	k = n & ~(size_t)1;
	if (k > ((avail + 1) & ~(size_t)1))
		k = (avail + 1) & ~(size_t)1;
	copy = k < avail ? k : avail;
	if (in) {
		memcpy(p, c->buf + c->pos, copy);
		if (k > copy)
			p[copy] = 0;
	} else {
		memcpy(c->buf + c->pos, p, copy);
	}
	c->pos += copy;
	if (c->pos == c->end) {
		d->tf.status &= (uint8_t)~ST_DRQ;
		c->drained(c);
	}
	return k;
}

size_t dm_ide_pio_string(struct dm_ide *ide, unsigned channel, bool in, void *buf, size_t bytes)
{
	if (channel > 1)
		return 0;
	return ide_pio_move(&ide->chan[channel], in, buf, bytes);
}

static uint32_t ide_data_read(struct ide_chan *c, unsigned size)
{
	uint8_t w[4] = { 0 };

	/* PIIX splits a 32-bit access into two 16-bit ones. */
	ide_pio_move(c, true, w, 2);
	if (size == 4)
		ide_pio_move(c, true, w + 2, 2);
	return w[0] | w[1] << 8 | w[2] << 16 | (uint32_t)w[3] << 24;
}

static void ide_data_write(struct ide_chan *c, unsigned size, uint32_t v)
{
	uint8_t w[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	ide_pio_move(c, false, w, 2);
	if (size == 4)
		ide_pio_move(c, false, w + 2, 2);
}

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

static void ide_signature(struct ide_dev *d)
{
	d->tf.nsect = 1;
	d->tf.lbal = 1;
	d->tf.lbam = d->atapi ? 0x14 : 0;
	d->tf.lbah = d->atapi ? 0xeb : 0;
	d->tf.device &= 0x10;
	d->tf.error = 0x01;		/* diagnostics passed */
	d->tf.status = d->present && !d->atapi ? ST_OK : 0;
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

static void ide_exec(struct ide_chan *c, uint8_t cmd)
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

/* ---- software reset (ATA-6 9.2) ------------------------------------------------ */

static void ide_reset_finish(struct ide_chan *c)
{
	c->reset_wait = false;
	for (unsigned i = 0; i < 2; i++)
		ide_signature(&c->dev[i]);
	ide_update_irq(c);
}

static void ide_ctl_write(struct ide_chan *c, uint8_t v)
{
	bool was = c->ctl & CTL_SRST;

	c->ctl = v;
	if (!was && (v & CTL_SRST)) {
		c->xfer = XF_NONE;
		c->reset_wait = false;
		for (unsigned i = 0; i < 2; i++) {
			c->dev[i].irq = false;
			c->dev[i].tf.status = c->dev[i].present ? ST_BSY : 0;
		}
	} else if (was && !(v & CTL_SRST)) {
		if (c->inflight)
			c->reset_wait = true;
		else
			ide_reset_finish(c);
	}
	ide_update_irq(c);
}

/* ---- task file registers ------------------------------------------------ */

static bool ide_no_devices(struct ide_chan *c)
{
	return !c->dev[0].present && !c->dev[1].present;
}

static uint8_t ide_status(struct ide_chan *c, bool clear)
{
	struct ide_dev *d = &c->dev[c->sel];

	if (ide_no_devices(c))
		return 0x7f;
	if (!d->present)
		return 0;
	if (clear && d->irq) {
		d->irq = false;
		ide_update_irq(c);
	}
	return d->tf.status;
}

static uint8_t ide_tf_read(struct ide_chan *c, unsigned reg)
{
	struct ide_tf *t = &c->dev[c->sel].tf;
	bool hob = c->ctl & CTL_HOB;

	if (ide_no_devices(c))
		return reg == 7 ? 0x7f : 0xff;
	switch (reg) {
	case 1: return t->error;
	case 2: return hob ? t->hob_nsect : t->nsect;
	case 3: return hob ? t->hob_lbal : t->lbal;
	case 4: return hob ? t->hob_lbam : t->lbam;
	case 5: return hob ? t->hob_lbah : t->lbah;
	case 6: return t->device;
	}
	return ide_status(c, true);
}

static void ide_tf_write(struct ide_chan *c, unsigned reg, uint8_t v)
{
	if (reg == 7) {
		ide_exec(c, v);
		return;
	}
	if (c->dev[c->sel].tf.status & ST_BSY)
		return;			/* ignored while busy (ATA-6 7.1) */
	c->ctl &= (uint8_t)~CTL_HOB;
	for (unsigned i = 0; i < 2; i++) {
		struct ide_tf *t = &c->dev[i].tf;

		/* Each write pushes the previous value into the HOB copy (6.20). */
		switch (reg) {
		case 1: t->hob_feature = t->feature; t->feature = v; break;
		case 2: t->hob_nsect = t->nsect; t->nsect = v; break;
		case 3: t->hob_lbal = t->lbal; t->lbal = v; break;
		case 4: t->hob_lbam = t->lbam; t->lbam = v; break;
		case 5: t->hob_lbah = t->lbah; t->lbah = v; break;
		case 6: t->device = v; break;
		}
	}
	if (reg == 6) {
		c->sel = (v >> 4) & 1;
		ide_update_irq(c);
	}
}

static uint64_t ide_cmd_read(void *dev, uint64_t off, unsigned size)
{
	struct ide_chan *c = dev;

	if (off == 0) {
		if (ide_no_devices(c))
			return DM_ALL_ONES(size);
		return ide_data_read(c, size);
	}
	return ide_tf_read(c, (unsigned)off & 7);
}

static void ide_cmd_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct ide_chan *c = dev;

	if (off == 0)
		ide_data_write(c, size, (uint32_t)val);
	else
		ide_tf_write(c, (unsigned)off & 7, (uint8_t)val);
}

static uint64_t ide_ctl_read(void *dev, uint64_t off, unsigned size)
{
	(void)off, (void)size;
	return ide_status(dev, false);	/* alternate status: no side effect */
}

static void ide_ctl_write_op(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)off, (void)size;
	ide_ctl_write(dev, (uint8_t)val);
}

static const struct dm_io_ops ide_cmd_ops = { ide_cmd_read, ide_cmd_write };
static const struct dm_io_ops ide_ctl_ops = { ide_ctl_read, ide_ctl_write_op };

/* ---- machine assembly ---------------------------------------------------- */

static void ide_dev_init(struct ide_dev *d, struct dm_blk *blk)
{
	uint64_t cyls;

	memset(d, 0, sizeof(*d));
	d->present = true;
	d->atapi = blk->cdrom;
	d->pio_mode = 4;
	d->mwdma = 2;
	d->udma = 0xff;
	d->wcache = true;
	if (d->atapi) {
		dm_atapi_init(&d->cd, blk);
	} else {
		d->blk = blk;
		/* Largest power of two DRQ block a chunk always holds. */
		for (d->max_mult = 16; d->max_mult > 1 && d->max_mult * IDE_SECTOR > blk->max_len;)
			d->max_mult /= 2;
		d->heads = 16;
		d->spt = 63;
		cyls = blk->sectors / (16 * 63);
		d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
	}
	ide_signature(d);
}

int dm_ide_attach(struct dm_ide *ide, unsigned channel, unsigned unit, struct dm_blk *blk)
{
	struct ide_chan *c;

	if (channel > 1 || unit > 1 || !blk || ide->chan[channel].dev[unit].present)
		return -1;
	/* blk.h: requests of at least 4 KiB; an empty CD drive may have no backend */
	if (blk->cdrom ? blk->present && (!blk->ops || blk->max_len < 4096)
		       : !blk->ops || !blk->sectors || blk->max_len < 4096)
		return -1;
	c = &ide->chan[channel];
	ide_dev_init(&c->dev[unit], blk);
	c->bm_status |= (uint8_t)(0x20 << unit);	/* drive DMA capable */
	for (unsigned i = 0; i < 2; i++)		/* the other device's copy too */
		ide_signature(&c->dev[i]);
	return 0;
}

int dm_ide_change_media(struct dm_ide *ide, unsigned channel, unsigned unit, struct dm_blk *blk)
{
	struct ide_dev *d;

	if (channel > 1 || unit > 1)
		return -1;
	d = &ide->chan[channel].dev[unit];
	if (!d->present || !d->atapi || (blk && blk->present && (!blk->ops || blk->max_len < 4096)))
		return -1;
	dm_atapi_change(&d->cd, blk);
	return 0;
}

void dm_ide_unplug(struct dm_ide *ide, unsigned mask)
{
	if (!(mask & (DM_IDE_UNPLUG_ALL_DISKS | DM_IDE_UNPLUG_AUX_DISKS)))
		return;
	for (unsigned i = 0; i < 4; i++) {
		struct ide_chan *c = &ide->chan[i / 2];
		struct ide_dev *d = &c->dev[i % 2];

		if (!d->present || d->atapi || (i == 0 && !(mask & DM_IDE_UNPLUG_ALL_DISKS)))
			continue;
		if (c->cur == i % 2)
			c->xfer = XF_NONE;	/* an I/O in flight lands on nothing */
		memset(d, 0, sizeof(*d));
		c->bm_status &= (uint8_t)~(0x20 << (i % 2));
		ide_update_irq(c);
	}
}

struct dm_ide *dm_ide_init(struct dm_env *env, struct dm_bus *bus, unsigned devfn)
{
	static const uint16_t cmd_base[2] = { 0x1f0, 0x170 }, ctl_base[2] = { 0x3f6, 0x376 };
	struct dm_ide *ide = calloc(1, sizeof(*ide));

	if (!ide)
		return NULL;
	ide->env = env;
	for (unsigned i = 0; i < 2; i++) {
		struct ide_chan *c = &ide->chan[i];

		c->ide = ide;
		c->idx = i;
		c->buf = malloc(IDE_BUF_SIZE);
		if (!c->buf) {
			free(ide->chan[0].buf);
			free(ide);
			return NULL;
		}
		c->cmd_region = (struct dm_region){ .space = DM_PIO, .base = cmd_base[i], .len = 8,
			.ops = &ide_cmd_ops, .dev = c, .name = "ide-cmd" };
		c->ctl_region = (struct dm_region){ .space = DM_PIO, .base = ctl_base[i], .len = 1,
			.ops = &ide_ctl_ops, .dev = c, .name = "ide-ctl" };
		dm_bus_add(bus, &c->cmd_region);
		dm_bus_add(bus, &c->ctl_region);
	}
	/* 00:01.1, IDE with bus mastering, both channels in compatibility mode. */
	ide->pci.devfn = (uint8_t)devfn;
	ide->pci.dev = ide;
	dm_pci_init_header(&ide->pci, 0x8086, 0x7010, 0x010180, 0x00);
	ide->pci.bar[4].size = 16;
	ide->pci.bar[4].io = true;
	ide->pci.bar[4].region.ops = &ide_bm_ops;
	ide->pci.bar[4].region.dev = ide;
	ide->pci.bar[4].region.name = "ide-bm";
	if (dm_pci_add(bus, &ide->pci) < 0)
		env->log(env->ctx, "ide: PCI function %02x.%x refused", devfn >> 3, devfn & 7);
	ide->bus = bus;
	return ide;
}

void dm_ide_free(struct dm_ide *ide)
{
	for (unsigned i = 0; i < 2; i++) {
		dm_bus_remove(ide->bus, &ide->chan[i].cmd_region);
		dm_bus_remove(ide->bus, &ide->chan[i].ctl_region);
		free(ide->chan[i].buf);
	}
	free(ide);
}
