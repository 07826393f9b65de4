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
#include "public/xen.h"
#include "lib.h"

/* Guest-physical layout of a long-mode start (test/guests/ABI.md). */
#define LM_PML4 0x1000
#define LM_PDPT 0x2000
#define LM_PD 0x3000
#define LM_GDT 0x7000
#define LM_STACK_PER_VCPU 0x10000

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

/* Copies between the core and guest-physical memory, frame by frame. */
static int gpa_copy(struct domain *d, gpaddr_t gpa, void *buf, size_t len, bool to_guest)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		paddr_t hpa;
		unsigned perm;

		if (!p2m_lookup(&d->p2m, gpa, &hpa, &perm) || (to_guest && !(perm & P2M_W)))
			return -EFAULT;
		if (to_guest)
			memcpy(phys_to_virt(hpa), buf, chunk);
		else
			memcpy(buf, phys_to_virt(hpa), chunk);
		gpa += chunk;
		buf = (u8 *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int gpa_read(struct domain *d, gpaddr_t gpa, void *buf, size_t len)
{
	return gpa_copy(d, gpa, buf, len, false);
}

int gpa_write(struct domain *d, gpaddr_t gpa, const void *buf, size_t len)
{
	return gpa_copy(d, gpa, (void *)buf, len, true);
}

int domain_load(void *d, u64 gpa, const void *src, size_t len)
{
	return gpa_write(d, gpa, src, len);
}

static int populate(struct domain *d, u64 pages)
{
	for (u64 i = 0; i < pages; i++) {
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

int domain_build_long_mode(struct domain *d, struct vcpu_start *s, u32 vcpu)
{
	static const u64 gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	u64 pd[512], e;
	int rc = 0;

	e = LM_PDPT | 0x3;
	rc |= gpa_write(d, LM_PML4, &e, 8);
	for (u64 i = 0; i < 4; i++) {
		e = (LM_PD + i * PAGE_SIZE) | 0x3;
		rc |= gpa_write(d, LM_PDPT + i * 8, &e, 8);
		for (u64 j = 0; j < 512; j++)
			pd[j] = ((i * 512 + j) << 21) | 0x83;
		rc |= gpa_write(d, LM_PD + i * PAGE_SIZE, pd, sizeof(pd));
	}
	rc |= gpa_write(d, LM_GDT, gdt, sizeof(gdt));
	memset(s, 0, sizeof(*s));
	s->mode = VCPU_START_LONG;
	s->rflags = 0x2;
	s->rsp = (d->mem_pages << PAGE_SHIFT) - vcpu * LM_STACK_PER_VCPU;
	s->cr3 = LM_PML4;
	s->gdt_base = LM_GDT;
	s->gdt_limit = 23;
	return rc ? -EINVAL : 0;
}

static void free_leaf(void *ctx, paddr_t hpa)
{
	(void)ctx;
	page_free(phys_to_virt(hpa));
}

int domain_map_foreign(struct domain *d, struct domain *owner, u64 gpa, u64 local_gpa)
{
	struct foreign_map *slot = NULL;
	paddr_t hpa;
	int rc;

	if ((gpa | local_gpa) & ~PAGE_MASK || owner == d)
		return -EINVAL;
	/* Only the owner's plain RAM, checked and mapped while its memory cannot
	 * change (no decrease, no grant mapping in between): never a frame it
	 * maps from someone else. */
	memop_lock(owner);
	if (memop_classify(owner, gpa, &hpa) != MEMOP_RAM) {
		memop_unlock(owner);
		return -EINVAL;
	}
	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !slot; i++)
		if (!d->foreign[i].owner)
			slot = &d->foreign[i];
	rc = slot ? p2m_map(&d->p2m, local_gpa, hpa & PAGE_MASK, P2M_R | P2M_W) : -EBUSY;
	if (!rc) {
		domlist_hold(owner);
		slot->owner = owner;
		slot->local_gpa = local_gpa;
	}
	spin_unlock(&d->lock);
	memop_unlock(owner);
	return rc;
}

int domain_unmap_foreign(struct domain *d, u64 local_gpa)
{
	struct domain *owner = NULL;

	spin_lock(&d->lock);
	for (u32 i = 0; i < FOREIGN_MAPS && !owner; i++) {
		if (d->foreign[i].owner && d->foreign[i].local_gpa == local_gpa) {
			owner = d->foreign[i].owner;
			d->foreign[i].owner = NULL;
			p2m_unmap(&d->p2m, local_gpa);
		}
	}
	spin_unlock(&d->lock);
	if (!owner)
		return -ENOENT;
	domain_p2m_changed(d);
	domain_put(owner);
	return 0;
}

void domain_p2m_changed(struct domain *d)
{
	u64 cpus = 0;

	__atomic_add_fetch(&d->p2m_gen, 1, __ATOMIC_ACQ_REL);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			cpus |= 1ull << d->vcpus[i]->pcpu;
	for (unsigned c = 0; c < nr_cpus; c++)
		if (cpus & (1ull << c))
			sched_kick(c);
}

/* Frees memory and the domain itself; no vCPU of it exists any more. */
static void domain_free(struct domain *d)
{
	for (u32 i = 0; i < FOREIGN_MAPS; i++)
		if (d->foreign[i].owner)
			domain_unmap_foreign(d, d->foreign[i].local_gpa);
	gnttab_domain_free(d);	/* IPC pages leave the p2m before it is freed */
	evtchn_domain_free(d);
	p2m_destroy(&d->p2m, free_leaf, NULL);
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
	if (p2m_init(&d->p2m, virt->p2m_format, &core_pages, P2M_POOL(nr_vcpus, mem_mib))) {
		page_free(d);
		return NULL;
	}
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->shutdown_reason = -1;
	d->nr_vcpus = nr_vcpus;
	d->privileged = flags & DOMAIN_PRIVILEGED;
	d->pause_count = 1;
	d->refs = 1;
	d->created_tsc = rdtsc();
	d->max_pages = mem_mib << (20 - PAGE_SHIFT);
	fmt_snprintf(d->name, sizeof(d->name), "%s", name);
	if ((*err = evtchn_domain_init(d)) || (*err = gnttab_domain_init(d))) {	/* IPC state */
		domain_free(d);
		return NULL;
	}
	if ((*err = populate(d, d->max_pages))) {
		domain_free(d);
		return NULL;
	}
	if ((id = domlist_add(d, domid)) < 0) {
		*err = id;
		domain_free(d);
		return NULL;
	}
	*err = 0;
	return d;
}

int domain_vcpu_start(struct domain *d, u32 id, const struct vcpu_start *s, u64 rdi, u64 rsi,
		      u64 rdx)
{
	struct vcpu *v;

	if (id >= d->nr_vcpus || d->vcpus[id] || d->started)
		return id >= d->nr_vcpus ? -EINVAL : -EEXIST;
	v = vcpu_create(d, id, s);
	if (!v)
		return -ENOMEM;
	v->regs.gpr[GPR_RDI] = rdi;
	v->regs.gpr[GPR_RSI] = rsi;
	v->regs.gpr[GPR_RDX] = rdx;
	domlist_hold(d);	/* the vCPU's, dropped when it is reaped */
	d->vcpus[id] = v;
	return 0;
}

int domain_pause(struct domain *d)
{
	u64 cpus = 0;

	spin_lock(&d->lock);
	d->pause_count++;
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			cpus |= 1ull << d->vcpus[i]->pcpu;
	spin_unlock(&d->lock);
	for (unsigned c = 0; c < nr_cpus; c++)	/* make running vCPUs leave their CPUs */
		if (cpus & (1ull << c))
			sched_reap(c);
	return 0;
}

int domain_unpause(struct domain *d)
{
	bool first;

	spin_lock(&d->lock);
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		if (!d->vcpus[i]) {
			spin_unlock(&d->lock);
			return -EINVAL;	/* a vCPU without a start state */
		}
	}
	if (!d->pause_count) {
		spin_unlock(&d->lock);
		return -EINVAL;
	}
	first = !d->started;
	d->started = true;
	d->pause_count--;
	spin_unlock(&d->lock);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		first ? sched_add(d->vcpus[i]) : sched_wake(d->vcpus[i]);
	return 0;
}

int domain_create(const struct domain_config *cfg, struct domain **out)
{
	u64 top = cfg->mem_mib << 20;
	struct domain *d;
	int rc;

	if (cfg->load_addr + cfg->image_size > top || cfg->load_addr < 0x8000 ||
	    (cfg->mode == VCPU_START_REAL && cfg->load_addr + cfg->image_size > 0x100000) ||
	    (cfg->mode == VCPU_START_LONG && top < cfg->nr_vcpus * LM_STACK_PER_VCPU + 0x100000))
		return -EINVAL;
	d = domain_new(cfg->name, cfg->nr_vcpus, cfg->mem_mib, 0, -1, &rc);
	if (!d)
		return rc;
	rc = gpa_write(d, cfg->load_addr, cfg->image, cfg->image_size);
	for (u32 i = 0; !rc && i < cfg->nr_vcpus; i++) {
		struct vcpu_start s;

		if (cfg->mode == VCPU_START_LONG) {
			rc = domain_build_long_mode(d, &s, i);
			s.rip = cfg->load_addr;
		} else {
			memset(&s, 0, sizeof(s));
			s.mode = VCPU_START_REAL;
			s.rflags = 0x2;
			s.cs_sel = (u16)(cfg->load_addr >> 4);
			s.cs_base = cfg->load_addr & ~0xfull;
			s.rip = cfg->load_addr & 0xf;
			s.rsp = 0xfff0;
		}
		/* test/guests/ABI.md: RDI = vCPU id, RSI = domain id, RDX = arg. */
		if (!rc)
			rc = domain_vcpu_start(d, i, &s, i, d->id, cfg->arg);
	}
	if (!rc)
		rc = domain_unpause(d);
	if (rc) {
		domain_kill(d, "build failed");
		domain_put(d);
		return rc;
	}
	pr_info("d%u: created '%s': %u vCPU%s, %lu MiB, %s mode at 0x%lx\n", d->id, d->name,
		d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s", cfg->mem_mib,
		cfg->mode == VCPU_START_REAL ? "real" : "long", cfg->load_addr);
	if (out)
		*out = d;
	domain_put(d);
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

void domain_kill(struct domain *d, const char *why)
{
	u64 cpus = 0;

	if (__atomic_exchange_n(&d->killed, true, __ATOMIC_ACQ_REL))
		return;
	domlist_hold(d);	/* vCPUs may be torn down as soon as dying is set */
	pr_info("d%u: '%s' stopped: %s\n", d->id, d->name, why);
	/* IPC: close its ports, give back its grant mappings, while its vCPUs exist. */
	evtchn_domain_kill(d);
	gnttab_domain_kill(d);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i])
			cpus |= 1ull << d->vcpus[i]->pcpu;
	__atomic_store_n(&d->dying, true, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < nr_cpus; c++)
		if (cpus & (1ull << c))
			sched_reap(c);
	/* vCPUs never started are not on any pCPU: free them here. */
	if (!d->started) {
		for (u32 i = 0; i < d->nr_vcpus; i++) {
			if (d->vcpus[i]) {
				vcpu_destroy(d->vcpus[i]);
				d->vcpus[i] = NULL;
				domain_put(d);
			}
		}
	}
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
