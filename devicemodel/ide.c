/*
 * PIIX3 IDE: two legacy channels, ATA disks and ATAPI drives, PIO and
 * bus-master DMA (see ide.h). References: ATA/ATAPI-6 (T13 1410D) for the
 * task file and protocols, SFF-8038i for bus-master DMA, the PIIX3
 * datasheet (290550) for the PCI function. This file holds the channels:
 * interrupts, block I/O, the task file registers, software reset, the PCI
 * function, attach and unplug; the command set is ide_ata.c, the PIO data
 * phases ide_pio.c, bus-master DMA ide_dma.c (ide_int.h joins them).
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
#include "ide_int.h"

/* ---- interrupts and completion ----------------------------------------- */

void ide_update_irq(struct ide_chan *c)
{
	struct ide_dev *d = &c->dev[c->sel];
	bool level = d->present && d->irq && !(c->ctl & CTL_NIEN);

	if (level != c->line) {
		c->line = level;
		dm_irq_set_isa(14 + c->idx, level);
	}
}

/* The device asserts INTRQ; PIIX latches it in the BM status (SFF-8038i 3.1). */
void ide_raise(struct ide_chan *c, struct ide_dev *d)
{
	d->irq = true;
	c->bm_status |= BM_INTR;
	ide_update_irq(c);
}

void ide_finish(struct ide_chan *c, uint8_t status, uint8_t error)
{
	struct ide_dev *d = &c->dev[c->cur];

	c->xfer = XF_NONE;
	d->tf.status = status;
	d->tf.error = error;
	if (d->atapi)
		d->tf.nsect = IR_IO | IR_COD;
	ide_raise(c, d);
}

void ide_abort(struct ide_chan *c, uint8_t error)
{
	ide_finish(c, ST_OK | ST_ERR, error);
}

/* ATAPI CHECK CONDITION: the sense key in the error register (ATA-6 8.21). */
void ide_check_condition(struct ide_chan *c, uint8_t key)
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
bool ide_io(struct ide_chan *c, bool write, size_t len, ide_step next)
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

void ide_run(struct ide_chan *c, bool ready)
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
uint64_t ide_chunk(struct ide_chan *c)
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
bool ide_landed(struct ide_chan *c, bool write)
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
bool ide_read_landed(struct ide_chan *c)
{
	if (!ide_landed(c, false))
		return false;
	c->fill = c->io_len;
	c->pos = 0;
	return true;
}

void ide_signature(struct ide_dev *d)
{
	d->tf.nsect = 1;
	d->tf.lbal = 1;
	d->tf.lbam = d->atapi ? 0x14 : 0;
	d->tf.lbah = d->atapi ? 0xeb : 0;
	d->tf.device &= 0x10;
	d->tf.error = 0x01;		/* diagnostics passed */
	d->tf.status = d->present && !d->atapi ? ST_OK : 0;
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
