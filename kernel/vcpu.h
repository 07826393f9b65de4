/* Virtual CPUs: register state, scheduling state, the virtual local APIC. */
#ifndef BULKHEAD_VCPU_H
#define BULKHEAD_VCPU_H

#include "types.h"
#include "virt.h"
#include "runq.h"
#include "vlapic.h"

struct domain;

enum vcpu_state {
	VCPU_RUNNABLE,		/* on its pCPU's run queue or running */
	VCPU_BLOCKED,		/* HLT or SCHEDOP_block: waits for an event or timer */
	VCPU_DOWN,		/* its domain is dying or stopped */
};

/*
 * Legend: (I) immutable after creation; (P) touched only on the owning pCPU;
 * (Q) under pcpus[v->pcpu].rq.lock.
 */
/* A p2m lookup the vCPU's exits made, tagged with the domain's p2m_gen then
 * (guestmem.c): key = guest frame address | 1, 0 when empty. */
#define VCPU_P2M_CACHE 16
struct vcpu_p2m_cache {
	u64 key;
	u64 gen;
	paddr_t hpa;
	unsigned perm;
};

struct vcpu {
	struct domain *domain;		/* (I) */
	u32 id;				/* (I) index within the domain */
	u32 pcpu;			/* (I) the pCPU it runs on; vCPUs never migrate */
	u16 tag;			/* (I) unique non-zero VPID / ASID source */
	struct vcpu_regs regs;		/* (P) */
	void *vendor;			/* (P) VMCS or VMCB state of the backend */
	void *fpu;			/* (P) XSAVE/FXSAVE area, one page */
	u64 xcr0;			/* (P) the guest's XCR0 */
	u64 xcr0_accum;			/* (P) every XCR0 bit it ever set: state saved
					 * under one is restored under the same mask */
	bool debug_live;		/* (P) touched its debug registers: DR0-3 and DR6
					 * are switched with it, their accesses no longer exit */
	u64 dr[4], dr6;			/* (P) saved while debug_live and not running */
	struct vlapic lapic;		/* (P) */
	u8 upcall_vector;		/* (A) the event-channel callback vector to inject
					 * (HVM_PARAM_CALLBACK_IRQ type vector), outside the
					 * local APIC as Xen does: no IRR/ISR, no EOI; 0 none */
	enum vcpu_state state;		/* (Q) */
	struct rq_node rq;		/* (Q) */
	struct vcpu *cpu_next;		/* (Q) list of all vCPUs on this pCPU */
	u64 wake_tsc;			/* (Q) SCHEDOP_poll timeout: wake at this TSC; 0 none */
	u64 vtimer_tsc;			/* (A) Xen single-shot timer (vtime.c): due at this TSC; 0 off */
	u64 run_start_tsc;		/* (P) when it was last entered */
	u64 cpu_tsc;			/* (P) TSC ticks spent running */
	u64 exits;			/* (P) */
	u32 exit_kinds[EXIT_KIND_COUNT];	/* (P) exits by enum exit_kind, for 'q' and the bench */
	u64 exit_tsc[EXIT_KIND_COUNT];	/* (P) TSC ticks the core spent handling them */
	/* HVM guests (hvm.c, ioreq.c). */
	u8 io_wait;			/* (P) enum ioreq_wait: an access the device model owes */
	u8 reset_req;			/* (A) HVM_RESET_*: INIT / SIPI to apply on entry */
	u8 sipi_vector;			/* (A) with HVM_RESET_SIPI */
	bool wait_sipi;			/* (P) after INIT: runs only after a SIPI */
	struct exit_record io_exit;	/* (P) the port access being completed */
	u32 io_count;			/* (P) its elements (REP INS/OUTS) */
	u8 io_asize;			/* (P) its address size in bytes */
	u64 mmio_fault;			/* (P) the address that exited, for messages */
	u64 mmio_gpa, mmio_val;		/* (P) a device read: where, and its answer */
	u8 mmio_pending;		/* (P) size of the read with the device model; 0: a write */
	u8 mmio_size;			/* (P) size of the answered read, for the re-run; 0: none */
	struct vcpu_p2m_cache p2m_cache[VCPU_P2M_CACHE];	/* (P) guestmem.c */
};

/* Allocates vCPU id of d with its start state, placed on a pCPU. */
struct vcpu *vcpu_create(struct domain *d, u32 id, const struct vcpu_start *s);
/* Frees it; on its own pCPU, after it last ran. */
void vcpu_destroy(struct vcpu *v);
/* One guest entry and the handling of its exit; on v's pCPU, interrupts off. */
void vcpu_enter(struct vcpu *v);
/* Loads v's DR0-3 and DR6 into this pCPU; v is current here. */
void vcpu_debug_load(struct vcpu *v);
/* Whether a blocked v has something to wake up for (an interrupt it can
 * take, its device model's answer, a SIPI). On v's pCPU. */
bool vcpu_has_event(struct vcpu *v);
/* The guest's current mode (cached per exit). */
void vcpu_mode(struct vcpu *v, struct guest_mode *m);

#endif
