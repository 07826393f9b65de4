/*
 * xl create [-c] [-p] [-N] CFG [KEY=VALUE...]: parse, check, then build.
 * "Parsing config from FILE" goes to stderr first, as upstream. -N (here or
 * global) prints the normalized config and creates nothing. Everything said
 * while creating is also written to /var/log/xen/xl-NAME.log.
 */
#include "xl_config.h"
#include "xl_hvm.h"

/* create -c: the new domain's console (an HVM guest's: its serial port). */
static int created(struct xl *x, const struct xl_args *a, const char *name, uint16_t domid)
{
	struct bh_dominfo d;
	char id[8];
	int rc;

	XL_LOG(x, XL_DETAIL, domid, "domain '%s' created%s", name, a->on['p'] ? ", paused" : "");
	if (!a->on['c'])
		return XL_OK;
	snprintf(id, sizeof(id), "%u", domid);
	rc = xl_find_domain(x, id, &d);
	return rc ? rc : xl_console_attach(x, &d);
}

static int name_free(struct xl *x, const char *name)
{
	int other = xl_domain_named(x, name);

	if (other >= 0)
		return xl_fail(x, XL_FAIL, "A domain named '%s' already exists (domid %d).\n",
			       name, other);
	return 0;
}

static int create_built(struct xl *x, const struct xl_args *a, const struct xl_build_cfg *b)
{
	uint16_t domid;
	int rc = name_free(x, b->name);

	if (!rc)
		rc = xl_build_domain(x, b, a->on['p'], &domid);
	return rc ? rc : created(x, a, b->name, domid);
}

static int create_hvm(struct xl *x, const struct xl_args *a, const struct xl_config *c,
		      const char **log_name)
{
	struct xl_hvm_cfg h;
	uint16_t domid;
	int rc = xl_hvm_config(x, c, &h);

	if (rc)
		return rc;
	*log_name = c->dom.name;
	rc = name_free(x, h.name);
	if (!rc)
		rc = xl_hvm_create(x, &h, a->on['p'], &domid);
	xl_hvm_cfg_free(&h);
	return rc ? rc : created(x, a, c->dom.name, domid);
}

int xl_cmd_create(struct xl *x, const struct xl_args *a)
{
	struct xl_config c;
	struct xl_build_cfg b;
	const char *log_name = NULL;
	int rc;

	memset(&b, 0, sizeof(b));
	xl_capture_begin(x);
	xl_fail(x, 0, "Parsing config from %s\n", a->pos[0]);
	rc = xl_config_load(x, a->pos[0], a->pos + 1, a->n - 1, &c);
	if (!rc && (x->dryrun || a->on['N'])) {
		xl_config_print(x, &c);
	} else if (!rc && c.dom.type == XL_DOMAIN_HVM) {
		rc = create_hvm(x, a, &c, &log_name);
	} else if (!rc) {
		rc = xl_config_to_build(x, &c, &b);
		if (!rc) {
			log_name = b.name;
			rc = create_built(x, a, &b);
		}
	}
	xl_capture_end(x, log_name);
	xl_build_cfg_free(&b);
	xl_config_free(&c);
	return rc;
}
