/*
 * A runtime (kernel=) domain's disks (disk=), as libxl gives a PV domain
 * its vbds: each disk a vbd with the new domain as blkif frontend, the
 * backend chosen as for HVM disks (xl_hvm_disk_backend), the nodes written
 * by the HVM path's writer (xl_hvm_xs_vbd) and removed when it goes.
 */
#ifndef XL_VBD_H
#define XL_VBD_H

#include "xl_build.h"
#include "xlcfg_domain.h"

/* Xen's vbd-interface.pandoc: xvdX (X = a..p) is 202 << 8 | X * 16. */
#define XL_VBD_XVD_MAJOR 202
#define XL_VBD_XVD_COUNT 16

/* "xvda".."xvdp" -> its id; -1 for anything else. */
int xl_vbd_devid(const char *vdev, uint32_t *devid);
/* The parts of a disk spec both kinds of domain keep (target, vdev, access,
 * backend=); devid is the caller's. 0 or -XL_ENOMEM. */
struct xlspec_disk;
int xl_disk_fill(struct xl_disk *k, const struct xlspec_disk *s);
/* The config's disks into b->disks; one error line and XL_FAIL on a disk
 * that cannot be served (vdev, duplicate, format); b's disks then freed. */
int xl_vbd_config(struct xl *x, const struct xl_domain_config *d, const char *src,
		  struct xl_build_cfg *b);
void xl_vbd_free(struct xl_build_cfg *b);
/* Each disk's backend domain into be[]; before anything is created. */
int xl_vbd_backends(struct xl *x, const struct xl_build_cfg *c, uint16_t *be);
/* The vbd nodes of every disk, domid as frontend; 0 or a logged failure. */
int xl_vbd_write(struct xl *x, const struct xl_build_cfg *c, uint16_t domid, const uint16_t *be);
/* Every vbd of frontend domid (xvda..xvdp), wherever its backend is. */
void xl_vbd_remove(struct xl *x, uint16_t domid);

/* vif=, as libxl gives a PV domain its vifs: each a netif device with the
 * new domain as frontend, backend netback (or backend=), the nodes written
 * by the HVM path's writer (xl_xs_vifs) before the domain first runs. */
int xl_vif_config(struct xl *x, const struct xl_domain_config *d, const char *src,
		  struct xl_build_cfg *b);
int xl_vif_write(struct xl *x, const struct xl_build_cfg *c, uint16_t domid);
/* Every vif of frontend domid (device/vif/0-7 and the backends they name). */
void xl_vif_remove(struct xl *x, uint16_t domid);

#endif
