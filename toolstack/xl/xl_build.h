/*
 * The domain builder for runtime ELF domains (`kernel=` configs): the start
 * of day described at the end of public/bulkhead.h, made with domctls.
 */
#ifndef XL_BUILD_H
#define XL_BUILD_H

#include "xl.h"

/* What the builder needs from a domain's config. */
#define XL_BUILD_MAX_PCI 8
#define XL_BUILD_MAX_DISKS 16	/* xvda..xvdp */
#define XL_BUILD_MAX_VIFS 8

/* One disk: a vbd with its domain as the blkif frontend (a runtime domain's
 * disk=, or an HVM guest's disk that its device model and PV drivers use). */
struct xl_disk {
	char *target;		/* the backend's path; "" for an empty CD drive */
	char vdev[8];		/* hda..hdd (HVM), xvda..xvdp (runtime domains) */
	uint32_t devid;		/* xenstore id (Xen's vbd-interface encoding) */
	bool cdrom, rw, phy;	/* phy: a /dev/ path */
	bool discard;		/* discard-enable (libxl: discard/no-discard, else rw) */
	char backend[64];	/* backend=DOMAIN; "": automatic (xl_hvm_disk_backend) */
};

/* One vif (xl.cfg's vif=, issue 9 §2): a PV NIC served by netback. */
struct xl_vif {
	uint32_t devid;
	uint8_t mac[6];
	char bridge[32];
	char backend[64];		/* backend=; "" the default (netback) */
	char vifname[24];		/* "" for vifD.N */
	uint64_t rate_bytes;		/* per rate_us; 0 unlimited */
	uint32_t rate_us;
	bool emulated;			/* HVM type=ioemu: the device model's NIC too */
	char model[8];			/* that NIC: "e1000" or "rtl8139" (its device/vif/N/model) */
};

struct xl_build_cfg {
	char name[64];
	uint32_t mem_mib, max_mem_mib, vcpus;
	char *kernel;		/* path of the ELF image */
	char *ramdisk;		/* path, or NULL: becomes /modules/module@0 */
	char *cmdline;		/* /chosen bootargs; never NULL */
	/* A device model: a second console ring, its guest's serial port,
	 * served by Dom0 as the console of domain guest (backend gcons_add). */
	bool guest_console;
	uint16_t guest_domid;
	const char *guest_name;
	/* pci=: devices given to the domain before it first runs (xl_pci.c). */
	unsigned npci;
	uint32_t pci[XL_BUILD_MAX_PCI];
	/* disk=: vbds with this domain as frontend (xl_vbd.c). */
	unsigned ndisks;
	struct xl_disk disks[XL_BUILD_MAX_DISKS];
	/* vif=: netif devices with this domain as frontend (xl_vbd.c). */
	unsigned nvifs;
	struct xl_vif vifs[XL_BUILD_MAX_VIFS];
};

/* Guest-physical layout of a long-mode start (kernel/domain.c, public/bulkhead.h). */
#define XL_PML4 0x1000ull
#define XL_PDPT 0x2000ull
#define XL_PD 0x3000ull		/* four page directories: 0-4 GiB in 2 MiB pages */
#define XL_GDT 0x7000ull
#define XL_LOW_END 0x8000ull	/* images load at or above this */
#define XL_STACK_PER_VCPU 0x10000ull
#define XL_PAGING_SIZE (XL_LOW_END - XL_PML4)

/* A new domain's xenstore and console rings, for the FDT's /hypervisor node.
 * The builder offers two zeroed pages of the domain's RAM in store_pfn and
 * console_pfn; the hook may use them (or others) and sets present. */
struct xl_start_rings {
	bool present;
	uint32_t store_pfn, store_evtchn, console_pfn, console_evtchn;
	/* Device models: the guest's console ring (bulkhead,guest-console-*). */
	bool gcons_present;
	uint32_t gcons_pfn, gcons_evtchn;
};

/* Where the start info's parts go, and what it says. */
struct xl_start_info {
	uint16_t domid;
	uint32_t vcpus;
	uint64_t mem_bytes;
	const char *bootargs;
	uint64_t module_gpa, module_size;	/* size 0: no module */
	const char *module_args;
	struct xl_start_rings rings;
};

/*
 * Creates the domain paused, loads it and, unless paused, unpauses it.
 * On any failure the half-built domain is destroyed and one line says why.
 * Returns 0 (with *domid) or XL_FAIL.
 */
int xl_build_domain(struct xl *x, const struct xl_build_cfg *c, bool paused, uint16_t *domid);

/* xl_pci.c: "SSSS:BB:DD.F[,options]" -> sbdf (0 or -XL_EINVAL); gives each
 * device to domid, saying why on the first refusal (XL_FAIL). */
int xl_pci_sbdf(const char *s, uint32_t *sbdf);
int xl_pci_assign_all(struct xl *x, uint16_t domid, const uint32_t *sbdf, unsigned n);

/* The identity page tables and GDT, as the bytes of GPA XL_PML4..XL_LOW_END. */
void xl_build_paging(uint8_t buf[XL_PAGING_SIZE]);
/* The start info FDT; malloc'd blob or NULL. */
void *xl_build_fdt(const struct xl_start_info *si, size_t *len);

/*
 * Hooks for the lead (xl_hooks.c): the xenstore and console-ring pieces.
 * xl_builder_hook_xenstore runs after the domain exists and before its start
 * info is written: it should allocate the store and console rings and their
 * event channels, write /local/domain/DOMID/... and introduce the domain to
 * xenstored, and fill *rings. A non-zero return (negative errno) fails the
 * build. xl_builder_hook_xenstore_release undoes it (failed build, destroy).
 */
int xl_builder_hook_xenstore(struct xl *x, uint16_t domid, const struct xl_build_cfg *c,
			     struct xl_start_rings *rings);
void xl_builder_hook_xenstore_release(struct xl *x, uint16_t domid);

#endif
