/*
 * The blkif backend's ring processing (blkif_back.h): copy a request out of
 * the shared page once, check the copy (blkif_back_check, no side effects),
 * then map its segments and move the data, then answer.
 */
#include "blkif_back.h"
#include "errno.h"

#ifdef BULKHEAD_HOST
#include <string.h>
#else
#include "dom.h"
#endif

#define SECTOR 512u
#define PAGE 4096u

int blkif_back_connect(struct blkif_back *b, uint32_t ring_ref)
{
	void *page;
	uint32_t handle;
	int rc;

	if (b->connected)
		return -EBUSY;
	rc = b->gops->map(b->gctx, b->domid, ring_ref, false, &page, &handle);
	if (rc)
		return rc;
	/* The frontend initialised the page (SHARED_RING_INIT); we only attach. */
	BACK_RING_INIT(&b->ring, (struct blkif_sring *)page, PAGE);
	b->ring_page = page;
	b->ring_handle = handle;
	b->connected = true;
	b->broken = false;
	return 0;
}

void blkif_back_disconnect(struct blkif_back *b)
{
	if (!b->connected)
		return;
	b->gops->unmap(b->gctx, b->ring_page, b->ring_handle);
	b->ring_page = NULL;
	b->connected = false;
}

/* Segments of a data request: each within its page, the sum within the device. */
static enum blkif_back_verdict check_segs(const struct blkif_back *b,
					  const struct blkif_request *req, uint64_t *bytes)
{
	uint64_t sectors = 0;

	if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_BACK_BAD_SEGS;
	for (unsigned int i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];

		if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
			return BLKIF_BACK_BAD_SECT;
		sectors += (uint64_t)s->last_sect - s->first_sect + 1;
	}
	/* At most 88 sectors: no overflow in the sum; compare without adding to sector_number. */
	if (req->sector_number > b->sectors || sectors > b->sectors - req->sector_number)
		return BLKIF_BACK_BAD_RANGE;
	*bytes = sectors * SECTOR;
	return BLKIF_BACK_OK;
}

static enum blkif_back_verdict check_discard(const struct blkif_back *b,
					     const struct blkif_request_discard *d)
{
	if (!b->sops->discard)
		return BLKIF_BACK_UNSUPPORTED;
	if (b->readonly)
		return BLKIF_BACK_READONLY;
	if (d->sector_number > b->sectors || d->nr_sectors > b->sectors - d->sector_number)
		return BLKIF_BACK_BAD_RANGE;
	return BLKIF_BACK_OK;
}

/* The same slot seen as a discard request (a copy: no aliasing through casts). */
static const struct blkif_request_discard *as_discard(const struct blkif_request *req,
							struct blkif_request_discard *d)
{
	memcpy(d, req, sizeof(*d));
	return d;
}

enum blkif_back_verdict blkif_back_check(const struct blkif_back *b,
					 const struct blkif_request *req, uint64_t *bytes)
{
	struct blkif_request_discard d;
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
	default:
		return BLKIF_BACK_UNSUPPORTED;	/* INDIRECT (not offered), reserved, unknown */
	}
	if ((v = check_segs(b, req, bytes)) != BLKIF_BACK_OK)
		return v;
	if (req->operation != BLKIF_OP_READ && req->nr_segments && b->readonly)
		return BLKIF_BACK_READONLY;
	return BLKIF_BACK_OK;
}

static void unmap_segs(struct blkif_back *b, void **pages, const uint32_t *handles, unsigned n)
{
	for (unsigned int i = 0; i < n; i++)
		b->gops->unmap(b->gctx, pages[i], handles[i]);
}

/* Moves a checked data request's bytes between the granted pages and storage. */
static enum blkif_back_verdict do_data(struct blkif_back *b, const struct blkif_request *req)
{
	void *pages[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	uint32_t handles[BLKIF_MAX_SEGMENTS_PER_REQUEST] = { 0 };
	bool to_store = req->operation != BLKIF_OP_READ;
	uint64_t off = req->sector_number * SECTOR;
	unsigned int n = req->nr_segments, mapped;
	int rc = 0;

	/* A write only reads the frontend's pages: map them read-only. */
	for (mapped = 0; mapped < n; mapped++)
		if (b->gops->map(b->gctx, b->domid, req->seg[mapped].gref, to_store,
				 &pages[mapped], &handles[mapped]))
			break;
	if (mapped < n) {
		unmap_segs(b, pages, handles, mapped);
		return BLKIF_BACK_MAP_FAILED;
	}
	for (unsigned int i = 0; i < n && !rc; i++) {
		const struct blkif_request_segment *s = &req->seg[i];
		char *p = (char *)pages[i] + s->first_sect * SECTOR;
		size_t len = (size_t)(s->last_sect - s->first_sect + 1) * SECTOR;

		rc = to_store ? b->sops->write(b->sctx, off, p, len)
			      : b->sops->read(b->sctx, off, p, len);
		off += len;
	}
	unmap_segs(b, pages, handles, n);
	return rc ? BLKIF_BACK_IO_ERROR : BLKIF_BACK_OK;
}

/* Acts on a checked request; returns the final verdict. */
static enum blkif_back_verdict act(struct blkif_back *b, const struct blkif_request *req)
{
	struct blkif_request_discard d;

	switch (req->operation) {
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Every earlier request has completed (ring order, synchronous storage):
		 * flushing now makes all of them stable before this one's data. */
		if (b->sops->flush(b->sctx))
			return BLKIF_BACK_IO_ERROR;
		return req->nr_segments ? do_data(b, req) : BLKIF_BACK_OK;
	case BLKIF_OP_DISCARD:
		as_discard(req, &d);
		return b->sops->discard(b->sctx, d.sector_number * SECTOR, d.nr_sectors * SECTOR)
			       ? BLKIF_BACK_IO_ERROR : BLKIF_BACK_OK;
	default:
		return do_data(b, req);
	}
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

static void serve_one(struct blkif_back *b)
{
	struct blkif_request req;
	enum blkif_back_verdict v;
	uint64_t bytes;

	/* One copy; the frontend may rewrite the slot meanwhile, we never look again. */
	RING_COPY_REQUEST(&b->ring, b->ring.req_cons, &req);
	b->ring.req_cons++;
	v = blkif_back_check(b, &req, &bytes);
	if (v == BLKIF_BACK_OK)
		v = act(b, &req);
	b->counts[v]++;
	respond(b, req.id, req.operation, status_of(v));
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
