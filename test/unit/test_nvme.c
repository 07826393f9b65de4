/* NVMe commands and queue pairs (blkback/nvme.c) on the host: the exact
 * bytes of each submission entry against the spec's offsets, PRP building,
 * a simulated controller that fetches, completes out of order and wraps
 * small queues many times, hostile completions, and a fixed-seed fuzz loop
 * of random completion entries. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/nvme.h"

static unsigned long long seed = 0x9e3779b97f4a7c15ull;

static void put(uint8_t *b, unsigned off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* The entry's bytes equal want: a 64-byte image built from §4.2's offsets. */
static int same(const struct nvme_sqe *e, const uint8_t *want)
{
	return memcmp(e, want, 64) == 0;
}

static void test_sqe_io(void)
{
	struct nvme_sqe e;
	uint8_t w[64];

	/* Read: opcode byte 0, CID bytes 2-3, NSID 4-7, PRP1 24-31, PRP2
	 * 32-39, SLBA 40-47 (CDW10/11), NLB 0-based in CDW12 48-49. */
	CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, 0x1122334455667788ull, 8, 0xaabbcc010ull,
			  0x5000ull, 0x1234) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x02, 1);
	put(w, 2, 0x1234, 2);
	put(w, 4, 1, 4);
	put(w, 24, 0xaabbcc010ull, 8);
	put(w, 32, 0x5000, 8);
	put(w, 40, 0x1122334455667788ull, 8);
	put(w, 48, 7, 4);
	CHECK(same(&e, w));
	CHECK(nvme_cmd_rw(&e, NVME_CMD_WRITE, 0xffffffff, 0, NVME_MAX_BLOCKS, 0x1000, 0,
			  0xffff) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x01, 1);
	put(w, 2, 0xffff, 2);
	put(w, 4, 0xffffffff, 4);
	put(w, 24, 0x1000, 8);
	put(w, 48, 0xffff, 4);
	CHECK(same(&e, w));

}

static void test_sqe_admin(void)
{
	struct nvme_sqe e;
	uint8_t w[64];

	/* Identify controller: CNS 1 in CDW10 7:0, NSID 0; namespace: CNS 0. */
	CHECK(nvme_cmd_identify(&e, NVME_CNS_CONTROLLER, 0, 0x7000, 3) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x06, 1);
	put(w, 2, 3, 2);
	put(w, 24, 0x7000, 8);
	put(w, 40, 1, 4);
	CHECK(same(&e, w));
	CHECK(nvme_cmd_identify(&e, NVME_CNS_NAMESPACE, 1, 0x8000, 4) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x06, 1);
	put(w, 2, 4, 2);
	put(w, 4, 1, 4);
	put(w, 24, 0x8000, 8);
	CHECK(same(&e, w));

	/* Create I/O CQ: CDW10 QSIZE-1 31:16 | QID; CDW11 IV 31:16, IEN 1, PC 0. */
	CHECK(nvme_cmd_create_cq(&e, 1, 64, 0x200000, 5, true, 9) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x05, 1);
	put(w, 2, 9, 2);
	put(w, 24, 0x200000, 8);
	put(w, 40, 0x003f0001, 4);
	put(w, 44, 0x00050003, 4);
	CHECK(same(&e, w));
	/* Create I/O SQ: CDW11 CQID 31:16, PC 0. */
	CHECK(nvme_cmd_create_sq(&e, 2, 65536, 0x300000, 1, 10) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x01, 1);
	put(w, 2, 10, 2);
	put(w, 24, 0x300000, 8);
	put(w, 40, 0xffff0002, 4);
	put(w, 44, 0x00010001, 4);
	CHECK(same(&e, w));
	/* Delete I/O SQ / CQ: QID in CDW10. Flush: opcode 0, NSID. */
	CHECK(nvme_cmd_delete_q(&e, NVME_ADM_DELETE_CQ, 7, 11) == 0);
	memset(w, 0, 64);
	put(w, 0, 0x04, 1);
	put(w, 2, 11, 2);
	put(w, 40, 7, 4);
	CHECK(same(&e, w));
	CHECK(nvme_cmd_delete_q(&e, NVME_ADM_DELETE_SQ, 7, 12) == 0);
	w[0] = 0x00;
	put(w, 2, 12, 2);
	CHECK(same(&e, w));
	CHECK(nvme_cmd_flush(&e, 1, 13) == 0);
	memset(w, 0, 64);
	put(w, 2, 13, 2);
	put(w, 4, 1, 4);
	CHECK(same(&e, w));

}

static void test_sqe_bad(void)
{
	struct nvme_sqe e;

	CHECK(nvme_cmd_rw(&e, NVME_CMD_FLUSH, 1, 0, 1, 0x1000, 0, 0) == -EINVAL);
	CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, 0, 0, 0x1000, 0, 0) == -EINVAL);
	CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, 0, NVME_MAX_BLOCKS + 1, 0x1000, 0, 0) == -EINVAL);
	CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, 0, 1, 0x1002, 0, 0) == -EINVAL);
	CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, 0, 1, 0x1000, 0x2004, 0) == -EINVAL);
	CHECK(nvme_cmd_identify(&e, 1, 0, 0x7008, 0) == -EINVAL);
	CHECK(nvme_cmd_create_cq(&e, 0, 64, 0x200000, 0, false, 0) == -EINVAL);
	CHECK(nvme_cmd_create_cq(&e, 1, 1, 0x200000, 0, false, 0) == -EINVAL);
	CHECK(nvme_cmd_create_cq(&e, 1, 65537, 0x200000, 0, false, 0) == -EINVAL);
	CHECK(nvme_cmd_create_cq(&e, 1, 64, 0x200800, 0, false, 0) == -EINVAL);
	CHECK(nvme_cmd_create_sq(&e, 1, 64, 0x200000, 0, 0) == -EINVAL);
	CHECK(nvme_cmd_delete_q(&e, NVME_ADM_CREATE_SQ, 1, 0) == -EINVAL);
	CHECK(nvme_cmd_delete_q(&e, NVME_ADM_DELETE_SQ, 0, 0) == -EINVAL);
}

static void test_prp(void)
{
	uint64_t pg[600], list[520], p1, p2;

	for (unsigned i = 0; i < 600; i++)
		pg[i] = 0x100000ull + (uint64_t)i * 0x3000;	/* scattered pages */
	/* One page, whole and partial with an offset: PRP2 unused. */
	CHECK(nvme_prp_build(pg, 1, 0, 4096, &p1, &p2, NULL, 0, 0) == 0);
	CHECK(p1 == pg[0] && p2 == 0);
	CHECK(nvme_prp_build(pg, 1, 512, 512, &p1, &p2, NULL, 0, 0) == 0);
	CHECK(p1 == pg[0] + 512 && p2 == 0);
	CHECK(nvme_prp_build(pg, 1, 4092, 4, &p1, &p2, NULL, 0, 0) == 0);
	CHECK(p1 == pg[0] + 4092 && p2 == 0);
	/* Two pages: PRP2 is the second page itself. */
	CHECK(nvme_prp_build(pg, 2, 0, 8192, &p1, &p2, NULL, 0, 0) == 0);
	CHECK(p1 == pg[0] && p2 == pg[1]);
	CHECK(nvme_prp_build(pg, 2, 512, 4096, &p1, &p2, NULL, 0, 0) == 0);
	CHECK(p1 == pg[0] + 512 && p2 == pg[1]);
	/* Three or more: PRP2 points at a list of pages 1.. */
	memset(list, 0xee, sizeof(list));
	CHECK(nvme_prp_build(pg, 3, 0, 3 * 4096, &p1, &p2, list, 0x9000, 512) == 0);
	CHECK(p1 == pg[0] && p2 == 0x9000 && list[0] == pg[1] && list[1] == pg[2]);
	CHECK(list[2] == 0xeeeeeeeeeeeeeeeeull);
	CHECK(nvme_prp_build(pg, 5, 0x800, 4 * 4096, &p1, &p2, list, 0x9000, 512) == 0);
	CHECK(p1 == pg[0] + 0x800 && p2 == 0x9000);
	for (unsigned i = 0; i < 4; i++)
		CHECK(list[i] == pg[i + 1]);
	/* A full list page: 512 entries after PRP1's page; 513 would chain. */
	CHECK(nvme_prp_build(pg, 513, 0, 513 * 4096, &p1, &p2, list, 0x9000, 520) == 0);
	CHECK(list[511] == pg[512] && list[512] == 0xeeeeeeeeeeeeeeeeull);
	CHECK(nvme_prp_build(pg, 514, 0, 514 * 4096, &p1, &p2, list, 0x9000, 520) == -E2BIG);
	/* The caller's capacity, and a list starting late in its page. */
	memset(list, 0xee, sizeof(list));
	CHECK(nvme_prp_build(pg, 4, 0, 4 * 4096, &p1, &p2, list, 0x9000, 2) == -E2BIG);
	CHECK(nvme_prp_build(pg, 4, 0, 4 * 4096, &p1, &p2, list, 0x9ff0, 512) == -E2BIG);
	CHECK(nvme_prp_build(pg, 3, 0, 3 * 4096, &p1, &p2, list, 0x9ff0, 512) == 0);
	CHECK(p2 == 0x9ff0);
	CHECK(list[2] == 0xeeeeeeeeeeeeeeeeull);
	/* Bad inputs. */
	CHECK(nvme_prp_build(pg, 1, 0, 0, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 1, 4096, 4, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 1, 2, 4, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 2, 0, 4096, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 1, 4, 4096, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 0, 0, 4, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg, 3, 0, 3 * 4096, &p1, &p2, NULL, 0x9000, 512) == -EINVAL);
	CHECK(nvme_prp_build(pg, 3, 0, 3 * 4096, &p1, &p2, list, 0x9004, 512) == -EINVAL);
	pg[1] |= 0x200;
	CHECK(nvme_prp_build(pg, 2, 0, 8192, &p1, &p2, NULL, 0, 0) == -EINVAL);
	CHECK(nvme_prp_build(pg + 1, 1, 0, 4, &p1, &p2, NULL, 0, 0) == -EINVAL);
	pg[1] &= ~0x200ull;
	CHECK(nvme_prp_build(pg, 600, 0, UINT32_MAX, &p1, &p2, list, 0x9000, 520) == -EINVAL);
}

static void test_regs(void)
{
	struct nvme_cap c;
	/* MQES 1023, CQR, TO 20, DSTRD 2, CSS NVM, MPSMIN 0, MPSMAX 4. */
	uint64_t cap = 1023 | 1ull << 16 | 20ull << 24 | 2ull << 32 | 1ull << 37 | 4ull << 52;

	nvme_cap_decode(cap, &c);
	CHECK(c.max_entries == 1024 && c.contiguous && c.timeout_ms == 10000);
	CHECK(c.dstrd == 2 && c.nvm && c.page_min_shift == 12 && c.page_max_shift == 16);
	nvme_cap_decode(0xffffull | 0xfull << 48, &c);
	CHECK(c.max_entries == 65536 && !c.contiguous && !c.nvm && c.page_min_shift == 27);
	CHECK(nvme_cc_enable() == 0x00460001);
	CHECK(nvme_aqa(32, 16) == 0x000f001f);
	CHECK(nvme_aqa(4096, 4096) == 0x0fff0fff);
	CHECK(nvme_db_sq(0, 0) == 0x1000 && nvme_db_cq(0, 0) == 0x1004);
	CHECK(nvme_db_sq(0, 1) == 0x1008 && nvme_db_cq(0, 1) == 0x100c);
	CHECK(nvme_db_sq(2, 1) == 0x1020 && nvme_db_cq(2, 1) == 0x1030);
	CHECK(nvme_csts_ready(1) && !nvme_csts_ready(0) && !nvme_csts_ready(UINT32_MAX));
	CHECK(nvme_csts_fatal(2) && nvme_csts_fatal(3) && nvme_csts_fatal(UINT32_MAX));
	CHECK(!nvme_csts_fatal(1) && !nvme_csts_fatal(0));
	CHECK(nvme_status_ok(0) && !nvme_status_ok(0x80) && !nvme_status_ok(0x100));
	CHECK(strcmp(nvme_status_str(0x80), "LBA out of range") == 0);
	CHECK(strcmp(nvme_status_str(0x4000 | 0x101), "invalid queue id") == 0);
	CHECK(strcmp(nvme_status_str(0x281), "unrecovered read error") == 0);
	CHECK(nvme_status_str(0x0ff) == NULL && nvme_status_str(0x700) == NULL);
}

/* The simulated controller: sees only the rings and the doorbell values. */
struct dev {
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint32_t depth;
	uint16_t qid;
	uint32_t sq_head, cq_tail;
	uint8_t phase;
	struct nvme_sqe pend[NVME_QUEUE_MAX];	/* fetched, not completed */
	unsigned npend;
};

static void dev_init(struct dev *d, struct nvme_queue *q)
{
	memset(d, 0, sizeof(*d));
	d->sq = q->sq;
	d->cq = q->cq;
	d->depth = q->depth;
	d->qid = q->qid;
	d->phase = 1;
}

/* The SQ tail doorbell: fetch every entry up to it. */
static void dev_fetch(struct dev *d, uint32_t tail)
{
	CHECK(tail < d->depth);
	while (d->sq_head != tail) {
		CHECK(d->npend < d->depth);
		d->pend[d->npend++] = d->sq[d->sq_head];
		d->sq_head = (d->sq_head + 1) % d->depth;
	}
}

/* Complete pending command i (echoing CDW10 in DW0); cq_head is the CQ
 * head doorbell. Returns 0 when the CQ is full. */
static int dev_complete(struct dev *d, unsigned i, uint32_t cq_head, uint16_t sf)
{
	struct nvme_cqe c = { 0 };

	if ((d->cq_tail + 1) % d->depth == cq_head)
		return 0;
	c.dw0 = d->pend[i].cdw10;
	c.sq_head = (uint16_t)d->sq_head;
	c.sq_id = d->qid;
	c.cid = (uint16_t)(d->pend[i].cdw0 >> 16);
	c.status = (uint16_t)(sf << 1 | d->phase);
	d->cq[d->cq_tail] = c;
	d->pend[i] = d->pend[--d->npend];
	if (++d->cq_tail == d->depth) {
		d->cq_tail = 0;
		d->phase ^= 1;
	}
	return 1;
}

/* Rings of exactly depth entries on the heap, so ASan sees any index past them. */
static struct nvme_sqe *sqmem;
static struct nvme_cqe *cqmem;
static struct dev dev;

static void ring_alloc(uint32_t depth)
{
	free(sqmem);
	free(cqmem);
	sqmem = malloc(depth * sizeof(*sqmem));
	cqmem = malloc(depth * sizeof(*cqmem));
	CHECK(sqmem && cqmem);
}

/* Submit and complete many commands through a depth-entry queue. */
static void run_sim(uint32_t depth, unsigned rounds)
{
	struct nvme_queue q;
	struct nvme_sqe e;
	struct nvme_done dn;
	uint32_t tag[NVME_QUEUE_MAX];
	bool busy[NVME_QUEUE_MAX] = { 0 };
	unsigned done = 0, sent = 0, inflight = 0;

	ring_alloc(depth);
	CHECK(nvme_queue_init(&q, 1, depth, 0, sqmem, cqmem) == 0);
	dev_init(&dev, &q);
	for (unsigned r = 0; r < rounds || inflight; r++) {
		unsigned n = r < rounds ? (unsigned)(check_rnd(&seed) % (depth + 1)) : 0;

		for (unsigned k = 0; k < n; k++) {
			uint16_t cid = (uint16_t)(check_rnd(&seed) % depth);
			bool full = (q.sq_tail + 1) % depth == q.sq_head || inflight == depth - 1;
			int rc;

			if (busy[cid])
				continue;
			tag[cid] = (uint32_t)check_rnd(&seed);
			CHECK(nvme_cmd_rw(&e, NVME_CMD_READ, 1, tag[cid], 1, 0x1000, 0, cid) == 0);
			rc = nvme_sq_push(&q, &e);
			/* Full by the head the last completion reported. */
			CHECK(rc == (full ? -EAGAIN : 0));
			if (rc)
				break;
			busy[cid] = true;
			inflight++;
			sent++;
		}
		dev_fetch(&dev, q.sq_tail);
		for (unsigned k = (unsigned)(check_rnd(&seed) % (depth + 1)); k && dev.npend; k--)
			if (!dev_complete(&dev, (unsigned)(check_rnd(&seed) % dev.npend), q.cq_head,
					  (uint16_t)(k & 1 ? 0 : 0x80)))
				break;
		for (int rc; (rc = nvme_cq_poll(&q, &dn)) != 0;) {
			CHECK(rc == 1);
			CHECK(dn.cid < depth && busy[dn.cid] && dn.dw0 == tag[dn.cid]);
			CHECK(dn.status == 0 || dn.status == 0x80);
			busy[dn.cid] = false;
			inflight--;
			done++;
		}
		CHECK(q.outstanding == inflight && !q.broken);
	}
	CHECK(done == sent && done > 8 * depth);	/* many wraps */
	CHECK(nvme_sq_push(&q, &e) == 0);		/* still usable */
}

/* A queue of depth 4 with CIDs 0 and 1 submitted and fetched. */
static void hostile_setup(struct nvme_queue *q)
{
	struct nvme_sqe e;

	ring_alloc(4);
	CHECK(nvme_queue_init(q, 1, 4, 0, sqmem, cqmem) == 0);
	dev_init(&dev, q);
	for (uint16_t cid = 0; cid < 2; cid++) {
		CHECK(nvme_cmd_flush(&e, 1, cid) == 0);
		CHECK(nvme_sq_push(q, &e) == 0);
	}
	CHECK(nvme_sq_push(q, &e) == -EINVAL);	/* CID 1 is busy */
	e.cdw0 = 4u << 16;
	CHECK(nvme_sq_push(q, &e) == -EINVAL);	/* beyond depth */
	dev_fetch(&dev, q->sq_tail);
}

static void cqe_at(struct nvme_cqe *c, uint16_t cid, uint16_t sqhd, uint16_t sqid, uint8_t ph)
{
	c->dw0 = 0;
	c->sq_head = sqhd;
	c->sq_id = sqid;
	c->cid = cid;
	c->status = ph;
}

static void expect_broken(struct nvme_queue *q)
{
	struct nvme_done dn;
	struct nvme_sqe e;

	const char *why;

	CHECK(nvme_cq_poll(q, &dn) == -EIO && q->broken && q->why);
	why = q->why;
	nvme_cmd_flush(&e, 1, 3);
	CHECK(nvme_sq_push(q, &e) == -EIO);
	CHECK(nvme_cq_poll(q, &dn) == -EIO && q->why == why);
}

/* Entries whose phase tag is not the one we expect are not new. */
static void test_stale_phase(void)
{
	struct nvme_queue q;
	struct nvme_done dn;

	hostile_setup(&q);
	/* Stale phase: not new, not consumed, nothing changes. */
	cqe_at(&cqmem[0], 0, 2, 1, 0);
	CHECK(nvme_cq_poll(&q, &dn) == 0 && nvme_cid_busy(&q, 0) && q.cq_head == 0);
	/* Phase 1 left over from the last pass once we expect 0. */
	for (uint16_t i = 0; i < 4; i++) {
		struct nvme_sqe e;

		if (i >= 2) {
			nvme_cmd_flush(&e, 1, i);
			CHECK(nvme_sq_push(&q, &e) == 0);
		}
		cqe_at(&cqmem[i], i, (uint16_t)((i + 1) % 4), 1, 1);
		CHECK(nvme_cq_poll(&q, &dn) == 1 && dn.cid == i);
	}
	CHECK(q.phase == 0 && q.cq_head == 0 && q.outstanding == 0);
	CHECK(nvme_cq_poll(&q, &dn) == 0);
}

static void test_hostile(void)
{
	struct nvme_queue q;
	struct nvme_done dn;
	static const uint16_t bad_heads[] = { 3, 4, 0xffff };
	static const uint16_t bad_cids[] = { 2, 3, 4, 0xffff };

	/* The CQE's bytes at §4.6's offsets: SQHD 8, SQID 10, CID 12, phase
	 * DW3 bit 16, SC 24:17, SCT 27:25, DNR 31. */
	hostile_setup(&q);
	{
		uint8_t raw[16] = { 0 };

		put(raw, 0, 0xdeadbeef, 4);
		put(raw, 8, 2, 2);
		put(raw, 10, 1, 2);
		put(raw, 12, 1 | 1u << 16 | 0x81u << 17 | 2u << 25 | 1u << 31, 4);
		memcpy(&cqmem[0], raw, 16);
	}
	CHECK(nvme_cq_poll(&q, &dn) == 1 && dn.cid == 1 && dn.dw0 == 0xdeadbeef);
	CHECK(NVME_SC(dn.status) == 0x81 && NVME_SCT(dn.status) == 2 && NVME_DNR(dn.status));
	CHECK(!nvme_status_ok(dn.status) && q.sq_head == 2 && !nvme_cid_busy(&q, 1));
	/* Duplicate CID. */
	cqe_at(&cqmem[1], 1, 2, 1, 1);
	expect_broken(&q);

	for (unsigned i = 0; i < sizeof(bad_cids) / sizeof(bad_cids[0]); i++) {
		hostile_setup(&q);
		cqe_at(&cqmem[0], bad_cids[i], 2, 1, 1);
		expect_broken(&q);
	}
	/* SQ heads past what we submitted (tail 2) or past the ring. */
	for (unsigned i = 0; i < sizeof(bad_heads) / sizeof(bad_heads[0]); i++) {
		hostile_setup(&q);
		cqe_at(&cqmem[0], 0, bad_heads[i], 1, 1);
		expect_broken(&q);
	}
	/* Another queue's SQ id. */
	hostile_setup(&q);
	cqe_at(&cqmem[0], 0, 2, 2, 1);
	expect_broken(&q);
	/* Every byte of the CQ all ones. */
	hostile_setup(&q);
	memset(cqmem, 0xff, 4 * sizeof(cqmem[0]));
	expect_broken(&q);
	/* Bad queue parameters. */
	CHECK(nvme_queue_init(&q, 1, 1, 0, sqmem, cqmem) == -EINVAL);
	CHECK(nvme_queue_init(&q, 1, NVME_QUEUE_MAX + 1, 0, sqmem, cqmem) == -EINVAL);
	CHECK(nvme_queue_init(&q, 1, 4, 16, sqmem, cqmem) == -EINVAL);
	CHECK(nvme_queue_init(&q, 1, 4, 0, NULL, cqmem) == -EINVAL);
}

/* Scribble a random completion at the CQ head (sometimes elsewhere). */
static void fuzz_cqe(struct nvme_queue *q, const bool *busy)
{
	uint32_t depth = q->depth;
	struct nvme_cqe *c;
	uint64_t r;

	c = &q->cq[check_rnd(&seed) % 8 ? q->cq_head : check_rnd(&seed) % depth];
	r = check_rnd(&seed);
	c->dw0 = (uint32_t)r;
	c->cid = (uint16_t)(r & 32 ? r >> 32 : (r >> 32) % (depth + 1));
	c->sq_head = (uint16_t)(r & 64 ? r >> 48 : (r >> 48) % (depth + 1));
	c->sq_id = r & 128 ? 3 : (uint16_t)(r >> 8);
	c->status = (uint16_t)((r >> 16 & 0xfffe) | (r & 256 ? q->phase : !q->phase));
	if (r & 512 && q->outstanding) {
		/* Mostly plausible: an outstanding CID, a head in the window. */
		uint32_t n = (q->sq_tail + depth - q->sq_head) % depth + 1;
		uint16_t cid = (uint16_t)(check_rnd(&seed) % depth);

		while (!busy[cid])
			cid = (uint16_t)((cid + 1) % depth);
		c->cid = cid;
		c->sq_head = (uint16_t)((q->sq_head + check_rnd(&seed) % n) % depth);
		c->sq_id = r & 1024 ? 3 : c->sq_id;
	}
}

/* Random CQEs at the head: accepted only for outstanding CIDs with a head
 * inside the submitted window; the queue never indexes outside its rings. */
static void test_fuzz(void)
{
	static const uint32_t depths[] = { 2, 4, 7, 16, 1024 };
	struct nvme_queue q;
	struct nvme_done dn;
	struct nvme_sqe e;
	bool busy[NVME_QUEUE_MAX];
	unsigned accepted = 0, broken = 0, idle = 0;
	uint32_t depth = 0;

	q.broken = true;
	for (unsigned it = 0; it < 100000; it++) {
		struct nvme_cqe *c;
		uint32_t used, moved;
		bool want, fresh;
		int rc;

		if (q.broken || check_rnd(&seed) % 500 == 0) {
			broken += q.broken;
			depth = depths[check_rnd(&seed) % 5];
			ring_alloc(depth);
			CHECK(nvme_queue_init(&q, 3, depth, 0, sqmem, cqmem) == 0);
			memset(busy, 0, sizeof(busy));
		}
		for (unsigned k = (unsigned)(check_rnd(&seed) % 3); k; k--) {
			uint16_t cid = (uint16_t)(check_rnd(&seed) % (depth + 2));
			bool full = (q.sq_tail + 1) % depth == q.sq_head || q.outstanding == depth - 1;

			nvme_cmd_flush(&e, 1, cid);
			rc = nvme_sq_push(&q, &e);
			if (cid >= depth || busy[cid])
				CHECK(rc == -EINVAL);
			else if (full)
				CHECK(rc == -EAGAIN);
			else
				CHECK(rc == 0);
			if (rc == 0)
				busy[cid] = true;
		}
		fuzz_cqe(&q, busy);
		/* The outcome, computed from the entry as it now reads. */
		c = &q.cq[q.cq_head];
		used = (q.sq_tail + depth - q.sq_head) % depth;
		moved = (c->sq_head + depth - q.sq_head) % depth;
		want = c->sq_id == 3 && c->sq_head < depth && moved <= used && c->cid < depth &&
		       busy[c->cid];
		fresh = (c->status & 1) == q.phase;
		rc = nvme_cq_poll(&q, &dn);
		CHECK(rc == (!fresh ? 0 : want ? 1 : -EIO));
		if (rc == 1) {
			CHECK(want && dn.cid < depth && busy[dn.cid] && dn.cid == c->cid);
			busy[dn.cid] = false;
			accepted++;
		} else if (rc == 0) {
			idle++;
		} else {
			CHECK(rc == -EIO && !want && q.broken);
		}
		CHECK(q.cq_head < depth && q.sq_head < depth && q.sq_tail < depth);
	}
	printf("fuzz: %u accepted, %u broke the queue, %u idle\n", accepted, broken, idle);
	CHECK(accepted > 1000 && broken > 1000 && idle > 1000);
}

int main(void)
{
	test_sqe_io();
	test_sqe_admin();
	test_sqe_bad();
	test_prp();
	test_regs();
	run_sim(4, 2000);
	run_sim(16, 2000);
	run_sim(2, 500);
	run_sim(7, 1000);
	test_hostile();
	test_stale_phase();
	test_fuzz();
	free(sqmem);
	free(cqmem);
	CHECK_DONE("nvme");
	return 0;
}
