/*
 * A runtime domain's disks (xl_vbd.h). The vdev naming is Xen's
 * vbd-interface.pandoc, reduced to the single-letter xvd names: the id the
 * frontend finds under device/vbd/ID is 202 << 8 | X * 16.
 */
#include "xl_vbd.h"
#include "xl_hvm.h"

int xl_vbd_devid(const char *vdev, uint32_t *devid)
{
	if (strlen(vdev) != 4 || strncmp(vdev, "xvd", 3) || vdev[3] < 'a' ||
	    vdev[3] >= 'a' + XL_VBD_XVD_COUNT)
		return -1;
	*devid = XL_VBD_XVD_MAJOR << 8 | (uint32_t)(vdev[3] - 'a') * 16;
	return 0;
}

static int disk(struct xl *x, const struct xlspec_disk *s, const char *src,
		struct xl_build_cfg *b)
{
	struct xl_disk *k = &b->disks[b->ndisks];

	if (xl_vbd_devid(s->vdev, &k->devid))
		return xl_fail(x, XL_FAIL,
			       "%s: disk vdev=%s: a kernel= domain's disks are xvda-xvdp\n", src,
			       s->vdev);
	for (unsigned i = 0; i < b->ndisks; i++)
		if (b->disks[i].devid == k->devid)
			return xl_fail(x, XL_FAIL, "%s: disk vdev=%s given twice\n", src, s->vdev);
	if (s->format != XLSPEC_DISK_RAW)
		return xl_fail(x, XL_FAIL, "%s: disk vdev=%s: format %s is not supported (raw only)\n",
			       src, s->vdev, xlspec_disk_format_name(s->format));
	if (xl_disk_fill(k, s))
		return xl_fail_rc(x, "create", -XL_ENOMEM);
	b->ndisks++;
	return 0;
}

int xl_disk_fill(struct xl_disk *k, const struct xlspec_disk *s)
{
	if (!(k->target = strdup(s->format == XLSPEC_DISK_EMPTY ? "" : s->target)))
		return -XL_ENOMEM;
	strcpy(k->vdev, s->vdev);
	k->cdrom = s->cdrom;
	k->rw = s->readwrite;
	k->discard = s->discard == XLSPEC_FLAG_DEFAULT ? s->readwrite : s->discard == XLSPEC_FLAG_ON;
	k->phy = !strncmp(k->target, "/dev/", 5);
	if (s->backend)
		snprintf(k->backend, sizeof(k->backend), "%s", s->backend);
	return 0;
}

int xl_vbd_config(struct xl *x, const struct xl_domain_config *d, const char *src,
		  struct xl_build_cfg *b)
{
	int rc = 0;

	if (d->ndisks > XL_BUILD_MAX_DISKS)
		return xl_fail(x, XL_FAIL, "%s: at most %u disks (xvda-xvdp)\n", src,
			       XL_BUILD_MAX_DISKS);
	for (size_t i = 0; i < d->ndisks && !rc; i++)
		rc = disk(x, &d->disks[i], src, b);
	if (rc)
		xl_vbd_free(b);
	return rc;
}

void xl_vbd_free(struct xl_build_cfg *b)
{
	for (unsigned i = 0; i < b->ndisks; i++)
		free(b->disks[i].target);
	memset(b->disks, 0, sizeof(b->disks));
	b->ndisks = 0;
}

int xl_vbd_backends(struct xl *x, const struct xl_build_cfg *c, uint16_t *be)
{
	int blk = c->ndisks ? xl_domain_named(x, XL_HVM_BLKBACK) : -1;

	if (c->ndisks && (!x->be->xs_write || !x->be->xs_read || !x->be->xs_rm ||
			  !x->be->xs_set_perms))
		return xl_fail(x, XL_FAIL, "Failed to build domain '%s': disks need xenstore: "
			       "none in this build\n", c->name);
	for (unsigned i = 0; i < c->ndisks; i++)
		if (xl_hvm_disk_backend(x, &c->disks[i], blk, &be[i]))
			return xl_fail(x, XL_FAIL, "Failed to build domain '%s': disk %s: backend "
				       "domain '%s' is not running\n", c->name, c->disks[i].vdev,
				       c->disks[i].backend);
	return 0;
}

int xl_vbd_write(struct xl *x, const struct xl_build_cfg *c, uint16_t domid, const uint16_t *be)
{
	int rc = 0;

	for (unsigned i = 0; i < c->ndisks && !rc; i++) {
		rc = xl_hvm_xs_vbd(x, &c->disks[i], domid, be[i]);
		if (!rc)
			XL_LOG(x, XL_DEBUG, domid, "disk %s (vbd %u): %s on domain %u",
			       c->disks[i].vdev, c->disks[i].devid, c->disks[i].target, be[i]);
	}
	if (rc)
		return xl_fail(x, XL_FAIL, "Failed to build domain '%s': its disks' nodes: %s\n",
			       c->name, xl_strerror(rc));
	return 0;
}

/* The frontend may have rewritten its backend nodes: Dom0's and blkback's
 * directories for it go whatever they say (backend= domains are found only
 * through the frontend's node). */
void xl_vbd_remove(struct xl *x, uint16_t domid)
{
	uint32_t ids[XL_VBD_XVD_COUNT];
	int blk = xl_domain_named(x, XL_HVM_BLKBACK);
	char path[64];

	if (!x->be->xs_rm)
		return;
	for (unsigned i = 0; i < XL_VBD_XVD_COUNT; i++)
		ids[i] = XL_VBD_XVD_MAJOR << 8 | i * 16;
	xl_hvm_xs_rm_vbds(x, domid, ids, XL_VBD_XVD_COUNT);
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", domid);
	x->be->xs_rm(x->be->ctx, path);
	if (blk > 0) {
		snprintf(path, sizeof(path), "/local/domain/%d/backend/vbd/%u", blk, domid);
		x->be->xs_rm(x->be->ctx, path);
	}
}

/* ---- vif=: the same for netif devices ------------------------------------ */

int xl_vif_config(struct xl *x, const struct xl_domain_config *d, const char *src,
		  struct xl_build_cfg *b)
{
	if (d->nvifs > XL_BUILD_MAX_VIFS)
		return xl_fail(x, XL_FAIL, "%s: at most %u vifs\n", src, XL_BUILD_MAX_VIFS);
	for (size_t i = 0; i < d->nvifs; i++) {
		for (unsigned k = 0; k < b->nvifs; k++)
			if (b->vifs[k].devid == d->vifs[i].devid)
				return xl_fail(x, XL_FAIL, "%s: vif devid=%u given twice\n", src,
					       d->vifs[i].devid);
		if (xl_vif_fill(x, &d->vifs[i], &b->vifs[b->nvifs]))
			return XL_FAIL;
		b->nvifs++;
	}
	return 0;
}

int xl_vif_write(struct xl *x, const struct xl_build_cfg *c, uint16_t domid)
{
	if (!x->be->xs_write || !x->be->xs_read || !x->be->xs_rm || !x->be->xs_set_perms)
		return xl_fail(x, XL_FAIL, "Failed to build domain '%s': vifs need xenstore: "
			       "none in this build\n", c->name);
	return xl_xs_vifs(x, c->name, c->vifs, c->nvifs, domid);
}

/* As xl_vbd_remove: the backends the frontend names, then netback's
 * directory for it (a create that failed before the frontend named it). */
void xl_vif_remove(struct xl *x, uint16_t domid)
{
	int nb = xl_domain_named(x, XL_HVM_NETBACK);
	char path[64];

	if (!x->be->xs_rm || !x->be->xs_read)
		return;
	xl_xs_rm_vifs(x, domid);
	for (unsigned id = 0; id < XL_BUILD_MAX_VIFS; id++) {
		snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u", domid, id);
		x->be->xs_rm(x->be->ctx, path);
	}
	if (nb > 0) {
		snprintf(path, sizeof(path), "/local/domain/%d/backend/vif/%u", nb, domid);
		x->be->xs_rm(x->be->ctx, path);
	}
}
