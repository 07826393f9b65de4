/*
 * NVMe commands and queue pairs (NVM Express Base Specification 1.4): the
 * 64-byte submission and 16-byte completion entries, PRP data pointers, a
 * submission/completion queue pair over memory the caller provides, and the
 * controller register fields a driver needs to bring a controller up.
 * Groundwork for issue 8 (the blkback storage domain); nothing links it yet.
 *
 * No MMIO and no allocation here, so the file builds on the host
 * (test/unit/test_nvme.c): the caller maps BAR0, owns the queue memory and
 * writes the doorbells (q->sq_tail to q->sq_db after pushes, q->cq_head to
 * q->cq_db after polls), with a store barrier before each doorbell write.
 *
 * Everything the device writes is hostile until checked: nvme_cq_poll
 * rejects a completion whose CID is not outstanding, whose SQ id is not
 * ours or whose SQ head is outside what we submitted, and then marks the
 * queue broken (every later call fails) so the caller resets the controller.
 *
 * Threading: none; one caller per queue. Little-endian hosts only (x86).
 */
#ifndef BLKBACK_NVME_H
#define BLKBACK_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NVME_PAGE 4096u			/* the memory page size we program (CC.MPS = 0) */
#define NVME_PRP_PER_PAGE (NVME_PAGE / 8)
#define NVME_QUEUE_MAX 1024u		/* deepest queue we drive; CIDs are < depth */
#define NVME_MAX_BLOCKS 65536u		/* NLB is 16 bits, 0-based (§6.9, §6.15 NVM) */

/* Admin opcodes (§5) */
#define NVME_ADM_DELETE_SQ 0x00
#define NVME_ADM_CREATE_SQ 0x01
#define NVME_ADM_DELETE_CQ 0x04
#define NVME_ADM_CREATE_CQ 0x05
#define NVME_ADM_IDENTIFY 0x06
/* NVM command set opcodes (§6) */
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02
#define NVME_CMD_WRITE_ZEROES 0x08	/* NVM §6.16: no data pointer */
/* Identify CNS values (§5.15.1) */
#define NVME_CNS_NAMESPACE 0x00
#define NVME_CNS_CONTROLLER 0x01

/* Submission queue entry (§4.2). */
struct nvme_sqe {
	uint32_t cdw0;		/* opcode 7:0, FUSE 9:8, PSDT 15:14, CID 31:16 */
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;	/* DPTR with PSDT = 0 */
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* Completion queue entry (§4.6). */
struct nvme_cqe {
	uint32_t dw0;		/* command specific */
	uint32_t dw1;
	uint16_t sq_head, sq_id;
	uint16_t cid;
	uint16_t status;	/* phase tag bit 0, status field 15:1 */
};

/* The status field (DW3 31:17 shifted down by 17, §4.6.1). */
#define NVME_SC(s) ((s) & 0xffu)
#define NVME_SCT(s) (((s) >> 8) & 0x7u)
#define NVME_CRD(s) (((s) >> 11) & 0x3u)
#define NVME_MORE(s) (((s) >> 13) & 0x1u)
#define NVME_DNR(s) (((s) >> 14) & 0x1u)

/* Status code types (§4.6.1.1) */
#define NVME_SCT_GENERIC 0
#define NVME_SCT_CMD 1
#define NVME_SCT_MEDIA 2
#define NVME_SCT_PATH 3
#define NVME_SCT_VENDOR 7

/* One completion as nvme_cq_poll hands it over. */
struct nvme_done {
	uint16_t cid;
	uint16_t status;	/* the 15-bit status field: NVME_SC, NVME_SCT, ... */
	uint32_t dw0;
};

/*
 * A submission queue and the completion queue it posts to, both `depth`
 * entries deep. Fields are private to nvme.c except the doorbell pair the
 * caller writes: sq_tail to BAR0 + sq_db, cq_head to BAR0 + cq_db.
 */
struct nvme_queue {
	struct nvme_sqe *sq;	/* depth entries, device-readable */
	struct nvme_cqe *cq;	/* depth entries, device-writable */
	uint32_t depth;
	uint16_t qid;
	uint32_t sq_tail;	/* next slot we fill */
	uint32_t sq_head;	/* device's head, as its last completion said */
	uint32_t cq_head;	/* next completion slot we read */
	uint8_t phase;		/* phase tag of a new completion at cq_head */
	uint32_t sq_db, cq_db;	/* doorbell offsets in BAR0 */
	uint32_t outstanding;	/* CIDs in busy[] */
	uint64_t busy[NVME_QUEUE_MAX / 64];	/* CIDs submitted, not completed */
	bool broken;		/* the device broke the protocol; reset it */
	const char *why;	/* why the last call failed (once broken: what broke it) */
};

/* Submission entries (return 0 or -EINVAL; PSDT = 0, no fusing). */
int nvme_cmd_identify(struct nvme_sqe *e, uint8_t cns, uint32_t nsid, uint64_t prp1,
		      uint16_t cid);
/* qsize is the entry count (2..65536); the queue is one contiguous buffer
 * at phys (PC = 1). iv is the interrupt vector; ien enables it. */
int nvme_cmd_create_cq(struct nvme_sqe *e, uint16_t qid, uint32_t qsize, uint64_t phys,
		       uint16_t iv, bool ien, uint16_t cid);
int nvme_cmd_create_sq(struct nvme_sqe *e, uint16_t qid, uint32_t qsize, uint64_t phys,
		       uint16_t cqid, uint16_t cid);
int nvme_cmd_delete_q(struct nvme_sqe *e, uint8_t op, uint16_t qid, uint16_t cid);
/* op is NVME_CMD_READ, NVME_CMD_WRITE or NVME_CMD_WRITE_ZEROES (which moves
 * no data: prp1 and prp2 must be 0); nblocks is a count, 1..65536. */
int nvme_cmd_rw(struct nvme_sqe *e, uint8_t op, uint32_t nsid, uint64_t slba,
		uint32_t nblocks, uint64_t prp1, uint64_t prp2, uint16_t cid);
int nvme_cmd_flush(struct nvme_sqe *e, uint32_t nsid, uint16_t cid);

/*
 * Data pointer for len bytes starting first_off bytes into pages_phys[0]
 * (§4.3 PRP entry and PRP list). pages_phys are the buffer's npages
 * page-aligned addresses, exactly as many as the bytes span. Over two
 * pages, PRP2 points at a list at list_phys (qword aligned; CPU view list,
 * list_cap entries) that must fit in that one page: no chaining.
 * Returns 0, -EINVAL (bad offset, length, page count or alignment) or
 * -E2BIG (the list would need more entries than list_cap or the page has).
 */
int nvme_prp_build(const uint64_t *pages_phys, unsigned npages, unsigned first_off,
		   uint32_t len, uint64_t *prp1, uint64_t *prp2, uint64_t *list,
		   uint64_t list_phys, unsigned list_cap);

/*
 * Start a queue pair: depth 2..NVME_QUEUE_MAX entries at sq and cq (cq is
 * zeroed, so no entry carries the first phase tag 1), doorbells for qid at
 * doorbell stride dstrd (CAP.DSTRD). Returns 0 or -EINVAL.
 */
int nvme_queue_init(struct nvme_queue *q, uint16_t qid, uint32_t depth, unsigned dstrd,
		    struct nvme_sqe *sq, struct nvme_cqe *cq);
/* Copy e into the next SQ slot. Its CID (below depth, not outstanding)
 * names it in the completion. -EAGAIN when the SQ is full or depth - 1
 * commands are outstanding (so completions always fit the CQ), -EINVAL
 * for a bad or busy CID, -EIO when broken. The caller rings the doorbell. */
int nvme_sq_push(struct nvme_queue *q, const struct nvme_sqe *e);
/* Take one completion: 1 (and *d filled), 0 when none is new, -EIO when
 * the entry broke the protocol (the queue is now broken; q->why says how). */
int nvme_cq_poll(struct nvme_queue *q, struct nvme_done *d);
bool nvme_cid_busy(const struct nvme_queue *q, uint16_t cid);

/* Controller registers (§3.1). */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28
#define NVME_REG_ACQ 0x30

/* CAP decoded (§3.1.1). */
struct nvme_cap {
	uint32_t max_entries;	/* MQES + 1 */
	bool contiguous;	/* CQR: queues must be physically contiguous */
	uint32_t timeout_ms;	/* TO: worst case for CSTS.RDY to follow CC.EN */
	unsigned dstrd;		/* doorbell stride: 4 << dstrd bytes */
	bool nvm;		/* CSS bit 0: the NVM command set */
	unsigned page_min_shift, page_max_shift;	/* 12 + MPSMIN, 12 + MPSMAX */
};

void nvme_cap_decode(uint64_t cap, struct nvme_cap *c);
/* CC with EN set (to write after CC.EN = 0 and AQA/ASQ/ACQ), NVM command set, 4 KiB pages, 64/16-byte entries (§3.1.5). */
uint32_t nvme_cc_enable(void);
/* AQA for admin queues of sq/cq entries, 2..4096 each (§3.1.8). */
uint32_t nvme_aqa(uint32_t sq_entries, uint32_t cq_entries);
bool nvme_csts_ready(uint32_t csts);
/* CFS set, or all ones (the device is gone from the bus). */
bool nvme_csts_fatal(uint32_t csts);
/* Doorbell offsets in BAR0 (§3.1.24, §3.1.25). */
uint32_t nvme_db_sq(unsigned dstrd, uint16_t qid);
uint32_t nvme_db_cq(unsigned dstrd, uint16_t qid);

bool nvme_status_ok(uint16_t status);
/* A short name for common status values ("LBA out of range"), else NULL. */
const char *nvme_status_str(uint16_t status);

#endif
