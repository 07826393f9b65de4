/*
 * The PIIX3 IDE model's private interface, shared by its four files and
 * included by no one else (the public API is ide.h):
 *   ide.c      channels, interrupts, block I/O, task file, reset, PCI, attach
 *   ide_ata.c  the command set: dispatch, IDENTIFY, ATA commands, PACKET
 *   ide_pio.c  PIO data-in/data-out phases and the data port
 *   ide_dma.c  SFF-8038i bus-master DMA
 */
#ifndef DM_IDE_INT_H
#define DM_IDE_INT_H

#include "ide.h"
#include "atapi.h"

#define IDE_BUF_SIZE (128u * 1024)	/* one chunk: 256 sectors, 64 CD blocks */
#define IDE_SECTOR 512u

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

/* ide.c: interrupts and completion. */
void ide_update_irq(struct ide_chan *c);
void ide_raise(struct ide_chan *c, struct ide_dev *d);
void ide_finish(struct ide_chan *c, uint8_t status, uint8_t error);
void ide_abort(struct ide_chan *c, uint8_t error);
void ide_check_condition(struct ide_chan *c, uint8_t key);
void ide_signature(struct ide_dev *d);

/* ide.c: block I/O through the channel's buffer. */
bool ide_io(struct ide_chan *c, bool write, size_t len, ide_step next);
void ide_run(struct ide_chan *c, bool ready);
uint64_t ide_chunk(struct ide_chan *c);
bool ide_landed(struct ide_chan *c, bool write);
bool ide_read_landed(struct ide_chan *c);

/* ide_ata.c: a write to the command register. */
void ide_exec(struct ide_chan *c, uint8_t cmd);

/* ide_pio.c: PIO data phases and the data port. */
void ide_window(struct ide_chan *c, size_t len, void (*drained)(struct ide_chan *c));
void ide_pio_in_begin(struct ide_chan *c, size_t fill);
void ide_pio_out_open(struct ide_chan *c);
uint32_t ide_data_read(struct ide_chan *c, unsigned size);
void ide_data_write(struct ide_chan *c, unsigned size, uint32_t v);

/* ide_dma.c: bus-master DMA. */
void ide_dma_begin(struct ide_chan *c, bool in);
extern const struct dm_io_ops ide_bm_ops;

#endif
