/* Domain introduction and release, and the Dom0-only requests. */
#include "xs_domain.h"
#include "xs_conn.h"
#include "xs_path.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_watch.h"

#define XS_DOMID_FIRST_RESERVED 0x7ff0u	/* DOMID_FIRST_RESERVED: not a real domain */

bool xs_domain_is_introduced(struct xs_store *st, uint32_t domid)
{
	struct xs_dom *d = xs_store_dom(st, domid);

	return domid == 0 || (d && d->introduced);
}

int xs_domain_introduce(struct xs_store *st, uint32_t domid)
{
	struct xs_dom *d = xs_store_dom_get(st, domid);

	if (!d)
		return XSD_ENOMEM;
	d->introduced = true;
	d->release_fired = false;
	xs_watch_fire_special(st, XS_SPECIAL_INTRODUCE);
	return 0;
}

void xs_domain_shutdown(struct xs_store *st, uint32_t domid)
{
	struct xs_dom *d = xs_store_dom(st, domid);

	if (!d || d->release_fired)
		return;
	d->release_fired = true;
	xs_watch_fire_special(st, XS_SPECIAL_RELEASE);
}

void xs_domain_release(struct xs_store *st, uint32_t domid)
{
	struct xs_conn *c = xs_conn_find(st, domid);
	struct xs_dom *d = xs_store_dom(st, domid);

	if (c)
		xs_conn_close(c, XENSTORE_ERROR_NONE);
	if (d) {
		d->introduced = false;
		d->target = XS_DOMID_NONE;
	}
	xs_watch_fire_special(st, XS_SPECIAL_RELEASE);
}

/* The request's first argument as a domid, with at least n arguments. */
static int xs_domain_arg(struct xs_req *r, const char **argv, int n, uint32_t *domid)
{
	if (xs_req_args(r, argv, n) < n || !xs_req_domid(argv[0], domid))
		return XSD_EINVAL;
	return 0;
}

/* INTRODUCE <domid>|<mfn>|<evtchn>|: the daemon maps and connects. */
int xs_domain_req_introduce(struct xs_req *r)
{
	const char *argv[3];
	char *end1, *end2;
	uint32_t domid;
	long long mfn;
	unsigned long port;
	int err = xs_domain_arg(r, argv, 3, &domid);

	if (err)
		return err;
	mfn = strtoll(argv[1], &end1, 10);
	port = strtoul(argv[2], &end2, 10);
	if (domid == 0 || domid >= XS_DOMID_FIRST_RESERVED || !argv[1][0] || *end1 ||
	    !isdigit((unsigned char)argv[2][0]) || *end2)
		return XSD_EINVAL;
	if (xs_domain_is_introduced(r->st, domid))
		return 0;	/* already connected: nothing to do */
	if (!r->st->ops.introduce)
		return XSD_ENOSYS;
	err = r->st->ops.introduce(r->st->ops.opaque, domid, (uint64_t)mfn, (uint32_t)port);
	return err ? err : xs_domain_introduce(r->st, domid);
}

int xs_domain_req_release(struct xs_req *r)
{
	const char *argv[1];
	uint32_t domid;
	int err = xs_domain_arg(r, argv, 1, &domid);

	if (err)
		return err;
	if (domid == 0 || !xs_domain_is_introduced(r->st, domid))
		return domid == 0 ? XSD_EINVAL : XSD_ENOENT;
	xs_domain_release(r->st, domid);
	if (r->st->ops.release)
		r->st->ops.release(r->st->ops.opaque, domid);
	return 0;
}

int xs_domain_req_resume(struct xs_req *r)
{
	const char *argv[1];
	uint32_t domid;
	struct xs_dom *d;
	int err = xs_domain_arg(r, argv, 1, &domid);

	if (err)
		return err;
	if (!xs_domain_is_introduced(r->st, domid))
		return XSD_ENOENT;
	d = xs_store_dom(r->st, domid);
	if (d)
		d->release_fired = false;
	return 0;
}

/* SET_TARGET <domid>|<tdomid>|: domid acts for tdomid (a device model). */
int xs_domain_req_set_target(struct xs_req *r)
{
	const char *argv[2];
	uint32_t domid, tdomid;
	struct xs_dom *d;
	int err = xs_domain_arg(r, argv, 2, &domid);

	if (err || !xs_req_domid(argv[1], &tdomid))
		return XSD_EINVAL;
	if (!xs_domain_is_introduced(r->st, domid) || !xs_domain_is_introduced(r->st, tdomid))
		return XSD_ENOENT;
	d = xs_store_dom_get(r->st, domid);
	if (!d)
		return XSD_ENOMEM;
	d->target = tdomid;
	return 0;
}

int xs_domain_req_is_introduced(struct xs_req *r)
{
	const char *argv[1];
	uint32_t domid;
	int err = xs_domain_arg(r, argv, 1, &domid);

	if (err)
		return err;
	return xs_req_reply_str(r, xs_domain_is_introduced(r->st, domid) ? "T" : "F");
}

int xs_domain_req_get_path(struct xs_req *r)
{
	const char *argv[1];
	char path[XS_PATH_DOMAIN_MAX];
	uint32_t domid;
	int err = xs_domain_arg(r, argv, 1, &domid);

	if (err)
		return err;
	xs_path_domain(domid, path);
	return xs_req_reply_str(r, path);
}

/* CONTROL <command>|[<parameters>|]: the commands are ours to choose. */
int xs_domain_req_control(struct xs_req *r)
{
	static const char help[] = "check\nhelp\n";
	const char *argv[1];

	if (xs_req_args(r, argv, 1) < 1)
		return XSD_EINVAL;
	if (strcmp(argv[0], "check") == 0)
		return xs_store_check(r->st);
	if (strcmp(argv[0], "help") == 0)
		return xs_req_reply(r, help, sizeof(help));
	return XSD_EINVAL;
}
