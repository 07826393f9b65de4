/* Domain life cycle: create (paused), give vCPUs a start, run, shut down or crash,
 * and return every frame when the last reference goes. */
#include "domain.h"
#include "domlist.h"
#include "sched.h"
#include "memop.h"
#include "frame.h"
#include "percpu.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "evtchn.h"
#include "gnttab.h"
#include "hvm.h"
#include "pci_op.h"
#include "public/xen.h"
#include "lib.h"

void (*domain_all_gone)(void);
void (*domain_dom0_shutdown)(int reason);

static paddr_t pt_alloc(void *ctx)
{
	(void)ctx;
	return virt_to_phys(page_alloc());
}

static void pt_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	page_free(phys_to_virt(pa));
}

static void *pt_map(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct page_ops core_pages = { pt_alloc, pt_free, pt_map, NULL };

unsigned domain_count(void)
{
	return domlist_count();
}

int domain_populate(struct domain *d, u64 first_gfn, u64 pages)
{
	for (u64 i = first_gfn; i < first_gfn + pages; i++) {
		void *pg = page_alloc();
		int rc;

		if (!pg)
			return -ENOMEM;
		rc = p2m_map(&d->p2m, i << PAGE_SHIFT, virt_to_phys(pg), P2M_RWX);
		if (rc) {
			page_free(pg);
			return rc;
		}
		d->mem_pages++;
	}
	return 0;
}

static void free_leaf(void *ctx, paddr_t hpa)
{
	(void)ctx;
	page_free(phys_to_virt(hpa));
}

/* The pCPUs d's vCPUs are placed on. Caller holds d->lock, or d has started. */
static u64 vcpu_cpus(struct domain *d)
{
	u64 cpus = 0;

	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			cpus |= 1ull << d->vcpus[i]->pcpu;
	return cpus;
}

void domain_p2m_changed(struct domain *d)
{
	u64 cpus;

	__atomic_add_fetch(&d->p2m_gen, 1, __ATOMIC_ACQ_REL);
	cpus = vcpu_cpus(d);
	for (unsigned c = 0; c < nr_cpus; c++)
		if (cpus & (1ull << c))
			sched_kick(c);
}

/* Frees memory, vCPUs and the domain itself. Its last reference is gone:
 * every vCPU that ran was reaped on its pCPU, none runs again. */
static void domain_free(struct domain *d)
{
	foreign_unmap_all(d);
	gnttab_domain_free(d);	/* IPC pages leave the p2m before it is freed */
	evtchn_domain_free(d);
	pci_op_domain_free(d);	/* no device left: its I/O page tables go */
	p2m_destroy(&d->p2m, free_leaf, NULL);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			vcpu_destroy(d->vcpus[i]);
	hvm_domain_free(d);
	page_free(d);
}

struct domain *domain_new(const char *name, u32 nr_vcpus, u64 mem_mib, u32 flags, int domid,
			  int *err)
{
	struct domain *d;
	int id;

	BUILD_BUG_ON(sizeof(struct domain) > PAGE_SIZE);
	*err = -EINVAL;
	if (!nr_vcpus || nr_vcpus > MAX_VCPUS || !mem_mib || mem_mib > 65536 || !name[0])
		return NULL;
	*err = -ENOMEM;
	if (!(d = page_alloc()))
		return NULL;
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->shutdown_reason = -1;
	d->nr_vcpus = nr_vcpus;
	d->privileged = flags & DOMAIN_PRIVILEGED;
	d->pause_count = 1;
	d->refs = 1;
	d->created_tsc = rdtsc();
	d->max_pages = mem_mib << (20 - PAGE_SHIFT);
	fmt_snprintf(d->name, sizeof(d->name), "%s", name);
	if ((*err = p2m_init(&d->p2m, virt->p2m_format, &core_pages, P2M_POOL(nr_vcpus, mem_mib))))
		goto free_domain;
	if ((*err = evtchn_domain_init(d)))	/* IPC state */
		goto free_p2m;
	if ((*err = gnttab_domain_init(d)))
		goto free_evtchn;
	if (flags & DOMAIN_HVM)
		*err = hvm_domain_init(d, mem_mib);
	else
		*err = domain_populate(d, 0, d->max_pages);
	if (*err)
		goto free_gnttab;
	if ((id = domlist_add(d, domid)) < 0) {
		*err = id;
		goto free_gnttab;
	}
	*err = 0;
	return d;

free_gnttab:
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			vcpu_destroy(d->vcpus[i]);
	hvm_domain_free(d);
	gnttab_domain_free(d);
free_evtchn:
	evtchn_domain_free(d);
free_p2m:
	p2m_destroy(&d->p2m, free_leaf, NULL);
free_domain:
	page_free(d);
	return NULL;
}

int domain_vcpu_start(struct domain *d, u32 id, const struct vcpu_start *s, u64 rdi, u64 rsi,
		      u64 rdx)
{
	struct vcpu *v;
	int rc = 0;

	if (id >= d->nr_vcpus)
		return -EINVAL;
	v = vcpu_create(d, id, s);
	if (!v)
		return -ENOMEM;
	v->regs.gpr[GPR_RDI] = rdi;
	v->regs.gpr[GPR_RSI] = rsi;
	v->regs.gpr[GPR_RDX] = rdx;
	/* Under d->lock, as domain_kill decides which vCPUs hold a reference. */
	spin_lock(&d->lock);
	if (d->dying)
		rc = -ESRCH;
	else if (d->vcpus[id] || d->started)
		rc = -EEXIST;
	if (!rc) {
		domlist_hold(d);	/* the vCPU's, dropped when it is reaped */
		d->vcpus[id] = v;
	}
	spin_unlock(&d->lock);
	if (rc)
		vcpu_destroy(v);	/* never ran: any CPU may free it */
	return rc;
}

int domain_pause(struct domain *d)
{
	u64 cpus;

	spin_lock(&d->lock);
	d->pause_count++;
	cpus = vcpu_cpus(d);
	spin_unlock(&d->lock);
	for (unsigned c = 0; c < nr_cpus; c++)	/* make running vCPUs leave their CPUs */
		if (cpus & (1ull << c))
			sched_reap(c);
	return 0;
}

int domain_unpause(struct domain *d)
{
	bool first;
	int rc = 0;

	spin_lock(&d->lock);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (!d->vcpus[i])
			rc = -EINVAL;	/* a vCPU without a start state */
	/* Not once dying: domain_kill has decided whether vCPUs are on a pCPU. */
	if (!d->pause_count || d->dying)
		rc = -EINVAL;
	first = !d->started;
	if (!rc) {
		d->started = true;
		d->pause_count--;
	}
	spin_unlock(&d->lock);
	if (rc)
		return rc;
	for (u32 i = 0; i < d->nr_vcpus; i++)
		first ? sched_add(d->vcpus[i]) : sched_wake(d->vcpus[i]);
	return 0;
}

struct domain *domain_get(u16 domid)
{
	return domlist_get(domid);
}

void domain_foreach(void (*fn)(struct domain *d, void *ctx), void *ctx)
{
	domlist_foreach(fn, ctx);
}

/* A device model that stops takes its guest down (crash): the guest would
 * otherwise wait for it forever; the toolstack reports it and cleans up. */
static void dm_gone(struct domain *d)
{
	struct domain *g;

	if (!d->dm_target || !(g = domain_get(d->dm_target)))
		return;
	if (hvm_is_dm_of(g, d)) {
		pr_info("d%u: its device model d%u stopped: crashing it\n", g->id, d->id);
		domain_shutdown(g, SHUTDOWN_crash);
	}
	domain_put(g);
}

void domain_kill(struct domain *d, const char *why)
{
	bool started;
	u64 cpus;

	if (__atomic_exchange_n(&d->killed, true, __ATOMIC_ACQ_REL))
		return;
	domlist_hold(d);	/* vCPUs may be torn down as soon as dying is set */
	pr_info("d%u: '%s' stopped: %s\n", d->id, d->name, why);
	dm_gone(d);
	/* IPC: close its ports, give back its grant mappings, while its vCPUs exist. */
	evtchn_domain_kill(d);
	gnttab_domain_kill(d);
	pci_op_domain_kill(d);	/* its devices stop and go back to the core */
	/* With unpause and vcpu_start serialized on d->lock, started says for
	 * good whether its vCPUs are (or will be) on pCPUs to be reaped there. */
	spin_lock(&d->lock);
	__atomic_store_n(&d->dying, true, __ATOMIC_RELEASE);
	started = d->started;
	cpus = vcpu_cpus(d);
	spin_unlock(&d->lock);
	for (unsigned c = 0; c < nr_cpus; c++)
		if (cpus & (1ull << c))
			sched_reap(c);
	/* vCPUs never started are on no pCPU: their references go here, and
	 * domain_free frees them. */
	for (u32 i = 0; !started && i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			domain_put(d);
	domain_put(d);
}

void domain_shutdown(struct domain *d, int reason)
{
	static const char *const reasons[] = { "poweroff", "reboot", "suspend", "crash",
					       "watchdog", "soft_reset" };

	spin_lock(&d->lock);
	if (d->shutdown_reason < 0)
		d->shutdown_reason = reason;
	spin_unlock(&d->lock);
	if (d->id == 0 && domain_dom0_shutdown)
		domain_dom0_shutdown(reason);
	/* No toolstack keeps it as a zombie for `xl list` yet: destroy it now. */
	domain_kill(d, reasons[reason]);
}

void domain_crash(struct vcpu *v, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("d%uv%u: %s\n", v->domain->id, v->id, msg);
	spin_lock(&v->domain->lock);
	if (v->domain->shutdown_reason < 0)
		v->domain->shutdown_reason = SHUTDOWN_crash;
	spin_unlock(&v->domain->lock);
	if (v->domain->id == 0 && domain_dom0_shutdown)
		domain_dom0_shutdown(SHUTDOWN_crash);
	domain_kill(v->domain, "crashed");
}

void domain_vcpu_gone(struct domain *d)
{
	domain_put(d);
}

void domain_put(struct domain *d)
{
	if (!domlist_put(d))
		return;
	pr_info("d%u: destroyed, memory returned\n", d->id);
	domain_free(d);
	/* Counted until its frames are back, or "all gone" could run while
	 * another CPU still frees a domain. */
	if (domlist_gone() && domain_all_gone)
		domain_all_gone();
}
