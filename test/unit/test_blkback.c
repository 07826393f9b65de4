/* The blkif backend (blkback/blkif_back.c) on the host: a fake grant table of
 * pages indexed by ref (one shared-memory file, so that a multi-page ring can
 * be mapped contiguously in any order of refs, as the core would), a RAM
 * disk, and a frontend written with the ring macros. The fake grant ops count
 * every map and unmap: each test checks that nothing stays mapped. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/blkif_back.h"

#define NPAGES 1024		/* grant refs 0..1023; ref 0 is the ring */
#define DISK_SECTORS 4096	/* 2 MiB: room for 256 full segments */

static int page_fd;
static unsigned char (*pages)[4096];	/* the frontend's view of every ref */
static unsigned char disk[DISK_SECTORS * 512];
static int maps_live, maps_total, unmaps_total;
static bool map_fail_ref[NPAGES];
static bool granted_ro[NPAGES];	/* the frontend granted it read-only */
static int rewrite_ref = -1;	/* unmapping this ref: the frontend rewrites it */
static int store_fail;		/* next storage call fails with this */
static int flushes;
static uint64_t flush_order;	/* writes completed when the last flush ran */
static uint64_t writes_done;

static int fake_map(void *ctx, uint16_t domid, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)ctx;
	CHECK(domid == 7);
	if (ref >= NPAGES || map_fail_ref[ref] || (granted_ro[ref] && !ro))
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
	if ((int)(h - 1000) == rewrite_ref)	/* after the backend's copy */
		memset(pages[h - 1000], 0xff, 4096);
	maps_live--;
	unmaps_total++;
}

/* refs[0..n-1] contiguously: a fresh view of the shared file, page by page. */
static void *alias(const uint32_t *refs, unsigned n)
{
	unsigned char *va = mmap(NULL, n * 4096ul, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(va != MAP_FAILED);
	for (unsigned i = 0; i < n; i++)
		CHECK(mmap(va + i * 4096ul, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			   page_fd, (off_t)refs[i] * 4096) == va + i * 4096ul);
	return va;
}

static int fake_map_ring(void *ctx, uint16_t domid, const uint32_t *refs, unsigned n, void **addr,
			 uint32_t *h)
{
	(void)ctx;
	CHECK(domid == 7 && n >= 2 && n <= 16);
	for (unsigned i = 0; i < n; i++)
		if (refs[i] >= NPAGES || map_fail_ref[refs[i]] || granted_ro[refs[i]])
			return -EINVAL;	/* all or nothing */
	*addr = alias(refs, n);
	for (unsigned i = 0; i < n; i++)
		h[i] = 5000 + refs[i];
	maps_live += (int)n;
	maps_total += (int)n;
	return 0;
}

static void fake_unmap_ring(void *ctx, void *addr, const uint32_t *h, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		CHECK(h[i] >= 5000 && h[i] < 5000 + NPAGES);
	CHECK(munmap(addr, n * 4096ul) == 0);
	maps_live -= (int)n;
	unmaps_total += (int)n;
}

static const struct blkif_back_grant_ops gops = { .map = fake_map, .unmap = fake_unmap };
static const struct blkif_back_grant_ops gops_ring = { fake_map, fake_unmap, fake_map_ring,
						       fake_unmap_ring };

static void pages_init(void)
{
	page_fd = memfd_create("grants", 0);
	CHECK(page_fd >= 0 && ftruncate(page_fd, NPAGES * 4096l) == 0);
	pages = mmap(NULL, NPAGES * 4096ul, PROT_READ | PROT_WRITE, MAP_SHARED, page_fd, 0);
	CHECK(pages != MAP_FAILED);
}

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

/* The batch store: each io's pieces checked (whole sectors, inside one
 * page), no two ios of a call overlapping; calls and ios counted; an io at
 * byte fail_off fails; else moved as read/write would. */
static unsigned rwcalls, rwios, rwpieces;
static uint64_t fail_off = UINT64_MAX;

static void st_rw(void *ctx, struct blk_io *ios, unsigned n)
{
	(void)ctx;
	rwcalls++;
	rwios += n;
	CHECK(n >= 1 && n <= BLKIF_BACK_BATCH);
	for (unsigned k = 0; k < n; k++) {
		struct blk_io *io = &ios[k];
		size_t len = blk_iov_total(io->v, io->n);
		uint64_t off = io->off;

		CHECK(io->n >= 1 && io->n <= BLKIF_BACK_MAX_INDIRECT && in_disk(off, len));
		for (unsigned j = 0; j < k; j++)
			CHECK(off + len <= ios[j].off ||
			      ios[j].off + blk_iov_total(ios[j].v, ios[j].n) <= off);
		rwpieces += io->n;
		io->rc = store_fail ? store_fail : off == fail_off ? -EIO : 0;
		if (io->rc)
			continue;
		for (unsigned i = 0; i < io->n; off += io->v[i++].len) {
			CHECK(io->v[i].len % 512 == 0 && io->v[i].len && io->v[i].len <= 4096);
			CHECK((uintptr_t)io->v[i].base % 512 == 0 &&
			      (uintptr_t)io->v[i].base % 4096 + io->v[i].len <= 4096);
			if (io->write)
				memcpy(disk + off, io->v[i].base, io->v[i].len);
			else
				memcpy(io->v[i].base, disk + off, io->v[i].len);
		}
		writes_done += io->write;
	}
}

static const struct blkif_back_store_ops sops = {
	.read = st_read, .write = st_write, .flush = st_flush,
};
static const struct blkif_back_store_ops sops_rw = {
	.read = st_read, .write = st_write, .flush = st_flush, .discard = st_discard,
	.rw = st_rw,
};
static const struct blkif_back_store_ops sops_discard = {
	.read = st_read, .write = st_write, .flush = st_flush, .discard = st_discard,
};

static struct blkif_back be;
static struct blkif_front_ring fr;

static void setup(bool readonly, const struct blkif_back_store_ops *ops)
{
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0);
	memset(pages, 0, NPAGES * 4096ul);
	memset(map_fail_ref, 0, sizeof(map_fail_ref));
	memset(granted_ro, 0, sizeof(granted_ro));
	rewrite_ref = -1;
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
	/* Segments unmapped; the ring and the persistent grants stay. */
	CHECK(maps_live == (int)(be.ring_pages + be.nr_pgrants));
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
	/* Not offered (discard-enable 0): refused, the disk untouched. */
	be.no_discard = true;
	d.id = 7;
	d.nr_sectors = 2;
	d.sector_number = 8;
	r = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	memcpy(r, &d, sizeof(d));
	CHECK(run_one(7, BLKIF_OP_DISCARD) == BLKIF_RSP_EOPNOTSUPP && disk[8 * 512] == 0x11);
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
			CHECK(maps_live == (int)(be.ring_pages + be.nr_pgrants));
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

/* ---- indirect requests --------------------------------------------------- */

/* Queues an indirect request: segment i is page first_ref + i (sectors f..l),
 * the descriptors in pages ind_ref, ind_ref + 1, ... */
static void queue_ind(uint8_t iop, uint64_t id, uint64_t sector, unsigned nseg, uint32_t ind_ref,
		      uint32_t first_ref, uint8_t f, uint8_t l)
{
	struct blkif_request *slot = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	struct blkif_request_indirect r = { .operation = BLKIF_OP_INDIRECT, .indirect_op = iop,
					    .nr_segments = (uint16_t)nseg, .id = id,
					    .sector_number = sector };

	for (unsigned i = 0; i < nseg && i < 8 * 512; i++) {
		struct blkif_request_segment sg = { first_ref + i, f, l, 0 };

		memcpy(pages[ind_ref + i / 512] + (i % 512) * sizeof(sg), &sg, sizeof(sg));
	}
	for (unsigned p = 0; p < 8; p++)
		r.indirect_grefs[p] = ind_ref + p;
	memset(slot, 0, sizeof(*slot));
	memcpy(slot, &r, sizeof(r));
}

/* Segment i of the descriptors in page ind_ref. */
static struct blkif_request_segment *ind_seg(uint32_t ind_ref, unsigned i)
{
	return (struct blkif_request_segment *)pages[ind_ref] + i;
}

static void setup_ind(bool readonly, bool persistent)
{
	setup(readonly, &sops);
	be.max_indirect = BLKIF_BACK_MAX_INDIRECT;
	be.persistent = persistent;
}

static void test_indirect(void)
{
	int maps0;

	setup_ind(false, false);
	/* 20 full pages from sector 40: descriptors in page 1, data in 100..119. */
	for (unsigned i = 0; i < 20; i++)
		memset(pages[100 + i], 0x10 + (int)i, 4096);
	queue_ind(BLKIF_OP_WRITE, 1, 40, 20, 1, 100, 0, 7);
	CHECK(run_one(1, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);	/* answered as its indirect_op */
	for (unsigned i = 0; i < 20; i++)
		CHECK(disk[(40 + 8 * i) * 512] == 0x10 + i && disk[(48 + 8 * i) * 512 - 1] == 0x10 + i);
	CHECK(be.counts[BLKIF_BACK_OK] == 1);
	/* Read it back, sectors 1..2 of each page. */
	queue_ind(BLKIF_OP_READ, 2, 40, 20, 2, 200, 1, 2);
	CHECK(run_one(2, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(pages[200][512] == 0x10 && pages[200][3 * 512 - 1] == 0x10 && !pages[200][3 * 512]);
	CHECK(pages[209][512] == 0x12 && !pages[209][0]);	/* 2 sectors each: sector 58, page 2 */

	/* The most segments: 256 full pages, 2048 sectors, at the device's end. */
	for (unsigned i = 0; i < 256; i++)
		memset(pages[300 + i], (int)i, 4096);
	queue_ind(BLKIF_OP_WRITE, 3, DISK_SECTORS - 2048, 256, 3, 300, 0, 7);
	CHECK(run_one(3, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(disk[(DISK_SECTORS - 8) * 512] == 255 && disk[(DISK_SECTORS - 2048) * 512 + 4095] == 0);
	CHECK(maps_live == 1);

	/* Refused before anything is mapped or written. */
	memset(disk, 0x5a, sizeof(disk));
	maps0 = maps_total;
	queue_ind(BLKIF_OP_WRITE, 4, 0, 0, 3, 300, 0, 7);		/* no segments */
	CHECK(run_one(4, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_WRITE, 5, 0, 257, 3, 300, 0, 0);		/* one too many */
	CHECK(run_one(5, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_READ, 6, 0, 4000, 3, 300, 0, 0);
	CHECK(run_one(6, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_SEGS] == 3 && maps_total == maps0);
	queue_ind(BLKIF_OP_FLUSH_DISKCACHE, 7, 0, 1, 3, 300, 0, 7);	/* reads and writes only */
	CHECK(run_one(7, BLKIF_OP_FLUSH_DISKCACHE) == BLKIF_RSP_EOPNOTSUPP);
	queue_ind(BLKIF_OP_INDIRECT, 8, 0, 1, 3, 300, 0, 7);
	CHECK(run_one(8, BLKIF_OP_INDIRECT) == BLKIF_RSP_EOPNOTSUPP);
	queue_ind(BLKIF_OP_DISCARD, 9, 0, 1, 3, 300, 0, 7);
	CHECK(run_one(9, BLKIF_OP_DISCARD) == BLKIF_RSP_EOPNOTSUPP);
	CHECK(maps_total == maps0);

	/* Bad descriptors: only the indirect page is mapped, nothing written. */
	queue_ind(BLKIF_OP_WRITE, 10, 0, 100, 4, 300, 0, 7);
	ind_seg(4, 99)->first_sect = 5, ind_seg(4, 99)->last_sect = 4;	/* first > last */
	CHECK(run_one(10, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_WRITE, 11, 0, 100, 4, 300, 0, 7);
	ind_seg(4, 50)->last_sect = 8;					/* beyond the page */
	CHECK(run_one(11, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_SECT] == 2);
	queue_ind(BLKIF_OP_WRITE, 12, DISK_SECTORS - 2047, 256, 3, 300, 0, 7);	/* one past */
	CHECK(run_one(12, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_READ, 13, ~0ull - 7, 2, 3, 300, 0, 7);	/* wraps around */
	CHECK(run_one(13, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_READ, 14, DISK_SECTORS + 1, 1, 3, 300, 0, 0);
	CHECK(run_one(14, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_BAD_RANGE] == 3 && maps_total == maps0 + 5);
	/* The indirect page will not map. */
	map_fail_ref[5] = true;
	queue_ind(BLKIF_OP_WRITE, 15, 0, 10, 5, 300, 0, 7);
	CHECK(run_one(15, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_WRITE, 16, 0, 10, NPAGES + 3, 300, 0, 7);
	CHECK(run_one(16, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	/* A data page will not map: the others are unmapped again, nothing moves. */
	map_fail_ref[305] = true;
	queue_ind(BLKIF_OP_WRITE, 17, 0, 10, 3, 300, 0, 7);
	CHECK(run_one(17, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR);
	CHECK(be.counts[BLKIF_BACK_MAP_FAILED] == 3);
	for (size_t i = 0; i < sizeof(disk); i++)
		CHECK(disk[i] == 0x5a);

	/* The frontend rewrites the descriptors once we copied them (as we unmap
	 * the page): the copy is what is checked and used. */
	rewrite_ref = 6;
	queue_ind(BLKIF_OP_WRITE, 18, 8, 3, 6, 300, 0, 7);
	CHECK(run_one(18, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(ind_seg(6, 0)->gref == 0xffffffffu);			/* rewritten meanwhile */
	CHECK(disk[8 * 512] == 0 && disk[16 * 512] == 1 && disk[24 * 512] == 2 && disk[32 * 512] == 0x5a);

	/* Not offered: unsupported, as before. */
	be.max_indirect = 0;
	queue_ind(BLKIF_OP_READ, 19, 0, 1, 3, 300, 0, 7);
	CHECK(run_one(19, BLKIF_OP_INDIRECT) == BLKIF_RSP_EOPNOTSUPP);	/* an unknown op */
	/* A smaller offer is the limit. */
	be.max_indirect = 16;
	queue_ind(BLKIF_OP_READ, 20, 0, 17, 3, 300, 0, 7);
	CHECK(run_one(20, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	queue_ind(BLKIF_OP_READ, 21, 0, 16, 3, 400, 0, 7);
	CHECK(run_one(21, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	/* A read-only device. */
	setup_ind(true, false);
	queue_ind(BLKIF_OP_WRITE, 22, 0, 1, 3, 300, 0, 7);
	CHECK(run_one(22, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR && be.counts[BLKIF_BACK_READONLY] == 1);
	queue_ind(BLKIF_OP_READ, 23, 0, 1, 3, 300, 0, 7);
	CHECK(run_one(23, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0 && maps_total == unmaps_total);
}

/* Pushes what was queued, serves it, and checks that the responses are
 * exactly ids first..first+n-1 (in any order), with status want, or
 * BLKIF_RSP_ERROR for bad_id. */
static void run_many(uint64_t first, unsigned n, uint64_t bad_id)
{
	bool seen[64] = { false };
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fr, notify);
	CHECK(notify && n <= 64);
	CHECK(!(blkif_back_process(&be, 64) & (BLKIF_BACK_BROKEN | BLKIF_BACK_MORE)));
	CHECK(RING_HAS_UNCONSUMED_RESPONSES(&fr) == n);
	for (unsigned i = 0; i < n; i++) {
		struct blkif_response *rsp = RING_GET_RESPONSE(&fr, fr.rsp_cons++);
		uint64_t k = rsp->id - first;

		CHECK(k < n && !seen[k]);
		seen[k] = true;
		CHECK(rsp->status == (rsp->id == bad_id ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY));
	}
	CHECK(maps_live == (int)(be.ring_pages + be.nr_pgrants));
}

/* A store with rw gets a pass's reads and writes as batches: one call for
 * requests that do not overlap, each request one io with its segments as
 * the pieces in order; an overlap, a flush or a discard ends a batch first;
 * at most BLKIF_BACK_BATCH per call; an io's error is its request's only. */
static void test_batch(void)
{
	setup(false, &sops_rw);
	be.max_indirect = BLKIF_BACK_MAX_INDIRECT;
	for (unsigned i = 0; i < 40; i++)
		memset(pages[100 + i], 0x20 + (int)i, 4096);
	rwcalls = rwios = rwpieces = 0;
	queue_ind(BLKIF_OP_WRITE, 1, 64, 40, 1, 100, 2, 5);	/* 4 sectors of each page */
	queue(BLKIF_OP_WRITE, 2, 8, 11, 300, 7, 7);		/* 11 one-sector pieces */
	queue_ind(BLKIF_OP_WRITE, 3, 400, 3, 2, 120, 0, 7);
	run_many(1, 3, 0);
	CHECK(rwcalls == 1 && rwios == 3 && rwpieces == 54);
	for (unsigned i = 0; i < 40; i++)
		CHECK(disk[(64 + 4 * i) * 512] == 0x20 + i && disk[(68 + 4 * i) * 512 - 1] == 0x20 + i);
	CHECK(disk[8 * 512] == pages[300][7 * 512] && disk[19 * 512 - 1] == pages[310][4095]);
	CHECK(disk[400 * 512] == 0x20 + 20 && disk[424 * 512 - 1] == 0x20 + 22);
	/* Read back in another shape, and a write over the same sectors after
	 * it: the overlap runs the read first. */
	queue_ind(BLKIF_OP_READ, 4, 66, 20, 3, 200, 0, 7);	/* 8 sectors each, shifted */
	queue(BLKIF_OP_WRITE, 5, 70, 1, 139, 0, 7);
	run_many(4, 2, 0);
	CHECK(rwcalls == 3 && rwios == 5);
	CHECK(pages[200][0] == 0x20 && pages[200][1024] == 0x21 && pages[219][3 * 512] == 0x20 + 39);
	CHECK(pages[200][4 * 512] == 0x21 && disk[70 * 512] == 0x20 + 39);
	/* A flush between two writes: write, flush, write. */
	queue(BLKIF_OP_WRITE, 6, 0, 1, 101, 0, 0);
	queue(BLKIF_OP_FLUSH_DISKCACHE, 7, 0, 0, 0, 0, 0);
	queue(BLKIF_OP_WRITE, 8, 1, 1, 102, 0, 0);
	flush_order = 0;
	uint64_t w = writes_done;
	run_many(6, 3, 0);
	CHECK(rwcalls == 5 && flush_order == w + 1 && writes_done == w + 2);
	/* 20 one-sector reads: 16 and 4. */
	for (unsigned i = 0; i < 20; i++)
		queue(BLKIF_OP_READ, 10 + i, i, 1, 100 + i, 0, 0);
	run_many(10, 20, 0);
	CHECK(rwcalls == 7 && rwios == 3 + 2 + 2 + 20);
	/* One failing io among three: its request errors, the others do not. */
	queue(BLKIF_OP_READ, 40, 0, 1, 100, 0, 0);
	queue(BLKIF_OP_WRITE, 41, 50, 1, 101, 0, 7);
	queue(BLKIF_OP_READ, 42, 200, 1, 102, 0, 0);
	fail_off = 50 * 512;
	run_many(40, 3, 41);
	fail_off = UINT64_MAX;
	CHECK(rwcalls == 8 && be.counts[BLKIF_BACK_IO_ERROR] == 1);
	/* A page that will not map: that request is answered at once, the
	 * batch goes on without it. */
	map_fail_ref[104] = true;
	queue(BLKIF_OP_READ, 50, 0, 1, 103, 0, 0);
	queue(BLKIF_OP_READ, 51, 8, 2, 104, 0, 0);
	queue(BLKIF_OP_READ, 52, 16, 1, 106, 0, 0);
	run_many(50, 3, 51);
	map_fail_ref[104] = false;
	CHECK(rwcalls == 9 && rwios == 27 + 3 + 2 && be.counts[BLKIF_BACK_MAP_FAILED] == 1);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0 && maps_total == unmaps_total);
}

/* ---- persistent grants ----------------------------------------------------- */

static void test_persistent(void)
{
	int maps0;

	setup_ind(false, true);
	maps0 = maps_total;
	for (int p = 1; p <= 3; p++)
		memset(pages[p], 0x20 + p, 4096);
	queue(BLKIF_OP_WRITE, 1, 0, 3, 1, 0, 7);
	CHECK(run_one(1, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(be.nr_pgrants == 3 && maps_live == 4 && maps_total == maps0 + 3);
	/* The same refs again, for reading into: no new map (mapped writable). */
	queue(BLKIF_OP_READ, 2, 8, 3, 1, 0, 7);
	CHECK(run_one(2, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(maps_total == maps0 + 3 && be.pgrant_hits == 3);
	/* One ref named by every segment of a request: one grant, mapped once. */
	memset(pages[7], 0x77, 4096);
	queue(BLKIF_OP_WRITE, 3, 16, 11, 7, 0, 7);
	for (int i = 0; i < 11; i++)
		RING_GET_REQUEST(&fr, fr.req_prod_pvt - 1)->seg[i].gref = 7;
	CHECK(run_one(3, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(be.nr_pgrants == 4 && maps_total == maps0 + 4 && disk[(16 + 87) * 512] == 0x77);
	/* Indirect: the descriptor page is kept too (Linux's blkfront keeps its
	 * indirect pages among its persistent grants): mapped once. */
	queue_ind(BLKIF_OP_READ, 4, 0, 3, 9, 1, 0, 7);
	CHECK(run_one(4, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(be.nr_pgrants == 5 && maps_total == maps0 + 5);
	queue_ind(BLKIF_OP_READ, 4, 0, 3, 9, 1, 0, 7);
	CHECK(run_one(4, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	CHECK(be.nr_pgrants == 5 && maps_total == maps0 + 5);

	/* Granted read-only: kept read-only for writes; a read into it maps
	 * writable for the request (and fails while the grant stays read-only). */
	granted_ro[20] = true;
	memset(pages[20], 0x44, 4096);
	queue(BLKIF_OP_WRITE, 5, 24, 1, 20, 0, 7);
	CHECK(run_one(5, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY && be.nr_pgrants == 6);
	CHECK(disk[24 * 512] == 0x44);
	queue(BLKIF_OP_READ, 6, 0, 1, 20, 0, 7);
	CHECK(run_one(6, BLKIF_OP_READ) == BLKIF_RSP_ERROR);
	CHECK(pages[20][0] == 0x44 && be.counts[BLKIF_BACK_MAP_FAILED] == 1);
	granted_ro[20] = false;			/* the frontend grants it writable */
	queue(BLKIF_OP_READ, 7, 0, 1, 20, 0, 7);
	CHECK(run_one(7, BLKIF_OP_READ) == BLKIF_RSP_OKAY && pages[20][0] == 0x21);
	CHECK(be.nr_pgrants == 6);

	/* The bound: 8 kept; beyond it, mapped and unmapped per request. */
	be.persistent_max = 8;
	queue(BLKIF_OP_WRITE, 8, 0, 11, 30, 0, 7);
	CHECK(run_one(8, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY);
	CHECK(be.nr_pgrants == 8 && maps_live == 9);
	queue(BLKIF_OP_WRITE, 9, 0, 11, 30, 0, 7);
	CHECK(run_one(9, BLKIF_OP_WRITE) == BLKIF_RSP_OKAY && be.nr_pgrants == 8);
	/* A grant that will not map: nothing kept for it, the request fails. */
	be.persistent_max = 0;
	map_fail_ref[50] = true;
	queue(BLKIF_OP_WRITE, 10, 0, 2, 49, 0, 7);
	CHECK(run_one(10, BLKIF_OP_WRITE) == BLKIF_RSP_ERROR && be.nr_pgrants == 9);

	/* Disconnect unmaps every one; a new connection starts empty. */
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0 && maps_total == unmaps_total && be.nr_pgrants == 0);
	setup_ind(false, true);
	queue(BLKIF_OP_READ, 11, 0, 1, 1, 0, 7);
	CHECK(run_one(11, BLKIF_OP_READ) == BLKIF_RSP_OKAY && be.nr_pgrants == 1);

	/* The whole table: 1056 grants kept, the 1057th per request. */
	for (unsigned r = 0; r < BLKIF_BACK_PGRANTS + 1; r += 11) {
		queue(BLKIF_OP_READ, 12, 0, 11, 2 + r % (NPAGES - 20), 0, 0);
		CHECK(run_one(12, BLKIF_OP_READ) == BLKIF_RSP_OKAY);
	}
	CHECK(be.nr_pgrants <= BLKIF_BACK_PGRANTS && maps_live == (int)be.nr_pgrants + 1);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0 && maps_total == unmaps_total);
}

/* ---- multi-page rings ------------------------------------------------------ */

static void test_multipage(void)
{
	static const uint32_t refs[4] = { 900, 903, 901, 902 };	/* any order */
	struct blkif_sring *s;
	unsigned n = 0;

	setup(false, &sops);
	blkif_back_disconnect(&be);
	CHECK(blkif_back_max_ring_order(&gops) == 0 && blkif_back_max_ring_order(&gops_ring) == 4);
	/* Without map_ring, one page only. */
	CHECK(blkif_back_connect_ring(&be, refs, 2) == -EINVAL && maps_live == 0);
	be.gops = &gops_ring;
	CHECK(blkif_back_connect_ring(&be, refs, 3) == -EINVAL);	/* not a power of two */
	CHECK(blkif_back_connect_ring(&be, refs, 32) == -EINVAL);
	CHECK(blkif_back_connect_ring(&be, refs, 0) == -EINVAL && maps_live == 0);
	map_fail_ref[901] = true;
	CHECK(blkif_back_connect_ring(&be, refs, 4) == -EINVAL && maps_live == 0);
	map_fail_ref[901] = false;

	/* The frontend's view of its four pages, in the same order. */
	s = alias(refs, 4);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&fr, s, 4 * 4096);
	CHECK(RING_SIZE(&fr) == 128);
	CHECK(blkif_back_connect_ring(&be, refs, 4) == 0 && maps_live == 4);
	CHECK(blkif_back_connect_ring(&be, refs, 4) == -EBUSY);
	CHECK(RING_SIZE(&be.ring) == 128);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 128; i++)
			queue(BLKIF_OP_READ, (uint64_t)i, (uint64_t)i, 1, 1, 0, 7);
		RING_PUSH_REQUESTS(&fr);
		CHECK(!(blkif_back_process(&be, 1000) & ~BLKIF_BACK_NOTIFY));
		while (RING_HAS_UNCONSUMED_RESPONSES(&fr)) {
			struct blkif_response *rsp = RING_GET_RESPONSE(&fr, fr.rsp_cons);

			CHECK(rsp->id == (fr.rsp_cons % 128) && rsp->status == BLKIF_RSP_OKAY);
			fr.rsp_cons++;
			n++;
		}
	}
	CHECK(n == 384 && maps_live == 4);
	/* 129 outstanding in a 128-slot ring: impossible. */
	s->req_prod = fr.req_prod_pvt + 129;
	CHECK(blkif_back_process(&be, 1000) == BLKIF_BACK_BROKEN);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0 && maps_total == unmaps_total);
	/* The largest: 16 pages, 512 slots. */
	uint32_t r16[16];

	for (unsigned i = 0; i < 16; i++)
		r16[i] = 1000 - i;
	CHECK(blkif_back_connect_ring(&be, r16, 16) == 0 && RING_SIZE(&be.ring) == 512);
	CHECK(maps_live == 16);
	blkif_back_disconnect(&be);
	CHECK(maps_live == 0);
	munmap(s, 4 * 4096);
	be.gops = &gops;
	FRONT_RING_INIT(&fr, (struct blkif_sring *)pages[0], 4096);
}

/* ---- random requests, indirect and persistent included ----------------------- */

/* A mostly plausible indirect request in slot r, its descriptors in one of
 * pages 600..999 (mostly valid, some not, some naming refs far away). */
static void fuzz_indirect(unsigned long long *rs, struct blkif_request *r)
{
	struct blkif_request_indirect ind;
	uint32_t ip = 600 + (uint32_t)(check_rnd(rs) % 400);

	memcpy(&ind, r, sizeof(ind));
	ind.operation = BLKIF_OP_INDIRECT;
	ind.indirect_op = (uint8_t)(check_rnd(rs) % 8 ? check_rnd(rs) % 2 : check_rnd(rs) % 7);
	ind.nr_segments = (uint16_t)(check_rnd(rs) % 8 ? check_rnd(rs) % 40 : check_rnd(rs) % 300);
	ind.sector_number = check_rnd(rs) % (DISK_SECTORS + 16);
	if (check_rnd(rs) % 4 == 0)
		ind.sector_number = ~0ull - check_rnd(rs) % 4096;
	ind.indirect_grefs[0] = check_rnd(rs) % 16 ? ip : (uint32_t)check_rnd(rs);
	for (unsigned k = 0; k < 512; k++) {
		struct blkif_request_segment *sg = ind_seg(ip, k);
		unsigned far = check_rnd(rs) % 8 ? 60 : 700;

		sg->gref = 1 + (uint32_t)(check_rnd(rs) % far);
		sg->first_sect = (uint8_t)(check_rnd(rs) % 8);
		sg->last_sect = (uint8_t)(sg->first_sect + check_rnd(rs) % (8u - sg->first_sect));
		if (check_rnd(rs) % 256 == 0)
			sg->last_sect = (uint8_t)check_rnd(rs);
	}
	memcpy(r, &ind, sizeof(ind));
}

/* A mostly plausible direct request of any operation in slot r. */
static void fuzz_direct(unsigned long long *rs, struct blkif_request *r)
{
	r->operation = (uint8_t)(check_rnd(rs) % 7);
	r->nr_segments = (uint8_t)(check_rnd(rs) % 13);
	r->sector_number = check_rnd(rs) % (DISK_SECTORS + 8);
	for (int k = 0; k < 11; k++) {
		r->seg[k].gref = 1 + (uint32_t)(check_rnd(rs) % 60);
		r->seg[k].first_sect = (uint8_t)(check_rnd(rs) % 9);
		r->seg[k].last_sect = (uint8_t)(check_rnd(rs) % 9);
	}
}

/* A fixed-seed stream of mostly plausible requests of every kind, with random
 * descriptors in the indirect pages, over rings of 1, 2 or 4 pages, with and
 * without persistent grants: never a crash or a leak, every call within its
 * budget, maps balanced after every pass and at every disconnect. */
static void test_fuzz_features(void)
{
	unsigned long long rs = 0x5eed5eed12345678ull;
	unsigned long served = 0, indirect = 0;

	for (int round = 0; round < 1200 && served < 150000; round++) {
		unsigned order = (unsigned)(check_rnd(&rs) % 3), np = 1u << order;
		uint32_t refs[4] = { 0, 1020, 1021, 1022 };
		struct blkif_sring *s;

		unsigned which = (unsigned)(check_rnd(&rs) % 3);

		setup(check_rnd(&rs) % 4 == 0, which == 0 ? &sops : which == 1 ? &sops_discard
								    : &sops_rw);
		blkif_back_disconnect(&be);
		be.gops = &gops_ring;
		be.max_indirect = (uint16_t)(check_rnd(&rs) % 4 ? BLKIF_BACK_MAX_INDIRECT
							      : 1 + check_rnd(&rs) % 300);
		be.persistent = check_rnd(&rs) & 1;
		be.persistent_max = (uint16_t)(check_rnd(&rs) % 3 ? 0 : check_rnd(&rs) % 64);
		for (int k = 0; k < 4; k++)
			granted_ro[1 + check_rnd(&rs) % 600] = true;
		map_fail_ref[1 + check_rnd(&rs) % 600] = true;
		s = np == 1 ? (struct blkif_sring *)pages[0] : alias(refs, np);
		SHARED_RING_INIT(s);
		FRONT_RING_INIT(&fr, s, np * 4096);
		CHECK(blkif_back_connect_ring(&be, refs, np) == 0);
		for (int step = 0; step < 20; step++) {
			RING_IDX before = be.ring.req_cons;
			unsigned f, budget = 1 + (unsigned)(check_rnd(&rs) % 64);
			unsigned nslots = RING_SIZE(&fr);

			for (unsigned i = 0; i < nslots; i++) {
				struct blkif_request *r = RING_GET_REQUEST(&fr, (RING_IDX)i);
				unsigned kind = (unsigned)(check_rnd(&rs) % 8);

				for (size_t k = 0; k < sizeof(*r); k += 8) {
					unsigned long long x = check_rnd(&rs);

					memcpy((char *)r + k, &x, 8);
				}
				if (kind == 0)
					continue;		/* garbage */
				if (kind <= 3) {
					fuzz_indirect(&rs, r);
					indirect++;
				} else {
					fuzz_direct(&rs, r);
				}
			}
			if (check_rnd(&rs) % 50 == 0)
				s->req_prod = (RING_IDX)check_rnd(&rs);
			else
				s->req_prod = s->rsp_prod + (RING_IDX)(check_rnd(&rs) % (nslots + 1));
			f = blkif_back_process(&be, budget);
			CHECK(be.ring.req_cons - before <= budget);
			CHECK(maps_live == (int)(np + be.nr_pgrants));
			CHECK(be.nr_pgrants <= BLKIF_BACK_PGRANTS);
			served += be.ring.req_cons - before;
			if (f & BLKIF_BACK_BROKEN)
				break;
			CHECK(s->rsp_prod == be.ring.req_cons);
		}
		blkif_back_disconnect(&be);
		CHECK(maps_live == 0 && maps_total == unmaps_total);
		if (np > 1)
			munmap(s, np * 4096ul);
		be.gops = &gops;
		FRONT_RING_INIT(&fr, (struct blkif_sring *)pages[0], 4096);
	}
	CHECK(served >= 100000 && indirect > 10000);
	printf("fuzz with features: %lu requests served, %lu indirect queued\n", served, indirect);
}

int main(void)
{
	pages_init();
	test_read_write();
	test_flush();
	test_malformed();
	test_readonly();
	test_discard();
	test_overrun();
	test_fuzz();
	test_indirect();
	test_batch();
	test_persistent();
	test_multipage();
	test_fuzz_features();
	CHECK_DONE("blkback");
	return 0;
}
