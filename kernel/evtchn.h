/*
 * Event channels, Xen's 2-level ABI (public/event_channel.h): up to 4096
 * ports per domain, port 0 reserved, each port a pending and a mask bit in
 * the domain's shared_info page.
 *
 * Two halves. evtchn.c is the mechanism: the port table and the pending /
 * mask / selector bit logic on plain memory; it builds on the host for unit
 * tests and knows nothing of domains, locks or vCPUs (a peer is an opaque
 * owner pointer). evtchn_op.c is the core's: hypercalls, domain lookup,
 * locking, and the upcall (callback vector in the vLAPIC, wake-ups).
 *
 * Locking (evtchn_op.c): each domain's struct evtchn_domain has one lock for
 * its ports, vcpu_info pointers and shared_info placement. Operations on two
 * domains take both locks, lower domain id first. Lock order across
 * mechanisms: evtchn locks, then gnttab locks (gnttab.h), then d->lock.
 */
#ifndef BULKHEAD_EVTCHN_H
#define BULKHEAD_EVTCHN_H

#include "types.h"
#include "spinlock.h"
#include "p2m.h"
#include "public/event_channel.h"

#define EVTCHN_MAX_PORTS 4096		/* 64 words of 64 bits in shared_info */
#define EVTCHN_BUCKET_PORTS 128		/* one page of struct evtchn */
#define EVTCHN_NR_BUCKETS (EVTCHN_MAX_PORTS / EVTCHN_BUCKET_PORTS)
#define EVTCHN_MAX_VCPUS 64

enum evtchn_state {
	ECS_FREE,
	ECS_RESERVED,		/* port 0 */
	ECS_UNBOUND,		/* remote_domid may bind it */
	ECS_INTERDOMAIN,	/* connected to peer's remote_port */
	ECS_VIRQ,
	ECS_IPI,
	ECS_IOREQ,		/* a device model's port for one vCPU of its guest (hvm.h):
				 * remote_domid = the guest, virq = the vCPU */
	ECS_PIRQ,		/* a passed-through device's interrupt (pci_msi.h):
				 * virq = the core's vector, notifying vCPU 0 */
};

enum evtchn_virq_type { VIRQ_TYPE_VCPU, VIRQ_TYPE_GLOBAL, VIRQ_TYPE_DOMAIN };

/* One port. Under the owning domain's event lock; an interdomain pair
 * changes only with both domains' locks held. */
struct evtchn {
	u8 state;		/* enum evtchn_state */
	u8 pad;
	u16 remote_domid;	/* UNBOUND: who may bind; INTERDOMAIN: the peer */
	u32 notify_vcpu;	/* the vCPU whose vcpu_info gets the upcall */
	u32 remote_port;	/* INTERDOMAIN */
	u32 virq;		/* VIRQ */
	void *peer;		/* INTERDOMAIN: the peer's owner (a struct domain *) */
	u64 reserved;
};

struct evtchn_table {
	struct evtchn *bucket[EVTCHN_NR_BUCKETS];	/* allocated on demand */
	u16 (*virq)[NR_VIRQS];	/* [vcpu][virq] -> port, 0 = none; one page */
	u32 nr_vcpus;
	const struct page_ops *pages;
};

/* The table for a domain of nr_vcpus (1..64): port 0 reserved. 0 or -ENOMEM. */
int evtchn_table_init(struct evtchn_table *t, u32 nr_vcpus, const struct page_ops *pages);
void evtchn_table_destroy(struct evtchn_table *t);
/* The port's channel, or NULL when port is out of range or never allocated. */
struct evtchn *evtchn_lookup(const struct evtchn_table *t, u32 port);
/* Ports in use after this one (for teardown walks): the next non-free port
 * above `after`, or 0 when none. */
u32 evtchn_next_used(const struct evtchn_table *t, u32 after);
enum evtchn_virq_type evtchn_virq_type(u32 virq);

/* State transitions; the caller holds the lock(s) and has validated vcpu
 * and virq numbers against the domain. Each returns 0 or a negative errno
 * and changes nothing on failure. Ports come lowest-free first. */
int evtchn_alloc_unbound(struct evtchn_table *t, u16 remote_domid, u32 *port);
/* Binds a new local port to rt's unbound port rport, which must name ldomid.
 * lt may equal rt (a domain connecting to itself). */
int evtchn_bind_interdomain(struct evtchn_table *lt, u16 ldomid, void *lowner,
			    struct evtchn_table *rt, u16 rdomid, void *rowner, u32 rport,
			    u32 *lport);
int evtchn_bind_virq(struct evtchn_table *t, u32 virq, u32 vcpu, u32 *port);
int evtchn_bind_ipi(struct evtchn_table *t, u32 vcpu, u32 *port);
/* A new ECS_IOREQ port for vCPU guest_vcpu of guest_domid, notifying vCPU 0. */
int evtchn_bind_ioreq(struct evtchn_table *t, u16 guest_domid, u32 guest_vcpu, u32 *port);
/* A new ECS_PIRQ port for the core's interrupt tag, notifying vCPU 0. */
int evtchn_bind_pirq(struct evtchn_table *t, u32 tag, u32 *port);
int evtchn_bind_vcpu(struct evtchn_table *t, u32 port, u32 vcpu);
/* Frees port (its pending bit cleared in sh). An interdomain port needs the
 * peer's table (locked): the peer's end becomes unbound, bindable again by
 * my_domid (Xen's semantics). */
int evtchn_close(struct evtchn_table *t, struct shared_info *sh, u32 port, u16 my_domid,
		 struct evtchn_table *peer);

/* 2-level delivery on the shared pages. vi is the notified vCPU's vcpu_info,
 * or NULL when it has none (vCPU >= 32 without VCPUOP_register_vcpu_info):
 * then only the port's pending bit is set. */
#define EVTCHN_NEWLY_PENDING 1u	/* the port's bit went 0 -> 1: check pollers */
#define EVTCHN_UPCALL 2u	/* evtchn_upcall_pending went 0 -> 1: notify the vCPU */
unsigned evtchn_2l_set_pending(struct shared_info *sh, struct vcpu_info *vi, u32 port);
/* Clears the mask bit; EVTCHN_UPCALL when the port was pending and that
 * made the vCPU's upcall_pending go 0 -> 1. */
unsigned evtchn_2l_unmask(struct shared_info *sh, struct vcpu_info *vi, u32 port);
bool evtchn_2l_is_pending(const struct shared_info *sh, u32 port);
void evtchn_2l_clear_pending(struct shared_info *sh, u32 port);
/* After VCPUOP_register_vcpu_info: every selector bit and upcall_pending set. */
unsigned evtchn_2l_mark_all(struct vcpu_info *vi);

/* ---- The core's side (evtchn_op.c; declared here, not built on the host) ---- */
struct domain;
struct vcpu;

/* Per-domain event state, one page. (L) = under lock. */
struct evtchn_domain {
	spinlock_t lock;
	bool dead;				/* (L) domain killed: no new ports, no delivery */
	struct evtchn_table table;		/* (L) */
	struct shared_info *shared;		/* (I) the domain's shared_info page */
	gpaddr_t shared_gpa;			/* (L) where it is mapped, or EVTCHN_NO_GPA */
	struct vcpu_info *vcpu_info[EVTCHN_MAX_VCPUS];	/* (L) registered areas, or NULL */
	s32 poll_port[EVTCHN_MAX_VCPUS];	/* (A) SCHEDOP_poll: its one port, or -1 = any */
	u64 poll_mask;				/* (A) vCPUs blocked in SCHEDOP_poll */
};
#define EVTCHN_NO_GPA (~0ull)

/* Life cycle hooks, called from domain.c. init: before the vCPUs exist
 * (0 or -ENOMEM, nothing left on failure). kill: once, before the vCPUs are
 * torn down; closes every port and stops deliveries. free: when the domain
 * itself is freed (its shared_info unmapped from the p2m and freed). */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_kill(struct domain *d);
void evtchn_domain_free(struct domain *d);

/* Raise a global or per-domain VIRQ (VIRQ_CONSOLE, VIRQ_DOM_EXC, ...) on d,
 * if d bound it. Any context, interrupts on or off; d must stay alive. */
void evtchn_send_virq(struct domain *d, u32 virq);
/* Raises d's port from the core (the ioreq notifications); takes d's event lock. */
void evtchn_raise(struct domain *d, u32 port);
/* ioreq_setup: one ECS_IOREQ port of dm per vCPU of guest g, into ports[]. */
int evtchn_ioreq_ports(struct domain *dm, struct domain *g, u32 *ports);
/* pci_msi.c: a new ECS_PIRQ port of d for tag (0, or -ESRCH once d is
 * killed, -ENOSPC); and raising it from the interrupt handler (interrupts
 * off), only while that port is still an ECS_PIRQ port of tag. */
int evtchn_pirq_bind(struct domain *d, u32 tag, u32 *port);
void evtchn_pirq_raise(struct domain *d, u32 port, u32 tag);
/* Raise a per-vCPU VIRQ (VIRQ_TIMER) on v. */
void evtchn_send_virq_vcpu(struct vcpu *v, u32 virq);
/* Console input arrived for Dom0: VIRQ_CONSOLE (console_input_notify). */
void evtchn_console_notify(void);
/* HVM_PARAM_CALLBACK_IRQ changed: deliver upcalls already pending. */
void evtchn_callback_changed(struct domain *d);
/* True when the host frame holds a registered vcpu_info of d (memop.c must
 * then not free it). Caller holds d->evtchn->lock. */
bool evtchn_frame_in_use(struct domain *d, paddr_t hpa);

/* Hypercalls: event_channel_op, vcpu_op, and sched_op(SCHEDOP_poll, arg). */
long evtchn_op_hypercall(struct vcpu *v, const u64 *a);
long evtchn_op_vcpu_op(struct vcpu *v, const u64 *a);
long evtchn_op_poll(struct vcpu *v, u64 arg);

#endif
