/*
 * NVMe commands and queue pairs (nvme.h), after NVM Express Base
 * Specification 1.4: §4.2 (submission entry), §4.3 (PRPs), §4.6
 * (completion entry and phase tag), §5.3-§5.6 and §5.15 (admin commands),
 * §6.8/§6.9/§6.15 (Flush, Read, Write), §3.1 (registers).
 *
 * A completion is read once into a local copy and checked before anything
 * it says is used as an index: a device that writes garbage can break the
 * queue, never our memory.
 */
#include "nvme.h"
#include "errno.h"

#ifdef BULKHEAD_HOST
#include <string.h>
#else
#include "dom.h"
#endif

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes (§4.2)");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes (§4.6)");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "DPTR at byte 24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10 at byte 40");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "status in DW3 31:16");

#define PAGE_MASK ((uint64_t)NVME_PAGE - 1)

static void sqe_start(struct nvme_sqe *e, uint8_t op, uint32_t nsid, uint16_t cid)
{
	memset(e, 0, sizeof(*e));
	e->cdw0 = op | (uint32_t)cid << 16;	/* FUSE 0, PSDT 0: PRPs */
	e->nsid = nsid;
}

int nvme_cmd_identify(struct nvme_sqe *e, uint8_t cns, uint32_t nsid, uint64_t prp1,
		      uint16_t cid)
{
	/* The 4 KiB data structure in one page, so PRP2 stays 0 (§5.15). */
	if (prp1 & PAGE_MASK)
		return -EINVAL;
	sqe_start(e, NVME_ADM_IDENTIFY, nsid, cid);
	e->prp1 = prp1;
	e->cdw10 = cns;		/* CNTID 31:16 = 0 */
	return 0;
}

/* CDW10 of the create commands: QSIZE (0-based) 31:16, QID 15:0 (§5.3, §5.4). */
static int queue_cdw10(uint16_t qid, uint32_t qsize, uint64_t phys, uint32_t *cdw10)
{
	/* QID 0 is the admin pair; queues are page aligned (PC = 1). */
	if (qid == 0 || qsize < 2 || qsize > 65536 || (phys & PAGE_MASK) || !phys)
		return -EINVAL;
	*cdw10 = (qsize - 1) << 16 | qid;
	return 0;
}

int nvme_cmd_create_cq(struct nvme_sqe *e, uint16_t qid, uint32_t qsize, uint64_t phys,
		       uint16_t iv, bool ien, uint16_t cid)
{
	uint32_t cdw10;

	if (queue_cdw10(qid, qsize, phys, &cdw10))
		return -EINVAL;
	sqe_start(e, NVME_ADM_CREATE_CQ, 0, cid);
	e->prp1 = phys;
	e->cdw10 = cdw10;
	e->cdw11 = (uint32_t)iv << 16 | (ien ? 2u : 0u) | 1u;	/* IV, IEN, PC */
	return 0;
}

int nvme_cmd_create_sq(struct nvme_sqe *e, uint16_t qid, uint32_t qsize, uint64_t phys,
		       uint16_t cqid, uint16_t cid)
{
	uint32_t cdw10;

	if (queue_cdw10(qid, qsize, phys, &cdw10) || cqid == 0)
		return -EINVAL;
	sqe_start(e, NVME_ADM_CREATE_SQ, 0, cid);
	e->prp1 = phys;
	e->cdw10 = cdw10;
	e->cdw11 = (uint32_t)cqid << 16 | 1u;	/* CQID, QPRIO 0 (round robin ignores it), PC */
	return 0;
}

int nvme_cmd_delete_q(struct nvme_sqe *e, uint8_t op, uint16_t qid, uint16_t cid)
{
	if ((op != NVME_ADM_DELETE_SQ && op != NVME_ADM_DELETE_CQ) || qid == 0)
		return -EINVAL;
	sqe_start(e, op, 0, cid);
	e->cdw10 = qid;
	return 0;
}

int nvme_cmd_rw(struct nvme_sqe *e, uint8_t op, uint32_t nsid, uint64_t slba,
		uint32_t nblocks, uint64_t prp1, uint64_t prp2, uint16_t cid)
{
	/* PRP1's offset is dword aligned, PRP2 a page or a qword-aligned list (§4.3). */
	if ((op != NVME_CMD_READ && op != NVME_CMD_WRITE && op != NVME_CMD_WRITE_ZEROES) ||
	    nblocks == 0 || nblocks > NVME_MAX_BLOCKS || (prp1 & 3) || (prp2 & 7) ||
	    (op == NVME_CMD_WRITE_ZEROES && (prp1 || prp2)))
		return -EINVAL;
	sqe_start(e, op, nsid, cid);
	e->prp1 = prp1;
	e->prp2 = prp2;
	e->cdw10 = (uint32_t)slba;		/* SLBA 31:0 */
	e->cdw11 = (uint32_t)(slba >> 32);	/* SLBA 63:32 */
	e->cdw12 = nblocks - 1;			/* NLB, 0-based; LR, FUA, PRINFO 0 */
	return 0;
}

int nvme_cmd_flush(struct nvme_sqe *e, uint32_t nsid, uint16_t cid)
{
	sqe_start(e, NVME_CMD_FLUSH, nsid, cid);
	return 0;
}

int nvme_prp_build(const uint64_t *pages_phys, unsigned npages, unsigned first_off,
		   uint32_t len, uint64_t *prp1, uint64_t *prp2, uint64_t *list,
		   uint64_t list_phys, unsigned list_cap)
{
	uint64_t span = (uint64_t)first_off + len;
	uint64_t need = (span + NVME_PAGE - 1) / NVME_PAGE;
	unsigned room;

	if (len == 0 || first_off >= NVME_PAGE || (first_off & 3) || need != npages)
		return -EINVAL;
	for (unsigned i = 0; i < npages; i++)
		if (pages_phys[i] & PAGE_MASK)
			return -EINVAL;
	if (npages > 2) {
		/* A list pointer is qword aligned; entries past its page would
		 * need the last one to chain to another list page (§4.3). */
		if (!list || (list_phys & 7))
			return -EINVAL;
		room = (unsigned)((NVME_PAGE - (list_phys & PAGE_MASK)) / 8);
		if (npages - 1 > room || npages - 1 > list_cap)
			return -E2BIG;
		for (unsigned i = 1; i < npages; i++)
			list[i - 1] = pages_phys[i];
	}
	*prp1 = pages_phys[0] + first_off;
	*prp2 = npages == 1 ? 0 : npages == 2 ? pages_phys[1] : list_phys;
	return 0;
}

int nvme_queue_init(struct nvme_queue *q, uint16_t qid, uint32_t depth, unsigned dstrd,
		    struct nvme_sqe *sq, struct nvme_cqe *cq)
{
	if (depth < 2 || depth > NVME_QUEUE_MAX || dstrd > 15 || !sq || !cq)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	memset(cq, 0, (size_t)depth * sizeof(*cq));
	q->sq = sq;
	q->cq = cq;
	q->depth = depth;
	q->qid = qid;
	q->phase = 1;	/* §4.6: the controller's first pass writes phase 1 */
	q->sq_db = nvme_db_sq(dstrd, qid);
	q->cq_db = nvme_db_cq(dstrd, qid);
	return 0;
}

bool nvme_cid_busy(const struct nvme_queue *q, uint16_t cid)
{
	return cid < q->depth && (q->busy[cid / 64] >> (cid % 64) & 1);
}

int nvme_sq_push(struct nvme_queue *q, const struct nvme_sqe *e)
{
	uint16_t cid = (uint16_t)(e->cdw0 >> 16);
	uint32_t next = (q->sq_tail + 1) % q->depth;

	if (q->broken)
		return -EIO;	/* q->why keeps what broke it */
	q->why = NULL;
	if (cid >= q->depth || nvme_cid_busy(q, cid)) {
		q->why = cid >= q->depth ? "CID beyond depth" : "CID outstanding";
		return -EINVAL;
	}
	/* §4.1.2: full when the tail would catch the head. The head lags
	 * behind fetched commands, so also cap what is outstanding at
	 * depth - 1: their completions then always fit in the CQ. */
	if (next == q->sq_head || q->outstanding >= q->depth - 1) {
		q->why = "SQ full";
		return -EAGAIN;
	}
	memcpy(&q->sq[q->sq_tail], e, sizeof(*e));
	q->sq_tail = next;
	q->busy[cid / 64] |= 1ull << (cid % 64);
	q->outstanding++;
	return 0;
}

/* The entry is wrong; the controller must be reset before the queue is used again. */
static int cq_reject(struct nvme_queue *q, const char *why)
{
	q->broken = true;
	q->why = why;
	return -EIO;
}

int nvme_cq_poll(struct nvme_queue *q, struct nvme_done *d)
{
	volatile struct nvme_cqe *slot = &q->cq[q->cq_head];
	struct nvme_cqe c;
	uint32_t used, moved;

	if (q->broken)
		return -EIO;
	q->why = NULL;
	if ((slot->status & 1) != q->phase)
		return 0;
	/* The phase tag is written last; read the rest after it (x86 keeps
	 * loads in order, the compiler must too). */
	__asm__ volatile("" ::: "memory");
	memcpy(&c, (const void *)slot, sizeof(c));
	if ((c.status & 1) != q->phase)
		return 0;
	if (c.sq_id != q->qid)
		return cq_reject(q, "completion for another SQ");
	/* The head can only move forward over entries we submitted (§4.1). */
	used = (q->sq_tail + q->depth - q->sq_head) % q->depth;
	moved = c.sq_head < q->depth ? (c.sq_head + q->depth - q->sq_head) % q->depth : ~0u;
	if (moved > used)
		return cq_reject(q, "SQ head outside the submitted entries");
	if (!nvme_cid_busy(q, c.cid))
		return cq_reject(q, "completion for a CID not outstanding");
	q->sq_head = c.sq_head;
	q->busy[c.cid / 64] &= ~(1ull << (c.cid % 64));
	q->outstanding--;
	if (++q->cq_head == q->depth) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	d->cid = c.cid;
	d->status = c.status >> 1;
	d->dw0 = c.dw0;
	return 1;
}

void nvme_cap_decode(uint64_t cap, struct nvme_cap *c)
{
	/* §3.1.1: MQES 15:0 (0-based), CQR 16, TO 31:24 (500 ms units),
	 * DSTRD 35:32, CSS 44:37, MPSMIN 51:48, MPSMAX 55:52. */
	c->max_entries = (uint32_t)(cap & 0xffff) + 1;
	c->contiguous = cap >> 16 & 1;
	c->timeout_ms = (uint32_t)(cap >> 24 & 0xff) * 500;
	c->dstrd = (unsigned)(cap >> 32 & 0xf);
	c->nvm = cap >> 37 & 1;
	c->page_min_shift = 12 + (unsigned)(cap >> 48 & 0xf);
	c->page_max_shift = 12 + (unsigned)(cap >> 52 & 0xf);
}

uint32_t nvme_cc_enable(void)
{
	/* §3.1.5: EN 0 = 1, CSS 6:4 = 0 (NVM), MPS 10:7 = 0 (4 KiB), AMS 13:11 = 0
	 * (round robin), IOSQES 19:16 = 6 (64 bytes), IOCQES 23:20 = 4 (16). */
	return 1u | 6u << 16 | 4u << 20;
}

uint32_t nvme_aqa(uint32_t sq_entries, uint32_t cq_entries)
{
	/* §3.1.8: ASQS 11:0 and ACQS 27:16, both 0-based. */
	return ((cq_entries - 1) & 0xfff) << 16 | ((sq_entries - 1) & 0xfff);
}

bool nvme_csts_ready(uint32_t csts)
{
	return csts != UINT32_MAX && (csts & 1);
}

bool nvme_csts_fatal(uint32_t csts)
{
	return csts == UINT32_MAX || (csts & 2);
}

uint32_t nvme_db_sq(unsigned dstrd, uint16_t qid)
{
	return 0x1000 + (2u * qid) * (4u << dstrd);
}

uint32_t nvme_db_cq(unsigned dstrd, uint16_t qid)
{
	return 0x1000 + (2u * qid + 1) * (4u << dstrd);
}

bool nvme_status_ok(uint16_t status)
{
	return NVME_SCT(status) == NVME_SCT_GENERIC && NVME_SC(status) == 0;
}

/* Common values of §4.6.1.2 (generic, and the NVM set's 80h-84h), §4.6.1.3
 * (command specific) and §4.6.1.4 (media errors): SCT << 8 | SC. */
static const struct {
	uint16_t code;
	const char *name;
} status_names[] = {
	{ 0x000, "success" },
	{ 0x001, "invalid opcode" },
	{ 0x002, "invalid field" },
	{ 0x003, "CID conflict" },
	{ 0x004, "data transfer error" },
	{ 0x005, "aborted: power loss" },
	{ 0x006, "internal error" },
	{ 0x007, "abort requested" },
	{ 0x008, "aborted: SQ deleted" },
	{ 0x00b, "invalid namespace or format" },
	{ 0x00c, "command sequence error" },
	{ 0x013, "PRP offset invalid" },
	{ 0x080, "LBA out of range" },
	{ 0x081, "capacity exceeded" },
	{ 0x082, "namespace not ready" },
	{ 0x100, "CQ invalid" },
	{ 0x101, "invalid queue id" },
	{ 0x102, "invalid queue size" },
	{ 0x280, "write fault" },
	{ 0x281, "unrecovered read error" },
	{ 0x285, "compare failure" },
	{ 0x286, "access denied" },
};

const char *nvme_status_str(uint16_t status)
{
	uint16_t code = (uint16_t)(NVME_SCT(status) << 8 | NVME_SC(status));

	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].code == code)
			return status_names[i].name;
	return NULL;
}
