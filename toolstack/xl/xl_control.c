/*
 * Commands that act on one running domain: destroy, shutdown, reboot, pause,
 * unpause, rename, mem-max. Each resolves the domain first (no side effect),
 * then makes one domctl call.
 */
#include "xl.h"
#include "xl_build.h"
#include "xl_hvm.h"
#include "xl_vbd.h"

#define WAIT_POLL_MS 100

int xl_cmd_destroy(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo d;
	int rc = xl_find_domain(x, a->pos[0], &d);

	if (rc)
		return rc;
	if (d.domid == 0 && !a->on['f'] && !x->force)
		return xl_fail(x, XL_FAIL, "Not destroying domain 0; use -f to force.\n");
	/* An HVM guest goes with its device model, in any state. */
	if (xl_hvm_dm_of(d.domid) >= 0)
		return xl_hvm_destroy_pair(x, d.domid, xl_hvm_dm_of(d.domid)) ? XL_FAIL : XL_OK;
	rc = x->be->destroy(x->be->ctx, d.domid);
	if (rc)
		return xl_fail_rc(x, "destroy", rc);
	/* Its disks, before the release removes the directory that names them. */
	xl_vbd_remove(x, d.domid);
	xl_vif_remove(x, d.domid);
	xl_builder_hook_xenstore_release(x, d.domid);
	/* A device model destroyed by hand takes its guest down, with the message. */
	if (xl_hvm_guest_of(d.domid) >= 0)
		xl_hvm_reap(x);
	return XL_OK;
}

/* Upstream's -w: until the domain has shut down or is gone. */
static int wait_down(struct xl *x, uint16_t domid)
{
	struct bh_dominfo *all;
	uint32_t n, i;
	int rc;

	if (!x->be->wait)
		return xl_fail(x, XL_FAIL, "shutdown -w: this build cannot wait for events\n");
	xl_fail(x, 0, "Waiting for 1 domains\n");
	for (;;) {
		rc = xl_list_all(x, &all, &n);
		if (rc)
			return rc;
		for (i = 0; i < n && all[i].domid != domid; i++)
			;
		if (i == n) {
			free(all);
			xl_fail(x, 0, "Domain %u has been destroyed\n", domid);
			return XL_OK;
		}
		if (all[i].flags & BH_DOMINF_shutdown) {
			xl_fail(x, 0, "Domain %u has been shut down, reason code %u\n", domid,
				all[i].shutdown_reason);
			free(all);
			return XL_OK;
		}
		free(all);
		x->be->wait(x->be->ctx, WAIT_POLL_MS);
	}
}

static int shutdown_with(struct xl *x, const struct xl_args *a, uint32_t reason,
			 const char *op)
{
	struct bh_dominfo d;
	int rc = xl_find_domain(x, a->pos[0], &d);

	if (rc)
		return rc;
	if (xl_hvm_dm_of(d.domid) >= 0)
		rc = xl_hvm_shutdown(x, d.domid, reason, a->on['F']);
	else if ((rc = x->be->shutdown(x->be->ctx, d.domid, reason)))
		rc = xl_fail_rc(x, op, rc);
	if (rc)
		return rc;
	return a->on['w'] ? wait_down(x, d.domid) : XL_OK;
}

int xl_cmd_shutdown(struct xl *x, const struct xl_args *a)
{
	return shutdown_with(x, a, SHUTDOWN_poweroff, "shutdown");
}

int xl_cmd_reboot(struct xl *x, const struct xl_args *a)
{
	return shutdown_with(x, a, SHUTDOWN_reboot, "reboot");
}

int xl_cmd_trigger(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo d;
	int rc = xl_find_domain(x, a->pos[0], &d);

	if (rc)
		return rc;
	if (a->n > 2 && strcmp(a->pos[2], "0"))
		return xl_fail(x, XL_FAIL, "trigger: only vCPU 0 takes ACPI events\n");
	if (xl_hvm_dm_of(d.domid) < 0)
		return xl_fail(x, XL_FAIL, "trigger: domain %u is not an HVM guest\n", d.domid);
	return xl_hvm_trigger(x, d.domid, a->pos[1]);
}

static int pause_with(struct xl *x, const struct xl_args *a, bool pause)
{
	struct bh_dominfo d;
	int rc = xl_find_domain(x, a->pos[0], &d);

	if (rc)
		return rc;
	rc = pause ? x->be->pause(x->be->ctx, d.domid) : x->be->unpause(x->be->ctx, d.domid);
	return rc ? xl_fail_rc(x, pause ? "pause" : "unpause", rc) : XL_OK;
}

int xl_cmd_pause(struct xl *x, const struct xl_args *a)
{
	return pause_with(x, a, true);
}

int xl_cmd_unpause(struct xl *x, const struct xl_args *a)
{
	return pause_with(x, a, false);
}

/* A domain name: 1..63 printable characters, no '/' (it becomes a log file
 * name and a xenstore value), not all digits (it would read as an id). */
bool xl_name_valid(const char *name)
{
	size_t len = strlen(name);
	bool digits = true;

	if (!len || len >= sizeof(((struct bh_create *)0)->name))
		return false;
	for (const char *p = name; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == '/' || (unsigned char)*p >= 0x7f)
			return false;
		digits = digits && isdigit((unsigned char)*p);
	}
	return !digits;
}

int xl_cmd_rename(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo d;
	const char *to = a->pos[1];
	int rc = xl_find_domain(x, a->pos[0], &d);

	if (rc)
		return rc;
	if (!xl_name_valid(to))
		return xl_fail(x, XL_FAIL, "Can't rename domain '%s': invalid name '%s'.\n",
			       a->pos[0], to);
	if (xl_domain_named(x, to) >= 0)
		return xl_fail(x, XL_FAIL,
			       "Can't rename domain '%s': a domain named '%s' already exists.\n",
			       a->pos[0], to);
	rc = x->be->rename(x->be->ctx, d.domid, to);
	if (rc)
		return xl_fail(x, XL_FAIL, "Can't rename domain '%s': %s (rc=%d).\n", a->pos[0],
			       xl_strerror(rc), rc);
	return XL_OK;
}

int xl_cmd_mem_max(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo d;
	long long kb = xl_parse_mem_kb(a->pos[1]);
	int rc;

	if (kb < 0)
		return xl_fail(x, XL_FAIL, "invalid memory size: %s\n", a->pos[1]);
	rc = xl_find_domain(x, a->pos[0], &d);
	if (rc)
		return rc;
	/* The domctl counts MiB: round up, never below what was asked. */
	rc = x->be->set_max_mem(x->be->ctx, d.domid, ((unsigned long long)kb + 1023) / 1024);
	if (rc)
		return xl_fail(x, XL_FAIL, "cannot set domid %u static max memory to : %s\n",
			       d.domid, a->pos[1]);
	return XL_OK;
}
