/*
 * From a parsed xl.cfg tree to the domain xl creates: every key Bulkhead
 * interprets, checked, with xl.cfg(5)'s defaults filled in (facts from
 * Xen's docs/man/xl.cfg.5.pod.in and, where it is silent, libxl's
 * defaults; REFERENCE §2).
 *
 * Keys: name (required), type / builder, memory, maxmem, vcpus, maxvcpus,
 * kernel, ramdisk, cmdline (or root + extra), bootloader, firmware (pv and
 * pvh only), on_poweroff, on_reboot, on_crash, driver_domain, boot, vnc,
 * vnclisten, vncdisplay, xen_platform_pci, serial, usbdevice, cpus, pci, disk, vif. Other
 * keys are listed in `ignored'. A pv or pvh domain needs kernel,
 * bootloader or firmware (upstream: "Neither kernel nor bootloader
 * specified").
 * A number may be written as a string ("512"), as xl allows; a string key
 * given a number takes its text.
 */
#ifndef XLCFG_DOMAIN_H
#define XLCFG_DOMAIN_H

#include "xlcfg.h"
#include "xlspec_disk.h"
#include "xlspec_pci.h"
#include "xlspec_vif.h"

#define XL_MEMORY_DEFAULT_MIB 32	/* libxl's, when memory= is absent */
#define XL_MEMORY_MAX_MIB (1ull << 24)	/* 16 TiB */
#define XL_VCPUS_MAX 128		/* Xen's HVM_MAX_VCPUS */
#define XL_VNCDISPLAY_MAX (65535 - 5900)	/* TCP port 5900 + display */

enum xl_domain_type { XL_DOMAIN_PV, XL_DOMAIN_PVH, XL_DOMAIN_HVM };

enum xl_action {
	XL_ACTION_DESTROY, XL_ACTION_RESTART, XL_ACTION_RENAME_RESTART,
	XL_ACTION_PRESERVE, XL_ACTION_COREDUMP_DESTROY,
	XL_ACTION_COREDUMP_RESTART, XL_ACTION_SOFT_RESET,
};

struct xl_strlist {
	size_t count;
	char **items;
};

struct xl_domain_config {
	char *name;
	enum xl_domain_type type;	/* type=, else builder=; default pv */
	uint64_t memory_mib;		/* default XL_MEMORY_DEFAULT_MIB */
	uint64_t maxmem_mib;		/* default memory; >= memory */
	unsigned int vcpus;		/* default 1 */
	unsigned int maxvcpus;		/* default vcpus; >= vcpus */
	char *kernel, *ramdisk, *cmdline;	/* NULL: not given */
	char *bootloader;		/* NULL: not given */
	char *firmware;			/* pv/pvh: "pvgrub32" or "pvgrub64",
					 * not with kernel; NULL: not given
					 * (hvm's firmware= is not
					 * interpreted) */
	enum xl_action on_poweroff;	/* default destroy */
	enum xl_action on_reboot;	/* default restart */
	enum xl_action on_crash;	/* default destroy */
	bool driver_domain;		/* default 0 */
	char *boot;			/* of "cdn"; default "cd" for hvm,
					 * else NULL */
	bool vnc;			/* default 1 for hvm, else 0 */
	bool xen_platform_pci;		/* hvm: default 1 */
	char *vnclisten;		/* default "127.0.0.1" when vnc */
	int vncdisplay;			/* -1: not given */
	struct xl_strlist serial;	/* serial = "pty" or [ ... ] */
	struct xl_strlist usbdevice;	/* usbdevice = "tablet" or [ ... ] */
	struct xl_strlist cpus;		/* CPULISTs; empty: no pinning */
	bool cpus_per_vcpu;		/* cpus = [ ... ]: one per vCPU */
	struct xl_strlist pci;		/* BDF normalized: 0000:03:00.0... */
	size_t ndisks;
	struct xlspec_disk *disks;
	size_t nvifs;
	struct xlspec_vif *vifs;	/* devid i unless devid= given; no
					 * two alike; type set (never
					 * XLSPEC_VIF_DEFAULT) */
	struct xl_strlist ignored;	/* keys given but not interpreted */
};

/*
 * Builds `d' (which need not be initialised) from `cfg'. `rng' supplies
 * random MAC addresses. Returns 0, or -1 with `err' holding one line
 * "FILE:LINE: ..." naming the key, and `d' empty.
 */
int xlcfg_domain_build(const struct xlcfg *cfg, const struct xlspec_rng *rng,
		       struct xl_domain_config *d, struct xlcfg_err *err);

void xlcfg_domain_free(struct xl_domain_config *d);

/*
 * Writes the normalized configuration, what `xl create -N' prints. The
 * format is xl.cfg itself, so it can be read back (`xl create' on it gives
 * the same domain, MAC addresses included):
 *
 *   # Normalized by Bulkhead's xl: every default filled in.
 *   name = "freebsd"
 *   type = "hvm"
 *   memory = 1024
 *   ...                     one `key = value' line per setting, in the
 *                           order of struct xl_domain_config; unset
 *                           optional strings and empty lists left out
 *   disk = [
 *       "format=raw, vdev=hda, access=rw, target=/dev/zvol/tank/xendisk0",
 *   ]                       one canonical spec per line (xlspec_*_print)
 *   # not interpreted: keymap, localtime
 *
 * Numbers are decimal, strings double-quoted with C escapes.
 */
void xlcfg_domain_print(const struct xl_domain_config *d, xlcfg_write_fn write,
			void *ctx);

const char *xlcfg_domain_type_name(enum xl_domain_type type);
const char *xlcfg_action_name(enum xl_action action);

#endif
