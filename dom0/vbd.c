/*
 * Dom0's block backend: the xenbus side of blkback/blkif_back.c. The toolstack
 * writes /local/domain/0/backend/vbd/F/V (frontend, frontend-id, params, type,
 * mode, device-type, state 1) and the frontend's /local/domain/F/device/vbd/V;
 * Dom0 runs xenstored itself, so instead of a watch this file rescans the
 * backend tree whenever the store's generation moved (any committed change).
 *
 * Per device, as Linux's blkback does (REFERENCE §4, xenbus states):
 *   new node     open params (disk.h), write sectors, info, sector-size,
 *                feature-flush-cache, feature-barrier, then InitWait (2);
 *                an unusable params: error/backend/vbd/F/V/error and Closed (6)
 *   frontend 3/4 map ring-ref, bind event-channel (protocol x86_64-abi), Connected (4)
 *   frontend 5   unmap, unbind, Closing (5); frontend 6 or gone: Closed (6);
 *   frontend 1 again after Closed: InitWait (a reconnect)
 *   node removed (xl destroy): everything released, the disk closed.
 * Rings are served from the idle hook, a budget of requests at a time.
 */
#include "dom.h"
#include "dom0.h"
#include "disk.h"
#include "blkif_back.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/shell.h"
#include "public/io/xenbus.h"
#include "xenstored.h"

#define MAX_VBDS 32
#define BE_ROOT "/local/domain/0/backend/vbd"
#define BUDGET 32		/* requests per ring per idle pass */
#define PATH_LEN 128

struct vbd {
	bool used;
	bool seen;			/* found by the current scan */
	bool started;			/* the disk was opened (or failed for good) */
	uint16_t fe_dom;
	uint32_t vdev;
	char be[PATH_LEN];		/* our node */
	char fe[PATH_LEN];		/* the frontend's, from our "frontend" */
	enum xenbus_state state;	/* as we last wrote it */
	bool have_disk;
	struct dom0_disk disk;
	struct blkif_back bb;
	int port;			/* bound event channel, -1 none */
	bool more;			/* requests left over from the last pass */
};

static struct vbd vbds[MAX_VBDS];
static uint64_t scanned_gen = ~0ull;

/* ---- xenstore, as the daemon itself ------------------------------------ */

static char *get(const char *dir, const char *key)
{
	char path[PATH_LEN + 32];
	const struct xs_rec *r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (xs_op_read(dom0_xs(), path, &r))
		return NULL;
	return strndup((const char *)xs_rec_value(r), r->len);
}

static bool get_u32(const char *dir, const char *key, uint32_t *out)
{
	char *s = get(dir, key), *end;
	unsigned long v = 0;
	bool ok = s && *s;

	if (ok) {
		v = strtoul(s, &end, 10);
		ok = !*end && v <= 0xffffffffu;
	}
	free(s);
	*out = (uint32_t)v;
	return ok;
}

static void put(const char *dir, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(const char *dir, const char *key, const char *fmt, ...)
{
	char path[PATH_LEN + 32], value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	dom0_xs_write(path, value);
}

static void set_state(struct vbd *v, enum xenbus_state s)
{
	v->state = s;
	put(v->be, "state", "%d", (int)s);
}

/* Linux's xenbus_dev_fatal: "<errno> <text>" in error/<our node>/error, then
 * the state; also libxl's hotplug-status/hotplug-error in our node, which the
 * frontend and xl can read (error/ is Dom0's alone). */
static void fatal(struct vbd *v, int err, const char *what)
{
	char dir[PATH_LEN + 16];

	snprintf(dir, sizeof(dir), "/local/domain/0/error%s", v->be + strlen("/local/domain/0"));
	put(dir, "error", "%d %s: %s", -err, what, shell_strerror(err));
	put(v->be, "hotplug-error", "%s: %s", what, shell_strerror(err));
	put(v->be, "hotplug-status", "error");
	dom_console_printk("vbd %u/%u: %s: %s\n", v->fe_dom, v->vdev, what, shell_strerror(err));
	set_state(v, XenbusStateClosed);
}

/* ---- grants and storage for blkif_back ---------------------------------- */

static int gmap(void *ctx, uint16_t domid, uint32_t ref, bool ro, void **addr, uint32_t *handle)
{
	(void)ctx;
	return dom_gnttab_map(domid, ref, ro, addr, handle);
}

static void gunmap(void *ctx, void *addr, uint32_t handle)
{
	(void)ctx;
	dom_gnttab_unmap(addr, handle);
}

static const struct blkif_back_grant_ops grant_ops = { .map = gmap, .unmap = gunmap };

/* An empty CD drive: 0 sectors, so data requests fail their range check first. */
static int no_io(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return -EIO;
}

static int no_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return no_io(ctx, off, (void *)(uintptr_t)buf, len);
}

static int no_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blkif_back_store_ops no_medium = {
	.read = no_io, .write = no_write, .flush = no_flush,
};

/* ---- the device's life --------------------------------------------------- */

static void disconnect(struct vbd *v)
{
	if (v->port >= 0)
		dom_evtchn_close((unsigned)v->port);
	v->port = -1;
	blkif_back_disconnect(&v->bb);
	v->more = false;
}

/* Open params and publish the disk; InitWait. A cdrom with no params is an empty drive. */
static void start(struct vbd *v)
{
	char *params = get(v->be, "params"), *mode = get(v->be, "mode");
	char *type = get(v->be, "device-type"), *removable = get(v->be, "removable");
	char *discard = get(v->be, "discard-enable");	/* libxl's; absent: on */
	bool cdrom = type && !strcmp(type, "cdrom");
	bool ro = cdrom || !mode || strcmp(mode, "w"), offer_discard;
	int rc = 0;

	if (!params || !*v->fe) {
		goto out;	/* the toolstack is still writing: next scan */
	}
	v->started = true;
	if (*params && (rc = dom0_disk_open(params, ro, &v->disk))) {
		fatal(v, rc, params);
		goto out;
	}
	v->have_disk = *params != 0;
	ro |= v->have_disk && v->disk.readonly;
	put(v->be, "sectors", "%llu", (unsigned long long)(v->have_disk ? v->disk.sectors : 0));
	put(v->be, "sector-size", "512");
	put(v->be, "info", "%u", (cdrom ? VDISK_CDROM : 0) | (ro ? VDISK_READONLY : 0) |
	    (removable && !strcmp(removable, "1") ? VDISK_REMOVABLE : 0));
	put(v->be, "feature-flush-cache", "1");
	put(v->be, "feature-barrier", "1");
	put(v->be, "max-ring-page-order", "0");
	offer_discard = v->have_disk && v->disk.ops->discard && !ro &&
			!(discard && !strcmp(discard, "0"));
	if (offer_discard)
		put(v->be, "feature-discard", "1");
	v->bb = (struct blkif_back){ .domid = v->fe_dom, .readonly = ro, .gops = &grant_ops,
				     .no_discard = !offer_discard,
				     .sectors = v->have_disk ? v->disk.sectors : 0,
				     .sops = v->have_disk ? v->disk.ops : &no_medium,
				     .sctx = v->have_disk ? v->disk.ctx : NULL };
	set_state(v, XenbusStateInitWait);
out:
	free(params);
	free(mode);
	free(type);
	free(removable);
	free(discard);
}

static void connect(struct vbd *v)
{
	char *proto = get(v->fe, "protocol");
	uint32_t ref, evtchn;
	int rc;

	if (proto && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		free(proto);
		fatal(v, -EINVAL, "frontend protocol (only x86_64-abi)");
		return;
	}
	free(proto);
	if (!get_u32(v->fe, "ring-ref", &ref) || !get_u32(v->fe, "event-channel", &evtchn)) {
		fatal(v, -EINVAL, "frontend ring-ref/event-channel");
		return;
	}
	if ((rc = blkif_back_connect(&v->bb, ref))) {
		fatal(v, rc, "mapping ring-ref");
		return;
	}
	rc = dom_evtchn_bind_interdomain(v->fe_dom, evtchn, NULL, NULL);
	if (rc < 0) {
		disconnect(v);
		fatal(v, rc, "binding event-channel");
		return;
	}
	v->port = rc;
	v->more = true;
	set_state(v, XenbusStateConnected);
}

/* Follows the frontend's state (and starts the device the first time). */
static void changed(struct vbd *v)
{
	uint32_t fes;

	uint32_t ours;

	if (!v->started)
		start(v);
	if (!v->started)
		return;
	/* A toolstack that wrote its state 1 after our InitWait: ours again. */
	if (get_u32(v->be, "state", &ours) && ours != (uint32_t)v->state)
		set_state(v, v->state);
	if (!get_u32(v->fe, "state", &fes))
		fes = XenbusStateClosed;	/* the frontend's nodes are gone */
	switch (fes) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (v->state == XenbusStateInitWait)
			connect(v);
		break;
	case XenbusStateClosing:
		if (v->state != XenbusStateClosing && v->state != XenbusStateClosed) {
			disconnect(v);
			set_state(v, XenbusStateClosing);
		}
		break;
	case XenbusStateClosed:
		if (v->state != XenbusStateClosed) {
			disconnect(v);
			set_state(v, XenbusStateClosed);
		}
		break;
	case XenbusStateInitialising:
		if (v->state == XenbusStateClosed && v->bb.sops)
			set_state(v, XenbusStateInitWait);	/* the frontend starts over */
		break;
	default:
		break;
	}
}

static void release(struct vbd *v)
{
	disconnect(v);
	if (v->have_disk)
		dom0_disk_close(&v->disk);
	memset(v, 0, sizeof(*v));
}

static struct vbd *find_or_add(uint16_t fe_dom, uint32_t vdev)
{
	struct vbd *free_slot = NULL;

	for (int i = 0; i < MAX_VBDS; i++) {
		if (vbds[i].used && vbds[i].fe_dom == fe_dom && vbds[i].vdev == vdev)
			return &vbds[i];
		if (!vbds[i].used && !free_slot)
			free_slot = &vbds[i];
	}
	if (!free_slot)
		return NULL;
	*free_slot = (struct vbd){ .used = true, .fe_dom = fe_dom, .vdev = vdev, .port = -1 };
	snprintf(free_slot->be, sizeof(free_slot->be), BE_ROOT "/%u/%u", fe_dom, vdev);
	return free_slot;
}

/* ---- scanning the backend tree -------------------------------------------- */

static bool number(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	*out = (uint32_t)v;
	return *s && !*end && v <= max;
}

static void scan_domain(const char *dom)
{
	char path[PATH_LEN], *vdevs, *fe;
	uint32_t len, fe_dom, vdev;

	if (!number(dom, 0x7fef, &fe_dom))
		return;
	snprintf(path, sizeof(path), BE_ROOT "/%s", dom);
	vdevs = xs_op_children(dom0_xs(), path, &len);
	for (uint32_t o = 0; vdevs && o < len; o += (uint32_t)strlen(vdevs + o) + 1) {
		struct vbd *v;

		if (!number(vdevs + o, 0xffffffffu, &vdev) ||
		    !(v = find_or_add((uint16_t)fe_dom, vdev)))
			continue;
		v->seen = true;
		if (!*v->fe && (fe = get(v->be, "frontend"))) {
			snprintf(v->fe, sizeof(v->fe), "%s", fe);
			free(fe);
		}
		changed(v);
	}
	free(vdevs);
}

static void scan(void)
{
	uint32_t len;
	char *doms;

	if (dom0_xs()->st->gen == scanned_gen)
		return;
	scanned_gen = dom0_xs()->st->gen;
	for (int i = 0; i < MAX_VBDS; i++)
		vbds[i].seen = false;
	doms = xs_op_children(dom0_xs(), BE_ROOT, &len);
	for (uint32_t o = 0; doms && o < len; o += (uint32_t)strlen(doms + o) + 1)
		scan_domain(doms + o);
	free(doms);
	for (int i = 0; i < MAX_VBDS; i++)
		if (vbds[i].used && !vbds[i].seen)
			release(&vbds[i]);	/* the toolstack removed it */
}

static void serve(struct vbd *v)
{
	unsigned int f;

	/* Notifications now arrive (the runtime's unmask fix), but every pass
	 * still looks at the ring: once, after an on_reboot restart, a request
	 * of the new device model waited for SeaBIOS's 32 s IDE timeout; that
	 * lost notification is not yet explained. An empty ring costs two reads. */
	dom_evtchn_take((unsigned)v->port);
	f = blkif_back_process(&v->bb, BUDGET);
	if (f & BLKIF_BACK_NOTIFY)
		dom_evtchn_notify((unsigned)v->port);
	v->more = (f & BLKIF_BACK_MORE) != 0;
	if (f & BLKIF_BACK_BROKEN) {
		disconnect(v);
		fatal(v, -EIO, "frontend broke the ring (impossible req_prod)");
	}
}

bool dom0_vbd_poll(void)
{
	bool more = false;

	scan();
	for (int i = 0; i < MAX_VBDS; i++) {
		struct vbd *v = &vbds[i];

		if (v->used && v->state == XenbusStateConnected && v->port >= 0) {
			serve(v);
			more |= v->more;
		}
	}
	return more;
}

void dom0_vbd_init(void)
{
	dom0_vol_register();
}
