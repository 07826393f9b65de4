/*
 * The blkif pair on the host: the device model's frontend (devicemodel/
 * blkfront.c) over fakes of the runtime (xenstore, grants, event channels,
 * clock) against blkback's real mechanism (blkback/blkif_back.c) on a RAM
 * disk. Covers the handshake and its failures, request splitting onto the
 * ring, queueing beyond the slots, flush, refusals, and a vanishing backend.
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
static struct { char *path; dom_xs_watch_fn fn; void *arg; bool pending; } watch;

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
	if (watch.path && !strncmp(path, watch.path, strlen(watch.path)))
		watch.pending = true;
}

static void xs_rm(const char *prefix)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].path && !strncmp(keys[i].path, prefix, strlen(prefix))) {
			free(keys[i].path);
			free(keys[i].value);
			keys[i].path = keys[i].value = NULL;
		}
	if (watch.path && !strncmp(watch.path, prefix, strlen(prefix)))
		watch.pending = true;
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

int dom_xs_watch(const char *path, const char *token, dom_xs_watch_fn fn, void *arg)
{
	(void)token;
	free(watch.path);
	watch.path = strdup(path);
	watch.fn = fn;
	watch.arg = arg;
	watch.pending = true;	/* xenstored fires new watches once */
	return 0;
}

void dom_xs_poll(void)
{
	if (watch.pending) {
		watch.pending = false;
		watch.fn(watch.path, "", watch.arg);
	}
}

/* ---- fake grants, events, clock, console, start info ---- */
#define NREFS 1024
static void *granted[NREFS];
static int grants_live;
static unsigned fe_events, be_kicks;
static uint64_t now;

int dom_gnttab_grant_access(uint16_t domid, uint64_t gfn, bool ro)
{
	CHECK(domid == 0 && !ro);
	for (int r = 8; r < NREFS; r++)
		if (!granted[r]) {
			granted[r] = (void *)(uintptr_t)(gfn << 12);
			grants_live++;
			return r;
		}
	return -ENOSPC;
}

int dom_gnttab_end_access(uint32_t ref)
{
	CHECK(ref < NREFS && granted[ref]);
	granted[ref] = NULL;
	grants_live--;
	return 0;
}

int dom_evtchn_alloc_unbound(uint16_t remote, dom_evtchn_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	CHECK(remote == 0);
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

static int g_map(void *c, uint16_t d, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)c;
	(void)ro;
	CHECK(d == SELF);
	if (ref >= NREFS || !granted[ref])
		return -EINVAL;
	*addr = granted[ref];
	*h = ref;
	return 0;
}

static void g_unmap(void *c, void *addr, uint32_t h) { (void)c; (void)addr; (void)h; }
static const struct blkif_back_grant_ops gops = { g_map, g_unmap };

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
static const struct blkif_back_store_ops sops = { s_read, s_write, s_flush, NULL };

/* One step of Dom0's vbd.c, much reduced: connect on Initialised, serve on kicks. */
static void backend_step(void)
{
	const char *st = xs_get(BE "/state"), *fst = xs_get(FE "/state");
	uint64_t ref;

	if (!be_answers || !st)
		return;
	if (!strcmp(st, "2") && fst && !strcmp(fst, "3")) {
		CHECK(!strcmp(xs_get(FE "/protocol"), "x86_64-abi"));
		CHECK(!strcmp(xs_get(FE "/event-channel"), "9"));
		CHECK(dom_xs_read_u64(0, FE "/ring-ref", &ref) == 0);
		CHECK(blkif_back_connect(&be, (uint32_t)ref) == 0);
		xs_set(BE "/state", "4");
	}
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

int main(void)
{
	test_io();
	test_queue_and_flush();
	test_refusals();
	test_backend_gone();
	test_open_failures();
	CHECK_DONE("blkfront");
	return 0;
}
