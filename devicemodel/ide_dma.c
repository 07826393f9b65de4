/*
 * PIIX3 IDE bus-master DMA (SFF-8038i): the BMIDE registers at BAR4 (3.1),
 * the PRD table walk (2.2.2) and the transfer that moves each chunk
 * between the channel's buffer and guest memory. See ide.c.
 */
#include "ide_int.h"

#define IDE_MAX_PRD 8192u		/* a PRD table fits in 64 KiB (SFF-8038i 2.2.2) */

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

static bool ide_dma_read_landed(struct ide_chan *c)
{
	return ide_read_landed(c) && ide_dma_step(c);
}

static bool ide_dma_write_landed(struct ide_chan *c)
{
	return ide_landed(c, true) && ide_dma_step(c);
}

void ide_dma_begin(struct ide_chan *c, bool in)
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

const struct dm_io_ops ide_bm_ops = { ide_bm_read, ide_bm_write };
