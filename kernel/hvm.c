/*
 * HVM guests (hvm.h): the PC memory map, the device-model binding, and the
 * platform events the core delivers on the device model's behalf.
 */
#include "hvm.h"
#include "ioreq.h"
#include "domain.h"
#include "domlist.h"
#include "vcpu.h"
#include "vlapic.h"
#include "sched.h"
#include "evtchn.h"
#include "frame.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "public/bulkhead.h"
#include "public/hvm/ioreq.h"

#define VGA_HOLE_START 0xa0000ull
#define VGA_HOLE_END 0xc0000ull
#define FOUR_GIB (1ull << 32)
#define FIRMWARE_PAGES ((FOUR_GIB - BH_HVM_FIRMWARE_BASE) >> PAGE_SHIFT)

enum { RESET_INIT = 1, RESET_SIPI = 2 };

/* The reset state of a vCPU (SDM Vol 3A 9.1.1), or of an AP after its SIPI. */
static void reset_state(struct vcpu_start *s, bool bsp, u8 sipi_vector)
{
	memset(s, 0, sizeof(*s));
	s->mode = VCPU_START_REAL;
	s->rflags = 2;
	s->cs_sel = bsp ? 0xf000 : (u16)(sipi_vector << 8);
	s->cs_base = bsp ? 0xffff0000ull : (u64)sipi_vector << 12;
	s->rip = bsp ? 0xfff0 : 0;
}

static u32 cpu_signature(void)
{
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	return r.eax;	/* EDX at reset holds it (SDM Vol 3A 9.1.4) */
}

/* public/bulkhead.h's map: mem bytes of address space below the PCI hole
 * (less the VGA hole) and above 4 GiB, then the special and firmware pages. */
static int populate_map(struct domain *d, u64 mem)
{
	u64 low = MIN(mem, BH_HVM_LOW_MEM_END);
	int rc;

	if ((rc = domain_populate(d, 0, VGA_HOLE_START >> PAGE_SHIFT)) ||
	    (rc = domain_populate(d, VGA_HOLE_END >> PAGE_SHIFT, (low - VGA_HOLE_END) >> PAGE_SHIFT)))
		return rc;
	if (mem > low && (rc = domain_populate(d, FOUR_GIB >> PAGE_SHIFT, (mem - low) >> PAGE_SHIFT)))
		return rc;
	if ((rc = domain_populate(d, BH_HVM_SPECIAL_BASE >> PAGE_SHIFT, BH_HVM_SPECIAL_PAGES)))
		return rc;
	return domain_populate(d, BH_HVM_FIRMWARE_BASE >> PAGE_SHIFT, FIRMWARE_PAGES);
}

int hvm_domain_init(struct domain *d, u64 mem_mib)
{
	struct vcpu_start s;
	int rc;

	if (mem_mib < 2)
		return -EINVAL;
	if (!(d->hvm = page_alloc()) || !(d->hvm->iopage = page_alloc()))
		return -ENOMEM;
	d->hvm->lock = (spinlock_t)SPINLOCK_INIT;
	d->max_pages = (mem_mib << (20 - PAGE_SHIFT)) - ((VGA_HOLE_END - VGA_HOLE_START) >> PAGE_SHIFT)
		       + BH_HVM_SPECIAL_PAGES + FIRMWARE_PAGES;
	if ((rc = populate_map(d, mem_mib << 20)))
		return rc;
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		reset_state(&s, true, 0);
		if ((rc = domain_vcpu_start(d, i, &s, 0, 0, cpu_signature())))
			return rc;
		d->vcpus[i]->wait_sipi = i != 0;
	}
	return 0;
}

/* d is being freed. The ioreq page, once mapped into the device model, is
 * the device model's to free with its memory (we held it alive until now). */
void hvm_domain_free(struct domain *d)
{
	struct hvm_domain *h = d->hvm;
	struct domain *dm;

	if (!h)
		return;
	dm = h->dm;
	if (h->iopage && !h->ioreq_ready)
		page_free(h->iopage);
	page_free(h);
	d->hvm = NULL;
	if (dm)
		domain_put(dm);
}

int hvm_set_dm(struct domain *d, u16 dm_domid)
{
	struct hvm_domain *h = d->hvm;
	struct domain *dm;
	int rc = 0;

	if (!h)
		return -EINVAL;
	if (!(dm = domain_get(dm_domid)))
		return -ESRCH;
	spin_lock(&d->lock);
	if (dm == d || dm->privileged || dm->hvm || dm->dm_target || d->started)
		rc = -EINVAL;
	else if (h->dm)
		rc = -EEXIST;
	if (!rc) {
		h->dm = dm;		/* keeps our reference until hvm_domain_free */
		dm->dm_target = d->id;
	}
	spin_unlock(&d->lock);
	if (rc)
		domain_put(dm);
	return rc;
}

bool hvm_is_dm_of(struct domain *d, struct domain *dm)
{
	return d->hvm && READ_ONCE(d->hvm->dm) == dm;
}

void hvm_msi(struct domain *d, u64 addr, u32 data)
{
	if ((addr >> 20) != 0xfee)
		return;		/* not an interrupt message: a DMA write elsewhere */
	vlapic_deliver(d, (addr >> 12) & 0xff, addr & 4, (data >> 8) & 7, (u8)data,
		       (data >> 15) & 1);
}

int hvm_extint_push(struct domain *d, u8 vector)
{
	struct hvm_domain *h = d->hvm;
	int rc = 0;

	spin_lock(&h->lock);
	if (h->extint_tail - h->extint_head >= HVM_EXTINT_QUEUE)
		rc = -EBUSY;
	else
		h->extint[h->extint_tail++ % HVM_EXTINT_QUEUE] = vector;
	spin_unlock(&h->lock);
	if (!rc && d->vcpus[0])
		vlapic_kick(d->vcpus[0]);
	return rc;
}

void hvm_extint_cancel(struct domain *d)
{
	struct hvm_domain *h = d->hvm;

	spin_lock(&h->lock);
	h->extint_head = h->extint_tail;
	spin_unlock(&h->lock);
}

int hvm_extint_peek(struct vcpu *v)
{
	struct hvm_domain *h = v->domain->hvm;
	u32 head = __atomic_load_n(&h->extint_head, __ATOMIC_ACQUIRE);

	if (v->id || head == __atomic_load_n(&h->extint_tail, __ATOMIC_ACQUIRE) ||
	    !vlapic_accepts_extint(v))
		return -1;
	return h->extint[head % HVM_EXTINT_QUEUE];
}

void hvm_extint_take(struct vcpu *v)
{
	struct hvm_domain *h = v->domain->hvm;

	spin_lock(&h->lock);
	if (h->extint_head != h->extint_tail)
		h->extint_head++;
	spin_unlock(&h->lock);
}

void hvm_eoi(struct vcpu *v, u8 vector)
{
	struct hvm_domain *h = v->domain->hvm;

	__atomic_fetch_or(&h->iopage->ext.eoi_vectors[vector / 64], 1ull << (vector % 64),
			  __ATOMIC_SEQ_CST);
	if (READ_ONCE(h->ioreq_ready))
		evtchn_raise(h->dm, h->dm_port[0]);
}

void hvm_init_ipi(struct vcpu *v)
{
	__atomic_fetch_or(&v->reset_req, RESET_INIT, __ATOMIC_ACQ_REL);
	vlapic_kick(v);
}

void hvm_sipi(struct vcpu *v, u8 vector)
{
	__atomic_store_n(&v->sipi_vector, vector, __ATOMIC_RELAXED);
	__atomic_fetch_or(&v->reset_req, RESET_SIPI, __ATOMIC_ACQ_REL);
	vlapic_kick(v);
}

/* INIT (SDM Vol 3A 9.1.1, 10.4.7.3): an AP waits for a SIPI; a SIPI to a
 * waiting AP starts it in real mode at vector << 12. */
static void apply_reset(struct vcpu *v)
{
	u8 req = __atomic_exchange_n(&v->reset_req, 0, __ATOMIC_ACQ_REL);
	struct vcpu_start s;

	if (req & RESET_INIT && v->id) {
		v->wait_sipi = true;
		v->io_wait = 0;
		vlapic_init(v, false);	/* an event upcall stays due: it is not the APIC's */
	}
	if (!(req & RESET_SIPI) || !v->wait_sipi)
		return;
	reset_state(&s, false, v->sipi_vector);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = 2;
	v->regs.gpr[GPR_RDX] = cpu_signature();
	virt->reset(v, &s);
	v->wait_sipi = false;
}

bool hvm_vcpu_runnable_now(struct vcpu *v)
{
	if (__atomic_load_n(&v->reset_req, __ATOMIC_ACQUIRE))
		apply_reset(v);
	if (v->wait_sipi)
		return false;
	return !v->io_wait || ioreq_complete(v);
}

bool hvm_vcpu_wakeable(struct vcpu *v)
{
	if (__atomic_load_n(&v->reset_req, __ATOMIC_ACQUIRE))
		return true;
	if (v->wait_sipi)
		return false;
	if (v->io_wait)
		return ioreq_answered(v);
	return __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE) || vlapic_pending(v) >= 0 ||
	       __atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_ACQUIRE) ||
	       hvm_extint_peek(v) >= 0 || virt->event_queued(v);
}

void hvm_ioreq_kick(struct domain *dm, u16 guest, u32 vcpu)
{
	struct domain *g = domain_get(guest);

	if (!g)
		return;
	if (hvm_is_dm_of(g, dm) && vcpu < g->nr_vcpus && g->vcpus[vcpu])
		sched_wake(g->vcpus[vcpu]);	/* it completes the access on its pCPU */
	domain_put(g);
}

/* BH_DMOP_ioreq_setup: the ioreq page at local_gpa of dm (outside its RAM),
 * one port per vCPU. Once. */
int hvm_ioreq_setup(struct domain *g, struct domain *dm, u64 local_gpa, u32 *ports)
{
	struct hvm_domain *h = g->hvm;
	int rc;

	if (local_gpa & (PAGE_SIZE - 1))
		return -EINVAL;
	spin_lock(&h->lock);
	rc = h->ioreq_ready ? -EEXIST : 0;
	spin_unlock(&h->lock);
	if (rc || (rc = evtchn_ioreq_ports(dm, g, h->dm_port)))
		return rc;
	for (u32 i = 0; i < g->nr_vcpus; i++)
		h->iopage->vcpu_ioreq[i].vp_eport = h->dm_port[i];
	spin_lock(&dm->lock);
	rc = p2m_map(&dm->p2m, local_gpa, virt_to_phys(h->iopage), P2M_R | P2M_W);
	if (!rc)
		dm->dm_iopage_gpa = local_gpa;	/* never the device model's to give back */
	spin_unlock(&dm->lock);
	if (rc)
		return rc;
	memcpy(ports, h->dm_port, g->nr_vcpus * sizeof(u32));
	__atomic_store_n(&h->ioreq_ready, true, __ATOMIC_RELEASE);
	return 0;
}

/* BH_DMOP_set_mem_type: the guest's own RAM pages only, read-only or back. */
int hvm_set_mem_ro(struct domain *g, u64 gfn, u64 nr, bool ro)
{
	int rc = 0;

	spin_lock(&g->lock);
	for (u64 i = gfn; i < gfn + nr && !rc; i++) {
		paddr_t hpa;
		unsigned perm;

		if (!p2m_lookup(&g->p2m, i << PAGE_SHIFT, &hpa, &perm) || !(perm & P2M_X))
			rc = -EINVAL;	/* not plain RAM (RAM is mapped executable) */
		else
			p2m_replace(&g->p2m, i << PAGE_SHIFT, hpa, ro ? P2M_R | P2M_X : P2M_RWX);
	}
	spin_unlock(&g->lock);
	domain_p2m_changed(g);
	return rc;
}
