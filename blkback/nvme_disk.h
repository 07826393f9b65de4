/*
 * An NVMe controller driven as one synchronous disk (NVM Express Base 1.4):
 * reset and enable (§7.6.1, §3.1.5-3.1.6) with bounded waits, the admin
 * queue, IDENTIFY controller and namespace 1 (§5.15), one I/O queue pair
 * (§5.3, §5.4), and read/write/flush/write zeroes (NVM Command Set §6).
 * A call returns only once the device completed its commands, so a write
 * is acknowledged after the device took it and a flush after the device's
 * write cache is on media; a batch (nvme_disk_rw) keeps up to
 * NVME_DISK_SLOTS commands in flight meanwhile. Waits spin briefly, then
 * sleep on the controller's interrupt where the environment has one
 * (dev_env.wait_irq), else poll; every wait is bounded.
 *
 * Data moves through bounce pages the driver allocates in the domain's own
 * RAM: the device is never given a caller's buffer (which may be a
 * grant-mapped page of another domain), only these pages and its queues.
 *
 * Registers, time and DMA memory come through struct dev_env (dev_env.h),
 * so the file builds on the host (test/unit/test_nvme_disk.c, a simulated
 * controller). Everything the device returns is checked (nvme.c refuses
 * hostile completions; IDENTIFY fields are range-checked); a broken
 * protocol, a fatal status or a timeout marks the disk dead and every later
 * call fails with -EIO (recovery would be a new nvme_disk_init).
 * Threading: none; one caller.
 */
#ifndef BLKBACK_NVME_DISK_H
#define BLKBACK_NVME_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nvme.h"
#include "dev_env.h"
#include "blk_iov.h"

#define NVME_DISK_ADMIN_DEPTH 16
#define NVME_DISK_IO_DEPTH 64
#define NVME_DISK_BOUNCE_PAGES 32		/* 128 KiB per command at most */
#define NVME_DISK_SLOTS 8			/* data commands in flight, each with its own
						 * bounce pages and PRP list page */
#define NVME_DISK_PAGES (5 + NVME_DISK_SLOTS * (1 + NVME_DISK_BOUNCE_PAGES))
/* Pages one command moves in place (env->dma_buf): max_blocks of them, one
 * more when the first starts inside a page. */
#define NVME_DISK_DIRECT_PAGES (NVME_DISK_BOUNCE_PAGES + 1)
#define NVME_DISK_CMD_TIMEOUT_US 10000000ull	/* 10 s per command */
#define NVME_DISK_MIN_READY_US 500000ull	/* when CAP.TO says 0 */
/* The pause between two polls of a completion queue or of CSTS. 1 us is far
 * below a command's own latency (tens of microseconds on an SSD, more under
 * an emulator), so a completion is seen about a microsecond after the device
 * posts it, for a few more polls. Every wait is bounded on now_us, not by
 * counting polls, so the timeouts above hold whatever this is. */
#define NVME_DISK_POLL_US 1u
/* With the interrupt: polled for NVME_DISK_SPIN_US after the doorbell
 * (most commands are done by then, and a sleep costs the domain a halt, a
 * wake-up and its timer), then asleep until the interrupt, looking again
 * after NVME_DISK_IRQ_WAIT_US anyway. */
#define NVME_DISK_SPIN_US 50u
#define NVME_DISK_IRQ_WAIT_US 1000u

struct nvme_disk {
	/* What IDENTIFY said (valid after nvme_disk_init returned 0). */
	char model[41], serial[21], firmware[9];	/* trailing spaces cut, '?' for odd bytes */
	uint32_t nsid;			/* 1 */
	uint32_t sector_size;		/* the namespace's LBA size: 512..4096 */
	uint64_t sectors;		/* NSZE */
	uint32_t max_blocks;		/* per command: bounce, MDTS and NLB limits */
	bool write_cache;		/* VWC: flush matters */
	bool write_zeroes;		/* ONCS bit 3: Write Zeroes (cleared if it is refused) */
	uint32_t zero_blocks;		/* per Write Zeroes: NLB and MDTS limits */
	const char *why;		/* why the last call failed */
	bool dead;
	uint64_t direct;		/* data commands moved in place, not bounced */

	/* Private. */
	const struct dev_env *env;
	struct nvme_cap cap;
	struct nvme_queue admin, io;
	uint16_t next_cid;
	uint16_t status;		/* of the last completed command */
	uint64_t mdts_bytes;		/* IDENTIFY's MDTS in bytes, 0: no limit */
	uint8_t *identify;		/* one page */
	uint64_t *prp_list[NVME_DISK_SLOTS];	/* one page each */
	uint8_t *bounce[NVME_DISK_SLOTS];	/* NVME_DISK_BOUNCE_PAGES pages each */
	uint64_t bounce_dma[NVME_DISK_SLOTS][NVME_DISK_BOUNCE_PAGES];
	void *pages;			/* every page, from alloc_pages (kept across inits) */
};

/* Resets and enables the controller, identifies it and namespace 1, creates
 * the I/O queues. 0, or -errno with d->why: -ENOMEM, -ENODEV (nothing we
 * can drive: no NVM command set, no 4 KiB pages, metadata or an LBA size
 * outside 512..4096, no active namespace 1), -ETIMEDOUT, -EIO. A disk initialised before
 * keeps its pages (call it again to reset a dead controller). */
int nvme_disk_init(struct nvme_disk *d, const struct dev_env *env);

/* count sectors at lba (inside the namespace, count > 0): 0, -EINVAL,
 * -EIO (the device reported an error, or the disk is dead), -ETIMEDOUT. */
int nvme_disk_read(struct nvme_disk *d, uint64_t lba, uint32_t count, void *buf);
int nvme_disk_write(struct nvme_disk *d, uint64_t lba, uint32_t count, const void *buf);
/* A batch (blk_iov.h): each io's bytes at byte off of the namespace, to or
 * from its pieces. Up to NVME_DISK_SLOTS commands of up to max_blocks are
 * in flight at once, so one call keeps the device busy with the whole
 * batch. A command moves its bytes in place when the env reaches the
 * pieces (dma_buf) and they can be one PRP list, else through its own
 * bounce pages (the result is the same). It returns once every command
 * completed, each io's rc set: 0, -EINVAL (not whole sectors, outside the
 * namespace, no pieces), -EIO (the device failed one of its commands, or
 * the disk is or became dead: then every io not yet known good), -ETIMEDOUT.
 * A piece need not be whole sectors. The ios must not overlap (the order
 * of their commands is the device's). */
void nvme_disk_rw(struct nvme_disk *d, struct blk_io *ios, unsigned int n);
int nvme_disk_flush(struct nvme_disk *d);
/* count sectors at lba read as zeros afterwards: Write Zeroes (NVM §6.16)
 * in pieces of zero_blocks when ONCS says the controller has it, else (or
 * once the controller refuses the opcode) writes of a zeroed bounce buffer.
 * Errors as nvme_disk_write. */
int nvme_disk_write_zeroes(struct nvme_disk *d, uint64_t lba, uint64_t count);

#endif
