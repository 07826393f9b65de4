/*
 * xl create's config: the parser's domain config (toolstack/xlcfg) narrowed
 * to what Bulkhead's builder makes today, runtime ELF domains from kernel=.
 * Bulkhead has no PV MMU: type "pv" (xl.cfg's default) and "pvh" with a
 * kernel= both mean such a domain; "hvm" is refused until HVM guests come.
 */
#include "xl_config.h"
#include "xl_vbd.h"

#define BUILD_MAX_VCPUS 64		/* the core's MAX_VCPUS */
#define BUILD_MAX_MEM_MIB 65536		/* the core's limit per domain */

static void sink(void *ctx, const char *s, size_t len)
{
	xl_outs(ctx, s, len);
}

/* Default MAC addresses need randomness: the backend's, else a fixed
 * pattern (still under Xen's 00:16:3e prefix, which the parser adds). */
static void random_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct xl *x = ctx;

	if (x->be->random) {
		x->be->random(x->be->ctx, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(0x5a + 17 * i);
}

static int parse(struct xl *x, const char *file, const char *text, size_t len,
		 char *const *overrides, int n, struct xl_config *c)
{
	struct xlspec_rng rng = { random_fill, x };
	struct xlcfg_err err;

	c->tree = xlcfg_parse(file, text, len, &err);
	for (int i = 0; c->tree && i < n; i++) {
		if (xlcfg_override(c->tree, overrides[i], i + 1, &err)) {
			xlcfg_free(c->tree);
			c->tree = NULL;
		}
	}
	if (!c->tree)
		return xl_fail(x, XL_FAIL, "%s\n", err.msg);
	if (xlcfg_domain_build(c->tree, &rng, &c->dom, &err)) {
		xl_config_free(c);
		return xl_fail(x, XL_FAIL, "%s\n", err.msg);
	}
	c->have_dom = true;
	return XL_OK;
}

int xl_config_load(struct xl *x, const char *file, char *const *overrides, int n,
		   struct xl_config *c)
{
	const struct xl_backend *be = x->be;
	char *text;
	size_t len;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = be->file_read(be->ctx, file, &text, &len);
	if (rc)
		return xl_fail(x, XL_FAIL, "Failed to read config file: %s: %s\n", file,
			       xl_strerror(rc));
	rc = parse(x, file, text, len, overrides, n, c);
	free(text);
	return rc;
}

void xl_config_print(struct xl *x, const struct xl_config *c)
{
	xlcfg_domain_print(&c->dom, sink, x);
}

void xl_config_free(struct xl_config *c)
{
	if (c->have_dom)
		xlcfg_domain_free(&c->dom);
	if (c->tree)
		xlcfg_free(c->tree);
	memset(c, 0, sizeof(*c));
}

static int check(struct xl *x, const struct xl_config *c)
{
	const struct xl_domain_config *d = &c->dom;

	if (d->type == XL_DOMAIN_HVM)
		return xl_fail(x, XL_FAIL, "HVM guests are not supported yet\n");
	if (!d->kernel)
		return xl_fail(x, XL_FAIL,
			       "%s: no kernel= given: Bulkhead starts non-HVM domains from an ELF kernel\n",
			       c->tree->source);
	if (!xl_name_valid(d->name))
		return xl_fail(x, XL_FAIL,
			       "%s: invalid domain name '%s' (1-63 characters, no '/' or spaces, not all digits)\n",
			       c->tree->source, d->name);
	if (d->vcpus > BUILD_MAX_VCPUS || d->memory_mib > BUILD_MAX_MEM_MIB ||
	    d->maxmem_mib > BUILD_MAX_MEM_MIB)
		return xl_fail(x, XL_FAIL,
			       "%s: Bulkhead domains have at most %u vCPUs and %u MiB\n",
			       c->tree->source, BUILD_MAX_VCPUS, BUILD_MAX_MEM_MIB);
	return 0;
}

int xl_config_to_build(struct xl *x, const struct xl_config *c, struct xl_build_cfg *b)
{
	const struct xl_domain_config *d = &c->dom;
	int rc = check(x, c);

	memset(b, 0, sizeof(*b));
	if (rc)
		return rc;
	strcpy(b->name, d->name);
	b->mem_mib = (uint32_t)d->memory_mib;
	b->max_mem_mib = (uint32_t)d->maxmem_mib;
	b->vcpus = d->vcpus;
	b->kernel = strdup(d->kernel);
	b->ramdisk = d->ramdisk ? strdup(d->ramdisk) : NULL;
	b->cmdline = strdup(d->cmdline ? d->cmdline : "");
	if (!b->kernel || !b->cmdline || (d->ramdisk && !b->ramdisk)) {
		xl_build_cfg_free(b);
		return xl_fail_rc(x, "create", -XL_ENOMEM);
	}
	if (d->pci.count > XL_BUILD_MAX_PCI) {
		xl_build_cfg_free(b);
		return xl_fail(x, XL_FAIL, "%s: at most %u pci= devices\n", c->tree->source,
			       XL_BUILD_MAX_PCI);
	}
	for (unsigned i = 0; i < d->pci.count; i++) {
		if (strchr(d->pci.items[i], '*') || xl_pci_sbdf(d->pci.items[i], &b->pci[i])) {
			xl_fail(x, XL_FAIL, "%s: pci='%s': Bulkhead assigns single functions "
				"(SSSS:BB:DD.F)\n", c->tree->source, d->pci.items[i]);
			xl_build_cfg_free(b);
			return XL_FAIL;
		}
	}
	b->npci = d->pci.count;
	if (xl_vbd_config(x, d, c->tree->source, b) ||
	    xl_vif_config(x, d, c->tree->source, b)) {
		xl_build_cfg_free(b);
		return XL_FAIL;
	}
	if (d->maxvcpus > d->vcpus)
		XL_LOG(x, XL_DETAIL, XL_NO_DOMID, "maxvcpus=%u: no vCPU hot-plug yet, %u created",
		       d->maxvcpus, d->vcpus);
	return 0;
}

void xl_build_cfg_free(struct xl_build_cfg *b)
{
	free(b->kernel);
	free(b->ramdisk);
	free(b->cmdline);
	b->kernel = b->ramdisk = b->cmdline = NULL;
	xl_vbd_free(b);
}
