/*
 * Event channels, the core's half (evtchn.h): event_channel_op, vcpu_op
 * (VCPUOP_register_vcpu_info), SCHEDOP_poll, VIRQs and the upcall -- the
 * notified vCPU's HVM callback vector raised in its vLAPIC, and the vCPU
 * woken (from SCHEDOP_block, HLT or SCHEDOP_poll).
 *
 * An interdomain channel holds no reference on its peer: both ends point at
 * each other and change only under both domains' locks, and a dying domain
 * disconnects every channel (evtchn_domain_kill) before its last reference
 * can go. So a peer read under the local lock is alive, and may be held.
 */
#include "evtchn.h"
#include "hvm.h"
#include "ipc.h"
#include "memop.h"
#include "vcpu.h"
#include "sched.h"
#include "apic.h"
#include "vlapic.h"
#include "vtime.h"
#include "guestmem.h"
#include "cpu.h"
#include "public/hvm.h"
#include "public/vcpu.h"
#include "lib.h"

#define POLL_MAX_PORTS 128

static const struct page_ops evtchn_pages = IPC_PAGE_OPS;

/* Two domains' event locks, lower id first. */
static void lock2(struct domain *a, struct domain *b)
{
	struct domain *lo = a->id <= b->id ? a : b, *hi = lo == a ? b : a;

	spin_lock(&lo->evtchn->lock);
	if (hi != lo)
		spin_lock(&hi->evtchn->lock);
}

static void unlock2(struct domain *a, struct domain *b)
{
	spin_unlock(&a->evtchn->lock);
	if (a != b)
		spin_unlock(&b->evtchn->lock);
}

/* Where vCPU vcpu's upcall flags live: its registered area, its slot in
 * shared_info, or nowhere (vCPU >= 32 that registered none). */
static struct vcpu_info *vinfo(struct evtchn_domain *ev, u32 vcpu)
{
	if (vcpu >= EVTCHN_MAX_VCPUS)
		return NULL;
	if (ev->vcpu_info[vcpu])
		return ev->vcpu_info[vcpu];
	return vcpu < XEN_LEGACY_MAX_VCPUS ? &ev->shared->vcpu_info[vcpu] : NULL;
}

/* The upcall. Caller holds d's event lock and saw !dead: d's vCPUs exist
 * (they are torn down only after evtchn_domain_kill set dead). */
static void upcall(struct domain *d, u32 vcpu)
{
	struct vcpu *v = vcpu < d->nr_vcpus ? d->vcpus[vcpu] : NULL;
	u64 cb = __atomic_load_n(&d->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_ACQUIRE);

	if (!v)
		return;
	if (cb >> HVM_PARAM_CALLBACK_TYPE_SHIFT != HVM_PARAM_CALLBACK_TYPE_VECTOR) {
		sched_wake(v);
		return;
	}
	/* The vector first: a vCPU woken before it is raised could halt again.
	 * It bypasses the local APIC: guests (Linux's sysvec_xen_hvm_callback)
	 * do not EOI it, and an ISR bit left set would block every vector of
	 * its priority class and below on that vCPU for good. */
	__atomic_store_n(&v->upcall_vector, (u8)cb, __ATOMIC_RELEASE);
	sched_wake(v);
	sched_kick(v->pcpu);	/* a running vCPU takes it at its next entry */
}

/* Wakes vCPUs of d in SCHEDOP_poll on this port (or on several ports). */
static void wake_pollers(struct domain *d, struct evtchn_domain *ev, u32 port)
{
	u64 mask = __atomic_load_n(&ev->poll_mask, __ATOMIC_SEQ_CST);

	while (mask) {
		u32 i = (u32)__builtin_ctzll(mask);
		s32 want = __atomic_load_n(&ev->poll_port[i], __ATOMIC_ACQUIRE);

		mask &= mask - 1;
		if (want >= 0 && (u32)want != port)
			continue;
		__atomic_fetch_and(&ev->poll_mask, ~(1ull << i), __ATOMIC_SEQ_CST);
		if (i < d->nr_vcpus && d->vcpus[i])
			sched_wake(d->vcpus[i]);
	}
}

/* Raises port of d for its notified vCPU. Caller holds d's event lock. */
static void set_pending(struct domain *d, u32 port)
{
	struct evtchn_domain *ev = d->evtchn;
	struct evtchn *c = evtchn_lookup(&ev->table, port);
	unsigned r;

	if (!c || ev->dead)
		return;
	r = evtchn_2l_set_pending(ev->shared, vinfo(ev, c->notify_vcpu), port);
	if (r & EVTCHN_UPCALL)
		upcall(d, c->notify_vcpu);
	if (r & EVTCHN_NEWLY_PENDING)
		wake_pollers(d, ev, port);
}

/* Closes any port of d; an interdomain one under both domains' locks. */
static int close_port(struct domain *d, u32 port)
{
	struct evtchn_domain *ev = d->evtchn;

	for (;;) {
		struct evtchn *c;
		struct domain *peer;
		int rc = -EAGAIN;

		spin_lock(&ev->lock);
		c = evtchn_lookup(&ev->table, port);
		if (!c || c->state != ECS_INTERDOMAIN) {
			rc = evtchn_close(&ev->table, ev->shared, port, d->id, NULL);
			spin_unlock(&ev->lock);
			return rc;
		}
		peer = c->peer;
		ipc_hold(peer);
		spin_unlock(&ev->lock);
		lock2(d, peer);
		if (c->state == ECS_INTERDOMAIN && c->peer == peer)
			rc = evtchn_close(&ev->table, ev->shared, port, d->id, &peer->evtchn->table);
		unlock2(d, peer);
		domain_put(peer);
		if (rc != -EAGAIN)
			return rc;
		/* The channel changed while unlocked (the peer closed it): again. */
	}
}

static long op_alloc_unbound(struct vcpu *v, u64 arg)
{
	struct evtchn_alloc_unbound op;
	struct domain *me = v->domain, *d;
	u32 port = 0;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	if (op.remote_dom == DOMID_SELF)
		op.remote_dom = me->id;
	if (op.remote_dom >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if ((rc = ipc_target(me, op.dom, &d)))
		return rc;
	spin_lock(&d->evtchn->lock);
	rc = d->evtchn->dead ? -ESRCH : evtchn_alloc_unbound(&d->evtchn->table, op.remote_dom, &port);
	spin_unlock(&d->evtchn->lock);
	ipc_untarget(me, d);
	op.port = port;
	if (rc)
		return rc;
	return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct vcpu *v, u64 arg)
{
	struct evtchn_bind_interdomain op;
	struct domain *me = v->domain, *rd = me;
	u32 lport = 0;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	if (op.remote_dom != DOMID_SELF && op.remote_dom != me->id &&
	    (op.remote_dom >= DOMID_FIRST_RESERVED || !(rd = domain_get(op.remote_dom))))
		return -ESRCH;
	lock2(me, rd);
	if (me->evtchn->dead || rd->evtchn->dead)
		rc = -ESRCH;
	else
		rc = evtchn_bind_interdomain(&me->evtchn->table, me->id, me, &rd->evtchn->table,
					     rd->id, rd, op.remote_port, &lport);
	if (!rc)	/* a send while the other end was unbound was lost: raise one (Xen) */
		set_pending(me, lport);
	unlock2(me, rd);
	if (rd != me)
		domain_put(rd);
	op.local_port = lport;
	if (rc)
		return rc;
	return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_bind_virq(struct vcpu *v, u64 arg)
{
	struct evtchn_bind_virq op;
	struct domain *me = v->domain;
	u32 port = 0;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&me->evtchn->lock);
	if (me->evtchn->dead)
		rc = -ESRCH;
	else if (op.virq < NR_VIRQS && op.vcpu == 0 && !me->privileged &&
		 evtchn_virq_type(op.virq) == VIRQ_TYPE_GLOBAL)
		rc = -EBUSY;	/* global VIRQs go to the privileged domain only */
	else
		rc = evtchn_bind_virq(&me->evtchn->table, op.virq, op.vcpu, &port);
	spin_unlock(&me->evtchn->lock);
	op.port = port;
	if (rc)
		return rc;
	return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_bind_ipi(struct vcpu *v, u64 arg)
{
	struct evtchn_bind_ipi op;
	struct evtchn_domain *ev = v->domain->evtchn;
	u32 port = 0;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&ev->lock);
	rc = ev->dead ? -ESRCH : evtchn_bind_ipi(&ev->table, op.vcpu, &port);
	spin_unlock(&ev->lock);
	op.port = port;
	if (rc)
		return rc;
	return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_bind_vcpu(struct vcpu *v, u64 arg)
{
	struct evtchn_bind_vcpu op;
	struct evtchn_domain *ev = v->domain->evtchn;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&ev->lock);
	rc = evtchn_bind_vcpu(&ev->table, op.port, op.vcpu);
	spin_unlock(&ev->lock);
	return rc;
}

static long op_close(struct vcpu *v, u64 arg)
{
	struct evtchn_close op;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	return close_port(v->domain, op.port);
}

static long op_send(struct vcpu *v, u64 arg)
{
	struct evtchn_send op;
	struct domain *me = v->domain, *rd = NULL;
	struct evtchn *c;
	u32 rport = 0, io_vcpu = 0;
	u16 io_dom = 0;
	long rc = 0;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&me->evtchn->lock);
	c = evtchn_lookup(&me->evtchn->table, op.port);
	switch (c ? c->state : ECS_FREE) {
	case ECS_IPI:
		set_pending(me, op.port);
		break;
	case ECS_IOREQ:
		io_dom = c->remote_domid;
		io_vcpu = c->virq;
		break;
	case ECS_UNBOUND:
		break;		/* nobody listens yet: dropped, as in Xen */
	case ECS_INTERDOMAIN:
		rd = c->peer;
		rport = c->remote_port;
		ipc_hold(rd);
		break;
	default:
		rc = -EINVAL;
	}
	spin_unlock(&me->evtchn->lock);
	if (io_dom)
		hvm_ioreq_kick(me, io_dom, io_vcpu);
	if (!rd)
		return rc;
	spin_lock(&rd->evtchn->lock);
	c = evtchn_lookup(&rd->evtchn->table, rport);
	/* Still our other end? It may have been closed while no lock was held. */
	if (c && c->state == ECS_INTERDOMAIN && c->peer == me && c->remote_port == op.port)
		set_pending(rd, rport);
	spin_unlock(&rd->evtchn->lock);
	domain_put(rd);
	return 0;
}

static long op_unmask(struct vcpu *v, u64 arg)
{
	struct evtchn_unmask op;
	struct domain *me = v->domain;
	struct evtchn_domain *ev = me->evtchn;
	struct evtchn *c;
	long rc = 0;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&ev->lock);
	c = evtchn_lookup(&ev->table, op.port);
	if (!c)
		rc = -EINVAL;
	else if (evtchn_2l_unmask(ev->shared, vinfo(ev, c->notify_vcpu), op.port) && !ev->dead)
		upcall(me, c->notify_vcpu);
	spin_unlock(&ev->lock);
	return rc;
}

static void fill_status(const struct evtchn *c, struct evtchn_status *op)
{
	static const u32 status[] = {
		[ECS_FREE] = EVTCHNSTAT_closed, [ECS_RESERVED] = EVTCHNSTAT_closed,
		[ECS_UNBOUND] = EVTCHNSTAT_unbound, [ECS_INTERDOMAIN] = EVTCHNSTAT_interdomain,
		[ECS_VIRQ] = EVTCHNSTAT_virq, [ECS_IPI] = EVTCHNSTAT_ipi,
		[ECS_IOREQ] = EVTCHNSTAT_interdomain, [ECS_PIRQ] = EVTCHNSTAT_pirq,
	};

	memset(&op->u, 0, sizeof(op->u));
	op->status = status[c->state];
	op->vcpu = c->notify_vcpu;
	if (c->state == ECS_UNBOUND) {
		op->u.unbound.dom = c->remote_domid;
	} else if (c->state == ECS_INTERDOMAIN) {
		op->u.interdomain.dom = c->remote_domid;
		op->u.interdomain.port = c->remote_port;
	} else if (c->state == ECS_VIRQ) {
		op->u.virq = c->virq;
	} else if (c->state == ECS_IOREQ) {
		op->u.interdomain.dom = c->remote_domid;	/* Xen: the guest, port unknown */
	} else if (c->state == ECS_PIRQ) {
		op->u.pirq = c->virq;
	}
}

static long op_status(struct vcpu *v, u64 arg)
{
	struct evtchn_status op;
	struct domain *me = v->domain, *d;
	struct evtchn *c;
	long rc;

	if (copy_from_guest(v, &op, arg, sizeof(op)))
		return -EFAULT;
	if ((rc = ipc_target(me, op.dom, &d)))
		return rc;
	spin_lock(&d->evtchn->lock);
	c = evtchn_lookup(&d->evtchn->table, op.port);
	if (c)
		fill_status(c, &op);
	spin_unlock(&d->evtchn->lock);
	ipc_untarget(me, d);
	if (!c)
		return -EINVAL;
	return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

typedef long (*evtchn_op_fn)(struct vcpu *v, u64 arg);

/* Missing entries (bind_pirq, reset, init_control, expand_array,
 * set_priority): -ENOSYS, so guests fall back to the 2-level ABI. */
static const evtchn_op_fn evtchn_ops[] = {
	[EVTCHNOP_bind_interdomain] = op_bind_interdomain,
	[EVTCHNOP_bind_virq] = op_bind_virq,
	[EVTCHNOP_close] = op_close,
	[EVTCHNOP_send] = op_send,
	[EVTCHNOP_status] = op_status,
	[EVTCHNOP_alloc_unbound] = op_alloc_unbound,
	[EVTCHNOP_bind_ipi] = op_bind_ipi,
	[EVTCHNOP_bind_vcpu] = op_bind_vcpu,
	[EVTCHNOP_unmask] = op_unmask,
};

long evtchn_op_hypercall(struct vcpu *v, const u64 *a)
{
	if (a[0] >= ARRAY_SIZE(evtchn_ops) || !evtchn_ops[a[0]])
		return -ENOSYS;
	return evtchn_ops[a[0]](v, a[1]);
}

/* VCPUOP_register_vcpu_info: Xen copies the old contents and marks every
 * event pending once, so nothing raised meanwhile is lost. */
static long register_vcpu_info(struct vcpu *v, u32 id, u64 arg)
{
	struct vcpu_register_vcpu_info info;
	struct domain *d = v->domain;
	struct evtchn_domain *ev = d->evtchn;
	struct vcpu_info *vi, *old;
	paddr_t hpa;
	unsigned perm = 0;
	long rc = 0;

	if (copy_from_guest(v, &info, arg, sizeof(info)))
		return -EFAULT;
	if (info.rsvd || info.offset > PAGE_SIZE - sizeof(*vi) || info.offset % 8 ||
	    info.mfn >= MEMOP_GFN_LIMIT)
		return -EINVAL;
	memop_lock(d);
	if (ev->dead)
		rc = -ESRCH;
	else if (ev->vcpu_info[id])
		rc = -EBUSY;
	else if (memop_classify(d, info.mfn << PAGE_SHIFT, &hpa) != MEMOP_RAM ||
		 !p2m_lookup(&d->p2m, info.mfn << PAGE_SHIFT, &hpa, &perm) || !(perm & P2M_W))
		rc = -EINVAL;	/* the core writes it: own RAM the guest may write too */
	if (!rc) {
		vi = phys_to_virt(hpa + info.offset);
		old = vinfo(ev, id);
		if (old)
			memcpy(vi, old, sizeof(*vi));
		else
			memset(vi, 0, sizeof(*vi));
		vtime_fill(vi);
		ev->vcpu_info[id] = vi;
		evtchn_2l_mark_all(vi);
		upcall(d, id);
	}
	memop_unlock(d);
	return rc;
}

long evtchn_op_vcpu_op(struct vcpu *v, const u64 *a)
{
	struct domain *d = v->domain;

	if (a[1] >= d->nr_vcpus || !d->vcpus[a[1]])
		return -ENOENT;
	switch (a[0]) {
	case VCPUOP_is_up:
		return 1;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, (u32)a[1], a[2]);
	case VCPUOP_send_nmi:	/* any vCPU of the caller's own domain; no argument */
		if (a[2])
			return -EINVAL;
		if (!__atomic_exchange_n(&d->vcpus[a[1]]->lapic.nmi_pending, true, __ATOMIC_ACQ_REL))
			vlapic_kick(d->vcpus[a[1]]);
		return 0;
	default:
		return vtime_vcpu_op(v, (u32)a[0], (u32)a[1], a[2]);
	}
}

/* One of the ports pending, or an interrupt the vCPU would take right now. */
static bool poll_ready(struct vcpu *v, const evtchn_port_t *ports, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (evtchn_2l_is_pending(v->domain->evtchn->shared, ports[i]))
			return true;
	return vlapic_pending(v) >= 0 && (v->regs.rflags & RFLAGS_IF);
}

long evtchn_op_poll(struct vcpu *v, u64 arg)
{
	struct evtchn_domain *ev = v->domain->evtchn;
	evtchn_port_t ports[POLL_MAX_PORTS];
	struct sched_poll sp;
	u64 bit = 1ull << v->id, deadline;
	bool ready;

	if (copy_from_guest(v, &sp, arg, sizeof(sp)))
		return -EFAULT;
	if (!sp.nr_ports || sp.nr_ports > POLL_MAX_PORTS)
		return -EINVAL;
	if (copy_from_guest(v, ports, sp.ports, sp.nr_ports * sizeof(ports[0])))
		return -EFAULT;
	for (u32 i = 0; i < sp.nr_ports; i++)
		if (ports[i] >= EVTCHN_MAX_PORTS)
			return -EINVAL;
	/* Announce the poll, then look: a sender sets the bit, then looks for us. */
	__atomic_store_n(&ev->poll_port[v->id], sp.nr_ports == 1 ? (s32)ports[0] : -1,
			 __ATOMIC_RELEASE);
	__atomic_fetch_or(&ev->poll_mask, bit, __ATOMIC_SEQ_CST);
	ready = poll_ready(v, ports, sp.nr_ports);
	deadline = sp.timeout ? vtime_ns_to_tsc(sp.timeout) : 0;
	if (ready || (deadline && rdtsc() >= deadline)) {
		__atomic_fetch_and(&ev->poll_mask, ~bit, __ATOMIC_SEQ_CST);
		return 0;
	}
	sched_block_until(v, deadline);
	/* A sender between our look and the block found us still runnable: look again. */
	if (poll_ready(v, ports, sp.nr_ports)) {
		__atomic_fetch_and(&ev->poll_mask, ~bit, __ATOMIC_SEQ_CST);
		sched_wake(v);
	}
	return 0;
}

void evtchn_raise(struct domain *d, u32 port)
{
	spin_lock(&d->evtchn->lock);
	set_pending(d, port);
	spin_unlock(&d->evtchn->lock);
}

int evtchn_pirq_bind(struct domain *d, u32 tag, u32 *port)
{
	int rc;

	spin_lock(&d->evtchn->lock);
	rc = d->evtchn->dead ? -ESRCH : evtchn_bind_pirq(&d->evtchn->table, tag, port);
	spin_unlock(&d->evtchn->lock);
	return rc;
}

void evtchn_pirq_raise(struct domain *d, u32 port, u32 tag)
{
	struct evtchn *c;

	spin_lock(&d->evtchn->lock);
	c = evtchn_lookup(&d->evtchn->table, port);
	if (c && c->state == ECS_PIRQ && c->virq == tag)
		set_pending(d, port);
	spin_unlock(&d->evtchn->lock);
}

int evtchn_ioreq_ports(struct domain *dm, struct domain *g, u32 *ports)
{
	int rc = 0;

	spin_lock(&dm->evtchn->lock);
	for (u32 i = 0; i < g->nr_vcpus && !rc; i++)
		rc = evtchn_bind_ioreq(&dm->evtchn->table, g->id, i, &ports[i]);
	spin_unlock(&dm->evtchn->lock);
	return rc;
}

void evtchn_send_virq(struct domain *d, u32 virq)
{
	struct evtchn_domain *ev = d->evtchn;
	u64 f;

	if (!ev || virq >= NR_VIRQS || evtchn_virq_type(virq) == VIRQ_TYPE_VCPU)
		return;
	f = irq_save();
	spin_lock(&ev->lock);
	if (ev->table.virq[0][virq])
		set_pending(d, ev->table.virq[0][virq]);
	spin_unlock(&ev->lock);
	irq_restore(f);
}

void evtchn_send_virq_vcpu(struct vcpu *v, u32 virq)
{
	struct evtchn_domain *ev = v->domain->evtchn;
	u64 f;

	if (!ev || virq >= NR_VIRQS || evtchn_virq_type(virq) != VIRQ_TYPE_VCPU ||
	    v->id >= EVTCHN_MAX_VCPUS)
		return;
	f = irq_save();
	spin_lock(&ev->lock);
	if (ev->table.virq[v->id][virq])
		set_pending(v->domain, ev->table.virq[v->id][virq]);
	spin_unlock(&ev->lock);
	irq_restore(f);
}

/* The privileged domain (domid 0) hears of console input and dying domains. */
static void notify_dom0(u32 virq)
{
	struct domain *d0 = domain_get(0);

	if (!d0)
		return;
	if (d0->privileged)
		evtchn_send_virq(d0, virq);
	domain_put(d0);
}

void evtchn_console_notify(void)
{
	notify_dom0(VIRQ_CONSOLE);
}

void evtchn_callback_changed(struct domain *d)
{
	struct evtchn_domain *ev = d->evtchn;

	spin_lock(&ev->lock);
	for (u32 i = 0; !ev->dead && i < d->nr_vcpus; i++) {
		struct vcpu_info *vi = vinfo(ev, i);

		if (vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
			upcall(d, i);
	}
	spin_unlock(&ev->lock);
}

bool evtchn_frame_in_use(struct domain *d, paddr_t hpa)
{
	struct evtchn_domain *ev = d->evtchn;

	for (u32 i = 0; i < EVTCHN_MAX_VCPUS; i++)
		if (ev->vcpu_info[i] && (virt_to_phys(ev->vcpu_info[i]) & PAGE_MASK) ==
					       (hpa & PAGE_MASK))
			return true;
	return false;
}

int evtchn_domain_init(struct domain *d)
{
	struct evtchn_domain *ev = page_alloc();

	BUILD_BUG_ON(sizeof(*ev) > PAGE_SIZE);
	BUILD_BUG_ON(MAX_VCPUS > EVTCHN_MAX_VCPUS);
	if (!ev)
		return -ENOMEM;
	ev->lock = (spinlock_t)SPINLOCK_INIT;
	ev->shared_gpa = EVTCHN_NO_GPA;
	for (u32 i = 0; i < EVTCHN_MAX_VCPUS; i++)
		ev->poll_port[i] = -1;
	ev->shared = page_alloc();
	if (!ev->shared || evtchn_table_init(&ev->table, d->nr_vcpus, &evtchn_pages)) {
		page_free(ev->shared);
		page_free(ev);
		return -ENOMEM;
	}
	for (u32 i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		vtime_fill(&ev->shared->vcpu_info[i]);
	vtime_fill_wallclock(ev->shared);
	d->evtchn = ev;
	return 0;
}

void evtchn_domain_kill(struct domain *d)
{
	struct evtchn_domain *ev = d->evtchn;
	u32 port = 0;

	if (!ev)
		return;
	spin_lock(&ev->lock);
	ev->dead = true;
	__atomic_store_n(&ev->poll_mask, 0, __ATOMIC_SEQ_CST);
	spin_unlock(&ev->lock);
	for (;;) {
		spin_lock(&ev->lock);
		port = evtchn_next_used(&ev->table, port);
		spin_unlock(&ev->lock);
		if (!port)
			break;
		close_port(d, port);
	}
	if (d->id != 0)
		notify_dom0(VIRQ_DOM_EXC);
}

void evtchn_domain_free(struct domain *d)
{
	struct evtchn_domain *ev = d->evtchn;

	if (!ev)
		return;
	if (ev->shared_gpa != EVTCHN_NO_GPA)
		p2m_unmap(&d->p2m, ev->shared_gpa);
	evtchn_table_destroy(&ev->table);
	page_free(ev->shared);
	page_free(ev);
	d->evtchn = NULL;
}
