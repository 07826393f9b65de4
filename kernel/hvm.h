/*
 * HVM guests: the PC memory map, the binding to a device-model domain (the
 * ioreq page and its per-vCPU event channels, public/hvm/ioreq.h), and the
 * platform events the core delivers for it: MSI-format messages (the device
 * model's IOAPIC and PCI devices), the 8259's ExtINT through LINT0, INIT and
 * SIPI between vCPUs, and the EOI of level-triggered vectors reported back.
 */
#ifndef BULKHEAD_HVM_H
#define BULKHEAD_HVM_H

#include "types.h"
#include "spinlock.h"

struct domain;
struct vcpu;
struct bh_ioreq_page;

#define HVM_EXTINT_QUEUE 16

/* Legend: (I) set once, before the guest first runs; (L) under h->lock. */
struct hvm_domain {
	spinlock_t lock;
	struct bh_ioreq_page *iopage;	/* (I) a core page, mapped into the device model */
	struct domain *dm;		/* (L) set once: the device model, a reference held */
	bool ioreq_ready;		/* (L) set once: the device model mapped the page */
	u32 dm_port[64];		/* (L) the device model's port for vCPU i */
	u8 extint[HVM_EXTINT_QUEUE];	/* (L) ExtINT vectors from the 8259, FIFO */
	u32 extint_head, extint_tail;	/* (L) */
};

/* Fills d's RAM in the PC layout of public/bulkhead.h (BH_CREATE_hvm) and
 * creates its vCPUs at reset: 0 or -ENOMEM. d is new and paused. */
int hvm_domain_init(struct domain *d, u64 mem_mib);
void hvm_domain_free(struct domain *d);
/* BH_DOMCTL_set_dm: once, before the guest first runs. */
int hvm_set_dm(struct domain *d, u16 dm_domid);
/* Whether dm is d's device model (the dm_op permission check). */
bool hvm_is_dm_of(struct domain *d, struct domain *dm);

/* The device model signalled vCPU `vcpu` of guest's port: its answer is in. */
void hvm_ioreq_kick(struct domain *dm, u16 guest, u32 vcpu);
/* BH_DMOP_ioreq_setup. */
int hvm_ioreq_setup(struct domain *g, struct domain *dm, u64 local_gpa, u32 *ports);
/* BH_DMOP_set_mem_type on nr RAM pages from gfn. */
int hvm_set_mem_ro(struct domain *g, u64 gfn, u64 nr, bool ro);
/* An MSI-format message into d's local APICs (SDM Vol 3A 11.11). */
void hvm_msi(struct domain *d, u64 addr, u32 data);
/* The 8259 pair acknowledged vector: queue it for LINT0. -EBUSY when full. */
int hvm_extint_push(struct domain *d, u8 vector);
/* Drops the queued ExtINT vectors not yet taken. */
void hvm_extint_cancel(struct domain *d);
/* The next ExtINT vector v may take now (LINT0 accepts ExtINT), or -1; and
 * taking it. */
int hvm_extint_peek(struct vcpu *v);
void hvm_extint_take(struct vcpu *v);
/* A level-triggered vector was EOI'd in v's local APIC. */
void hvm_eoi(struct vcpu *v, u8 vector);
/* INIT or Start-up IPI for v (vlapic.c's ICR), from any pCPU. */
void hvm_init_ipi(struct vcpu *v);
void hvm_sipi(struct vcpu *v, u8 vector);
/* On v's pCPU before each entry: applies a pending INIT/SIPI. False: v must
 * not run now (it waits for a SIPI). */
bool hvm_vcpu_runnable_now(struct vcpu *v);
/* Whether a blocked v has something to wake for (sched.c). */
bool hvm_vcpu_wakeable(struct vcpu *v);

#endif
