/*
 * What Dom0 adds to a domain xl builds: its store and console rings served
 * (xenstored, the console daemon), the /local/domain/N nodes Xen tools and
 * frontends expect, and later its removal; the store as xl's backend sees
 * it (HVM guests' nodes). Also the reaper: HVM guests and their device
 * models go to xl first (on_* actions, restart, a dead device model); any
 * other domain that shuts itself down is destroyed, as on_poweroff /
 * on_crash="destroy" ask.
 */
#include "dom.h"
#include "dom0.h"
#include "dom/error.h"
#include "dom/hypercall.h"
#include "dom/time.h"
#include "public/bulkhead.h"
#include "public/event_channel.h"
#include "public/hvm.h"
#include "backend_dom0.h"
#include "xl_build.h"
#include "xenstored.h"

#define REAP_INTERVAL_NS 100000000ull	/* 100 ms */

/* A port of domid that Dom0 may bind (EVTCHNOP_alloc_unbound, privileged). */
static int unbound_port(uint16_t domid, uint32_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = domid, .remote_dom = 0 };
	long rc = dom_hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	*port = op.port;
	return (int)rc;
}

static int node(uint16_t domid, const char *rel, const char *fmt, ...)
{
	char path[128], value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	return dom0_xs_write(path, value);
}

/* /local/domain/N readable by N, owned by Dom0; N's own subtrees owned by N. */
static void write_nodes(uint16_t domid, const struct xl_build_cfg *c, const struct xl_start_rings *r)
{
	static const char *const owned[] = { "data", "device", "control", "error", "drivers", "attr" };
	struct xs_perm perms[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	char path[96];

	/* Permissions first: nodes created below inherit their parent's. */
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_op_mkdir(dom0_xs(), path);
	xs_op_set_perms(dom0_xs(), path, perms, 2);
	node(domid, "name", "%s", c->name);
	node(domid, "domid", "%u", domid);
	node(domid, "memory/target", "%u", c->mem_mib * 1024);
	node(domid, "memory/static-max", "%u", c->max_mem_mib * 1024);
	node(domid, "store/ring-ref", "%u", r->store_pfn);
	node(domid, "store/port", "%u", r->store_evtchn);
	node(domid, "console/ring-ref", "%u", r->console_pfn);
	node(domid, "console/port", "%u", r->console_evtchn);
	node(domid, "console/type", "xenconsoled");
	for (uint32_t i = 0; i < c->vcpus; i++) {
		snprintf(path, sizeof(path), "cpu/%u/availability", i);
		node(domid, path, "online");
	}
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		struct xs_perm own = { domid, XS_PERM_READ };	/* owner domid, others read */

		snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, owned[i]);
		xs_op_mkdir(dom0_xs(), path);
		xs_op_set_perms(dom0_xs(), path, &own, 1);
	}
}

int xl_builder_hook_xenstore(struct xl *x, uint16_t domid, const struct xl_build_cfg *c,
			     struct xl_start_rings *rings)
{
	int rc;

	(void)x;
	if ((rc = unbound_port(domid, &rings->store_evtchn)) ||
	    (rc = unbound_port(domid, &rings->console_evtchn)))
		return rc;
	if ((rc = dom0_xsd_add(domid, rings->store_pfn, rings->store_evtchn)))
		return rc;
	if ((rc = dom0_cons_add(domid, c->name, c->guest_name, rings->console_pfn,
				 rings->console_evtchn))) {
		dom0_xsd_remove(domid);
		return rc;
	}
	write_nodes(domid, c, rings);
	rings->present = true;
	return 0;
}

static int set_param(uint16_t domid, uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index, .value = value };

	return (int)dom_hypercall_hvm_op(HVMOP_set_param, &p);
}

/* xl's hvm_store (xl_backend.h): an HVM guest's own store and PV console
 * rings, which its PV drivers find through HVM params (Linux's xenbus_init,
 * XS_HVM; hvc_xen's xen_hvm_console_init); the store nodes libxl writes
 * for every domain. Released with the rest of the guest's store and
 * consoles (xl_builder_hook_xenstore_release). */
int dom0_xl_hvm_store(void *ctx, uint16_t guest, const char *name, uint64_t store_pfn,
		      uint64_t console_pfn)
{
	uint32_t port, cport;
	int rc;

	(void)ctx;
	if ((rc = unbound_port(guest, &port)) || (rc = unbound_port(guest, &cport)) ||
	    (rc = set_param(guest, HVM_PARAM_STORE_PFN, store_pfn)) ||
	    (rc = set_param(guest, HVM_PARAM_STORE_EVTCHN, port)) ||
	    (rc = dom0_xsd_add(guest, store_pfn, port)))
		return rc;
	if ((rc = dom0_cons_add_pv(guest, name, console_pfn, cport)) ||
	    (rc = set_param(guest, HVM_PARAM_CONSOLE_PFN, console_pfn)) ||
	    (rc = set_param(guest, HVM_PARAM_CONSOLE_EVTCHN, cport))) {
		dom0_xsd_remove(guest);
		dom0_cons_remove(guest);
		return rc;
	}
	node(guest, "store/ring-ref", "%llu", (unsigned long long)store_pfn);
	node(guest, "store/port", "%u", port);
	return 0;
}

void xl_builder_hook_xenstore_release(struct xl *x, uint16_t domid)
{
	(void)x;
	dom0_cons_remove(domid);
	dom0_xsd_remove(domid);
}

static void destroy(uint16_t domid)
{
	struct bh_domctl op = { .cmd = BH_DOMCTL_destroy, .version = BULKHEAD_DOMCTL_VERSION,
				.domid = domid };

	xl_dom0_vbd_remove(domid);	/* before the store goes: it reads the frontend's nodes */
	dom0_cons_remove(domid);
	dom0_xsd_remove(domid);
	dom_hypercall_domctl(&op);
}

void dom0_reap(void)
{
	static uint64_t next;
	static struct bh_dominfo info[32];
	struct bh_domctl op = { .cmd = BH_DOMCTL_list, .version = BULKHEAD_DOMCTL_VERSION };

	if (dom_now_ns() < next)
		return;
	next = dom_now_ns() + REAP_INTERVAL_NS;
	xl_dom0_hvm_reap();	/* first: the list below then shows what it left */
	op.u.list.first_domid = 1;
	op.u.list.max = 32;
	op.u.list.buf = (uint64_t)(uintptr_t)info;
	if (dom_hypercall_domctl(&op))
		return;
	for (uint32_t i = 0; i < op.u.list.count; i++)
		if ((info[i].flags & BH_DOMINF_shutdown) && !xl_dom0_hvm_owns(info[i].domid))
			destroy(info[i].domid);
}

/* xl's store operations (xl_backend.h): Dom0's own view, errors as -errno. */
int dom0_xl_xs_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	return -dom0_xs_write(path, value);
}

int dom0_xl_xs_read(void *ctx, const char *path, char **value)
{
	const struct xs_rec *r;
	int rc = xs_op_read(dom0_xs(), path, &r);

	(void)ctx;
	if (rc)
		return -rc;
	*value = malloc(r->len + 1);
	if (!*value)
		return -ENOMEM;
	memcpy(*value, xs_rec_value(r), r->len);
	(*value)[r->len] = '\0';
	return 0;
}

int dom0_xl_xs_rm(void *ctx, const char *path)
{
	int rc = xs_op_rm(dom0_xs(), path);

	(void)ctx;
	return rc == XSD_ENOENT ? 0 : -rc;
}

int dom0_xl_xs_dir(void *ctx, const char *path, char **names, size_t *len)
{
	const struct xs_rec *r;
	uint32_t n = 0;
	int rc = xs_op_read(dom0_xs(), path, &r);

	(void)ctx;
	if (rc)
		return -rc;
	*names = xs_op_children(dom0_xs(), path, &n);
	*len = n;
	return 0;
}

int dom0_xl_xs_set_perms(void *ctx, const char *path, const struct xl_xs_perm *p, unsigned n)
{
	struct xs_perm perms[4];

	(void)ctx;
	if (n > 4 || !n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		perms[i] = (struct xs_perm){ p[i].domid, p[i].perm };
	return -xs_op_set_perms(dom0_xs(), path, perms, n);
}
