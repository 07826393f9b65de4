/* The blkif backend's xenbus state machine (blkback/vbd_back.c) on the host:
 * a fake store (a flat table of paths), fake grants (pages by ref), fake
 * event channels and RAM disks by params. The handshake with exact nodes,
 * data through the ring, close/reconnect, removal, bad params, bad frontend
 * nodes, a broken ring that takes down only its own device, and a
 * fixed-seed fuzz of frontend and toolstack changes checking that maps,
 * ports and opened disks always balance. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "check.h"
#include "errno.h"
#include "public/io/xenbus.h"
#include "../../blkback/vbd_back.h"

#define NODES 512
#define NPAGES 16
#define SECTORS 64

static struct node {
	char path[160], val[160];
} store[NODES];

static _Alignas(4096) unsigned char pages[NPAGES][4096];
static unsigned char disks[2][SECTORS * 512];
static int maps_live, ports_live, opens_live, notifies, next_port = 10, watches_live;
static struct vbd_back_set set;

/* ---- the store --------------------------------------------------------- */

static struct node *lookup(const char *path)
{
	for (int i = 0; i < NODES; i++)
		if (store[i].path[0] && !strcmp(store[i].path, path))
			return &store[i];
	return NULL;
}

static void xs_set(const char *path, const char *val)
{
	struct node *n = lookup(path);

	for (int i = 0; i < NODES && !n; i++)
		if (!store[i].path[0])
			n = &store[i];
	CHECK(n && strlen(path) < sizeof(n->path) && strlen(val) < sizeof(n->val));
	strcpy(n->path, path);
	strcpy(n->val, val);
}

static const char *xs_get(const char *path)
{
	struct node *n = lookup(path);

	return n ? n->val : NULL;
}

/* Removes path and everything below it. */
static void xs_rm(const char *path)
{
	size_t n = strlen(path);

	for (int i = 0; i < NODES; i++)
		if (!strncmp(store[i].path, path, n) && (!store[i].path[n] || store[i].path[n] == '/'))
			store[i].path[0] = '\0';
}

static const char *deny;	/* reads below this prefix: -EACCES */

static int f_read(void *ctx, const char *path, char *buf, size_t len)
{
	const char *v = xs_get(path);

	(void)ctx;
	if (deny && !strncmp(path, deny, strlen(deny)))
		return -EACCES;
	if (!v)
		return -ENOENT;
	if (strlen(v) >= len)
		return -E2BIG;
	strcpy(buf, v);
	return 0;
}

/* Children: the next component of every node below path, once each. */
static int f_dir(void *ctx, const char *path, char *buf, size_t len, size_t *used)
{
	size_t n = strlen(path);
	bool any = false;

	(void)ctx;
	*used = 0;
	for (int i = 0; i < NODES; i++) {
		const char *p = store[i].path, *c;
		size_t k;
		bool dup = false;

		if (!p[0] || strncmp(p, path, n) || (p[n] && p[n] != '/'))
			continue;
		any = true;
		if (!p[n])
			continue;
		c = p + n + 1;
		k = strcspn(c, "/");
		for (size_t o = 0; o < *used; o += strlen(buf + o) + 1)
			dup |= strlen(buf + o) == k && !strncmp(buf + o, c, k);
		if (dup)
			continue;
		if (*used + k + 1 > len)
			return -E2BIG;
		memcpy(buf + *used, c, k);
		buf[*used + k] = '\0';
		*used += k + 1;
	}
	return any ? 0 : -ENOENT;
}

static int f_write(void *ctx, const char *path, const char *val)
{
	(void)ctx;
	xs_set(path, val);
	return 0;
}

static void f_watch(void *ctx, const char *path, bool on)
{
	(void)ctx;
	CHECK(strstr(path, "/device/vbd/") && strstr(path, "/state"));
	watches_live += on ? 1 : -1;
}

/* ---- disks, ports, grants ------------------------------------------------ */

static int d_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	CHECK(off + len <= SECTORS * 512);
	memcpy(buf, (unsigned char *)ctx + off, len);
	return 0;
}

static int d_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	CHECK(off + len <= SECTORS * 512);
	memcpy((unsigned char *)ctx + off, buf, len);
	return 0;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int d_discard(void *ctx, uint64_t off, uint64_t len)
{
	CHECK(off + len <= SECTORS * 512);
	memset((unsigned char *)ctx + off, 0, len);
	return 0;
}

static const struct blkif_back_store_ops dops = {
	.read = d_read, .write = d_write, .flush = d_flush,
};
static const struct blkif_back_store_ops dops_discard = {
	.read = d_read, .write = d_write, .flush = d_flush, .discard = d_discard,
};

/* "vol0"/"vol1": the RAM disks; "" an empty drive; anything else -ENOENT. */
static int f_open(void *ctx, const char *params, bool ro, struct vbd_back_disk *d)
{
	(void)ctx;
	if (!*params) {
		*d = (struct vbd_back_disk){ 0 };
	} else if (!strcmp(params, "vol0") || !strcmp(params, "vol1")) {
		*d = (struct vbd_back_disk){ &dops, disks[params[3] - '0'], SECTORS, false, NULL };
	} else if (!strcmp(params, "trim0")) {
		*d = (struct vbd_back_disk){ &dops_discard, disks[0], SECTORS, false, NULL };
	} else {
		return -ENOENT;
	}
	(void)ro;
	opens_live++;
	return 0;
}

static void f_close(void *ctx, struct vbd_back_disk *d)
{
	(void)ctx;
	(void)d;
	opens_live--;
}

static int f_bind(void *ctx, uint16_t domid, uint32_t port)
{
	(void)ctx;
	if (port == 999)
		return -EINVAL;
	CHECK(domid >= 1 && domid <= 3);
	ports_live++;
	return next_port++;
}

static void f_unbind(void *ctx, unsigned port)
{
	(void)ctx;
	CHECK(port >= 10);
	ports_live--;
}

static void f_notify(void *ctx, unsigned port)
{
	(void)ctx;
	(void)port;
	notifies++;
}

static int g_map(void *ctx, uint16_t domid, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)ctx, (void)domid, (void)ro;
	if (ref >= NPAGES)
		return -EINVAL;
	*addr = pages[ref];
	*h = ref;
	maps_live++;
	return 0;
}

static void g_unmap(void *ctx, void *addr, uint32_t h)
{
	(void)ctx;
	CHECK(h < NPAGES && addr == pages[h]);
	maps_live--;
}

/* Several pages at once: the fake's pages are one array, so consecutive refs
 * are contiguous already (test_blkback.c maps them in any order). */
static int g_map_ring(void *ctx, uint16_t domid, const uint32_t *refs, unsigned n, void **addr,
		      uint32_t *h)
{
	(void)ctx, (void)domid;
	for (unsigned i = 0; i < n; i++)
		if (refs[i] >= NPAGES || refs[i] != refs[0] + i)
			return -EINVAL;
	*addr = pages[refs[0]];
	for (unsigned i = 0; i < n; i++)
		h[i] = refs[i];
	maps_live += (int)n;
	return 0;
}

static void g_unmap_ring(void *ctx, void *addr, const uint32_t *h, unsigned n)
{
	(void)ctx;
	CHECK(n >= 2 && h[0] < NPAGES && addr == pages[h[0]]);
	maps_live -= (int)n;
}

static const struct blkif_back_grant_ops gops = { g_map, g_unmap, g_map_ring, g_unmap_ring };
static const struct blkif_back_grant_ops gops_one = { .map = g_map, .unmap = g_unmap };
static const struct vbd_back_env env = {
	.xs = { .read = f_read, .directory = f_dir, .write = f_write, .watch = f_watch },
	.open = f_open, .close = f_close, .bind = f_bind, .unbind = f_unbind,
	.notify = f_notify, .gops = &gops,
};
static const struct vbd_back_env env_one = {	/* grant ops without map_ring */
	.xs = { .read = f_read, .directory = f_dir, .write = f_write, .watch = f_watch },
	.open = f_open, .close = f_close, .bind = f_bind, .unbind = f_unbind,
	.notify = f_notify, .gops = &gops_one,
};

/* ---- a toolstack and a frontend ------------------------------------------ */

#define SELF "/local/domain/7"

static void be_path(char *p, size_t n, unsigned fe, unsigned vdev, const char *key)
{
	snprintf(p, n, SELF "/backend/vbd/%u/%u%s%s", fe, vdev, key ? "/" : "", key ? key : "");
}

static void fe_path(char *p, size_t n, unsigned fe, unsigned vdev, const char *key)
{
	snprintf(p, n, "/local/domain/%u/device/vbd/%u%s%s", fe, vdev, key ? "/" : "", key ? key : "");
}

static void toolstack(unsigned fe, unsigned vdev, const char *params, const char *mode)
{
	char p[160], f[160];

	fe_path(f, sizeof(f), fe, vdev, NULL);
	be_path(p, sizeof(p), fe, vdev, "frontend");
	xs_set(p, f);
	be_path(p, sizeof(p), fe, vdev, "params");
	xs_set(p, params);
	be_path(p, sizeof(p), fe, vdev, "mode");
	xs_set(p, mode);
	be_path(p, sizeof(p), fe, vdev, "device-type");
	xs_set(p, "disk");
	be_path(p, sizeof(p), fe, vdev, "state");
	xs_set(p, "1");
	fe_path(p, sizeof(p), fe, vdev, "state");
	xs_set(p, "1");
}

static const char *be_get(unsigned fe, unsigned vdev, const char *key)
{
	char p[160];

	be_path(p, sizeof(p), fe, vdev, key);
	return xs_get(p);
}

static void fe_set(unsigned fe, unsigned vdev, const char *key, const char *val)
{
	char p[160];

	fe_path(p, sizeof(p), fe, vdev, key);
	xs_set(p, val);
}

static int be_state(unsigned fe, unsigned vdev)
{
	const char *s = be_get(fe, vdev, "state");

	return s ? atoi(s) : -1;
}

static struct blkif_front_ring fr;

/* The frontend publishes ring page ref and connects. */
static void fe_connect(unsigned fe, unsigned vdev, unsigned ref, const char *evtchn)
{
	char r[16];

	SHARED_RING_INIT((struct blkif_sring *)pages[ref]);
	FRONT_RING_INIT(&fr, (struct blkif_sring *)pages[ref], 4096);
	snprintf(r, sizeof(r), "%u", ref);
	fe_set(fe, vdev, "ring-ref", r);
	fe_set(fe, vdev, "event-channel", evtchn);
	fe_set(fe, vdev, "protocol", "x86_64-abi");
	fe_set(fe, vdev, "state", "3");
	vbd_back_scan(&set);
}

static int16_t io_on(struct blkif_front_ring *r, uint8_t op, uint64_t sector, unsigned ref)
{
	struct blkif_request *q = RING_GET_REQUEST(r, r->req_prod_pvt++);
	struct blkif_response *rsp;

	memset(q, 0, sizeof(*q));
	q->operation = op;
	q->nr_segments = 1;
	q->id = 77;
	q->sector_number = sector;
	q->seg[0] = (struct blkif_request_segment){ ref, 0, 7, 0 };
	RING_PUSH_REQUESTS(r);
	vbd_back_serve(&set);
	CHECK(r->sring->rsp_prod == r->rsp_cons + 1);
	rsp = RING_GET_RESPONSE(r, r->rsp_cons++);
	CHECK(rsp->id == 77);
	return rsp->status;
}

static int16_t io(uint8_t op, uint64_t sector, unsigned ref)
{
	return io_on(&fr, op, sector, ref);
}

/* Every live grant mapping the set holds: ring pages and persistent grants. */
static int set_maps(void)
{
	int n = 0;

	for (int i = 0; i < VBD_BACK_MAX; i++)
		for (unsigned q = 0; q < VBD_BACK_QUEUES; q++)
			if (set.v[i].xb.used && set.v[i].bb[q].connected)
				n += (int)(set.v[i].bb[q].ring_pages + set.v[i].bb[q].nr_pgrants);
	return n;
}

static void reset(void)
{
	vbd_back_release_all(&set);
	CHECK(maps_live == 0 && ports_live == 0 && opens_live == 0 && watches_live == 0);
	memset(store, 0, sizeof(store));
	vbd_back_set_init(&set, &env, 7);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_handshake(void)
{
	reset();
	toolstack(1, 51712, "vol0", "w");
	vbd_back_scan(&set);
	CHECK(be_state(1, 51712) == XenbusStateInitWait && opens_live == 1 && watches_live == 1);
	CHECK(!strcmp(be_get(1, 51712, "sectors"), "64"));
	CHECK(!strcmp(be_get(1, 51712, "sector-size"), "512"));
	CHECK(!strcmp(be_get(1, 51712, "info"), "0"));
	CHECK(!strcmp(be_get(1, 51712, "feature-flush-cache"), "1"));
	CHECK(!strcmp(be_get(1, 51712, "feature-barrier"), "1"));
	CHECK(!strcmp(be_get(1, 51712, "max-ring-page-order"), "4"));
	CHECK(!strcmp(be_get(1, 51712, "multi-queue-max-queues"), "4"));
	CHECK(!strcmp(be_get(1, 51712, "feature-max-indirect-segments"), "256"));
	CHECK(!strcmp(be_get(1, 51712, "feature-persistent"), "1"));
	CHECK(!be_get(1, 51712, "feature-discard") && !be_get(1, 51712, "discard-granularity"));
	/* The toolstack writes state 1 again late: ours comes back. */
	xs_set(SELF "/backend/vbd/1/51712/state", "1");
	vbd_back_scan(&set);
	CHECK(be_state(1, 51712) == XenbusStateInitWait);

	fe_connect(1, 51712, 0, "5");
	CHECK(be_state(1, 51712) == XenbusStateConnected && maps_live == 1 && ports_live == 1);
	memset(pages[1], 0x3c, 4096);
	notifies = 0;
	CHECK(io(BLKIF_OP_WRITE, 8, 1) == BLKIF_RSP_OKAY && notifies == 1);
	CHECK(disks[0][8 * 512] == 0x3c && disks[0][16 * 512 - 1] == 0x3c && !disks[0][16 * 512]);
	memset(pages[2], 0, 4096);
	CHECK(io(BLKIF_OP_READ, 8, 2) == BLKIF_RSP_OKAY && pages[2][4095] == 0x3c);
	CHECK(io(BLKIF_OP_READ, 60, 2) == BLKIF_RSP_ERROR);	/* past the end */

	/* Closing, Closed, and a reconnect. */
	fe_set(1, 51712, "state", "5");
	vbd_back_scan(&set);
	CHECK(be_state(1, 51712) == XenbusStateClosing && maps_live == 0 && ports_live == 0);
	fe_set(1, 51712, "state", "6");
	vbd_back_scan(&set);
	CHECK(be_state(1, 51712) == XenbusStateClosed && opens_live == 1);
	fe_set(1, 51712, "state", "1");
	vbd_back_scan(&set);
	CHECK(be_state(1, 51712) == XenbusStateInitWait);
	fe_connect(1, 51712, 3, "6");
	CHECK(be_state(1, 51712) == XenbusStateConnected && maps_live == 1);
	CHECK(io(BLKIF_OP_READ, 8, 2) == BLKIF_RSP_OKAY);

	/* The toolstack removes the node: everything released. */
	xs_rm(SELF "/backend/vbd/1/51712");
	vbd_back_scan(&set);
	CHECK(maps_live == 0 && ports_live == 0 && opens_live == 0 && watches_live == 0);
	CHECK(!vbd_back_find(&set, 1, 51712));
}

static void test_readonly_and_empty(void)
{
	reset();
	toolstack(2, 768, "vol1", "r");
	toolstack(2, 832, "", "r");
	xs_set(SELF "/backend/vbd/2/832/device-type", "cdrom");
	xs_set(SELF "/backend/vbd/2/832/removable", "1");
	vbd_back_scan(&set);
	CHECK(!strcmp(be_get(2, 768, "info"), "4"));	/* VDISK_READONLY */
	CHECK(!strcmp(be_get(2, 832, "info"), "7"));	/* CDROM | REMOVABLE | READONLY */
	CHECK(!strcmp(be_get(2, 832, "sectors"), "0"));
	fe_connect(2, 768, 0, "5");
	CHECK(io(BLKIF_OP_WRITE, 0, 1) == BLKIF_RSP_ERROR && io(BLKIF_OP_READ, 0, 1) == BLKIF_RSP_OKAY);
	fe_connect(2, 832, 4, "6");
	CHECK(io(BLKIF_OP_READ, 0, 1) == BLKIF_RSP_ERROR);
}

static void test_errors(void)
{
	reset();
	toolstack(1, 768, "tank/nosuch", "w");
	toolstack(2, 768, "vol0", "w");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateClosed && opens_live == 1);
	CHECK(!strcmp(xs_get(SELF "/error/backend/vbd/1/768/error"),
		      "2 tank/nosuch: No such file or directory"));
	CHECK(!strcmp(be_get(1, 768, "hotplug-status"), "error"));
	CHECK(!strcmp(be_get(1, 768, "hotplug-error"), "tank/nosuch: No such file or directory"));
	CHECK(be_state(2, 768) == XenbusStateInitWait);
	/* A frontend that starts over does not reopen a failed device. */
	fe_set(1, 768, "state", "1");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateClosed);

	/* Bad frontend nodes. */
	fe_set(2, 768, "protocol", "x86_32-abi");
	fe_set(2, 768, "ring-ref", "0");
	fe_set(2, 768, "event-channel", "5");
	fe_set(2, 768, "state", "3");
	vbd_back_scan(&set);
	CHECK(be_state(2, 768) == XenbusStateClosed && maps_live == 0);
	CHECK(strstr(xs_get(SELF "/error/backend/vbd/2/768/error"), "22 frontend protocol"));
	static const char *const bad_refs[] = { "", "12abc", "-1", "4294967296", " 1", "99" };
	for (unsigned i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		fe_set(2, 768, "state", "1");
		vbd_back_scan(&set);
		CHECK(be_state(2, 768) == XenbusStateInitWait);
		fe_set(2, 768, "protocol", "x86_64-abi");
		fe_set(2, 768, "ring-ref", bad_refs[i]);
		fe_set(2, 768, "state", "3");
		vbd_back_scan(&set);
		CHECK(be_state(2, 768) == XenbusStateClosed && maps_live == 0);
	}
	fe_set(2, 768, "state", "1");
	vbd_back_scan(&set);
	fe_connect(2, 768, 0, "999");	/* bind refused */
	CHECK(be_state(2, 768) == XenbusStateClosed && maps_live == 0 && ports_live == 0);

	/* Frontend nodes we may not read: an error that says so, not a silent close. */
	toolstack(1, 832, "vol1", "w");
	deny = "/local/domain/1/device/vbd/832";
	vbd_back_scan(&set);
	deny = NULL;
	CHECK(be_state(1, 832) == XenbusStateClosed);
	CHECK(strstr(xs_get(SELF "/error/backend/vbd/1/832/error"),
		     "13 reading the frontend's state: Permission denied"));

	/* A frontend path outside the frontend's domain is never followed. */
	toolstack(3, 768, "vol1", "w");
	xs_set(SELF "/backend/vbd/3/768/frontend", "/local/domain/1/device/vbd/768");
	vbd_back_scan(&set);
	CHECK(be_state(3, 768) == 1 && opens_live == 2);
	/* Nonsense in the backend tree: ignored. */
	xs_set(SELF "/backend/vbd/abc/768/params", "vol0");
	xs_set(SELF "/backend/vbd/99999/768/params", "vol0");
	xs_set(SELF "/backend/vbd/1/x7/params", "vol0");
	vbd_back_scan(&set);
	CHECK(opens_live == 2);
}

static void test_broken_ring(void)
{
	struct blkif_front_ring other;

	reset();
	toolstack(1, 768, "vol0", "w");
	toolstack(2, 768, "vol1", "w");
	vbd_back_scan(&set);
	fe_connect(1, 768, 0, "5");
	other = fr;
	fe_connect(2, 768, 3, "6");
	other.sring->req_prod = other.req_prod_pvt + 1000;	/* impossible */
	vbd_back_serve(&set);
	CHECK(be_state(1, 768) == XenbusStateClosed && maps_live == 1 && ports_live == 1);
	CHECK(strstr(xs_get(SELF "/error/backend/vbd/1/768/error"), "5 frontend broke the ring"));
	CHECK(be_state(2, 768) == XenbusStateConnected && io(BLKIF_OP_READ, 0, 1) == BLKIF_RSP_OKAY);
}

static void test_discard_keys(void)
{
	reset();
	toolstack(1, 768, "trim0", "w");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateInitWait);
	CHECK(!strcmp(be_get(1, 768, "feature-discard"), "1"));
	CHECK(!strcmp(be_get(1, 768, "discard-granularity"), "512"));
	CHECK(!strcmp(be_get(1, 768, "discard-alignment"), "0"));
	CHECK(!strcmp(be_get(1, 768, "discard-secure"), "0"));
	/* libxl's discard-enable = 0 (xl.cfg's no-discard), and a read-only
	 * disk: no discard offered. */
	{
		char p[160];

		reset();
		toolstack(1, 768, "trim0", "w");
		be_path(p, sizeof(p), 1, 768, "discard-enable");
		xs_set(p, "0");
		toolstack(2, 768, "trim0", "r");
		vbd_back_scan(&set);
		CHECK(be_state(1, 768) == XenbusStateInitWait && be_state(2, 768) == XenbusStateInitWait);
		CHECK(!be_get(1, 768, "feature-discard") && !be_get(2, 768, "feature-discard"));
	}
}

/* A queue's ring at ref (pages ref.. of order), in the frontend's dir key prefix. */
static void fe_queue(struct blkif_front_ring *r, unsigned fe, unsigned vdev, const char *prefix,
		     unsigned ref, int order, const char *evtchn)
{
	char k[64], v[16];
	unsigned n = order < 0 ? 1 : 1u << order;

	SHARED_RING_INIT((struct blkif_sring *)pages[ref]);
	FRONT_RING_INIT(r, (struct blkif_sring *)pages[ref], n * 4096);
	for (unsigned i = 0; i < n; i++) {
		if (order < 0)
			snprintf(k, sizeof(k), "%sring-ref", prefix);
		else
			snprintf(k, sizeof(k), "%sring-ref%u", prefix, i);
		snprintf(v, sizeof(v), "%u", ref + i);
		fe_set(fe, vdev, k, v);
	}
	snprintf(k, sizeof(k), "%sevent-channel", prefix);
	fe_set(fe, vdev, k, evtchn);
}

static void test_multiqueue(void)
{
	struct blkif_front_ring q[4];
	struct vbd_back *v;

	/* Four queues of one page each (no ring-page-order: "ring-ref"). */
	reset();
	toolstack(1, 768, "vol0", "w");
	vbd_back_scan(&set);
	fe_set(1, 768, "multi-queue-num-queues", "4");
	fe_set(1, 768, "protocol", "x86_64-abi");
	fe_queue(&q[0], 1, 768, "queue-0/", 0, -1, "5");
	fe_queue(&q[1], 1, 768, "queue-1/", 3, -1, "6");
	fe_queue(&q[2], 1, 768, "queue-2/", 5, -1, "7");
	fe_queue(&q[3], 1, 768, "queue-3/", 7, -1, "8");
	fe_set(1, 768, "state", "3");
	vbd_back_scan(&set);
	v = vbd_back_find(&set, 1, 768);
	CHECK(be_state(1, 768) == XenbusStateConnected && maps_live == 4 && ports_live == 4);
	CHECK(v->nr_queues == 4 && v->port[0] != v->port[1] && v->port[3] >= 10);
	memset(pages[1], 0x61, 4096);
	CHECK(io_on(&q[2], BLKIF_OP_WRITE, 16, 1) == BLKIF_RSP_OKAY && disks[0][16 * 512] == 0x61);
	memset(pages[2], 0, 4096);
	CHECK(io_on(&q[0], BLKIF_OP_READ, 16, 2) == BLKIF_RSP_OKAY && pages[2][0] == 0x61);
	CHECK(io_on(&q[3], BLKIF_OP_READ, 16, 2) == BLKIF_RSP_OKAY);
	CHECK(io_on(&q[1], BLKIF_OP_READ, 16, 2) == BLKIF_RSP_OKAY);
	/* One queue's broken ring takes the device down, all queues released. */
	q[1].sring->req_prod = q[1].req_prod_pvt + 100;
	vbd_back_serve(&set);
	CHECK(be_state(1, 768) == XenbusStateClosed && maps_live == 0 && ports_live == 0);

	/* Two queues of two pages each (ring-page-order 1: ring-ref0, ring-ref1). */
	fe_set(1, 768, "state", "1");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateInitWait);
	fe_set(1, 768, "multi-queue-num-queues", "2");
	fe_set(1, 768, "ring-page-order", "1");
	fe_queue(&q[0], 1, 768, "queue-0/", 8, 1, "5");
	fe_queue(&q[1], 1, 768, "queue-1/", 12, 1, "6");
	fe_set(1, 768, "state", "3");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateConnected && maps_live == 4 && ports_live == 2);
	CHECK(RING_SIZE(&v->bb[0].ring) == 64 && v->bb[1].ring_page == pages[12]);
	for (int i = 0; i < 64; i++)
		CHECK(io_on(&q[i & 1], BLKIF_OP_READ, (uint64_t)(i % 8) * 8, 2) == BLKIF_RSP_OKAY);
	fe_set(1, 768, "state", "5");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateClosing && maps_live == 0 && ports_live == 0);

	/* Refused: each leaves nothing mapped or bound, the error node says why. */
	static const struct { const char *key, *val, *why; } bad[] = {
		{ "multi-queue-num-queues", "5", "22 frontend multi-queue-num-queues" },
		{ "multi-queue-num-queues", "0", "22 frontend multi-queue-num-queues" },
		{ "multi-queue-num-queues", "x", "22 frontend multi-queue-num-queues" },
		{ "ring-page-order", "5", "22 frontend ring-page-order" },
		{ "ring-page-order", "", "22 frontend ring-page-order" },
		{ "queue-1/event-channel", NULL, "22 frontend ring-ref/event-channel" },
		{ "queue-1/ring-ref1", NULL, "22 frontend ring-ref/event-channel" },
		{ "queue-1/ring-ref1", "15", "22 mapping ring-ref" },	/* not contiguous */
		{ "queue-1/event-channel", "999", "22 binding event-channel" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char p[160];

		fe_set(1, 768, "state", "6");
		vbd_back_scan(&set);
		fe_set(1, 768, "state", "1");
		vbd_back_scan(&set);
		CHECK(be_state(1, 768) == XenbusStateInitWait);
		fe_set(1, 768, "multi-queue-num-queues", "2");
		fe_set(1, 768, "ring-page-order", "1");
		fe_queue(&q[0], 1, 768, "queue-0/", 8, 1, "5");
		fe_queue(&q[1], 1, 768, "queue-1/", 12, 1, "6");
		fe_path(p, sizeof(p), 1, 768, bad[i].key);
		if (bad[i].val)
			xs_set(p, bad[i].val);
		else
			xs_rm(p);
		fe_set(1, 768, "state", "3");
		vbd_back_scan(&set);
		CHECK(be_state(1, 768) == XenbusStateClosed && maps_live == 0 && ports_live == 0);
		CHECK(strstr(xs_get(SELF "/error/backend/vbd/1/768/error"), bad[i].why));
	}

	/* One queue named as such: the top-level keys (as Linux writes them). */
	fe_set(1, 768, "state", "1");
	vbd_back_scan(&set);
	xs_rm("/local/domain/1/device/vbd/768/queue-0");
	xs_rm("/local/domain/1/device/vbd/768/queue-1");
	fe_set(1, 768, "multi-queue-num-queues", "1");
	fe_set(1, 768, "ring-page-order", "0");
	fe_queue(&fr, 1, 768, "", 4, 0, "5");		/* ring-ref0 */
	fe_set(1, 768, "state", "3");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateConnected && maps_live == 1 && v->nr_queues == 1);
	CHECK(io(BLKIF_OP_READ, 0, 2) == BLKIF_RSP_OKAY);
	xs_rm(SELF "/backend/vbd/1/768");
	vbd_back_scan(&set);
	CHECK(maps_live == 0 && ports_live == 0 && opens_live == 0);
}

static void test_persistent(void)
{
	struct vbd_back *v;

	reset();
	toolstack(2, 768, "vol1", "w");
	vbd_back_scan(&set);
	fe_set(2, 768, "feature-persistent", "1");
	fe_connect(2, 768, 0, "5");
	v = vbd_back_find(&set, 2, 768);
	CHECK(be_state(2, 768) == XenbusStateConnected && v->bb[0].persistent);
	CHECK(v->bb[0].max_indirect == 256 && v->bb[0].persistent_max == BLKIF_BACK_PGRANTS);
	CHECK(io(BLKIF_OP_READ, 0, 1) == BLKIF_RSP_OKAY && maps_live == 2);	/* ring + grant 1 */
	CHECK(io(BLKIF_OP_WRITE, 0, 1) == BLKIF_RSP_OKAY && maps_live == 2);
	CHECK(io(BLKIF_OP_WRITE, 0, 2) == BLKIF_RSP_OKAY && maps_live == 3);
	CHECK(v->bb[0].pgrant_hits == 1);
	/* Closing unmaps them all; reconnecting without the feature keeps none. */
	fe_set(2, 768, "state", "5");
	vbd_back_scan(&set);
	CHECK(maps_live == 0);
	fe_set(2, 768, "state", "6");
	vbd_back_scan(&set);
	fe_set(2, 768, "state", "1");
	vbd_back_scan(&set);
	fe_set(2, 768, "feature-persistent", "0");
	fe_connect(2, 768, 0, "5");
	CHECK(!v->bb[0].persistent && io(BLKIF_OP_READ, 0, 1) == BLKIF_RSP_OKAY && maps_live == 1);
	/* Indirect requests through the device (offered: 256). */
	struct blkif_request *q = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	struct blkif_request_indirect ind = { .operation = BLKIF_OP_INDIRECT,
					      .indirect_op = BLKIF_OP_READ, .nr_segments = 3,
					      .id = 78, .indirect_grefs = { 9 } };
	struct blkif_request_segment sg[3] = { { 1, 0, 7, 0 }, { 2, 0, 7, 0 }, { 1, 0, 0, 0 } };

	memcpy(pages[9], sg, sizeof(sg));
	memcpy(q, &ind, sizeof(ind));
	RING_PUSH_REQUESTS(&fr);
	vbd_back_serve(&set);
	CHECK(fr.sring->rsp_prod == fr.rsp_cons + 1);
	CHECK(RING_GET_RESPONSE(&fr, fr.rsp_cons)->status == BLKIF_RSP_OKAY);
	CHECK(RING_GET_RESPONSE(&fr, fr.rsp_cons)->operation == BLKIF_OP_READ);
	fr.rsp_cons++;
	CHECK(maps_live == 1);
	/* Four queues share the device's persistent grants. */
	fe_set(2, 768, "state", "6");
	vbd_back_scan(&set);
	fe_set(2, 768, "state", "1");
	vbd_back_scan(&set);
	fe_set(2, 768, "feature-persistent", "1");
	fe_set(2, 768, "multi-queue-num-queues", "4");
	for (unsigned i = 0; i < 4; i++) {
		char pre[16];
		struct blkif_front_ring r;

		snprintf(pre, sizeof(pre), "queue-%u/", i);
		fe_queue(&r, 2, 768, pre, 10 + i, -1, "5");
	}
	fe_set(2, 768, "state", "4");
	vbd_back_scan(&set);
	CHECK(be_state(2, 768) == XenbusStateConnected && v->nr_queues == 4);
	CHECK(v->bb[3].persistent && v->bb[3].persistent_max == BLKIF_BACK_PGRANTS / 4);
	vbd_back_release_all(&set);
	CHECK(maps_live == 0 && ports_live == 0);
}

/* Grant ops without map_ring: one-page rings only, and so advertised. */
static void test_no_map_ring(void)
{
	reset();
	vbd_back_set_init(&set, &env_one, 7);
	toolstack(1, 768, "vol0", "w");
	vbd_back_scan(&set);
	CHECK(!strcmp(be_get(1, 768, "max-ring-page-order"), "0"));
	fe_set(1, 768, "ring-page-order", "1");
	fe_queue(&fr, 1, 768, "", 0, 1, "5");
	fe_set(1, 768, "state", "3");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateClosed && maps_live == 0);
	fe_set(1, 768, "state", "1");
	vbd_back_scan(&set);
	fe_set(1, 768, "ring-page-order", "0");
	fe_set(1, 768, "state", "3");
	vbd_back_scan(&set);
	CHECK(be_state(1, 768) == XenbusStateConnected && maps_live == 1);
	CHECK(io(BLKIF_OP_READ, 0, 2) == BLKIF_RSP_OKAY);
	vbd_back_release_all(&set);
	vbd_back_set_init(&set, &env, 7);
}

/* Random frontend and toolstack changes: never a crash, resources balance. */
static void test_fuzz(void)
{
	static const char *const states[] = { "1", "2", "3", "4", "5", "6", "7", "", "x", "-3" };
	static const char *const refs[] = { "0", "3", "5", "99", "", "abc" };
	unsigned long long s = 0xabcdef0123456789ull;

	reset();
	for (int it = 0; it < 100000; it++) {
		unsigned fe = 1 + (unsigned)(check_rnd(&s) % 3), op = (unsigned)(check_rnd(&s) % 8);
		unsigned vdev = 768 + 64 * (unsigned)(check_rnd(&s) % 2);

		if (op == 0)
			toolstack(fe, vdev, check_rnd(&s) % 4 ? "vol0" : "nope", "w");
		else if (op == 1 && check_rnd(&s) % 4 == 0) {
			char p[160];

			be_path(p, sizeof(p), fe, vdev, NULL);
			xs_rm(p);
		} else if (op == 2)
			fe_set(fe, vdev, "state", states[check_rnd(&s) % 10]);
		else if (op == 3)
			fe_set(fe, vdev, "ring-ref", refs[check_rnd(&s) % 6]);
		else if (op == 4)
			fe_set(fe, vdev, "event-channel", check_rnd(&s) % 8 ? "5" : "999");
		else if (op == 5 && check_rnd(&s) % 2) {
			char p[160];

			fe_path(p, sizeof(p), fe, vdev, NULL);
			xs_rm(p);
		} else if (op == 5) {
			static const char *const k[] = { "multi-queue-num-queues", "ring-page-order",
							 "feature-persistent", "queue-0/ring-ref",
							 "queue-1/ring-ref", "queue-1/event-channel",
							 "ring-ref0", "ring-ref1", "queue-0/event-channel" };
			static const char *const val[] = { "0", "1", "2", "4", "5", "3", "" };

			fe_set(fe, vdev, k[check_rnd(&s) % 9], val[check_rnd(&s) % 7]);
		} else if (op == 6 && check_rnd(&s) % 4 == 0) {
			char p[160];

			fe_path(p, sizeof(p), fe, vdev, "multi-queue-num-queues");
			xs_rm(p);
			fe_path(p, sizeof(p), fe, vdev, "ring-page-order");
			xs_rm(p);
		}
		vbd_back_scan(&set);
		vbd_back_serve(&set);
		int connected = 0, open = 0;

		for (int i = 0; i < VBD_BACK_MAX; i++) {
			for (unsigned q = 0; q < VBD_BACK_QUEUES; q++)
				connected += set.v[i].xb.used && set.v[i].port[q] >= 0;
			open += set.v[i].xb.used && set.v[i].have_disk;
		}
		CHECK(ports_live == connected && maps_live == set_maps() && opens_live == open);
	}
	reset();
}

int main(void)
{
	vbd_back_set_init(&set, &env, 7);
	test_handshake();
	test_readonly_and_empty();
	test_errors();
	test_broken_ring();
	test_discard_keys();
	test_multiqueue();
	test_persistent();
	test_no_map_ring();
	test_fuzz();
	reset();
	CHECK_DONE("vbd_back");
	return 0;
}
