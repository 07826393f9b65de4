/*
 * Domain control for the toolstack: each command validates its arguments
 * first and then acts; every guest pointer goes through copy_{from,to}_guest.
 * Only a privileged domain may call it.
 */
#include "domctl.h"
#include "domain.h"
#include "hvm.h"
#include "vcpu.h"
#include "guestmem.h"
#include "console.h"
#include "cmdline.h"
#include "frame.h"
#include "mm.h"
#include "apic.h"
#include "percpu.h"
#include "cpu.h"
#include "errno.h"
#include "pci_op.h"
#include "public/bulkhead.h"
#include "lib.h"

typedef long (*domctl_fn)(struct vcpu *v, struct bh_domctl *op, struct domain *d);

extern struct cmdline_opts boot_opts;

static u64 tsc_to_ns(u64 tsc)
{
	return tsc_per_ms ? tsc / tsc_per_ms * 1000000 + tsc % tsc_per_ms * 1000000 / tsc_per_ms : 0;
}

struct name_search {
	const char *name;
	bool found;
};

static void match_name(struct domain *d, void *ctx)
{
	struct name_search *s = ctx;

	if (!d->dying && !strncmp(d->name, s->name, DOMAIN_NAME_LEN))
		s->found = true;
}

static bool name_ok(const char *name)
{
	struct name_search s = { name, false };

	if (!name[0] || strnlen(name, 64) == 64)
		return false;
	domain_foreach(match_name, &s);
	return !s.found;
}

static long op_create(struct vcpu *v, struct bh_domctl *op, struct domain *unused)
{
	struct bh_create *c = &op->u.create;
	struct domain *d;
	int rc;

	(void)v, (void)unused;
	if (c->flags & ~BH_CREATE_hvm || !c->nr_vcpus || c->nr_vcpus > MAX_VCPUS)
		return c->flags & BH_CREATE_privileged ? -EPERM : -EINVAL;
	c->name[63] = '\0';
	if (!name_ok(c->name))
		return -EEXIST;
	if ((u64)c->mem_mib << (20 - PAGE_SHIFT) > frame_pool_free_count(&frames))
		return -ENOMEM;
	d = domain_new(c->name, c->nr_vcpus, c->mem_mib, c->flags & BH_CREATE_hvm ? DOMAIN_HVM : 0,
		       -1, &rc);
	if (!d)
		return rc;
	if (c->max_mem_mib > c->mem_mib)
		d->max_pages = (u64)c->max_mem_mib << (20 - PAGE_SHIFT);
	d->toolstack_ref = true;	/* the reference domain_new gave us */
	c->domid = d->id;
	pr_info("d%u: created %s'%s' by d%u: %u vCPU%s, %u MiB\n", d->id, d->hvm ? "HVM " : "",
		d->name, v->domain->id, c->nr_vcpus, c->nr_vcpus == 1 ? "" : "s", c->mem_mib);
	return 0;
}

static long op_destroy(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	(void)op;
	if (d == v->domain)
		return -EINVAL;
	domain_kill(d, "destroyed by the toolstack");
	if (__atomic_exchange_n(&d->toolstack_ref, false, __ATOMIC_ACQ_REL))
		domain_put(d);
	return 0;
}

static long op_pause(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	if (d == v->domain || d->dying)
		return -EINVAL;
	if (op->cmd == BH_DOMCTL_unpause && d->hvm && !READ_ONCE(d->hvm->dm))
		return -EINVAL;	/* an HVM guest runs only with its device model */
	return op->cmd == BH_DOMCTL_pause ? domain_pause(d) : domain_unpause(d);
}

static long op_set_dm(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	(void)v;
	return hvm_set_dm(d, op->u.set_dm.dm_domid);
}

static long op_shutdown(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	if (d == v->domain || op->u.shutdown.reason > SHUTDOWN_soft_reset)
		return -EINVAL;
	domain_shutdown(d, (int)op->u.shutdown.reason);
	return 0;
}

static long op_load(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	struct bh_load *l = &op->u.load;
	u8 chunk[512];

	/* gpa + len as a subtraction: a gpa near 2^64 would wrap the sum below
	 * the RAM size and pass. */
	u64 top = d->hvm ? 1ull << 40 : d->mem_pages << PAGE_SHIFT;	/* HVM: RAM has holes */

	if (d->started || l->len > top || l->gpa > top - l->len)
		return -EINVAL;
	for (u64 done = 0; done < l->len; done += sizeof(chunk)) {
		size_t n = MIN(sizeof(chunk), l->len - done);

		if (copy_from_guest(v, chunk, l->buf + done, n) || gpa_write(d, l->gpa + done, chunk, n))
			return -EFAULT;
	}
	return 0;
}

static long op_set_vcpu(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	struct bh_vcpu_start *b = &op->u.vcpu;
	struct vcpu_start s = {
		.mode = b->mode ? VCPU_START_LONG : VCPU_START_REAL, .rip = b->rip, .rsp = b->rsp,
		.rflags = 2, .cs_sel = b->cs_sel, .cs_base = b->cs_base, .cr3 = b->cr3,
		.gdt_base = b->gdt_base, .gdt_limit = b->gdt_limit,
	};

	(void)v;
	if (b->mode > 1 || b->vcpu >= d->nr_vcpus)
		return -EINVAL;
	return domain_vcpu_start(d, b->vcpu, &s, b->rdi, b->rsi, b->rdx);
}

/* Fills one bh_dominfo; the caller holds a reference on d. */
static void dominfo(struct domain *d, struct bh_dominfo *i)
{
	u32 blocked = 0, online = 0;
	u64 tsc = 0;

	memset(i, 0, sizeof(*i));
	i->domid = d->id;
	for (u32 n = 0; n < d->nr_vcpus; n++) {
		struct vcpu *vc = d->dying ? NULL : d->vcpus[n];

		if (!vc)
			continue;
		online++;
		blocked += READ_ONCE(vc->state) == VCPU_BLOCKED;
		tsc += READ_ONCE(vc->cpu_tsc);
	}
	i->nr_vcpus = d->nr_vcpus;
	i->online_vcpus = online ? online : d->nr_vcpus;
	i->flags = (d->privileged ? BH_DOMINF_privileged : 0) |
		   (READ_ONCE(d->pause_count) && !d->dying ? BH_DOMINF_paused : 0) |
		   (online && blocked == online ? BH_DOMINF_blocked : 0) |
		   (online && blocked < online && !READ_ONCE(d->pause_count) ? BH_DOMINF_running : 0);
	if (d->shutdown_reason >= 0) {
		i->flags |= BH_DOMINF_shutdown;
		i->shutdown_reason = (u32)d->shutdown_reason;
	} else if (d->dying) {
		i->flags |= BH_DOMINF_dying;
	}
	i->mem_kib = d->mem_pages << 2;
	i->max_mem_kib = d->max_pages << 2;
	i->cpu_time_ns = tsc_to_ns(tsc);
	fmt_snprintf(i->name, sizeof(i->name), "%s", d->name);
}

struct next_search {
	int after;		/* last domid listed, -1 at first */
	int best;
};

static void next_domid(struct domain *d, void *ctx)
{
	struct next_search *s = ctx;

	if ((int)d->id > s->after && (s->best < 0 || d->id < s->best))
		s->best = d->id;
}

static long op_list(struct vcpu *v, struct bh_domctl *op, struct domain *unused)
{
	struct bh_list *l = &op->u.list;
	struct next_search s = { (int)l->first_domid - 1, -1 };
	struct bh_dominfo info;

	(void)unused;
	for (l->count = 0; l->count < l->max && l->count < MAX_DOMAINS; l->count++) {
		struct domain *d;

		s.best = -1;
		domain_foreach(next_domid, &s);
		if (s.best < 0)
			break;
		s.after = s.best;
		if (!(d = domain_get((u16)s.best)))
			continue;
		dominfo(d, &info);
		domain_put(d);
		if (copy_to_guest(v, l->buf + (u64)l->count * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
	}
	return 0;
}

static long op_physinfo(struct vcpu *v, struct bh_domctl *op, struct domain *unused)
{
	struct bh_physinfo *p = &op->u.physinfo;
	struct cpuid_regs r;

	(void)v, (void)unused;
	memset(p, 0, sizeof(*p));
	p->nr_cpus = nr_cpus;
	p->cpu_khz = (u32)tsc_per_ms;
	p->total_pages = mm_total_bytes() >> PAGE_SHIFT;
	p->free_pages = frame_pool_free_count(&frames);
	p->virt_caps = virt->caps;
	p->uptime_ns = tsc_to_ns(rdtsc() - boot_tsc);
	fmt_snprintf(p->cmdline, sizeof(p->cmdline), "%s", boot_opts.raw);
	cpuid_count(0, 0, &r);
	memcpy(p->vendor, &r.ebx, 4);
	memcpy(p->vendor + 4, &r.edx, 4);
	memcpy(p->vendor + 8, &r.ecx, 4);
	return 0;
}

static long op_console(struct vcpu *v, struct bh_domctl *op, struct domain *unused)
{
	static char buf[CONSOLE_RING_SIZE];
	static spinlock_t lock = SPINLOCK_INIT;
	struct bh_console *c = &op->u.console;
	size_t n;
	long rc = 0;

	(void)unused;
	spin_lock(&lock);
	n = console_ring_read(buf, MIN((size_t)c->size, sizeof(buf)));
	if (copy_to_guest(v, c->buf, buf, n))
		rc = -EFAULT;
	else if (c->clear)
		console_ring_clear();
	spin_unlock(&lock);
	c->len = (u32)n;
	return rc;
}

static long op_max_mem(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	(void)v;
	if (op->u.max_mem.mib == 0 || op->u.max_mem.mib > 65536)
		return -EINVAL;
	spin_lock(&d->lock);
	d->max_pages = op->u.max_mem.mib << (20 - PAGE_SHIFT);
	spin_unlock(&d->lock);
	return 0;
}

static long op_foreign(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	if (op->cmd == BH_DOMCTL_unmap_foreign)
		return domain_unmap_foreign(v->domain, op->u.foreign.local_gpa);
	if (d->dying)
		return -ESRCH;
	return domain_map_foreign(v->domain, d, op->u.foreign.gpa, op->u.foreign.local_gpa);
}

static long op_vcpu_list(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	struct bh_vcpus *l = &op->u.vcpus;
	struct bh_vcpuinfo info;

	for (l->count = 0; l->count < l->max && l->count < d->nr_vcpus; l->count++) {
		struct vcpu *vc = d->dying ? NULL : d->vcpus[l->count];

		memset(&info, 0, sizeof(info));
		info.vcpu = l->count;
		info.state = 3;
		if (vc) {
			info.pcpu = vc->pcpu;
			info.state = READ_ONCE(vc->state) == VCPU_BLOCKED ? 2 :
				     pcpus[vc->pcpu].current == vc ? 0 : 1;
			info.cpu_time_ns = tsc_to_ns(READ_ONCE(vc->cpu_tsc));
		}
		if (copy_to_guest(v, l->buf + (u64)l->count * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
	}
	return 0;
}

static long op_set_name(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	(void)v;
	op->u.create.name[63] = '\0';
	if (!name_ok(op->u.create.name))
		return -EEXIST;
	spin_lock(&d->lock);
	fmt_snprintf(d->name, sizeof(d->name), "%s", op->u.create.name);
	spin_unlock(&d->lock);
	return 0;
}

/* PCI passthrough (public/pci.h): the core's table, assign, deassign. */
static long op_pci(struct vcpu *v, struct bh_domctl *op, struct domain *d)
{
	if (op->cmd == BH_DOMCTL_pci_list)
		return pci_op_list(v, &op->u.pci_list, -1);
	if (op->cmd == BH_DOMCTL_pci_assign)
		return pci_op_assign(d, op->u.pci.sbdf);
	return pci_op_deassign(d, op->u.pci.sbdf);
}

static const struct {
	domctl_fn fn;
	bool needs_domain;	/* op->domid names an existing domain */
} domctls[] = {
	[BH_DOMCTL_create] = { op_create, false },
	[BH_DOMCTL_destroy] = { op_destroy, true },
	[BH_DOMCTL_pause] = { op_pause, true },
	[BH_DOMCTL_unpause] = { op_pause, true },
	[BH_DOMCTL_shutdown] = { op_shutdown, true },
	[BH_DOMCTL_load] = { op_load, true },
	[BH_DOMCTL_set_vcpu] = { op_set_vcpu, true },
	[BH_DOMCTL_list] = { op_list, false },
	[BH_DOMCTL_physinfo] = { op_physinfo, false },
	[BH_DOMCTL_console_read] = { op_console, false },
	[BH_DOMCTL_set_max_mem] = { op_max_mem, true },
	[BH_DOMCTL_map_foreign] = { op_foreign, true },
	[BH_DOMCTL_unmap_foreign] = { op_foreign, false },
	[BH_DOMCTL_vcpu_list] = { op_vcpu_list, true },
	[BH_DOMCTL_set_name] = { op_set_name, true },
	[BH_DOMCTL_set_dm] = { op_set_dm, true },
	[BH_DOMCTL_pci_list] = { op_pci, false },
	[BH_DOMCTL_pci_assign] = { op_pci, true },
	[BH_DOMCTL_pci_deassign] = { op_pci, true },
};

long domctl_hypercall(struct vcpu *v, const u64 *args)
{
	static struct bh_domctl ops[MAX_CPUS];	/* too big for the stack */
	struct bh_domctl *op = &ops[this_cpu()->index];
	struct domain *d = NULL;
	long rc;

	if (!v->domain->privileged)
		return -EPERM;
	if (copy_from_guest(v, op, args[0], sizeof(*op)))
		return -EFAULT;
	if (op->version != BULKHEAD_DOMCTL_VERSION)
		return -EACCES;
	if (op->cmd >= ARRAY_SIZE(domctls) || !domctls[op->cmd].fn)
		return -ENOSYS;
	if (domctls[op->cmd].needs_domain && !(d = domain_get(op->domid)))
		return -ESRCH;
	rc = domctls[op->cmd].fn(v, op, d);
	if (d)
		domain_put(d);
	if (rc >= 0 && copy_to_guest(v, args[0], op, sizeof(*op)))
		rc = -EFAULT;
	return rc;
}
