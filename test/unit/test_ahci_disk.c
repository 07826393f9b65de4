/* The AHCI disk driver (blkback/ahci_disk.c) on the host, against a
 * simulated HBA: GHC, a port register file per port (port 0 empty, port 2
 * with an ATA disk, port 3 with an ATAPI device), commands executed from the
 * command list, command table and PRDT the driver wrote, a RAM disk. The
 * HBA sees bus addresses that differ from the CPU's pointers and checks
 * that every DMA lands in the driver's own pages. Then broken and hostile
 * HBAs (silence, task-file errors, a CI bit never issued, a byte count
 * beyond the transfer, all ones), 28-bit disks, volumes over the disk (a
 * new volume reads as zeros where a destroyed one held data), the
 * interrupt (GHC.IE, PxIE, waits through wait_irq) and a fixed-seed fuzz
 * of I/O against a model. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/ahci_disk.h"
#include "../../blkback/volumes.h"

#define BUS 0x80000000ull	/* bus address of the first allocated page */
#define BUS_EXT 0x200000000ull	/* of h.ext's first byte: buffers the driver is handed */
#define SECTORS 4096u
#define DISK_PORT 2u

enum { H_SILENT = 1, H_TFE = 2, H_GHOST_CI = 4, H_BIG_PRDBC = 8, H_GONE = 16,
       H_NO_IRQ = 32 };	/* completions, but their interrupts are lost */

static struct hba {
	uint32_t r[0x1100 / 4];
	uint8_t *disk, *mem, ident[512];
	uint8_t *ext;			/* direct_env: the pages an io's pieces are in */
	size_t ext_len;
	unsigned ext_prds;		/* PRDT entries that pointed into ext */
	unsigned hostile, cmds, allocs, flushes, resets;
	uint32_t max_count;
	uint64_t now;
	uint8_t last_cmd;
	/* Interrupts. With defer, a PxCI write only queues: slots run at the
	 * driver's next delay or wait_irq (so every command needs a wait). */
	bool defer, irq;		/* irq: sent (MSI), not yet taken by wait_irq */
	bool slow;			/* with defer: slots run at wait_irq only (slower
					 * than the driver's spin) */
	uint32_t queued[4];		/* per port: slots issued, not yet run */
	unsigned delays, irq_waits, irq_timeouts;
	uint32_t last_delay;
} h;

#define REG(off) h.r[(off) / 4]
#define PR(n, off) REG(AHCI_PORT(n) + (off))

static uint8_t *dev_mem(uint64_t bus, size_t len)
{
	if (h.ext && bus >= BUS_EXT) {
		CHECK(bus - BUS_EXT + len <= h.ext_len);
		h.ext_prds++;
		return h.ext + (bus - BUS_EXT);
	}
	CHECK(bus >= BUS && bus - BUS + len <= AHCI_DISK_PAGES * 4096ull);
	return h.mem + (bus - BUS);
}

static void *env_alloc(void *ctx, unsigned n)
{
	(void)ctx;
	CHECK(n == AHCI_DISK_PAGES && !h.mem);
	h.allocs++;
	h.mem = aligned_alloc(4096, (size_t)n * 4096);
	memset(h.mem, 0, (size_t)n * 4096);
	return h.mem;
}

static uint64_t env_dma(void *ctx, const void *p)
{
	(void)ctx;
	CHECK((const uint8_t *)p >= h.mem && (const uint8_t *)p < h.mem + AHCI_DISK_PAGES * 4096);
	return BUS + (uint64_t)((const uint8_t *)p - h.mem);
}

/* direct_env's dma_buf: an io's pieces, all in h.ext (the grants a driver
 * domain mapped), and the driver's own pages. */
static uint64_t env_dma_buf(void *ctx, const void *p)
{
	const uint8_t *b = p;

	if (b >= h.mem && b < h.mem + AHCI_DISK_PAGES * 4096)
		return env_dma(ctx, p);
	CHECK(h.ext && b >= h.ext && b < h.ext + h.ext_len);
	return BUS_EXT + (uint64_t)(b - h.ext);
}

/* ---- executing one slot from memory alone ---------------------------------- */

/* PxIS changed: an interrupt when GHC.IE is set and PxIE enables one of
 * the bits (§3.1.2, §3.3.6). As a real HBA's single MSI: sent when IS goes
 * from zero to non-zero only, so a driver that does not clear IS (write
 * one to clear) gets one interrupt ever. */
static void hba_intr(unsigned port)
{
	bool was = h.r[AHCI_IS / 4] != 0;

	if (!(h.r[AHCI_GHC / 4] & AHCI_GHC_IE) ||
	    !(h.r[(AHCI_PORT(port) + AHCI_PxIS) / 4] & h.r[(AHCI_PORT(port) + AHCI_PxIE) / 4]))
		return;
	h.r[AHCI_IS / 4] |= 1u << port;
	if (!was && !(h.hostile & H_NO_IRQ))
		h.irq = true;
}

static uint32_t prdt_move(const struct ahci_cmd_table *t, unsigned n, uint8_t *media,
			  uint32_t len, bool to_mem)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t a = t->prdt[i].dba | (uint64_t)t->prdt[i].dbau << 32;
		uint32_t k = (t->prdt[i].dbc & 0x3fffff) + 1;
		uint8_t *m = dev_mem(a, k);

		CHECK(done + k <= len);
		if (to_mem)
			memcpy(m, media + done, k);
		else
			memcpy(media + done, m, k);
		done += k;
	}
	CHECK(done == len);
	return done;
}

static void exec_slot(unsigned port, unsigned s)
{
	uint64_t clb = PR(port, AHCI_PxCLB) | (uint64_t)PR(port, AHCI_PxCLBU) << 32;
	struct ahci_cmd_hdr *hd = (struct ahci_cmd_hdr *)dev_mem(clb + 32ull * s, 32);
	const struct ahci_cmd_table *t = (const void *)dev_mem(hd->ctba | (uint64_t)hd->ctbau << 32,
								 AHCI_TABLE_SIZE(hd->dw0 >> 16));
	const uint8_t *f = t->cfis;
	uint64_t lba = f[4] | f[5] << 8 | (uint64_t)f[6] << 16 | (uint64_t)f[8] << 24 |
		       (uint64_t)f[9] << 32 | (uint64_t)f[10] << 40;
	uint32_t count = f[12] | f[13] << 8, moved = 0;
	bool ext = f[2] == ATA_CMD_READ_DMA_EXT || f[2] == ATA_CMD_WRITE_DMA_EXT;

	h.cmds++;
	h.last_cmd = f[2];
	if (f[2] == ATA_CMD_READ_DMA || f[2] == ATA_CMD_WRITE_DMA) {
		lba = (lba & 0xffffff) | (uint64_t)(f[7] & 0xf) << 24;
		count = count & 0xff ? count & 0xff : 256;
	} else if (ext && !count) {
		count = 65536;
	}
	if (h.hostile & H_TFE && f[2] != ATA_CMD_IDENTIFY) {
		PR(port, AHCI_PxIS) |= AHCI_IS_TFES;
		PR(port, AHCI_PxTFD) = 0x0441;	/* ABRT, ERR */
		hba_intr(port);
		return;
	}
	switch (f[2]) {
	case ATA_CMD_IDENTIFY:
		moved = prdt_move(t, hd->dw0 >> 16, h.ident, 512, true);
		break;
	case ATA_CMD_FLUSH_EXT:
	case ATA_CMD_FLUSH:
		CHECK((hd->dw0 >> 16) == 0);
		h.flushes++;
		break;
	default:
		CHECK(count && lba + count <= SECTORS && (f[7] & ATA_DEV_LBA));
		if (count > h.max_count)
			h.max_count = count;
		moved = prdt_move(t, hd->dw0 >> 16, h.disk + lba * 512, count * 512,
				  f[2] == ATA_CMD_READ_DMA_EXT || f[2] == ATA_CMD_READ_DMA);
		CHECK(!!(hd->dw0 & AHCI_HDR_W) == (f[2] == ATA_CMD_WRITE_DMA_EXT ||
						   f[2] == ATA_CMD_WRITE_DMA));
	}
	hd->prdbc = moved + (h.hostile & H_BIG_PRDBC ? 512 : 0);
	PR(port, AHCI_PxCI) &= ~(1u << s);
	if (h.hostile & H_GHOST_CI)
		PR(port, AHCI_PxCI) |= 1u << ((s + 1) % 32);
	PR(port, AHCI_PxIS) |= AHCI_IS_DHRS;
	PR(port, AHCI_PxTFD) = 0x50;
	hba_intr(port);
}

/* ---- registers ------------------------------------------------------------------ */

static uint32_t rd32(void *ctx, uint32_t off)
{
	(void)ctx;
	CHECK(off % 4 == 0 && off < sizeof(h.r));
	if (h.hostile & H_GONE && off >= AHCI_PORT(0))
		return 0xffffffffu;
	return h.r[off / 4];
}

static void port_write(unsigned n, uint32_t reg, uint32_t v)
{
	uint32_t ro = AHCI_CMD_CR | AHCI_CMD_FR, cmd;

	switch (reg) {
	case AHCI_PxIS:
	case AHCI_PxSERR:
		PR(n, reg) &= ~v;
		return;
	case AHCI_PxCMD:	/* CR and FR follow ST and FRE at once */
		cmd = (v & ~ro) | (v & AHCI_CMD_ST ? AHCI_CMD_CR : 0) |
		      (v & AHCI_CMD_FRE ? AHCI_CMD_FR : 0);
		PR(n, reg) = cmd;
		if (!(v & AHCI_CMD_ST))
			PR(n, AHCI_PxCI) = 0;
		return;
	case AHCI_PxCI:
		CHECK(PR(n, AHCI_PxCMD) & AHCI_CMD_ST);
		PR(n, reg) |= v;
		if (h.defer) {
			h.queued[n] |= v;
			return;
		}
		for (unsigned s = 0; s < 32; s++)
			if (v >> s & 1 && !(h.hostile & H_SILENT))
				exec_slot(n, s);
		return;
	case AHCI_PxTFD:
	case AHCI_PxSIG:
	case AHCI_PxSSTS:
		return;
	case AHCI_PxSCTL:
		if ((v & 0xf) == 0)
			h.resets++;
		/* fall through */
	default:
		PR(n, reg) = v;
	}
}

static void wr32(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	CHECK(off % 4 == 0 && off < sizeof(h.r));
	if (off == AHCI_GHC)	/* HR done at once, clearing IE (§10.4.3); AE kept */
		REG(off) = v & AHCI_GHC_HR ? v & AHCI_GHC_AE : v & (AHCI_GHC_AE | AHCI_GHC_IE);
	else if (off >= AHCI_PORT(0))
		port_write((off - AHCI_PORT(0)) / 0x80, (off - AHCI_PORT(0)) % 0x80, v);
	else if (off == AHCI_IS)
		REG(off) &= ~v;	/* write one to clear (§3.1.3) */
	else
		CHECK(false);
}

static uint64_t now_us(void *ctx) { (void)ctx; return h.now; }

/* The queued slots that are still issued (defer). */
static void run_queued(void)
{
	for (unsigned n = 0; n < 4; n++) {
		uint32_t q = h.queued[n];

		h.queued[n] = 0;
		for (unsigned s = 0; s < 32; s++)
			if (q >> s & 1 && PR(n, AHCI_PxCI) >> s & 1 && !(h.hostile & H_SILENT))
				exec_slot(n, s);
	}
}

static void delay(void *ctx, uint32_t us)
{
	(void)ctx;
	h.now += us ? us : 1;
	h.delays++;
	h.last_delay = us;
	if (h.defer && !h.slow)
		run_queued();
}

/* Returns at once when the HBA interrupted since the last call (its
 * commands run meanwhile), else after us, as dom_env_wait_irq does. */
static void wait_irq(void *ctx, uint32_t us)
{
	(void)ctx;
	CHECK(us == AHCI_DISK_IRQ_WAIT_US);
	h.irq_waits++;
	if (h.defer)
		run_queued();
	if (h.irq) {
		h.irq = false;
		h.now++;
		return;
	}
	h.now += us;
	h.irq_timeouts++;
}

static const struct dev_env env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma, NULL,
				    NULL };
static const struct dev_env direct_env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma,
					   NULL, env_dma_buf };
static const struct dev_env irq_env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma,
					wait_irq, NULL };
static struct ahci_disk dk;

static void set_w(unsigned w, uint16_t v)
{
	h.ident[2 * w] = (uint8_t)v;
	h.ident[2 * w + 1] = (uint8_t)(v >> 8);
}

/* An HBA with 4 ports (0-3 implemented): an ATA disk of `sectors` at
 * DISK_PORT (48-bit addressing or 28-bit), ATAPI at 3, nothing at 0 and 1. */
static void hba_new(uint64_t sectors, bool lba48)
{
	const char *model = "QEMU HARDDISK   ";

	free(h.disk);
	free(h.mem);
	memset(&h, 0, sizeof(h));
	memset(&dk, 0, sizeof(dk));
	h.disk = calloc(SECTORS, 512);
	REG(AHCI_CAP) = 3 | 31u << 8 | AHCI_CAP_S64A;
	REG(AHCI_PI) = 0xf;
	for (unsigned n = 2; n < 4; n++) {
		PR(n, AHCI_PxSSTS) = 0x113;
		PR(n, AHCI_PxTFD) = 0x50;
		PR(n, AHCI_PxSIG) = n == DISK_PORT ? AHCI_SIG_ATA : AHCI_SIG_ATAPI;
	}
	set_w(49, 1u << 9);
	set_w(82, 1u << 5);
	set_w(83, (uint16_t)(0x4000 | 1u << 12 | (lba48 ? 1u << 10 | 1u << 13 : 0)));
	for (unsigned i = 0; i < 4; i++)
		set_w(100 + i, lba48 ? (uint16_t)(sectors >> (16 * i)) : 0);
	set_w(60, (uint16_t)sectors);
	set_w(61, (uint16_t)(sectors >> 16));
	for (unsigned i = 0; i < 16; i++)	/* two characters a word, high byte first */
		h.ident[54 + (i ^ 1)] = (uint8_t)model[i];
}

static void fill(uint8_t *b, size_t n, unsigned long long *s)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)check_rnd(s);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_basic(bool lba48, uint32_t want_max)
{
	unsigned long long s = 99;
	uint32_t n = 2 * want_max + 3;
	uint8_t *w = malloc((size_t)n * 512), *r = malloc((size_t)n * 512);

	hba_new(SECTORS, lba48);
	CHECK(ahci_disk_init(&dk, &env) == 0 && !dk.dead && !dk.why);
	CHECK(dk.port == DISK_PORT && !strcmp(dk.model, "QEMU HARDDISK"));
	CHECK(dk.sector_size == 512 && dk.sectors == SECTORS && dk.max_blocks == want_max);
	CHECK(PR(DISK_PORT, AHCI_PxCMD) & AHCI_CMD_ST && !(PR(3, AHCI_PxCMD) & AHCI_CMD_ST));
	CHECK(PR(DISK_PORT, AHCI_PxIE) == 0);	/* polled */
	fill(w, (size_t)n * 512, &s);
	h.cmds = 0;
	CHECK(ahci_disk_write(&dk, 9, n, w) == 0 && h.cmds == 3 && h.max_count == want_max);
	CHECK(h.last_cmd == (lba48 ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_WRITE_DMA));
	CHECK(!memcmp(h.disk + 9 * 512, w, (size_t)n * 512));
	CHECK(ahci_disk_read(&dk, 9, n, r) == 0 && !memcmp(r, w, (size_t)n * 512));
	CHECK(ahci_disk_flush(&dk) == 0 && h.flushes == 1);
	CHECK(h.last_cmd == (lba48 ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH));
	CHECK(ahci_disk_write_zeroes(&dk, 10, n - 2) == 0);
	CHECK(h.disk[9 * 512] == w[0] && all_zero(h.disk + 10 * 512, (size_t)(n - 2) * 512));
	CHECK(!memcmp(h.disk + (9 + n - 1) * 512, w + (n - 1) * 512, 512));
	CHECK(ahci_disk_read(&dk, SECTORS - 1, 2, r) == -EINVAL && !dk.dead);
	CHECK(ahci_disk_read(&dk, UINT64_MAX, 1, r) == -EINVAL);
	CHECK(ahci_disk_write(&dk, 0, 0, w) == -EINVAL);
	CHECK(ahci_disk_write(&dk, 0, 1, NULL) == -EINVAL);
	CHECK(ahci_disk_write_zeroes(&dk, 1, UINT64_MAX) == -EINVAL);
	for (int i = 0; i < 100; i++)	/* slots are reused */
		CHECK(ahci_disk_read(&dk, (uint64_t)i, 1, r) == 0);
	/* Scattered: pieces of 1..4,000 bytes, the same commands as one buffer. */
	{
		struct blk_iov v[64];
		size_t left = (size_t)n * 512, at = 0;
		unsigned k = 0;

		fill(w, left, &s);
		while (at < left) {
			size_t len = k == 63 ? left - at : 1 + check_rnd(&s) % 4000;

			len = len > left - at ? left - at : len;
			v[k++] = (struct blk_iov){ w + at, len };
			at += len;
		}
		struct blk_iov one = { r, 512 };
		struct blk_io io[3] = { { 1, 5 * 512, v, k, 1 }, { 1, 512, &one, 1, 1 },
					{ 0, (uint64_t)SECTORS * 512, &one, 1, 0 } };

		h.cmds = 0;
		memset(r, 0x3c, 512);
		ahci_disk_rw(&dk, io, 2);
		CHECK(io[0].rc == 0 && io[1].rc == 0 && h.cmds == 4);
		CHECK(!memcmp(h.disk + 5 * 512, w, left) && h.disk[512] == 0x3c);
		memcpy(r, w, left);
		memset(w, 0, left);
		io[0].write = 0;
		ahci_disk_rw(&dk, io, 1);
		CHECK(io[0].rc == 0 && h.cmds == 7 && !memcmp(w, r, left));
		ahci_disk_rw(&dk, &io[2], 1);	/* past the end */
		CHECK(io[2].rc == -EINVAL && !dk.dead && h.cmds == 7);
		v[0].len--;			/* not whole sectors */
		ahci_disk_rw(&dk, io, 1);
		CHECK(io[0].rc == -EINVAL && h.cmds == 7);
		v[0].len++;
	}
	free(w);
	free(r);
}

/* With dma_buf the HBA moves an io's bytes in its pieces' own pages, a
 * PRDT entry per page, pages in any order; pieces the PRDT cannot hold (an
 * odd length) bounce, with the same bytes. */
static void test_direct(void)
{
	enum { PAGES = 80 };
	static struct blk_iov iv[PAGES];
	unsigned long long s = 5;
	uint8_t *w = malloc(PAGES * 4096);
	struct blk_io io;

	hba_new(SECTORS, true);
	h.ext_len = PAGES * 4096;
	h.ext = aligned_alloc(4096, h.ext_len);
	CHECK(ahci_disk_init(&dk, &direct_env) == 0 && dk.max_blocks == 256);
	fill(w, PAGES * 4096, &s);
	for (unsigned i = 0; i < PAGES; i++) {	/* every seventh page: any order */
		iv[i] = (struct blk_iov){ h.ext + (i * 7 % PAGES) * 4096, 4096 };
		memcpy(iv[i].base, w + i * 4096, 4096);
	}
	io = (struct blk_io){ 1, 3 * 512, iv, PAGES, 1 };
	h.cmds = h.ext_prds = 0;
	ahci_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && h.cmds == 3 && dk.direct == 3 && h.ext_prds == PAGES);
	CHECK(!memcmp(h.disk + 3 * 512, w, PAGES * 4096));
	memset(h.ext, 0, h.ext_len);
	io.write = 0;
	ahci_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && dk.direct == 6 && h.ext_prds == 2 * PAGES);
	for (unsigned i = 0; i < PAGES; i++)
		CHECK(!memcmp(iv[i].base, w + i * 4096, 4096));
	/* An odd piece: that command bounces. */
	iv[0].len = 1023;
	iv[1].len = 1;
	memset(h.ext, 0, h.ext_len);
	io.n = 3;
	h.ext_prds = 0;
	ahci_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && dk.direct == 6 && h.ext_prds == 0);
	CHECK(!memcmp(iv[0].base, w, 1023) && ((uint8_t *)iv[1].base)[0] == w[1023] &&
	      !memcmp(iv[2].base, w + 1024, 4096));
	free(w);
	free(h.ext);
	h.ext = NULL;
}

static void test_hostile(void)
{
	uint8_t b[512];

	hba_new(SECTORS, true);
	PR(DISK_PORT, AHCI_PxSIG) = AHCI_SIG_ATAPI;	/* no ATA disk anywhere */
	CHECK(ahci_disk_init(&dk, &env) == -ENODEV && dk.dead && dk.why);
	CHECK(ahci_disk_read(&dk, 0, 1, b) == -EIO);
	hba_new(SECTORS, true);
	set_w(49, 0);	/* IDENTIFY without LBA: refused */
	CHECK(ahci_disk_init(&dk, &env) == -ENODEV && dk.dead);
	hba_new(SECTORS, true);
	h.hostile = H_GONE;
	CHECK(ahci_disk_init(&dk, &env) != 0 && dk.dead);

	/* A task-file error fails that command; the port recovers. */
	hba_new(SECTORS, true);
	CHECK(ahci_disk_init(&dk, &env) == 0);
	h.hostile = H_TFE;
	CHECK(ahci_disk_write(&dk, 0, 1, b) == -EIO && !dk.dead && dk.why);
	h.hostile = 0;
	CHECK(ahci_disk_read(&dk, 0, 1, b) == 0);
	/* Silence: bounded, then dead. */
	h.hostile = H_SILENT;
	h.now = 0;
	CHECK(ahci_disk_read(&dk, 0, 1, b) == -ETIMEDOUT && dk.dead);
	CHECK(h.now > AHCI_DISK_CMD_TIMEOUT_US && h.now < 2 * AHCI_DISK_CMD_TIMEOUT_US);
	h.hostile = 0;
	CHECK(ahci_disk_flush(&dk) == -EIO && ahci_disk_write_zeroes(&dk, 0, 1) == -EIO);
	/* A new init brings it back with the same pages. */
	CHECK(ahci_disk_init(&dk, &env) == 0 && h.allocs == 1);
	CHECK(ahci_disk_read(&dk, 0, 1, b) == 0);
	/* Hostile completions kill the disk. */
	h.hostile = H_GHOST_CI;
	CHECK(ahci_disk_read(&dk, 0, 1, b) == -EIO && dk.dead && dk.p.hostile == 1);
	h.hostile = 0;
	CHECK(ahci_disk_init(&dk, &env) == 0);
	h.hostile = H_BIG_PRDBC;
	CHECK(ahci_disk_write(&dk, 0, 1, b) == -EIO && dk.dead);
}

static int v_read(void *c, uint64_t l, uint32_t n, void *b) { return ahci_disk_read(c, l, n, b); }
static int v_write(void *c, uint64_t l, uint32_t n, const void *b)
{
	return ahci_disk_write(c, l, n, b);
}
static int v_flush(void *c) { return ahci_disk_flush(c); }
static int v_zero(void *c, uint64_t l, uint64_t n) { return ahci_disk_write_zeroes(c, l, n); }

/* Volumes over the disk: a new volume where a destroyed one held data
 * reads as zeros; a failed zeroing leaves no volume. */
static void test_volume_zeroed(void)
{
	static struct volumes v;
	static const struct gpt_guid g = { { 9, 8, 7, 6, 5, 4, 3, 0x42, 0x81 } };
	struct volumes_disk vd;
	struct volumes_ref r;
	uint8_t *buf = malloc(128u << 10);
	uint64_t first;

	hba_new(SECTORS, true);
	CHECK(ahci_disk_init(&dk, &env) == 0);
	vd = (struct volumes_disk){ 512, dk.sectors, &dk, v_read, v_write, v_flush, v_zero, NULL, false };
	CHECK(volumes_open(&v, &vd, &g) == 0 && v.created);
	CHECK(volumes_create(&v, "tank/old", 128u << 10) == 0);
	CHECK(volumes_get(&v, "tank/old", &r) == 0);
	memset(buf, 0x77, 128u << 10);
	CHECK(volumes_write(&r, 0, buf, 128u << 10) == 0);
	first = r.first;
	volumes_put(&r);
	CHECK(volumes_destroy(&v, "tank/old") == 0 && h.disk[first * 512] == 0x77);
	h.hostile = H_TFE;
	CHECK(volumes_create(&v, "tank/new", 128u << 10) == -EIO && !dk.dead);
	h.hostile = 0;
	CHECK(volumes_list(&v, NULL, 0) == 0 && h.disk[first * 512] == 0x77);
	CHECK(volumes_create(&v, "tank/new", 128u << 10) == 0);
	CHECK(volumes_get(&v, "tank/new", &r) == 0 && r.first == first);
	CHECK(volumes_read(&r, 0, buf, 128u << 10) == 0 && all_zero(buf, 128u << 10));
	volumes_put(&r);
	free(buf);
}

/* Random reads, writes, zeroes and flushes against a model of the disk. */
static void test_fuzz(void)
{
	unsigned long long s = 0xa5a5a5a5deadbeefull;
	uint8_t *model = calloc(SECTORS, 512), *buf = malloc(300 * 512);

	hba_new(SECTORS, true);
	CHECK(ahci_disk_init(&dk, &env) == 0);
	for (int it = 0; it < 100000; it++) {
		uint64_t lba = check_rnd(&s) % (SECTORS + 8);
		uint32_t n = (uint32_t)(check_rnd(&s) % 300);
		bool ok = n && lba < SECTORS && n <= SECTORS - lba;
		unsigned op = (unsigned)(check_rnd(&s) % 4);

		if (op == 0) {
			fill(buf, (size_t)n * 512, &s);
			CHECK(ahci_disk_write(&dk, lba, n, buf) == (ok ? 0 : -EINVAL));
			if (ok)
				memcpy(model + lba * 512, buf, (size_t)n * 512);
		} else if (op == 1) {
			CHECK(ahci_disk_read(&dk, lba, n, buf) == (ok ? 0 : -EINVAL));
			CHECK(!ok || !memcmp(model + lba * 512, buf, (size_t)n * 512));
		} else if (op == 2) {
			CHECK(ahci_disk_write_zeroes(&dk, lba, n) == (ok ? 0 : -EINVAL));
			if (ok)
				memset(model + lba * 512, 0, (size_t)n * 512);
		} else {
			CHECK(ahci_disk_flush(&dk) == 0);
		}
	}
	CHECK(!memcmp(model, h.disk, (size_t)SECTORS * 512) && !dk.dead);
	free(model);
	free(buf);
}

/* With the interrupt (the HBA's MSI as an event channel): GHC.IE on
 * after the reset, the port started with PxIE = AHCI_IE_DEFAULT (again
 * after an error), every command's wait a wait_irq ended by the
 * completion's interrupt; a lost interrupt costs one interval. */
#define SPIN_POLLS (AHCI_DISK_SPIN_US / 10)

static void test_irq(void)
{
	unsigned long long s = 3;
	uint8_t w[8 * 512], r[8 * 512];

	hba_new(SECTORS, true);
	h.defer = true;
	h.slow = true;
	REG(AHCI_GHC) = AHCI_GHC_IE;	/* left on by firmware: the reset clears it */
	CHECK(ahci_disk_init(&dk, &irq_env) == 0 && !dk.dead && dk.port == DISK_PORT);
	CHECK(REG(AHCI_GHC) == (AHCI_GHC_AE | AHCI_GHC_IE));
	CHECK(PR(DISK_PORT, AHCI_PxIE) == AHCI_IE_DEFAULT);
	CHECK(PR(DISK_PORT, AHCI_PxCMD) & AHCI_CMD_ST);
	CHECK(h.cmds == 1 && h.irq_waits == 1 && h.irq_timeouts == 0);	/* IDENTIFY */
	fill(w, sizeof(w), &s);
	h.cmds = h.irq_waits = h.delays = 0;
	CHECK(ahci_disk_write(&dk, 5, 8, w) == 0 && ahci_disk_read(&dk, 5, 8, r) == 0);
	CHECK(!memcmp(r, w, sizeof(w)) && !memcmp(h.disk + 5 * 512, w, sizeof(w)));
	CHECK(ahci_disk_flush(&dk) == 0 && h.flushes == 1);
	CHECK(h.cmds == 3 && h.irq_waits == 3 && h.irq_timeouts == 0 && h.delays == 3 * SPIN_POLLS);
	for (int i = 0; i < 100; i++)	/* slots are reused; still one wait each */
		CHECK(ahci_disk_read(&dk, (uint64_t)i, 1, r) == 0);
	CHECK(h.irq_waits == 103 && h.irq_timeouts == 0 && h.delays == 103 * SPIN_POLLS);
	CHECK(REG(AHCI_IS) == 0);	/* cleared after each, so each interrupted */
	/* A command done within the spin: polled, never slept on. */
	h.slow = false;
	h.irq_waits = h.delays = 0;
	CHECK(ahci_disk_read(&dk, 5, 8, r) == 0 && !memcmp(r, w, sizeof(w)));
	CHECK(h.irq_waits == 0 && h.delays == 1 && h.last_delay == 10);
	CHECK(h.irq && REG(AHCI_IS) == 0);	/* its interrupt: the next wait's */
	h.irq = false;				/* (one extra look); taken here */
	h.slow = true;

	/* A task-file error interrupts too (TFES); the recovered port has
	 * its interrupts back. */
	h.hostile = H_TFE;
	h.irq_waits = 0;
	CHECK(ahci_disk_write(&dk, 0, 1, w) == -EIO && !dk.dead);
	CHECK(h.irq_waits == 1 && h.irq_timeouts == 0);
	CHECK(PR(DISK_PORT, AHCI_PxIE) == AHCI_IE_DEFAULT && PR(DISK_PORT, AHCI_PxCMD) & AHCI_CMD_ST);
	h.hostile = 0;
	CHECK(ahci_disk_read(&dk, 5, 8, r) == 0 && !memcmp(r, w, sizeof(w)));
	CHECK(h.irq_waits == 2 && h.irq_timeouts == 0);
	/* Lost interrupts: the command still completes, one interval later. */
	h.hostile = H_NO_IRQ;
	h.irq_waits = 0;
	h.now = 0;
	CHECK(ahci_disk_read(&dk, 0, 1, r) == 0 && !dk.dead);
	CHECK(h.irq_waits == 1 && h.irq_timeouts == 1 &&
	      h.now == AHCI_DISK_SPIN_US + AHCI_DISK_IRQ_WAIT_US);
	/* Silence: still bounded by the command timeout, in wait_irq's steps. */
	h.hostile = H_SILENT;
	h.irq_waits = h.irq_timeouts = h.delays = 0;
	h.now = 0;
	CHECK(ahci_disk_read(&dk, 0, 1, r) == -ETIMEDOUT && dk.dead);
	CHECK(h.now > AHCI_DISK_CMD_TIMEOUT_US && h.now < 2 * AHCI_DISK_CMD_TIMEOUT_US);
	CHECK(h.irq_waits == h.irq_timeouts &&
	      h.irq_waits >= (AHCI_DISK_CMD_TIMEOUT_US - AHCI_DISK_SPIN_US) / AHCI_DISK_IRQ_WAIT_US);

	/* Without it (wait_irq NULL): GHC.IE clear (even if firmware left it
	 * on), PxIE 0 (again after an error), every wait a delay of 10 us. */
	hba_new(SECTORS, true);
	h.defer = true;
	h.slow = false;
	REG(AHCI_GHC) = AHCI_GHC_IE;
	CHECK(ahci_disk_init(&dk, &env) == 0 && REG(AHCI_GHC) == AHCI_GHC_AE);
	CHECK(PR(DISK_PORT, AHCI_PxIE) == 0 && h.cmds == 1);
	h.cmds = h.delays = 0;
	CHECK(ahci_disk_write(&dk, 5, 8, w) == 0 && ahci_disk_read(&dk, 5, 8, r) == 0);
	CHECK(!memcmp(r, w, sizeof(w)) && h.cmds == 2 && h.delays == 2 && h.last_delay == 10);
	CHECK(h.irq_waits == 0 && !h.irq && REG(AHCI_IS) == 0);
	h.hostile = H_TFE;
	CHECK(ahci_disk_write(&dk, 0, 1, w) == -EIO && !dk.dead);
	CHECK(PR(DISK_PORT, AHCI_PxIE) == 0 && !h.irq);
	h.hostile = 0;
	CHECK(ahci_disk_read(&dk, 5, 8, r) == 0 && !memcmp(r, w, sizeof(w)));
}

int main(void)
{
	test_basic(true, 256);	/* the bounce pages: 128 KiB */
	test_basic(false, 256);	/* 28-bit: 256 sectors a command */
	test_direct();
	test_hostile();
	test_volume_zeroed();
	test_irq();
	test_fuzz();
	free(h.disk);
	free(h.mem);
	CHECK_DONE("ahci_disk");
	return 0;
}
