/*
 * vif spec parser (see xlspec_vif.h): items split at commas, each KEY=VALUE
 * handled by its table entry, each bare word by the flag table; defaults
 * are filled in afterwards.
 */
#include "xlspec_vif.h"

struct vif_parse {
	struct xlspec_vif *vif;
	bool mac_given;
	const char *spec;
	struct xlcfg_err *err;
};

#define VIF_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define VIF_MTU_MIN 68u		/* IPv4's minimum datagram */
#define VIF_MTU_MAX 65535u

static int __attribute__((format(printf, 2, 3)))
vif_error(struct vif_parse *vp, const char *fmt, ...)
{
	char shown[XLCFG_SHOW_MAX];
	va_list ap;
	int n;

	xlcfg_show(shown, vp->spec, strlen(vp->spec));
	n = snprintf(vp->err->msg, sizeof(vp->err->msg),
		     "invalid vif spec `%s': ", shown);
	if (n < 0 || (size_t)n >= sizeof(vp->err->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(vp->err->msg + n, sizeof(vp->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	xlcfg_err_clean(vp->err);
	return -1;
}

static int vif_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Six groups of one or two hex digits, separated by colons. */
static int vif_set_mac(struct vif_parse *vp, const char *v)
{
	const char *s = v;
	int i, d, n;

	for (i = 0; i < 6; i++) {
		unsigned int byte = 0;

		for (n = 0; n < 2 && (d = vif_hex(*s)) >= 0; n++, s++)
			byte = byte * 16 + (unsigned int)d;
		if (!n || *s != (i < 5 ? ':' : 0))
			return vif_error(vp, "invalid mac `%s' (six hex bytes "
					 "like 00:16:3e:12:34:56)", v);
		vp->vif->mac[i] = (uint8_t)byte;
		s++;
	}
	if (vp->vif->mac[0] & 1)
		return vif_error(vp, "mac `%s' is a multicast address", v);
	vp->mac_given = true;
	return 0;
}

static int vif_set_type(struct vif_parse *vp, const char *v)
{
	if (!strcmp(v, "ioemu"))
		vp->vif->type = XLSPEC_VIF_IOEMU;
	else if (!strcmp(v, "vif"))
		vp->vif->type = XLSPEC_VIF_VIF;
	else
		return vif_error(vp, "unknown type `%s' (ioemu or vif)", v);
	return 0;
}

static int vif_set_mtu(struct vif_parse *vp, const char *v)
{
	const char *bad;
	uint64_t mtu;

	if (xlcfg_number(v, strlen(v), &mtu, &bad) || mtu < VIF_MTU_MIN ||
	    mtu > VIF_MTU_MAX)
		return vif_error(vp, "invalid mtu `%s' (%u..%u)", v, VIF_MTU_MIN,
				 VIF_MTU_MAX);
	vp->vif->mtu = (unsigned int)mtu;
	return 0;
}

/* devid=N: decimal only (xl reads it with strtoul base 10), and all of
 * it (xl ignores what follows the digits; Bulkhead refuses it). */
static int vif_set_devid(struct vif_parse *vp, const char *v)
{
	uint64_t id = 0;
	const char *s;

	for (s = v; *s >= '0' && *s <= '9' && id <= XLSPEC_VIF_DEVID_MAX; s++)
		id = id * 10 + (uint64_t)(*s - '0');
	if (s == v || *s || id > XLSPEC_VIF_DEVID_MAX)
		return vif_error(vp, "invalid devid `%s' (a decimal number, "
				 "0..%u)", v, XLSPEC_VIF_DEVID_MAX);
	vp->vif->devid = (unsigned int)id;
	vp->vif->devid_given = true;
	return 0;
}

/* Decimal digits at *s, 1..UINT32_MAX; *s moves past them. */
static int vif_u32(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	while (*p >= '0' && *p <= '9' && *v <= UINT32_MAX)
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	if (p == *s || *v == 0 || *v > UINT32_MAX)
		return -1;
	*s = p;
	return 0;
}

/* RATE/s[@INTERVAL]: RATE N[GMK](B|b), INTERVAL N[s|m|ms|u|us]. */
static int vif_set_rate(struct vif_parse *vp, const char *v)
{
	struct xlspec_vif *vif = vp->vif;
	uint64_t n, bytes, interval = XLSPEC_VIF_RATE_INTERVAL_US;
	const char *s = v;

	if (vif_u32(&s, &n))
		return vif_error(vp, "invalid rate `%s' (e.g. 10Mb/s@20ms)", v);
	if (*s == 'G' || *s == 'M' || *s == 'K')
		n *= *s == 'G' ? 1000000000u : *s == 'M' ? 1000000u : 1000u, s++;
	if ((*s != 'B' && *s != 'b') || strncmp(s + 1, "/s", 2))
		return vif_error(vp, "invalid rate `%s' (e.g. 10Mb/s@20ms)", v);
	bytes = *s == 'b' ? n / 8 : n;
	s += 3;
	if (*s == '@') {
		s++;
		if (vif_u32(&s, &interval))
			return vif_error(vp, "invalid rate interval in `%s'", v);
		if (*s == 'm')
			s++, interval *= 1000u;
		else if (*s == 'u')
			s++;
		else
			interval *= 1000000u;
		if (*s == 's')
			s++;
		if (interval > UINT32_MAX || interval == 0)
			return vif_error(vp, "rate interval out of range in `%s'", v);
	}
	if (*s)
		return vif_error(vp, "invalid rate `%s' (e.g. 10Mb/s@20ms)", v);
	if (bytes > UINT64_MAX / interval)
		return vif_error(vp, "rate `%s' too large", v);
	free(vif->rate);
	vif->rate = strdup(v);
	if (!vif->rate)
		return vif_error(vp, "out of memory");
	vif->rate_bytes_per_interval = bytes * interval / 1000000u;
	vif->rate_interval_us = (uint32_t)interval;
	return 0;
}

static const struct {
	const char *name;
	int (*set)(struct vif_parse *vp, const char *v);
	size_t field;		/* set == NULL: a string member */
} vif_keys[] = {
	{ "mac", vif_set_mac, 0 },
	{ "type", vif_set_type, 0 },
	{ "mtu", vif_set_mtu, 0 },
	{ "rate", vif_set_rate, 0 },
	{ "devid", vif_set_devid, 0 },
	{ "bridge", NULL, offsetof(struct xlspec_vif, bridge) },
	{ "model", NULL, offsetof(struct xlspec_vif, model) },
	{ "ip", NULL, offsetof(struct xlspec_vif, ip) },
	{ "script", NULL, offsetof(struct xlspec_vif, script) },
	{ "backend", NULL, offsetof(struct xlspec_vif, backend) },
	{ "vifname", NULL, offsetof(struct xlspec_vif, vifname) },
	{ "gatewaydev", NULL, offsetof(struct xlspec_vif, gatewaydev) },
	{ "netdev", NULL, offsetof(struct xlspec_vif, gatewaydev) },
	{ "forwarddev", NULL, offsetof(struct xlspec_vif, forwarddev) },
};

/* Bare words: whether the frontend may trust the backend (xl's
 * parse_nic_config; libxl defaults to trusted). */
static bool vif_flag(struct vif_parse *vp, const char *f)
{
	if (!strcmp(f, "trusted"))
		vp->vif->trusted = XLSPEC_FLAG_ON;
	else if (!strcmp(f, "untrusted"))
		vp->vif->trusted = XLSPEC_FLAG_OFF;
	else
		return false;
	return true;
}

static int vif_item(struct vif_parse *vp, char *item)
{
	char *eq = strchr(item, '='), **field;
	size_t i;

	if (!eq) {
		if (vif_flag(vp, item))
			return 0;
		return vif_error(vp, "`%s' is neither KEY=VALUE nor a flag "
				 "(trusted, untrusted)", item);
	}
	*eq = 0;
	for (i = 0; i < VIF_COUNT(vif_keys); i++)
		if (!strcmp(vif_keys[i].name, item))
			break;
	if (i == VIF_COUNT(vif_keys))
		return vif_error(vp, "unknown parameter `%s'", item);
	if (!eq[1])
		return vif_error(vp, "empty value for `%s'", item);
	if (vif_keys[i].set)
		return vif_keys[i].set(vp, eq + 1);
	field = (char **)((char *)vp->vif + vif_keys[i].field);
	free(*field);
	*field = strdup(eq + 1);
	return *field ? 0 : vif_error(vp, "out of memory");
}

static int vif_default(struct vif_parse *vp, char **field, const char *v)
{
	if (*field)
		return 0;
	*field = strdup(v);
	return *field ? 0 : vif_error(vp, "out of memory");
}

static int vif_finish(struct vif_parse *vp, const struct xlspec_rng *rng)
{
	struct xlspec_vif *vif = vp->vif;
	uint8_t r[3];

	if (!vp->mac_given) {
		if (!rng || !rng->fill)
			return vif_error(vp, "no mac and no random source");
		rng->fill(rng->ctx, r, sizeof(r));
		vif->mac[0] = 0x00;	/* Xen's OUI */
		vif->mac[1] = 0x16;
		vif->mac[2] = 0x3e;
		vif->mac[3] = r[0] & 0x7f;
		vif->mac[4] = r[1];
		vif->mac[5] = r[2];
	}
	if (!vif->mtu)
		vif->mtu = 1500;
	vif->model_given = vif->model != NULL;
	if (vif_default(vp, &vif->bridge, "xenbr0") ||
	    vif_default(vp, &vif->model, "rtl8139"))
		return -1;
	return 0;
}

static bool vif_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int xlspec_vif_parse(const char *spec, unsigned int devid,
		     const struct xlspec_rng *rng, struct xlspec_vif *vif,
		     struct xlcfg_err *err)
{
	struct vif_parse vp = { .vif = vif, .spec = spec, .err = err };
	const char *s = spec, *end;
	char *item, *t;
	int rc = 0;

	memset(vif, 0, sizeof(*vif));
	vif->devid = devid;
	err->msg[0] = 0;
	while (!rc && *s) {
		while (vif_blank(*s))
			s++;
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		item = strndup(s, (size_t)(end - s));
		if (!item) {
			rc = vif_error(&vp, "out of memory");
			break;
		}
		for (t = item + strlen(item); t > item && vif_blank(t[-1]); t--)
			;
		*t = 0;
		if (*item)
			rc = vif_item(&vp, item);
		free(item);
		s = *end ? end + 1 : end;
	}
	if (!rc)
		rc = vif_finish(&vp, rng);
	if (rc)
		xlspec_vif_free(vif);
	return rc;
}

void xlspec_vif_free(struct xlspec_vif *vif)
{
	free(vif->bridge);
	free(vif->model);
	free(vif->ip);
	free(vif->script);
	free(vif->backend);
	free(vif->vifname);
	free(vif->gatewaydev);
	free(vif->forwarddev);
	free(vif->rate);
	memset(vif, 0, sizeof(*vif));
}

static void vif_put(xlcfg_write_fn write, void *ctx, const char *key,
		    const char *v)
{
	if (!v)
		return;
	write(ctx, ", ", 2);
	write(ctx, key, strlen(key));
	write(ctx, "=", 1);
	write(ctx, v, strlen(v));
}

void xlspec_vif_print(const struct xlspec_vif *vif, xlcfg_write_fn write,
		      void *ctx)
{
	static const char *const types[] = {
		[XLSPEC_VIF_DEFAULT] = NULL, [XLSPEC_VIF_IOEMU] = "ioemu",
		[XLSPEC_VIF_VIF] = "vif",
	};
	char buf[32];
	const uint8_t *m = vif->mac;

	snprintf(buf, sizeof(buf), "mac=%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	write(ctx, buf, strlen(buf));
	vif_put(write, ctx, "bridge", vif->bridge);
	vif_put(write, ctx, "type", types[vif->type]);
	vif_put(write, ctx, "model", vif->model);
	snprintf(buf, sizeof(buf), "%u", vif->mtu);
	vif_put(write, ctx, "mtu", buf);
	snprintf(buf, sizeof(buf), "%u", vif->devid);
	vif_put(write, ctx, "devid", vif->devid_given ? buf : NULL);
	vif_put(write, ctx, "ip", vif->ip);
	vif_put(write, ctx, "script", vif->script);
	vif_put(write, ctx, "backend", vif->backend);
	vif_put(write, ctx, "vifname", vif->vifname);
	vif_put(write, ctx, "gatewaydev", vif->gatewaydev);
	vif_put(write, ctx, "forwarddev", vif->forwarddev);
	vif_put(write, ctx, "rate", vif->rate);
	if (vif->trusted != XLSPEC_FLAG_DEFAULT) {
		const char *f = vif->trusted == XLSPEC_FLAG_ON ? ", trusted" :
								 ", untrusted";

		write(ctx, f, strlen(f));
	}
}
