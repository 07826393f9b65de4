/*
 * PCI passthrough in xl (issue 8 §1; public/pci.h): pci= of a driver domain,
 * and the commands xl.1 lists: pci-assignable-list, pci-assignable-add,
 * pci-assignable-remove, pci-list.
 *
 * In Bulkhead the core owns every device from boot and Dom0 touches none, so
 * every device nobody holds is assignable (upstream's pciback binding has
 * nothing to do): -add checks the device is free, -remove says it stays with
 * the hypervisor. A device named in pci= is given to the new domain while it
 * is still paused; any refusal (no IOMMU, owned, unknown) fails the create.
 */
#include "xl_build.h"
#include "xlspec_pci.h"

#define MAX_DEVS 64

/* n hex digits of s (exactly), or -1. */
static long hex(const char *s, unsigned n)
{
	long v = 0;

	for (unsigned i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* "SSSS:BB:DD.F" (xlspec_pci_normalize's form; options after ',' or '@' ignored). */
int xl_pci_sbdf(const char *s, uint32_t *sbdf)
{
	long seg, bus, dev, fn;

	if (strnlen(s, 12) < 12 || s[4] != ':' || s[7] != ':' || s[10] != '.' ||
	    (s[12] && s[12] != ',' && s[12] != '@'))
		return -XL_EINVAL;
	seg = hex(s, 4);
	bus = hex(s + 5, 2);
	dev = hex(s + 8, 2);
	fn = hex(s + 11, 1);
	if (seg < 0 || bus < 0 || dev < 0 || dev > 0x1f || fn < 0 || fn > 7)
		return -XL_EINVAL;
	*sbdf = BH_PCI_SBDF(seg, bus, dev << 3 | fn);
	return 0;
}

static void sbdf_text(uint32_t sbdf, char out[16])
{
	snprintf(out, 16, "%04x:%02x:%02x.%x", sbdf >> 16, (sbdf >> 8) & 0xff, (sbdf >> 3) & 0x1f,
		 sbdf & 7);
}

/* The core's table (malloc'd), or an error said. */
static int devices(struct xl *x, struct bh_pci_dev **out, uint32_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if (!x->be->pci_list)
		return xl_fail(x, XL_FAIL, "PCI passthrough is not available in this build\n");
	if (!(*out = calloc(MAX_DEVS, sizeof(**out))))
		return xl_fail_rc(x, "pci", -XL_ENOMEM);
	rc = x->be->pci_list(x->be->ctx, *out, MAX_DEVS, n);
	if (rc) {
		free(*out);
		*out = NULL;
		return xl_fail_rc(x, "pci", rc);
	}
	if (*n > MAX_DEVS)
		*n = MAX_DEVS;
	return 0;
}

static const struct bh_pci_dev *find(const struct bh_pci_dev *d, uint32_t n, uint32_t sbdf)
{
	for (uint32_t i = 0; i < n; i++)
		if (d[i].sbdf == sbdf)
			return &d[i];
	return NULL;
}

int xl_cmd_pci_assignable_list(struct xl *x, const struct xl_args *a)
{
	struct bh_pci_dev *d;
	uint32_t n;
	char t[16];

	(void)a;
	if (devices(x, &d, &n))
		return XL_FAIL;
	for (uint32_t i = 0; i < n; i++) {
		if (d[i].owner != BH_PCI_OWNER_NONE || (d[i].flags & BH_PCI_DEV_BAD))
			continue;
		sbdf_text(d[i].sbdf, t);
		xl_out(x, "%s\n", t);
	}
	free(d);
	return XL_OK;
}

/* -add / -remove: the device must exist; -add also wants it free. */
static int assignable(struct xl *x, const struct xl_args *a, bool add)
{
	struct bh_pci_dev *d;
	const struct bh_pci_dev *p;
	uint32_t n, sbdf;
	char *norm = xlspec_pci_normalize(a->pos[0]);
	int rc = norm ? xl_pci_sbdf(norm, &sbdf) : -XL_EINVAL;

	free(norm);
	if (rc)
		return xl_fail(x, XL_FAIL, "pci-assignable-%s: invalid BDF '%s'\n",
			       add ? "add" : "remove", a->pos[0]);
	if (devices(x, &d, &n))
		return XL_FAIL;
	p = find(d, n, sbdf);
	if (!p)
		rc = xl_fail(x, XL_FAIL, "No such PCI device: %s\n", a->pos[0]);
	else if (add && p->owner != BH_PCI_OWNER_NONE)
		rc = xl_fail(x, XL_FAIL, "PCI device %s is assigned to domain %u\n", a->pos[0],
			     p->owner);
	else if (!add)
		xl_fail(x, 0, "%s stays with the hypervisor: Dom0 has no drivers to give it to\n",
			a->pos[0]);
	free(d);
	return rc;
}

int xl_cmd_pci_assignable_add(struct xl *x, const struct xl_args *a)
{
	return assignable(x, a, true);
}

int xl_cmd_pci_assignable_remove(struct xl *x, const struct xl_args *a)
{
	return assignable(x, a, false);
}

/* Upstream's layout: "Vdev Device", then "VS.F SSSS:BB:DD.F" per device. */
int xl_cmd_pci_list(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo dom;
	struct bh_pci_dev *d;
	uint32_t n;
	unsigned slot = 0;
	char t[16];
	int rc = xl_find_domain(x, a->pos[0], &dom);

	if (rc || devices(x, &d, &n))
		return XL_FAIL;
	for (uint32_t i = 0; i < n; i++) {
		if (d[i].owner != dom.domid)
			continue;
		if (!slot++)
			xl_out(x, "Vdev Device\n");
		sbdf_text(d[i].sbdf, t);
		xl_out(x, "%02x.%x %s\n", slot - 1, 0, t);
	}
	free(d);
	return XL_OK;
}

/* The build's pci= list, given to domid (paused). */
int xl_pci_assign_all(struct xl *x, uint16_t domid, const uint32_t *sbdf, unsigned n)
{
	char t[16];
	int rc;

	if (n && !x->be->pci_assign)
		return xl_fail(x, XL_FAIL, "PCI passthrough is not available in this build\n");
	for (unsigned i = 0; i < n; i++) {
		sbdf_text(sbdf[i], t);
		rc = x->be->pci_assign(x->be->ctx, domid, sbdf[i]);
		if (rc == -XL_EPERM)
			return xl_fail(x, XL_FAIL, "Failed to assign PCI device %s to domain %u: "
				       "passthrough needs an IOMMU (none enabled; see xl dmesg)\n",
				       t, domid);
		if (rc)
			return xl_fail(x, XL_FAIL, "Failed to assign PCI device %s to domain %u: "
				       "%s (rc=%d)\n", t, domid, xl_strerror(rc), rc);
		XL_LOG(x, XL_DEBUG, domid, "PCI device %s assigned", t);
	}
	return 0;
}
