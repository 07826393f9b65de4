/* A backend's devices on xenbus (xb_back.h), taken out of vbd_back.c so
 * that every backend kind runs the same state machine. */
#include <string.h>
#include "errno.h"
#include "public/io/xenbus.h"
#include "xb_back.h"

#define DIR_LEN 2048
#define MAX_DOMID 0x7fef

/* ---- small strings, without libc ---------------------------------------- */

void xb_back_cat(char *buf, size_t cap, const char *s)
{
	size_t n = strnlen(buf, cap), k = strlen(s);

	if (n + 1 >= cap)
		return;
	if (k > cap - n - 1)
		k = cap - n - 1;
	memcpy(buf + n, s, k);
	buf[n + k] = '\0';
}

void xb_back_cat_u64(char *buf, size_t cap, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	xb_back_cat(buf, cap, d + i);
}

bool xb_back_number(const char *s, uint64_t max, uint64_t *out)
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
	case EPROTO: return "Protocol error";
	case EOPNOTSUPP: return "Operation not supported";
	default: return "error";
	}
}

/* ---- the store ------------------------------------------------------------- */

static void join(char *path, size_t cap, const char *dir, const char *key)
{
	path[0] = '\0';
	xb_back_cat(path, cap, dir);
	xb_back_cat(path, cap, "/");
	xb_back_cat(path, cap, key);
}

int xb_back_get(const struct xb_back_set *s, const char *dir, const char *key,
		char val[XB_BACK_VAL])
{
	char path[XB_BACK_PATH + 32];

	join(path, sizeof(path), dir, key);
	val[0] = '\0';
	return s->st->read(s->st->ctx, path, val, XB_BACK_VAL);
}

bool xb_back_get_u32(const struct xb_back_set *s, const char *dir, const char *key, uint32_t *out)
{
	char val[XB_BACK_VAL];
	uint64_t v;

	if (xb_back_get(s, dir, key, val) || !xb_back_number(val, 0xffffffffu, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

void xb_back_put(const struct xb_back_set *s, const char *dir, const char *key, const char *val)
{
	char path[XB_BACK_PATH + 64];

	join(path, sizeof(path), dir, key);
	s->st->write(s->st->ctx, path, val);
}

void xb_back_put_u64(const struct xb_back_set *s, const char *dir, const char *key, uint64_t v)
{
	char val[24] = "";

	xb_back_cat_u64(val, sizeof(val), v);
	xb_back_put(s, dir, key, val);
}

void xb_back_set_state(const struct xb_back_set *s, struct xb_back_dev *d, int state)
{
	d->state = state;
	xb_back_put_u64(s, d->be, "state", (uint64_t)state);
}

void xb_back_log(const struct xb_back_set *s, const char *msg)
{
	if (s->st->log)
		s->st->log(s->st->ctx, msg);
}

void xb_back_fatal(const struct xb_back_set *s, struct xb_back_dev *d, int err, const char *what)
{
	char dir[XB_BACK_PATH + 48] = "", msg[XB_BACK_VAL + 64] = "";

	xb_back_cat(dir, sizeof(dir), s->self);
	xb_back_cat(dir, sizeof(dir), "/error");
	xb_back_cat(dir, sizeof(dir), d->be + strlen(s->self));
	xb_back_cat_u64(msg, sizeof(msg), (uint64_t)-err);
	xb_back_cat(msg, sizeof(msg), " ");
	xb_back_cat(msg, sizeof(msg), what);
	xb_back_cat(msg, sizeof(msg), ": ");
	xb_back_cat(msg, sizeof(msg), errtext(err));
	xb_back_put(s, dir, "error", msg);
	xb_back_put(s, d->be, "hotplug-error", strchr(msg, ' ') + 1);
	xb_back_put(s, d->be, "hotplug-status", "error");
	dir[0] = '\0';	/* the log line: "backend/KIND/F/ID: <errno> <what>: <text>" */
	xb_back_cat(dir, sizeof(dir), d->be + strlen(s->self) + 1);
	xb_back_cat(dir, sizeof(dir), ": ");
	xb_back_cat(dir, sizeof(dir), msg);
	xb_back_log(s, dir);
	xb_back_set_state(s, d, XenbusStateClosed);
}

/* ---- a device's life ---------------------------------------------------------- */

/* Follows the frontend's state (and starts the device the first time). */
static void changed(struct xb_back_set *s, struct xb_back_dev *d)
{
	uint32_t fes, ours;
	char val[XB_BACK_VAL];
	int rc;

	if (!*d->fe)
		return;	/* no frontend to follow: not yet written, or not its domain's */
	if (!d->started)
		s->type->start(s, d);
	if (!d->started)
		return;
	/* A toolstack that wrote its state 1 after our InitWait: ours again. */
	if (xb_back_get_u32(s, d->be, "state", &ours) && ours != (uint32_t)d->state)
		xb_back_set_state(s, d, d->state);
	if (!xb_back_get_u32(s, d->fe, "state", &fes)) {
		rc = xb_back_get(s, d->fe, "state", val);
		if (rc && rc != -ENOENT && d->state != XenbusStateClosed) {
			s->type->disconnect(s, d);
			xb_back_fatal(s, d, rc, "reading the frontend's state");	/* e.g. no permission */
			return;
		}
		fes = XenbusStateClosed;	/* the frontend's nodes are gone */
	}
	switch (fes) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (d->state == XenbusStateInitWait)
			s->type->connect(s, d);
		break;
	case XenbusStateClosing:
		if (d->state != XenbusStateClosing && d->state != XenbusStateClosed) {
			s->type->disconnect(s, d);
			xb_back_set_state(s, d, XenbusStateClosing);
		}
		break;
	case XenbusStateClosed:
		if (d->state != XenbusStateClosed) {
			s->type->disconnect(s, d);
			xb_back_set_state(s, d, XenbusStateClosed);
		}
		break;
	case XenbusStateInitialising:
		if (d->state == XenbusStateClosed && !d->refused) {
			/* The frontend starts over: a break before left hotplug-status
			 * "error", which must not stay on the new connection. */
			xb_back_put(s, d->be, "hotplug-status", "connected");
			xb_back_set_state(s, d, XenbusStateInitWait);
		}
		break;
	default:
		break;
	}
}

static void free_slot(const struct xb_back_set *s, struct xb_back_dev *d)
{
	memset(d, 0, s->stride);
	if (s->type->reset)
		s->type->reset(d);
}

static void release(struct xb_back_set *s, struct xb_back_dev *d)
{
	char path[XB_BACK_PATH + 8] = "";

	s->type->disconnect(s, d);
	if (s->type->release)
		s->type->release(s, d);
	if (d->watching && s->st->watch) {
		xb_back_cat(path, sizeof(path), d->fe);
		xb_back_cat(path, sizeof(path), "/state");
		s->st->watch(s->st->ctx, path, false);
	}
	free_slot(s, d);
}

/* ---- the set ------------------------------------------------------------------ */

struct xb_back_dev *xb_back_dev(const struct xb_back_set *s, unsigned i)
{
	return (struct xb_back_dev *)((char *)s->devs + (size_t)i * s->stride);
}

struct xb_back_dev *xb_back_find(const struct xb_back_set *s, uint16_t fe_dom, uint32_t id)
{
	for (unsigned i = 0; i < s->max; i++) {
		struct xb_back_dev *d = xb_back_dev(s, i);

		if (d->used && d->fe_dom == fe_dom && d->id == id)
			return d;
	}
	return NULL;
}

static struct xb_back_dev *find_or_add(struct xb_back_set *s, uint16_t fe_dom, uint32_t id)
{
	struct xb_back_dev *d = xb_back_find(s, fe_dom, id);

	for (unsigned i = 0; i < s->max && !d; i++) {
		if (xb_back_dev(s, i)->used)
			continue;
		d = xb_back_dev(s, i);
		free_slot(s, d);
		d->used = true;
		d->fe_dom = fe_dom;
		d->id = id;
		xb_back_cat(d->be, sizeof(d->be), s->root);
		xb_back_cat(d->be, sizeof(d->be), "/");
		xb_back_cat_u64(d->be, sizeof(d->be), fe_dom);
		xb_back_cat(d->be, sizeof(d->be), "/");
		xb_back_cat_u64(d->be, sizeof(d->be), id);
	}
	return d;
}

/* Our "frontend" names a node of the frontend domain: /local/domain/F/... */
static void learn_frontend(const struct xb_back_set *s, struct xb_back_dev *d)
{
	char fe[XB_BACK_VAL], want[48] = "/local/domain/", path[XB_BACK_PATH + 8] = "";

	if (*d->fe || xb_back_get(s, d->be, "frontend", fe))
		return;
	xb_back_cat_u64(want, sizeof(want), d->fe_dom);
	xb_back_cat(want, sizeof(want), "/");
	if (strncmp(fe, want, strlen(want)) || strlen(fe) >= sizeof(d->fe) - 8)
		return;	/* not the frontend domain's: never followed */
	memcpy(d->fe, fe, strlen(fe) + 1);
	if (s->st->watch) {
		xb_back_cat(path, sizeof(path), d->fe);
		xb_back_cat(path, sizeof(path), "/state");
		s->st->watch(s->st->ctx, path, true);
		d->watching = true;
	}
}

static void scan_domain(struct xb_back_set *s, const char *dom)
{
	char path[96] = "", names[DIR_LEN];
	uint64_t fe_dom, id;
	size_t used = 0;
	struct xb_back_dev *d;

	if (!xb_back_number(dom, MAX_DOMID, &fe_dom))
		return;
	xb_back_cat(path, sizeof(path), s->root);
	xb_back_cat(path, sizeof(path), "/");
	xb_back_cat(path, sizeof(path), dom);
	if (s->st->directory(s->st->ctx, path, names, sizeof(names), &used))
		return;
	if (used > sizeof(names))
		used = sizeof(names);
	for (size_t o = 0; o < used; o += strnlen(names + o, used - o) + 1) {
		if (!xb_back_number(names + o, 0xffffffffu, &id) ||
		    !(d = find_or_add(s, (uint16_t)fe_dom, (uint32_t)id)))
			continue;
		d->seen = true;
		learn_frontend(s, d);
		changed(s, d);
	}
}

void xb_back_scan(struct xb_back_set *s)
{
	char doms[DIR_LEN];
	size_t used = 0;

	for (unsigned i = 0; i < s->max; i++)
		xb_back_dev(s, i)->seen = false;
	if (s->st->directory(s->st->ctx, s->root, doms, sizeof(doms), &used))
		used = 0;	/* no backend tree: every device is gone */
	if (used > sizeof(doms))
		used = sizeof(doms);
	for (size_t o = 0; o < used; o += strnlen(doms + o, used - o) + 1)
		if (strnlen(doms + o, used - o) < used - o)
			scan_domain(s, doms + o);
	for (unsigned i = 0; i < s->max; i++) {
		struct xb_back_dev *d = xb_back_dev(s, i);

		if (d->used && !d->seen)
			release(s, d);	/* the toolstack removed it */
	}
}

void xb_back_release_all(struct xb_back_set *s)
{
	for (unsigned i = 0; i < s->max; i++)
		if (xb_back_dev(s, i)->used)
			release(s, xb_back_dev(s, i));
}

void xb_back_init(struct xb_back_set *s, const struct xb_back_store *st,
		  const struct xb_back_type *type, uint16_t self, const char *kind, void *devs,
		  size_t stride, unsigned max)
{
	s->st = st;
	s->type = type;
	s->self[0] = s->root[0] = '\0';
	xb_back_cat(s->self, sizeof(s->self), "/local/domain/");
	xb_back_cat_u64(s->self, sizeof(s->self), self);
	xb_back_cat(s->root, sizeof(s->root), s->self);
	xb_back_cat(s->root, sizeof(s->root), "/backend/");
	xb_back_cat(s->root, sizeof(s->root), kind);
	s->devs = devs;
	s->stride = stride;
	s->max = max;
	for (unsigned i = 0; i < max; i++)
		free_slot(s, xb_back_dev(s, i));
}
