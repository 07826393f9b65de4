/*
 * The fake backend's HVM half, included by test_xl.c: set_dm, a clock that
 * advances only while xl waits, a small xenstore (nodes inherit their
 * parent's permissions on creation, as xenstored's do), the guest console
 * service, and a device model that answers "running" when it is unpaused
 * (or stays silent, or dies).
 */

static int f_set_dm(void *ctx, uint16_t domid, uint16_t dm)
{
	(void)ctx;
	trace("set_dm d%u dm=d%u\n", domid, dm);
	if (inject())
		return -XL_EIO;
	if (F.set_dm_rc)
		return F.set_dm_rc;
	return dom_by_id(domid) && dom_by_id(dm) ? 0 : -XL_ESRCH;
}

static uint64_t f_now_ns(void *ctx)
{
	(void)ctx;
	return F.clock_ns;
}

static struct fake_node *node_find(const char *path)
{
	for (unsigned i = 0; i < F.nxs; i++)
		if (!strcmp(F.xs[i].path, path))
			return &F.xs[i];
	return NULL;
}

/* The node, created with its missing parents (each inheriting perms). */
static struct fake_node *node_make(const char *path)
{
	struct fake_node *n = node_find(path), *parent;
	char up[128];
	char *slash;

	if (n)
		return n;
	snprintf(up, sizeof(up), "%s", path);
	slash = strrchr(up, '/');
	if (slash && slash != up) {
		*slash = '\0';
		parent = node_make(up);
	} else {
		parent = NULL;
	}
	if (F.nxs == sizeof(F.xs) / sizeof(F.xs[0]))
		abort();
	n = &F.xs[F.nxs++];
	memset(n, 0, sizeof(*n));
	snprintf(n->path, sizeof(n->path), "%s", path);
	if (parent) {
		memcpy(n->perms, parent->perms, sizeof(n->perms));
		n->nperms = parent->nperms;
	} else {
		n->nperms = 1;	/* owned by Dom0, nobody else */
	}
	return n;
}

static int f_xs_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	trace("xs_write %s\n", path);
	if (inject())
		return -XL_ENOSPC;
	snprintf(node_make(path)->value, sizeof(F.xs[0].value), "%s", value);
	return 0;
}

static int f_xs_read(void *ctx, const char *path, char **value)
{
	struct fake_node *n = node_find(path);

	(void)ctx;
	if (!n)
		return -XL_ENOENT;
	*value = strdup(n->value);
	return 0;
}

static int f_xs_rm(void *ctx, const char *path)
{
	size_t len = strlen(path);
	unsigned kept = 0;

	(void)ctx;
	for (unsigned i = 0; i < F.nxs; i++) {
		const char *p = F.xs[i].path;

		if (!strncmp(p, path, len) && (p[len] == '\0' || p[len] == '/'))
			continue;
		F.xs[kept++] = F.xs[i];
	}
	F.nxs = kept;
	return 0;
}

/* The children's names, each once, in the order they were made. */
static int f_xs_dir(void *ctx, const char *path, char **names, size_t *len)
{
	size_t plen = strlen(path), used = 0;
	char *out;

	(void)ctx;
	if (!node_find(path))
		return -XL_ENOENT;
	out = calloc(1, sizeof(F.xs) / sizeof(F.xs[0]) * sizeof(F.xs[0].path));
	if (!out)
		return -XL_ENOMEM;
	for (unsigned i = 0; i < F.nxs; i++) {
		const char *p = F.xs[i].path;

		if (strncmp(p, path, plen) || p[plen] != '/' || strchr(p + plen + 1, '/'))
			continue;
		strcpy(out + used, p + plen + 1);
		used += strlen(p + plen + 1) + 1;
	}
	*names = out;
	*len = used;
	return 0;
}

static int f_xs_set_perms(void *ctx, const char *path, const struct xl_xs_perm *p, unsigned n)
{
	struct fake_node *node = node_find(path);

	(void)ctx;
	trace("xs_set_perms %s\n", path);
	if (inject())
		return -XL_EACCES;
	if (!node || n > 4)
		return -XL_ENOENT;
	memcpy(node->perms, p, n * sizeof(*p));
	node->nperms = n;
	return 0;
}

static int f_gcons_add(void *ctx, uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
		       uint32_t *port)
{
	(void)ctx;
	trace("gcons_add d%u %s dm=d%u pfn=0x%llx\n", guest, name, dm, (unsigned long long)pfn);
	if (inject())
		return -XL_ENOSPC;
	F.gcons_guest = guest;
	F.gcons_dm = dm;
	F.gcons_pfn = pfn;
	*port = 77;
	return 0;
}

static void f_gcons_remove(void *ctx, uint16_t guest)
{
	(void)ctx;
	if (F.gcons_guest == guest)
		F.gcons_guest = -1;
}

static int f_hvm_param(void *ctx, uint16_t domid, uint32_t index, uint64_t *value)
{
	(void)ctx;
	if (!dom_by_id(domid) || domid >= sizeof(F.callback_irq) / sizeof(F.callback_irq[0]))
		return -XL_EINVAL;
	*value = index == HVM_PARAM_CALLBACK_IRQ ? F.callback_irq[domid] : 0;
	return 0;
}

static int f_hvm_store(void *ctx, uint16_t guest, const char *name, uint64_t pfn,
		       uint64_t console_pfn)
{
	(void)ctx;
	trace("hvm_store d%u %s pfn=0x%llx console=0x%llx\n", guest, name,
	      (unsigned long long)pfn, (unsigned long long)console_pfn);
	if (inject())
		return -XL_ENOSPC;
	F.store_guest = guest;
	F.store_pfn = pfn;
	return 0;
}

/* A device model (a "-dm" domain) unpaused: up at once, silent, or dead. */
static void fake_dm_start(uint16_t domid)
{
	struct fake_dom *d = dom_by_id(domid);
	struct fake_node *target;
	char path[256];
	size_t len = d ? strlen(d->info.name) : 0;

	if (!d || len < 3 || strcmp(d->info.name + len - 3, "-dm"))
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/target", domid);
	target = node_find(path);
	if (F.dm == DM_DIES) {
		d->info.flags = BH_DOMINF_shutdown;
		d->info.shutdown_reason = SHUTDOWN_crash;
	} else if (F.dm == DM_RUNS && target) {
		snprintf(path, sizeof(path), "/local/domain/0/device-model/%s/state", target->value);
		snprintf(node_make(path)->value, sizeof(F.xs[0].value), "running");
	}
}

/* The store as lines "path = "value" (perms)", in path order. */
static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fake_node *)a)->path, ((const struct fake_node *)b)->path);
}

static const char *xs_dump(void)
{
	static char out[16384];
	static const char letters[] = "nrwb";
	struct fake_node sorted[256];
	size_t len = 0;

	memcpy(sorted, F.xs, F.nxs * sizeof(sorted[0]));
	qsort(sorted, F.nxs, sizeof(sorted[0]), node_cmp);
	out[0] = '\0';
	for (unsigned i = 0; i < F.nxs && len < sizeof(out) - 256; i++) {
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s = \"%s\" (", sorted[i].path,
					sorted[i].value);
		for (unsigned k = 0; k < sorted[i].nperms; k++)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%c%u", k ? "," : "",
						letters[sorted[i].perms[k].perm & 3],
						sorted[i].perms[k].domid);
		len += (size_t)snprintf(out + len, sizeof(out) - len, ")\n");
	}
	return out;
}
