/*
 * PIIX3 IDE PIO data phases (the PIO data-in/out protocols, ATA-6 9;
 * PACKET's byte counts, 8.21): DRQ blocks moved through the channel's
 * buffer, and the 16/32-bit data port and its string form. See ide.c.
 */
#include "ide_int.h"

void ide_window(struct ide_chan *c, size_t len, void (*drained)(struct ide_chan *c))
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
void ide_pio_in_begin(struct ide_chan *c, size_t fill)
{
	c->xfer = XF_PIO_IN;
	c->fill = fill;
	c->pos = 0;
	c->dev[c->cur].tf.status = ST_BSY;
	ide_pio_in_drained(c);
}

static void ide_pio_out_drained(struct ide_chan *c);

void ide_pio_out_open(struct ide_chan *c)
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

uint32_t ide_data_read(struct ide_chan *c, unsigned size)
{
	uint8_t w[4] = { 0 };

	/* PIIX splits a 32-bit access into two 16-bit ones. */
	ide_pio_move(c, true, w, 2);
	if (size == 4)
		ide_pio_move(c, true, w + 2, 2);
	return w[0] | w[1] << 8 | w[2] << 16 | (uint32_t)w[3] << 24;
}

void ide_data_write(struct ide_chan *c, unsigned size, uint32_t v)
{
	uint8_t w[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	ide_pio_move(c, false, w, 2);
	if (size == 4)
		ide_pio_move(c, false, w + 2, 2);
}
