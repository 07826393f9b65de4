/*
 * The life of an HVM guest after xl create, what upstream's xl does in the
 * process it leaves behind per domain (xl_vmcontrol.c's handle_domain_death):
 * here one table in Dom0, visited by Dom0's reaper and by xl destroy.
 *   - the guest shut down: its on_poweroff / on_reboot / on_crash action;
 *     "restart" destroys guest and device model and creates both again from
 *     the kept config under the same name (disks live in Dom0: they persist);
 *   - the device model died (shut down, crashed, destroyed): the guest is
 *     destroyed with one clear line, on Dom0's console and in xl-NAME.log,
 *     so that no guest waits forever on a dead device model;
 *   - xl shutdown / reboot: PV control when the guest's drivers offer it,
 *     else (-F) the ACPI power button or reset through the device model;
 *   - the storage driver domain died and another "blkback" came up (issue
 *     8 §5): each disk that was on the dead one, for both frontends (the
 *     device model's and the guest's own), is re-homed onto the new one
 *     once it publishes the volume: libxl's vbd nodes written again with
 *     the new backend, the frontend's directory made afresh (permissions
 *     for the new backend; no stale ring-ref it could take as current);
 *   - the same for the network driver domain (issue 9 §4): each vif that
 *     was on a dead one moves to the running "netback", for the device
 *     model's emulated NIC and for the guest's own PV NIC.
 */
#include "xl_hvm.h"
#include "public/hvm.h"

#define MAX_GUESTS 32
/* A guest's own vif is written again this long after its old nodes were
 * removed: Linux's xenbus drops a device only if it finds the node gone
 * when it handles the watch, and xen-netfront never follows a new backend,
 * so it must see the removal (eth0 goes) before the new node (a new eth0). */
#define VIF_REWRITE_NS 2000000000ull

struct tracked {
	bool used;
	bool preserved;		/* on_*="preserve": left shut down, not acted on again */
	uint64_t vif_due[XL_HVM_MAX_VIFS];	/* the guest's vif i: write it then (0: none) */
	uint16_t guest, dm;
	struct xl_hvm_cfg cfg;
};

static struct tracked table[MAX_GUESTS];
static bool reaping;		/* a restart waits; the reaper may run inside that wait */

static struct tracked *by_guest(uint16_t guest)
{
	for (int i = 0; i < MAX_GUESTS; i++)
		if (table[i].used && table[i].guest == guest)
			return &table[i];
	return NULL;
}

int xl_hvm_track(const struct xl_hvm_cfg *h, uint16_t guest, uint16_t dm)
{
	struct tracked *t = by_guest(guest);

	for (int i = 0; i < MAX_GUESTS && !t; i++)
		if (!table[i].used)
			t = &table[i];
	if (!t)
		return -XL_ENOSPC;
	if (t->used)
		xl_hvm_cfg_free(&t->cfg);
	memset(t, 0, sizeof(*t));
	if (xl_hvm_cfg_copy(&t->cfg, h))
		return -XL_ENOMEM;
	t->used = true;
	t->guest = guest;
	t->dm = dm;
	return 0;
}

int xl_hvm_guest_of(uint16_t domid)
{
	for (int i = 0; i < MAX_GUESTS; i++)
		if (table[i].used && (table[i].guest == domid || table[i].dm == domid))
			return table[i].guest;
	return -1;
}

int xl_hvm_dm_of(uint16_t guest)
{
	struct tracked *t = by_guest(guest);

	return t ? t->dm : -1;
}

void xl_hvm_forget(uint16_t guest)
{
	struct tracked *t = by_guest(guest);

	if (!t)
		return;
	xl_hvm_cfg_free(&t->cfg);
	memset(t, 0, sizeof(*t));
}

void xl_hvm_forget_all(void)
{
	for (int i = 0; i < MAX_GUESTS; i++)
		if (table[i].used)
			xl_hvm_forget(table[i].guest);
}

/* One line on Dom0's console and at the end of xl-NAME.log. */
static void say(struct xl *x, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct xl *x, const char *name, const char *fmt, ...)
{
	char line[256], path[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	x->be->err(x->be->ctx, line, (size_t)n);
	snprintf(path, sizeof(path), "%s/xl-%s.log", XL_LOG_DIR, name);
	if (x->be->file_exists(x->be->ctx, path))
		x->be->file_write(x->be->ctx, path, line, (size_t)n, true);
}

static const struct bh_dominfo *find(const struct bh_dominfo *all, uint32_t n, uint16_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (all[i].domid == id)
			return &all[i];
	return NULL;
}

static const char *death(const struct bh_dominfo *d)
{
	if (!d || (d->flags & BH_DOMINF_dying))
		return "destroyed";
	return d->shutdown_reason == SHUTDOWN_crash ? "crash" : "shut down";
}

static enum xl_action action_for(const struct xl_hvm_cfg *h, uint32_t reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return h->on_poweroff;
	case SHUTDOWN_reboot:
		return h->on_reboot;
	default:	/* crash, watchdog, suspend and soft reset: no handling of their own */
		return h->on_crash;
	}
}

/* Restart: both go, both come back from the kept config, same name. */
static void restart(struct xl *x, struct tracked *t)
{
	struct xl_hvm_cfg cfg;
	uint16_t old = t->guest, domid;

	if (xl_hvm_cfg_copy(&cfg, &t->cfg)) {
		say(x, t->cfg.name, "xl: cannot restart domain '%s': out of memory", t->cfg.name);
		xl_hvm_destroy_pair(x, old, t->dm);
		return;
	}
	xl_hvm_destroy_pair(x, old, t->dm);	/* forgets t */
	say(x, cfg.name, "Done. Rebooting now");
	if (xl_hvm_create(x, &cfg, false, &domid))
		say(x, cfg.name, "xl: domain '%s' could not be restarted; it is gone", cfg.name);
	else
		say(x, cfg.name, "xl: domain '%s' restarted as domain %u", cfg.name, domid);
	xl_hvm_cfg_free(&cfg);
}

static void shut_down(struct xl *x, struct tracked *t, const struct bh_dominfo *g)
{
	enum xl_action a = action_for(&t->cfg, g->shutdown_reason);

	say(x, t->cfg.name, "Domain %u has shut down, reason code %u 0x%x", t->guest,
	    g->shutdown_reason, g->shutdown_reason);
	say(x, t->cfg.name, "Action for shutdown reason code %u is %s", g->shutdown_reason,
	    xlcfg_action_name(a));
	switch (a) {
	case XL_ACTION_PRESERVE:
		t->preserved = true;
		return;
	case XL_ACTION_RESTART:
	case XL_ACTION_RENAME_RESTART:
	case XL_ACTION_COREDUMP_RESTART:
	case XL_ACTION_SOFT_RESET:
		restart(x, t);
		return;
	default:
		say(x, t->cfg.name, "Domain %u needs to be cleaned up: destroying the domain",
		    t->guest);
		xl_hvm_destroy_pair(x, t->guest, t->dm);
	}
}

/* What one tracked guest needs now; true if something was done. */
static bool visit(struct xl *x, struct tracked *t, const struct bh_dominfo *all, uint32_t n)
{
	const struct bh_dominfo *g = find(all, n, t->guest), *m = find(all, n, t->dm);

	if (!g) {	/* destroyed behind our back: its device model goes too */
		xl_hvm_destroy_pair(x, t->guest, t->dm);
		return true;
	}
	/* A dead device model first: the core then crashes its guest too, and
	 * that is the device model's doing, not the guest's. The device model
	 * stays alive while its guest shuts down by itself. */
	if (!m || (m->flags & (BH_DOMINF_shutdown | BH_DOMINF_dying))) {
		say(x, t->cfg.name, "xl: device model for domain '%s' (d%u) died (%s); domain destroyed",
		    t->cfg.name, t->guest, death(m));
		xl_hvm_destroy_pair(x, t->guest, t->dm);
		return true;
	}
	if ((g->flags & BH_DOMINF_shutdown) && !t->preserved) {
		shut_down(x, t, g);
		return true;
	}
	return false;
}

/* The backend domain of frontend fe's device KIND/ID when it is gone (not
 * listed, or dying) and not `to' already: its id, else -1. path gets the
 * frontend's directory. */
static long dead_backend(struct xl *x, const char *kind, unsigned devid, uint16_t fe, int to,
			 const struct bh_dominfo *all, uint32_t n, char *path, size_t size)
{
	const struct bh_dominfo *old;
	unsigned long id;
	char val[16], *end;

	snprintf(path, size, "/local/domain/%u/device/%s/%u/backend-id", fe, kind, devid);
	if (xl_hvm_xs_get(x, path, val, sizeof(val)) || !val[0])
		return -1;		/* no such frontend (no PV drivers, or gone) */
	id = strtoul(val, &end, 10);
	if (*end || id == (unsigned long)to || id == 0 || id > 0x7fef)
		return -1;		/* moved already, or Dom0's: never dies */
	old = find(all, n, (uint16_t)id);
	if (old && !(old->flags & BH_DOMINF_dying))
		return -1;		/* its backend lives */
	/* The frontend's directory anew: its nodes keep the permissions they
	 * were made with (readable by the dead domain), so the new backend
	 * could read none of them; the frontend writes its ring again. */
	*strrchr(path, '/') = '\0';
	return x->be->xs_rm(x->be->ctx, path) ? -1 : (long)id;
}

/* The frontend fe's disk k: re-homed onto blk when its backend domain is
 * gone; true if it was. */
static bool rehome_one(struct xl *x, struct tracked *t, const struct xl_disk *k, uint16_t fe,
		       int blk, const struct bh_dominfo *all, uint32_t n)
{
	char path[128];
	long id = dead_backend(x, "vbd", k->devid, fe, blk, all, n, path, sizeof(path));

	if (id < 0)
		return false;
	if (xl_hvm_xs_vbd(x, k, fe, (uint16_t)blk)) {
		say(x, t->cfg.name, "xl: cannot re-home disk %s of '%s' (domain %u) onto blkback",
		    k->vdev, t->cfg.name, fe);
		return false;
	}
	say(x, t->cfg.name, "xl: disk %s of '%s' (frontend domain %u) re-homed from domain %ld "
	    "to blkback (domain %d)", k->vdev, t->cfg.name, fe, id, blk);
	return true;
}

/* The same for vif v of frontend fe (emu_of: the guest, when fe is its
 * device model's emulated NIC, else -1) onto netback nb. The guest's own
 * vif (*due not NULL) is written again only VIF_REWRITE_NS after its
 * removal, in a later pass. */
static bool rehome_vif(struct xl *x, struct tracked *t, const struct xl_vif *v, uint16_t fe,
		       int emu_of, int nb, const struct bh_dominfo *all, uint32_t n,
		       uint64_t *due)
{
	const struct xl_backend *be = x->be;
	uint64_t now = be->now_ns ? be->now_ns(be->ctx) : 0;
	char path[128];
	long id = -1;

	if (!due || !*due) {
		id = dead_backend(x, "vif", v->devid, fe, nb, all, n, path, sizeof(path));
		if (id < 0)
			return false;
		if (due && be->now_ns) {
			*due = now + VIF_REWRITE_NS;
			return true;
		}
	} else if (now < *due) {
		return false;
	} else {
		*due = 0;
	}
	if (xl_hvm_xs_vif(x, v, fe, (uint16_t)nb, emu_of)) {
		say(x, t->cfg.name, "xl: cannot re-home vif %u of '%s' (domain %u) onto netback",
		    v->devid, t->cfg.name, fe);
		return false;
	}
	if (id >= 0)
		say(x, t->cfg.name, "xl: vif %u of '%s' (frontend domain %u%s) re-homed from domain "
		    "%ld to netback (domain %d)", v->devid, t->cfg.name, fe,
		    emu_of >= 0 ? ", emulated NIC" : "", id, nb);
	else
		say(x, t->cfg.name, "xl: vif %u of '%s' (frontend domain %u) re-homed to netback "
		    "(domain %d)", v->devid, t->cfg.name, fe, nb);
	return true;
}

/* Disks on a dead storage domain move to the running blkback, if it
 * publishes their volume (it may still be scanning its disk: next pass);
 * vifs on a dead network domain move to the running netback. */
static int rehome(struct xl *x, struct tracked *t, const struct bh_dominfo *all, uint32_t n)
{
	int blk = xl_domain_named(x, XL_HVM_BLKBACK), nb = xl_domain_named(x, XL_HVM_NETBACK);
	int done = 0;
	uint16_t be;

	if (!x->be->xs_write || !x->be->xs_rm)
		return 0;
	for (unsigned i = 0; nb > 0 && i < t->cfg.nvifs; i++) {
		const struct xl_vif *v = &t->cfg.vifs[i];

		if (v->backend[0] && strcmp(v->backend, XL_HVM_NETBACK))
			continue;	/* backend= another domain: not ours to move */
		if (v->emulated)
			done += rehome_vif(x, t, v, t->dm, t->guest, nb, all, n, NULL);
		done += rehome_vif(x, t, v, t->guest, -1, nb, all, n, &t->vif_due[i]);
	}
	for (unsigned i = 0; blk > 0 && i < t->cfg.ndisks; i++) {
		const struct xl_disk *k = &t->cfg.disks[i];

		if (k->backend[0] && strcmp(k->backend, XL_HVM_BLKBACK))
			continue;	/* backend= another domain: not ours to move */
		if (xl_hvm_disk_backend(x, k, blk, &be) || be != blk)
			continue;
		done += rehome_one(x, t, k, t->dm, blk, all, n);
		done += rehome_one(x, t, k, t->guest, blk, all, n);
	}
	return done;
}

int xl_hvm_reap(struct xl *x)
{
	struct bh_dominfo *all;
	uint32_t n;
	int done = 0;

	if (reaping)
		return 0;
	reaping = true;
	for (int i = 0; i < MAX_GUESTS; i++) {
		if (!table[i].used)
			continue;
		if (xl_list_all(x, &all, &n))
			break;
		if (!visit(x, &table[i], all, n))
			done += rehome(x, &table[i], all, n);
		else
			done++;
		free(all);
	}
	reaping = false;
	return done;
}

/* Upstream's messages (xl_vmcontrol.c), with libxl's ERROR_NOPARAVIRT. */
#define ERROR_NOPARAVIRT (-8)

static int no_pv(struct xl *x, bool reboot)
{
	xl_fail(x, 0, "PV control interface not available: external graceful %s not possible.\n",
		reboot ? "reboot" : "shutdown");
	xl_fail(x, 0, "Use \"-F\" to fallback to ACPI %s event.\n", reboot ? "reset" : "power");
	return xl_fail(x, XL_FAIL, "%s failed (rc=%d)\n", reboot ? "reboot" : "shutdown",
		       ERROR_NOPARAVIRT);
}

/* Asks guest's device model to do cmd (device-model/G/command). */
static int dm_command(struct xl *x, uint16_t guest, const char *cmd)
{
	const struct xl_backend *be = x->be;
	char path[96];

	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/command", guest);
	return be->xs_write ? be->xs_write(be->ctx, path, cmd) : -XL_ENOSYS;
}

/* Whether guest's PV drivers listen on control/shutdown. libxl's test
 * (libxl__domain_pvcontrol_available): they set their event-channel
 * callback, HVM_PARAM_CALLBACK_IRQ, first; FreeBSD writes no control/
 * feature-* key. Where the param cannot be read, Linux's feature key. */
static bool pv_control(struct xl *x, uint16_t guest, bool reboot)
{
	const struct xl_backend *be = x->be;
	char path[96], feature[16];
	uint64_t callback = 0;

	if (be->hvm_param)
		return !be->hvm_param(be->ctx, guest, HVM_PARAM_CALLBACK_IRQ, &callback) &&
		       callback;
	snprintf(path, sizeof(path), "/local/domain/%u/control/feature-%s", guest,
		 reboot ? "reboot" : "poweroff");
	xl_hvm_xs_get(x, path, feature, sizeof(feature));
	return !strcmp(feature, "1");
}

int xl_hvm_shutdown(struct xl *x, uint16_t guest, uint32_t reason, bool fallback)
{
	const struct xl_backend *be = x->be;
	bool reboot = reason == SHUTDOWN_reboot;
	char path[96];
	int rc;

	if (pv_control(x, guest, reboot)) {
		snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", guest);
		rc = be->xs_write(be->ctx, path, reboot ? "reboot" : "poweroff");
		return rc ? xl_fail_rc(x, reboot ? "reboot" : "shutdown", rc) : XL_OK;
	}
	if (!fallback)
		return no_pv(x, reboot);
	xl_fail(x, 0, "PV control interface not available: sending ACPI %s event.\n",
		reboot ? "reset button" : "power button");
	rc = dm_command(x, guest, reboot ? "reset" : "power-button");
	return rc ? xl_fail_rc(x, reboot ? "reboot" : "shutdown", rc) : XL_OK;
}

/* xl trigger (xl.1: nmi, reset, init, power, sleep, s3resume): the ACPI
 * events the device model raises whatever the guest's PV drivers say. */
int xl_hvm_trigger(struct xl *x, uint16_t guest, const char *trigger)
{
	static const char *const known[] = { "nmi", "init", "sleep", "s3resume" };
	const char *cmd = !strcmp(trigger, "power") ? "power-button"
			  : !strcmp(trigger, "reset") ? "reset" : NULL;
	int rc;

	if (!cmd) {
		for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(trigger, known[i]))
				return xl_fail(x, XL_FAIL, "trigger '%s' is not supported yet "
					       "(power and reset are)\n", trigger);
		return xl_fail(x, XL_FAIL, "Invalid trigger \"%s\"\n", trigger);
	}
	rc = dm_command(x, guest, cmd);
	return rc ? xl_fail_rc(x, "trigger", rc) : XL_OK;
}
