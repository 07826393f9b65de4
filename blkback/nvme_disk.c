/*
 * One NVMe namespace as a synchronous disk (nvme_disk.h): bring-up per
 * §7.6.1, then admin commands one at a time and I/O batches of up to
 * NVME_DISK_SLOTS commands in flight, each command done within
 * NVME_DISK_CMD_TIMEOUT_US.
 */
#include <string.h>
#include "errno.h"
#include "nvme_disk.h"

#define PAGE NVME_PAGE
#define CSTS_POLL_EVERY 64	/* polls between two reads of CSTS */
#define ZERO_REFUSED 1		/* zero_chunk: write zeros instead */

/* Page indexes in d->pages: the queues, IDENTIFY's page, then per slot a
 * PRP list page, then per slot its bounce pages. */
enum { P_ASQ, P_ACQ, P_IOSQ, P_IOCQ, P_IDENT, P_PRP,
       P_BOUNCE = P_PRP + NVME_DISK_SLOTS };
_Static_assert(P_BOUNCE + NVME_DISK_SLOTS * NVME_DISK_BOUNCE_PAGES == NVME_DISK_PAGES, "pages");
_Static_assert(NVME_DISK_SLOTS < NVME_DISK_IO_DEPTH, "slots fit the I/O queue");

_Static_assert(NVME_DISK_ADMIN_DEPTH * sizeof(struct nvme_sqe) <= PAGE, "admin SQ page");
_Static_assert(NVME_DISK_IO_DEPTH * sizeof(struct nvme_sqe) <= PAGE, "I/O SQ page");

static int fail(struct nvme_disk *d, int rc, const char *why)
{
	d->why = why;
	return rc;
}

/* The disk is broken for good: every later call fails. The controller is
 * reset (CC.EN = 0, §3.7.2: commands in flight are aborted), so it stops
 * moving data into pages it was given in place, which are not ours. */
static int die(struct nvme_disk *d, int rc, const char *why)
{
	if (!d->dead)
		d->env->wr32(d->env->ctx, NVME_REG_CC, 0);
	d->dead = true;
	return fail(d, rc, why);
}

static uint64_t rd64(const struct dev_env *e, uint32_t reg)
{
	uint64_t lo = e->rd32(e->ctx, reg);

	return lo | (uint64_t)e->rd32(e->ctx, reg + 4) << 32;
}

static void wr64(const struct dev_env *e, uint32_t reg, uint64_t v)
{
	e->wr32(e->ctx, reg, (uint32_t)v);
	e->wr32(e->ctx, reg + 4, (uint32_t)(v >> 32));
}

/* Waits (bounded) for CSTS.RDY to become want. 0, -ETIMEDOUT, -EIO (fatal). */
static int wait_ready(struct nvme_disk *d, bool want)
{
	const struct dev_env *e = d->env;
	uint64_t limit = d->cap.timeout_ms * 1000ull, start = e->now_us(e->ctx);

	if (limit < NVME_DISK_MIN_READY_US)
		limit = NVME_DISK_MIN_READY_US;
	for (;;) {
		uint32_t csts = e->rd32(e->ctx, NVME_REG_CSTS);

		/* CFS is meaningful only while enabling; all ones always is. */
		if (csts == 0xffffffffu || (want && nvme_csts_fatal(csts)))
			return fail(d, -EIO, "controller fatal status (CSTS.CFS) or gone");
		if (nvme_csts_ready(csts) == want)
			return 0;
		if (e->now_us(e->ctx) - start > limit)
			return fail(d, -ETIMEDOUT, want ? "CSTS.RDY did not follow CC.EN = 1"
							: "CSTS.RDY did not clear after CC.EN = 0");
		e->delay(e->ctx, NVME_DISK_POLL_US);
	}
}

static uint16_t next_cid(struct nvme_disk *d, const struct nvme_queue *q)
{
	for (uint32_t i = 0; i < q->depth; i++) {
		uint16_t cid = (uint16_t)(d->next_cid++ % q->depth);

		if (!nvme_cid_busy(q, cid))
			return cid;
	}
	return 0;	/* cannot happen: one command at a time */
}

static void doorbell(const struct dev_env *e, uint32_t reg, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the entry before the doorbell */
	e->wr32(e->ctx, reg, v);
}

/* Polls q for its next completion (bounded): 0 with *dn, or -EIO or
 * -ETIMEDOUT (dead). Spins NVME_DISK_SPIN_US, then sleeps on the
 * interrupt where there is one. */
static int wait_any(struct nvme_disk *d, struct nvme_queue *q, struct nvme_done *dn)
{
	const struct dev_env *e = d->env;
	uint64_t start = e->now_us(e->ctx);

	for (unsigned n = 1;; n++) {
		int rc = nvme_cq_poll(q, dn);

		if (rc < 0)
			return die(d, -EIO, q->why);
		if (rc > 0) {
			doorbell(e, q->cq_db, q->cq_head);
			return 0;
		}
		if (n % CSTS_POLL_EVERY == 0 && nvme_csts_fatal(e->rd32(e->ctx, NVME_REG_CSTS)))
			return die(d, -EIO, "controller fatal status (CSTS.CFS) or gone");
		if (e->now_us(e->ctx) - start > NVME_DISK_CMD_TIMEOUT_US)
			return die(d, -ETIMEDOUT, "command timed out");
		if (e->wait_irq && e->now_us(e->ctx) - start >= NVME_DISK_SPIN_US)
			dev_env_wait(e, NVME_DISK_IRQ_WAIT_US);
		else
			e->delay(e->ctx, NVME_DISK_POLL_US);
	}
}

/* The completion of cid, the one command outstanding on q. */
static int wait_done(struct nvme_disk *d, struct nvme_queue *q, uint16_t cid,
		     struct nvme_done *dn)
{
	int rc = wait_any(d, q, dn);

	if (!rc && dn->cid != cid)
		return die(d, -EIO, "completion for a command not sent");
	return rc;
}

/* Sends e (its CID already cid) on q and waits for it; status checked. */
static int run(struct nvme_disk *d, struct nvme_queue *q, struct nvme_sqe *sqe, uint16_t cid)
{
	struct nvme_done dn;
	int rc;

	if (d->dead)
		return fail(d, -EIO, "controller is dead");
	if ((rc = nvme_sq_push(q, sqe)))
		return die(d, -EIO, q->why ? q->why : "submission refused");
	doorbell(d->env, q->sq_db, q->sq_tail);
	if ((rc = wait_done(d, q, cid, &dn)))
		return rc;
	d->status = dn.status;
	if (!nvme_status_ok(dn.status)) {
		const char *s = nvme_status_str(dn.status);

		return fail(d, -EIO, s ? s : "command failed");
	}
	return 0;
}

/* Printable ASCII of a space-padded IDENTIFY string, trailing spaces cut. */
static void id_string(char *out, const uint8_t *in, size_t n)
{
	size_t len = n;

	while (len && (in[len - 1] == ' ' || in[len - 1] == 0))
		len--;
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[len] = '\0';
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int identify(struct nvme_disk *d, uint8_t cns, uint32_t nsid)
{
	struct nvme_sqe e;
	uint16_t cid = next_cid(d, &d->admin);

	memset(d->identify, 0, PAGE);
	nvme_cmd_identify(&e, cns, nsid, d->env->dma(d->env->ctx, d->identify), cid);
	return run(d, &d->admin, &e, cid);
}

/* IDENTIFY controller (§5.15.2.2, Figure 247): SN 4, MN 24, FR 64, MDTS 77,
 * NN 516, ONCS 520 (bit 3: Write Zeroes), VWC 525. */
static int identify_controller(struct nvme_disk *d)
{
	const uint8_t *id = d->identify;
	int rc;

	if ((rc = identify(d, NVME_CNS_CONTROLLER, 0)))
		return rc;
	id_string(d->serial, id + 4, 20);
	id_string(d->model, id + 24, 40);
	id_string(d->firmware, id + 64, 8);
	d->write_cache = id[525] & 1;
	d->write_zeroes = id[520] & 8;
	if (id[77]) {	/* 2^MDTS pages of CAP.MPSMIN; 0 means no limit */
		unsigned shift = id[77] + d->cap.page_min_shift;

		d->mdts_bytes = shift >= 32 ? 1ull << 32 : 1ull << shift;
	}
	if (le32(id + 516) < 1)
		return fail(d, -ENODEV, "the controller has no namespaces (NN = 0)");
	return 0;
}

/* IDENTIFY namespace 1 (§5.15.2.1, Figure 245): NSZE 0, FLBAS 26, LBAF at
 * 128 + 4 * index: MS 15:0, LBADS 23:16. */
static int identify_namespace(struct nvme_disk *d)
{
	const uint8_t *id = d->identify;
	unsigned fmt, lbads;
	uint32_t lbaf;
	int rc;

	if ((rc = identify(d, NVME_CNS_NAMESPACE, 1)))
		return rc;
	d->nsid = 1;
	d->sectors = le64(id);
	fmt = id[26] & 0xf;
	if (fmt > id[25])	/* NLBAF is 0-based */
		return fail(d, -ENODEV, "namespace format index beyond NLBAF");
	lbaf = le32(id + 128 + 4 * fmt);
	lbads = lbaf >> 16 & 0xff;
	if (!d->sectors)
		return fail(d, -ENODEV, "namespace 1 is inactive (NSZE = 0)");
	if ((lbaf & 0xffff) || lbads < 9 || lbads > 12)
		return fail(d, -ENODEV, "namespace has metadata or an LBA size outside 512..4096");
	d->sector_size = 1u << lbads;
	d->max_blocks = NVME_DISK_BOUNCE_PAGES * PAGE / d->sector_size;
	if (d->mdts_bytes && d->mdts_bytes / d->sector_size < d->max_blocks)
		d->max_blocks = (uint32_t)(d->mdts_bytes / d->sector_size);
	if (!d->max_blocks)
		return fail(d, -ENODEV, "MDTS below one block");
	/* Write Zeroes moves no data, but MDTS is the limit a controller
	 * without the NVM CS's WZSL field is known to take (Linux does the same). */
	d->zero_blocks = NVME_MAX_BLOCKS;
	if (d->mdts_bytes && d->mdts_bytes / d->sector_size < d->zero_blocks)
		d->zero_blocks = (uint32_t)(d->mdts_bytes / d->sector_size);
	return 0;
}

/* Create I/O CQ 1, then SQ 1 on it (§5.3, §5.4); the CQ interrupts on
 * vector 0 (the admin queue's, MSI-X entry 0) when the environment takes
 * interrupts (IEN), else it is polled. */
static int create_io_queues(struct nvme_disk *d, uint8_t *pages)
{
	const struct dev_env *e = d->env;
	uint32_t depth = d->cap.max_entries < NVME_DISK_IO_DEPTH ? d->cap.max_entries
								 : NVME_DISK_IO_DEPTH;
	struct nvme_sqe s;
	uint16_t cid;
	int rc;

	memset(pages + P_IOSQ * PAGE, 0, 2 * PAGE);
	if (nvme_queue_init(&d->io, 1, depth, d->cap.dstrd,
			    (struct nvme_sqe *)(pages + P_IOSQ * PAGE),
			    (struct nvme_cqe *)(pages + P_IOCQ * PAGE)))
		return fail(d, -EIO, "I/O queue set-up");
	cid = next_cid(d, &d->admin);
	nvme_cmd_create_cq(&s, 1, depth, e->dma(e->ctx, pages + P_IOCQ * PAGE), 0, e->wait_irq != NULL,
			    cid);
	if ((rc = run(d, &d->admin, &s, cid)))
		return rc;
	cid = next_cid(d, &d->admin);
	nvme_cmd_create_sq(&s, 1, depth, e->dma(e->ctx, pages + P_IOSQ * PAGE), 1, cid);
	return run(d, &d->admin, &s, cid);
}

/* §7.6.1: disable, wait, admin queue registers, enable, wait. */
static int enable(struct nvme_disk *d, uint8_t *pages)
{
	const struct dev_env *e = d->env;
	uint32_t depth;
	int rc;

	nvme_cap_decode(rd64(e, NVME_REG_CAP), &d->cap);
	if (!d->cap.nvm || d->cap.page_min_shift > 12 || d->cap.page_max_shift < 12)
		return fail(d, -ENODEV, "no NVM command set or no 4 KiB pages (CAP)");
	e->wr32(e->ctx, NVME_REG_CC, 0);
	if ((rc = wait_ready(d, false)))
		return rc;
	memset(pages + P_ASQ * PAGE, 0, 2 * PAGE);
	depth = d->cap.max_entries < NVME_DISK_ADMIN_DEPTH ? d->cap.max_entries
								    : NVME_DISK_ADMIN_DEPTH;
	if (nvme_queue_init(&d->admin, 0, depth, d->cap.dstrd,
			    (struct nvme_sqe *)(pages + P_ASQ * PAGE),
			    (struct nvme_cqe *)(pages + P_ACQ * PAGE)))
		return fail(d, -EIO, "admin queue set-up");
	e->wr32(e->ctx, NVME_REG_AQA, nvme_aqa(depth, depth));
	wr64(e, NVME_REG_ASQ, e->dma(e->ctx, pages + P_ASQ * PAGE));
	wr64(e, NVME_REG_ACQ, e->dma(e->ctx, pages + P_ACQ * PAGE));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	e->wr32(e->ctx, NVME_REG_CC, nvme_cc_enable());
	return wait_ready(d, true);
}

int nvme_disk_init(struct nvme_disk *d, const struct dev_env *env)
{
	void *pages = d->env == env ? d->pages : NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	d->env = env;
	if (!pages && !(pages = env->alloc_pages(env->ctx, NVME_DISK_PAGES)))
		return fail(d, -ENOMEM, "no memory for the queues and bounce pages");
	d->pages = pages;
	d->identify = (uint8_t *)pages + P_IDENT * PAGE;
	for (unsigned s = 0; s < NVME_DISK_SLOTS; s++) {
		d->prp_list[s] = (uint64_t *)((uint8_t *)pages + (P_PRP + s) * PAGE);
		d->bounce[s] = (uint8_t *)pages + (P_BOUNCE + s * NVME_DISK_BOUNCE_PAGES) * PAGE;
		for (unsigned i = 0; i < NVME_DISK_BOUNCE_PAGES; i++)
			d->bounce_dma[s][i] = env->dma(env->ctx, d->bounce[s] + i * PAGE);
	}
	if ((rc = enable(d, pages)) || (rc = identify_controller(d)) ||
	    (rc = identify_namespace(d)) || (rc = create_io_queues(d, pages))) {
		d->dead = true;
		return rc;
	}
	d->why = NULL;
	return 0;
}

/* The command for n blocks at lba, CID slot: its data in the pages at pg
 * (npg of them, from first_off into the first), or else through slot's
 * bounce pages. */
static int chunk_cmd(struct nvme_disk *d, unsigned slot, uint8_t op, uint64_t lba, uint32_t n,
		     const uint64_t *pg, unsigned npg, unsigned first_off, struct nvme_sqe *e)
{
	uint32_t bytes = n * d->sector_size;
	uint64_t prp1, prp2;

	if (!pg) {
		pg = d->bounce_dma[slot];
		npg = (bytes + PAGE - 1) / PAGE;
		first_off = 0;
	}
	if (nvme_prp_build(pg, npg, first_off, bytes, &prp1, &prp2, d->prp_list[slot],
			   d->env->dma(d->env->ctx, d->prp_list[slot]), NVME_PRP_PER_PAGE) ||
	    nvme_cmd_rw(e, op, d->nsid, lba, n, prp1, prp2, (uint16_t)slot))
		return fail(d, -EINVAL, "cannot describe the transfer");
	return 0;
}

/*
 * The device addresses of the pages holding bytes [at, at + bytes) of io's
 * pieces, into pg (NVME_DISK_DIRECT_PAGES at most), and the offset into the
 * first: true when the env reaches the pieces (dma_buf) and they form one
 * PRP list (§4.1.1: dword-aligned; past the first byte every page starts at
 * its offset 0, and up to the last every page is full). Otherwise the chunk
 * bounces: the pieces of a hostile or odd request (a 512-byte segment in
 * the middle of a page) are still served, only copied.
 */
struct prp_pages {
	uint64_t *pg;
	unsigned n, first_off;
};

static int prp_page(void *arg, uint64_t a, size_t len, int more)
{
	struct prp_pages *l = arg;

	if ((a & 3) || (l->n && a % PAGE) || l->n == NVME_DISK_DIRECT_PAGES ||
	    (more && (a + len) % PAGE))
		return 0;	/* unaligned, too many, or a page cut short mid-list */
	if (!l->n)
		l->first_off = (unsigned)(a % PAGE);
	l->pg[l->n++] = a - a % PAGE;
	return 1;
}

static bool direct_pages(const struct nvme_disk *d, const struct blk_io *io, size_t at,
			 size_t bytes, uint64_t *pg, unsigned *npg, unsigned *first_off)
{
	const struct dev_env *e = d->env;
	struct prp_pages l = { pg, 0, 0 };

	if (!e->dma_buf ||
	    !blk_iov_dma_runs(io->v, io->n, at, bytes, PAGE, e->dma_buf, e->ctx, prp_page, &l))
		return false;
	*npg = l.n;
	*first_off = l.first_off;
	return true;
}

/* One command of n blocks at lba through slot 0's bounce pages, waited for. */
static int rw_chunk(struct nvme_disk *d, uint8_t op, uint64_t lba, uint32_t n)
{
	struct nvme_sqe e;
	int rc = chunk_cmd(d, 0, op, lba, n, NULL, 0, 0, &e);

	return rc ? rc : run(d, &d->io, &e, 0);
}

static int check_range(struct nvme_disk *d, uint64_t lba, uint32_t count, const void *buf)
{
	if (d->dead)
		return fail(d, -EIO, "controller is dead");
	if (!buf || !count || lba >= d->sectors || count > d->sectors - lba)
		return fail(d, -EINVAL, "transfer outside the namespace");
	return 0;
}

/* An io's shape: whole sectors inside the namespace; its bytes in *len. */
static int check_io(struct nvme_disk *d, const struct blk_io *io, size_t *len)
{
	uint64_t ss = d->sector_size;

	*len = io->v && io->n ? blk_iov_total(io->v, io->n) : 0;
	if (!*len || *len % ss || io->off % ss || io->off / ss >= d->sectors ||
	    *len / ss > d->sectors - io->off / ss)
		return fail(d, -EINVAL, "transfer outside the namespace");
	return 0;
}

/* A command in flight: its io, where its bytes are in the io, and whether
 * the device moves them in place (else through the slot's bounce pages). */
struct inflight {
	struct blk_io *io;
	size_t at, bytes;
	bool direct;
};

void nvme_disk_rw(struct nvme_disk *d, struct blk_io *ios, unsigned int n)
{
	const struct dev_env *env = d->env;
	struct inflight slot[NVME_DISK_SLOTS] = { { NULL, 0, 0, false } };
	uint64_t pg[NVME_DISK_DIRECT_PAGES];
	size_t at = 0, io_len = 0;
	unsigned int next = 0, busy = 0;
	struct blk_iov_cursor c;
	struct nvme_done dn;
	int err = -EIO;		/* for every io not known good once the disk is dead */

	for (unsigned int i = 0; i < n; i++)
		ios[i].rc = d->dead ? fail(d, -EIO, "controller is dead") : check_io(d, &ios[i], &io_len);
	for (;;) {
		bool pushed = false;

		/* Every free slot takes the next chunk of the next io still good. */
		for (unsigned int s = 0; s < NVME_DISK_SLOTS && !d->dead; s++) {
			struct blk_io *io;
			struct nvme_sqe e;
			size_t bytes;
			uint32_t k;
			unsigned npg = 0, first_off = 0;
			bool direct;

			while (next < n && (ios[next].rc || (at && at == io_len)))
				next++, at = 0;
			if (next == n)
				break;
			if (slot[s].io)
				continue;
			io = &ios[next];
			if (!at)
				io_len = blk_iov_total(io->v, io->n);	/* checked above */
			k = (uint32_t)((io_len - at) / d->sector_size);
			if (k > d->max_blocks)
				k = d->max_blocks;
			bytes = (size_t)k * d->sector_size;
			direct = direct_pages(d, io, at, bytes, pg, &npg, &first_off);
			if (io->write && !direct) {
				blk_iov_seek(&c, io->v, io->n, at);
				blk_iov_copy(&c, d->bounce[s], bytes, 0);
			}
			if (chunk_cmd(d, s, io->write ? NVME_CMD_WRITE : NVME_CMD_READ,
				      (io->off + at) / d->sector_size, k, direct ? pg : NULL, npg,
				      first_off, &e)) {
				io->rc = -EINVAL;
				continue;
			}
			if (nvme_sq_push(&d->io, &e)) {
				die(d, -EIO, d->io.why ? d->io.why : "submission refused");
				break;
			}
			slot[s] = (struct inflight){ io, at, bytes, direct };
			d->direct += direct;
			at += bytes;
			busy++;
			pushed = true;
		}
		if (pushed)
			doorbell(env, d->io.sq_db, d->io.sq_tail);
		if (!busy || d->dead || (err = wait_any(d, &d->io, &dn)))
			break;
		if (dn.cid >= NVME_DISK_SLOTS || !slot[dn.cid].io) {
			die(d, -EIO, "completion for a command not sent");
			break;
		}
		busy--;
		d->status = dn.status;
		if (!nvme_status_ok(dn.status)) {
			const char *why = nvme_status_str(dn.status);

			slot[dn.cid].io->rc = fail(d, -EIO, why ? why : "command failed");
		} else if (!slot[dn.cid].io->write && !slot[dn.cid].io->rc && !slot[dn.cid].direct) {
			blk_iov_seek(&c, slot[dn.cid].io->v, slot[dn.cid].io->n, slot[dn.cid].at);
			blk_iov_copy(&c, d->bounce[dn.cid], slot[dn.cid].bytes, 1);
		}
		slot[dn.cid].io = NULL;
	}
	/* A dead controller: nothing of this batch is known good any more. */
	for (unsigned int i = 0; i < n && d->dead; i++)
		if (!ios[i].rc)
			ios[i].rc = err ? err : -EIO;
}

/* count sectors at lba to or from buf, as a batch of one. */
static int rw_flat(struct nvme_disk *d, int write, uint64_t lba, uint32_t count, void *buf)
{
	struct blk_iov v = { buf, (size_t)count * d->sector_size };
	struct blk_io io = { write, lba * d->sector_size, &v, 1, 0 };
	int rc = check_range(d, lba, count, buf);

	if (rc)
		return rc;
	nvme_disk_rw(d, &io, 1);
	return io.rc;
}

int nvme_disk_read(struct nvme_disk *d, uint64_t lba, uint32_t count, void *buf)
{
	return rw_flat(d, 0, lba, count, buf);
}

int nvme_disk_write(struct nvme_disk *d, uint64_t lba, uint32_t count, const void *buf)
{
	return rw_flat(d, 1, lba, count, (void *)buf);
}

int nvme_disk_flush(struct nvme_disk *d)
{
	struct nvme_sqe e;
	uint16_t cid;

	if (d->dead)
		return fail(d, -EIO, "controller is dead");
	cid = next_cid(d, &d->io);
	nvme_cmd_flush(&e, d->nsid, cid);
	return run(d, &d->io, &e, cid);
}

/* One Write Zeroes of n blocks; a refused opcode or field (Generic SC 1 or 2:
 * ONCS lied, or the size) turns the command off for this disk: ZERO_REFUSED. */
static int zero_chunk(struct nvme_disk *d, uint64_t lba, uint32_t n)
{
	struct nvme_sqe e;
	uint16_t cid = next_cid(d, &d->io);
	int rc;

	if (nvme_cmd_rw(&e, NVME_CMD_WRITE_ZEROES, d->nsid, lba, n, 0, 0, cid))
		return fail(d, -EINVAL, "cannot describe the transfer");
	rc = run(d, &d->io, &e, cid);
	if (rc == -EIO && !d->dead && NVME_SCT(d->status) == NVME_SCT_GENERIC &&
	    (NVME_SC(d->status) == 1 || NVME_SC(d->status) == 2)) {
		d->write_zeroes = false;
		return ZERO_REFUSED;
	}
	return rc;
}

int nvme_disk_write_zeroes(struct nvme_disk *d, uint64_t lba, uint64_t count)
{
	bool zeroed = false;	/* the bounce pages hold zeros */
	int rc = 0;

	if (d->dead)
		return fail(d, -EIO, "controller is dead");
	if (!count || lba >= d->sectors || count > d->sectors - lba)
		return fail(d, -EINVAL, "transfer outside the namespace");
	while (!rc && count) {
		uint32_t max = d->write_zeroes ? d->zero_blocks : d->max_blocks;
		uint32_t n = count < max ? (uint32_t)count : max;

		if (d->write_zeroes) {
			if ((rc = zero_chunk(d, lba, n)) == ZERO_REFUSED) {
				rc = 0;
				continue;	/* the same blocks by writes */
			}
		} else {
			if (!zeroed)
				memset(d->bounce[0], 0, (size_t)d->max_blocks * d->sector_size);
			zeroed = true;
			rc = rw_chunk(d, NVME_CMD_WRITE, lba, n);
		}
		if (!rc) {
			lba += n;
			count -= n;
		}
	}
	return rc;
}
