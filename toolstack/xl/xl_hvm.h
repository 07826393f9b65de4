/*
 * HVM guests (type="hvm" / builder="hvm"): the guest domain (BH_CREATE_hvm,
 * SeaBIOS loaded at the top of 4 GiB) and its device model, a runtime domain
 * NAME-dm built from dm.elf, wired together (BH_DOMCTL_set_dm, xenstore) and
 * kept together for the guest's whole life: shutdown actions, restart, the
 * device model's death, destroy.
 */
#ifndef XL_HVM_H
#define XL_HVM_H

#include "xl.h"
#include "xl_build.h"
#include "xlcfg_domain.h"

#define XL_HVM_BIOS "/usr/lib/xen/boot/bios.bin"	/* Debian's seabios bios.bin */
#define XL_HVM_DM "/usr/lib/bulkhead/dm.elf"
#define XL_HVM_DM_NIC_MIB 1		/* and this per emulated NIC (its registers, packet buffers, rings) */
#define XL_HVM_DM_MAX_NICS 4		/* the device model's NIC slots, 00:03.0-00:06.0 */
#define XL_HVM_DM_MEM_MIB 4		/* the device model's RAM (measured: a 2-vCPU Linux guest boots from its CD with it) */
#define XL_HVM_DM_VCPUS 1
#define XL_HVM_DM_SUFFIX "-dm"
#define XL_HVM_BIOS_MAX (256u * 1024)	/* BH_HVM_FIRMWARE_BASE .. 4 GiB */
#define XL_HVM_ISA_BIOS 0xe0000ull	/* the BIOS's last 128 KiB are also here */
#define XL_HVM_ISA_BIOS_SIZE (128u * 1024)
#define XL_HVM_DM_TIMEOUT_MS 10000	/* for the device model to say "running" */
#define XL_HVM_POLL_MS 50
#define XL_HVM_MAX_DISKS 4		/* hda..hdd */
#define XL_HVM_MAX_VIFS XL_BUILD_MAX_VIFS

/* Where a disk's backend is (xl_hvm_disk_backend). */
#define XL_HVM_BLKBACK "blkback"	/* the storage driver domain's name */
#define XL_HVM_ZVOL "/dev/zvol/"
#define XL_HVM_NETBACK "netback"	/* the network driver domain's name */



/* What xl keeps of an HVM guest's config: enough to create it again. */
struct xl_hvm_cfg {
	char name[64];
	uint32_t mem_mib, max_mem_mib, vcpus, maxvcpus;
	char boot[8];		/* of "cdn", default "cd" */
	bool serial_pty;
	bool no_platform;	/* xen_platform_pci=0 */
	enum xl_action on_poweroff, on_reboot, on_crash;
	unsigned ndisks;
	struct xl_disk disks[XL_HVM_MAX_DISKS];
	unsigned nvifs;
	struct xl_vif vifs[XL_HVM_MAX_VIFS];
};

/* xl_hvm_cfg.c: from the parsed config; warns once per unsupported key
 * (vnc, vif, usbdevice, sdl, soundhw, pci) and refuses what cannot be
 * built, with one line. */
struct xl_config;
int xl_hvm_config(struct xl *x, const struct xl_config *c, struct xl_hvm_cfg *h);
int xl_hvm_cfg_copy(struct xl_hvm_cfg *to, const struct xl_hvm_cfg *from);
void xl_hvm_cfg_free(struct xl_hvm_cfg *h);
/* The device model's /chosen bootargs: target= name= vcpus= mem_mib= boot= serial=
 * pv_disks= (1: the guest's disks and NICs are also PV vbds and vifs, so its
 * unplug request is honoured) platform= (0: xen_platform_pci=0) */
void xl_hvm_dm_args(const struct xl_hvm_cfg *h, uint16_t guest, bool pv_disks, char *buf,
		    size_t size);

/* xl_hvm.c: creates guest and device model; guest left paused with paused.
 * On failure both are destroyed, every node removed, XL_FAIL returned. */
int xl_hvm_create(struct xl *x, const struct xl_hvm_cfg *h, bool paused, uint16_t *domid);
/* Destroys guest and device model (either may be gone already), removes
 * the guest console and every node; 0 or the guest's destroy error. */
int xl_hvm_destroy_pair(struct xl *x, uint16_t guest, int dm);
/* Disk k's backend domain (issue 8 §3), for HVM guests and runtime domains
 * alike: backend=NAME (running), else a /dev/zvol/ volume that the running
 * storage driver domain XL_HVM_BLKBACK (domid blk, or -1) publishes, else
 * Dom0. 0, or -XL_ESRCH when backend= names no running domain. */
int xl_hvm_disk_backend(struct xl *x, const struct xl_disk *k, int blk, uint16_t *be);

/* xl_hvm_xs.c: the xenstore side. */
int xl_hvm_xs_guest(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest);
/* be[i]: disk i's backend domain (xl_hvm.c resolves it at each create). */
int xl_hvm_xs_dm(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, uint16_t dm,
		 const uint16_t *be);
/* The guest's own vbds (its PV drivers' disks, libxl's layout): every disk
 * again with the guest as frontend, served by the same backend as the
 * device model's. */
int xl_hvm_xs_pv(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, const uint16_t *be);
/* One vbd: disk k with domain fe as frontend, be as backend (libxl's
 * layout, xenstore-paths.pandoc); 0 or the first store error (logged). */
int xl_hvm_xs_vbd(struct xl *x, const struct xl_disk *k, uint16_t fe, uint16_t be);
/* The guest's vifs: each with its backend domain (backend=, else the
 * running XL_HVM_NETBACK), libxl's nodes (xenstore-paths.pandoc:
 * BE/backend/vif/G/N and G/device/vif/N). A vif whose default backend is
 * not running is left out with a warning (the guest boots without that
 * NIC); a backend= domain that is not running fails the create. pv: the
 * guest's own PV vifs; dm >= 0: the device model's twin of each emulated
 * (type=ioemu) vif, frontend dm, backend vifname vifG.N-emu. */
int xl_hvm_xs_vifs(struct xl *x, const struct xl_hvm_cfg *h, uint16_t guest, int dm, bool pv);
/* One vif: v with domain fe as frontend, be as backend; emu_of >= 0 for the
 * device model's twin of guest emu_of's emulated NIC. 0 or a store error. */
int xl_hvm_xs_vif(struct xl *x, const struct xl_vif *v, uint16_t fe, uint16_t be, int emu_of);
/* The same for any domain (a kernel= domain's vif= too): name for messages. */
int xl_xs_vifs(struct xl *x, const char *name, const struct xl_vif *vifs, unsigned n,
	       uint16_t guest);
/* Every vif node of frontend fe (device/vif/0..XL_BUILD_MAX_VIFS-1 and the
 * backend node each names, where it is exactly BE/backend/vif/FE/ID). */
void xl_xs_rm_vifs(struct xl *x, uint16_t fe);
/* One vif= spec into v (both kinds of domain); XL_FAIL with one line. */
struct xlspec_vif;
int xl_vif_fill(struct xl *x, const struct xlspec_vif *s, struct xl_vif *v);
/* Removes the vbds with ids[0..n) of frontend fe: its device/vbd/ID and the
 * backend node it names, only where that is exactly BE/backend/vbd/FE/ID
 * (the frontend owns the node: a hostile value removes nothing else). */
void xl_hvm_xs_rm_vbds(struct xl *x, uint16_t fe, const uint32_t *ids, unsigned n);
void xl_hvm_xs_remove(struct xl *x, uint16_t guest, int dm);
/* Reads a node into buf ("" when missing or without a store); 0 or -errno. */
int xl_hvm_xs_get(struct xl *x, const char *path, char *buf, size_t size);

/* xl_hvm_life.c: running HVM guests, their device models and configs. */
int xl_hvm_track(const struct xl_hvm_cfg *h, uint16_t guest, uint16_t dm);
/* The guest a domain belongs to (itself or its device model), or -1. */
int xl_hvm_guest_of(uint16_t domid);
/* Its device model, or -1 when domid is not a tracked guest. */
int xl_hvm_dm_of(uint16_t guest);
void xl_hvm_forget(uint16_t guest);
void xl_hvm_forget_all(void);	/* unit tests */
/* One pass: guests that shut down get their on_* action, guests whose device
 * model died are destroyed with a message. Returns how many were handled. */
int xl_hvm_reap(struct xl *x);
/* shutdown / reboot of a tracked guest (reason SHUTDOWN_poweroff/_reboot);
 * fallback: -F. A status. */
int xl_hvm_shutdown(struct xl *x, uint16_t guest, uint32_t reason, bool fallback);
/* xl trigger GUEST power|reset: the ACPI power button or reset, always. */
int xl_hvm_trigger(struct xl *x, uint16_t guest, const char *trigger);

#endif
