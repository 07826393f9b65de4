/*
 * The blkif pair on the host: the device model's frontend (devicemodel/
 * blkfront.c) over fakes of the runtime (xenstore, grants, event channels,
 * clock) against blkback's real mechanism (blkback/blkif_back.c) on a RAM
 * disk. Covers the handshake and its failures, request splitting onto the
 * ring, queueing beyond the slots, flush, refusals, a vanishing backend, a
 * silent one (request timeout), and rejoining a restarted backend domain.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "blkfront.h"
#include "blkif_back.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "dom/error.h"

#define SELF 5
#define FE "/local/domain/5/device/vbd/768"
#define BE "/local/domain/0/backend/vbd/5/768"
#define DISK_SECTORS 2048	/* 1 MiB */

/* ---- fake xenstore ---- */
#define NKEYS 128
static struct { char *path, *value; } keys[NKEYS];
#define NWATCH 16
static struct { char *path, *token; dom_xs_watch_fn fn; void *arg; bool pending; } watches[NWATCH];

static void watch_hit(const char *path)
{
	for (int i = 0; i < NWATCH; i++)
		if (watches[i].path && (!strncmp(path, watches[i].path, strlen(watches[i].path)) ||
					!strncmp(watches[i].path, path, strlen(path))))
			watches[i].pending = true;
}

static int key_find(const char *path)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].path && !strcmp(keys[i].path, path))
			return i;
	return -1;
}

static void xs_set(const char *path, const char *value)
{
	int i = key_find(path);

	for (int k = 0; i < 0 && k < NKEYS; k++)
		if (!keys[k].path)
			keys[i = k].path = strdup(path);
	CHECK(i >= 0);
	free(keys[i].value);
	keys[i].value = strdup(value);
	watch_hit(path);
}

static void xs_rm(const char *prefix)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].path && !strncmp(keys[i].path, prefix, strlen(prefix))) {
			free(keys[i].path);
			free(keys[i].value);
			keys[i].path = keys[i].value = NULL;
		}
	watch_hit(prefix);
}

static const char *xs_get(const char *path)
{
	int i = key_find(path);

	return i < 0 ? NULL : keys[i].value;
}

int dom_xs_init(void) { return 0; }

int dom_xs_read(uint32_t tx, const char *path, char **value, size_t *len)
{
	const char *v = xs_get(path);

	(void)tx;
	if (!v)
		return -ENOENT;
	*value = strdup(v);
	if (len)
		*len = strlen(v);
	return 0;
}

int dom_xs_read_u64(uint32_t tx, const char *path, uint64_t *value)
{
	const char *v = xs_get(path);
	char *end;

	(void)tx;
	if (!v)
		return -ENOENT;
	*value = strtoull(v, &end, 0);
	return *end || end == v ? -EINVAL : 0;
}

int dom_xs_write(uint32_t tx, const char *path, const char *value)
{
	(void)tx;
	xs_set(path, value);
	return 0;
}

int dom_xs_printf(uint32_t tx, const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dom_xs_write(tx, path, buf);
}

static int watch_find(const char *path, const char *token)
{
	for (int i = 0; i < NWATCH; i++)
		if (watches[i].path && !strcmp(watches[i].path, path) &&
		    !strcmp(watches[i].token, token))
			return i;
	return -1;
}

/* A second watch of the same path and token replaces the first (the tests
 * open the same disk again and again). */
int dom_xs_watch(const char *path, const char *token, dom_xs_watch_fn fn, void *arg)
{
	int i = watch_find(path, token);

	for (int k = 0; i < 0 && k < NWATCH; k++)
		if (!watches[k].path) {
			i = k;
			watches[i].path = strdup(path);
			watches[i].token = strdup(token);
		}
	CHECK(i >= 0);
	watches[i].fn = fn;
	watches[i].arg = arg;
	watches[i].pending = true;	/* xenstored fires new watches once */
	return 0;
}

int dom_xs_unwatch(const char *path, const char *token)
{
	int i = watch_find(path, token);

	if (i < 0)
		return -ENOENT;
	free(watches[i].path);
	free(watches[i].token);
	memset(&watches[i], 0, sizeof(watches[i]));
	return 0;
}

void dom_xs_poll(void)
{
	for (int i = 0; i < NWATCH; i++)
		if (watches[i].path && watches[i].pending) {
			watches[i].pending = false;
			watches[i].fn(watches[i].path, watches[i].token, watches[i].arg);
		}
}

/* ---- fake grants, events, clock, console, start info ---- */
#define NREFS 1024
static void *granted[NREFS];
static uint16_t granted_to[NREFS];
static int mapped[NREFS];		/* the backend's live maps of each ref */
static int grants_live;
static uint16_t be_domid;		/* the backend domain of the moment */
static unsigned fe_events, be_kicks;
static uint64_t now;

int dom_gnttab_grant_access(uint16_t domid, uint64_t gfn, bool ro)
{
	CHECK(domid == be_domid && !ro);
	for (int r = 8; r < NREFS; r++)
		if (!granted[r]) {
			granted[r] = (void *)(uintptr_t)(gfn << 12);
			granted_to[r] = domid;
			grants_live++;
			return r;
		}
	return -ENOSPC;
}

int dom_gnttab_end_access(uint32_t ref)
{
	CHECK(ref < NREFS && granted[ref]);
	if (mapped[ref])
		return -EBUSY;
	granted[ref] = NULL;
	grants_live--;
	return 0;
}

int dom_evtchn_alloc_unbound(uint16_t remote, dom_evtchn_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	CHECK(remote == be_domid);
	return 9;
}

int dom_evtchn_notify(unsigned int port) { CHECK(port == 9); be_kicks++; return 0; }
int dom_evtchn_close(unsigned int port) { (void)port; return 0; }
unsigned int dom_evtchn_take(unsigned int port)
{
	unsigned n = fe_events;

	(void)port;
	fe_events = 0;
	return n;
}

uint64_t dom_now_ns(void) { return now; }

/* Timers: the wake-ups the device model's main loop gets; checked, not run. */
static int timers_armed;
static uint64_t timer_min, timer_max;	/* window a test waits for */
static bool timer_in_window;

void dom_timer_set(struct dom_timer *t, uint64_t deadline_ns, dom_timer_fn fn, void *arg)
{
	CHECK(fn && arg && deadline_ns > 0);
	if (!t->armed)
		timers_armed++;
	t->armed = true;
	t->deadline_ns = deadline_ns;
	timer_in_window |= deadline_ns >= timer_min && deadline_ns <= timer_max;
}

void dom_timer_cancel(struct dom_timer *t)
{
	if (t->armed)
		timers_armed--;
	t->armed = false;
}

static const struct dom_start_info si = { .domid = SELF };
const struct dom_start_info *dom_start_info(void) { return &si; }

int dom_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* ---- the backend: blkif_back.c over the fake grants and a RAM disk ---- */
static unsigned char disk[DISK_SECTORS * 512];
static struct blkif_back be;
static bool be_answers = true;	/* answers the handshake */
static bool be_hung;			/* connected, but serves nothing */
static const char *fe_node = FE, *be_node = BE;

static int g_map(void *c, uint16_t d, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)c;
	(void)ro;
	CHECK(d == SELF);
	if (ref >= NREFS || !granted[ref] || granted_to[ref] != be_domid)
		return -EINVAL;
	*addr = granted[ref];
	*h = ref;
	mapped[ref]++;
	return 0;
}

static void g_unmap(void *c, void *addr, uint32_t h)
{
	(void)c;
	(void)addr;
	CHECK(h < NREFS && mapped[h] > 0);
	mapped[h]--;
}
static const struct blkif_back_grant_ops gops = { .map = g_map, .unmap = g_unmap };

static int s_read(void *c, uint64_t off, void *buf, size_t len)
{
	(void)c;
	memcpy(buf, disk + off, len);
	return 0;
}

static int s_write(void *c, uint64_t off, const void *buf, size_t len)
{
	(void)c;
	memcpy(disk + off, buf, len);
	return 0;
}

static int s_flush(void *c) { (void)c; return 0; }
static const struct blkif_back_store_ops sops = {
	.read = s_read, .write = s_write, .flush = s_flush,
};

static const char *node(const char *dir, const char *key)
{
	static char path[4][160];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, key);
	return path[k];
}

/* One step of blkback's vbd_back.c, much reduced: connect on Initialised,
 * serve on kicks, Closed after the frontend, InitWait when it starts over. */
static void backend_step(void)
{
	const char *st = xs_get(node(be_node, "state")), *fst = xs_get(node(fe_node, "state"));
	uint64_t ref;

	if (!be_answers || !st || !fst)
		return;
	if (!strcmp(st, "2") && !strcmp(fst, "3")) {
		CHECK(!strcmp(xs_get(node(fe_node, "protocol")), "x86_64-abi"));
		CHECK(!strcmp(xs_get(node(fe_node, "event-channel")), "9"));
		CHECK(dom_xs_read_u64(0, node(fe_node, "ring-ref"), &ref) == 0);
		CHECK(blkif_back_connect(&be, (uint32_t)ref) == 0);
		xs_set(node(be_node, "state"), "4");
	}
	if (be_hung)
		return;
	if (!strcmp(fst, "6") && strcmp(st, "6")) {
		blkif_back_disconnect(&be);
		xs_set(node(be_node, "state"), "6");
	}
	if (!strcmp(fst, "1") && !strcmp(st, "6"))
		xs_set(node(be_node, "state"), "2");
	if (be.connected && be_kicks) {
		be_kicks = 0;
		unsigned f = blkif_back_process(&be, 1000);

		if (f & BLKIF_BACK_NOTIFY)
			fe_events++;
	}
}

void dom_wait_event_timeout(unsigned int ms)
{
	now += ms * 1000000ull;
	backend_step();
}

/* ---- requests ---- */
static int completions, last_status;
static int order[64], norder;

static void done(void *arg, int status)
{
	completions++;
	last_status = status;
	if (norder < 64)
		order[norder++] = (int)(intptr_t)arg;
}

static void settle(void)
{
	for (int i = 0; i < 100; i++) {
		backend_step();
		dm_blkfront_poll();
	}
}

static void setup_nodes(const char *info, const char *type)
{
	xs_rm("/local");
	blkif_back_disconnect(&be);
	be = (struct blkif_back){ .domid = SELF, .sectors = DISK_SECTORS, .gops = &gops,
				  .sops = &sops, .readonly = !strcmp(info, "5") };
	xs_set(FE "/backend", BE);
	xs_set(FE "/backend-id", "0");
	xs_set(FE "/device-type", type);
	xs_set(FE "/state", "1");
	xs_set(BE "/sectors", "2048");
	xs_set(BE "/info", info);
	xs_set(BE "/state", "2");
	be_answers = true;
	be_hung = false;
	be_domid = 0;
	fe_node = FE;
	be_node = BE;
}

static struct dm_blk *open_disk(void)
{
	struct dm_blk *b = NULL;

	setup_nodes("0", "disk");
	CHECK(dm_blkfront_open(768, &b) == 0 && b);
	CHECK(b->sectors == DISK_SECTORS && !b->readonly && !b->cdrom && b->present);
	CHECK(b->max_len >= 4096 && be.connected);
	CHECK(!strcmp(xs_get(FE "/state"), "4"));
	return b;
}

static void test_io(void)
{
	static unsigned char buf[DM_BLKFRONT_MAX_LEN], back[DM_BLKFRONT_MAX_LEN];
	struct dm_blk *b = open_disk();
	int grants = grants_live;

	CHECK(grants == 1 + 8 * 11);	/* ring + bounce pages, granted once */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + i / 512);
	/* 128 KiB = three ring requests (44 + 44 + 40 KiB). */
	CHECK(b->ops->write(b->ctx, 10, buf, sizeof(buf), done, (void *)1) == 0);
	settle();
	CHECK(completions == 1 && last_status == 0);
	CHECK(!memcmp(disk + 10 * 512, buf, sizeof(buf)));
	CHECK(be.counts[BLKIF_BACK_OK] == 3);
	CHECK(b->ops->read(b->ctx, 10, back, sizeof(back), done, (void *)2) == 0);
	settle();
	CHECK(completions == 2 && last_status == 0 && !memcmp(back, buf, sizeof(buf)));
	/* Odd sizes: one sector at the very end; 9 sectors (a partial second segment). */
	memset(back, 0, sizeof(back));
	CHECK(b->ops->read(b->ctx, DISK_SECTORS - 1, back, 512, done, (void *)3) == 0);
	CHECK(b->ops->read(b->ctx, 11, back + 512, 9 * 512, done, (void *)4) == 0);
	settle();
	CHECK(completions == 4 && last_status == 0);
	CHECK(!memcmp(back + 512, buf + 512, 9 * 512) && back[512 + 9 * 512] == 0);
	CHECK(grants_live == grants);
}

static void test_queue_and_flush(void)
{
	static unsigned char bufs[20][48 * 1024];
	struct dm_blk *b = open_disk();

	completions = norder = 0;
	/* 20 requests of 2 parts each: 40 ring requests for 8 slots. */
	for (int i = 0; i < 20; i++) {
		memset(bufs[i], 'a' + i, sizeof(bufs[i]));
		CHECK(b->ops->write(b->ctx, (uint64_t)i * 96, bufs[i], sizeof(bufs[i]), done,
				    (void *)(intptr_t)i) == 0);
	}
	CHECK(b->ops->flush(b->ctx, done, (void *)99) == 0);
	CHECK(completions == 0);		/* never inside the submitting call */
	settle();
	CHECK(completions == 21 && last_status == 0);
	for (int i = 0; i < 20; i++) {
		CHECK(order[i] == i);
		CHECK(disk[(i * 96) * 512] == 'a' + i && disk[(i * 96 + 95) * 512 + 511] == 'a' + i);
	}
	CHECK(order[20] == 99);
}

static void test_refusals(void)
{
	static unsigned char buf[DM_BLKFRONT_MAX_LEN + 512];
	struct dm_blk *b = open_disk();

	completions = 0;
	CHECK(b->ops->read(b->ctx, 0, buf, 0, done, NULL) == -EINVAL);
	CHECK(b->ops->read(b->ctx, 0, buf, 100, done, NULL) == -EINVAL);
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == -EINVAL);
	CHECK(b->ops->read(b->ctx, DISK_SECTORS - 1, buf, 1024, done, NULL) == -EINVAL);
	CHECK(b->ops->write(b->ctx, ~0ull, buf, 512, done, NULL) == -EINVAL);
	settle();
	CHECK(completions == 0);
	/* A read-only CD. */
	struct dm_blk *cd = NULL;

	setup_nodes("5", "cdrom");
	CHECK(dm_blkfront_open(768, &cd) == 0);
	CHECK(cd->readonly && cd->cdrom && cd->present);
	CHECK(cd->ops->write(cd->ctx, 0, buf, 512, done, NULL) == -EINVAL);
}

static void test_backend_gone(void)
{
	static unsigned char buf[4096];
	struct dm_blk *b = open_disk();

	completions = 0;
	be_kicks = 0;
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	CHECK(b->ops->read(b->ctx, 8, buf, sizeof(buf), done, NULL) == 0);
	xs_set(BE "/state", "5");		/* Closing: never answered */
	dm_blkfront_poll();
	CHECK(completions == 2 && last_status == -ENODEV && !b->present);
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	CHECK(completions == 3 && last_status == -ENODEV);
	/* The node removed altogether. */
	b = open_disk();
	completions = 0;
	CHECK(b->ops->write(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	xs_rm(BE);
	dm_blkfront_poll();
	CHECK(completions == 1 && last_status == -ENODEV);
}

static void test_open_failures(void)
{
	struct dm_blk *b = NULL;
	int grants = grants_live;

	setup_nodes("0", "disk");
	xs_set(BE "/state", "6");
	xs_set(BE "/hotplug-error", "/root/missing.iso: No such file or directory");
	CHECK(dm_blkfront_open(768, &b) == -ENODEV);
	setup_nodes("0", "disk");
	xs_set(BE "/state", "1");		/* a backend that never comes */
	uint64_t t0 = now;

	CHECK(dm_blkfront_open(768, &b) == -ETIMEDOUT);
	CHECK(now - t0 >= DM_BLKFRONT_WAIT_MS * 1000000ull);
	setup_nodes("0", "disk");
	be_answers = false;			/* InitWait, then silence */
	CHECK(dm_blkfront_open(768, &b) == -ETIMEDOUT);
	CHECK(!strcmp(xs_get(FE "/state"), "6"));	/* we said we are gone */
	CHECK(grants_live == grants);		/* every grant ended */
	xs_rm("/local");
	CHECK(dm_blkfront_open(768, &b) == -ENOENT);
	CHECK(dm_blkfront_open(832, &b) == -ENOENT);
}

/* ---- a storage domain destroyed and started again (issue 8 §5) ---- */
/* Each test its own disk (the dead disk of one test would rejoin in the next). */
static char fe2[64], be_old[64], be_new[64];
#define FE2 fe2
#define BE_OLD be_old
#define BE_NEW be_new

/* The toolstack's nodes for disk 832 with backend domain dom at path bpath. */
static void storage_nodes(const char *bpath, uint16_t dom, const char *sectors)
{
	char id[8];

	snprintf(id, sizeof(id), "%u", dom);
	xs_set(node(bpath, "sectors"), sectors);
	xs_set(node(bpath, "info"), "0");
	xs_set(node(bpath, "state"), "2");
	xs_set(node(FE2, "backend"), bpath);
	xs_set(node(FE2, "backend-id"), id);
	xs_set(node(FE2, "device-type"), "disk");
	xs_set(node(FE2, "state"), "1");
}

static void run_ms(unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 50) {
		dom_wait_event_timeout(50);	/* the clock and the backend */
		dm_blkfront_poll();
	}
}

static int live_grants_to(uint16_t dom)
{
	int n = 0;

	for (int r = 0; r < NREFS; r++)
		n += granted[r] && granted_to[r] == dom;
	return n;
}

static struct dm_blk *open_storage_disk(unsigned vdev)
{
	struct dm_blk *b = NULL;
	int before = live_grants_to(3);

	snprintf(fe2, sizeof(fe2), "/local/domain/5/device/vbd/%u", vdev);
	snprintf(be_old, sizeof(be_old), "/local/domain/3/backend/vbd/5/%u", vdev);
	snprintf(be_new, sizeof(be_new), "/local/domain/7/backend/vbd/5/%u", vdev);
	xs_rm("/local");
	blkif_back_disconnect(&be);
	be = (struct blkif_back){ .domid = SELF, .sectors = DISK_SECTORS, .gops = &gops,
				  .sops = &sops };
	be_answers = true;
	be_hung = false;
	fe_node = FE2;
	be_node = BE_OLD;
	be_domid = 3;
	storage_nodes(BE_OLD, 3, "2048");
	CHECK(dm_blkfront_open(vdev, &b) == 0 && b && b->present);
	CHECK(live_grants_to(3) == before + 1 + 8 * 11);
	return b;
}

static void test_rejoin(void)
{
	static unsigned char a[8192], got[8192];
	struct dm_blk *b = open_storage_disk(832);
	int to3 = live_grants_to(3) - (1 + 8 * 11), to7 = live_grants_to(7);

	memset(a, 0xa5, sizeof(a));
	completions = 0;
	CHECK(b->ops->write(b->ctx, 100, a, sizeof(a), done, NULL) == 0);
	settle();
	CHECK(completions == 1 && last_status == 0);	/* acknowledged */
	/* Two in flight, then the domain is destroyed: its nodes go at once,
	 * its maps a little later (it is dying). */
	be_hung = true;
	CHECK(b->ops->read(b->ctx, 0, got, 4096, done, NULL) == 0);
	CHECK(b->ops->write(b->ctx, 200, a, 4096, done, NULL) == 0);
	xs_rm("/local/domain/3");
	dm_blkfront_poll();
	CHECK(completions == 3 && last_status == -ENODEV && !b->present);
	CHECK(b->ops->read(b->ctx, 0, got, 4096, done, NULL) == 0);
	CHECK(completions == 4 && last_status == -ENODEV);	/* at once */
	run_ms(2000);					/* nobody to rejoin: quiet */
	CHECK(completions == 4 && !strcmp(xs_get(node(FE2, "state")), "4"));
	/* The new storage domain 7; the toolstack re-homes the disk while
	 * domain 3 still maps our ring: we wait for it to let go. */
	be_hung = false;
	be_domid = 7;
	be_node = BE_NEW;
	storage_nodes(BE_NEW, 7, "2048");
	run_ms(1000);
	CHECK(!strcmp(xs_get(node(FE2, "state")), "1") && !b->present);
	blkif_back_disconnect(&be);			/* domain 3 finally gone */
	run_ms(1000);
	CHECK(b->present && !strcmp(xs_get(node(FE2, "state")), "4"));
	CHECK(!strcmp(xs_get(node(BE_NEW, "state")), "4"));
	CHECK(live_grants_to(3) == to3 && live_grants_to(7) == to7 + 1 + 8 * 11);
	/* The acknowledged write is there; new I/O works. */
	completions = 0;
	memset(got, 0, sizeof(got));
	CHECK(b->ops->read(b->ctx, 100, got, sizeof(got), done, NULL) == 0);
	settle();
	CHECK(completions == 1 && last_status == 0 && !memcmp(got, a, sizeof(got)));
	CHECK(b->ops->write(b->ctx, 300, a, 512, done, NULL) == 0);
	settle();
	CHECK(completions == 2 && last_status == 0 && disk[300 * 512] == 0xa5);
}

static void test_timeout(void)
{
	static unsigned char buf[4096];
	struct dm_blk *b = open_storage_disk(5632);
	int to3 = live_grants_to(3);
	uint64_t t0;

	completions = 0;
	be_hung = true;				/* connected, answers nothing */
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	t0 = now;
	timer_min = timer_max = t0 + DM_BLKFRONT_REQ_TIMEOUT_MS * 1000000ull;
	timer_in_window = false;
	dm_blkfront_poll();		/* the guest may wait idle: a timer wakes us */
	CHECK(timers_armed >= 1 && timer_in_window);
	timer_min = t0 + DM_BLKFRONT_REQ_TIMEOUT_MS * 1000000ull;
	timer_max = timer_min + 1000000000ull;
	timer_in_window = false;
	while (!completions && now - t0 < 60000000000ull)
		run_ms(50);
	CHECK(completions == 1 && last_status == -ETIMEDOUT && !b->present);
	CHECK(timer_in_window);		/* dead: looks again within a second */
	CHECK(now - t0 >= DM_BLKFRONT_REQ_TIMEOUT_MS * 1000000ull);
	CHECK(now - t0 < (DM_BLKFRONT_REQ_TIMEOUT_MS + 1000) * 1000000ull);
	CHECK(!strcmp(xs_get(node(FE2, "state")), "6"));	/* we let go */
	CHECK(b->ops->write(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	CHECK(completions == 2 && last_status == -ENODEV);
	/* It recovers: Closed after us, InitWait when we start over; rejoined. */
	be_hung = false;
	run_ms(2000);
	CHECK(b->present && !strcmp(xs_get(node(FE2, "state")), "4") && be.connected);
	CHECK(live_grants_to(3) == to3);		/* the same pages, granted anew */
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	settle();
	CHECK(completions == 3 && last_status == 0);
}

static void test_rejoin_refused(void)
{
	static unsigned char buf[4096];
	struct dm_blk *b = open_storage_disk(5696);
	int to7 = live_grants_to(7);

	completions = 0;
	xs_rm("/local/domain/3");
	blkif_back_disconnect(&be);
	dm_blkfront_poll();
	CHECK(!b->present);
	/* A backend offering a disk of another size is not the guest's disk. */
	be_domid = 7;
	be_node = BE_NEW;
	storage_nodes(BE_NEW, 7, "4096");
	run_ms(2000);
	CHECK(!b->present && !strcmp(xs_get(node(FE2, "state")), "1") && live_grants_to(7) == to7);
	CHECK(b->ops->read(b->ctx, 0, buf, sizeof(buf), done, NULL) == 0);
	CHECK(completions == 1 && last_status == -ENODEV);
	/* Hostile or broken frontend nodes: no backend-id, a huge one. */
	xs_set(node(FE2, "backend-id"), "70000");
	run_ms(500);
	xs_rm(node(FE2, "backend-id"));
	run_ms(500);
	CHECK(!b->present && live_grants_to(7) == to7);
	/* Then the right disk: rejoined. */
	xs_set(node(BE_NEW, "sectors"), "2048");
	xs_set(node(FE2, "backend-id"), "7");
	run_ms(1000);
	CHECK(b->present && !strcmp(xs_get(node(FE2, "state")), "4"));
}

int main(void)
{
	test_io();
	test_queue_and_flush();
	test_refusals();
	test_backend_gone();
	test_open_failures();
	test_rejoin();
	test_timeout();
	test_rejoin_refused();
	CHECK_DONE("blkfront");
	return 0;
}
