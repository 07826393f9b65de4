/*
 * xl create [-c] [-p] [-N] CFG [KEY=VALUE...]: parse, check, then build.
 * "Parsing config from FILE" goes to stderr first, as upstream. -N (here or
 * global) prints the normalized config and creates nothing. Everything said
 * while creating is also written to /var/log/xen/xl-NAME.log.
 */
#include "xl_config.h"

static int create_built(struct xl *x, const struct xl_args *a, const struct xl_build_cfg *b)
{
	struct bh_dominfo d;
	uint16_t domid;
	char id[8];
	int other = xl_domain_named(x, b->name), rc;

	if (other >= 0)
		return xl_fail(x, XL_FAIL, "A domain named '%s' already exists (domid %d).\n",
			       b->name, other);
	rc = xl_build_domain(x, b, a->on['p'], &domid);
	if (rc)
		return rc;
	XL_LOG(x, XL_DETAIL, domid, "domain '%s' created%s", b->name,
	       a->on['p'] ? ", paused" : "");
	if (!a->on['c'])
		return XL_OK;
	snprintf(id, sizeof(id), "%u", domid);
	rc = xl_find_domain(x, id, &d);
	return rc ? rc : xl_console_attach(x, &d);
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
