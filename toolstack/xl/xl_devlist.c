/*
 * `xl network-list` and `xl block-list`: a domain's vifs and vbds as the
 * store shows them, in upstream's columns. A device is its frontend
 * directory (/local/domain/D/device/vif/ID, .../vbd/ID, written by xl when
 * it created the domain); the backend path is what the frontend names, the
 * state, event channel and ring references what the frontend wrote (-1 for
 * what it has not written yet). A device whose backend path is not a domain's
 * is left out, as libxl does. As upstream, a domain id is taken as given
 * (an unknown one lists nothing); an unknown name is an error: network-list
 * stops there, block-list goes on with the next.
 */
#include "xl_hvm.h"

#define DEV_MAX 64
#define DIR_PATH 64	/* /local/domain/D/device/KIND */
#define FE_PATH 96	/* DIR_PATH/ID */
#define XS_PATH 160

/* The numeric children of path, sorted; the count. */
static unsigned device_ids(struct xl *x, const char *path, unsigned long *ids)
{
	char *names, *end;
	size_t len;
	unsigned n = 0;

	if (!x->be->xs_dir || x->be->xs_dir(x->be->ctx, path, &names, &len))
		return 0;
	for (char *p = names; p < names + len && n < DEV_MAX; p += strlen(p) + 1) {
		unsigned long v;
		unsigned i;

		if (!isdigit((unsigned char)*p))
			continue;
		v = strtoul(p, &end, 10);
		if (*end || v > 0xffffffffUL)
			continue;
		for (i = n; i && ids[i - 1] > v; i--)
			ids[i] = ids[i - 1];
		ids[i] = v;
		n++;
	}
	free(names);
	return n;
}

/* A frontend's number node, or -1 when it is missing or not a number. */
static long fe_num(struct xl *x, const char *fe, const char *key)
{
	char path[XS_PATH], val[24], *end;
	unsigned long v;

	snprintf(path, sizeof(path), "%s/%s", fe, key);
	if (xl_hvm_xs_get(x, path, val, sizeof(val)) || !isdigit((unsigned char)val[0]))
		return -1;
	v = strtoul(val, &end, 10);
	return *end || v > 0x7fffffffUL ? -1 : (long)v;
}

/* The backend path the frontend names and its domain; false when there is
 * none or it does not start /local/domain/N/. */
static bool backend_of(struct xl *x, const char *fe, char *be, size_t size, unsigned *domid)
{
	char path[XS_PATH], *end;
	unsigned long v;

	snprintf(path, sizeof(path), "%s/backend", fe);
	if (xl_hvm_xs_get(x, path, be, size) || strncmp(be, "/local/domain/", 14) ||
	    !isdigit((unsigned char)be[14]))
		return false;
	v = strtoul(be + 14, &end, 10);
	if (*end != '/' || v > 0x7fef)
		return false;
	*domid = (unsigned)v;
	return true;
}

/* libxl_domain_qualifier_to_domid: digits are a domid, unchecked; else a
 * running domain's name. */
static bool qualifier(struct xl *x, const char *q, uint32_t *domid)
{
	const char *s = q;
	int id;

	while (isdigit((unsigned char)*s))
		s++;
	if (*q && !*s) {
		*domid = (uint32_t)strtoul(q, NULL, 10);
		return true;
	}
	id = xl_domain_named(x, q);
	if (id < 0)
		return false;
	*domid = (uint32_t)id;
	return true;
}

/* "xx:xx:xx:xx:xx:xx", hex digits of either case. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++, s += 3) {
		char hex[3] = { s[0], s[0] ? s[1] : 0, 0 };

		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) ||
		    s[2] != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return true;
}

/* Each device of domid's KIND ("vif", "vbd") whose backend is a domain's, in
 * id order: row() prints it. */
typedef void row_fn(struct xl *x, uint32_t domid, unsigned long id, const char *fe,
		    const char *be, unsigned bdom);

static void each_device(struct xl *x, uint32_t domid, const char *kind, row_fn *row)
{
	unsigned long ids[DEV_MAX];
	char dir[DIR_PATH], fe[FE_PATH], be[XS_PATH];
	unsigned n, bdom;

	snprintf(dir, sizeof(dir), "/local/domain/%u/device/%s", domid, kind);
	n = device_ids(x, dir, ids);
	for (unsigned i = 0; i < n; i++) {
		snprintf(fe, sizeof(fe), "%s/%lu", dir, ids[i]);
		if (backend_of(x, fe, be, sizeof(be), &bdom))
			row(x, domid, ids[i], fe, be, bdom);
	}
}

static void vif_row(struct xl *x, uint32_t domid, unsigned long id, const char *fe,
		    const char *be, unsigned bdom)
{
	char path[XS_PATH + 8], val[24];
	uint8_t mac[6];

	(void)domid;
	/* The MAC as the backend holds it (libxl reads it there), parsed and
	 * printed again: the backend's domain may write anything. */
	snprintf(path, sizeof(path), "%s/mac", be);
	xl_hvm_xs_get(x, path, val, sizeof(val));
	if (!parse_mac(val, mac))
		memset(mac, 0, sizeof(mac));
	xl_out(x, "%-3lu %-2u %02x:%02x:%02x:%02x:%02x:%02x%6lu %5ld %6ld %5ld/%-11ld %-30s\n",
	       id, bdom, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], id,
	       fe_num(x, fe, "state"), fe_num(x, fe, "event-channel"),
	       fe_num(x, fe, "tx-ring-ref"), fe_num(x, fe, "rx-ring-ref"), be);
}

int xl_cmd_network_list(struct xl *x, const struct xl_args *a)
{
	uint32_t domid;

	xl_out(x, "%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
	       "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
	for (int i = 0; i < a->n; i++) {
		if (!qualifier(x, a->pos[i], &domid))
			return xl_fail(x, XL_FAIL, "%s is an invalid domain identifier (rc=-6)\n",
				       a->pos[i]);
		each_device(x, domid, "vif", vif_row);
	}
	return XL_OK;
}

static void vbd_row(struct xl *x, uint32_t domid, unsigned long id, const char *fe,
		    const char *be, unsigned bdom)
{
	/* upstream's "handle" column shows the frontend's domain */
	xl_out(x, "%-5lu %-3u %-6u %-5ld %-6ld %-8ld %-30s\n", id, bdom, domid,
	       fe_num(x, fe, "state"), fe_num(x, fe, "event-channel"), fe_num(x, fe, "ring-ref"),
	       be);
}

int xl_cmd_block_list(struct xl *x, const struct xl_args *a)
{
	uint32_t domid;

	xl_out(x, "%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
	       "evt-ch", "ring-ref", "BE-path");
	for (int i = 0; i < a->n; i++) {
		if (!qualifier(x, a->pos[i], &domid)) {
			xl_fail(x, XL_FAIL, "%s is an invalid domain identifier\n", a->pos[i]);
			continue;
		}
		each_device(x, domid, "vbd", vbd_row);
	}
	return XL_OK;
}
