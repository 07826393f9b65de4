/*
 * Creating an HVM guest and its device model (issue 7 §5; libxl's order for
 * a stub-domain device model):
 *   1. the guest, paused: BH_DOMCTL_create with BH_CREATE_hvm;
 *   2. SeaBIOS (Debian's bios.bin, 128 KiB, QEMU mode: REFERENCE §5) at
 *      4 GiB - size, and its last 128 KiB again at 0xe0000 (the ISA alias);
 *      the guest's xenstore nodes, and its own store ring (special page,
 *      port, HVM params) for its PV drivers;
 *   3. the device model NAME-dm, a runtime domain built paused from dm.elf
 *      (its own store and console rings, plus the guest's console ring when
 *      serial="pty"), BH_DOMCTL_set_dm, its xenstore nodes and the disks'
 *      vbd nodes with the device model as frontend; with a store ring, the
 *      same disks again with the guest as frontend (its xen-blkfront; the
 *      device model then honours the guest's unplug of its IDE disks);
 *   4. the device model unpaused; once it wrote device-model/G/state =
 *      "running" (its ioreq server is up; bounded wait), the guest unpaused.
 * Any failure destroys both and removes every node: nothing is left behind.
 */
#include "xl_build.h"
#include "xl_hvm.h"

#define GIB4 0x100000000ull
#define NS_PER_MS 1000000ull

struct hvm {
	struct xl *x;
	const struct xl_hvm_cfg *h;
	uint16_t guest, dm;
	bool have_guest, have_dm;
	bool pv;		/* the guest has its own store ring, so PV devices */
	uint16_t be[XL_HVM_MAX_DISKS];	/* each disk's backend domain */
	char *bios;
	size_t bios_len;
};

/* NAME-dm; the config check keeps NAME at most 60 characters. */
static void dm_name(char out[64], const char *name)
{
	size_t n = strnlen(name, 64 - sizeof(XL_HVM_DM_SUFFIX));

	memcpy(out, name, n);
	memcpy(out + n, XL_HVM_DM_SUFFIX, sizeof(XL_HVM_DM_SUFFIX));
}

static int fail(struct hvm *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct hvm *v, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xl_fail(v->x, XL_FAIL, "Failed to create HVM domain '%s': %s\n", v->h->name, msg);
}

static int fail_rc(struct hvm *v, const char *what, int rc)
{
	return fail(v, "%s: %s (rc=%d)", what, xl_strerror(rc), rc);
}

int xl_hvm_disk_backend(struct xl *x, const struct xl_disk *k, int blk, uint16_t *be)
{
	char path[160], val[32];
	int id;

	*be = 0;
	if (k->backend[0]) {
		if ((id = xl_domain_named(x, k->backend)) < 0)
			return -XL_ESRCH;
		*be = (uint16_t)id;
		return 0;
	}
	if (blk < 0 || strncmp(k->target, XL_HVM_ZVOL, strlen(XL_HVM_ZVOL)))
		return 0;
	snprintf(path, sizeof(path), "/local/domain/%d/data/volumes/%s", blk,
		 k->target + strlen(XL_HVM_ZVOL));
	if (!xl_hvm_xs_get(x, path, val, sizeof(val)) && val[0])
		*be = (uint16_t)blk;
	return 0;
}

static int backends(struct hvm *v)
{
	int blk = xl_domain_named(v->x, XL_HVM_BLKBACK);

	for (unsigned i = 0; i < v->h->ndisks; i++) {
		const struct xl_disk *k = &v->h->disks[i];

		if (xl_hvm_disk_backend(v->x, k, blk, &v->be[i]))
			return fail(v, "disk %s: backend domain '%s' is not running", k->vdev,
				    k->backend);
	}
	return 0;
}

/* Before anything exists: the firmware and the device model's image. */
static int prepare(struct hvm *v)
{
	const struct xl_backend *be = v->x->be;
	char name[64];
	int rc = be->file_read(be->ctx, XL_HVM_BIOS, &v->bios, &v->bios_len);

	if (rc)
		return fail(v, "cannot read the BIOS %s: %s", XL_HVM_BIOS, xl_strerror(rc));
	if (!v->bios_len || v->bios_len > XL_HVM_BIOS_MAX || v->bios_len % 4096)
		return fail(v, "%s: %zu bytes, not a BIOS image (4 KiB multiple, at most %u KiB)",
			    XL_HVM_BIOS, v->bios_len, XL_HVM_BIOS_MAX / 1024);
	if (!be->file_exists(be->ctx, XL_HVM_DM))
		return fail(v, "no device model: %s is missing", XL_HVM_DM);
	if (!be->set_dm)
		return fail(v, "this build cannot attach a device model (no set_dm)");
	dm_name(name, v->h->name);
	if ((rc = xl_domain_named(v->x, name)) >= 0)
		return fail(v, "a domain named '%s' already exists (domid %d)", name, rc);
	return backends(v);
}

static int create_guest(struct hvm *v)
{
	struct bh_create req;
	int rc;

	memset(&req, 0, sizeof(req));
	memcpy(req.name, v->h->name, sizeof(req.name) - 1);
	req.nr_vcpus = v->h->vcpus;
	req.mem_mib = v->h->mem_mib;
	req.max_mem_mib = v->h->max_mem_mib;
	req.flags = BH_CREATE_hvm;
	rc = v->x->be->create(v->x->be->ctx, &req, &v->guest);
	if (rc == -XL_ENOSYS || rc == -XL_EINVAL)
		return fail(v, "the hypervisor refused BH_CREATE_hvm: %s (rc=%d); "
			    "it cannot run HVM guests yet", xl_strerror(rc), rc);
	if (rc)
		return fail_rc(v, "cannot create the domain", rc);
	v->have_guest = true;
	XL_LOG(v->x, XL_DEBUG, v->guest, "created paused: HVM, %u vCPU(s), %u MiB", req.nr_vcpus,
	       req.mem_mib);
	return 0;
}

static int load(struct hvm *v, uint64_t gpa, const void *buf, uint64_t len, const char *what)
{
	int rc = v->x->be->load(v->x->be->ctx, v->guest, gpa, buf, len);

	if (rc)
		return fail_rc(v, what, rc);
	XL_LOG(v->x, XL_DEBUG, v->guest, "%s: [0x%llx, 0x%llx)", what, (unsigned long long)gpa,
	       (unsigned long long)(gpa + len));
	return 0;
}

/* The reset vector is the image's last 16 bytes, at 4 GiB - 16. */
static int load_bios(struct hvm *v)
{
	size_t alias = v->bios_len < XL_HVM_ISA_BIOS_SIZE ? v->bios_len : XL_HVM_ISA_BIOS_SIZE;

	XL_LOG(v->x, XL_DEBUG, v->guest, "Loading BIOS: %s", XL_HVM_BIOS);
	if (load(v, GIB4 - v->bios_len, v->bios, v->bios_len, "loading the BIOS"))
		return XL_FAIL;
	return load(v, XL_HVM_ISA_BIOS + XL_HVM_ISA_BIOS_SIZE - alias,
		    v->bios + v->bios_len - alias, alias, "loading the BIOS's ISA alias");
}

static int build_dm(struct hvm *v)
{
	char args[256];
	struct xl_build_cfg c;
	unsigned nics = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	dm_name(c.name, v->h->name);
	for (unsigned i = 0; i < v->h->nvifs; i++)
		nics += v->h->vifs[i].emulated && nics < XL_HVM_DM_MAX_NICS;
	c.mem_mib = c.max_mem_mib = XL_HVM_DM_MEM_MIB + nics * XL_HVM_DM_NIC_MIB;
	c.vcpus = XL_HVM_DM_VCPUS;
	c.kernel = (char *)XL_HVM_DM;
	xl_hvm_dm_args(v->h, v->guest, v->pv, args, sizeof(args));
	c.cmdline = args;
	c.guest_console = v->h->serial_pty;
	c.guest_domid = v->guest;
	c.guest_name = v->h->name;
	rc = xl_build_domain(v->x, &c, true, &v->dm);
	if (rc)
		return rc;	/* it said why and destroyed its half */
	v->have_dm = true;
	XL_LOG(v->x, XL_DEBUG, v->guest, "device model '%s' is domain %u: %s", c.name, v->dm,
	       args);
	return 0;
}

/* The guest's xenstore and PV console rings (a build without them gives it
 * no PV devices). */
static int store(struct hvm *v)
{
	const struct xl_backend *be = v->x->be;
	int rc;

	if (!be->hvm_store)
		return 0;
	rc = be->hvm_store(be->ctx, v->guest, v->h->name, BH_HVM_STORE_GPA >> 12,
			   BH_HVM_CONSOLE_GPA >> 12);
	if (rc)
		return fail_rc(v, "serving the guest's xenstore and PV console rings", rc);
	v->pv = true;
	return 0;
}

static int attach_dm(struct hvm *v)
{
	int rc = v->x->be->set_dm(v->x->be->ctx, v->guest, v->dm);

	if (rc == -XL_ENOSYS || rc == -XL_EINVAL)
		return fail(v, "the hypervisor refused BH_DOMCTL_set_dm: %s (rc=%d); "
			    "it cannot run HVM guests yet", xl_strerror(rc), rc);
	if (rc)
		return fail_rc(v, "attaching the device model", rc);
	if ((rc = xl_hvm_xs_dm(v->x, v->h, v->guest, v->dm, v->be)))
		return rc;
	if (v->pv && (rc = xl_hvm_xs_pv(v->x, v->h, v->guest, v->be)))
		return rc;
	return xl_hvm_xs_vifs(v->x, v->h, v->guest, v->dm, v->pv);
}

static uint64_t now_ms(struct hvm *v, uint64_t *ticks)
{
	const struct xl_backend *be = v->x->be;

	return be->now_ns ? be->now_ns(be->ctx) / NS_PER_MS : *ticks * XL_HVM_POLL_MS;
}

/* 1 while the device model lives, 0 when it is gone or shut down. */
static int dm_alive(struct hvm *v)
{
	struct bh_dominfo *all;
	uint32_t n;
	int alive = 0;

	if (xl_list_all(v->x, &all, &n))
		return 1;	/* cannot tell: the timeout decides */
	for (uint32_t i = 0; i < n; i++)
		if (all[i].domid == v->dm)
			alive = !(all[i].flags & (BH_DOMINF_shutdown | BH_DOMINF_dying));
	free(all);
	return alive;
}

/* Bounded: a device model that never comes up fails the create. */
static int wait_running(struct hvm *v)
{
	char path[96], state[32];
	uint64_t ticks = 0, start = now_ms(v, &ticks);

	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/state", v->guest);
	for (;;) {
		xl_hvm_xs_get(v->x, path, state, sizeof(state));
		if (!strcmp(state, "running"))
			break;
		if (!dm_alive(v))
			return fail(v, "the device model (domain %u) stopped before it was running",
				    v->dm);
		if (now_ms(v, &ticks) - start >= XL_HVM_DM_TIMEOUT_MS)
			return fail(v, "the device model (domain %u) did not start within %u s",
				    v->dm, XL_HVM_DM_TIMEOUT_MS / 1000);
		if (!v->x->be->wait)
			return fail(v, "this build cannot wait for the device model");
		v->x->be->wait(v->x->be->ctx, XL_HVM_POLL_MS);
		ticks++;
	}
	XL_LOG(v->x, XL_DEBUG, v->guest, "device model running");
	return 0;
}

static int unpause(struct hvm *v, uint16_t domid, const char *what)
{
	int rc = v->x->be->unpause(v->x->be->ctx, domid);

	return rc ? fail_rc(v, what, rc) : 0;
}

static int steps(struct hvm *v, bool paused)
{
	int rc = create_guest(v);

	if (!rc)
		rc = load_bios(v);
	if (!rc)
		rc = xl_hvm_xs_guest(v->x, v->h, v->guest);
	if (!rc)
		rc = store(v);
	if (!rc)
		rc = build_dm(v);
	if (!rc)
		rc = attach_dm(v);
	if (!rc)
		rc = unpause(v, v->dm, "cannot unpause the device model");
	if (!rc)
		rc = wait_running(v);
	if (!rc && !paused)
		rc = unpause(v, v->guest, "cannot unpause the guest");
	if (!rc)
		rc = xl_hvm_track(v->h, v->guest, v->dm);
	return rc;
}

int xl_hvm_create(struct xl *x, const struct xl_hvm_cfg *h, bool paused, uint16_t *domid)
{
	struct hvm v = { .x = x, .h = h };
	int rc = prepare(&v);

	if (!rc)
		rc = steps(&v, paused);
	if (rc && v.have_guest) {
		XL_LOG(x, XL_DEBUG, v.guest, "destroying the half-built guest and device model");
		xl_hvm_destroy_pair(x, v.guest, v.have_dm ? v.dm : -1);
	}
	free(v.bios);
	if (rc)
		return XL_FAIL;
	*domid = v.guest;
	return XL_OK;
}

static bool listed(struct xl *x, uint16_t domid)
{
	struct bh_dominfo *all;
	uint32_t n;
	bool found = false;

	if (xl_list_all(x, &all, &n))
		return true;
	for (uint32_t i = 0; i < n; i++)
		found |= all[i].domid == domid;
	free(all);
	return found;
}

static int destroy_one(struct xl *x, uint16_t domid)
{
	int rc = x->be->destroy(x->be->ctx, domid);

	if (rc && (rc == -XL_ESRCH || !listed(x, domid)))
		rc = 0;	/* gone already */
	if (rc)
		xl_fail(x, XL_FAIL, "Domain %u could not be destroyed: %s (rc=%d)\n", domid,
			xl_strerror(rc), rc);
	return rc;
}

int xl_hvm_destroy_pair(struct xl *x, uint16_t guest, int dm)
{
	int rc = destroy_one(x, guest);

	if (x->be->gcons_remove)
		x->be->gcons_remove(x->be->ctx, guest);
	if (dm >= 0)
		destroy_one(x, (uint16_t)dm);
	/* The nodes first: the frontends' directories, which the release
	 * removes, say where each backend node is. */
	xl_hvm_xs_remove(x, guest, dm);
	if (dm >= 0)
		xl_builder_hook_xenstore_release(x, (uint16_t)dm);
	xl_builder_hook_xenstore_release(x, guest);
	xl_hvm_forget(guest);
	return rc;
}
