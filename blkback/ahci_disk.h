/*
 * An AHCI HBA's first SATA disk driven as one synchronous disk, the shape of
 * nvme_disk.h: the HBA enabled in AHCI mode (AHCI 1.3.1 §10.1.2), the first
 * implemented port with an ATA device started with our command list and FIS
 * area, IDENTIFY DEVICE, then read/write/flush (READ/WRITE DMA EXT or their
 * 28-bit forms, FLUSH CACHE (EXT)) one command at a time on slot-allocated
 * commands, polled to their completion: a call returns only once the device
 * completed the command. Zeroing writes a zeroed bounce buffer (SATA has no
 * write-zeroes command that every disk has). No interrupts (PxIE = 0); every
 * wait polls and is bounded.
 *
 * Data moves through bounce pages the driver allocates in the domain's own
 * RAM: the HBA is never given a caller's buffer, only these pages, its
 * command list, FIS area and command table.
 *
 * Registers (the ABAR, BAR5), time and DMA memory come through struct
 * dev_env, so the file builds on the host (test/unit/test_ahci_disk.c,
 * a simulated HBA). ahci.c checks every completion; a hostile one (a slot
 * never issued, a byte count beyond the transfer), a timeout or a failed
 * recovery marks the disk dead and every later call fails with -EIO. A task
 * file error fails that command with -EIO and the port is recovered
 * (§6.2.2.1) for the next one.
 * Threading: none; one caller.
 */
#ifndef BLKBACK_AHCI_DISK_H
#define BLKBACK_AHCI_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ahci.h"
#include "dev_env.h"
#include "blk_iov.h"

#define AHCI_DISK_BOUNCE_PAGES 32		/* 128 KiB per command at most */
#define AHCI_DISK_PAGES (2 + AHCI_DISK_BOUNCE_PAGES)
#define AHCI_DISK_CMD_TIMEOUT_US 10000000ull	/* 10 s per command */
/* With the interrupt: polled for AHCI_DISK_SPIN_US after the command is
 * issued (a sleep costs a halt, a wake-up and a timer), then asleep until
 * the interrupt, looking again after AHCI_DISK_IRQ_WAIT_US anyway. */
#define AHCI_DISK_SPIN_US 50u
#define AHCI_DISK_IRQ_WAIT_US 1000u
#define AHCI_DISK_READY_MS 2000u		/* a device's BSY after the port starts */

struct ahci_disk {
	/* What IDENTIFY DEVICE said (valid after ahci_disk_init returned 0). */
	char model[41], serial[21], firmware[9];
	unsigned port;			/* the port in use */
	uint32_t sector_size;		/* 512..4096 */
	uint64_t sectors;
	uint32_t max_blocks;		/* per command: the bounce pages, 28-bit counts */
	bool write_cache;		/* flush matters */
	const char *why;		/* why the last call failed */
	bool dead;
	uint64_t direct;		/* data commands moved in place, not bounced */

	/* Private. */
	const struct dev_env *env;
	struct ahci_ops ops;
	struct ahci_port p;
	struct ahci_identify id;
	uint8_t *page0;			/* command list, FIS area, command table */
	uint8_t *identify;		/* one page */
	uint8_t *bounce;		/* AHCI_DISK_BOUNCE_PAGES pages */
	void *pages;			/* every page, from alloc_pages (kept across inits) */
};

/* Enables the HBA, finds the first implemented port with an ATA disk that
 * starts and answers IDENTIFY, takes it. 0, or -errno with d->why:
 * -ENOMEM, -ENODEV (no such disk, or one we cannot drive: a sector size
 * above 4096), -ETIMEDOUT, -EIO. A disk initialised before keeps its pages. */
int ahci_disk_init(struct ahci_disk *d, const struct dev_env *env);

/* count sectors at lba (inside the disk, count > 0): 0, -EINVAL, -EIO (the
 * device reported an error, or the disk is dead), -ETIMEDOUT. */
int ahci_disk_read(struct ahci_disk *d, uint64_t lba, uint32_t count, void *buf);
int ahci_disk_write(struct ahci_disk *d, uint64_t lba, uint32_t count, const void *buf);
/* A batch (blk_iov.h): each io's bytes at byte off of the disk, to or from
 * its pieces (which need not be whole sectors), one after the other, each
 * in max_blocks commands; each io's rc as for read and write. A command
 * moves its bytes in place when the env reaches the pieces (dma_buf) and
 * the PRDT can hold them (even addresses and lengths, a page per entry),
 * else through the bounce pages. */
void ahci_disk_rw(struct ahci_disk *d, struct blk_io *ios, unsigned int n);
/* FLUSH CACHE (EXT), whether or not IDENTIFY names a write cache. */
int ahci_disk_flush(struct ahci_disk *d);
/* count sectors at lba read as zeros afterwards (writes of zeros). */
int ahci_disk_write_zeroes(struct ahci_disk *d, uint64_t lba, uint64_t count);

#endif
