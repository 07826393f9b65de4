/*
 * The blkif backend's xenbus state machine (vbd_back.h), taken from
 * dom0/vbd.c and made independent of where the store and the disks are.
 */
#include <string.h>
#include "errno.h"
#include "public/io/xenbus.h"
#include "vbd_back.h"

#define VAL_LEN 128
#define DIR_LEN 2048
#define MAX_DOMID 0x7fef

/* ---- small strings, without libc ---------------------------------------- */

/* Appends s to buf (of cap bytes, NUL-terminated), truncating. */
static void cat(char *buf, size_t cap, const char *s)
{
	size_t n = strnlen(buf, cap), k = strlen(s);

	if (n + 1 >= cap)
		return;
	if (k > cap - n - 1)
		k = cap - n - 1;
	memcpy(buf + n, s, k);
	buf[n + k] = '\0';
}

static void cat_u64(char *buf, size_t cap, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	cat(buf, cap, d + i);
}

/* A whole decimal number <= max (no sign, no spaces, no leading junk). */
static bool number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		/* d > max first: max - d must not wrap (a small max, "5" for 4). */
		if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static const char *errtext(int err)
{
	switch (-err) {
	case ENOENT: return "No such file or directory";
	case EIO: return "Input/output error";
	case ENOMEM: return "Out of memory";
	case EACCES: return "Permission denied (the toolstack must let the backend read the frontend's nodes)";
	case EBUSY: return "Device or resource busy";
	case ENODEV: return "No such device";
	case EINVAL: return "Invalid argument";
	case ENOSPC: return "No space left on device";
	default: return "error";
	}
}

/* ---- the store ------------------------------------------------------------- */

static int get(const struct vbd_back_set *s, const char *dir, const char *key, char *val)
{
	char path[VBD_BACK_PATH + 32] = "";

	cat(path, sizeof(path), dir);
	cat(path, sizeof(path), "/");
	cat(path, sizeof(path), key);
	val[0] = '\0';
	return s->env->read(s->env->ctx, path, val, VAL_LEN);
}

static bool get_u32(const struct vbd_back_set *s, const char *dir, const char *key, uint32_t *out)
{
	char val[VAL_LEN];
	uint64_t v;

	if (get(s, dir, key, val) || !number(val, 0xffffffffu, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static void put(const struct vbd_back_set *s, const char *dir, const char *key, const char *val)
{
	char path[VBD_BACK_PATH + 64] = "";

	cat(path, sizeof(path), dir);
	cat(path, sizeof(path), "/");
	cat(path, sizeof(path), key);
	s->env->write(s->env->ctx, path, val);
}

static void put_u64(const struct vbd_back_set *s, const char *dir, const char *key, uint64_t v)
{
	char val[24] = "";

	cat_u64(val, sizeof(val), v);
	put(s, dir, key, val);
}

static void set_state(const struct vbd_back_set *s, struct vbd_back *v, int st)
{
	v->state = st;
	put_u64(s, v->be, "state", (uint64_t)st);
}

/* Linux's xenbus_dev_fatal: "<errno> <what>: <text>" in SELF/error/<our node
 * below SELF>/error, libxl's hotplug-status/-error in our node, then Closed. */
static void fatal(const struct vbd_back_set *s, struct vbd_back *v, int err, const char *what)
{
	char dir[VBD_BACK_PATH + 48] = "", msg[VAL_LEN + 64] = "";

	cat(dir, sizeof(dir), s->self);
	cat(dir, sizeof(dir), "/error");
	cat(dir, sizeof(dir), v->be + strlen(s->self));
	cat_u64(msg, sizeof(msg), (uint64_t)-err);
	cat(msg, sizeof(msg), " ");
	cat(msg, sizeof(msg), what);
	cat(msg, sizeof(msg), ": ");
	cat(msg, sizeof(msg), errtext(err));
	put(s, dir, "error", msg);
	put(s, v->be, "hotplug-error", strchr(msg, ' ') + 1);
	put(s, v->be, "hotplug-status", "error");
	if (s->env->log)
		s->env->log(s->env->ctx, msg);
	set_state(s, v, XenbusStateClosed);
}

/* ---- the device's life ------------------------------------------------------ */

static void disconnect(const struct vbd_back_set *s, struct vbd_back *v)
{
	for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++) {
		if (v->port[q] >= 0)
			s->env->unbind(s->env->ctx, (unsigned)v->port[q]);
		v->port[q] = -1;
		blkif_back_disconnect(&v->bb[q]);
	}
	v->nr_queues = 0;
	v->more = false;
}

/* An empty drive: 0 sectors, so data requests fail their range check first. */
static int no_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -EIO;
}

static int no_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -EIO;
}

static int no_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blkif_back_store_ops no_medium = { no_read, no_write, no_flush, NULL };

static void publish(const struct vbd_back_set *s, struct vbd_back *v, bool cdrom, bool ro,
		    bool removable)
{
	put_u64(s, v->be, "sectors", v->disk.sectors);
	put(s, v->be, "sector-size", "512");
	put_u64(s, v->be, "info", (cdrom ? VDISK_CDROM : 0u) | (ro ? VDISK_READONLY : 0u) |
				  (removable ? VDISK_REMOVABLE : 0u));
	put(s, v->be, "feature-flush-cache", "1");
	put(s, v->be, "feature-barrier", "1");
	put_u64(s, v->be, "max-ring-page-order", blkif_back_max_ring_order(s->env->gops));
	put_u64(s, v->be, "multi-queue-max-queues", VBD_BACK_QUEUES);
	put_u64(s, v->be, "feature-max-indirect-segments", BLKIF_BACK_MAX_INDIRECT);
	put(s, v->be, "feature-persistent", "1");
	if (v->disk.ops && v->disk.ops->discard) {
		/* Linux's blkfront reads these with feature-discard (xen-blkfront.c,
		 * blkfront_setup_discard); any 512-byte range may be discarded. */
		put(s, v->be, "feature-discard", "1");
		put(s, v->be, "discard-granularity", "512");
		put(s, v->be, "discard-alignment", "0");
		put(s, v->be, "discard-secure", "0");
	}
}

/* Opens params and publishes the disk; InitWait. */
static void start(const struct vbd_back_set *s, struct vbd_back *v)
{
	char params[VAL_LEN], mode[VAL_LEN], type[VAL_LEN], removable[VAL_LEN];
	bool cdrom, ro;
	int rc;

	if (get(s, v->be, "params", params) || !*v->fe)
		return;	/* the toolstack is still writing: next scan */
	get(s, v->be, "mode", mode);
	get(s, v->be, "device-type", type);
	get(s, v->be, "removable", removable);
	cdrom = !strcmp(type, "cdrom");
	ro = cdrom || strcmp(mode, "w");
	v->started = true;
	memset(&v->disk, 0, sizeof(v->disk));
	if ((rc = s->env->open(s->env->ctx, params, ro, &v->disk))) {
		fatal(s, v, rc, params);
		return;
	}
	v->have_disk = true;
	if (!v->disk.ops)
		v->disk.sectors = 0;
	ro |= v->disk.readonly;
	v->readonly = ro;
	publish(s, v, cdrom, ro, !strcmp(removable, "1"));
	set_state(s, v, XenbusStateInitWait);
}

/* An optional number key: absent is dflt; present must be a number <= max. */
static bool get_opt(const struct vbd_back_set *s, const char *dir, const char *key,
		    uint32_t max, uint32_t dflt, uint32_t *out)
{
	char val[VAL_LEN];
	uint64_t n;
	int rc = get(s, dir, key, val);

	*out = dflt;
	if (rc == -ENOENT)
		return true;
	if (rc || !number(val, max, &n))
		return false;
	*out = (uint32_t)n;
	return true;
}

/* Queue q's ring, configured for the disk; private state is blkif_back's. */
static void setup_queue(const struct vbd_back_set *s, struct vbd_back *v, unsigned int q,
			bool persistent, unsigned int nr_queues)
{
	struct blkif_back *b = &v->bb[q];

	b->domid = v->fe_dom;
	b->sectors = v->disk.ops ? v->disk.sectors : 0;
	b->readonly = v->readonly;
	b->gops = s->env->gops;
	b->gctx = s->env->gctx;
	b->sops = v->disk.ops ? v->disk.ops : &no_medium;
	b->sctx = v->disk.ops ? v->disk.ctx : NULL;
	b->max_indirect = BLKIF_BACK_MAX_INDIRECT;
	b->persistent = persistent;
	/* The device's share of the domain's grant mappings, split over its queues. */
	b->persistent_max = (uint16_t)(BLKIF_BACK_PGRANTS / nr_queues);
}

/* Queue q's ring pages (2^order of them; order < 0: the one "ring-ref") and
 * event channel from dir; mapped and bound, or the reason in *what. */
static int connect_queue(const struct vbd_back_set *s, struct vbd_back *v, unsigned int q,
			 const char *dir, int order, const char **what)
{
	uint32_t refs[BLKIF_BACK_MAX_RING_PAGES], evtchn;
	unsigned int n = order < 0 ? 1u : 1u << order;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		char key[16] = "ring-ref";

		if (order >= 0)
			cat_u64(key, sizeof(key), i);
		/* ring-page-order 0 with the plain "ring-ref": accepted too. */
		if (!get_u32(s, dir, key, &refs[i]) &&
		    (n != 1 || !get_u32(s, dir, "ring-ref", &refs[i]))) {
			*what = "frontend ring-ref/event-channel";
			return -EINVAL;
		}
	}
	if (!get_u32(s, dir, "event-channel", &evtchn)) {
		*what = "frontend ring-ref/event-channel";
		return -EINVAL;
	}
	if ((rc = blkif_back_connect_ring(&v->bb[q], refs, n))) {
		*what = "mapping ring-ref";
		return rc;
	}
	if ((rc = s->env->bind(s->env->ctx, v->fe_dom, evtchn)) < 0) {
		*what = "binding event-channel";
		return rc;
	}
	v->port[q] = rc;
	return 0;
}

static void connect(const struct vbd_back_set *s, struct vbd_back *v)
{
	char proto[VAL_LEN], dir[VBD_BACK_PATH + 16];
	uint32_t nq, order, persistent;
	const char *what = NULL;
	int rc = 0, ord;

	if (!get(s, v->fe, "protocol", proto) && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		fatal(s, v, -EINVAL, "frontend protocol (only x86_64-abi)");
		return;
	}
	if (!get_opt(s, v->fe, "multi-queue-num-queues", VBD_BACK_QUEUES, 1, &nq) || !nq) {
		fatal(s, v, -EINVAL, "frontend multi-queue-num-queues");
		return;
	}
	if (!get_opt(s, v->fe, "ring-page-order", blkif_back_max_ring_order(s->env->gops),
		     0xffffffffu, &order)) {
		fatal(s, v, -EINVAL, "frontend ring-page-order");
		return;
	}
	ord = order == 0xffffffffu ? -1 : (int)order;
	get_opt(s, v->fe, "feature-persistent", 0xffffffffu, 0, &persistent);
	for (unsigned int q = 0; q < nq && !rc; q++) {
		dir[0] = '\0';
		cat(dir, sizeof(dir), v->fe);
		if (nq > 1) {
			cat(dir, sizeof(dir), "/queue-");
			cat_u64(dir, sizeof(dir), q);
		}
		setup_queue(s, v, q, persistent == 1, nq);
		rc = connect_queue(s, v, q, dir, ord, &what);
	}
	if (rc) {
		disconnect(s, v);
		fatal(s, v, rc, what);
		return;
	}
	v->nr_queues = nq;
	v->more = true;
	set_state(s, v, XenbusStateConnected);
}

/* Follows the frontend's state (and starts the device the first time). */
static void changed(const struct vbd_back_set *s, struct vbd_back *v)
{
	uint32_t fes, ours;

	if (!v->started)
		start(s, v);
	if (!v->started)
		return;
	/* A toolstack that wrote its state 1 after our InitWait: ours again. */
	if (get_u32(s, v->be, "state", &ours) && ours != (uint32_t)v->state)
		set_state(s, v, v->state);
	if (!get_u32(s, v->fe, "state", &fes)) {
		char val[VAL_LEN];
		int rc = get(s, v->fe, "state", val);

		if (rc && rc != -ENOENT && v->state != XenbusStateClosed) {
			disconnect(s, v);
			fatal(s, v, rc, "reading the frontend's state");	/* e.g. no permission */
			return;
		}
		fes = XenbusStateClosed;	/* the frontend's nodes are gone */
	}
	switch (fes) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (v->state == XenbusStateInitWait)
			connect(s, v);
		break;
	case XenbusStateClosing:
		if (v->state != XenbusStateClosing && v->state != XenbusStateClosed) {
			disconnect(s, v);
			set_state(s, v, XenbusStateClosing);
		}
		break;
	case XenbusStateClosed:
		if (v->state != XenbusStateClosed) {
			disconnect(s, v);
			set_state(s, v, XenbusStateClosed);
		}
		break;
	case XenbusStateInitialising:
		if (v->state == XenbusStateClosed && v->have_disk)
			set_state(s, v, XenbusStateInitWait);	/* the frontend starts over */
		break;
	default:
		break;
	}
}

static void release(const struct vbd_back_set *s, struct vbd_back *v)
{
	char path[VBD_BACK_PATH + 8] = "";

	disconnect(s, v);
	if (v->have_disk)
		s->env->close(s->env->ctx, &v->disk);
	if (v->watching && s->env->watch) {
		cat(path, sizeof(path), v->fe);
		cat(path, sizeof(path), "/state");
		s->env->watch(s->env->ctx, path, false);
	}
	memset(v, 0, sizeof(*v));
	for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++)
		v->port[q] = -1;
}

/* ---- the set --------------------------------------------------------------- */

struct vbd_back *vbd_back_find(struct vbd_back_set *s, uint16_t fe_dom, uint32_t vdev)
{
	for (int i = 0; i < VBD_BACK_MAX; i++)
		if (s->v[i].used && s->v[i].fe_dom == fe_dom && s->v[i].vdev == vdev)
			return &s->v[i];
	return NULL;
}

static struct vbd_back *find_or_add(struct vbd_back_set *s, uint16_t fe_dom, uint32_t vdev)
{
	struct vbd_back *v = vbd_back_find(s, fe_dom, vdev);

	for (int i = 0; i < VBD_BACK_MAX && !v; i++) {
		if (s->v[i].used)
			continue;
		v = &s->v[i];
		/* Field by field: a compound literal of this size could land on the stack. */
		memset(v, 0, sizeof(*v));
		v->used = true;
		v->fe_dom = fe_dom;
		v->vdev = vdev;
		for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++)
			v->port[q] = -1;
		cat(v->be, sizeof(v->be), s->root);
		cat(v->be, sizeof(v->be), "/");
		cat_u64(v->be, sizeof(v->be), fe_dom);
		cat(v->be, sizeof(v->be), "/");
		cat_u64(v->be, sizeof(v->be), vdev);
	}
	return v;
}

/* Our "frontend" names a node of the frontend domain: /local/domain/F/... */
static void learn_frontend(const struct vbd_back_set *s, struct vbd_back *v)
{
	char fe[VAL_LEN], want[48] = "/local/domain/", path[VBD_BACK_PATH + 8] = "";

	if (*v->fe || get(s, v->be, "frontend", fe))
		return;
	cat_u64(want, sizeof(want), v->fe_dom);
	cat(want, sizeof(want), "/");
	if (strncmp(fe, want, strlen(want)) || strlen(fe) >= sizeof(v->fe) - 8)
		return;	/* not the frontend domain's: never followed */
	memcpy(v->fe, fe, strlen(fe) + 1);
	if (s->env->watch) {
		cat(path, sizeof(path), v->fe);
		cat(path, sizeof(path), "/state");
		s->env->watch(s->env->ctx, path, true);
		v->watching = true;
	}
}

static void scan_domain(struct vbd_back_set *s, const char *dom)
{
	char path[96] = "", names[DIR_LEN];
	uint64_t fe_dom, vdev;
	size_t used = 0;
	struct vbd_back *v;

	if (!number(dom, MAX_DOMID, &fe_dom))
		return;
	cat(path, sizeof(path), s->root);
	cat(path, sizeof(path), "/");
	cat(path, sizeof(path), dom);
	if (s->env->directory(s->env->ctx, path, names, sizeof(names), &used))
		return;
	for (size_t o = 0; o < used; o += strnlen(names + o, used - o) + 1) {
		if (!number(names + o, 0xffffffffu, &vdev) ||
		    !(v = find_or_add(s, (uint16_t)fe_dom, (uint32_t)vdev)))
			continue;
		v->seen = true;
		learn_frontend(s, v);
		changed(s, v);
	}
}

void vbd_back_scan(struct vbd_back_set *s)
{
	char doms[DIR_LEN];
	size_t used = 0;

	for (int i = 0; i < VBD_BACK_MAX; i++)
		s->v[i].seen = false;
	if (s->env->directory(s->env->ctx, s->root, doms, sizeof(doms), &used))
		used = 0;	/* no backend tree: every device is gone */
	if (used > sizeof(doms))
		used = sizeof(doms);
	for (size_t o = 0; o < used; o += strnlen(doms + o, used - o) + 1)
		if (strnlen(doms + o, used - o) < used - o)
			scan_domain(s, doms + o);
	for (int i = 0; i < VBD_BACK_MAX; i++)
		if (s->v[i].used && !s->v[i].seen)
			release(s, &s->v[i]);	/* the toolstack removed it */
}

/* Serves queue q; false if the frontend broke its ring (the device is down). */
static bool serve_queue(const struct vbd_back_set *s, struct vbd_back *v, unsigned int q)
{
	unsigned f;

	if (s->env->take)
		s->env->take(s->env->ctx, (unsigned)v->port[q]);
	f = blkif_back_process(&v->bb[q], VBD_BACK_BUDGET);
	if (f & BLKIF_BACK_NOTIFY)
		s->env->notify(s->env->ctx, (unsigned)v->port[q]);
	v->more |= (f & BLKIF_BACK_MORE) != 0;
	if (f & BLKIF_BACK_BROKEN) {
		disconnect(s, v);
		fatal(s, v, -EIO, "frontend broke the ring (impossible req_prod)");
		return false;
	}
	return true;
}

bool vbd_back_serve(struct vbd_back_set *s)
{
	bool more = false;

	for (int i = 0; i < VBD_BACK_MAX; i++) {
		struct vbd_back *v = &s->v[i];

		if (!v->used || v->state != XenbusStateConnected)
			continue;
		v->more = false;
		for (unsigned int q = 0; q < v->nr_queues && v->port[q] >= 0; q++)
			if (!serve_queue(s, v, q))
				break;
		more |= v->more;
	}
	return more;
}

void vbd_back_release_all(struct vbd_back_set *s)
{
	for (int i = 0; i < VBD_BACK_MAX; i++)
		if (s->v[i].used)
			release(s, &s->v[i]);
}

void vbd_back_set_init(struct vbd_back_set *s, const struct vbd_back_env *env, uint16_t self)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	cat(s->self, sizeof(s->self), "/local/domain/");
	cat_u64(s->self, sizeof(s->self), self);
	cat(s->root, sizeof(s->root), s->self);
	cat(s->root, sizeof(s->root), "/backend/vbd");
	for (int i = 0; i < VBD_BACK_MAX; i++)
		for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++)
			s->v[i].port[q] = -1;
}
