/*
 * xl console: copies the domain's console output to our stdout and the
 * user's keys to the domain until Ctrl-] (0x1d), as upstream. The ring itself
 * is the runtime's console ring client, reached through the backend's cons_*
 * operations; a backend without them cannot attach.
 */
#include "xl.h"
#include "xl_hvm.h"

#define CTRL_RBRACKET 0x1d
#define CONSOLE_POLL_MS 50

/* 1 when the user asked to leave, else 0 or a negative errno. */
static int console_pump(struct xl *x, uint16_t domid)
{
	const struct xl_backend *be = x->be;
	char buf[256];
	int n = be->cons_read(be->ctx, domid, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (n > 0)
		xl_outs(x, buf, (size_t)n);
	n = be->term_read(be->ctx, buf, sizeof(buf));
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (buf[i] == CTRL_RBRACKET) {
			int rc = i ? be->cons_write(be->ctx, domid, buf, (size_t)i) : 0;

			return rc < 0 ? rc : 1;
		}
	}
	n = be->cons_write(be->ctx, domid, buf, (size_t)n);
	return n < 0 ? n : 0;
}

/* The console of d (an HVM guest's PV console with pv). */
static int attach(struct xl *x, const struct bh_dominfo *d, bool pv)
{
	const struct xl_backend *be = x->be;
	uint16_t id = (uint16_t)(d->domid | (pv ? XL_CONS_PV : 0));
	int rc;

	if (!be->cons_open || !be->cons_read || !be->cons_write || !be->term_read || !be->wait)
		return xl_fail(x, XL_FAIL,
			       "Unable to attach console of domain %u: no console ring client in this build\n",
			       d->domid);
	rc = be->cons_open(be->ctx, id);
	if (rc)
		return xl_fail(x, XL_FAIL, "Unable to attach console of domain %u: %s (rc=%d)\n",
			       d->domid, xl_strerror(rc), rc);
	while ((rc = console_pump(x, id)) == 0)
		be->wait(be->ctx, CONSOLE_POLL_MS);
	if (be->cons_close)
		be->cons_close(be->ctx, id);
	if (rc < 0)
		return xl_fail(x, XL_FAIL, "Console of domain %u closed: %s (rc=%d)\n", d->domid,
			       xl_strerror(rc), rc);
	return XL_OK;
}

int xl_console_attach(struct xl *x, const struct bh_dominfo *d)
{
	return attach(x, d, false);
}

int xl_cmd_console(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo d;
	const char *type = a->val['t'];
	int rc;

	if (type && strcmp(type, "pv") && strcmp(type, "serial"))
		return xl_fail(x, XL_USAGE, "console type must be 'pv' or 'serial', not '%s'\n",
			       type);
	if (a->val['n'] && strcmp(a->val['n'], "0"))
		return xl_fail(x, XL_FAIL, "console %s: Bulkhead domains have only console 0\n",
			       a->val['n']);
	rc = xl_find_domain(x, a->pos[0], &d);
	/* An HVM guest's default console is its serial port; -t pv its PV
	 * console ring. Other domains have only their PV console. */
	return rc ? rc : attach(x, &d, type && !strcmp(type, "pv") && xl_hvm_dm_of(d.domid) >= 0);
}
