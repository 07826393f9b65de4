/*
 * One DISK_SPEC_STRING of xl.cfg's `disk = [ ... ]' (facts from Xen's
 * docs/misc/xl-disk-configuration.txt; REFERENCE §2). Comma-separated:
 *
 *   positional  target, format, vdev, access — each fills the first of
 *               these not yet given; empty means the default
 *   key=value   format= vdev= access= devtype=cdrom|disk backend=DOMAIN
 *               backendtype=phy|tap|qdisk|standalone script=SCRIPT
 *               specification=xen|virtio (the protocol the guest sees:
 *               Xen's blkif, the default, or virtio; as libxlu 4.17)
 *   flags       cdrom discard no-discard direct-io-safe trusted untrusted
 *   target=...  must come last: takes the rest, commas and blanks too
 *
 * Blanks before a parameter are skipped (and, except in target=, after).
 * Each parameter may be given once. Formats: raw (default), qcow, qcow2,
 * vhd, qed, empty. Access: r/ro or w/rw; rw by default, r for a cdrom,
 * which must be read-only. vdev is required: hd[a-d], sd[a-z]+, xvd[a-z]+
 * (each with an optional partition number), dN[pM] or a plain number.
 *
 * Deprecated forms still accepted:
 *   [PREFIX:]target,vdev[:devtype],access — PREFIX raw: qcow: qcow2: vhd:
 *   sets the format; iscsi: nbd: enbd: drbd: sets script=block-NAME;
 *   tapdisk: tap: tap2: aio: ioemu: file: phy: are dropped; prefixes
 *   chain ("tap:aio:/img"). A prefix means the format slot is not
 *   positional. Without a prefix a second field that is a vdev rather
 *   than a format is taken as the vdev (Bulkhead: upstream refuses it).
 *   `hdc:cdrom' is vdev=hdc plus devtype=cdrom; `,hdc:cdrom,r' is an
 *   empty cdrom drive.
 */
#ifndef XLSPEC_DISK_H
#define XLSPEC_DISK_H

#include "xlcfg.h"

enum xlspec_disk_format {
	XLSPEC_DISK_RAW, XLSPEC_DISK_QCOW, XLSPEC_DISK_QCOW2, XLSPEC_DISK_VHD,
	XLSPEC_DISK_QED, XLSPEC_DISK_EMPTY,
};

enum xlspec_disk_backendtype {
	XLSPEC_DISK_BACKEND_AUTO,	/* not given: the toolstack picks */
	XLSPEC_DISK_BACKEND_PHY, XLSPEC_DISK_BACKEND_TAP,
	XLSPEC_DISK_BACKEND_QDISK, XLSPEC_DISK_BACKEND_STANDALONE,
};

enum xlspec_disk_specification {
	XLSPEC_DISK_SPEC_XEN,		/* the default */
	XLSPEC_DISK_SPEC_VIRTIO,
};

struct xlspec_disk {
	char *target;		/* host path; "" only for an empty cdrom */
	char *vdev;		/* as the guest sees it, e.g. "xvda" */
	enum xlspec_disk_format format;
	bool readwrite;
	bool cdrom;
	char *backend;		/* backend domain name; NULL: the default */
	enum xlspec_disk_backendtype backendtype;
	char *script;		/* block script; NULL: none */
	enum xlspec_disk_specification specification;
	bool direct_io_safe;
	enum xlspec_flag discard;	/* discard / no-discard */
	enum xlspec_flag trusted;	/* trusted / untrusted */
};

/*
 * Parses `spec' into `disk' (which need not be initialised). Returns 0, or
 * -1 with `err' holding "invalid disk spec `SPEC': WHAT" and `disk' empty.
 */
int xlspec_disk_parse(const char *spec, struct xlspec_disk *disk,
		      struct xlcfg_err *err);

/* Frees what xlspec_disk_parse allocated; leaves `disk' empty. */
void xlspec_disk_free(struct xlspec_disk *disk);

/*
 * Writes the canonical spec: every key spelled out, defaults filled in,
 * target last, e.g.
 *   format=raw, vdev=hda, access=rw, target=/dev/vg/guest
 *   format=empty, vdev=hdc, access=ro, devtype=cdrom
 * (specification= only when virtio). Parsing it gives the same disk.
 */
void xlspec_disk_print(const struct xlspec_disk *disk, xlcfg_write_fn write,
		       void *ctx);

const char *xlspec_disk_format_name(enum xlspec_disk_format format);

#endif
