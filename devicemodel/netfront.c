/*
 * netif frontend of the device model (netfront.h): the xenbus handshake,
 * then one granted page per frame each way. tx pages are granted
 * read-only and rx pages read-write once, at the handshake, so the backend
 * copies into and out of pages that never change hands. Everything runs
 * in the main loop.
 */
#include "dom.h"
#include "netfront.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "xbfront.h"
#include "public/io/netif.h"
#include "public/io/xenbus.h"

#define PAGE 4096u
#define POLL_MS 10
#define RECHECK_MS 500		/* a link without backend looks for a new one this often */
#define NPAGES (2 + DM_NETFRONT_TX + DM_NETFRONT_RX)	/* rings, then tx, then rx */

struct dm_netfront {
	struct dm_netfront *next;
	unsigned int devid;
	uint16_t be_dom;
	char fe[96];
	char be_token[100];	/* "be:" fe: the backend node's watch */
	char *be;
	int port;		/* -1 until allocated */
	bool up;		/* connected; false once the backend went or we closed */
	bool closed;		/* the guest unplugged the NIC: never again */
	bool rejoining;		/* down, our half published to a (new) backend */
	bool poke;		/* a node changed: look now */
	bool tx_stalled;	/* an -EAGAIN was returned: resume at the next response */
	uint64_t down_ns, next_check_ns, deadline_ns;
	struct dom_timer timer;	/* wakes the main loop while the link is down */
	struct netif_tx_front_ring tx;
	struct netif_rx_front_ring rx;
	uint8_t *pages;		/* NPAGES page-aligned pages */
	void *pages_alloc;
	uint32_t gref[NPAGES];
	uint16_t tx_free[DM_NETFRONT_TX];	/* stack of free tx ids */
	unsigned int tx_nfree;
	bool rx_posted[DM_NETFRONT_RX];	/* on the ring, not answered yet */
	dm_netfront_rx_fn rx_fn;
	dm_netfront_resume_fn resume_fn;
	void *arg;
	uint64_t tx_frames, rx_frames, rx_bad, tx_errors;
};

static struct dm_netfront *links;

static uint8_t *page(struct dm_netfront *nf, unsigned int i) { return nf->pages + i * PAGE; }
static uint8_t *tx_page(struct dm_netfront *nf, unsigned int id) { return page(nf, 2 + id); }
static uint8_t *rx_page(struct dm_netfront *nf, unsigned int id)
{
	return page(nf, 2 + DM_NETFRONT_TX + id);
}

/* ---- frames ------------------------------------------------------------- */

static void post_rx(struct dm_netfront *nf, uint16_t id)
{
	struct netif_rx_request *r = RING_GET_REQUEST(&nf->rx, nf->rx.req_prod_pvt);

	r->id = id;
	r->gref = nf->gref[2 + DM_NETFRONT_TX + id];
	nf->rx.req_prod_pvt++;
	nf->rx_posted[id] = true;
}

static void link_down(struct dm_netfront *nf, const char *why);
static int put(const struct dm_netfront *nf, const char *key, unsigned long v);

/* A response producer beyond what we asked for: the backend broke the ring.
 * The link goes down and we close: a live backend may start over with us. */
static bool rsp_prod_bad(struct dm_netfront *nf, RING_IDX prod, RING_IDX cons, RING_IDX req)
{
	if (prod - cons <= req - cons)
		return false;
	link_down(nf, "backend broke its ring (impossible response producer)");
	put(nf, "state", XenbusStateClosed);
	return true;
}

static void kick(struct dm_netfront *nf, bool tx)
{
	int notify;

	if (tx)
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
	else
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
	if (notify)
		dom_evtchn_notify((unsigned int)nf->port);
}

int dm_netfront_tx(struct dm_netfront *nf, const uint8_t *frame, size_t len)
{
	struct netif_tx_request *r;
	uint16_t id;

	if (len < 14 || len > PAGE)
		return -EINVAL;
	if (!nf->up)
		return 0;	/* no link: the frame is lost, as on a wire */
	if (!nf->tx_nfree || RING_FULL(&nf->tx)) {
		nf->tx_stalled = true;
		return -EAGAIN;
	}
	id = nf->tx_free[--nf->tx_nfree];
	memcpy(tx_page(nf, id), frame, len);
	r = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
	*r = (struct netif_tx_request){ .gref = nf->gref[2 + id], .offset = 0, .flags = 0,
					.id = id, .size = (uint16_t)len };
	nf->tx.req_prod_pvt++;
	nf->tx_frames++;
	kick(nf, true);
	return 0;
}

static void take_tx(struct dm_netfront *nf)
{
	bool more, freed = false;

	do {
		RING_IDX prod = nf->tx.sring->rsp_prod;

		RING_RMB();
		if (rsp_prod_bad(nf, prod, nf->tx.rsp_cons, nf->tx.req_prod_pvt))
			return;
		for (; nf->tx.rsp_cons != prod; nf->tx.rsp_cons++) {
			struct netif_tx_response *rsp = RING_GET_RESPONSE(&nf->tx, nf->tx.rsp_cons);
			uint16_t id = rsp->id;

			if (rsp->status == NETIF_RSP_NULL)
				continue;
			if (rsp->status != NETIF_RSP_OKAY)
				nf->tx_errors++;
			/* An id we have free already (or none of ours) is the
			 * backend's mistake: never free a slot twice. */
			bool ours = id < DM_NETFRONT_TX;

			for (unsigned int i = 0; ours && i < nf->tx_nfree; i++)
				ours = nf->tx_free[i] != id;
			if (!ours) {
				nf->rx_bad++;
				continue;
			}
			nf->tx_free[nf->tx_nfree++] = id;
			freed = true;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);
	} while (more);
	if (freed && nf->tx_stalled && nf->resume_fn) {
		nf->tx_stalled = false;
		nf->resume_fn(nf->arg);
	}
}

/* Frames to the NIC in order; stops at one it cannot take yet (it stays
 * on the ring, unconsumed, until dm_netfront_rx_ready). */
static void take_rx(struct dm_netfront *nf)
{
	bool more, posted = false;

	do {
		RING_IDX prod = nf->rx.sring->rsp_prod;

		RING_RMB();
		if (rsp_prod_bad(nf, prod, nf->rx.rsp_cons, nf->rx.req_prod_pvt))
			return;
		while (nf->rx.rsp_cons != prod) {
			struct netif_rx_response *rsp = RING_GET_RESPONSE(&nf->rx, nf->rx.rsp_cons);
			uint16_t id = rsp->id, off = rsp->offset, flags = rsp->flags;
			int16_t st = rsp->status;

			/* Not one of our buffers on the ring (a stray or repeated
			 * id): nothing to give back; reposting would overfill it. */
			if (id >= DM_NETFRONT_RX || !nf->rx_posted[id]) {
				nf->rx_bad++;
				nf->rx.rsp_cons++;
				continue;
			}
			if (st > 0 && (unsigned)off + (unsigned)st <= PAGE &&
			    !(flags & (NETRXF_more_data | NETRXF_extra_info)) && nf->rx_fn) {
				if (nf->rx_fn(nf->arg, rx_page(nf, id) + off, (size_t)st) == -EAGAIN)
					goto out;	/* held: the NIC calls rx_ready */
				nf->rx_frames++;
			} else if (st != NETIF_RSP_DROPPED) {
				nf->rx_bad++;
			}
			nf->rx.rsp_cons++;
			nf->rx_posted[id] = false;
			post_rx(nf, id);
			posted = true;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more);
	} while (more);
out:
	if (posted)
		kick(nf, false);
}

void dm_netfront_rx_ready(struct dm_netfront *nf)
{
	if (nf->up)
		take_rx(nf);
}

static void rejoin_step(struct dm_netfront *nf);

/* Only wakes the main loop (dom_wait_event returns), which then polls. */
static void tick(struct dom_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

void dm_netfront_poll(void)
{
	for (struct dm_netfront *nf = links; nf; nf = nf->next) {
		if (nf->up) {
			dom_evtchn_take((unsigned int)nf->port);
			take_tx(nf);
			take_rx(nf);
		} else if (!nf->closed && (nf->poke || dom_now_ns() >= nf->next_check_ns)) {
			rejoin_step(nf);
			if (!nf->up)
				dom_timer_set(&nf->timer, nf->next_check_ns, tick, nf);
		}
	}
}

void dm_netfront_attach(struct dm_netfront *nf, dm_netfront_rx_fn rx,
			dm_netfront_resume_fn resume, void *arg)
{
	nf->rx_fn = rx;
	nf->resume_fn = resume;
	nf->arg = arg;
}

/* ---- the handshake (xenbus) ------------------------------------------------ */

static int put(const struct dm_netfront *nf, const char *key, unsigned long v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", nf->fe, key);
	return dom_xs_printf(0, path, "%lu", v);
}

/* Until the backend's state is want (0), or Closing/Closed/gone (-ENODEV). */
static int wait_backend(const struct dm_netfront *nf, uint64_t want)
{
	struct dm_xbf_backend b = { .be = nf->be };

	return dm_xbf_wait(&b, want, DM_NETFRONT_WAIT_MS);
}

/* The link ends: frames the guest sends from now on are dropped, until
 * the link rejoins a backend (not after an unplug). */
static void link_down(struct dm_netfront *nf, const char *why)
{
	if (!nf->up)
		return;
	nf->up = false;
	nf->down_ns = dom_now_ns();
	nf->next_check_ns = nf->down_ns;
	dom_printf("dm: nic %u: link down: %s (tx %llu, rx %llu frames)\n", nf->devid, why,
		   (unsigned long long)nf->tx_frames, (unsigned long long)nf->rx_frames);
}

static void backend_changed(const char *path, const char *token, void *arg)
{
	struct dm_netfront *nf = arg;
	uint64_t state;

	(void)path;
	(void)token;
	nf->poke = true;
	if (!nf->up)
		return;
	if (dm_xbf_read_u64(nf->be, "state", &state))
		link_down(nf, "backend node removed");
	else if (state >= XenbusStateClosing) {
		link_down(nf, "backend closed the device");
		put(nf, "state", XenbusStateClosed);	/* a live backend may offer InitWait again */
	}
}

/* The toolstack may have pointed us at a new backend: look at once. */
static void frontend_changed(const char *path, const char *token, void *arg)
{
	(void)path;
	(void)token;
	((struct dm_netfront *)arg)->poke = true;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned int i = 0; i < 6; i++) {
		char *end;
		unsigned long b = strtoul(s, &end, 16);

		if (end == s || end - s > 2 || b > 255 || (i < 5 ? *end != ':' : *end != '\0'))
			return -EINVAL;
		mac[i] = (uint8_t)b;
		s = end + 1;
	}
	return mac[0] & 1 ? -EINVAL : 0;
}

/* Ends every grant still live (0 marks an ended one: refs 0-7 are the
 * toolstack's); true while the backend still maps some (retry later). */
static bool revoke_pages(struct dm_netfront *nf)
{
	bool busy = false;

	for (unsigned int i = 0; nf->pages && i < NPAGES; i++) {
		if (nf->gref[i] && dom_gnttab_end_access(nf->gref[i]))
			busy = true;
		else
			nf->gref[i] = 0;
	}
	return busy;
}

/* Fresh rings and buffers (pages_alloc unless reused), every page granted
 * to the backend once. */
static int grant_pages(struct dm_netfront *nf)
{
	if (!nf->pages_alloc && !(nf->pages_alloc = calloc(NPAGES + 1, PAGE)))
		return -ENOMEM;
	nf->pages = (uint8_t *)(((uintptr_t)nf->pages_alloc + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	SHARED_RING_INIT((struct netif_tx_sring *)page(nf, 0));
	FRONT_RING_INIT(&nf->tx, (struct netif_tx_sring *)page(nf, 0), PAGE);
	SHARED_RING_INIT((struct netif_rx_sring *)page(nf, 1));
	FRONT_RING_INIT(&nf->rx, (struct netif_rx_sring *)page(nf, 1), PAGE);
	for (unsigned int i = 0; i < NPAGES; i++) {
		bool ro = i >= 2 && i < 2 + DM_NETFRONT_TX;
		int ref = dom_gnttab_grant_access(nf->be_dom, (uintptr_t)page(nf, i) >> 12, ro);

		if (ref < 0)
			return ref;
		nf->gref[i] = (uint32_t)ref;
	}
	nf->tx_nfree = 0;
	memset(nf->rx_posted, 0, sizeof(nf->rx_posted));
	for (unsigned int id = 0; id < DM_NETFRONT_TX; id++)
		nf->tx_free[nf->tx_nfree++] = (uint16_t)(DM_NETFRONT_TX - 1 - id);
	for (unsigned int id = 0; id < DM_NETFRONT_RX; id++)
		post_rx(nf, (uint16_t)id);
	RING_PUSH_REQUESTS(&nf->rx);
	return 0;
}

static int publish(struct dm_netfront *nf)
{
	int rc;

	nf->port = dom_evtchn_alloc_unbound(nf->be_dom, NULL, NULL);
	if (nf->port < 0)
		return nf->port;
	if ((rc = put(nf, "tx-ring-ref", nf->gref[0])) || (rc = put(nf, "rx-ring-ref", nf->gref[1])) ||
	    (rc = put(nf, "event-channel", (unsigned long)nf->port)) ||
	    (rc = put(nf, "request-rx-copy", 1)) || (rc = put(nf, "feature-rx-notify", 1)) ||
	    (rc = put(nf, "feature-sg", 0)) || (rc = put(nf, "feature-gso-tcpv4", 0)))
		return rc;
	return put(nf, "state", XenbusStateConnected);
}

static int handshake(struct dm_netfront *nf, uint8_t mac[6])
{
	char path[160], *s = NULL;
	uint64_t be_dom;
	int rc;

	snprintf(path, sizeof(path), "%s/backend", nf->fe);
	if (dom_xs_read(0, path, &nf->be, NULL))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/backend-id", nf->fe);
	if (dom_xs_read_u64(0, path, &be_dom) || be_dom >= 0x7ff0)
		return -ENOENT;
	nf->be_dom = (uint16_t)be_dom;
	snprintf(path, sizeof(path), "%s/mac", nf->fe);
	if (dom_xs_read(0, path, &s, NULL) || parse_mac(s, mac)) {
		free(s);
		return -EINVAL;
	}
	free(s);
	if ((rc = wait_backend(nf, XenbusStateInitWait)) || (rc = grant_pages(nf)) ||
	    (rc = publish(nf)) || (rc = wait_backend(nf, XenbusStateConnected)))
		return rc;
	nf->up = true;
	snprintf(nf->be_token, sizeof(nf->be_token), "be:%s", nf->fe);
	if ((rc = dom_xs_watch(nf->be, nf->be_token, backend_changed, nf)) ||
	    (rc = dom_xs_watch(nf->fe, nf->fe, frontend_changed, nf)))
		dom_printf("dm: nic %u: cannot watch %s: error %d\n", nf->devid, nf->be, rc);
	return 0;
}

/* ---- rejoining (a restarted network domain) -------------------------------- */

/* Follows our backend/backend-id to wherever the toolstack points them now
 * (it rewrites our directory when it re-homes the vif); watches the new node. */
static int follow_backend(struct dm_netfront *nf)
{
	struct dm_xbf_backend b = { nf->be, nf->be_dom, nf->be_token, backend_changed, nf };
	int rc = dm_xbf_follow(nf->fe, &b);

	nf->be = b.be;
	nf->be_dom = b.dom;
	return rc < 0 ? rc : 0;
}

/* Our half again for the backend now named: fresh rings, grants, channel.
 * Pages the old backend still maps are not reused for a while (it may be
 * dying); past the deadline they are left to it and fresh ones taken. */
static int rejoin_start(struct dm_netfront *nf)
{
	int rc;

	if (revoke_pages(nf)) {
		if (dom_now_ns() < nf->deadline_ns)
			return -EBUSY;
		dom_printf("dm: nic %u: the old backend still maps our pages: new ones\n",
			   nf->devid);
		nf->pages_alloc = NULL;
		memset(nf->gref, 0, sizeof(nf->gref));
	}
	if (nf->port >= 0)
		dom_evtchn_close((unsigned int)nf->port);
	nf->port = -1;
	if ((rc = grant_pages(nf)) || (rc = publish(nf)))
		return rc;
	nf->rejoining = true;
	nf->deadline_ns = dom_now_ns() + DM_NETFRONT_WAIT_MS * 1000000ull;
	return 0;
}

/* One look, from the main loop, while the link is down (never blocks). */
static void rejoin_step(struct dm_netfront *nf)
{
	uint64_t state, ours;
	char path[160];
	int rc;

	nf->poke = false;
	nf->next_check_ns = dom_now_ns() + RECHECK_MS * 1000000ull;
	if (!nf->rejoining && follow_backend(nf))
		return;		/* our node is gone: the toolstack is rewriting or removing it */
	if (dm_xbf_read_u64(nf->be, "state", &state))
		state = XenbusStateUnknown;
	if (nf->rejoining) {
		if (state == XenbusStateConnected) {
			nf->rejoining = false;
			nf->up = true;
			dom_printf("dm: nic %u: link up again on %s (domain %u), %llu ms after it "
				   "went down\n", nf->devid, nf->be, nf->be_dom,
				   (unsigned long long)((dom_now_ns() - nf->down_ns) / 1000000));
			if (nf->tx_stalled && nf->resume_fn) {
				nf->tx_stalled = false;
				nf->resume_fn(nf->arg);
			}
		} else if (state >= XenbusStateClosing || dom_now_ns() >= nf->deadline_ns) {
			dom_printf("dm: nic %u: backend %s did not connect: waiting for another\n",
				   nf->devid, nf->be);
			nf->rejoining = false;
			put(nf, "state", XenbusStateClosed);
		}
		return;
	}
	snprintf(path, sizeof(path), "%s/state", nf->fe);
	if (state == XenbusStateClosed && !dom_xs_read_u64(0, path, &ours) &&
	    ours == XenbusStateClosed)
		put(nf, "state", XenbusStateInitialising);	/* backend: InitWait again */
	if (state != XenbusStateInitWait)
		return;
	if ((rc = rejoin_start(nf)) && rc != -EBUSY)
		dom_printf("dm: nic %u: cannot rejoin backend %s: error %d\n", nf->devid, nf->be, rc);
}

/* Grants the backend still maps are left to it (leaked), never reused. */
static void undo(struct dm_netfront *nf)
{
	bool busy = false;

	if (nf->port >= 0)
		dom_evtchn_close((unsigned int)nf->port);
	for (unsigned int i = 0; nf->pages && i < NPAGES; i++)
		if (nf->gref[i] && dom_gnttab_end_access(nf->gref[i]))
			busy = true;
	if (!busy)
		free(nf->pages_alloc);
	free(nf->be);
	free(nf);
}

int dm_netfront_open(unsigned int devid, uint8_t mac[6], struct dm_netfront **out)
{
	const struct dom_start_info *si = dom_start_info();
	struct dm_netfront *nf = calloc(1, sizeof(*nf));
	int rc;

	if (!nf)
		return -ENOMEM;
	nf->devid = devid;
	nf->port = -1;
	snprintf(nf->fe, sizeof(nf->fe), "/local/domain/%u/device/vif/%u", si->domid, devid);
	if ((rc = handshake(nf, mac))) {
		dom_printf("dm: nic %u: %s: backend %s %s (error %d)\n", devid, nf->fe,
			   nf->be ? nf->be : "(none)",
			   rc == -ETIMEDOUT ? "did not answer within 10 s" : "not connected", rc);
		if (nf->port >= 0)
			put(nf, "state", XenbusStateClosed);
		undo(nf);
		return rc;
	}
	nf->next = links;
	links = nf;
	*out = nf;
	return 0;
}

void dm_netfront_close(struct dm_netfront *nf)
{
	if (nf->closed)
		return;
	nf->closed = true;
	link_down(nf, "the guest unplugged the NIC");
	dom_timer_cancel(&nf->timer);
	dom_xs_unwatch(nf->fe, nf->fe);
	dom_xs_unwatch(nf->be, nf->be_token);
	put(nf, "state", XenbusStateClosing);
	put(nf, "state", XenbusStateClosed);
}
