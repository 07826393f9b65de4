/* The blkif backend (blkback/blkif_back.c) on the host: a fake grant table of
 * pages indexed by ref, a RAM disk, and a frontend written with the ring macros. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/blkif_back.h"

#define NPAGES 64		/* grant refs 0..63; ref 0 is the ring */
#define DISK_SECTORS 256	/* 128 KiB */

static _Alignas(4096) unsigned char pages[NPAGES][4096];
static unsigned char disk[DISK_SECTORS * 512];
static int maps_live, maps_total;
static bool map_fail_ref[NPAGES];
static int store_fail;		/* next storage call fails with this */
static int flushes;
static uint64_t flush_order;	/* writes completed when the last flush ran */
static uint64_t writes_done;

static int fake_map(void *ctx, uint16_t domid, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)ctx;
	(void)ro;
	CHECK(domid == 7);
	if (ref >= NPAGES || map_fail_ref[ref])
		return -EINVAL;
	*addr = pages[ref];
	*h = ref + 1000;
	maps_live++;
	maps_total++;
	return 0;
}

static void fake_unmap(void *ctx, void *addr, uint32_t h)
{
	(void)ctx;
	CHECK(h >= 1000 && h < 1000 + NPAGES && addr == pages[h - 1000]);
	maps_live--;
}

static const struct blkif_back_grant_ops gops = { fake_map, fake_unmap };

static int in_disk(uint64_t off, size_t len)
{
	return off % 512 == 0 && len % 512 == 0 && len && off + len <= sizeof(disk);
}

static int st_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	CHECK(in_disk(off, len));
	if (store_fail)
		return store_fail;
	memcpy(buf, disk + off, len);
	return 0;
}

static int st_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	CHECK(in_disk(off, len));
	if (store_fail)
		return store_fail;
	memcpy(disk + off, buf, len);
	writes_done++;
	return 0;
}

static int st_flush(void *ctx)
{
	(void)ctx;
	flushes++;
	flush_order = writes_done;
	return 0;
}

static int st_discard(void *ctx, uint64_t off, uint64_t len)
{
	(void)ctx;
	CHECK(off + len <= sizeof(disk));
	memset(disk + off, 0, len);
	return 0;
}

static const struct blkif_back_store_ops sops = { st_read, st_write, st_flush, NULL };
static const struct blkif_back_store_ops sops_discard = { st_read, st_write, st_flush, st_discard };

static struct blkif_back be;
static struct blkif_front_ring fr;

static void setup(bool readonly, const struct blkif_back_store_ops *ops)
{
	blkif_back_disconnect(&be);
	memset(pages, 0, sizeof(pages));
	memset(map_fail_ref, 0, sizeof(map_fail_ref));
	store_fail = 0;
	SHARED_RING_INIT((struct blkif_sring *)pages[0]);
	FRONT_RING_INIT(&fr, (struct blkif_sring *)pages[0], 4096);
	memset(&be, 0, sizeof(be));
	be = (struct blkif_back){ .domid = 7, .sectors = DISK_SECTORS, .readonly = readonly,
				  .gops = &gops, .sops = ops };
	CHECK(blkif_back_connect(&be, 0) == 0);
	CHECK(maps_live == 1);
}

/* Queues a request whose segment i is page first_ref + i, sectors f..l. */
static struct blkif_request *queue(uint8_t op, uint64_t id, uint64_t sector, unsigned nseg,
				   uint32_t first_ref, uint8_t f, uint8_t l)
{
	struct blkif_request *r = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);

	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->nr_segments = (uint8_t)nseg;
	r->id = id;
	r->sector_number = sector;
	for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r->seg[i] = (struct blkif_request_segment){ first_ref + i, f, l, 0 };
	return r;
}

/* Pushes, serves, and returns the one response's status (checking its id and op). */
static int16_t run_one(uint64_t id, uint8_t op)
{
	struct blkif_response *rsp;
	int notify;
	unsigned f;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fr, notify);
	CHECK(notify);
	f = blkif_back_process(&be, 64);
	CHECK(!(f & (BLKIF_BACK_BROKEN | BLKIF_BACK_MORE)));
	CHECK(RING_HAS_UNCONSUMED_RESPONSES(&fr) == 1);
	rsp = RING_GET_RESPONSE(&fr, fr.rsp_cons++);
	CHECK(rsp->id == id && rsp->operation == op);
	CHECK(maps_live == 1);		/* segments unmapped, the ring stays */
	return rsp->status;
}

static void test_read_write(void)
{
	setup(false, &sops);
	/* 3 segments: sectors 2..7 of page 1, 0..7 of page 2, 0..7 of page 3 = 22 sectors. */
	for (int p = 1; p <= 3; p++)
		memset(pages[p], 0x40 + p, 4096);
	struct blkif_request *r = queue(BLKIF_OP_WRITE, 11, 10, 3, 1, 0, 7);
	r->seg[0].first_sect = 2;
	CHECK(run_one(11, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(disk[10 * 512] == 0x41 && disk[16 * 512 - 1] == 0x41);
	CHECK(disk[16 * 512] == 0x42 && disk[24 * 512] == 0x43 && disk[32 * 512 - 1] == 0x43);
	CHECK(disk[32 * 512] == 0 && disk[10 * 512 - 1] == 0);
	CHECK(be.counts[BLKIF_BACK_OK] == 1);

	/* Read sectors 15..16 into sectors 3..4 of page 9. */
	r = queue(BLKIF_OP_READ, 12, 15, 1, 9, 3, 4);
	CHECK(run_one(12, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(pages[9][3 * 512] == 0x41 && pages[9][4 * 512] == 0x42);
	CHECK(pages[9][3 * 512 - 1] == 0 && pages[9][5 * 512] == 0);

	/* The last sector of the device, exactly. */
	queue(BLKIF_OP_READ, 13, DISK_SECTORS - 1, 1, 9, 7, 7);
	CHECK(run_one(13, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	/* All 11 segments, full pages. */
	queue(BLKIF_OP_WRITE, 14, 0, 11, 1, 0, 7);
	CHECK(run_one(14, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(maps_total >= 1 + 3 + 1 + 1 + 11);
}

static void test_flush(void)
{
	setup(false, &sops);
	int before = flushes;

	queue(BLKIF_OP_WRITE, 1, 0, 1, 1, 0, 0);
	queue(BLKIF_OP_WRITE, 2, 1, 1, 1, 0, 0);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0, 0, 0, 0);
	uint64_t w = writes_done;
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fr, notify);
	CHECK(notify);
	CHECK(blkif_back_process(&be, 64) == BLKIF_BACK_NOTIFY);
	CHECK(flushes == before + 1 && flush_order == w + 2);	/* after both writes */
	for (uint64_t id = 1; id <= 3; id++) {
		struct blkif_response *rsp = RING_GET_RESPONSE(&fr, fr.rsp_cons++);

		CHECK(rsp->id == id && rsp->status == BLKIF_RSP_OKAY);
	}
	/* A flush with data (Linux's FUA writes): flush, then write. */
	memset(pages[5], 0x77, 4096);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 4, 100, 1, 5, 0, 7);
	CHECK(run_one(4, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_OKAY);
	CHECK(disk[100 * 512] == 0x77 && flushes == before + 2);
	queue(BLKIF_OP_WRITE_BARRIER, 5, 0, 0, 0, 0, 0);
	CHECK(run_one(5, BLKIF_OP_WRITE_BARRIER) == BLKIF_RSP_OKAY);
	/* Linux's empty flush carries its request's unset position, sector -1
	 * (blk_rq_init): a pure flush names no sectors, so it is no range error
	 * (else blkfront says "empty flush op failed" and stops flushing). */
	queue(BLKIF_OP_FLUSH_DISKCACHE, 6, ~0ull, 0, 0, 0, 0);
	CHECK(run_one(6, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_OKAY && flushes == before + 4);
	queue(BLKIF_OP_WRITE_BARRIER, 7, 1ull << 60, 0, 0, 0, 0);
	CHECK(run_one(7, BLKIF_OP_WRITE_BARRIER) == BLKIF_RSP_OKAY && flushes == before + 5);
}

static void test_malformed(void)
{
	struct blkif_request *r;

	setup(false, &sops);
	memset(disk, 0x5a, sizeof(disk));
	queue(BLKIF_OP_READ, 1, 0, 0, 1, 0, 7);			/* no segments */
	CHECK(run_one(1, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	r = queue(BLKIF_OP_WRITE, 2, 0, 11, 1, 0, 7);
	r->nr_segments = 12;					/* one too many */
	CHECK(run_one(2, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	r = queue(BLKIF_OP_WRITE, 3, 0, 1, 1, 0, 7);
	r->nr_segments = 255;
	CHECK(run_one(3, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_SEGS] == 3);
	queue(BLKIF_OP_READ, 4, 0, 1, 1, 5, 4);			/* first > last */
	CHECK(run_one(4, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_READ, 5, 0, 1, 1, 0, 8);			/* last beyond the page */
	CHECK(run_one(5, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_READ, 6, 0, 1, 1, 200, 255);
	CHECK(run_one(6, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_SECT] == 3);
	queue(BLKIF_OP_READ, 7, DISK_SECTORS - 1, 1, 1, 0, 1);	/* one sector past the end */
	CHECK(run_one(7, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_WRITE, 8, DISK_SECTORS, 1, 1, 0, 0);
	CHECK(run_one(8, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_WRITE, 9, ~0ull - 2, 1, 1, 0, 7);	/* wraps around */
	CHECK(run_one(9, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 10, ~0ull, 1, 1, 0, 7);
	CHECK(run_one(10, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_RANGE] == 4);
	for (unsigned op = 4; op < 256; op++) {
		if (op == BLKIF_OP_DISCARD)
			continue;
		queue((uint8_t)op, 100 + op, 0, 1, 1, 0, 7);
		CHECK(run_one(100 + op, (uint8_t)op) == BLKIF_RSP_EOPNOTSUPP);
	}
	queue(BLKIF_OP_DISCARD, 11, 0, 0, 0, 0, 0);		/* not offered */
	CHECK(run_one(11, BLKIF_OP_DISCARD) == BLKIF_RSP_EOPNOTSUPP);
	/* A grant that will not map, third of four: the first two are unmapped again. */
	map_fail_ref[3] = true;
	queue(BLKIF_OP_WRITE, 12, 0, 4, 1, 0, 7);
	CHECK(run_one(12, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_READ, 13, 0, 1, NPAGES + 5, 0, 7);	/* no such ref */
	CHECK(run_one(13, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_MAP_FAILED] == 2);
	/* Storage failure (a full heap). */
	store_fail = -ENOSPC;
	queue(BLKIF_OP_WRITE, 14, 0, 1, 1, 0, 7);
	CHECK(run_one(14, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	store_fail = 0;
	CHECK(be.counts[BLKIF_BACK_IO_ERROR] == 1);
	for (size_t i = 0; i < sizeof(disk); i++)
		CHECK(disk[i] == 0x5a);		/* nothing above wrote */
}

static void test_readonly(void)
{
	setup(true, &sops);
	queue(BLKIF_OP_WRITE, 1, 0, 1, 1, 0, 7);
	CHECK(run_one(1, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 1, 1, 0, 7);
	CHECK(run_one(2, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_ERROR);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0, 0, 0, 0);	/* a pure flush is fine */
	CHECK(run_one(3, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_OKAY);
	queue(BLKIF_OP_READ, 4, 0, 1, 1, 0, 7);
	CHECK(run_one(4, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(be.counts[BLKIF_BACK_READONLY] == 2);
}

static void test_discard(void)
{
	struct blkif_request *r;
	struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD, .id = 5,
					   .sector_number = 4, .nr_sectors = 2 };

	setup(false, &sops_discard);
	memset(disk, 0x11, sizeof(disk));
	r = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	memcpy(r, &d, sizeof(d));
	CHECK(run_one(5, BLKIF_OP_DISCARD) == BLKIF_RSP_OKAY);
	CHECK(disk[4 * 512] == 0 && disk[6 * 512 - 1] == 0 && disk[6 * 512] == 0x11);
	d.id = 6;
	d.nr_sectors = DISK_SECTORS;		/* past the end */
	r = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	memcpy(r, &d, sizeof(d));
	CHECK(run_one(6, BLKIF_OP_DISCARD) == BLKIF_RSP_ERROR);
}

static void test_overrun(void)
{
	struct blkif_sring *s = (struct blkif_sring *)pages[0];

	setup(false, &sops);
	/* 33 requests outstanding in a 32-slot ring: impossible. */
	s->req_prod = 33;
	CHECK(blkif_back_process(&be, 64) == BLKIF_BACK_BROKEN);
	CHECK(s->rsp_prod == 0 && be.counts[BLKIF_BACK_OK] == 0);
	CHECK(blkif_back_process(&be, 64) == BLKIF_BACK_BROKEN);	/* stays stopped */
	/* Going backwards is as impossible. */
	setup(false, &sops);
	s->req_prod = (RING_IDX)-1;
	CHECK(blkif_back_process(&be, 64) == BLKIF_BACK_BROKEN);
	/* Exactly full is fine; a budget leaves the rest for later. */
	setup(false, &sops);
	for (int i = 0; i < 32; i++)
		queue(BLKIF_OP_READ, (uint64_t)i, (uint64_t)i, 1, 1, 0, 7);
	RING_PUSH_REQUESTS(&fr);
	CHECK(blkif_back_process(&be, 5) == (BLKIF_BACK_NOTIFY | BLKIF_BACK_MORE));
	CHECK(s->rsp_prod == 5);
	CHECK((blkif_back_process(&be, 100) & ~BLKIF_BACK_NOTIFY) == 0);
	CHECK(s->rsp_prod == 32 && s->req_event == 33);
	/* Not consuming responses and pushing more: the backend will not overwrite them. */
	for (int i = 0; i < 32; i++)
		queue(BLKIF_OP_READ, (uint64_t)i, 0, 1, 1, 0, 7);
	RING_PUSH_REQUESTS(&fr);			/* frontend never took rsp: allowed by prod */
	CHECK(!(blkif_back_process(&be, 100) & BLKIF_BACK_BROKEN));
	CHECK(s->rsp_prod == 64);
	blkif_back_disconnect(&be);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0);
	CHECK(blkif_back_process(&be, 1) == 0);
}

/* Random slots and indexes from a fixed seed: nothing crashes, maps balance,
 * every call returns within its budget, and a broken ring stays broken. */
static void test_fuzz(void)
{
	struct blkif_sring *s;
	unsigned served = 0;

	srand(12345);
	for (int round = 0; round < 400; round++) {
		setup(rand() & 1, (rand() & 1) ? &sops : &sops_discard);
		s = (struct blkif_sring *)pages[0];
		map_fail_ref[rand() % NPAGES] = true;
		for (int step = 0; step < 50; step++) {
			RING_IDX before = be.ring.req_cons;
			unsigned f, budget = 1 + (unsigned)rand() % 40;

			for (int i = 0; i < 32; i++) {
				unsigned char *slot = (unsigned char *)RING_GET_REQUEST(&fr, (RING_IDX)i);

				for (size_t k = 0; k < sizeof(struct blkif_request); k++)
					slot[k] = (unsigned char)rand();
				if (rand() % 4) {	/* mostly plausible requests */
					struct blkif_request *r = (struct blkif_request *)slot;

					r->operation = (uint8_t)(rand() % 7);
					r->nr_segments = (uint8_t)(rand() % 13);
					r->sector_number = (uint64_t)rand() % (DISK_SECTORS + 8);
					for (int k = 0; k < 11; k++) {
						r->seg[k].gref = (uint32_t)rand() % (NPAGES + 2);
						r->seg[k].first_sect = (uint8_t)(rand() % 9);
						r->seg[k].last_sect = (uint8_t)(rand() % 9);
					}
				}
			}
			if (rand() % 20 == 0)
				s->req_prod = (RING_IDX)rand();
			else
				s->req_prod = s->rsp_prod + (RING_IDX)(rand() % 33);
			f = blkif_back_process(&be, budget);
			CHECK(be.ring.req_cons - before <= budget);
			CHECK(maps_live == 1);
			served += be.ring.req_cons - before;
			if (f & BLKIF_BACK_BROKEN)
				break;
			CHECK(s->rsp_prod == be.ring.req_cons);
			if (!(f & BLKIF_BACK_MORE))
				CHECK(s->req_event == be.ring.req_cons + 1);
		}
	}
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0);
	CHECK(served > 10000);
	printf("fuzz: %u requests served\n", served);
}

int main(void)
{
	test_read_write();
	test_flush();
	test_malformed();
	test_readonly();
	test_discard();
	test_overrun();
	test_fuzz();
	CHECK_DONE("blkback");
	return 0;
}
