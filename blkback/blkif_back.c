/*
 * The blkif backend's ring processing (blkif_back.h): copy a request out of
 * the shared page once, check the copy (blkif_back_check, no side effects),
 * then map its segments and move the data, then answer. An indirect request
 * has one more copy-then-check step: its segment descriptors, copied out of
 * its indirect pages into b->segs (blkif_back_check_indirect). Data pages
 * come from the persistent grants where the frontend agreed to them
 * (pgrant_*), else are mapped for the request and unmapped before the answer.
 */
#include "blkif_back.h"
#include "errno.h"

#ifdef BULKHEAD_HOST
#include <stdlib.h>
#include <string.h>
#else
#include "dom.h"
#endif

#define SECTOR 512u
#define PAGE 4096u

/* The pages mapped for the requests being served, with their bytes as
 * pieces. One area for every ring: a batch is run before the
 * blkif_back_process call that made it returns, and the owner calls from one
 * thread. A request's pages are a run of entries from its first. Allocated
 * at the first connect (about 30 KiB), not static: Dom0 with this area in
 * its BSS at 0x134000 fed an HVM guest a kernel that triple-faulted (see
 * the git log; the cause is not yet found). */
struct scratch {
	void *addr[BLKIF_BACK_BATCH_SEGS];
	uint32_t handle[BLKIF_BACK_BATCH_SEGS];
	bool temp[BLKIF_BACK_BATCH_SEGS];	/* mapped for this request only */
	struct blk_iov iov[BLKIF_BACK_BATCH_SEGS];
	/* The batch: requests waiting for the store's rw. */
	struct blk_io io[BLKIF_BACK_BATCH];
	struct {
		uint64_t id, sector, sectors;
		uint8_t op;
		unsigned int first;
	} req[BLKIF_BACK_BATCH];
	unsigned int nreq, nseg;
};
static struct scratch *scratch;
#define bt (*scratch)

unsigned int blkif_back_max_ring_order(const struct blkif_back_grant_ops *gops)
{
	return gops->map_ring && gops->unmap_ring ? BLKIF_BACK_MAX_RING_ORDER : 0;
}

static void pgrant_clear(struct blkif_back *b)
{
	b->nr_pgrants = 0;
	memset(b->pgrant_slot, 0, sizeof(b->pgrant_slot));
}

int blkif_back_connect_ring(struct blkif_back *b, const uint32_t *refs, unsigned int nr_pages)
{
	void *page;
	int rc;

	if (b->connected)
		return -EBUSY;
	if (!scratch && !(scratch = calloc(1, sizeof(*scratch))))
		return -ENOMEM;
	if (!nr_pages || nr_pages > BLKIF_BACK_MAX_RING_PAGES || (nr_pages & (nr_pages - 1)))
		return -EINVAL;
	if (nr_pages == 1)
		rc = b->gops->map(b->gctx, b->domid, refs[0], false, &page, &b->ring_handles[0]);
	else if (nr_pages <= 1u << blkif_back_max_ring_order(b->gops))
		rc = b->gops->map_ring(b->gctx, b->domid, refs, nr_pages, &page, b->ring_handles);
	else
		rc = -EINVAL;	/* a multi-page ring we did not offer */
	if (rc)
		return rc;
	/* The frontend initialised the pages (SHARED_RING_INIT); we only attach. */
	BACK_RING_INIT(&b->ring, (struct blkif_sring *)page, (size_t)nr_pages * PAGE);
	b->ring_page = page;
	b->ring_pages = nr_pages;
	b->connected = true;
	b->broken = false;
	pgrant_clear(b);
	return 0;
}

int blkif_back_connect(struct blkif_back *b, uint32_t ring_ref)
{
	return blkif_back_connect_ring(b, &ring_ref, 1);
}

void blkif_back_disconnect(struct blkif_back *b)
{
	if (!b->connected)
		return;
	for (unsigned int i = 0; i < b->nr_pgrants; i++)
		b->gops->unmap(b->gctx, b->pgrants[i].addr, b->pgrants[i].handle);
	pgrant_clear(b);
	if (b->ring_pages == 1)
		b->gops->unmap(b->gctx, b->ring_page, b->ring_handles[0]);
	else
		b->gops->unmap_ring(b->gctx, b->ring_page, b->ring_handles, b->ring_pages);
	b->ring_page = NULL;
	b->connected = false;
}

/* ---- persistent grants ------------------------------------------------------ */

static unsigned int pgrant_hash(uint32_t ref)
{
	return (ref * 2654435761u) >> (32 - 11);	/* 11 bits: BLKIF_BACK_PGRANT_SLOTS */
}
_Static_assert(BLKIF_BACK_PGRANT_SLOTS == 1u << 11, "hash width");
_Static_assert(BLKIF_BACK_PGRANTS < BLKIF_BACK_PGRANT_SLOTS && BLKIF_BACK_PGRANTS < 0xffff,
	       "a free slot always ends a probe");

/* The slot holding ref, or the empty slot where it would go. At most
 * BLKIF_BACK_PGRANT_SLOTS probes; the table never fills, so one is empty. */
static unsigned int pgrant_probe(const struct blkif_back *b, uint32_t ref)
{
	unsigned int h = pgrant_hash(ref);

	for (unsigned int n = 0; n < BLKIF_BACK_PGRANT_SLOTS; n++, h = (h + 1) % BLKIF_BACK_PGRANT_SLOTS) {
		unsigned int e = b->pgrant_slot[h];

		if (!e || b->pgrants[e - 1].ref == ref)
			return h;
	}
	return 0;	/* unreachable: fewer entries than slots */
}

static unsigned int pgrant_limit(const struct blkif_back *b)
{
	if (!b->persistent)
		return 0;
	if (!b->persistent_max || b->persistent_max > BLKIF_BACK_PGRANTS)
		return BLKIF_BACK_PGRANTS;
	return b->persistent_max;
}

/* A new persistent grant: writable if the frontend allows it (so that later
 * reads into the page can use it too), else read-only if that is all we need. */
static int pgrant_add(struct blkif_back *b, unsigned int slot, uint32_t ref, bool need_write)
{
	struct blkif_back_pgrant *g = &b->pgrants[b->nr_pgrants];
	bool rw = true;
	int rc = b->gops->map(b->gctx, b->domid, ref, false, &g->addr, &g->handle);

	if (rc && !need_write) {
		rw = false;
		rc = b->gops->map(b->gctx, b->domid, ref, true, &g->addr, &g->handle);
	}
	if (rc)
		return rc;
	g->ref = ref;
	b->pgrant_rw[b->nr_pgrants] = rw;
	b->pgrant_slot[slot] = (uint16_t)++b->nr_pgrants;
	return 0;
}

/* ---- data pages: one request's, or a batch's ----------------------------------- */


/* ref's page as a persistent grant that allows the access, there already or
 * made now: 1 with *addr; 0 when there is none to be had (not agreed, the
 * one there is read-only, no room); -errno when a new one would not map. */
static int pgrant_get(struct blkif_back *b, uint32_t ref, bool need_write, void **addr)
{
	unsigned int slot, e;
	int rc;

	if (!b->persistent)
		return 0;
	slot = pgrant_probe(b, ref);
	e = b->pgrant_slot[slot];
	if (e && (b->pgrant_rw[e - 1] || !need_write)) {
		b->pgrant_hits++;
		*addr = b->pgrants[e - 1].addr;
		return 1;
	}
	if (e || b->nr_pgrants >= pgrant_limit(b))
		return 0;
	if ((rc = pgrant_add(b, slot, ref, need_write)))
		return rc;
	*addr = b->pgrants[b->nr_pgrants - 1].addr;
	return 1;
}

/* Entry i's page for ref: a persistent grant if there is (or now is) one
 * that allows the access, else mapped for this request only. 0 or -errno. */
static int get_page(struct blkif_back *b, unsigned int i, uint32_t ref, bool need_write)
{
	int rc = pgrant_get(b, ref, need_write, &bt.addr[i]);

	bt.temp[i] = false;
	if (rc)
		return rc < 0 ? rc : 0;
	/* Kept read-only while we need to write into it, or no room for another
	 * persistent grant: mapped for this request. A write only reads the
	 * frontend's pages: map them read-only. */
	rc = b->gops->map(b->gctx, b->domid, ref, !need_write, &bt.addr[i], &bt.handle[i]);
	bt.temp[i] = !rc;
	return rc;
}

static void put_pages(struct blkif_back *b, unsigned int first, unsigned int n)
{
	for (unsigned int i = first; i < first + n; i++)
		if (bt.temp[i])
			b->gops->unmap(b->gctx, bt.addr[i], bt.handle[i]);
}

/* Segments of a data request: each within its page, the sum within the device. */
static enum blkif_back_verdict check_segs(const struct blkif_back *b, uint64_t sector,
					  const struct blkif_request_segment *segs, unsigned int n,
					  uint64_t *bytes)
{
	uint64_t sectors = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct blkif_request_segment *s = &segs[i];

		if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
			return BLKIF_BACK_BAD_SECT;
		sectors += (uint64_t)s->last_sect - s->first_sect + 1;
	}
	/* At most 256 * 8 sectors: no overflow in the sum; compare without adding to sector. */
	if (sector > b->sectors || sectors > b->sectors - sector)
		return BLKIF_BACK_BAD_RANGE;
	*bytes = sectors * SECTOR;
	return BLKIF_BACK_OK;
}

static enum blkif_back_verdict check_discard(const struct blkif_back *b,
					     const struct blkif_request_discard *d)
{
	if (!b->sops->discard || b->no_discard)
		return BLKIF_BACK_UNSUPPORTED;
	if (b->readonly)
		return BLKIF_BACK_READONLY;
	if (d->sector_number > b->sectors || d->nr_sectors > b->sectors - d->sector_number)
		return BLKIF_BACK_BAD_RANGE;
	return BLKIF_BACK_OK;
}

/* The same slot seen as another request type (a copy: no aliasing through casts). */
static const struct blkif_request_discard *as_discard(const struct blkif_request *req,
							struct blkif_request_discard *d)
{
	memcpy(d, req, sizeof(*d));
	return d;
}

static const struct blkif_request_indirect *as_indirect(const struct blkif_request *req,
							  struct blkif_request_indirect *r)
{
	memcpy(r, req, sizeof(*r));
	return r;
}

/* An indirect request before its segments are read: offered, a read or a
 * write, 1..max_indirect segments, not a write to a read-only device. */
static enum blkif_back_verdict check_indirect_head(const struct blkif_back *b,
						   const struct blkif_request_indirect *r)
{
	unsigned int max = b->max_indirect < BLKIF_BACK_MAX_INDIRECT ? b->max_indirect
								     : BLKIF_BACK_MAX_INDIRECT;

	if (!max || (r->indirect_op != BLKIF_OP_READ && r->indirect_op != BLKIF_OP_WRITE))
		return BLKIF_BACK_UNSUPPORTED;
	if (!r->nr_segments || r->nr_segments > max)
		return BLKIF_BACK_BAD_SEGS;
	if (r->indirect_op == BLKIF_OP_WRITE && b->readonly)
		return BLKIF_BACK_READONLY;
	return BLKIF_BACK_OK;
}

enum blkif_back_verdict blkif_back_check_indirect(const struct blkif_back *b,
						  const struct blkif_request_indirect *req,
						  const struct blkif_request_segment *segs,
						  uint64_t *bytes)
{
	enum blkif_back_verdict v = check_indirect_head(b, req);

	*bytes = 0;
	if (v != BLKIF_BACK_OK)
		return v;
	return check_segs(b, req->sector_number, segs, req->nr_segments, bytes);
}

enum blkif_back_verdict blkif_back_check(const struct blkif_back *b,
					 const struct blkif_request *req, uint64_t *bytes)
{
	struct blkif_request_discard d;
	struct blkif_request_indirect ind;
	enum blkif_back_verdict v;

	*bytes = 0;
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (req->nr_segments == 0)
			return BLKIF_BACK_BAD_SEGS;
		break;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* 0 segments: a pure flush, whose sector_number means nothing
		 * (Linux sends its unset request position, -1); else a flush,
		 * then a write. */
		if (req->nr_segments == 0)
			return BLKIF_BACK_OK;
		break;
	case BLKIF_OP_DISCARD:
		return check_discard(b, as_discard(req, &d));
	case BLKIF_OP_INDIRECT:
		return check_indirect_head(b, as_indirect(req, &ind));
	default:
		return BLKIF_BACK_UNSUPPORTED;	/* reserved, unknown */
	}
	if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_BACK_BAD_SEGS;
	if ((v = check_segs(b, req->sector_number, req->seg, req->nr_segments, bytes)) !=
	    BLKIF_BACK_OK)
		return v;
	if (req->operation != BLKIF_OP_READ && b->readonly)
		return BLKIF_BACK_READONLY;
	return BLKIF_BACK_OK;
}

/* Copies an indirect request's segment descriptors out of its indirect pages
 * into b->segs, once: the frontend may rewrite them, we never look again.
 * The pages are mapped read-only and unmapped before anything is checked. */
static enum blkif_back_verdict fetch_indirect(struct blkif_back *b,
					      const struct blkif_request_indirect *r)
{
	unsigned int n = r->nr_segments;	/* 1..BLKIF_BACK_MAX_INDIRECT: checked */
	unsigned int pages = (n + BLKIF_SEGS_PER_INDIRECT_FRAME - 1) / BLKIF_SEGS_PER_INDIRECT_FRAME;

	for (unsigned int p = 0; p < pages; p++) {
		unsigned int k = n - p * BLKIF_SEGS_PER_INDIRECT_FRAME;
		uint32_t handle;
		void *page;
		int got;

		if (k > BLKIF_SEGS_PER_INDIRECT_FRAME)
			k = BLKIF_SEGS_PER_INDIRECT_FRAME;
		/* Linux's blkfront keeps its indirect pages among its persistent grants. */
		got = pgrant_get(b, r->indirect_grefs[p], false, &page);
		if (got < 0 || (!got && b->gops->map(b->gctx, b->domid, r->indirect_grefs[p], true,
						      &page, &handle)))
			return BLKIF_BACK_MAP_FAILED;
		memcpy(&b->segs[p * BLKIF_SEGS_PER_INDIRECT_FRAME], page,
		       k * sizeof(struct blkif_request_segment));
		if (!got)
			b->gops->unmap(b->gctx, page, handle);
	}
	return BLKIF_BACK_OK;
}
_Static_assert(BLKIF_BACK_MAX_INDIRECT_PAGES <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
	       "indirect pages fit the request");

/* Maps a checked data request's n segments at entries first.. (every page,
 * or none and BLKIF_BACK_MAP_FAILED) and describes their bytes in bt.iov. */
static enum blkif_back_verdict map_data(struct blkif_back *b, bool to_store,
					const struct blkif_request_segment *segs, unsigned int n,
					unsigned int first)
{
	unsigned int mapped;

	for (mapped = 0; mapped < n; mapped++)
		if (get_page(b, first + mapped, segs[mapped].gref, !to_store))
			break;
	if (mapped < n) {
		put_pages(b, first, mapped);
		return BLKIF_BACK_MAP_FAILED;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct blkif_request_segment *s = &segs[i];

		bt.iov[first + i].base = (char *)bt.addr[first + i] + s->first_sect * SECTOR;
		bt.iov[first + i].len = (size_t)(s->last_sect - s->first_sect + 1) * SECTOR;
	}
	return BLKIF_BACK_OK;
}

/* Moves a checked data request's bytes between the granted pages and
 * storage, now, segment by segment (nothing moves if a page will not map). */
static enum blkif_back_verdict do_data(struct blkif_back *b, bool to_store, uint64_t sector,
				       const struct blkif_request_segment *segs, unsigned int n)
{
	enum blkif_back_verdict v = map_data(b, to_store, segs, n, 0);
	uint64_t off = sector * SECTOR;
	int rc = 0;

	if (v != BLKIF_BACK_OK)
		return v;
	for (unsigned int i = 0; i < n && !rc; off += bt.iov[i++].len)
		rc = to_store ? b->sops->write(b->sctx, off, bt.iov[i].base, bt.iov[i].len)
			      : b->sops->read(b->sctx, off, bt.iov[i].base, bt.iov[i].len);
	put_pages(b, 0, n);
	return rc ? BLKIF_BACK_IO_ERROR : BLKIF_BACK_OK;
}

static int16_t status_of(enum blkif_back_verdict v)
{
	if (v == BLKIF_BACK_OK)
		return BLKIF_RSP_OKAY;
	return v == BLKIF_BACK_UNSUPPORTED ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

static void respond(struct blkif_back *b, uint64_t id, uint8_t op, int16_t status)
{
	struct blkif_response *rsp = RING_GET_RESPONSE(&b->ring, b->ring.rsp_prod_pvt);

	rsp->id = id;
	rsp->operation = op;
	rsp->pad = 0;
	rsp->status = status;
	rsp->pad2 = 0;
	b->ring.rsp_prod_pvt++;
}

/* Gives the batch to the store and answers its requests. */
static void batch_run(struct blkif_back *b)
{
	if (!bt.nreq)
		return;
	b->sops->rw(b->sctx, bt.io, bt.nreq);
	b->batches++;
	b->batched += bt.nreq;
	for (unsigned int i = 0; i < bt.nreq; i++) {
		enum blkif_back_verdict v = bt.io[i].rc ? BLKIF_BACK_IO_ERROR : BLKIF_BACK_OK;

		put_pages(b, bt.req[i].first, bt.io[i].n);
		b->counts[v]++;
		respond(b, bt.req[i].id, bt.req[i].op, status_of(v));
	}
	bt.nreq = bt.nseg = 0;
}

static bool batch_overlaps(uint64_t sector, uint64_t sectors)
{
	for (unsigned int i = 0; i < bt.nreq; i++)
		if (sector < bt.req[i].sector + bt.req[i].sectors &&
		    bt.req[i].sector < sector + sectors)
			return true;
	return false;
}

/* A checked read or write (bytes long) joins the batch, which runs first if
 * it is full or the request overlaps one in it. OK: queued, answered when
 * the batch runs; else the verdict to answer now. */
static enum blkif_back_verdict batch_add(struct blkif_back *b, uint64_t id, uint8_t op,
					 bool to_store, uint64_t sector, uint64_t bytes,
					 const struct blkif_request_segment *segs, unsigned int n)
{
	enum blkif_back_verdict v;

	if (bt.nreq == BLKIF_BACK_BATCH || bt.nseg + n > BLKIF_BACK_BATCH_SEGS ||
	    batch_overlaps(sector, bytes / SECTOR))
		batch_run(b);
	if ((v = map_data(b, to_store, segs, n, bt.nseg)) != BLKIF_BACK_OK)
		return v;
	bt.req[bt.nreq].id = id;
	bt.req[bt.nreq].op = op;
	bt.req[bt.nreq].sector = sector;
	bt.req[bt.nreq].sectors = bytes / SECTOR;
	bt.req[bt.nreq].first = bt.nseg;
	bt.io[bt.nreq] = (struct blk_io){ to_store, sector * SECTOR, &bt.iov[bt.nseg], n, 0 };
	bt.nreq++;
	bt.nseg += n;
	return BLKIF_BACK_OK;
}

/* A checked read or write of bytes (as the check counted them): into the
 * batch where the store takes batches (*queued then), else moved now. */
static enum blkif_back_verdict data(struct blkif_back *b, uint64_t id, uint8_t op, bool to_store,
				    uint64_t sector, uint64_t bytes,
				    const struct blkif_request_segment *segs, unsigned int n,
				    bool *queued)
{
	enum blkif_back_verdict v;

	if (!b->sops->rw)
		return do_data(b, to_store, sector, segs, n);
	v = batch_add(b, id, op, to_store, sector, bytes, segs, n);
	*queued = v == BLKIF_BACK_OK;
	return v;
}

/* Acts on a checked request (bytes: its data, as the check counted them):
 * the final verdict, or *queued (answered when the batch runs). */
static enum blkif_back_verdict act(struct blkif_back *b, const struct blkif_request *req,
				   uint64_t bytes, bool *queued)
{
	struct blkif_request_discard d;
	bool to_store = req->operation != BLKIF_OP_READ;

	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return data(b, req->id, req->operation, to_store, req->sector_number, bytes,
			    req->seg, req->nr_segments, queued);
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Every earlier request has completed (ring order, synchronous storage,
		 * the batch run first): flushing now makes all of them stable
		 * before this one's data. */
		batch_run(b);
		if (b->sops->flush(b->sctx))
			return BLKIF_BACK_IO_ERROR;
		if (!req->nr_segments)
			return BLKIF_BACK_OK;
		break;
	case BLKIF_OP_DISCARD:
		batch_run(b);
		as_discard(req, &d);
		return b->sops->discard(b->sctx, d.sector_number * SECTOR, d.nr_sectors * SECTOR)
			       ? BLKIF_BACK_IO_ERROR : BLKIF_BACK_OK;
	default:
		break;
	}
	return do_data(b, to_store, req->sector_number, req->seg, req->nr_segments);
}

/* An indirect request: copy its segments, check them, then move the data. */
static enum blkif_back_verdict act_indirect(struct blkif_back *b,
					    const struct blkif_request_indirect *r, bool *queued)
{
	enum blkif_back_verdict v = fetch_indirect(b, r);
	uint64_t bytes;

	if (v == BLKIF_BACK_OK)
		v = blkif_back_check_indirect(b, r, b->segs, &bytes);
	if (v == BLKIF_BACK_OK)
		v = data(b, r->id, r->indirect_op, r->indirect_op == BLKIF_OP_WRITE,
			 r->sector_number, bytes, b->segs, r->nr_segments, queued);
	return v;
}

static void serve_one(struct blkif_back *b)
{
	struct blkif_request req;
	struct blkif_request_indirect ind;
	enum blkif_back_verdict v;
	bool queued = false;
	uint8_t op;
	uint64_t bytes;

	/* One copy; the frontend may rewrite the slot meanwhile, we never look again. */
	RING_COPY_REQUEST(&b->ring, b->ring.req_cons, &req);
	b->ring.req_cons++;
	op = req.operation;
	v = blkif_back_check(b, &req, &bytes);
	if (op == BLKIF_OP_INDIRECT && b->max_indirect) {
		/* Answered as its indirect_op, as Linux's blkback does: blkfront
		 * refuses a response whose operation is not the one it expects.
		 * (Not offered, it is an unknown operation, echoed as such.) */
		as_indirect(&req, &ind);
		op = ind.indirect_op;
		if (v == BLKIF_BACK_OK)
			v = act_indirect(b, &ind, &queued);
	} else if (v == BLKIF_BACK_OK) {
		v = act(b, &req, bytes, &queued);
	}
	if (queued)
		return;
	b->counts[v]++;
	respond(b, req.id, op, status_of(v));
}

/* Passes over the ring per call: a frontend that keeps moving req_prod back
 * and forth cannot keep us here without requests eating the budget. */
#define MAX_ROUNDS 4

unsigned int blkif_back_process(struct blkif_back *b, unsigned int budget)
{
	unsigned int flags = 0, rounds = 0;
	RING_IDX prod;
	int more, notify;

	if (!b->connected || b->broken)
		return b->broken ? BLKIF_BACK_BROKEN : 0;
	do {
		prod = *(volatile RING_IDX *)&b->ring.sring->req_prod;
		RING_RMB();	/* the index before the requests it covers */
		/* More outstanding requests than slots: the frontend is broken or hostile. */
		if (RING_REQUEST_PROD_OVERFLOW(&b->ring, prod)) {
			b->broken = true;
			return flags | BLKIF_BACK_BROKEN;
		}
		while (b->ring.req_cons != prod && budget) {
			serve_one(b);
			budget--;
		}
		batch_run(b);
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->ring, notify);
		if (notify)
			flags |= BLKIF_BACK_NOTIFY;
		if (!budget && b->ring.req_cons != prod) {
			more = 1;
			break;
		}
		/* Ask for an event at the next request, then look once more. */
		RING_FINAL_CHECK_FOR_REQUESTS(&b->ring, more);
		if (!budget)
			break;
	} while (more && ++rounds < MAX_ROUNDS);
	return more ? flags | BLKIF_BACK_MORE : flags;
}
