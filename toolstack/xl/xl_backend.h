/*
 * What xl needs from the machine, as a table of operations: the real one
 * (backend_dom0.c) calls __HYPERVISOR_bulkhead_domctl and the drivers-dom
 * runtime; the host unit tests hand in a fake. Every int-returning operation
 * answers 0 or a negative Xen errno (XL_E*, the values at the hypercall ABI).
 * Records are the public ABI's own (public/bulkhead.h), so the real backend
 * copies nothing.
 */
#ifndef XL_BACKEND_H
#define XL_BACKEND_H

#include "dom.h"
#include "public/bulkhead.h"

/* What `xl info` shows beyond physinfo: Dom0's uname and the core's build. */
struct xl_version {
	char host[64], release[64], version[128], machine[32];
	char cc_compiler[64], cc_compile_by[16], cc_compile_domain[32], cc_compile_date[32];
	char changeset[64], build_id[64];
};

/* A xenstore permission (the wire's "n5", "r0"...): perms[0] is the owner. */
#define XL_XS_NONE 0u
#define XL_XS_READ 1u
#define XL_XS_WRITE 2u
#define XL_XS_BOTH 3u

/* cons_* of an HVM guest's PV console (domids are below 0x7ff0). */
#define XL_CONS_PV 0x8000u
struct xl_xs_perm {
	uint16_t domid;
	uint16_t perm;	/* XL_XS_* */
};

struct xl_backend {
	void *ctx;	/* passed to every operation */

	/* Domain control (BH_DOMCTL_*). */
	int (*list)(void *ctx, uint16_t first_domid, struct bh_dominfo *buf, uint32_t max,
		    uint32_t *count);
	int (*physinfo)(void *ctx, struct bh_physinfo *pi);
	int (*create)(void *ctx, const struct bh_create *req, uint16_t *domid);
	int (*load)(void *ctx, uint16_t domid, uint64_t gpa, const void *buf, uint64_t len);
	int (*set_vcpu)(void *ctx, uint16_t domid, const struct bh_vcpu_start *start);
	int (*pause)(void *ctx, uint16_t domid);
	int (*unpause)(void *ctx, uint16_t domid);
	int (*shutdown)(void *ctx, uint16_t domid, uint32_t reason);	/* SHUTDOWN_* */
	int (*destroy)(void *ctx, uint16_t domid);
	/* The hypervisor's log ring; clear empties it after the copy. */
	int (*console_read)(void *ctx, char *buf, uint32_t size, bool clear, uint32_t *len);
	int (*rename)(void *ctx, uint16_t domid, const char *name);
	int (*set_max_mem)(void *ctx, uint16_t domid, uint64_t mib);
	int (*vcpu_list)(void *ctx, uint16_t domid, struct bh_vcpuinfo *buf, uint32_t max,
			 uint32_t *count);
	/* Optional (NULL: unknown). */
	int (*version)(void *ctx, struct xl_version *v);
	/* Host uptime (physinfo.uptime_ns) at which the domain was created. */
	int (*start_time)(void *ctx, uint16_t domid, uint64_t *uptime_ns);
	/* Random bytes (default MAC addresses). */
	void (*random)(void *ctx, uint8_t *buf, size_t len);

	/* Files: configs, kernels, /var/log/xen. file_read returns a malloc'd
	 * buffer (one spare NUL byte after len) the caller frees. */
	int (*file_read)(void *ctx, const char *path, char **data, size_t *len);
	int (*file_write)(void *ctx, const char *path, const void *data, size_t len, bool append);
	bool (*file_exists)(void *ctx, const char *path);
	int (*file_rename)(void *ctx, const char *from, const char *to);

	/* Another domain's console, for `xl console` (the runtime's console
	 * ring client; NULL while there is none). cons_read/term_read return
	 * bytes read, 0 when nothing is waiting, or a negative errno. */
	/* domid | XL_CONS_PV: an HVM guest's PV console, not its serial port. */
	int (*cons_open)(void *ctx, uint16_t domid);
	int (*cons_read)(void *ctx, uint16_t domid, char *buf, size_t size);
	int (*cons_write)(void *ctx, uint16_t domid, const char *buf, size_t len);
	void (*cons_close)(void *ctx, uint16_t domid);
	int (*term_read)(void *ctx, char *buf, size_t size);	/* the user's keys */
	/* Blocks until an event arrives or ms milliseconds pass. */
	void (*wait)(void *ctx, uint32_t ms);

	/* HVM guests (all optional: NULL where the build has none). */
	int (*set_dm)(void *ctx, uint16_t domid, uint16_t dm_domid);	/* BH_DOMCTL_set_dm */
	/* Monotonic clock (bounded waits); NULL: waits are counted instead. */
	uint64_t (*now_ns)(void *ctx);
	/* The store as Dom0 sees it. xs_read hands back a malloc'd NUL-terminated
	 * value the caller frees; -XL_ENOENT when the node is missing. xs_rm of
	 * a missing node is not an error. */
	int (*xs_write)(void *ctx, const char *path, const char *value);
	int (*xs_read)(void *ctx, const char *path, char **value);
	int (*xs_rm)(void *ctx, const char *path);
	/* The children of path as a malloc'd block of NUL-terminated names
	 * (*len bytes) the caller frees; NULL: no listing (xl network-list). */
	int (*xs_dir)(void *ctx, const char *path, char **names, size_t *len);
	int (*xs_set_perms)(void *ctx, const char *path, const struct xl_xs_perm *p, unsigned n);
	/* An HVM guest's serial console: a console ring (public/io/console.h)
	 * in its device model's page pfn; allocates the device model's event
	 * channel for it (*port) and serves the ring as domain guest's console
	 * (xl console NAME). gcons_remove undoes it; unknown guests are ignored. */
	int (*gcons_add)(void *ctx, uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
			 uint32_t *port);
	void (*gcons_remove)(void *ctx, uint16_t guest);
	/* An HVM guest's own PV rings (public/bulkhead.h's special pages): the
	 * xenstore ring at store_pfn (an unbound port of the guest, xenstored
	 * serving both as XS_INTRODUCE does, HVM_PARAM_STORE_PFN/EVTCHN set)
	 * and the PV console ring at console_pfn (served as NAME's PV console,
	 * `xl console -t pv`; HVM_PARAM_CONSOLE_PFN/EVTCHN set). Undone with
	 * the rest of the guest's store (xl_builder_hook_xenstore_release).
	 * NULL: no PV devices. */
	/* HVMOP_get_param of a guest (public/hvm/params.h); NULL: none. */
	int (*hvm_param)(void *ctx, uint16_t domid, uint32_t index, uint64_t *value);
	int (*hvm_store)(void *ctx, uint16_t guest, const char *name, uint64_t store_pfn,
			 uint64_t console_pfn);

	/* PCI passthrough (public/pci.h; NULL: none). pci_list copies up to max
	 * devices and sets *count to how many exist; pci_assign gives sbdf to
	 * domid (-XL_EPERM: no IOMMU). */
	int (*pci_list)(void *ctx, struct bh_pci_dev *buf, uint32_t max, uint32_t *count);
	int (*pci_assign)(void *ctx, uint16_t domid, uint32_t sbdf);

	/* Output: stdout and stderr. */
	void (*out)(void *ctx, const char *s, size_t len);
	void (*err)(void *ctx, const char *s, size_t len);
};

#endif
