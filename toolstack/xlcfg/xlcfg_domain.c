/*
 * The domain builder (see xlcfg_domain.h): one small step per key or group
 * of keys, run in order (later steps read what earlier ones decided, e.g.
 * vnc's default follows the type). Each step reads settings through the
 * typed accessors below, which mark them used and word the errors.
 */
#include "xlcfg_domain.h"

struct dom_build {
	const struct xlcfg *cfg;
	bool *used;			/* per cfg->settings[] */
	const struct xlspec_rng *rng;
	struct xl_domain_config *d;
	struct xlcfg_err *err;
};

#define DOM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const dom_type_names[] = {
	[XL_DOMAIN_PV] = "pv", [XL_DOMAIN_PVH] = "pvh", [XL_DOMAIN_HVM] = "hvm",
};

static const char *const dom_action_names[] = {
	[XL_ACTION_DESTROY] = "destroy",
	[XL_ACTION_RESTART] = "restart",
	[XL_ACTION_RENAME_RESTART] = "rename-restart",
	[XL_ACTION_PRESERVE] = "preserve",
	[XL_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[XL_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[XL_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xlcfg_domain_type_name(enum xl_domain_type type)
{
	return dom_type_names[type];
}

const char *xlcfg_action_name(enum xl_action action)
{
	return dom_action_names[action];
}

static int dom_index(const char *const *names, size_t count, const char *s)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

/* ---- typed access to settings ---- */

/* The setting for `key', marked used; NULL when absent. */
static const struct xlcfg_setting *dom_get(struct dom_build *b, const char *key)
{
	const struct xlcfg_setting *s = xlcfg_find(b->cfg, key);

	if (s)
		b->used[s - b->cfg->settings] = true;
	return s;
}

#define dom_error(b, s, ...) \
	(xlcfg_errorf((b)->err, (s)->source, (s)->line, __VA_ARGS__), -1)

/* An error about item i of a list setting, at the item's own line. */
#define dom_item_error(b, s, i, ...)                                         \
	(xlcfg_errorf((b)->err, (s)->source,                                  \
		      (s)->value->type == XLCFG_LIST ?                        \
			      (s)->value->items[i]->line : (s)->line,         \
		      __VA_ARGS__),                                           \
	 -1)

static int dom_oom(struct dom_build *b)
{
	snprintf(b->err->msg, sizeof(b->err->msg), "%s: out of memory",
		 b->cfg->source);
	xlcfg_err_clean(b->err);
	return -1;
}

static int dom_not_list(struct dom_build *b, const struct xlcfg_setting *s)
{
	return dom_error(b, s, "`%s' is a list but should be a single value",
			 s->key);
}

/* A string key: *out stays NULL when absent. Numbers give their text. */
static int dom_string(struct dom_build *b, const char *key, char **out)
{
	const struct xlcfg_setting *s = dom_get(b, key);

	if (!s)
		return 0;
	if (s->value->type == XLCFG_LIST)
		return dom_not_list(b, s);
	free(*out);
	*out = strdup(s->value->str);
	return *out ? 0 : dom_oom(b);
}

/* A number key within [min, max]: *out keeps its default when absent. */
static int dom_number(struct dom_build *b, const char *key, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	const struct xlcfg_setting *s = dom_get(b, key);
	char shown[XLCFG_SHOW_MAX];
	const char *bad;
	uint64_t v;

	if (!s)
		return 0;
	if (s->value->type == XLCFG_LIST)
		return dom_not_list(b, s);
	v = s->value->num;
	if (s->value->type == XLCFG_STRING &&
	    xlcfg_number(s->value->str, strlen(s->value->str), &v, &bad)) {
		xlcfg_show(shown, s->value->str, strlen(s->value->str));
		return dom_error(b, s, "`%s' must be a number, not \"%s\"", key,
				 shown);
	}
	if (v < min || v > max)
		return dom_error(b, s, "`%s' must be from %llu to %llu, not %llu",
				 key, (unsigned long long)min,
				 (unsigned long long)max, (unsigned long long)v);
	*out = v;
	return 0;
}

static int dom_bool(struct dom_build *b, const char *key, bool *out)
{
	uint64_t v = *out;

	if (dom_number(b, key, 0, UINT64_MAX, &v))
		return -1;
	*out = v != 0;
	return 0;
}

static int dom_strlist_add(struct dom_build *b, struct xl_strlist *l,
			   const char *s)
{
	char **items = realloc(l->items, (l->count + 1) * sizeof(*items));

	if (!items)
		return dom_oom(b);
	l->items = items;
	l->items[l->count] = strdup(s);
	if (!l->items[l->count])
		return dom_oom(b);
	l->count++;
	return 0;
}

static void dom_strlist_free(struct xl_strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/*
 * A list of strings; a single value is a one-item list when `single_ok'
 * (serial = "pty"), else an error (upstream: disk, vif, pci). Sets *listed
 * to whether a list was given. Returns the setting through *sp (NULL when
 * absent) for the caller's own messages.
 */
static int dom_strlist(struct dom_build *b, const char *key, bool single_ok,
		       struct xl_strlist *out, bool *listed,
		       const struct xlcfg_setting **sp)
{
	const struct xlcfg_setting *s = dom_get(b, key);
	const struct xlcfg_value *v;
	size_t i;

	if (sp)
		*sp = s;
	if (listed)
		*listed = s && s->value->type == XLCFG_LIST;
	if (!s)
		return 0;
	v = s->value;
	if (v->type != XLCFG_LIST) {
		if (!single_ok)
			return dom_error(b, s, "`%s' is a single value but "
					 "should be a list", key);
		return dom_strlist_add(b, out, v->str);
	}
	for (i = 0; i < v->count; i++) {
		if (v->items[i]->type == XLCFG_LIST)
			return dom_item_error(b, s, i, "`%s' item %zu is a list "
					      "but should be a string", key,
					      i + 1);
		if (dom_strlist_add(b, out, v->items[i]->str))
			return -1;
	}
	return 0;
}

/* ---- the steps ---- */

static int dom_name(struct dom_build *b)
{
	const struct xlcfg_setting *s;
	const char *p;

	if (dom_string(b, "name", &b->d->name))
		return -1;
	if (!b->d->name) {
		snprintf(b->err->msg, sizeof(b->err->msg),
			 "%s: domain name must be specified (name = \"...\")",
			 b->cfg->source);
		xlcfg_err_clean(b->err);
		return -1;
	}
	s = xlcfg_find(b->cfg, "name");
	if (!*b->d->name)
		return dom_error(b, s, "`name' must not be empty");
	for (p = b->d->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return dom_error(b, s, "`name' contains a control "
					 "character");
	return 0;
}

/* type=, or the deprecated builder= (Xen 4.10); they must agree. */
static int dom_type(struct dom_build *b)
{
	const struct xlcfg_setting *ts = dom_get(b, "type");
	const struct xlcfg_setting *bs = dom_get(b, "builder");
	int type = XL_DOMAIN_PV, builder;

	if (ts) {
		if (ts->value->type == XLCFG_LIST)
			return dom_not_list(b, ts);
		type = dom_index(dom_type_names, DOM_COUNT(dom_type_names),
				 ts->value->str);
		if (type < 0)
			return dom_error(b, ts, "unknown type \"%s\" (pv, pvh or "
					 "hvm)", ts->value->str);
	}
	if (bs) {
		if (bs->value->type == XLCFG_LIST)
			return dom_not_list(b, bs);
		if (!strcmp(bs->value->str, "hvm"))
			builder = XL_DOMAIN_HVM;
		else if (!strcmp(bs->value->str, "generic"))
			builder = XL_DOMAIN_PV;
		else
			return dom_error(b, bs, "unknown builder \"%s\" (hvm or "
					 "generic; builder is deprecated, use "
					 "type)", bs->value->str);
		if (ts && builder != type)
			return dom_error(b, bs, "builder=\"%s\" contradicts "
					 "type=\"%s\"", bs->value->str,
					 ts->value->str);
		type = builder;
	}
	b->d->type = (enum xl_domain_type)type;
	return 0;
}

static int dom_memory(struct dom_build *b)
{
	uint64_t mem = XL_MEMORY_DEFAULT_MIB, max;

	if (dom_number(b, "memory", 1, XL_MEMORY_MAX_MIB, &mem))
		return -1;
	max = mem;
	if (dom_number(b, "maxmem", 1, XL_MEMORY_MAX_MIB, &max))
		return -1;
	if (max < mem)
		return dom_error(b, xlcfg_find(b->cfg, "maxmem"),
				 "maxmem (%llu) is less than memory (%llu)",
				 (unsigned long long)max,
				 (unsigned long long)mem);
	b->d->memory_mib = mem;
	b->d->maxmem_mib = max;
	return 0;
}

static int dom_vcpus(struct dom_build *b)
{
	uint64_t vcpus = 1, max;

	if (dom_number(b, "vcpus", 1, XL_VCPUS_MAX, &vcpus))
		return -1;
	max = vcpus;
	if (dom_number(b, "maxvcpus", 1, XL_VCPUS_MAX, &max))
		return -1;
	if (max < vcpus)
		return dom_error(b, xlcfg_find(b->cfg, "maxvcpus"),
				 "maxvcpus (%llu) is less than vcpus (%llu)",
				 (unsigned long long)max,
				 (unsigned long long)vcpus);
	b->d->vcpus = (unsigned int)vcpus;
	b->d->maxvcpus = (unsigned int)max;
	return 0;
}

/*
 * What a pv or pvh domain boots: kernel=, bootloader= or firmware=, which
 * upstream turns into kernel XENFIRMWAREDIR/pvgrubNN.bin (xl's
 * parse_config_data). hvm's firmware= (bios, uefi, a path) is not
 * interpreted.
 */
static int dom_boot_source(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	const struct xlcfg_setting *s;

	if (dom_string(b, "bootloader", &d->bootloader))
		return -1;
	if (d->type == XL_DOMAIN_HVM)
		return 0;
	if (dom_string(b, "firmware", &d->firmware))
		return -1;
	s = xlcfg_find(b->cfg, "firmware");
	if (d->firmware && d->kernel)
		return dom_error(b, s, "both kernel and firmware specified");
	if (d->firmware && strcmp(d->firmware, "pvgrub32") &&
	    strcmp(d->firmware, "pvgrub64"))
		return dom_error(b, s, "firmware \"%s\": only pvgrub32 or "
				 "pvgrub64 for a %s domain", d->firmware,
				 dom_type_names[d->type]);
	if (!d->kernel && !d->bootloader && !d->firmware) {
		snprintf(b->err->msg, sizeof(b->err->msg),
			 "%s: Neither kernel nor bootloader specified",
			 b->cfg->source);
		xlcfg_err_clean(b->err);
		return -1;
	}
	return 0;
}

/* cmdline=, else "root=ROOT EXTRA" from root= and extra= (as xl). */
static int dom_kernel(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	char *root = NULL, *extra = NULL;
	int rc = -1;
	size_t n;

	if (dom_string(b, "kernel", &d->kernel) ||
	    dom_string(b, "ramdisk", &d->ramdisk) ||
	    dom_string(b, "cmdline", &d->cmdline) ||
	    dom_string(b, "root", &root) || dom_string(b, "extra", &extra))
		goto out;
	rc = 0;
	if (d->cmdline || (!root && !extra))
		goto out;
	n = (root ? strlen(root) + 6 : 0) + (extra ? strlen(extra) + 1 : 0);
	d->cmdline = malloc(n + 1);
	if (!d->cmdline) {
		rc = dom_oom(b);
		goto out;
	}
	snprintf(d->cmdline, n + 1, "%s%s%s%s", root ? "root=" : "",
		 root ? root : "", root && extra ? " " : "", extra ? extra : "");
out:
	free(root);
	free(extra);
	return rc;
}

static int dom_action(struct dom_build *b, const char *key, enum xl_action *a)
{
	const struct xlcfg_setting *s = dom_get(b, key);
	int i;

	if (!s)
		return 0;
	if (s->value->type == XLCFG_LIST)
		return dom_not_list(b, s);
	i = dom_index(dom_action_names, DOM_COUNT(dom_action_names),
		      s->value->str);
	if (i < 0)
		return dom_error(b, s, "unknown %s action \"%s\" (destroy, "
				 "restart, rename-restart, preserve, "
				 "coredump-destroy, coredump-restart or "
				 "soft-reset)", key, s->value->str);
	*a = (enum xl_action)i;
	return 0;
}

static int dom_actions(struct dom_build *b)
{
	b->d->on_poweroff = XL_ACTION_DESTROY;
	b->d->on_reboot = XL_ACTION_RESTART;
	b->d->on_crash = XL_ACTION_DESTROY;
	if (dom_action(b, "on_poweroff", &b->d->on_poweroff) ||
	    dom_action(b, "on_reboot", &b->d->on_reboot) ||
	    dom_action(b, "on_crash", &b->d->on_crash) ||
	    dom_bool(b, "driver_domain", &b->d->driver_domain))
		return -1;
	return 0;
}

/* boot= is HVM's BIOS boot order: c disk, d cdrom, n network. */
static int dom_boot(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	const char *p;

	if (dom_string(b, "boot", &d->boot))
		return -1;
	if (d->boot) {
		for (p = d->boot; *p && strchr("cdn", *p); p++)
			;
		if (*p || !*d->boot)
			return dom_error(b, xlcfg_find(b->cfg, "boot"),
					 "boot \"%s\" is not a boot order of "
					 "c (disk), d (cdrom), n (network)",
					 d->boot);
	} else if (d->type == XL_DOMAIN_HVM) {
		d->boot = strdup("cd");
		if (!d->boot)
			return dom_oom(b);
	}
	return 0;
}

static int dom_vnc(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	uint64_t display = UINT64_MAX;

	d->vnc = d->type == XL_DOMAIN_HVM;
	d->xen_platform_pci = d->type == XL_DOMAIN_HVM;
	if (dom_bool(b, "vnc", &d->vnc) || dom_bool(b, "xen_platform_pci", &d->xen_platform_pci) ||
	    dom_string(b, "vnclisten", &d->vnclisten) ||
	    dom_number(b, "vncdisplay", 0, XL_VNCDISPLAY_MAX, &display))
		return -1;
	d->vncdisplay = display == UINT64_MAX ? -1 : (int)display;
	if (d->vncdisplay >= 0 && d->vnclisten && strchr(d->vnclisten, ':'))
		return dom_error(b, xlcfg_find(b->cfg, "vncdisplay"),
				 "display given both in vnclisten (\"%s\") and "
				 "vncdisplay", d->vnclisten);
	if (d->vnc && !d->vnclisten) {
		d->vnclisten = strdup("127.0.0.1");
		if (!d->vnclisten)
			return dom_oom(b);
	}
	if (dom_strlist(b, "serial", true, &d->serial, NULL, NULL) ||
	    dom_strlist(b, "usbdevice", true, &d->usbdevice, NULL, NULL))
		return -1;
	return 0;
}

/* A decimal number at *s, up to 9 digits; *s moves past it. */
static bool dom_decimal(const char **s, unsigned long *v)
{
	const char *p = *s;

	for (*v = 0; *p >= '0' && *p <= '9' && p - *s < 9; p++)
		*v = *v * 10 + (unsigned long)(*p - '0');
	if (p == *s || (*p >= '0' && *p <= '9'))
		return false;
	*s = p;
	return true;
}

/* CPULIST: terms `all', `N', `N-M', `node:N[-M]', `nodes:N[-M]', any but
 * `all' negated with `^', separated by commas (xl.cfg(5) cpus=). */
static bool dom_cpulist_valid(const char *s)
{
	unsigned long lo, hi;

	for (;;) {
		if (!strncmp(s, "all", 3) && (s[3] == ',' || !s[3])) {
			s += 3;
		} else {
			if (*s == '^')
				s++;
			if (!strncmp(s, "nodes:", 6))
				s += 6;
			else if (!strncmp(s, "node:", 5))
				s += 5;
			if (!dom_decimal(&s, &lo))
				return false;
			hi = lo;
			if (*s == '-' && (s++, !dom_decimal(&s, &hi)))
				return false;
			if (hi < lo)
				return false;
		}
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

static int dom_cpus(struct dom_build *b)
{
	const struct xlcfg_setting *s;
	size_t i;

	if (dom_strlist(b, "cpus", true, &b->d->cpus, &b->d->cpus_per_vcpu, &s))
		return -1;
	for (i = 0; i < b->d->cpus.count; i++)
		if (!dom_cpulist_valid(b->d->cpus.items[i]))
			return dom_item_error(b, s, i, "`cpus': invalid CPU list "
					      "\"%s\" (e.g. \"all\", "
					      "\"0-3,5,^1\", \"node:0\")",
					      b->d->cpus.items[i]);
	return 0;
}

static int dom_pci(struct dom_build *b)
{
	const struct xlcfg_setting *s;
	struct xl_strlist *pci = &b->d->pci;
	size_t i;
	char *n;

	if (dom_strlist(b, "pci", false, pci, NULL, &s))
		return -1;
	for (i = 0; i < pci->count; i++) {
		n = xlspec_pci_normalize(pci->items[i]);
		if (!n)
			return dom_item_error(b, s, i, "invalid pci spec \"%s\" "
					      "(expected [DDDD:]BB:DD.F[@VSLOT]"
					      "[,OPTIONS])", pci->items[i]);
		free(pci->items[i]);
		pci->items[i] = n;
	}
	return 0;
}

static int dom_disks(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	struct xl_strlist specs = { 0, NULL };
	const struct xlcfg_setting *s;
	struct xlcfg_err e;
	int rc = -1;
	size_t i, j;

	if (dom_strlist(b, "disk", false, &specs, NULL, &s))
		goto out;
	if (specs.count) {
		d->disks = calloc(specs.count, sizeof(*d->disks));
		if (!d->disks) {
			rc = dom_oom(b);
			goto out;
		}
	}
	for (i = 0; i < specs.count; i++) {
		if (xlspec_disk_parse(specs.items[i], &d->disks[i], &e)) {
			rc = dom_item_error(b, s, i, "%s", e.msg);
			goto out;
		}
		d->ndisks++;
		for (j = 0; j < i; j++)
			if (!strcmp(d->disks[j].vdev, d->disks[i].vdev)) {
				rc = dom_item_error(b, s, i, "disk vdev `%s' used "
						    "twice", d->disks[i].vdev);
				goto out;
			}
	}
	rc = 0;
out:
	dom_strlist_free(&specs);
	return rc;
}

/*
 * vif i against the domain (libxl's nic defaults): its type, and a devid
 * no earlier vif has (libxl refuses a device that already exists).
 */
static int dom_vif_check(struct dom_build *b, const struct xlcfg_setting *s,
			 size_t i)
{
	struct xl_domain_config *d = b->d;
	struct xlspec_vif *v = &d->vifs[i];
	size_t j;

	if (d->type == XL_DOMAIN_HVM) {
		if (v->type == XLSPEC_VIF_DEFAULT)
			v->type = XLSPEC_VIF_IOEMU;
	} else if (v->type == XLSPEC_VIF_IOEMU) {
		return dom_item_error(b, s, i, "`vif' item %zu: type=ioemu (an "
				      "emulated interface) is only for hvm "
				      "domains", i + 1);
	} else {
		v->type = XLSPEC_VIF_VIF;
	}
	for (j = 0; j < i; j++)
		if (d->vifs[j].devid == v->devid)
			return dom_item_error(b, s, i, "vif devid %u used twice",
					      v->devid);
	return 0;
}

static int dom_vifs(struct dom_build *b)
{
	struct xl_domain_config *d = b->d;
	struct xl_strlist specs = { 0, NULL };
	const struct xlcfg_setting *s;
	struct xlcfg_err e;
	int rc = -1;
	size_t i;

	if (dom_strlist(b, "vif", false, &specs, NULL, &s))
		goto out;
	if (specs.count) {
		d->vifs = calloc(specs.count, sizeof(*d->vifs));
		if (!d->vifs) {
			rc = dom_oom(b);
			goto out;
		}
	}
	for (i = 0; i < specs.count; i++) {
		if (xlspec_vif_parse(specs.items[i], (unsigned int)i, b->rng,
				     &d->vifs[i], &e)) {
			rc = dom_item_error(b, s, i, "%s", e.msg);
			goto out;
		}
		d->nvifs++;
		if (dom_vif_check(b, s, i)) {
			rc = -1;
			goto out;
		}
	}
	rc = 0;
out:
	dom_strlist_free(&specs);
	return rc;
}

static int dom_ignored(struct dom_build *b)
{
	size_t i;

	for (i = 0; i < b->cfg->count; i++)
		if (!b->used[i] &&
		    dom_strlist_add(b, &b->d->ignored, b->cfg->settings[i].key))
			return -1;
	return 0;
}

/* dom_boot_source runs where xl's parse_config_data makes the same check
 * (after pci, before disk and vif), so a config with several faults is
 * refused for the one upstream names. */
static int (*const dom_steps[])(struct dom_build *b) = {
	dom_name, dom_type, dom_memory, dom_vcpus, dom_kernel, dom_actions,
	dom_boot, dom_vnc, dom_cpus, dom_pci,
	dom_boot_source, dom_disks, dom_vifs, dom_ignored,
};

int xlcfg_domain_build(const struct xlcfg *cfg, const struct xlspec_rng *rng,
		       struct xl_domain_config *d, struct xlcfg_err *err)
{
	struct dom_build b = { .cfg = cfg, .rng = rng, .d = d, .err = err };
	size_t i;

	memset(d, 0, sizeof(*d));
	d->vncdisplay = -1;
	err->msg[0] = 0;
	b.used = calloc(cfg->count + 1, sizeof(*b.used));
	if (!b.used)
		return dom_oom(&b);
	for (i = 0; i < DOM_COUNT(dom_steps); i++)
		if (dom_steps[i](&b)) {
			xlcfg_domain_free(d);
			free(b.used);
			return -1;
		}
	free(b.used);
	return 0;
}

void xlcfg_domain_free(struct xl_domain_config *d)
{
	size_t i;

	free(d->name);
	free(d->kernel);
	free(d->ramdisk);
	free(d->cmdline);
	free(d->bootloader);
	free(d->firmware);
	free(d->boot);
	free(d->vnclisten);
	dom_strlist_free(&d->serial);
	dom_strlist_free(&d->usbdevice);
	dom_strlist_free(&d->cpus);
	dom_strlist_free(&d->pci);
	dom_strlist_free(&d->ignored);
	for (i = 0; i < d->ndisks; i++)
		xlspec_disk_free(&d->disks[i]);
	free(d->disks);
	for (i = 0; i < d->nvifs; i++)
		xlspec_vif_free(&d->vifs[i]);
	free(d->vifs);
	memset(d, 0, sizeof(*d));
	d->vncdisplay = -1;
}
