/*
 * The real backend: every domain operation is one __HYPERVISOR_bulkhead_domctl
 * (public/bulkhead.h) with struct bh_domctl at BULKHEAD_DOMCTL_VERSION. Buffers
 * are passed by their address in Dom0, which the runtime maps 1:1.
 */
#include "backend_dom0.h"
#include "xl.h"
#include "dom/hypercall.h"	/* the runtime's entry: negative Xen errno on failure */
#include "dom/time.h"
#include "public/hvm.h"

static int domctl(uint32_t cmd, uint16_t domid, struct bh_domctl *d)
{
	d->cmd = cmd;
	d->domid = domid;
	return (int)dom_hypercall_domctl(d);	/* sets BULKHEAD_DOMCTL_VERSION */
}

static int dom0_list(void *ctx, uint16_t first, struct bh_dominfo *buf, uint32_t max,
		     uint32_t *count)
{
	struct bh_domctl d = { 0 };
	int rc;

	(void)ctx;
	d.u.list.first_domid = first;
	d.u.list.max = max;
	d.u.list.buf = (uint64_t)(uintptr_t)buf;
	rc = domctl(BH_DOMCTL_list, 0, &d);
	*count = rc ? 0 : d.u.list.count;
	return rc;
}

static int dom0_physinfo(void *ctx, struct bh_physinfo *pi)
{
	struct bh_domctl d = { 0 };
	int rc = domctl(BH_DOMCTL_physinfo, 0, &d);

	(void)ctx;
	if (!rc)
		*pi = d.u.physinfo;
	return rc;
}

static int dom0_create(void *ctx, const struct bh_create *req, uint16_t *domid)
{
	struct bh_domctl d = { 0 };
	int rc;

	(void)ctx;
	d.u.create = *req;
	rc = domctl(BH_DOMCTL_create, 0, &d);
	if (!rc)
		*domid = d.u.create.domid;
	return rc;
}

static int dom0_load(void *ctx, uint16_t domid, uint64_t gpa, const void *buf, uint64_t len)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	d.u.load.gpa = gpa;
	d.u.load.buf = (uint64_t)(uintptr_t)buf;
	d.u.load.len = len;
	return domctl(BH_DOMCTL_load, domid, &d);
}

static int dom0_set_vcpu(void *ctx, uint16_t domid, const struct bh_vcpu_start *s)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	d.u.vcpu = *s;
	return domctl(BH_DOMCTL_set_vcpu, domid, &d);
}

static int simple(uint32_t cmd, uint16_t domid)
{
	struct bh_domctl d = { 0 };

	return domctl(cmd, domid, &d);
}

static int dom0_pause(void *ctx, uint16_t domid)
{
	(void)ctx;
	return simple(BH_DOMCTL_pause, domid);
}

static int dom0_unpause(void *ctx, uint16_t domid)
{
	(void)ctx;
	return simple(BH_DOMCTL_unpause, domid);
}

static int dom0_destroy(void *ctx, uint16_t domid)
{
	(void)ctx;
	return simple(BH_DOMCTL_destroy, domid);
}

static int dom0_shutdown(void *ctx, uint16_t domid, uint32_t reason)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	d.u.shutdown.reason = reason;
	return domctl(BH_DOMCTL_shutdown, domid, &d);
}

static int dom0_console_read(void *ctx, char *buf, uint32_t size, bool clear, uint32_t *len)
{
	struct bh_domctl d = { 0 };
	int rc;

	(void)ctx;
	d.u.console.buf = (uint64_t)(uintptr_t)buf;
	d.u.console.size = size;
	d.u.console.clear = clear;
	rc = domctl(BH_DOMCTL_console_read, 0, &d);
	*len = rc ? 0 : d.u.console.len;
	return rc;
}

static int dom0_rename(void *ctx, uint16_t domid, const char *name)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	strncpy(d.u.create.name, name, sizeof(d.u.create.name) - 1);
	return domctl(BH_DOMCTL_set_name, domid, &d);
}

static int dom0_set_max_mem(void *ctx, uint16_t domid, uint64_t mib)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	d.u.max_mem.mib = mib;
	return domctl(BH_DOMCTL_set_max_mem, domid, &d);
}

static int dom0_vcpu_list(void *ctx, uint16_t domid, struct bh_vcpuinfo *buf, uint32_t max,
			  uint32_t *count)
{
	struct bh_domctl d = { 0 };
	int rc;

	(void)ctx;
	d.u.vcpus.max = max;
	d.u.vcpus.buf = (uint64_t)(uintptr_t)buf;
	rc = domctl(BH_DOMCTL_vcpu_list, domid, &d);
	*count = rc ? 0 : d.u.vcpus.count;
	return rc;
}

static int dom0_pci_list(void *ctx, struct bh_pci_dev *buf, uint32_t max, uint32_t *count)
{
	struct bh_domctl d;
	int rc;

	(void)ctx;
	memset(&d, 0, sizeof(d));
	d.u.pci_list.max = max;
	d.u.pci_list.buf = (uint64_t)(uintptr_t)buf;
	rc = domctl(BH_DOMCTL_pci_list, 0, &d);
	*count = d.u.pci_list.count;
	return rc;
}

static int dom0_pci_assign(void *ctx, uint16_t domid, uint32_t sbdf)
{
	struct bh_domctl d;

	(void)ctx;
	memset(&d, 0, sizeof(d));
	d.u.pci.sbdf = sbdf;
	return domctl(BH_DOMCTL_pci_assign, domid, &d);
}

static int dom0_set_dm(void *ctx, uint16_t domid, uint16_t dm_domid)
{
	struct bh_domctl d = { 0 };

	(void)ctx;
	d.u.set_dm.dm_domid = dm_domid;
	return domctl(BH_DOMCTL_set_dm, domid, &d);
}

static int dom0_hvm_param(void *ctx, uint16_t domid, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index };
	long rc = dom_hypercall_hvm_op(HVMOP_get_param, &p);

	(void)ctx;
	*value = p.value;
	return (int)rc;
}

static uint64_t dom0_now_ns(void *ctx)
{
	(void)ctx;
	return dom_now_ns();
}

/* The core's build, through xen_version (XENVER_compile_info, _changeset). */
static int dom0_version(void *ctx, struct xl_version *v)
{
	struct xen_compile_info ci;
	char changeset[64] = "";
	long rc;

	(void)ctx;
	memset(&ci, 0, sizeof(ci));
	rc = dom_hypercall_xen_version(XENVER_compile_info, &ci);
	if (rc < 0)
		return (int)rc;
	memcpy(v->cc_compiler, ci.compiler, sizeof(v->cc_compiler) - 1);
	memcpy(v->cc_compile_by, ci.compile_by, sizeof(v->cc_compile_by) - 1);
	memcpy(v->cc_compile_domain, ci.compile_domain, sizeof(v->cc_compile_domain) - 1);
	memcpy(v->cc_compile_date, ci.compile_date, sizeof(v->cc_compile_date) - 1);
	if (dom_hypercall_xen_version(XENVER_changeset, changeset) >= 0) {
		changeset[sizeof(changeset) - 1] = '\0';
		memcpy(v->changeset, changeset, sizeof(v->changeset));
	}
	return 0;
}

/* Without the runtime's randomness: TSC through xorshift, good enough for
 * the low bytes of default MAC addresses, not for secrets. */
static void dom0_random(void *ctx, uint8_t *buf, size_t len)
{
	uint32_t lo, hi;
	uint64_t s;

	(void)ctx;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	s = ((uint64_t)hi << 32 | lo) | 1;
	for (size_t i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		buf[i] = (uint8_t)s;
	}
}

void xl_backend_dom0(struct xl_backend *be, const struct xl_dom0_io *io)
{
	memset(be, 0, sizeof(*be));
	be->ctx = io->ctx;
	be->list = dom0_list;
	be->physinfo = dom0_physinfo;
	be->create = dom0_create;
	be->load = dom0_load;
	be->set_vcpu = dom0_set_vcpu;
	be->pause = dom0_pause;
	be->unpause = dom0_unpause;
	be->shutdown = dom0_shutdown;
	be->destroy = dom0_destroy;
	be->console_read = dom0_console_read;
	be->rename = dom0_rename;
	be->set_max_mem = dom0_set_max_mem;
	be->vcpu_list = dom0_vcpu_list;
	be->set_dm = dom0_set_dm;
	be->now_ns = dom0_now_ns;
	be->hvm_param = dom0_hvm_param;
	be->xs_write = io->xs_write;
	be->xs_read = io->xs_read;
	be->xs_rm = io->xs_rm;
	be->xs_dir = io->xs_dir;
	be->xs_set_perms = io->xs_set_perms;
	be->gcons_add = io->gcons_add;
	be->gcons_remove = io->gcons_remove;
	be->hvm_store = io->hvm_store;
	be->pci_list = dom0_pci_list;
	be->pci_assign = dom0_pci_assign;
	be->version = dom0_version;
	be->file_read = io->file_read;
	be->file_write = io->file_write;
	be->file_exists = io->file_exists;
	be->file_rename = io->file_rename;
	be->cons_open = io->cons_open;
	be->cons_read = io->cons_read;
	be->cons_write = io->cons_write;
	be->cons_close = io->cons_close;
	be->term_read = io->term_read;
	be->wait = io->wait;
	be->random = io->random ? io->random : dom0_random;
	be->out = io->out;
	be->err = io->err;
}

int xl_dom0_main(const struct xl_dom0_io *io, int argc, char **argv)
{
	struct xl_backend be;

	xl_backend_dom0(&be, io);
	return xl_main(&be, argc, argv);
}
