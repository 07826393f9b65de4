/* The NVMe disk driver (blkback/nvme_disk.c) on the host, against a
 * simulated controller: registers, the enable handshake, admin and I/O
 * queues in the driver's pages, IDENTIFY data, PRP lists, a RAM namespace.
 * The device sees bus addresses that differ from the CPU's pointers and
 * checks that every DMA lands in the driver's own pages. Then hostile and
 * broken devices (no ready, fatal status, foreign CIDs, silence, errors,
 * bad IDENTIFY data), Write Zeroes and its fallback, the interrupt (IEN on
 * the I/O CQ, waits through wait_irq) and a fixed-seed fuzz of I/O and
 * IDENTIFY bytes. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/nvme_disk.h"
#include "../../blkback/volumes.h"

#define BUS 0x100000000ull	/* bus address of the first allocated page */
#define BUS_EXT 0x200000000ull	/* of sim.ext's first byte: buffers the driver is handed */
#define NS_BLOCKS 4096u

enum { H_NO_READY = 1, H_CFS = 2, H_BAD_CID = 4, H_SILENT = 8, H_ERR = 16, H_GONE = 32,
       H_NO_WZ = 64,	/* ONCS says Write Zeroes, the opcode is refused */
       H_NO_IRQ = 128 };	/* completions, but their interrupts are lost */

struct sq {
	uint64_t base;
	uint32_t size, head, tail;
	uint16_t cq;
};

struct cq {
	uint64_t base;
	uint32_t size, tail, head;
	uint8_t phase;
	bool ien;		/* a posted entry interrupts (MSI-X entry 0) */
};

static struct sim {
	uint64_t cap;
	uint32_t cc, csts, aqa;
	uint64_t asq, acq;
	struct sq sq[2];
	struct cq cq[2];
	unsigned hostile;
	uint8_t lbads, ms, mdts, nlbaf, flbas, oncs;
	uint64_t nsze;
	uint8_t *ns;			/* the namespace's bytes */
	uint8_t *mem;			/* the driver's pages */
	uint8_t *ext;			/* direct_env: the pages an io's pieces are in */
	size_t ext_len;
	unsigned ext_cmds;		/* I/O commands whose data started in ext */
	unsigned allocs, flushes, cmds;
	uint32_t max_cmd_blocks;
	uint32_t max_inflight;		/* I/O commands queued at once when the SQ ran */
	uint64_t fail_lba;		/* a read or write starting here fails (0: none) */
	unsigned zero_cmds;		/* Write Zeroes commands taken */
	uint32_t max_zero_blocks;
	uint64_t now;
	uint8_t *ident_override;	/* fuzz: IDENTIFY data to return (4096 bytes) */
	/* Interrupts: the tests with an env that takes them set irq_env. With
	 * defer, a doorbell only queues: commands run at the driver's next
	 * delay or wait_irq (so every command needs a wait). */
	bool irq_env, defer, irq;	/* irq: raised, not yet taken by wait_irq */
	bool slow;			/* with defer: commands run at wait_irq only (slower
					 * than the driver's spin) */
	uint32_t cq_cdw11;		/* the last Create I/O CQ's */
	unsigned delays, irq_waits, irq_timeouts;
	uint32_t last_delay;
} sim;

/* ---- DMA: bus addresses into the driver's pages only --------------------- */

static uint8_t *dev_mem(uint64_t bus, size_t len)
{
	if (sim.ext && bus >= BUS_EXT) {
		CHECK(bus - BUS_EXT + len <= sim.ext_len);
		return sim.ext + (bus - BUS_EXT);
	}
	CHECK(bus >= BUS && bus - BUS + len <= NVME_DISK_PAGES * 4096ull);
	return sim.mem + (bus - BUS);
}

static void *env_alloc(void *ctx, unsigned n)
{
	(void)ctx;
	CHECK(n == NVME_DISK_PAGES && !sim.mem);
	sim.allocs++;
	sim.mem = aligned_alloc(4096, (size_t)n * 4096);
	memset(sim.mem, 0, (size_t)n * 4096);
	return sim.mem;
}

static uint64_t env_dma(void *ctx, const void *p)
{
	(void)ctx;
	CHECK((const uint8_t *)p >= sim.mem && (const uint8_t *)p < sim.mem + NVME_DISK_PAGES * 4096);
	return BUS + (uint64_t)((const uint8_t *)p - sim.mem);
}

/* direct_env's dma_buf: an io's pieces, all in sim.ext (the grants a
 * driver domain mapped), and the driver's own pages. */
static uint64_t env_dma_buf(void *ctx, const void *p)
{
	const uint8_t *b = p;

	if (b >= sim.mem && b < sim.mem + NVME_DISK_PAGES * 4096)
		return env_dma(ctx, p);
	CHECK(sim.ext && b >= sim.ext && b < sim.ext + sim.ext_len);
	return BUS_EXT + (uint64_t)(b - sim.ext);
}

/* ---- the controller --------------------------------------------------------- */

static void post(uint16_t sqid, uint16_t cid, uint16_t sc, uint32_t dw0)
{
	struct sq *s = &sim.sq[sqid];
	struct cq *c = &sim.cq[s->cq];
	struct nvme_cqe e = { .dw0 = dw0, .sq_head = (uint16_t)s->head, .sq_id = sqid, .cid = cid };

	if (sim.hostile & H_BAD_CID && sqid == 1)
		e.cid ^= 1;
	CHECK((c->tail + 1) % c->size != c->head);	/* the driver rang the CQ head doorbell */
	e.status = (uint16_t)(sc << 1 | c->phase);
	memcpy(dev_mem(c->base + c->tail * 16ull, 16), &e, 16);
	if (++c->tail == c->size) {
		c->tail = 0;
		c->phase ^= 1;
	}
	if (c->ien && !(sim.hostile & H_NO_IRQ))
		sim.irq = true;
}

static void identify(const struct nvme_sqe *e, uint8_t *out)
{
	uint8_t cns = (uint8_t)e->cdw10;

	memset(out, 0, 4096);
	if (sim.ident_override) {
		memcpy(out, sim.ident_override + (cns == NVME_CNS_CONTROLLER ? 0 : 2048), 2048);
		return;
	}
	if (cns == NVME_CNS_CONTROLLER) {
		memcpy(out + 4, "bh0                 ", 20);
		memcpy(out + 24, "QEMU NVMe Ctrl\x01                         ", 40);
		memcpy(out + 64, "8.2.0   ", 8);
		out[77] = sim.mdts;
		out[516] = 1;
		out[520] = sim.oncs;
		out[525] = 1;
		return;
	}
	memcpy(out, &sim.nsze, 8);
	out[25] = sim.nlbaf;
	out[26] = sim.flbas;
	out[128 + 4 * (sim.flbas & 15) + 2] = sim.lbads;
	out[128 + 4 * (sim.flbas & 15)] = sim.ms;
}

/* Where byte b of an I/O command's bytes is (§4.1.1: from PRP1's offset
 * to its page's end, then the pages of PRP2 or of the list at PRP2), with
 * the bytes left in that page in *k. */
static uint8_t *data_at(const struct nvme_sqe *e, uint32_t bytes, uint32_t b, uint32_t *k)
{
	uint32_t o = (uint32_t)(e->prp1 & 4095), pages = (o + bytes + 4095) / 4096;
	uint32_t i = (o + b) / 4096;
	uint64_t pa = e->prp1 + b;

	CHECK((o & 3) == 0);
	if (i) {
		uint64_t ent = pages == 2 ? e->prp2 :
			((uint64_t *)dev_mem(e->prp2, 8ull * (pages - 1)))[i - 1];

		CHECK((ent & 4095) == 0 && (pages == 2 || (e->prp2 & 7) == 0));
		pa = ent + (o + b) % 4096;
	}
	*k = 4096 - (uint32_t)(pa % 4096);
	return dev_mem(pa, *k);
}

static uint16_t io(const struct nvme_sqe *e)
{
	uint8_t op = (uint8_t)e->cdw0;
	uint64_t lba = (uint64_t)e->cdw11 << 32 | e->cdw10;
	uint32_t n = (e->cdw12 & 0xffff) + 1, bytes = n << sim.lbads;

	CHECK(e->nsid == 1);
	if (op == NVME_CMD_FLUSH) {
		sim.flushes++;
		return 0;
	}
	if (sim.hostile & H_ERR || (sim.fail_lba && lba == sim.fail_lba))
		return 0x80;	/* LBA out of range */
	CHECK(lba + n <= sim.nsze);
	if (op == NVME_CMD_WRITE_ZEROES) {
		if (sim.hostile & H_NO_WZ || !(sim.oncs & 8))
			return 0x01;	/* Invalid Command Opcode */
		CHECK(e->prp1 == 0 && e->prp2 == 0 && (e->cdw12 >> 16) == 0);
		sim.zero_cmds++;
		if (n > sim.max_zero_blocks)
			sim.max_zero_blocks = n;
		memset(sim.ns + (lba << sim.lbads), 0, bytes);
		return 0;
	}
	CHECK(op == NVME_CMD_READ || op == NVME_CMD_WRITE);
	if (n > sim.max_cmd_blocks)
		sim.max_cmd_blocks = n;
	sim.ext_cmds += sim.ext && e->prp1 >= BUS_EXT;
	for (uint32_t off = 0, k; off < bytes; off += k) {
		uint8_t *p = data_at(e, bytes, off, &k), *d = sim.ns + (lba << sim.lbads) + off;

		if (k > bytes - off)
			k = bytes - off;
		if (op == NVME_CMD_WRITE)
			memcpy(d, p, k);
		else
			memcpy(p, d, k);
	}
	return 0;
}

static uint16_t admin(const struct nvme_sqe *e)
{
	uint8_t op = (uint8_t)e->cdw0;
	uint16_t qid = (uint16_t)e->cdw10;

	if (op == NVME_ADM_IDENTIFY) {
		identify(e, dev_mem(e->prp1, 4096));
		return 0;
	}
	CHECK(qid == 1 && (e->cdw11 & 1));	/* physically contiguous */
	if (op == NVME_ADM_CREATE_CQ) {
		/* IEN (bit 1) exactly when the env takes interrupts; IV 0, the
		 * admin queue's vector, the one MSI-X entry bound. */
		sim.cq_cdw11 = e->cdw11;
		CHECK(!!(e->cdw11 & 2) == sim.irq_env && e->cdw11 >> 16 == 0);
		sim.cq[1] = (struct cq){ e->prp1, (e->cdw10 >> 16) + 1, 0, 0, 1, e->cdw11 & 2 };
	} else {
		CHECK(op == NVME_ADM_CREATE_SQ && e->cdw11 >> 16 == 1 && sim.cq[1].size);
		sim.sq[1] = (struct sq){ e->prp1, (e->cdw10 >> 16) + 1, 0, 0, 1 };
	}
	return 0;
}

static void run_sq(uint16_t qid)
{
	struct sq *s = &sim.sq[qid];
	uint32_t queued = s->size ? (s->tail + s->size - s->head) % s->size : 0;

	if (qid == 1 && queued > sim.max_inflight)
		sim.max_inflight = queued;
	while (s->head != s->tail && !(sim.hostile & H_SILENT && qid == 1)) {
		struct nvme_sqe e;

		memcpy(&e, dev_mem(s->base + s->head * 64ull, 64), 64);
		s->head = (s->head + 1) % s->size;
		sim.cmds++;
		post(qid, (uint16_t)(e.cdw0 >> 16), qid ? io(&e) : admin(&e), 0);
	}
}

static uint32_t rd32(void *ctx, uint32_t reg)
{
	(void)ctx;
	if (sim.hostile & H_GONE && sim.csts & 1)
		return 0xffffffffu;
	if (reg == NVME_REG_CAP || reg == NVME_REG_CAP + 4)
		return (uint32_t)(sim.cap >> (reg == NVME_REG_CAP ? 0 : 32));
	if (reg == NVME_REG_CSTS)
		return sim.csts;
	CHECK(reg == NVME_REG_CC);
	return sim.cc;
}

static void wr32(void *ctx, uint32_t reg, uint32_t v)
{
	(void)ctx;
	if (reg >= 0x1000) {	/* doorbells, stride 4 (CAP.DSTRD 0) */
		uint32_t q = (reg - 0x1000) / 8;

		CHECK(q < 2 && (reg & 3) == 0);
		if ((reg - 0x1000) % 8 == 0) {
			CHECK(v < sim.sq[q].size);
			sim.sq[q].tail = v;
			if (!sim.defer)
				run_sq((uint16_t)q);
		} else {
			CHECK(v < sim.cq[q].size);
			sim.cq[q].head = v;
		}
		return;
	}
	switch (reg) {
	case NVME_REG_CC:
		sim.cc = v;
		if (!(v & 1)) {
			sim.csts = 0;
			memset(sim.sq, 0, sizeof(sim.sq));
			memset(sim.cq, 0, sizeof(sim.cq));
		} else if (sim.hostile & H_CFS) {
			sim.csts = 2;
		} else if (!(sim.hostile & H_NO_READY)) {
			CHECK(v == nvme_cc_enable());
			sim.sq[0] = (struct sq){ sim.asq, (sim.aqa & 0xfff) + 1, 0, 0, 0 };
			/* The admin CQ always interrupts, on vector 0. */
			sim.cq[0] = (struct cq){ sim.acq, (sim.aqa >> 16 & 0xfff) + 1, 0, 0, 1, 1 };
			sim.csts = 1;
		}
		break;
	case NVME_REG_AQA: sim.aqa = v; break;
	case NVME_REG_ASQ: sim.asq = (sim.asq & ~0xffffffffull) | v; break;
	case NVME_REG_ASQ + 4: sim.asq = (sim.asq & 0xffffffffull) | (uint64_t)v << 32; break;
	case NVME_REG_ACQ: sim.acq = (sim.acq & ~0xffffffffull) | v; break;
	case NVME_REG_ACQ + 4: sim.acq = (sim.acq & 0xffffffffull) | (uint64_t)v << 32; break;
	default: CHECK(0);
	}
}

static uint64_t now_us(void *ctx) { (void)ctx; return sim.now; }

/* The deferred doorbells' commands (defer). */
static void run_queued(void)
{
	run_sq(0);
	run_sq(1);
}

static void delay(void *ctx, uint32_t us)
{
	(void)ctx;
	sim.now += us;
	sim.delays++;
	sim.last_delay = us;
	if (sim.defer && !sim.slow)
		run_queued();
}

/* Returns at once when the device interrupted since the last call (its
 * commands run meanwhile), else after us, as dom_env_wait_irq does. */
static void wait_irq(void *ctx, uint32_t us)
{
	(void)ctx;
	CHECK(us == NVME_DISK_IRQ_WAIT_US);
	sim.irq_waits++;
	if (sim.defer)
		run_queued();
	if (sim.irq) {
		sim.irq = false;
		sim.now++;
		return;
	}
	sim.now += us;
	sim.irq_timeouts++;
}

static const struct dev_env env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma, NULL,
				    NULL };
static const struct dev_env irq_env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma,
					wait_irq, NULL };
static const struct dev_env direct_env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma,
					   NULL, env_dma_buf };
static struct nvme_disk dk;

/* A fresh controller: 64-entry queues, TO 1 s, DSTRD 0, NVM, MPSMIN 0 MPSMAX 4. */
static void sim_new(uint8_t lbads, uint8_t mdts)
{
	free(sim.ns);
	free(sim.mem);
	memset(&sim, 0, sizeof(sim));
	memset(&dk, 0, sizeof(dk));
	sim.cap = 63 | 1ull << 16 | 2ull << 24 | 1ull << 37 | 4ull << 52;
	sim.lbads = lbads;
	sim.mdts = mdts;
	sim.nsze = NS_BLOCKS;
	sim.ns = calloc(NS_BLOCKS, 1u << lbads);
}

static void fill(uint8_t *b, size_t n, unsigned long long *s)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)check_rnd(s);
}

static void test_basic(uint8_t lbads, uint8_t mdts, uint32_t want_max)
{
	unsigned long long s = 42 + lbads;
	uint32_t ss = 1u << lbads, n = 3 * want_max + 5;
	uint8_t *w = malloc((size_t)n * ss), *r = malloc((size_t)n * ss);

	sim_new(lbads, mdts);
	CHECK(nvme_disk_init(&dk, &env) == 0 && !dk.dead && !dk.why);
	CHECK(!strcmp(dk.model, "QEMU NVMe Ctrl?") && !strcmp(dk.serial, "bh0"));
	CHECK(!strcmp(dk.firmware, "8.2.0") && dk.write_cache);
	CHECK(dk.sector_size == ss && dk.sectors == NS_BLOCKS && dk.max_blocks == want_max);
	fill(w, (size_t)n * ss, &s);
	sim.cmds = 0;
	CHECK(nvme_disk_write(&dk, 7, n, w) == 0);
	CHECK(sim.cmds == 4 && sim.max_cmd_blocks == want_max);
	CHECK(!memcmp(sim.ns + 7ull * ss, w, (size_t)n * ss));
	CHECK(nvme_disk_read(&dk, 7, n, r) == 0 && !memcmp(r, w, (size_t)n * ss));
	CHECK(nvme_disk_read(&dk, NS_BLOCKS - 1, 1, r) == 0);
	CHECK(nvme_disk_flush(&dk) == 0 && sim.flushes == 1);
	CHECK(nvme_disk_read(&dk, NS_BLOCKS - 1, 2, r) == -EINVAL && !dk.dead);
	CHECK(nvme_disk_read(&dk, NS_BLOCKS, 1, r) == -EINVAL);
	CHECK(nvme_disk_read(&dk, UINT64_MAX, 2, r) == -EINVAL);
	CHECK(nvme_disk_write(&dk, 0, 0, w) == -EINVAL);
	CHECK(nvme_disk_write(&dk, 0, 1, NULL) == -EINVAL);
	/* Many commands: the queues wrap many times. */
	for (int i = 0; i < 500; i++)
		CHECK(nvme_disk_read(&dk, (uint64_t)i, 1, r) == 0);
	free(w);
	free(r);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* count blocks at lba zeroed by dk, the rest of the namespace as `was`. */
static void zeroes_ok(const uint8_t *was, uint64_t lba, uint32_t count)
{
	size_t ss = dk.sector_size, all = (size_t)NS_BLOCKS * ss;
	uint8_t *r = malloc((size_t)count * ss);

	CHECK(!memcmp(sim.ns, was, lba * ss));
	CHECK(all_zero(sim.ns + lba * ss, count * ss));
	CHECK(!memcmp(sim.ns + (lba + count) * ss, was + (lba + count) * ss,
		      all - (lba + count) * ss));
	CHECK(nvme_disk_read(&dk, lba, count, r) == 0 && all_zero(r, (size_t)count * ss));
	free(r);
}

/* Write Zeroes (ONCS bit 3) in pieces of the MDTS limit; without it, or
 * when the controller refuses the opcode, writes of zeros; errors. */
static void test_write_zeroes(void)
{
	unsigned long long s = 7;
	size_t all = (size_t)NS_BLOCKS * 512;
	uint8_t *was = malloc(all), buf[512];

	sim_new(9, 1);	/* MDTS 8 KiB: 16 blocks */
	sim.oncs = 8;
	CHECK(nvme_disk_init(&dk, &env) == 0 && dk.write_zeroes && dk.zero_blocks == 16);
	fill(was, all, &s);
	CHECK(nvme_disk_write(&dk, 0, NS_BLOCKS, was) == 0);
	sim.cmds = 0;
	CHECK(nvme_disk_write_zeroes(&dk, 5, 100) == 0);
	CHECK(sim.cmds == 7 && sim.zero_cmds == 7 && sim.max_zero_blocks == 16);
	zeroes_ok(was, 5, 100);
	CHECK(nvme_disk_write_zeroes(&dk, 0, 0) == -EINVAL);
	CHECK(nvme_disk_write_zeroes(&dk, NS_BLOCKS - 1, 2) == -EINVAL);
	CHECK(nvme_disk_write_zeroes(&dk, 1, UINT64_MAX) == -EINVAL);
	CHECK(nvme_disk_write_zeroes(&dk, NS_BLOCKS, 1) == -EINVAL && !dk.dead);
	sim.hostile = H_ERR;	/* a media error is not a refused opcode: no fallback */
	CHECK(nvme_disk_write_zeroes(&dk, 0, 1) == -EIO && !dk.dead && dk.write_zeroes);
	sim.hostile = H_SILENT;
	CHECK(nvme_disk_write_zeroes(&dk, 0, 1) == -ETIMEDOUT && dk.dead);
	CHECK(nvme_disk_write_zeroes(&dk, 0, 1) == -EIO);

	sim_new(9, 0);	/* no MDTS: NLB's 65536, the whole namespace at once */
	sim.oncs = 8;
	CHECK(nvme_disk_init(&dk, &env) == 0 && dk.zero_blocks == NVME_MAX_BLOCKS);
	CHECK(nvme_disk_write(&dk, 0, NS_BLOCKS, was) == 0);
	CHECK(nvme_disk_write_zeroes(&dk, 0, NS_BLOCKS) == 0 && sim.zero_cmds == 1);
	CHECK(all_zero(sim.ns, all));

	for (int lie = 0; lie < 2; lie++) {	/* no ONCS bit; ONCS lies */
		sim_new(9, 0);
		sim.oncs = lie ? 8 : 0;
		sim.hostile = lie ? H_NO_WZ : 0;
		CHECK(nvme_disk_init(&dk, &env) == 0 && dk.write_zeroes == !!lie);
		CHECK(nvme_disk_write(&dk, 0, NS_BLOCKS, was) == 0);	/* bounce dirty */
		sim.cmds = 0;
		CHECK(nvme_disk_write_zeroes(&dk, 3, 600) == 0 && !dk.dead && !dk.write_zeroes);
		CHECK(sim.zero_cmds == 0 && sim.cmds == 3u + lie && sim.max_cmd_blocks == 256);
		zeroes_ok(was, 3, 600);
		CHECK(nvme_disk_read(&dk, 0, 1, buf) == 0 && !memcmp(buf, was, 512));
	}
	free(was);
}

static int v_read(void *c, uint64_t lba, uint32_t n, void *b) { return nvme_disk_read(c, lba, n, b); }
static int v_write(void *c, uint64_t lba, uint32_t n, const void *b)
{
	return nvme_disk_write(c, lba, n, b);
}
static int v_flush(void *c) { return nvme_disk_flush(c); }
static int v_zero(void *c, uint64_t lba, uint64_t n) { return nvme_disk_write_zeroes(c, lba, n); }
static void v_rw(void *c, struct blk_io *ios, unsigned n) { nvme_disk_rw(c, ios, n); }

/* Cuts buf (len bytes) into pieces of 1..8 sectors, or of any size with
 * odd; the pieces go into v (at most max); returns how many. */
static unsigned cut(uint8_t *buf, size_t len, struct blk_iov *v, unsigned max, bool odd,
		    unsigned long long *s)
{
	unsigned n = 0;

	while (len && n < max) {
		size_t k = odd ? 1 + check_rnd(s) % 3000 : 512 * (1 + check_rnd(s) % 8);

		if (k > len || n + 1 == max)
			k = len;
		v[n++] = (struct blk_iov){ buf, k };
		buf += k;
		len -= k;
	}
	return n;
}

/* Volumes over the controller, with and without Write Zeroes: a volume
 * made where a destroyed one held data reads as zeros; a failed zeroing
 * fails the create and leaves the table as it was. */
static void test_volume_zeroed(uint8_t oncs)
{
	static struct volumes v;
	static const struct gpt_guid g = { { 1, 2, 3, 4, 5, 6, 7, 0x48, 0x89 } };
	struct volumes_disk vd;
	struct volumes_ref r;
	uint8_t *buf = malloc(256u << 10);
	uint64_t first;

	sim_new(9, 1);
	sim.oncs = oncs;
	CHECK(nvme_disk_init(&dk, &env) == 0);
	vd = (struct volumes_disk){ dk.sector_size, dk.sectors, &dk, v_read, v_write, v_flush,
				    v_zero, NULL, false };
	CHECK(volumes_open(&v, &vd, &g) == 0 && v.created);
	CHECK(volumes_create(&v, "tank/old", 256u << 10) == 0);
	CHECK(volumes_get(&v, "tank/old", &r) == 0);
	memset(buf, 0x5a, 256u << 10);
	CHECK(volumes_write(&r, 0, buf, 256u << 10) == 0);
	first = r.first;
	volumes_put(&r);
	CHECK(volumes_destroy(&v, "tank/old") == 0 && sim.ns[first * 512] == 0x5a);
	sim.hostile = H_ERR;
	CHECK(volumes_create(&v, "tank/new", 256u << 10) == -EIO && !dk.dead);
	sim.hostile = 0;
	CHECK(volumes_list(&v, NULL, 0) == 0 && sim.ns[first * 512] == 0x5a);
	CHECK(volumes_open(&v, &vd, &g) == 0 && !v.created && volumes_list(&v, NULL, 0) == 0);
	sim.zero_cmds = 0;
	CHECK(volumes_create(&v, "tank/new", 256u << 10) == 0);
	CHECK(volumes_get(&v, "tank/new", &r) == 0);
	CHECK(r.first == first && sim.zero_cmds == (oncs ? 32u : 0u));
	memset(buf, 0xff, 256u << 10);
	CHECK(volumes_read(&r, 0, buf, 256u << 10) == 0 && all_zero(buf, 256u << 10));
	volumes_put(&r);
	free(buf);
}

/* Batches through volumes_rw: one command per max_blocks of each io
 * whatever its pieces (blkif's 4 KiB segments were one command each), up to
 * NVME_DISK_SLOTS in flight at once, the bytes where each offset says, every
 * bad shape refused before the device sees a command, a failed command
 * failing its io only. */
static void test_batch(void)
{
	static struct volumes v;
	static const struct gpt_guid g = { { 9, 2, 3, 4, 5, 6, 7, 0x48, 0x89 } };
	static struct blk_iov iv[4][300];
	unsigned long long s = 7;
	size_t len = 100u << 10;	/* 200 sectors per io: 1 command, 13 with MDTS 1 (8 KiB) */
	uint8_t *w = malloc(4 * len), *r = malloc(4 * len);
	struct volumes_disk vd;
	struct volumes_ref ref;
	struct blk_io io[5];

	for (int mdts = 0; mdts < 2; mdts++) {
		uint32_t per = mdts ? 13 : 1;

		sim_new(9, (uint8_t)mdts);
		sim.defer = true;	/* commands run at the driver's next wait: all in flight */
		CHECK(nvme_disk_init(&dk, &env) == 0);
		vd = (struct volumes_disk){ dk.sector_size, dk.sectors, &dk, v_read, v_write,
					    v_flush, v_zero, v_rw, false };
		CHECK(volumes_open(&v, &vd, &g) == 0);
		CHECK(volumes_create(&v, "tank/v", 512u << 10) == 0);
		CHECK(volumes_get(&v, "tank/v", &ref) == 0);
		for (int round = 0; round < 20; round++) {
			bool odd = round & 1;

			fill(w, 4 * len, &s);
			for (int k = 0; k < 4; k++)	/* ios 2..3 swapped: any order */
				io[k] = (struct blk_io){ 1, (uint64_t)(k ^ (k >> 1)) * len,
							 iv[k], cut(w + k * len, len, iv[k], 300, odd, &s), 1 };
			sim.cmds = sim.max_inflight = 0;
			volumes_rw(&ref, io, 4);
			for (int k = 0; k < 4; k++)
				CHECK(io[k].rc == 0);
			CHECK(sim.cmds == 4 * per);
			CHECK(sim.max_inflight == (4 * per < NVME_DISK_SLOTS ? 4 * per : NVME_DISK_SLOTS));
			for (int k = 0; k < 4; k++)
				CHECK(!memcmp(sim.ns + ref.first * 512 + io[k].off, w + k * len, len));
			memset(r, 0, 4 * len);
			for (int k = 0; k < 4; k++)
				io[k] = (struct blk_io){ 0, io[k].off, iv[k],
							 cut(r + k * len, len, iv[k], 300, !odd, &s), 1 };
			sim.cmds = 0;
			volumes_rw(&ref, io, 4);
			CHECK(io[0].rc == 0 && io[3].rc == 0 && sim.cmds == 4 * per);
			CHECK(!memcmp(r, w, 4 * len));
		}
		/* Bad shapes, each its own io's error: past the volume's end, not
		 * whole sectors, no pieces; the good one between them still done. */
		io[0] = (struct blk_io){ 1, (512u << 10) - len + 512, iv[0], cut(w, len, iv[0], 300, false, &s), 1 };
		io[1] = (struct blk_io){ 0, 0, iv[1], cut(r, len, iv[1], 300, false, &s), 1 };
		io[2] = (struct blk_io){ 1, len, iv[2], cut(w, len, iv[2], 300, false, &s), 1 };
		iv[2][io[2].n - 1].len -= 100;
		io[3] = (struct blk_io){ 1, 0, iv[3], 0, 1 };
		sim.cmds = 0;
		volumes_rw(&ref, io, 4);
		CHECK(io[0].rc == -EINVAL && io[1].rc == 0 && io[2].rc == -EINVAL && io[3].rc == -EINVAL);
		CHECK(sim.cmds == per);
		/* A device error fails that command's io only. */
		for (int k = 0; k < 3; k++)
			io[k] = (struct blk_io){ 0, (uint64_t)k * len, iv[k],
						 cut(r + k * len, len, iv[k], 300, true, &s), 1 };
		sim.fail_lba = ref.first + len / 512;	/* io 1's first command */
		volumes_rw(&ref, io, 3);
		sim.fail_lba = 0;
		CHECK(io[0].rc == 0 && io[1].rc == -EIO && io[2].rc == 0 && !dk.dead);
		/* The controller dies mid-batch: every io not yet known good fails. */
		sim.hostile = H_SILENT;
		volumes_rw(&ref, io, 3);
		CHECK(io[0].rc == -ETIMEDOUT || io[0].rc == -EIO);
		CHECK(io[1].rc && io[2].rc && dk.dead);
		volumes_rw(&ref, io, 1);
		CHECK(io[0].rc == -EIO);
		sim.hostile = 0;
		volumes_put(&ref);
	}
	/* Straight to the disk: a total that is not whole sectors is refused. */
	sim_new(9, 0);
	CHECK(nvme_disk_init(&dk, &env) == 0);
	iv[0][0] = (struct blk_iov){ w, 1000 };
	io[0] = (struct blk_io){ 0, 0, iv[0], 1, 1 };
	sim.cmds = 0;
	nvme_disk_rw(&dk, io, 1);
	CHECK(io[0].rc == -EINVAL && !dk.dead && sim.cmds == 0);
	iv[0][0].len = 1024;
	nvme_disk_rw(&dk, io, 1);
	CHECK(io[0].rc == 0 && sim.cmds == 1);
	free(w);
	free(r);
}

/*
 * With dma_buf the device moves an io's bytes in its pieces' own pages
 * (grants mapped by blkback), one PRP list per command: pages in any
 * order, a first piece starting inside its page, a last one ending inside
 * it. Pieces that cannot be one list (a 512-byte piece inside a page with
 * more after it) bounce, with the same bytes. A controller that dies is
 * disabled, so it moves nothing more into pages that are not the driver's.
 */
static void test_direct(void)
{
	enum { PAGES = 96 };
	static struct blk_iov iv[PAGES + 2];
	unsigned long long s = 11;
	size_t len = 0;
	uint8_t *w = malloc(PAGES * 4096), *img;
	unsigned perm[PAGES], n = 0;
	struct blk_io io;

	sim_new(9, 0);
	sim.ext_len = PAGES * 4096;
	sim.ext = aligned_alloc(4096, sim.ext_len);
	CHECK(nvme_disk_init(&dk, &direct_env) == 0 && dk.max_blocks == 256);
	for (unsigned i = 0; i < PAGES; i++)
		perm[i] = i;
	for (unsigned i = PAGES - 1; i > 0; i--) {	/* the pages of a request: any order */
		unsigned j = (unsigned)(check_rnd(&s) % (i + 1)), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* 512 bytes into the first page to its end, 80 whole pages, 1 KiB of the last. */
	iv[n++] = (struct blk_iov){ sim.ext + perm[0] * 4096 + 512, 3584 };
	for (unsigned i = 1; i <= 80; i++)
		iv[n++] = (struct blk_iov){ sim.ext + perm[i] * 4096, 4096 };
	iv[n++] = (struct blk_iov){ sim.ext + perm[81] * 4096, 1024 };
	for (unsigned i = 0; i < n; i++)
		len += iv[i].len;
	fill(w, len, &s);
	for (unsigned i = 0, at = 0; i < n; at += (unsigned)iv[i++].len)
		memcpy(iv[i].base, w + at, iv[i].len);
	io = (struct blk_io){ 1, 8192, iv, n, 1 };
	sim.cmds = sim.ext_cmds = 0;
	nvme_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && sim.cmds == 3 && sim.ext_cmds == 3 && dk.direct == 3);
	CHECK(!memcmp(sim.ns + 8192, w, len));
	memset(sim.ext, 0, sim.ext_len);
	io.write = 0;
	nvme_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && sim.ext_cmds == 6 && dk.direct == 6);
	for (unsigned i = 0, at = 0; i < n; at += (unsigned)iv[i++].len)
		CHECK(!memcmp(iv[i].base, w + at, iv[i].len));
	/* A piece ending inside its page with more after it: that command bounces. */
	iv[1].len = 512;
	img = malloc(8192);
	memcpy(img, sim.ns + 8192, 8192);
	memset(sim.ext, 0, sim.ext_len);
	io.n = 3;
	sim.cmds = sim.ext_cmds = 0;
	nvme_disk_rw(&dk, &io, 1);
	CHECK(io.rc == 0 && sim.cmds == 1 && sim.ext_cmds == 0 && dk.direct == 6);
	CHECK(!memcmp(iv[0].base, img, 3584) && !memcmp(iv[1].base, img + 3584, 512) &&
	      !memcmp(iv[2].base, img + 4096, 4096));
	iv[1].len = 4096;
	/* The controller goes silent: the disk dies and disables it. */
	io.n = n;
	sim.hostile = H_SILENT;
	nvme_disk_rw(&dk, &io, 1);
	CHECK(io.rc && dk.dead && !(sim.cc & 1));
	sim.hostile = 0;
	free(img);
	free(w);
	free(sim.ext);
	sim.ext = NULL;
}

static int init_with(unsigned hostile)
{
	sim_new(9, 0);
	sim.hostile = hostile;
	return nvme_disk_init(&dk, &env);
}

static void test_hostile(void)
{
	uint8_t buf[512];

	CHECK(init_with(H_NO_READY) == -ETIMEDOUT && dk.dead && dk.why);
	CHECK(sim.now >= 1000000 && sim.now < 2000000);	/* CAP.TO = 1 s, bounded */
	CHECK(nvme_disk_read(&dk, 0, 1, buf) == -EIO);
	CHECK(init_with(H_CFS) == -EIO && dk.dead);
	CHECK(init_with(H_GONE) == -EIO && dk.dead);

	CHECK(init_with(0) == 0);
	sim.hostile = H_ERR;
	CHECK(nvme_disk_read(&dk, 0, 1, buf) == -EIO && !dk.dead);
	CHECK(!strcmp(dk.why, "LBA out of range"));
	sim.hostile = 0;
	CHECK(nvme_disk_read(&dk, 0, 1, buf) == 0);	/* an error is not fatal */
	sim.hostile = H_SILENT;
	sim.now = 0;
	CHECK(nvme_disk_write(&dk, 0, 1, buf) == -ETIMEDOUT && dk.dead);
	CHECK(sim.now > NVME_DISK_CMD_TIMEOUT_US && sim.now < 2 * NVME_DISK_CMD_TIMEOUT_US);
	sim.hostile = 0;
	CHECK(nvme_disk_flush(&dk) == -EIO && nvme_disk_read(&dk, 0, 1, buf) == -EIO);
	/* A reset brings it back, with the same pages. */
	CHECK(nvme_disk_init(&dk, &env) == 0 && sim.allocs == 1);
	CHECK(nvme_disk_read(&dk, 0, 1, buf) == 0);
	/* A CQE with a foreign CID on the I/O queue. */
	sim.hostile = H_BAD_CID;
	CHECK(nvme_disk_read(&dk, 0, 1, buf) == -EIO && dk.dead);
}

static void test_identify(void)
{
	sim_new(9, 0);
	sim.ms = 8;
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(13, 0);
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(9, 0);
	sim.nsze = 0;
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(9, 0);
	sim.flbas = 3;	/* beyond NLBAF 0 */
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(9, 0);
	sim.nlbaf = 3;
	sim.flbas = 3;
	CHECK(nvme_disk_init(&dk, &env) == 0 && dk.sector_size == 512);
	sim_new(9, 0);
	sim.cap &= ~(1ull << 37);	/* no NVM command set */
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(9, 0);
	sim.cap |= 1ull << 48;	/* MPSMIN 8 KiB */
	CHECK(nvme_disk_init(&dk, &env) == -ENODEV);
	sim_new(9, 0);
	sim.cap &= ~0xffffull;
	sim.cap |= 3;	/* MQES 3: queues of 4 */
	CHECK(nvme_disk_init(&dk, &env) == 0 && dk.io.depth == 4 && dk.admin.depth == 4);
	uint8_t b[512];
	for (int i = 0; i < 20; i++)
		CHECK(nvme_disk_read(&dk, 0, 1, b) == 0);
}

/* Random IDENTIFY bytes: either a sane disk or a clean refusal. */
static void test_fuzz_identify(void)
{
	unsigned long long s = 0xfeedface12345678ull;
	uint8_t *id = malloc(4096);

	sim_new(9, 0);
	for (int it = 0; it < 20000; it++) {
		int rc;

		memset(sim.sq, 0, sizeof(sim.sq));
		memset(sim.cq, 0, sizeof(sim.cq));
		sim.cc = sim.csts = 0;
		fill(id, 4096, &s);
		sim.ident_override = id;
		rc = nvme_disk_init(&dk, &env);
		if (rc == 0) {
			CHECK(dk.sector_size >= 512 && dk.sector_size <= 4096 && dk.sectors);
			CHECK(dk.max_blocks >= 1 && dk.max_blocks * dk.sector_size <= 32 * 4096);
			CHECK(strlen(dk.model) <= 40 && strlen(dk.serial) <= 20);
		} else {
			CHECK(dk.dead && dk.why && rc == -ENODEV);
		}
	}
	free(id);
}

/* Random reads and writes against a copy of what the namespace holds. */
static void test_fuzz_io(void)
{
	unsigned long long s = 0x0123456789abcdefull;
	size_t bytes = (size_t)NS_BLOCKS * 512;
	uint8_t *model = calloc(1, bytes), *buf = malloc(80 * 512);

	sim_new(9, 2);	/* MDTS 16 KiB: 32 blocks per command */
	sim.oncs = 8;
	CHECK(nvme_disk_init(&dk, &env) == 0 && dk.max_blocks == 32 && dk.zero_blocks == 32);
	for (int it = 0; it < 100000; it++) {
		uint64_t lba = check_rnd(&s) % (NS_BLOCKS + 8);
		uint32_t n = (uint32_t)(check_rnd(&s) % 80);
		bool ok = n && lba < NS_BLOCKS && n <= NS_BLOCKS - lba;
		unsigned op = (unsigned)(check_rnd(&s) % 4);

		if (op == 0) {
			fill(buf, (size_t)n * 512, &s);
			CHECK(nvme_disk_write(&dk, lba, n, buf) == (ok ? 0 : -EINVAL));
			if (ok)
				memcpy(model + lba * 512, buf, (size_t)n * 512);
		} else if (op == 1) {
			CHECK(nvme_disk_read(&dk, lba, n, buf) == (ok ? 0 : -EINVAL));
			CHECK(!ok || !memcmp(model + lba * 512, buf, (size_t)n * 512));
		} else if (op == 2) {
			CHECK(nvme_disk_write_zeroes(&dk, lba, n) == (ok ? 0 : -EINVAL));
			if (ok)
				memset(model + lba * 512, 0, (size_t)n * 512);
		} else {
			CHECK(nvme_disk_flush(&dk) == 0);
		}
	}
	CHECK(!memcmp(model, sim.ns, bytes) && !dk.dead);
	free(model);
	free(buf);
}

/* With the interrupt (MSI-X entry 0 as an event channel): the I/O CQ
 * interrupts on vector 0; a command still running after the spin
 * (NVME_DISK_SPIN_US of polls) is slept on with wait_irq, ended by the
 * completion's interrupt; a lost interrupt costs one interval; a command
 * done within the spin is never slept on. */
#define SPIN_POLLS (NVME_DISK_SPIN_US / NVME_DISK_POLL_US)

static void test_irq(void)
{
	uint8_t w[8 * 512], r[8 * 512];
	unsigned long long s = 5;

	sim_new(9, 0);
	sim.irq_env = true;
	sim.defer = true;
	sim.slow = true;
	CHECK(nvme_disk_init(&dk, &irq_env) == 0 && !dk.dead);
	CHECK(sim.cq_cdw11 == (1u | 2u) && sim.cq[1].ien);	/* PC, IEN, IV 0 */
	/* IDENTIFY twice, the CQ and the SQ: each waited for its interrupt. */
	CHECK(sim.cmds == 4 && sim.irq_waits == 4 && sim.irq_timeouts == 0);
	fill(w, sizeof(w), &s);
	sim.cmds = sim.irq_waits = sim.delays = 0;
	CHECK(nvme_disk_write(&dk, 3, 8, w) == 0 && nvme_disk_read(&dk, 3, 8, r) == 0);
	CHECK(!memcmp(r, w, sizeof(w)) && !memcmp(sim.ns + 3 * 512, w, sizeof(w)));
	CHECK(nvme_disk_flush(&dk) == 0 && sim.flushes == 1);
	CHECK(sim.cmds == 3 && sim.irq_waits == 3 && sim.irq_timeouts == 0 &&
	      sim.delays == 3 * SPIN_POLLS);
	for (int i = 0; i < 200; i++)	/* the queues wrap; still one wait each */
		CHECK(nvme_disk_read(&dk, (uint64_t)i, 1, r) == 0);
	CHECK(sim.irq_waits == 203 && sim.irq_timeouts == 0 && sim.delays == 203 * SPIN_POLLS);
	/* A command done within the spin: polled, never slept on. */
	sim.slow = false;
	sim.irq_waits = sim.delays = 0;
	CHECK(nvme_disk_read(&dk, 3, 8, r) == 0 && !memcmp(r, w, sizeof(w)));
	CHECK(sim.irq_waits == 0 && sim.delays == 1 && sim.last_delay == NVME_DISK_POLL_US);
	CHECK(sim.irq);		/* its interrupt, never waited for: the next wait's */
	sim.irq = false;	/* ends at once (one extra look); taken here instead */
	sim.slow = true;

	/* Lost interrupts: the command still completes, one interval later. */
	sim.hostile = H_NO_IRQ;
	sim.irq_waits = 0;
	sim.now = 0;
	CHECK(nvme_disk_read(&dk, 0, 1, r) == 0 && !dk.dead);
	CHECK(sim.irq_waits == 1 && sim.irq_timeouts == 1 &&
	      sim.now == NVME_DISK_SPIN_US + NVME_DISK_IRQ_WAIT_US);
	/* Silence: still bounded by the command timeout, in wait_irq's steps. */
	sim.hostile = H_SILENT;
	sim.irq_waits = sim.irq_timeouts = sim.delays = 0;
	sim.now = 0;
	CHECK(nvme_disk_read(&dk, 0, 1, r) == -ETIMEDOUT && dk.dead);
	CHECK(sim.now > NVME_DISK_CMD_TIMEOUT_US &&
	      sim.now <= NVME_DISK_CMD_TIMEOUT_US + 2 * NVME_DISK_IRQ_WAIT_US);
	CHECK(sim.irq_waits == sim.irq_timeouts && sim.delays >= SPIN_POLLS &&
	      sim.irq_waits >= (NVME_DISK_CMD_TIMEOUT_US - NVME_DISK_SPIN_US) /
				   NVME_DISK_IRQ_WAIT_US);
	/* A reset with the interrupt brings it back, IEN again. */
	sim.hostile = 0;
	sim.cq_cdw11 = 0;
	CHECK(nvme_disk_init(&dk, &irq_env) == 0 && sim.cq_cdw11 == 3 && sim.allocs == 1);
	CHECK(nvme_disk_read(&dk, 3, 8, r) == 0 && !memcmp(r, w, sizeof(w)));

	/* Without it (wait_irq NULL): IEN clear, and every wait a delay of
	 * NVME_DISK_POLL_US. */
	sim_new(9, 0);
	sim.defer = true;
	sim.slow = false;
	CHECK(nvme_disk_init(&dk, &env) == 0 && sim.cq_cdw11 == 1u && !sim.cq[1].ien);
	sim.cmds = sim.delays = 0;
	CHECK(nvme_disk_write(&dk, 3, 8, w) == 0 && nvme_disk_read(&dk, 3, 8, r) == 0);
	CHECK(!memcmp(r, w, sizeof(w)) && sim.cmds == 2 && sim.delays == 2);
	CHECK(sim.last_delay == NVME_DISK_POLL_US && sim.irq_waits == 0);
}

int main(void)
{
	test_basic(9, 0, 256);	/* the bounce pages limit: 128 KiB */
	test_basic(12, 0, 32);
	test_basic(9, 1, 16);	/* MDTS 1: 8 KiB */
	test_hostile();
	test_write_zeroes();
	test_volume_zeroed(8);
	test_volume_zeroed(0);
	test_batch();
	test_direct();
	test_identify();
	test_irq();
	test_fuzz_identify();
	test_fuzz_io();
	free(sim.ns);
	free(sim.mem);
	CHECK_DONE("nvme_disk");
	return 0;
}
