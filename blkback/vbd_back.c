/*
 * The blkif backend's xenbus state machine (vbd_back.h), taken from
 * dom0/vbd.c and made independent of where the store and the disks are.
 */
#include <string.h>
#include "errno.h"
#include "public/io/xenbus.h"
#include "vbd_back.h"

#define VAL_LEN XB_BACK_VAL
#define cat xb_back_cat
#define cat_u64 xb_back_cat_u64
#define number xb_back_number

/* The set and the device behind xb_back's callbacks. */
#define SET(x) ((struct vbd_back_set *)((char *)(x) - offsetof(struct vbd_back_set, xb)))
#define VBD(d) ((struct vbd_back *)(d))

static int get(const struct vbd_back_set *s, const char *dir, const char *key, char *val)
{
	return xb_back_get(&s->xb, dir, key, val);
}

static bool get_u32(const struct vbd_back_set *s, const char *dir, const char *key, uint32_t *out)
{
	return xb_back_get_u32(&s->xb, dir, key, out);
}

static void put(const struct vbd_back_set *s, const char *dir, const char *key, const char *val)
{
	xb_back_put(&s->xb, dir, key, val);
}

static void put_u64(const struct vbd_back_set *s, const char *dir, const char *key, uint64_t v)
{
	xb_back_put_u64(&s->xb, dir, key, v);
}

static void set_state(const struct vbd_back_set *s, struct vbd_back *v, int st)
{
	xb_back_set_state(&s->xb, &v->xb, st);
}

static void fatal(const struct vbd_back_set *s, struct vbd_back *v, int err, const char *what)
{
	xb_back_fatal(&s->xb, &v->xb, err, what);
}

/* ---- the device's life ------------------------------------------------------ */

/* What a connected queue served, for the log: "vbd 768 queue 0: 4064
 * requests (errors 0), 2951 in 713 batches, 120 persistent-grant hits". */
static void log_served(const struct vbd_back_set *s, const struct vbd_back *v, unsigned int q)
{
	const struct blkif_back *b = &v->bb[q];
	uint64_t all = 0;
	char msg[160] = "vbd ";

	for (unsigned int k = 0; k < BLKIF_BACK_NR_VERDICTS; k++)
		all += b->counts[k];
	xb_back_cat_u64(msg, sizeof(msg), v->xb.id);
	xb_back_cat(msg, sizeof(msg), " queue ");
	xb_back_cat_u64(msg, sizeof(msg), q);
	xb_back_cat(msg, sizeof(msg), ": ");
	xb_back_cat_u64(msg, sizeof(msg), all);
	xb_back_cat(msg, sizeof(msg), " requests (errors ");
	xb_back_cat_u64(msg, sizeof(msg), all - b->counts[BLKIF_BACK_OK]);
	xb_back_cat(msg, sizeof(msg), "), ");
	xb_back_cat_u64(msg, sizeof(msg), b->batched);
	xb_back_cat(msg, sizeof(msg), " in ");
	xb_back_cat_u64(msg, sizeof(msg), b->batches);
	xb_back_cat(msg, sizeof(msg), " batches, ");
	xb_back_cat_u64(msg, sizeof(msg), b->pgrant_hits);
	xb_back_cat(msg, sizeof(msg), " persistent-grant hits");
	xb_back_log(&s->xb, msg);
}

static void disconnect(const struct vbd_back_set *s, struct vbd_back *v)
{
	for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++) {
		if (v->bb[q].connected)
			log_served(s, v, q);
		if (v->port[q] >= 0)
			s->env->unbind(s->env->xs.ctx, (unsigned)v->port[q]);
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

static const struct blkif_back_store_ops no_medium = {
	.read = no_read, .write = no_write, .flush = no_flush,
};

static void publish(const struct vbd_back_set *s, struct vbd_back *v, bool cdrom, bool ro,
		    bool removable, bool discard)
{
	put_u64(s, v->xb.be, "sectors", v->disk.sectors);
	put(s, v->xb.be, "sector-size", "512");
	put_u64(s, v->xb.be, "info", (cdrom ? VDISK_CDROM : 0u) | (ro ? VDISK_READONLY : 0u) |
				  (removable ? VDISK_REMOVABLE : 0u));
	put(s, v->xb.be, "feature-flush-cache", "1");
	put(s, v->xb.be, "feature-barrier", "1");
	put_u64(s, v->xb.be, "max-ring-page-order", blkif_back_max_ring_order(s->env->gops));
	put_u64(s, v->xb.be, "multi-queue-max-queues", VBD_BACK_QUEUES);
	put_u64(s, v->xb.be, "feature-max-indirect-segments", BLKIF_BACK_MAX_INDIRECT);
	put(s, v->xb.be, "feature-persistent", VBD_BACK_PERSISTENT ? "1" : "0");
	v->discard = v->disk.ops && v->disk.ops->discard && !ro && discard;
	if (v->discard) {
		/* Linux's blkfront reads these with feature-discard (xen-blkfront.c,
		 * blkfront_setup_discard); any 512-byte range may be discarded. */
		put(s, v->xb.be, "feature-discard", "1");
		put(s, v->xb.be, "discard-granularity", "512");
		put(s, v->xb.be, "discard-alignment", "0");
		put(s, v->xb.be, "discard-secure", "0");
	}
}

/* Opens params and publishes the disk; InitWait. */
static void start(struct xb_back_set *xs, struct xb_back_dev *d)
{
	const struct vbd_back_set *s = SET(xs);
	struct vbd_back *v = VBD(d);
	char params[VAL_LEN], mode[VAL_LEN], type[VAL_LEN], removable[VAL_LEN], discard[VAL_LEN];
	bool cdrom, ro;
	int rc;

	if (get(s, v->xb.be, "params", params))
		return;	/* the toolstack is still writing: next scan */
	get(s, v->xb.be, "mode", mode);
	get(s, v->xb.be, "device-type", type);
	get(s, v->xb.be, "removable", removable);
	get(s, v->xb.be, "discard-enable", discard);	/* libxl's; absent: on */
	cdrom = !strcmp(type, "cdrom");
	ro = cdrom || strcmp(mode, "w");
	v->xb.started = true;
	memset(&v->disk, 0, sizeof(v->disk));
	if ((rc = s->env->open(s->env->xs.ctx, params, ro, &v->disk))) {
		v->xb.refused = true;
		fatal(s, v, rc, params);
		return;
	}
	v->have_disk = true;
	if (!v->disk.ops)
		v->disk.sectors = 0;
	ro |= v->disk.readonly;
	v->readonly = ro;
	publish(s, v, cdrom, ro, !strcmp(removable, "1"), strcmp(discard, "0") != 0);
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

	b->domid = v->xb.fe_dom;
	b->sectors = v->disk.ops ? v->disk.sectors : 0;
	b->readonly = v->readonly;
	b->no_discard = !v->discard;
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
	if ((rc = s->env->bind(s->env->xs.ctx, v->xb.fe_dom, evtchn)) < 0) {
		*what = "binding event-channel";
		return rc;
	}
	v->port[q] = rc;
	return 0;
}

static void connect(const struct vbd_back_set *s, struct vbd_back *v)
{
	char proto[VAL_LEN], dir[XB_BACK_PATH + 16];
	uint32_t nq, order, persistent;
	const char *what = NULL;
	int rc = 0, ord;

	if (!get(s, v->xb.fe, "protocol", proto) && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		fatal(s, v, -EINVAL, "frontend protocol (only x86_64-abi)");
		return;
	}
	if (!get_opt(s, v->xb.fe, "multi-queue-num-queues", VBD_BACK_QUEUES, 1, &nq) || !nq) {
		fatal(s, v, -EINVAL, "frontend multi-queue-num-queues");
		return;
	}
	if (!get_opt(s, v->xb.fe, "ring-page-order", blkif_back_max_ring_order(s->env->gops),
		     0xffffffffu, &order)) {
		fatal(s, v, -EINVAL, "frontend ring-page-order");
		return;
	}
	ord = order == 0xffffffffu ? -1 : (int)order;
	get_opt(s, v->xb.fe, "feature-persistent", 0xffffffffu, 0, &persistent);
	for (unsigned int q = 0; q < nq && !rc; q++) {
		dir[0] = '\0';
		cat(dir, sizeof(dir), v->xb.fe);
		if (nq > 1) {
			cat(dir, sizeof(dir), "/queue-");
			cat_u64(dir, sizeof(dir), q);
		}
		/* Both ends must offer it: Linux's blkfront writes its own wish
		 * whatever we said, and ends each grant when we do not. */
		setup_queue(s, v, q, VBD_BACK_PERSISTENT && persistent == 1, nq);
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

static void xb_connect(struct xb_back_set *xs, struct xb_back_dev *d)
{
	connect(SET(xs), VBD(d));
}

static void xb_disconnect(struct xb_back_set *xs, struct xb_back_dev *d)
{
	disconnect(SET(xs), VBD(d));
}

/* The node is gone: the disk goes back to the env. */
static void release(struct xb_back_set *xs, struct xb_back_dev *d)
{
	const struct vbd_back_set *s = SET(xs);
	struct vbd_back *v = VBD(d);

	if (v->have_disk)
		s->env->close(s->env->xs.ctx, &v->disk);
	v->have_disk = false;
}

static void reset(struct xb_back_dev *d)
{
	for (unsigned int q = 0; q < VBD_BACK_QUEUES; q++)
		VBD(d)->port[q] = -1;
}

static const struct xb_back_type vbd_type = { start, xb_connect, xb_disconnect, release, reset };

/* ---- the set --------------------------------------------------------------- */

struct vbd_back *vbd_back_find(struct vbd_back_set *s, uint16_t fe_dom, uint32_t vdev)
{
	return VBD(xb_back_find(&s->xb, fe_dom, vdev));
}

void vbd_back_scan(struct vbd_back_set *s)
{
	xb_back_scan(&s->xb);
}

/* Serves queue q; false if the frontend broke its ring (the device is down). */
static bool serve_queue(const struct vbd_back_set *s, struct vbd_back *v, unsigned int q)
{
	unsigned f;

	if (s->env->take)
		s->env->take(s->env->xs.ctx, (unsigned)v->port[q]);
	f = blkif_back_process(&v->bb[q], VBD_BACK_BUDGET);
	if (f & BLKIF_BACK_NOTIFY)
		s->env->notify(s->env->xs.ctx, (unsigned)v->port[q]);
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

		if (!v->xb.used || v->xb.state != XenbusStateConnected)
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
	xb_back_release_all(&s->xb);
}

void vbd_back_set_init(struct vbd_back_set *s, const struct vbd_back_env *env, uint16_t self)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	xb_back_init(&s->xb, &env->xs, &vbd_type, self, "vbd", s->v, sizeof(s->v[0]), VBD_BACK_MAX);
}
