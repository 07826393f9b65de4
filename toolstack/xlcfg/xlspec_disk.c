/*
 * Disk spec parser (see xlspec_disk.h): the spec is split at commas into
 * parameters, each handled by the table entry for its key, a flag, or the
 * next free positional slot; xlspec_disk_finish then applies defaults and
 * checks the whole.
 */
#include "xlspec_disk.h"

/* Parameters that may be given once; the first four are also the
 * positional slots, in order. */
enum disk_param {
	DISK_TARGET, DISK_FORMAT, DISK_VDEV, DISK_ACCESS,
	DISK_DEVTYPE, DISK_BACKEND, DISK_BACKENDTYPE, DISK_SCRIPT,
	DISK_SPECIFICATION, DISK_NPARAMS,
};
#define DISK_NSLOTS (DISK_ACCESS + 1)

struct disk_parse {
	struct xlspec_disk *disk;
	bool given[DISK_NPARAMS];
	bool old_form;		/* a deprecated prefix: no format slot */
	int access;		/* -1 default, 0 read-only, 1 read-write */
	const char *spec;
	struct xlcfg_err *err;
};

static const char *const disk_format_names[] = {
	[XLSPEC_DISK_RAW] = "raw", [XLSPEC_DISK_QCOW] = "qcow",
	[XLSPEC_DISK_QCOW2] = "qcow2", [XLSPEC_DISK_VHD] = "vhd",
	[XLSPEC_DISK_QED] = "qed", [XLSPEC_DISK_EMPTY] = "empty",
};

static const char *const disk_backendtype_names[] = {
	[XLSPEC_DISK_BACKEND_AUTO] = "", [XLSPEC_DISK_BACKEND_PHY] = "phy",
	[XLSPEC_DISK_BACKEND_TAP] = "tap", [XLSPEC_DISK_BACKEND_QDISK] = "qdisk",
	[XLSPEC_DISK_BACKEND_STANDALONE] = "standalone",
};

static const char *const disk_specification_names[] = {
	[XLSPEC_DISK_SPEC_XEN] = "xen", [XLSPEC_DISK_SPEC_VIRTIO] = "virtio",
};

#define DISK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *xlspec_disk_format_name(enum xlspec_disk_format format)
{
	return disk_format_names[format];
}

static int __attribute__((format(printf, 2, 3)))
disk_error(struct disk_parse *dp, const char *fmt, ...)
{
	char shown[XLCFG_SHOW_MAX];
	va_list ap;
	int n;

	xlcfg_show(shown, dp->spec, strlen(dp->spec));
	n = snprintf(dp->err->msg, sizeof(dp->err->msg),
		     "invalid disk spec `%s': ", shown);
	if (n < 0 || (size_t)n >= sizeof(dp->err->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(dp->err->msg + n, sizeof(dp->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	xlcfg_err_clean(dp->err);
	return -1;
}

/* Index of `s' in `names', or -1. */
static int disk_lookup(const char *const *names, size_t count, const char *s)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

/* Replaces a string field; "" means not given. */
static int disk_set_string(struct disk_parse *dp, char **field, const char *v)
{
	free(*field);
	*field = NULL;
	if (!*v)
		return 0;
	*field = strdup(v);
	return *field ? 0 : disk_error(dp, "out of memory");
}

static int disk_set_format(struct disk_parse *dp, const char *v)
{
	int f = *v ? disk_lookup(disk_format_names,
				  DISK_COUNT(disk_format_names), v) : 0;

	if (f < 0)
		return disk_error(dp, "unknown format `%s' (raw, qcow, qcow2, "
				  "vhd, qed or empty)", v);
	dp->disk->format = (enum xlspec_disk_format)f;
	return 0;
}

static int disk_set_access(struct disk_parse *dp, const char *v)
{
	if (!strcmp(v, "r") || !strcmp(v, "ro"))
		dp->access = 0;
	else if (!strcmp(v, "w") || !strcmp(v, "rw"))
		dp->access = 1;
	else if (*v)
		return disk_error(dp, "unknown access `%s' (r, ro, w or rw)", v);
	return 0;
}

static int disk_set_devtype(struct disk_parse *dp, const char *v)
{
	if (!strcmp(v, "cdrom"))
		dp->disk->cdrom = true;
	else if (!strcmp(v, "disk") || !*v)
		dp->disk->cdrom = false;
	else
		return disk_error(dp, "unknown devtype `%s' (cdrom or disk)", v);
	return 0;
}

static int disk_set_vdev(struct disk_parse *dp, const char *v)
{
	return disk_set_string(dp, &dp->disk->vdev, v);
}

static int disk_set_backend(struct disk_parse *dp, const char *v)
{
	return disk_set_string(dp, &dp->disk->backend, v);
}

static int disk_set_backendtype(struct disk_parse *dp, const char *v)
{
	int t = disk_lookup(disk_backendtype_names,
			    DISK_COUNT(disk_backendtype_names), v);

	if (t < 0)
		return disk_error(dp, "unknown backendtype `%s' (phy, tap, qdisk "
				  "or standalone)", v);
	dp->disk->backendtype = (enum xlspec_disk_backendtype)t;
	return 0;
}

static int disk_set_script(struct disk_parse *dp, const char *v)
{
	return disk_set_string(dp, &dp->disk->script, v);
}

static int disk_set_specification(struct disk_parse *dp, const char *v)
{
	int t = disk_lookup(disk_specification_names,
			    DISK_COUNT(disk_specification_names), v);

	if (t < 0)
		return disk_error(dp, "unknown specification `%s' (xen or "
				  "virtio)", v);
	dp->disk->specification = (enum xlspec_disk_specification)t;
	return 0;
}

static int disk_set_target(struct disk_parse *dp, const char *v)
{
	free(dp->disk->target);
	dp->disk->target = strdup(v);
	return dp->disk->target ? 0 : disk_error(dp, "out of memory");
}

static const struct {
	const char *name;
	int (*set)(struct disk_parse *dp, const char *v);
} disk_params[DISK_NPARAMS] = {
	[DISK_TARGET] = { "target", disk_set_target },
	[DISK_FORMAT] = { "format", disk_set_format },
	[DISK_VDEV] = { "vdev", disk_set_vdev },
	[DISK_ACCESS] = { "access", disk_set_access },
	[DISK_DEVTYPE] = { "devtype", disk_set_devtype },
	[DISK_BACKEND] = { "backend", disk_set_backend },
	[DISK_BACKENDTYPE] = { "backendtype", disk_set_backendtype },
	[DISK_SCRIPT] = { "script", disk_set_script },
	[DISK_SPECIFICATION] = { "specification", disk_set_specification },
};

static int disk_set_param(struct disk_parse *dp, enum disk_param p,
			  const char *v)
{
	/* target= may follow an empty positional target (the doc says so) */
	if (dp->given[p] && !(p == DISK_TARGET && !*dp->disk->target))
		return disk_error(dp, "`%s' given twice", disk_params[p].name);
	dp->given[p] = true;
	return disk_params[p].set(dp, v);
}

/* Flags: a bare word that is not positional. */
static bool disk_flag(struct disk_parse *dp, const char *f)
{
	struct xlspec_disk *d = dp->disk;

	if (!strcmp(f, "cdrom"))
		d->cdrom = true;
	else if (!strcmp(f, "discard"))
		d->discard = XLSPEC_FLAG_ON;
	else if (!strcmp(f, "no-discard"))
		d->discard = XLSPEC_FLAG_OFF;
	else if (!strcmp(f, "direct-io-safe"))
		d->direct_io_safe = true;
	else if (!strcmp(f, "trusted"))
		d->trusted = XLSPEC_FLAG_ON;
	else if (!strcmp(f, "untrusted"))
		d->trusted = XLSPEC_FLAG_OFF;
	else
		return false;
	return true;
}

static bool disk_lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool disk_digits(const char *s)
{
	while (*s >= '0' && *s <= '9')
		s++;
	return !*s;
}

/* docs/misc/vbd-interface.txt names, as REFERENCE §2 narrows them. */
static bool disk_vdev_valid(const char *v)
{
	size_t n = 0;

	if (!strncmp(v, "xvd", 3) || !strncmp(v, "sd", 2)) {
		v += v[0] == 'x' ? 3 : 2;
		while (v[n] >= 'a' && v[n] <= 'z')
			n++;
		return n && disk_digits(v + n);
	}
	if (!strncmp(v, "hd", 2))
		return v[2] >= 'a' && v[2] <= 'd' && disk_digits(v + 3);
	if (v[0] == 'd' && v[1] >= '0' && v[1] <= '9') {
		for (v++; *v >= '0' && *v <= '9'; v++)
			;
		if (*v == 'p' && v[1])
			v++;
		return disk_digits(v);
	}
	return *v && disk_digits(v);
}

/* `vdev[:devtype]' into the vdev slot. Returns 0, -1 on error. */
static int disk_vdev_devtype(struct disk_parse *dp, char *f)
{
	char *colon = strrchr(f, ':');
	int rc = 0;

	if (colon) {
		*colon = 0;
		rc = disk_set_devtype(dp, colon + 1);
	}
	dp->given[DISK_VDEV] = true;
	return rc ? rc : disk_set_vdev(dp, f);
}

/* Whether `f' would be a valid vdev[:devtype] (for the deprecated form). */
static bool disk_looks_like_vdev(const char *f)
{
	char buf[32];
	size_t n = strlen(f);
	const char *colon = strrchr(f, ':');

	if (colon)
		n = (size_t)(colon - f);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, f, n);
	buf[n] = 0;
	return disk_vdev_valid(buf);
}

static const struct {
	const char *name;
	enum { PREFIX_FORMAT, PREFIX_SCRIPT, PREFIX_DROP } kind;
} disk_prefixes[] = {
	{ "raw", PREFIX_FORMAT }, { "qcow", PREFIX_FORMAT },
	{ "qcow2", PREFIX_FORMAT }, { "vhd", PREFIX_FORMAT },
	{ "iscsi", PREFIX_SCRIPT }, { "nbd", PREFIX_SCRIPT },
	{ "enbd", PREFIX_SCRIPT }, { "drbd", PREFIX_SCRIPT },
	{ "tapdisk", PREFIX_DROP }, { "tap", PREFIX_DROP },
	{ "tap2", PREFIX_DROP }, { "aio", PREFIX_DROP },
	{ "ioemu", PREFIX_DROP }, { "file", PREFIX_DROP },
	{ "phy", PREFIX_DROP },
};

/* Strips deprecated `prefix:'es off a positional target; *f moves on. */
static int disk_prefix(struct disk_parse *dp, char **f)
{
	char script[16], *s = *f, *colon;
	size_t i, n;
	int rc;

	for (;;) {
		for (n = 0; disk_lower_or_digit(s[n]); n++)
			;
		if (!n || s[0] < 'a' || s[n] != ':')
			break;
		colon = s + n;
		*colon = 0;
		for (i = 0; i < DISK_COUNT(disk_prefixes); i++)
			if (!strcmp(disk_prefixes[i].name, s))
				break;
		if (i == DISK_COUNT(disk_prefixes)) {
			if (!disk_lower_or_digit(colon[1]))
				return disk_error(dp, "unknown deprecated prefix "
						  "`%s:'", s);
			*colon = ':';
			break;	/* `name:thing' is a target, not a prefix */
		}
		rc = 0;
		if (disk_prefixes[i].kind == PREFIX_FORMAT) {
			rc = disk_set_param(dp, DISK_FORMAT, s);
		} else if (disk_prefixes[i].kind == PREFIX_SCRIPT) {
			snprintf(script, sizeof(script), "block-%s", s);
			rc = disk_set_param(dp, DISK_SCRIPT, script);
		}
		if (rc)
			return rc;
		dp->old_form = true;
		s = colon + 1;
	}
	*f = s;
	return 0;
}

/* A bare value: the first slot not yet given. */
static int disk_positional(struct disk_parse *dp, char *f)
{
	int slot;

	for (slot = 0; slot < DISK_NSLOTS; slot++)
		if (!dp->given[slot] && !(slot == DISK_FORMAT && dp->old_form))
			break;
	switch (slot) {
	case DISK_TARGET:
		if (disk_prefix(dp, &f))
			return -1;
		return disk_set_param(dp, DISK_TARGET, f);
	case DISK_FORMAT:
		if (*f && !dp->given[DISK_VDEV] &&
		    disk_lookup(disk_format_names,
				DISK_COUNT(disk_format_names), f) < 0 &&
		    disk_looks_like_vdev(f)) {
			dp->given[DISK_FORMAT] = true;	/* target,vdev,access */
			return disk_vdev_devtype(dp, f);
		}
		return disk_set_param(dp, DISK_FORMAT, f);
	case DISK_VDEV:
		return disk_vdev_devtype(dp, f);
	case DISK_ACCESS:
		return disk_set_param(dp, DISK_ACCESS, f);
	default:
		return disk_error(dp, "too many positional parameters at `%s'", f);
	}
}

static int disk_keyvalue(struct disk_parse *dp, char *f, char *eq)
{
	size_t p;

	*eq = 0;
	for (p = 0; p < DISK_NPARAMS; p++)
		if (!strcmp(disk_params[p].name, f))
			return disk_set_param(dp, (enum disk_param)p, eq + 1);
	return disk_error(dp, "unknown parameter `%s'%s", f,
			  f[0] == '/' ? " (a target with `=' or `,' must be "
					"given last, as target=...)" : "");
}

static bool disk_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One parameter: `f' is a NUL-terminated copy, blanks trimmed. */
static int disk_param(struct disk_parse *dp, char *f)
{
	char *eq = strchr(f, '=');

	if (eq)
		return disk_keyvalue(dp, f, eq);
	if (disk_flag(dp, f))
		return 0;
	return disk_positional(dp, f);
}

/* Defaults and whole-spec checks. */
static int disk_finish(struct disk_parse *dp)
{
	struct xlspec_disk *d = dp->disk;

	if (!d->target && disk_set_target(dp, ""))
		return -1;
	if (!d->vdev)
		return disk_error(dp, "no vdev (the guest's name for the disk, "
				  "e.g. xvda)");
	if (!disk_vdev_valid(d->vdev))
		return disk_error(dp, "invalid vdev `%s' (hd[a-d], sdX, xvdX, dN "
				  "or a number)", d->vdev);
	if (d->cdrom) {
		if (!*d->target)
			d->format = XLSPEC_DISK_EMPTY;
		else if (d->format == XLSPEC_DISK_EMPTY)
			return disk_error(dp, "format=empty with target `%s'",
					  d->target);
		if (dp->access == 1)
			return disk_error(dp, "a cdrom is read-only (access=r)");
		d->readwrite = false;
		return 0;
	}
	if (!*d->target)
		return disk_error(dp, "no target (only a cdrom may be empty)");
	if (d->format == XLSPEC_DISK_EMPTY)
		return disk_error(dp, "format=empty is only for a cdrom");
	d->readwrite = dp->access != 0;
	return 0;
}

int xlspec_disk_parse(const char *spec, struct xlspec_disk *disk,
		      struct xlcfg_err *err)
{
	struct disk_parse dp = { .disk = disk, .access = -1, .spec = spec,
				 .err = err };
	const char *s = spec, *end;
	char *f, *t;
	int rc = 0;

	memset(disk, 0, sizeof(*disk));
	err->msg[0] = 0;
	while (!rc && *s) {
		while (disk_blank(*s))
			s++;
		if (!strncmp(s, "target=", 7)) {
			rc = disk_set_param(&dp, DISK_TARGET, s + 7);
			break;
		}
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		f = strndup(s, (size_t)(end - s));
		if (!f) {
			rc = disk_error(&dp, "out of memory");
			break;
		}
		for (t = f + strlen(f); t > f && disk_blank(t[-1]); t--)
			;
		*t = 0;
		rc = disk_param(&dp, f);
		free(f);
		s = *end ? end + 1 : end;
	}
	if (!rc && !*spec)
		rc = disk_error(&dp, "empty");
	if (!rc)
		rc = disk_finish(&dp);
	if (rc)
		xlspec_disk_free(disk);
	return rc;
}

void xlspec_disk_free(struct xlspec_disk *disk)
{
	free(disk->target);
	free(disk->vdev);
	free(disk->backend);
	free(disk->script);
	memset(disk, 0, sizeof(*disk));
}

static void disk_puts(xlcfg_write_fn write, void *ctx, const char *a,
		      const char *b)
{
	write(ctx, a, strlen(a));
	if (b)
		write(ctx, b, strlen(b));
}

void xlspec_disk_print(const struct xlspec_disk *d, xlcfg_write_fn write,
		       void *ctx)
{
	disk_puts(write, ctx, "format=", disk_format_names[d->format]);
	disk_puts(write, ctx, ", vdev=", d->vdev);
	disk_puts(write, ctx, ", access=", d->readwrite ? "rw" : "ro");
	if (d->cdrom)
		disk_puts(write, ctx, ", devtype=cdrom", NULL);
	if (d->backend)
		disk_puts(write, ctx, ", backend=", d->backend);
	if (d->backendtype != XLSPEC_DISK_BACKEND_AUTO)
		disk_puts(write, ctx, ", backendtype=",
			  disk_backendtype_names[d->backendtype]);
	if (d->script)
		disk_puts(write, ctx, ", script=", d->script);
	if (d->specification != XLSPEC_DISK_SPEC_XEN)
		disk_puts(write, ctx, ", specification=",
			  disk_specification_names[d->specification]);
	if (d->discard != XLSPEC_FLAG_DEFAULT)
		disk_puts(write, ctx, d->discard == XLSPEC_FLAG_ON ?
			  ", discard" : ", no-discard", NULL);
	if (d->direct_io_safe)
		disk_puts(write, ctx, ", direct-io-safe", NULL);
	if (d->trusted != XLSPEC_FLAG_DEFAULT)
		disk_puts(write, ctx, d->trusted == XLSPEC_FLAG_ON ?
			  ", trusted" : ", untrusted", NULL);
	if (*d->target)
		disk_puts(write, ctx, ", target=", d->target);
}
