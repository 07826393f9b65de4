/*
 * blkif frontend of the device model (blkfront.h): the xenbus handshake,
 * then requests of struct dm_blk split onto the ring through bounce pages
 * granted once per backend (so the backend maps pages that never change
 * hands), and responses matched back by slot. A backend that goes away or
 * stops answering fails every request; the disk then rejoins whichever
 * backend the toolstack names next (a restarted storage domain), without
 * blocking the main loop. Everything runs in the main loop.
 */
#include "blkfront.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "xbfront.h"
#include "public/io/blkif.h"
#include "public/io/xenbus.h"

#define PAGE 4096u
#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define CHUNK (SEGS * PAGE)	/* bytes per ring request */
#define SLOTS 8			/* ring requests in flight per disk (of the ring's 32) */
#define POLL_MS 10
#define RECHECK_MS 500		/* a dead disk looks for a new backend this often */

struct bf_req {			/* one struct dm_blk request */
	struct bf_req *next;	/* the queue */
	uint8_t op;		/* BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE */
	uint64_t sector;
	uint8_t *buf;
	size_t len;
	size_t queued;		/* bytes put on the ring so far */
	bool all_queued;
	unsigned int inflight;	/* ring requests not answered yet */
	int status;
	dm_blk_done done;
	void *arg;
};

struct bf_slot {		/* one ring request's id and bounce pages */
	struct bf_req *req;	/* NULL: free */
	size_t off, len;	/* its part of req->buf */
	uint64_t sent_ns;	/* when it went on the ring */
	uint8_t *page[SEGS];
	uint32_t gref[SEGS];
};

struct bf_dev {
	struct dm_blk blk;	/* first: blk.ctx points back here */
	struct bf_dev *next;
	unsigned int vdev;
	uint16_t be_dom;
	char *be;		/* the backend's node */
	struct blkif_front_ring ring;
	struct blkif_sring *sring;
	uint32_t ring_ref;
	int port;		/* -1 until allocated */
	bool dead;		/* no backend: every request fails at once */
	bool rejoining;		/* dead, our half published to a new backend */
	bool poke;		/* the backend's node changed: look now */
	uint64_t next_check_ns, deadline_ns;	/* while dead */
	int rejoin_rc;		/* the last refusal logged */
	char fe[96];		/* our node; the token of its watch */
	char be_token[100];	/* the backend node's watch: "be:" fe */
	struct dom_timer timer;	/* wakes the main loop for overdue and dead */
	uint64_t timer_at;	/* its deadline, 0: not armed */
	struct bf_req *queue, **queue_tail;	/* not yet wholly on the ring, in order */
	struct bf_slot slots[SLOTS];
	uint8_t *pages;		/* 1 + SLOTS * SEGS pages: the ring, then bounce */
	void *pages_alloc;
};

static struct bf_dev *devs;

/* ---- completion -------------------------------------------------------- */

static void finish(struct bf_req *r)
{
	r->done(r->arg, r->status);
	free(r);
}

/* The backend is gone (-ENODEV) or silent (-ETIMEDOUT): every request in
 * flight ends with status, every queued one with -ENODEV. Nothing is
 * resubmitted later: a failed write's sectors are undefined, as on a disk. */
static void kill(struct bf_dev *d, int status, const char *why)
{
	struct bf_req *r;

	if (d->dead)
		return;
	d->dead = true;
	d->rejoining = false;
	d->next_check_ns = dom_now_ns();	/* look at once (arm: a timer now) */
	d->deadline_ns = dom_now_ns() + DM_BLKFRONT_WAIT_MS * 1000000ull;
	d->blk.present = false;
	dom_printf("blkfront %u: %s: failing its requests\n", d->vdev, why);
	for (unsigned int i = 0; i < SLOTS; i++) {
		if (!(r = d->slots[i].req))
			continue;
		d->slots[i].req = NULL;
		if (!r->status)
			r->status = status;
		if (!--r->inflight && r->all_queued)
			finish(r);
	}
	while ((r = d->queue)) {	/* none of these is in flight any more */
		d->queue = r->next;
		r->status = -ENODEV;
		finish(r);
	}
	d->queue_tail = &d->queue;
}

static void answer(struct bf_dev *d, const struct blkif_response *rsp)
{
	struct bf_slot *s;
	struct bf_req *r;

	if (rsp->id >= SLOTS || !(r = (s = &d->slots[rsp->id])->req)) {
		dom_printf("blkfront %u: response for unknown id %llu ignored\n", d->vdev,
			   (unsigned long long)rsp->id);
		return;
	}
	if (rsp->status != BLKIF_RSP_OKAY)
		r->status = -EIO;
	else if (r->op == BLKIF_OP_READ)
		for (size_t done = 0; done < s->len; done += PAGE)
			memcpy(r->buf + s->off + done, s->page[done / PAGE],
			       s->len - done < PAGE ? s->len - done : PAGE);
	s->req = NULL;
	if (!--r->inflight && r->all_queued)
		finish(r);
}

static void take_responses(struct bf_dev *d)
{
	struct blkif_response rsp;
	RING_IDX prod;
	int more = 1;

	for (int rounds = 0; more && rounds < 4 && !d->dead; rounds++) {
		prod = *(volatile RING_IDX *)&d->sring->rsp_prod;
		RING_RMB();
		if (RING_RESPONSE_PROD_OVERFLOW(&d->ring, prod)) {
			kill(d, -EIO, "backend wrote an impossible rsp_prod");
			return;
		}
		while (d->ring.rsp_cons != prod) {
			rsp = *(volatile struct blkif_response *)RING_GET_RESPONSE(
				&d->ring, d->ring.rsp_cons);
			d->ring.rsp_cons++;
			answer(d, &rsp);
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&d->ring, more);
	}
}

/* ---- submission -------------------------------------------------------- */

static int free_slot(const struct bf_dev *d)
{
	for (int i = 0; i < SLOTS; i++)
		if (!d->slots[i].req)
			return i;
	return -1;
}

/* Puts the next part of r (up to CHUNK bytes; a flush has none) in slot i. */
static void put_part(struct bf_dev *d, struct bf_req *r, int i)
{
	struct bf_slot *s = &d->slots[i];
	struct blkif_request *q = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt++);
	size_t len = r->len - r->queued < CHUNK ? r->len - r->queued : CHUNK;
	unsigned int sectors = (unsigned int)(len / 512), nseg = (sectors + 7) / 8;

	q->operation = r->op;
	q->nr_segments = (uint8_t)nseg;
	q->handle = (blkif_vdev_t)d->vdev;
	q->id = (uint64_t)i;
	q->sector_number = r->sector + r->queued / 512;
	for (unsigned int k = 0; k < nseg; k++) {
		unsigned int left = sectors - k * 8;

		q->seg[k].gref = s->gref[k];
		q->seg[k].first_sect = 0;
		q->seg[k].last_sect = (uint8_t)((left < 8 ? left : 8) - 1);
		if (r->op == BLKIF_OP_WRITE)
			memcpy(s->page[k], r->buf + r->queued + k * PAGE,
			       left < 8 ? left * 512 : PAGE);
	}
	s->req = r;
	s->sent_ns = dom_now_ns();
	s->off = r->queued;
	s->len = len;
	r->queued += len;
	r->inflight++;
	r->all_queued = r->queued == r->len;
}

/* Moves queued requests onto the ring while slots last; one event for all. */
static void pump(struct bf_dev *d)
{
	bool moved = false;
	int notify, i;

	while (d->queue && !RING_FULL(&d->ring) && (i = free_slot(d)) >= 0) {
		struct bf_req *r = d->queue;

		put_part(d, r, i);
		moved = true;
		if (r->all_queued && !(d->queue = r->next))
			d->queue_tail = &d->queue;
	}
	if (!moved)
		return;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->ring, notify);
	if (notify)
		dom_evtchn_notify((unsigned int)d->port);
}

static int submit(struct bf_dev *d, uint8_t op, uint64_t sector, void *buf, size_t len,
		  dm_blk_done done, void *arg)
{
	struct bf_req *r;

	if (op != BLKIF_OP_FLUSH_DISKCACHE &&
	    (!len || len % 512 || len > DM_BLKFRONT_MAX_LEN || !buf ||
	     sector > d->blk.sectors || len / 512 > d->blk.sectors - sector))
		return -EINVAL;
	if (d->dead) {
		done(arg, -ENODEV);
		return 0;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	*r = (struct bf_req){ .op = op, .sector = sector, .buf = buf, .len = len,
			      .done = done, .arg = arg };
	*d->queue_tail = r;
	d->queue_tail = &r->next;
	pump(d);
	return 0;
}

static int bf_read(void *ctx, uint64_t sector, void *buf, size_t len, dm_blk_done done, void *arg)
{
	return submit(ctx, BLKIF_OP_READ, sector, buf, len, done, arg);
}

static int bf_write(void *ctx, uint64_t sector, const void *buf, size_t len, dm_blk_done done,
		    void *arg)
{
	if (((struct bf_dev *)ctx)->blk.readonly)
		return -EINVAL;
	/* Only read from: put_part copies it into the bounce pages. */
	return submit(ctx, BLKIF_OP_WRITE, sector, (void *)(uintptr_t)buf, len, done, arg);
}

static int bf_flush(void *ctx, dm_blk_done done, void *arg)
{
	return submit(ctx, BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, 0, done, arg);
}

static const struct dm_blk_ops bf_ops = { bf_read, bf_write, bf_flush };

/* A request unanswered for DM_BLKFRONT_REQ_TIMEOUT_MS: the backend is hung
 * (a storage domain paused, or stuck on its controller). */
static bool overdue(const struct bf_dev *d)
{
	uint64_t now = dom_now_ns(), limit = DM_BLKFRONT_REQ_TIMEOUT_MS * 1000000ull;

	for (unsigned int i = 0; i < SLOTS; i++)
		if (d->slots[i].req && now - d->slots[i].sent_ns >= limit)
			return true;
	return false;
}

static void rejoin_step(struct bf_dev *d);

/* Only wakes the main loop (dom_wait_event returns), which then polls. */
static void tick(struct dom_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Timeouts need a wake-up even when the guest waits idle for its IRQ. */
static void arm(struct bf_dev *d)
{
	uint64_t at = 0, limit = DM_BLKFRONT_REQ_TIMEOUT_MS * 1000000ull;

	if (d->dead)
		at = d->next_check_ns;
	for (unsigned int i = 0; !d->dead && i < SLOTS; i++)
		if (d->slots[i].req && (!at || d->slots[i].sent_ns + limit < at))
			at = d->slots[i].sent_ns + limit;
	if (at == d->timer_at)
		return;
	d->timer_at = at;
	if (at)
		dom_timer_set(&d->timer, at, tick, d);
	else
		dom_timer_cancel(&d->timer);
}

void dm_blkfront_poll(void)
{
	dom_xs_poll();		/* the backend-state watches */
	for (struct bf_dev *d = devs; d; d = d->next) {
		if (d->dead) {
			if (d->poke || dom_now_ns() >= d->next_check_ns)
				rejoin_step(d);
			arm(d);
			continue;
		}
		dom_evtchn_take((unsigned int)d->port);
		take_responses(d);
		if (!d->dead && overdue(d)) {
			char path[128];

			kill(d, -ETIMEDOUT, "backend did not answer within "
			     DM_BLKFRONT_REQ_TIMEOUT_TEXT);
			/* Let go: a backend alive after all disconnects, then
			 * rejoin_step starts over with it. */
			snprintf(path, sizeof(path), "%s/state", d->fe);
			dom_xs_printf(0, path, "%d", XenbusStateClosed);
		}
		if (!d->dead)
			pump(d);
		arm(d);
	}
}

/* ---- the handshake (xenbus) ---------------------------------------------- */

/* Until the backend's state is want (0), or Closing/Closed/gone (-ENODEV). */
static int wait_backend(struct bf_dev *d, uint64_t want)
{
	struct dm_xbf_backend b = { .be = d->be };

	return dm_xbf_wait(&b, want, DM_BLKFRONT_WAIT_MS);
}

static void backend_changed(const char *path, const char *token, void *arg)
{
	struct bf_dev *d = arg;
	uint64_t state;

	(void)path;
	(void)token;
	d->poke = true;
	if (d->dead)
		return;
	if (dm_xbf_read_u64(d->be, "state", &state))
		kill(d, -ENODEV, "backend node removed");
	else if (state >= XenbusStateClosing)
		kill(d, -ENODEV, "backend closed the device");
}

/* The toolstack may have pointed us at a new backend: look at once. */
static void frontend_changed(const char *path, const char *token, void *arg)
{
	(void)path;
	(void)token;
	((struct bf_dev *)arg)->poke = true;
}

/* Page-aligned memory for the ring and the bounce pages. */
static int alloc_pages(struct bf_dev *d)
{
	d->pages_alloc = calloc(1 + SLOTS * SEGS + 1, PAGE);
	if (!d->pages_alloc)
		return -ENOMEM;
	d->pages = (uint8_t *)(((uintptr_t)d->pages_alloc + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	for (unsigned int i = 0; i < SLOTS * SEGS; i++)
		d->slots[i / SEGS].page[i % SEGS] = d->pages + (1 + i) * PAGE;
	return 0;
}

/* A fresh ring, and every page granted to the backend be_dom. */
static int grant_pages(struct bf_dev *d)
{
	int ref;

	d->sring = (struct blkif_sring *)d->pages;
	SHARED_RING_INIT(d->sring);
	FRONT_RING_INIT(&d->ring, d->sring, PAGE);
	if ((ref = dom_gnttab_grant_access(d->be_dom, (uintptr_t)d->pages >> 12, false)) < 0)
		return ref;
	d->ring_ref = (uint32_t)ref;
	for (unsigned int i = 0; i < SLOTS * SEGS; i++) {
		struct bf_slot *s = &d->slots[i / SEGS];

		ref = dom_gnttab_grant_access(d->be_dom, (uintptr_t)s->page[i % SEGS] >> 12, false);
		if (ref < 0)
			return ref;
		s->gref[i % SEGS] = (uint32_t)ref;
	}
	return 0;
}

/* Ends every grant still live (0 marks an ended one: refs 0-7 are the
 * toolstack's); true while the backend still maps some (retry later). */
static bool revoke_pages(struct bf_dev *d)
{
	bool busy = false;

	for (unsigned int i = 0; d->pages && i < SLOTS * SEGS; i++) {
		uint32_t *ref = &d->slots[i / SEGS].gref[i % SEGS];

		if (*ref && dom_gnttab_end_access(*ref))
			busy = true;
		else
			*ref = 0;
	}
	if (d->ring_ref && dom_gnttab_end_access(d->ring_ref))
		busy = true;
	else
		d->ring_ref = 0;
	return busy;
}

/* Our half: ring and channel, then Initialised; the state last. */
static int publish(struct bf_dev *d, const char *fe)
{
	char path[160];
	int rc;

	d->port = dom_evtchn_alloc_unbound(d->be_dom, NULL, NULL);
	if (d->port < 0)
		return d->port;
	snprintf(path, sizeof(path), "%s/ring-ref", fe);
	if ((rc = dom_xs_printf(0, path, "%u", d->ring_ref)))
		return rc;
	snprintf(path, sizeof(path), "%s/event-channel", fe);
	if ((rc = dom_xs_printf(0, path, "%d", d->port)))
		return rc;
	snprintf(path, sizeof(path), "%s/protocol", fe);
	if ((rc = dom_xs_write(0, path, XEN_IO_PROTO_ABI_X86_64)))
		return rc;
	snprintf(path, sizeof(path), "%s/state", fe);
	return dom_xs_printf(0, path, "%d", XenbusStateInitialised);
}

/* What the backend published before InitWait: size and kind. */
static void read_disk(struct bf_dev *d, const char *fe)
{
	uint64_t sectors = 0, info = 0;
	char path[160], *type = NULL;

	dm_xbf_read_u64(d->be, "sectors", &sectors);
	dm_xbf_read_u64(d->be, "info", &info);
	snprintf(path, sizeof(path), "%s/device-type", fe);
	dom_xs_read(0, path, &type, NULL);
	d->blk = (struct dm_blk){
		.ops = &bf_ops, .ctx = d, .sectors = sectors,
		.readonly = (info & (VDISK_READONLY | VDISK_CDROM)) != 0,
		.cdrom = (info & VDISK_CDROM) || (type && !strcmp(type, "cdrom")),
		.present = sectors > 0, .max_len = DM_BLKFRONT_MAX_LEN,
	};
	free(type);
}

/* Why the backend refused, from its hotplug-error (dom0/vbd.c writes it). */
static void log_refusal(const struct bf_dev *d, int rc)
{
	char path[160], *why = NULL;

	snprintf(path, sizeof(path), "%s/hotplug-error", d->be);
	dom_xs_read(0, path, &why, NULL);
	dom_printf("blkfront %u: backend %s %s%s%s\n", d->vdev, d->be,
		   rc == -ETIMEDOUT ? "did not answer within 10 s" : "refused the device",
		   why ? ": " : "", why ? why : "");
	free(why);
}

static int handshake(struct bf_dev *d, const char *fe)
{
	char path[160];
	uint64_t be_dom;
	int rc;

	snprintf(path, sizeof(path), "%s/backend", fe);
	if ((rc = dom_xs_read(0, path, &d->be, NULL)))
		return rc == -ENODEV ? rc : -ENOENT;
	snprintf(path, sizeof(path), "%s/backend-id", fe);
	if ((rc = dom_xs_read_u64(0, path, &be_dom)) || be_dom >= 0x7ff0)
		return -ENOENT;
	d->be_dom = (uint16_t)be_dom;
	if ((rc = wait_backend(d, XenbusStateInitWait))) {
		log_refusal(d, rc);
		return rc;
	}
	read_disk(d, fe);
	if ((rc = alloc_pages(d)) || (rc = grant_pages(d)) || (rc = publish(d, fe)))
		return rc;
	if ((rc = wait_backend(d, XenbusStateConnected))) {
		log_refusal(d, rc);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/state", fe);
	dom_xs_printf(0, path, "%d", XenbusStateConnected);
	/* Any change under the backend's node, and under ours (the toolstack
	 * re-homing us); without them the disk still works, but a vanished
	 * backend is noticed only by the request timeout and a new one only
	 * by the timer. The runtime dispatches watches by token. */
	snprintf(d->be_token, sizeof(d->be_token), "be:%s", fe);
	if ((rc = dom_xs_watch(d->be, d->be_token, backend_changed, d)) ||
	    (rc = dom_xs_watch(fe, fe, frontend_changed, d)))
		dom_printf("blkfront %u: cannot watch %s: error %d\n", d->vdev, d->be, rc);
	return 0;
}

/* ---- rejoining (a restarted storage domain) ------------------------------ */

/* Follows our backend/backend-id to wherever the toolstack points them now
 * (it rewrites both when it re-homes the disk); watches the new node. */
static int follow_backend(struct bf_dev *d)
{
	struct dm_xbf_backend b = { d->be, d->be_dom, d->be_token, backend_changed, d };
	int rc = dm_xbf_follow(d->fe, &b);

	d->be = b.be;
	d->be_dom = b.dom;
	if (rc == 1)
		d->rejoin_rc = 0;
	return rc < 0 ? rc : 0;
}

/* Our half again for the backend now named: fresh ring, grants, channel.
 * Pages the old backend still maps are not reused for a while (it may be
 * dying); past the deadline they are left to it and fresh ones taken. */
static int rejoin_start(struct bf_dev *d)
{
	uint64_t sectors = 0;
	int rc;

	dm_xbf_read_u64(d->be, "sectors", &sectors);
	if (sectors != d->blk.sectors)
		return -ERANGE;	/* not the disk the guest has seen */
	if (revoke_pages(d)) {
		if (dom_now_ns() < d->deadline_ns)
			return -EBUSY;
		dom_printf("blkfront %u: the old backend still maps our pages: new ones\n",
			   d->vdev);
		if ((rc = alloc_pages(d)))
			return rc;
	}
	if (d->port >= 0)
		dom_evtchn_close((unsigned int)d->port);
	d->port = -1;
	if ((rc = grant_pages(d)) || (rc = publish(d, d->fe)))
		return rc;
	d->rejoining = true;
	d->deadline_ns = dom_now_ns() + DM_BLKFRONT_WAIT_MS * 1000000ull;
	return 0;
}

static void set_state(const struct bf_dev *d, int state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", d->fe);
	dom_xs_printf(0, path, "%d", state);
}

/* Published: Connected rejoins; Closing, Closed or silence starts over. */
static void rejoin_wait(struct bf_dev *d, uint64_t state)
{
	if (state == XenbusStateConnected) {
		set_state(d, XenbusStateConnected);
		d->dead = d->rejoining = false;
		d->blk.present = d->blk.sectors > 0;
		dom_printf("blkfront %u: rejoined backend %s (domain %u)\n", d->vdev, d->be,
			   d->be_dom);
	} else if (state >= XenbusStateClosing || dom_now_ns() >= d->deadline_ns) {
		dom_printf("blkfront %u: backend %s did not connect: waiting for another\n",
			   d->vdev, d->be);
		d->rejoining = false;
		set_state(d, XenbusStateClosed);
	}
}

/* One look, from the main loop, while the disk is dead (never blocks). */
static void rejoin_step(struct bf_dev *d)
{
	uint64_t state, ours;
	char path[128];
	int rc;

	d->poke = false;
	d->next_check_ns = dom_now_ns() + RECHECK_MS * 1000000ull;
	if (!d->rejoining && follow_backend(d))
		return;		/* our node is gone: the toolstack is removing us */
	if (dm_xbf_read_u64(d->be, "state", &state))
		state = XenbusStateUnknown;
	if (d->rejoining) {
		rejoin_wait(d, state);
		return;
	}
	snprintf(path, sizeof(path), "%s/state", d->fe);
	if (state == XenbusStateClosed && !dom_xs_read_u64(0, path, &ours) &&
	    ours == XenbusStateClosed)
		set_state(d, XenbusStateInitialising);	/* backend: InitWait again */
	if (state != XenbusStateInitWait)
		return;
	if ((rc = rejoin_start(d)) && rc != -EBUSY && rc != d->rejoin_rc)
		dom_printf("blkfront %u: cannot rejoin backend %s: error %d%s\n", d->vdev, d->be,
			   rc, rc == -ERANGE ? " (a disk of another size)" : "");
	d->rejoin_rc = rc;
}

/* Ends every grant; pages the backend still maps are leaked, not reused. */
static void undo(struct bf_dev *d)
{
	if (d->port >= 0)
		dom_evtchn_close((unsigned int)d->port);
	if (!revoke_pages(d))
		free(d->pages_alloc);
	free(d->be);
	free(d);
}

int dm_blkfront_open(unsigned int vdev, struct dm_blk **out)
{
	const struct dom_start_info *si = dom_start_info();
	struct bf_dev *d = calloc(1, sizeof(*d));
	char *fe;
	int rc;

	if (!d)
		return -ENOMEM;
	d->vdev = vdev;
	d->port = -1;
	d->queue_tail = &d->queue;
	fe = d->fe;
	snprintf(fe, sizeof(d->fe), "/local/domain/%u/device/vbd/%u", si->domid, vdev);
	if ((rc = handshake(d, fe)) == -ENODEV && !d->be) {
		dom_xs_init();	/* main.c had not opened the store: once more */
		rc = handshake(d, fe);
	}
	if (rc) {
		dom_printf("blkfront %u: %s: error %d\n", vdev, fe, rc);
		if (d->port >= 0) {	/* published: tell the backend we are gone */
			char path[128];

			snprintf(path, sizeof(path), "%s/state", fe);
			dom_xs_printf(0, path, "%d", XenbusStateClosed);
		}
		undo(d);
		return rc;
	}
	d->next = devs;
	devs = d;
	*out = &d->blk;
	return 0;
}
