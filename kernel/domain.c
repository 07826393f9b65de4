/* Domain life cycle: build from an image, run, shut down or crash, free every frame. */
#include "domain.h"
#include "sched.h"
#include "frame.h"
#include "percpu.h"
#include "console.h"
#include "cpu.h"
#include "errno.h"
#include "public/xen.h"
#include "lib.h"

/* Guest-physical layout of a long-mode start (test/guests/ABI.md). */
#define LM_PML4 0x1000
#define LM_PDPT 0x2000
#define LM_PD 0x3000
#define LM_GDT 0x7000
#define LM_STACK_PER_VCPU 0x10000

static spinlock_t domain_list_lock = SPINLOCK_INIT;
static struct domain *domains;
static u32 nr_domains;
static u16 next_domid = 1;
void (*domain_all_gone)(void);

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
	return READ_ONCE(nr_domains);
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

/* Identity page tables for 0-4 GiB (2 MiB pages) and a flat GDT in guest RAM. */
static int build_long_mode(struct domain *d)
{
	static const u64 gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	u64 e;
	int rc = 0;

	e = LM_PDPT | 0x3;
	rc |= gpa_write(d, LM_PML4, &e, 8);
	for (u64 i = 0; i < 4; i++) {
		e = (LM_PD + i * PAGE_SIZE) | 0x3;
		rc |= gpa_write(d, LM_PDPT + i * 8, &e, 8);
	}
	for (u64 i = 0; i < 2048; i++) {
		e = (i << 21) | 0x83;
		rc |= gpa_write(d, LM_PD + i * 8, &e, 8);
	}
	rc |= gpa_write(d, LM_GDT, gdt, sizeof(gdt));
	return rc ? -EINVAL : 0;
}

static void start_state(const struct domain_config *cfg, struct domain *d, u32 id,
			struct vcpu_start *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = cfg->mode;
	s->rflags = 0x2;
	if (cfg->mode == VCPU_START_REAL) {
		s->cs_sel = (u16)(cfg->load_addr >> 4);
		s->cs_base = cfg->load_addr & ~0xfull;
		s->rip = cfg->load_addr & 0xf;
		s->rsp = 0xfff0;
		return;
	}
	s->rip = cfg->load_addr;
	s->rsp = (d->mem_pages << PAGE_SHIFT) - id * LM_STACK_PER_VCPU;
	s->cr3 = LM_PML4;
	s->gdt_base = LM_GDT;
	s->gdt_limit = 23;
}

static int check_config(const struct domain_config *cfg)
{
	u64 top = cfg->mem_mib << 20;

	if (!cfg->nr_vcpus || cfg->nr_vcpus > MAX_VCPUS || !cfg->mem_mib || cfg->mem_mib > 65536)
		return -EINVAL;
	if (cfg->load_addr + cfg->image_size > top || cfg->load_addr < 0x8000)
		return -EINVAL;
	if (cfg->mode == VCPU_START_REAL && cfg->load_addr + cfg->image_size > 0x100000)
		return -EINVAL;
	if (cfg->mode == VCPU_START_LONG && top < cfg->nr_vcpus * LM_STACK_PER_VCPU + 0x100000)
		return -EINVAL;
	return 0;
}

static void free_leaf(void *ctx, paddr_t hpa)
{
	(void)ctx;
	page_free(phys_to_virt(hpa));
}

/* Frees memory and the domain itself; no vCPU of it exists any more. */
static void domain_free(struct domain *d)
{
	p2m_destroy(&d->p2m, free_leaf, NULL);
	page_free(d);
}

static struct domain *domain_alloc(const struct domain_config *cfg)
{
	struct domain *d = page_alloc();

	BUILD_BUG_ON(sizeof(struct domain) > PAGE_SIZE);
	if (!d)
		return NULL;
	if (p2m_init(&d->p2m, virt->p2m_format, &core_pages)) {
		page_free(d);
		return NULL;
	}
	spin_lock(&domain_list_lock);
	d->id = next_domid++;
	spin_unlock(&domain_list_lock);
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->shutdown_reason = -1;
	d->nr_vcpus = cfg->nr_vcpus;
	fmt_snprintf(d->name, sizeof(d->name), "%s", cfg->name);
	return d;
}

static int domain_build(struct domain *d, const struct domain_config *cfg)
{
	int rc = populate(d, cfg->mem_mib << (20 - PAGE_SHIFT));

	if (!rc && cfg->mode == VCPU_START_LONG)
		rc = build_long_mode(d);
	if (!rc)
		rc = gpa_write(d, cfg->load_addr, cfg->image, cfg->image_size);
	for (u32 i = 0; !rc && i < cfg->nr_vcpus; i++) {
		struct vcpu_start s;

		start_state(cfg, d, i, &s);
		d->vcpus[i] = vcpu_create(d, i, &s);
		if (!d->vcpus[i]) {
			rc = -ENOMEM;
			break;
		}
		/* test/guests/ABI.md: RDI = vCPU id, RSI = domain id, RDX = arg. */
		d->vcpus[i]->regs.gpr[GPR_RDI] = i;
		d->vcpus[i]->regs.gpr[GPR_RSI] = d->id;
		d->vcpus[i]->regs.gpr[GPR_RDX] = cfg->arg;
	}
	return rc;
}

int domain_create(const struct domain_config *cfg, struct domain **out)
{
	struct domain *d;
	int rc = check_config(cfg);

	if (rc)
		return rc;
	if (!(d = domain_alloc(cfg)))
		return -ENOMEM;
	rc = domain_build(d, cfg);
	if (rc) {	/* vCPUs never ran: free them here, on any CPU */
		for (u32 i = 0; i < cfg->nr_vcpus && d->vcpus[i]; i++)
			vcpu_destroy(d->vcpus[i]);
		domain_free(d);
		return rc;
	}
	spin_lock(&domain_list_lock);
	d->next = domains;
	domains = d;
	nr_domains++;
	spin_unlock(&domain_list_lock);
	d->vcpus_live = d->nr_vcpus;
	pr_info("d%u: created '%s': %u vCPU%s, %lu MiB, %s mode at 0x%lx\n", d->id, d->name,
		d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s", cfg->mem_mib,
		cfg->mode == VCPU_START_REAL ? "real" : "long", cfg->load_addr);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		sched_add(d->vcpus[i]);
	if (out)
		*out = d;
	return 0;
}

void domain_kill(struct domain *d, const char *why)
{
	u64 cpus = 0;

	if (__atomic_exchange_n(&d->killed, true, __ATOMIC_ACQ_REL))
		return;
	/* Hold the domain: vCPUs may be torn down as soon as dying is set. */
	__atomic_add_fetch(&d->vcpus_live, 1, __ATOMIC_ACQ_REL);
	pr_info("d%u: '%s' stopped: %s\n", d->id, d->name, why);
	for (u32 i = 0; i < d->nr_vcpus; i++)
		cpus |= 1ull << d->vcpus[i]->pcpu;
	__atomic_store_n(&d->dying, true, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < nr_cpus; c++)
		if (cpus & (1ull << c))
			sched_reap(c);
	domain_vcpu_gone(d);
}

void domain_shutdown(struct domain *d, int reason)
{
	static const char *const reasons[] = { "poweroff", "reboot", "suspend", "crash",
					       "watchdog", "soft_reset" };

	spin_lock(&d->lock);
	if (d->shutdown_reason < 0)
		d->shutdown_reason = reason;
	spin_unlock(&d->lock);
	/* No toolstack yet to keep it as a zombie for `xl list`: destroy it now. */
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
	domain_kill(v->domain, "crashed");
}

void domain_vcpu_gone(struct domain *d)
{
	bool last;

	if (__atomic_sub_fetch(&d->vcpus_live, 1, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&domain_list_lock);
	for (struct domain **pp = &domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	last = --nr_domains == 0;
	spin_unlock(&domain_list_lock);
	pr_info("d%u: destroyed, memory returned\n", d->id);
	domain_free(d);
	if (last && domain_all_gone)
		domain_all_gone();
}
