/*
 * One SATA disk behind an AHCI HBA as a synchronous disk (ahci_disk.h):
 * ahci.c builds and checks every command; this file owns the memory, picks
 * the port, and runs one command at a time to its completion within
 * AHCI_DISK_CMD_TIMEOUT_US.
 */
#include <string.h>
#include "errno.h"
#include "ahci_disk.h"

#define PAGE 4096u
#define LIST_OFF 0u		/* 32 headers, 1 KiB aligned (§3.3.1) */
#define FIS_OFF 1024u		/* 256 bytes, 256 aligned (§3.3.3) */
#define TABLE_OFF 2048u		/* 128 aligned (§4.2.2) */
#define PRDT_CAP AHCI_DISK_BOUNCE_PAGES	/* one entry per bounce page */
#define LBA28_MAX 256u		/* sectors per 28-bit command */

_Static_assert(TABLE_OFF + AHCI_TABLE_SIZE(PRDT_CAP) <= PAGE, "command table page");

/* Page indexes in d->pages */
enum { P_CMD, P_IDENT, P_BOUNCE };

static int fail(struct ahci_disk *d, int rc, const char *why)
{
	d->why = why;
	return rc;
}

/* The disk is broken for good: every later call fails. */
static int die(struct ahci_disk *d, int rc, const char *why)
{
	d->dead = true;
	return fail(d, rc, why);
}

/* ---- struct ahci_ops over the env ------------------------------------------ */

static uint32_t o_read(void *ctx, uint32_t off)
{
	const struct dev_env *e = ((struct ahci_disk *)ctx)->env;

	return e->rd32(e->ctx, off);
}

static void o_write(void *ctx, uint32_t off, uint32_t val)
{
	const struct dev_env *e = ((struct ahci_disk *)ctx)->env;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* memory before the register (ahci.h) */
	e->wr32(e->ctx, off, val);
}

static int o_wait(void *ctx, uint32_t us)
{
	const struct dev_env *e = ((struct ahci_disk *)ctx)->env;

	e->delay(e->ctx, us);
	return 0;
}

/* ---- one command ------------------------------------------------------------- */

static uint64_t dma(const struct ahci_disk *d, const void *p)
{
	return d->env->dma(d->env->ctx, p);
}

/* PxIE: completions and errors when the interrupt reaches us (GHC.IE set
 * by ahci_disk_init), else none. */
static uint32_t port_ie(const struct ahci_disk *d)
{
	return d->env->wait_irq ? AHCI_IE_DEFAULT : 0;
}

/* Polls until slot completes (bounded). A failed command is recovered
 * (§6.2.2.1) for the next one; a hostile snapshot or a timeout kills. */
static int wait_slot(struct ahci_disk *d, unsigned slot)
{
	const struct dev_env *e = d->env;
	uint64_t start = e->now_us(e->ctx);
	struct ahci_done dn;

	for (;;) {
		unsigned hostile = d->p.hostile;
		int rc = ahci_port_poll(&d->p, &dn);

		/* PxIS, then the port's IS bit (§10.7.2.1): an HBA sends its
		 * single MSI again only once IS has been cleared. */
		if (e->wait_irq)
			o_write(d, AHCI_IS, 1u << ((d->p.base - AHCI_PORT(0)) / 0x80u));

		if (d->p.hostile != hostile)
			return die(d, -EIO, d->p.why ? d->p.why : "hostile completion");
		if (dn.ok >> slot & 1)
			return 0;
		if (rc || (dn.failed >> slot & 1)) {
			const char *why = d->p.why ? d->p.why : "command failed";

			if (ahci_port_recover(&d->p, port_ie(d), AHCI_DISK_READY_MS))
				return die(d, -EIO, "the port did not recover after an error");
			return fail(d, -EIO, why);
		}
		if (e->now_us(e->ctx) - start > AHCI_DISK_CMD_TIMEOUT_US) {
			ahci_port_abort(&d->p, &dn);
			(void)ahci_port_stop(&d->p, false);
			return die(d, -ETIMEDOUT, "command timed out");
		}
		if (e->wait_irq && e->now_us(e->ctx) - start >= AHCI_DISK_SPIN_US)
			dev_env_wait(e, AHCI_DISK_IRQ_WAIT_US);
		else
			e->delay(e->ctx, 10);
	}
}

/* Runs fis with its data in the n segments seg. */
static int run_segs(struct ahci_disk *d, const struct ahci_fis_h2d *fis, const struct ahci_seg *seg,
		    unsigned n)
{
	int slot, rc;

	if (d->dead)
		return fail(d, -EIO, "disk is dead");
	if ((slot = ahci_slot_alloc(&d->p)) < 0)
		return die(d, -EIO, "no command slot (port latched)");
	rc = ahci_cmd_prepare(&d->p, (unsigned)slot, (void *)(d->page0 + TABLE_OFF),
			      dma(d, d->page0 + TABLE_OFF), PRDT_CAP, fis, seg, n);
	if (!rc)
		rc = ahci_slot_issue(&d->p, (unsigned)slot);
	if (rc) {
		(void)ahci_slot_free(&d->p, (unsigned)slot);
		return fail(d, -EINVAL, "cannot describe the command");
	}
	return wait_slot(d, (unsigned)slot);
}

/* Runs fis with bytes of data in the bounce pages (or the IDENTIFY page). */
static int run(struct ahci_disk *d, const struct ahci_fis_h2d *fis, uint32_t bytes, bool ident)
{
	struct ahci_seg seg[PRDT_CAP];
	unsigned n = 0;

	if (ident)
		seg[n++] = (struct ahci_seg){ dma(d, d->identify), 512 };
	for (uint32_t off = 0; !ident && off < bytes; off += PAGE)
		seg[n++] = (struct ahci_seg){ dma(d, d->bounce + off),
					      bytes - off < PAGE ? bytes - off : PAGE };
	return run_segs(d, fis, seg, n);
}

/* ---- bring-up --------------------------------------------------------------- */

/* Port n started, an ATA disk, identified. 0, or -errno (try the next port). */
static int try_port(struct ahci_disk *d, unsigned n, uint32_t cap, uint32_t pi)
{
	uint8_t *p0 = d->page0;
	struct ahci_fis_h2d f;
	int rc;

	if (ahci_port_init(&d->p, &d->ops, n, cap, pi, (struct ahci_cmd_hdr *)(p0 + LIST_OFF),
			   dma(d, p0 + LIST_OFF), dma(d, p0 + FIS_OFF)))
		return fail(d, -ENODEV, "command list or FIS area unusable (64-bit without S64A?)");
	if (!ahci_ssts_present(o_read(d, AHCI_PORT(n) + AHCI_PxSSTS)))
		return fail(d, -ENODEV, "no device");
	if ((rc = ahci_port_stop(&d->p, true)) || (rc = ahci_port_start(&d->p, port_ie(d), AHCI_DISK_READY_MS)))
		return fail(d, rc, d->p.why ? d->p.why : "port start failed");
	if (ahci_port_class(&d->p) != AHCI_DEV_ATA) {
		(void)ahci_port_stop(&d->p, true);
		return fail(d, -ENODEV, "not an ATA disk");
	}
	ahci_fis_identify(&f);
	memset(d->identify, 0, 512);
	if ((rc = run(d, &f, 512, true)))
		return rc;
	if (ahci_identify_parse(d->identify, &d->id))
		return fail(d, -ENODEV, "IDENTIFY DEVICE data refused");
	if (d->id.sector_size > PAGE)
		return fail(d, -ENODEV, "sector size above 4096");
	return 0;
}

int ahci_disk_init(struct ahci_disk *d, const struct dev_env *env)
{
	void *pages = d->env == env ? d->pages : NULL;
	struct ahci_cap c;
	uint32_t cap, pi;
	int rc = -ENODEV;

	memset(d, 0, sizeof(*d));
	d->env = env;
	d->ops = (struct ahci_ops){ o_read, o_write, o_wait, d };
	if (!pages && !(pages = env->alloc_pages(env->ctx, AHCI_DISK_PAGES)))
		return fail(d, -ENOMEM, "no memory for the command list and bounce pages");
	d->pages = pages;
	d->page0 = (uint8_t *)pages + P_CMD * PAGE;
	d->identify = (uint8_t *)pages + P_IDENT * PAGE;
	d->bounce = (uint8_t *)pages + P_BOUNCE * PAGE;
	d->dead = true;		/* until a disk answers */
	/* A reset takes every port back from the firmware (§10.4.3). */
	if ((rc = ahci_hba_reset(&d->ops)))
		return fail(d, rc, "HBA reset or AHCI enable failed");
	if (env->wait_irq)	/* the HBA's interrupt on (§3.1.2) */
		o_write(d, AHCI_GHC, o_read(d, AHCI_GHC) | AHCI_GHC_IE);
	cap = o_read(d, AHCI_CAP);
	pi = o_read(d, AHCI_PI);
	ahci_cap_decode(cap, &c);
	d->why = "no port with an ATA disk";
	rc = -ENODEV;
	for (unsigned n = 0; n < c.ports && n < 32; n++) {
		if (!(pi >> n & 1))
			continue;
		d->dead = false;
		if (!(rc = try_port(d, n, cap, pi)))
			break;
		d->dead = true;
	}
	if (rc)
		return rc;
	d->port = (unsigned)(d->p.base - AHCI_PORT(0)) / 0x80u;
	d->p.sector_size = d->id.sector_size;
	d->sector_size = d->id.sector_size;
	d->sectors = d->id.sectors;
	d->write_cache = d->id.write_cache;
	d->max_blocks = AHCI_DISK_BOUNCE_PAGES * PAGE / d->sector_size;
	if (!d->id.lba48 && d->max_blocks > LBA28_MAX)
		d->max_blocks = LBA28_MAX;
	memcpy(d->model, d->id.model, sizeof(d->model));
	memcpy(d->serial, d->id.serial, sizeof(d->serial));
	memcpy(d->firmware, d->id.firmware, sizeof(d->firmware));
	d->why = NULL;
	return 0;
}

/* ---- I/O --------------------------------------------------------------------- */

static int check_range(struct ahci_disk *d, uint64_t lba, uint64_t count)
{
	if (d->dead)
		return fail(d, -EIO, "disk is dead");
	if (!count || lba >= d->sectors || count > d->sectors - lba)
		return fail(d, -EINVAL, "transfer outside the disk");
	return 0;
}

/* One command of n sectors at lba: its data in seg (nseg of them), or
 * else through the bounce pages. */
static int rw_chunk(struct ahci_disk *d, bool write, uint64_t lba, uint32_t n,
		    const struct ahci_seg *seg, unsigned nseg)
{
	struct ahci_fis_h2d f;

	if (ahci_fis_rw(&f, write, lba, n, d->id.lba48))
		return fail(d, -EINVAL, "cannot describe the transfer");
	return seg ? run_segs(d, &f, seg, nseg) : run(d, &f, n * d->sector_size, false);
}

/*
 * The device addresses of bytes [at, at + bytes) of io's pieces as PRDT
 * segments, one per page touched (PRDT_CAP at most): true when the env
 * reaches the pieces (dma_buf) and every address and length is even and
 * the HBA can address it (§4.2.3.3). Otherwise the chunk bounces.
 */
struct prd_segs {
	const struct ahci_disk *d;
	struct ahci_seg *seg;
	unsigned n;
};

static int prd_seg(void *arg, uint64_t a, size_t len, int more)
{
	struct prd_segs *l = arg;

	(void)more;
	if (l->n == PRDT_CAP || (a | len) & 1 || (!l->d->p.addr64 && a + len > (1ull << 32)))
		return 0;
	l->seg[l->n++] = (struct ahci_seg){ a, (uint32_t)len };
	return 1;
}

static bool direct_segs(const struct ahci_disk *d, const struct blk_io *io, size_t at,
			size_t bytes, struct ahci_seg *seg, unsigned *nseg)
{
	const struct dev_env *e = d->env;
	struct prd_segs l = { d, seg, 0 };

	if (!e->dma_buf ||
	    !blk_iov_dma_runs(io->v, io->n, at, bytes, PAGE, e->dma_buf, e->ctx, prd_seg, &l))
		return false;
	*nseg = l.n;
	return true;
}

/* One io: max_blocks per command whatever its pieces' sizes. */
static int rw_io(struct ahci_disk *d, const struct blk_io *io)
{
	size_t len = io->v && io->n ? blk_iov_total(io->v, io->n) : 0, at = 0;
	uint64_t ss = d->sector_size ? d->sector_size : 512, lba = io->off / ss;
	uint32_t count = (uint32_t)(len / ss);
	struct ahci_seg seg[PRDT_CAP];
	struct blk_iov_cursor c;
	int rc;

	if (!len || len % ss || io->off % ss || len / ss > UINT32_MAX)
		return fail(d, -EINVAL, "transfer outside the disk");
	if ((rc = check_range(d, lba, count)))
		return rc;
	while (!rc && count) {
		uint32_t k = count < d->max_blocks ? count : d->max_blocks;
		size_t bytes = (size_t)k * d->sector_size;
		unsigned nseg = 0;
		bool direct = direct_segs(d, io, at, bytes, seg, &nseg);

		blk_iov_seek(&c, io->v, io->n, at);
		if (io->write && !direct)
			blk_iov_copy(&c, d->bounce, bytes, 0);
		if (!(rc = rw_chunk(d, io->write, lba, k, direct ? seg : NULL, nseg))) {
			if (!io->write && !direct)
				blk_iov_copy(&c, d->bounce, bytes, 1);
			d->direct += direct;
			lba += k;
			count -= k;
			at += bytes;
		}
	}
	return rc;
}

void ahci_disk_rw(struct ahci_disk *d, struct blk_io *ios, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ios[i].rc = rw_io(d, &ios[i]);
}

/* count sectors at lba to or from buf, as one io. */
static int rw_flat(struct ahci_disk *d, int write, uint64_t lba, uint32_t count, void *buf)
{
	struct blk_iov v = { buf, (size_t)count * d->sector_size };
	struct blk_io io = { write, lba * d->sector_size, &v, 1, 0 };
	int rc = buf ? check_range(d, lba, count) : fail(d, -EINVAL, "no buffer");

	return rc ? rc : rw_io(d, &io);
}

int ahci_disk_read(struct ahci_disk *d, uint64_t lba, uint32_t count, void *buf)
{
	return rw_flat(d, 0, lba, count, buf);
}

int ahci_disk_write(struct ahci_disk *d, uint64_t lba, uint32_t count, const void *buf)
{
	return rw_flat(d, 1, lba, count, (void *)buf);
}

int ahci_disk_write_zeroes(struct ahci_disk *d, uint64_t lba, uint64_t count)
{
	int rc = check_range(d, lba, count);

	if (!rc)
		memset(d->bounce, 0, (size_t)d->max_blocks * d->sector_size);
	while (!rc && count) {
		uint32_t n = count < d->max_blocks ? (uint32_t)count : d->max_blocks;

		if (!(rc = rw_chunk(d, true, lba, n, NULL, 0))) {
			lba += n;
			count -= n;
		}
	}
	return rc;
}

int ahci_disk_flush(struct ahci_disk *d)
{
	struct ahci_fis_h2d f;

	if (d->dead)
		return fail(d, -EIO, "disk is dead");
	/* FLUSH CACHE is mandatory for ATA devices (ACS-2 §7.14); the EXT
	 * form when the disk names it, as 48-bit disks do. */
	ahci_fis_flush(&f, d->id.flush_ext);
	return run(d, &f, 0, false);
}
