/*
 * An HVM guest's xenstore nodes, as libxl writes them for a guest with a
 * stub-domain device model (facts from Xen's libxl: the domain's own nodes,
 * image/device-model-domid, the stub domain's target, vbd front and back
 * ends per xenstore-paths.pandoc, /local/domain/0/device-model/G which the
 * device model's "state" answers), with the device model M as the disks'
 * frontend: the guest itself has no PV disks, its device model serves IDE
 * over them. Dom0 is privileged: the permissions say what the others see.
 */
#include "xl_hvm.h"

#define XS_PATH 160
#define CONSOLE_LIMIT "1048576"	/* libxl's LIBXL_XENCONSOLE_LIMIT */

struct xsw {
	struct xl *x;
	int rc;		/* the first failure */
};

static void put(struct xsw *w, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(struct xsw *w, const char *path, const char *fmt, ...)
{
	const struct xl_backend *be = w->x->be;
	char value[XS_PATH];
	va_list ap;
	int rc;

	if (w->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	rc = be->xs_write(be->ctx, path, value);
	if (rc) {
		w->rc = rc;
		XL_LOG(w->x, XL_ERROR, XL_NO_DOMID, "xenstore write %s: %s", path, xl_strerror(rc));
	}
}

/* dir/rel = value */
static void putf(struct xsw *w, const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void putf(struct xsw *w, const char *dir, const char *rel, const char *fmt, ...)
{
	char path[XS_PATH], value[XS_PATH];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	put(w, path, "%s", value);
}

/* A directory with its permissions; nodes written below inherit them. */
static void dir(struct xsw *w, const char *path, uint16_t owner, uint16_t other,
		uint16_t other_perm)
{
	const struct xl_backend *be = w->x->be;
	struct xl_xs_perm p[2] = { { owner, XL_XS_NONE }, { other, other_perm } };
	int rc;

	put(w, path, "%s", "");
	if (w->rc)
		return;
	rc = be->xs_set_perms(be->ctx, path, p, 2);
	if (rc) {
		w->rc = rc;
		XL_LOG(w->x, XL_ERROR, XL_NO_DOMID, "xenstore set perms %s: %s", path,
		       xl_strerror(rc));
	}
}

static int need_store(struct xl *x)
{
	const struct xl_backend *be = x->be;

	if (!be->xs_write || !be->xs_rm || !be->xs_set_perms || !be->xs_read)
		return xl_fail(x, XL_FAIL, "HVM guests need xenstore: none in this build\n");
	return 0;
}

static void guest_console(struct xsw *w, const char g[32], const struct xl_hvm_cfg *h)
{
	char path[64];

	if (!h->serial_pty)
		return;
	/* Dom0's console daemon serves it; there is no tty device to name. */
	snprintf(path, sizeof(path), "%s/console", g);
	putf(w, path, "type", "ioemu");
	putf(w, path, "output", "pty");
	putf(w, path, "limit", CONSOLE_LIMIT);
	putf(w, path, "tty", "xl-console");
	putf(w, g, "serial/0/tty", "xl-console");
}

int xl_hvm_xs_guest(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest)
{
	static const char *const owned[] = { "device", "control", "data", "error", "drivers",
					     "attr", "messages" };
	struct xsw w = { x, need_store(x) };
	char g[32], path[XS_PATH];

	if (w.rc)
		return w.rc;
	snprintf(g, sizeof(g), "/local/domain/%u", guest);
	dir(&w, g, 0, guest, XL_XS_READ);
	putf(&w, g, "name", "%s", h->name);
	putf(&w, g, "domid", "%u", guest);
	putf(&w, g, "memory/target", "%u", h->mem_mib * 1024);
	putf(&w, g, "memory/static-max", "%u", h->max_mem_mib * 1024);
	putf(&w, g, "hvmloader/bios", "seabios");
	putf(&w, g, "platform/acpi", "1");
	putf(&w, g, "platform/acpi_s3", "0");
	putf(&w, g, "platform/acpi_s4", "0");
	for (uint32_t i = 0; i < h->maxvcpus; i++) {
		snprintf(path, sizeof(path), "cpu/%u/availability", i);
		putf(&w, g, path, "%s", i < h->vcpus ? "online" : "offline");
	}
	guest_console(&w, g, h);
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", g, owned[i]);
		dir(&w, path, guest, 0, XL_XS_READ);
	}
	return w.rc ? xl_fail(x, XL_FAIL, "Failed to write the xenstore nodes of domain %u: %s\n",
			      guest, xl_strerror(w.rc)) : 0;
}

/* Disk k with domain fe_dom as its frontend, be_dom as its backend. */
static void vbd(struct xsw *w, const struct xl_disk *k, uint16_t fe_dom, uint16_t be_dom)
{
	const char *type = k->cdrom ? "cdrom" : "disk";
	char fe[XS_PATH], be[XS_PATH];

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", fe_dom, k->devid);
	snprintf(be, sizeof(be), "/local/domain/%u/backend/vbd/%u/%u", be_dom, fe_dom, k->devid);
	/* Back end first: a frontend that sees its node finds the backend's. */
	dir(w, be, be_dom, fe_dom, XL_XS_READ);
	putf(w, be, "frontend", "%s", fe);
	putf(w, be, "frontend-id", "%u", fe_dom);
	putf(w, be, "params", "%s", k->target);
	putf(w, be, "type", "%s", k->phy ? "phy" : "file");
	putf(w, be, "mode", "%s", k->rw ? "w" : "r");
	putf(w, be, "discard-enable", "%d", k->discard ? 1 : 0);	/* as libxl */
	putf(w, be, "device-type", "%s", type);
	putf(w, be, "removable", "%d", k->cdrom ? 1 : 0);
	putf(w, be, "online", "1");
	putf(w, be, "dev", "%s", k->vdev);
	putf(w, be, "state", "1");
	dir(w, fe, fe_dom, be_dom, XL_XS_READ);	/* the backend follows its state */
	putf(w, fe, "backend", "%s", be);
	putf(w, fe, "backend-id", "%u", be_dom);
	putf(w, fe, "virtual-device", "%u", k->devid);
	putf(w, fe, "device-type", "%s", type);
	putf(w, fe, "state", "1");
}

int xl_hvm_xs_dm(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, uint16_t dm,
		 const uint16_t *be)
{
	struct xsw w = { x, need_store(x) };
	char path[XS_PATH];

	if (w.rc)
		return w.rc;
	snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-domid", guest);
	put(&w, path, "%u", dm);
	snprintf(path, sizeof(path), "/local/domain/%u/target", dm);
	put(&w, path, "%u", guest);
	/* The device model owns its directory: it writes state, watches command. */
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u", guest);
	dir(&w, path, dm, 0, XL_XS_READ);
	for (unsigned i = 0; i < h->ndisks; i++)
		vbd(&w, &h->disks[i], dm, be[i]);
	return w.rc ? xl_fail(x, XL_FAIL,
			      "Failed to write the device model's xenstore nodes (domain %u): %s\n",
			      dm, xl_strerror(w.rc)) : 0;
}

int xl_hvm_xs_vbd(struct xl *x, const struct xl_disk *k, uint16_t fe, uint16_t be)
{
	struct xsw w = { x, need_store(x) };

	if (!w.rc)
		vbd(&w, k, fe, be);
	return w.rc;
}

int xl_hvm_xs_pv(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, const uint16_t *be)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < h->ndisks; i++)
		rc = xl_hvm_xs_vbd(x, &h->disks[i], guest, be[i]);
	return rc ? xl_fail(x, XL_FAIL, "Failed to write the PV disks' nodes of domain %u: %s\n",
			    guest, xl_strerror(rc)) : 0;
}

/* Vif v with domain fe as its frontend: the guest's PV NIC, or (emu_of >= 0)
 * the device model's emulated twin for guest emu_of, which netback names
 * vifG.N-emu (libxl's name for the emulated NIC's tap) or VIFNAME-emu. */
static void vif(struct xsw *w, const struct xl_vif *v, uint16_t fe, uint16_t be_dom, int emu_of)
{
	char fe_path[XS_PATH], be[XS_PATH], mac[18];

	snprintf(fe_path, sizeof(fe_path), "/local/domain/%u/device/vif/%u", fe, v->devid);
	snprintf(be, sizeof(be), "/local/domain/%u/backend/vif/%u/%u", be_dom, fe, v->devid);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
		 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	dir(w, be, be_dom, fe, XL_XS_READ);
	putf(w, be, "frontend", "%s", fe_path);
	putf(w, be, "frontend-id", "%u", fe);
	putf(w, be, "online", "1");
	putf(w, be, "script", "vif-bridge");
	putf(w, be, "mac", "%s", mac);
	putf(w, be, "bridge", "%s", v->bridge);
	putf(w, be, "handle", "%u", v->devid);
	putf(w, be, "type", "%s", emu_of >= 0 ? "vif_ioemu" : "vif");
	if (v->rate_bytes)
		putf(w, be, "rate", "%llu,%u", (unsigned long long)v->rate_bytes, v->rate_us);
	if (emu_of >= 0 && v->vifname[0])
		putf(w, be, "vifname", "%.15s-emu", v->vifname);
	else if (emu_of >= 0)
		putf(w, be, "vifname", "vif%d.%u-emu", emu_of, v->devid);
	else if (v->vifname[0])
		putf(w, be, "vifname", "%s", v->vifname);
	putf(w, be, "state", "1");
	dir(w, fe_path, fe, be_dom, XL_XS_READ);
	putf(w, fe_path, "backend", "%s", be);
	putf(w, fe_path, "backend-id", "%u", be_dom);
	putf(w, fe_path, "handle", "%u", v->devid);
	putf(w, fe_path, "mac", "%s", mac);
	if (emu_of >= 0)	/* the device model's NIC model (absent: an e1000) */
		putf(w, fe_path, "model", "%s", v->model[0] ? v->model : "e1000");
	putf(w, fe_path, "state", "1");
}

int xl_hvm_xs_vif(struct xl *x, const struct xl_vif *v, uint16_t fe, uint16_t be, int emu_of)
{
	struct xsw w = { x, need_store(x) };

	if (!w.rc)
		vif(&w, v, fe, be, emu_of);
	return w.rc;
}

/* Vif v's backend domain: backend=, else the running XL_HVM_NETBACK (nb).
 * -1 without a network (warned), -2 when backend= is not running (said). */
static int vif_backend(struct xl *x, const char *name, const struct xl_vif *v, int nb)
{
	if (v->backend[0]) {
		int id = xl_domain_named(x, v->backend);

		if (id >= 0)
			return id;
		xl_fail(x, XL_FAIL, "vif %u: backend domain '%s' is not running\n", v->devid,
			v->backend);
		return -2;
	}
	if (nb < 0)
		xl_fail(x, 0, "xl: warning: vif %u: the network driver domain '%s' is not "
			"running (xl create /etc/xen/netback.cfg); '%s' has no network\n",
			v->devid, XL_HVM_NETBACK, name);
	return nb;
}

/* Every vif of a domain named name: the domain's own (pv) and, for an
 * emulated one, the device model dm's twin (dm >= 0). */
static int write_vifs(struct xl *x, const char *name, const struct xl_vif *vifs, unsigned n,
		      uint16_t guest, int dm, bool pv)
{
	struct xsw w = { x, 0 };
	int nb = n ? xl_domain_named(x, XL_HVM_NETBACK) : -1;

	for (unsigned i = 0; i < n && !w.rc; i++) {
		const struct xl_vif *v = &vifs[i];
		int id = vif_backend(x, name, v, nb);

		if (id == -2)
			return XL_FAIL;
		if (id < 0)
			continue;
		if (pv)
			vif(&w, v, guest, (uint16_t)id, -1);
		if (v->emulated && dm >= 0)
			vif(&w, v, (uint16_t)dm, (uint16_t)id, guest);
	}
	return w.rc ? xl_fail(x, XL_FAIL, "Failed to write the vifs' nodes of domain %u: %s\n",
			      guest, xl_strerror(w.rc)) : 0;
}

int xl_hvm_xs_vifs(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, int dm, bool pv)
{
	return write_vifs(x, h->name, h->vifs, h->nvifs, guest, dm, pv);
}

int xl_xs_vifs(struct xl *x, const char *name, const struct xl_vif *vifs, unsigned n,
	       uint16_t guest)
{
	return write_vifs(x, name, vifs, n, guest, -1, true);
}

static void rm(struct xl *x, const char *fmt, unsigned id)
{
	char path[XS_PATH];

	snprintf(path, sizeof(path), fmt, id);
	x->be->xs_rm(x->be->ctx, path);
}

/* Everything create wrote; best effort, nodes may be gone already. */
/* The backend nodes of frontend fe's disks, wherever they live: each
 * frontend names its backend, but the frontend owns that node, so only a
 * path of exactly this frontend's vbd (any backend domain) is removed. */
void xl_hvm_xs_rm_vbds(struct xl *x, uint16_t fe, const uint32_t *ids, unsigned n)
{
	char path[XS_PATH], be[XS_PATH], want[48];
	const char *tail;
	unsigned bdom;

	if (!x->be->xs_rm)
		return;
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/local/domain/%u/device/vbd/%u/backend", fe, ids[i]);
		xl_hvm_xs_get(x, path, be, sizeof(be));		/* "" when missing */
		*strrchr(path, '/') = '\0';	/* the frontend's device/vbd/ID */
		x->be->xs_rm(x->be->ctx, path);
		if (strncmp(be, "/local/domain/", 14))
			continue;
		bdom = (unsigned)strtoul(be + 14, (char **)&tail, 10);
		snprintf(want, sizeof(want), "/backend/vbd/%u/%u", fe, ids[i]);
		if (tail == be + 14 || strcmp(tail, want) || bdom > 0x7fef)
			continue;
		x->be->xs_rm(x->be->ctx, be);
		*strrchr(be, '/') = '\0';	/* .../backend/vbd/FE, empty now */
		x->be->xs_rm(x->be->ctx, be);
	}
}

/* The backend node the frontend's device/vif/ID names, where it is exactly
 * BE/backend/vif/FE/ID (the frontend owns the node). */
void xl_xs_rm_vifs(struct xl *x, uint16_t fe)
{
	char path[XS_PATH], be[XS_PATH], want[48];
	const char *tail;
	unsigned bdom;

	for (unsigned id = 0; id < XL_HVM_MAX_VIFS; id++) {
		snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u/backend", fe, id);
		if (xl_hvm_xs_get(x, path, be, sizeof(be)) || strncmp(be, "/local/domain/", 14))
			continue;
		bdom = (unsigned)strtoul(be + 14, (char **)&tail, 10);
		snprintf(want, sizeof(want), "/backend/vif/%u/%u", fe, id);
		if (tail == be + 14 || strcmp(tail, want) || bdom > 0x7fef)
			continue;
		x->be->xs_rm(x->be->ctx, be);
		*strrchr(be, '/') = '\0';	/* .../backend/vif/FE */
		x->be->xs_rm(x->be->ctx, be);
	}
}

static void rm_backends(struct xl *x, uint16_t fe)
{
	static const uint32_t ide[] = { 768, 832, 5632, 5696 };	/* hda-hdd */

	xl_hvm_xs_rm_vbds(x, fe, ide, sizeof(ide) / sizeof(ide[0]));
	xl_xs_rm_vifs(x, fe);
}

void xl_hvm_xs_remove(struct xl *x, uint16_t guest, int dm)
{
	if (!x->be->xs_rm)
		return;
	rm_backends(x, guest);
	rm(x, "/local/domain/%u", guest);
	rm(x, "/local/domain/0/device-model/%u", guest);
	rm(x, "/local/domain/0/backend/vbd/%u", guest);
	if (dm < 0)
		return;
	rm_backends(x, (uint16_t)dm);
	rm(x, "/local/domain/0/backend/vbd/%u", (unsigned)dm);
	rm(x, "/local/domain/%u", (unsigned)dm);
}

int xl_hvm_xs_get(struct xl *x, const char *path, char *buf, size_t size)
{
	const struct xl_backend *be = x->be;
	char *v = NULL;
	int rc;

	buf[0] = '\0';
	if (!be->xs_read)
		return -XL_ENOSYS;
	rc = be->xs_read(be->ctx, path, &v);
	if (!rc)
		snprintf(buf, size, "%s", v);
	free(v);
	return rc;
}
